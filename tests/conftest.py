"""Shared fixtures: generated corpora and their processed outputs, made once per session."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def fold(text: str) -> str:
    """Lowercase, strip accents: how identity strings are searched for in outputs."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


@pytest.fixture
def french():
    """The in-process messages in French whatever the test machine's locale (the default users get)."""
    from anonymat import messages

    before = messages.language()
    messages.set_language("fr")
    yield
    messages.set_language(before)


def run_process(inputs: list[Path], outdir: Path, *extra: str) -> int:
    from typer.testing import CliRunner

    from anonymat.cli import app

    args = ["process", *map(str, inputs), "-o", str(outdir), "-q", *extra]
    result = CliRunner().invoke(app, args)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code


_GENERATED: dict[tuple[int, int], tuple[Path, dict]] = {}


def generated(tmp_path_factory, copies: int, seed: int) -> tuple[Path, dict]:
    """make_corpus(copies, seed), once per session for every module that asks for it: (root, truth).
    Read only: a test that changes its scans copies them first."""
    if (copies, seed) not in _GENERATED:
        from anonymat.synth import make_corpus

        root = tmp_path_factory.mktemp(f"generated-{copies}-{seed}")
        _GENERATED[(copies, seed)] = root, make_corpus(root, copies=copies, seed=seed)
    return _GENERATED[(copies, seed)]


@pytest.fixture(scope="session")
def six_copies(tmp_path_factory) -> Path:
    """The scans of `anonymat samples --copies 6 --seed 21` (the installed command, in a subprocess): one
    page's barcode torn. Read only (tests/test_faults.py, tests/test_cli.py)."""
    import os
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("six") / "S"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    done = subprocess.run(
        [sys.executable, "-m", "anonymat", "samples", str(root), "--copies", "6", "--seed", "21"],
        capture_output=True, text=True, timeout=600, check=False, env={**env, "LC_ALL": "en_US.UTF-8"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return root / "scans"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> tuple[Path, dict]:
    """A small freshly generated corpus (different seed from samples/)."""
    from anonymat.synth import make_corpus

    root = tmp_path_factory.mktemp("corpus")
    truth = make_corpus(root, copies=4, seed=11)
    return root, truth


@pytest.fixture(scope="session")
def processed(corpus, tmp_path_factory) -> tuple[Path, dict, Path, int]:
    """The corpus run through `anonymat process` with a vault."""
    root, truth = corpus
    out = tmp_path_factory.mktemp("out")
    vault = tmp_path_factory.mktemp("vault") / "v"
    code = run_process([root / "scans"], out, "--vault", str(vault), "--jobs", "2")
    return out, truth, vault, code


@pytest.fixture(scope="session")
def scan_ordered(corpus, tmp_path_factory) -> tuple[Path, int]:
    """The corpus through `anonymat process --jobs 1 --order scan` once per session: (outdir, exit code).
    Read only: tests/test_pipeline.py's page-cache test (so the run starts with a stale file in OUTDIR's
    page cache, and fails if a writer decodes a page the page stage encoded) and tests/test_distributed.py's
    local reference."""
    from anonymat.pdf import pagecache
    from anonymat.run import pipeline

    root, _ = corpus
    out = tmp_path_factory.mktemp("scan-ordered") / "out"
    stale = pagecache.folder(out)
    stale.mkdir(parents=True)
    (stale / "left-by-a-killed-run.jpg").write_bytes(b"not a page")
    real_render = pipeline.render_output_page

    def no_second_decode(facts):
        if facts.blank:  # in no PDF, not encoded by the page stage: decoded once, for the report
            return real_render(facts)
        raise AssertionError(f"{facts.label()} decoded again although the page stage encoded it")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "render_output_page", no_second_decode)
        code = run_process([root / "scans"], out, "--jobs", "1", "--order", "scan")
    return out, code


@pytest.fixture(scope="session")
def samples_processed(tmp_path_factory) -> tuple[Path, dict, int]:
    """The committed samples run through `anonymat process`."""
    truth = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
    out = tmp_path_factory.mktemp("samples-out")
    code = run_process([SAMPLES / "scans"], out, "--jobs", "2")
    return out, truth, code
