# anonymat: one command per job. Each target installs what it needs on a fresh Debian machine.
SHELL := /bin/bash
PY := .venv/bin/python
ANONYMAT := .venv/bin/anonymat
# what anonymat needs to run (the fonts draw `anonymat samples`' copies), and what only the tests need
APT_PACKAGES := tesseract-ocr tesseract-ocr-fra poppler-utils libzbar0 \
                fonts-dejavu-core fonts-comic-neue fonts-breip fonts-dkg-handwriting \
                fonts-ecolier-court fonts-femkeklaver fonts-dancingscript
APT_TEST_PACKAGES := chromium chromium-driver
export OMP_THREAD_LIMIT := 1

.PHONY: setup setup-dev system-deps test-deps demo test test-all lint eval eval-forms bench fuzz samples clean

# `make demo` installs what running needs; the test targets add the test tools (chromium, pytest, ruff...)
setup: system-deps .venv/.installed
setup-dev: setup test-deps .venv/.installed-dev

# Install only the Debian packages that are missing (as root, or through sudo).
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

system-deps:
	$(call apt_install,$(APT_PACKAGES))

test-deps:
	$(call apt_install,$(APT_TEST_PACKAGES))

.venv/.installed: pyproject.toml
	@echo "preparing .venv with anonymat and its libraries (first time only, about a minute)"
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

.venv/.installed-dev: .venv/.installed
	@echo "adding the test and lint tools to .venv (first time only)"
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

demo: setup
	rm -rf demo-out
	$(ANONYMAT) process samples/scans -o demo-out; rc=$$?; \
	echo "exit code $$rc (0 = all copies ok, 1 = some to check; README 'Exit codes' lists the others); open demo-out/report.html"; \
	[ $$rc -le 1 ]

test: setup-dev
	$(PY) -m pytest -q

test-all: setup-dev
	$(PY) -m pytest -q -m ''

lint: setup-dev
	.venv/bin/ruff check src tests bench tools
	.venv/bin/ruff format --check src tests bench tools
	.venv/bin/mypy src

samples: setup
	rm -rf samples/scans samples/truth.json
	$(ANONYMAT) samples samples --copies 4 --seed 7

eval: setup-dev
	$(PY) bench/evaluate.py && $(PY) bench/evaluate_devtext.py && $(PY) bench/evaluate_devtext.py --texts bank && $(PY) bench/evaluate_devtext.py --texts bank --capitals && $(PY) bench/evaluate_devtext.py --capitals && $(PY) bench/evaluate_devtext.py --texts bank --cursive && $(PY) bench/evaluate_devtext.py --texts bank --cursive --capitals && $(PY) bench/evaluate_heldout.py && $(PY) bench/evaluate_real.py --lines --order

eval-forms: setup-dev
	$(PY) bench/evaluate_forms.py --learn

bench: setup-dev
	$(PY) bench/bench.py

fuzz: setup-dev
	FUZZ_EXAMPLES=10000 $(PY) -m pytest -q -m slow tests/test_fuzz_cli.py -k long

clean:
	rm -rf .venv demo-out eval-out bench/out build src/*.egg-info
