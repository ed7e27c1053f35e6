# anonymat: one command per job. Each target installs what it needs on a fresh Debian machine.
SHELL := /bin/bash
PY := .venv/bin/python
ANONYMAT := .venv/bin/anonymat
APT_PACKAGES := tesseract-ocr tesseract-ocr-fra poppler-utils libzbar0 \
                fonts-dejavu-core fonts-comic-neue fonts-breip fonts-dkg-handwriting \
                fonts-ecolier-court fonts-femkeklaver \
                chromium chromium-driver
export OMP_THREAD_LIMIT := 1

.PHONY: setup system-deps demo test test-all lint eval eval-forms bench fuzz samples clean

setup: system-deps .venv/.installed

# Install only the Debian packages that are missing (as root, or through sudo).
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

demo: setup
	rm -rf demo-out
	$(ANONYMAT) process samples/scans -o demo-out; rc=$$?; \
	echo "exit code $$rc (0 = all copies ok, 1 = some to check; README 'Exit codes' lists the others); open demo-out/report.html"; \
	[ $$rc -le 1 ]

test: setup
	$(PY) -m pytest -q

test-all: setup
	$(PY) -m pytest -q -m ''

lint: setup
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench
	.venv/bin/mypy src

samples: setup
	rm -rf samples/scans samples/truth.json
	$(ANONYMAT) samples samples --copies 4 --seed 7

eval: setup
	$(PY) bench/evaluate.py && $(PY) bench/evaluate_heldout.py && $(PY) bench/evaluate_real.py --lines --order

eval-forms: setup
	$(PY) bench/evaluate_forms.py --learn

bench: setup
	$(PY) bench/bench.py

fuzz: setup
	FUZZ_EXAMPLES=10000 $(PY) -m pytest -q -m slow tests/test_fuzz_cli.py -k long

clean:
	rm -rf .venv demo-out eval-out bench/out build src/*.egg-info
