"""Property test through the whole CLI: mutated scans never crash `anonymat process`.

Seeds are a one-page PDF (dictionaries left uncompressed, so their keys and numbers can be mutated), a
TIFF and a PNG of a generated page. Mutations: a number or a name in a PDF dictionary swapped for a
hostile one, bytes flipped, inserted, a tail cut off. Whatever comes in, the run ends with exit code 0,
1 or 2, one-line messages, a batch.json, and no half-written copy.

50 examples by default; `make fuzz` runs 10,000 (`FUZZ_EXAMPLES=N pytest -m slow tests/test_fuzz_cli.py -k long`).
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.test_trust import cli, good_pages

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
HANG_S = 120  # one mutated page processed for longer than this is a hang
FAILED = Path(os.environ.get("FUZZ_FAILED", "fuzz-failures"))  # where `make fuzz` saves failing inputs
CASES = Path(__file__).parent / "fuzz_cases"  # failing inputs kept, once fixed, as regression cases
LONG_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
NUMBERS = [
    b"0",
    b"-1",
    b"1",
    b"3",
    b"16",
    b"90",
    b"45",
    b"2147483648",
    b"99999999",
    b"0.0001",
    b"1e9",
    b"-5.5",
]
NAMES = [
    *(b"/DCTDecode", b"/FlateDecode", b"/CCITTFaxDecode", b"/JBIG2Decode", b"/JPXDecode", b"/DeviceCMYK"),
    *(b"/DeviceRGB", b"/Indexed", b"/Pattern", b"/Image", b"/Form", b"/XObject", b"/Page", b"/Pages"),
    *(b"/Rotate", b"/Parent", b"/Kids", b"/Resources", b"/ImageMask", b"/SMask", b"/Decode", b"/Nope"),
]
NUMBER = rb"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])"
NAME = rb"/[A-Za-z]+"
_SEEDS: dict[str, bytes] = {}


@pytest.fixture(scope="module")
def seeds(corpus) -> dict[str, bytes]:
    """Small seed files (a page at 100 dpi keeps each run short)."""
    ((gray, dpi, _number),) = good_pages(corpus, 1)
    small = np.asarray(Image.fromarray(gray).resize((gray.shape[1] // 2, gray.shape[0] // 2)))
    h, w = small.shape
    jpeg = io.BytesIO()
    Image.fromarray(small).save(jpeg, "JPEG", quality=60, dpi=(dpi / 2, dpi / 2))
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, jpeg.getvalue())
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = w, h, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.DCTDecode
    pw, ph = round(w * 144 / dpi, 2), round(h * 144 / dpi, 2)
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, pw, ph],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, f"q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q".encode()),
    )
    pdf.pages.append(pikepdf.Page(page))
    buf = io.BytesIO()
    pdf.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    tiff, png = io.BytesIO(), io.BytesIO()
    Image.fromarray(small).save(tiff, "TIFF", compression="tiff_lzw", dpi=(dpi / 2, dpi / 2))
    Image.fromarray(small).save(png, "PNG", dpi=(dpi / 2, dpi / 2))
    _SEEDS.update({".pdf": buf.getvalue(), ".tif": tiff.getvalue(), ".png": png.getvalue()})
    return _SEEDS


def _dictionary_tokens(data: bytes, pattern: bytes) -> list[tuple[int, int]]:
    """(start, end) of tokens outside stream data."""
    spans, pos = [], 0
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        spans.append((pos, m.start(1)))
        pos = m.end(1)
    spans.append((pos, len(data)))
    return [(a + m.start(), a + m.end()) for a, b in spans for m in re.finditer(pattern, data[a:b])]


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from([".pdf", ".pdf", ".pdf", ".tif", ".png"]))
    data = bytearray(_SEEDS[suffix])
    for _ in range(draw(st.integers(1, 3))):
        kinds = ["number", "name", "flip", "insert", "cut"] if suffix == ".pdf" else ["flip", "insert", "cut"]
        kind = draw(st.sampled_from(kinds))
        if kind in ("number", "name"):
            pattern = NUMBER if kind == "number" else NAME
            tokens = _dictionary_tokens(bytes(data), pattern)
            if not tokens:
                continue
            start, end = draw(st.sampled_from(tokens))
            data[start:end] = draw(st.sampled_from(NUMBERS if kind == "number" else NAMES))
        elif kind == "flip" and data:
            at = draw(st.integers(0, len(data) - 1))
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            at = draw(st.integers(0, len(data)))
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "cut":
            data = data[: draw(st.integers(0, len(data)))]
    return suffix, bytes(data)


def _check_run(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scans, out = Path(tmp, "scans"), Path(tmp, "out")
        scans.mkdir()
        (scans / f"page{suffix}").write_bytes(data)
        code, output = cli("process", scans, "-o", out, "--jobs", "1", "--order", "scan", "--no-verify", "-q")
        assert code in (0, 1, 2, 4), output
        assert (
            "Traceback" not in output and "erreur interne" not in output and "internal error" not in output
        ), output
        for line in output.splitlines():
            assert line.startswith("anonymat: "), output
        batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
        assert batch["pages_in"] >= 0 and isinstance(batch["errors"], list)
        for path in out.iterdir():
            assert not path.name.endswith(".tmp"), path.name
        for manifest_path in out.glob("*.json"):
            if manifest_path.name != "batch.json":
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
                pdf = (out / manifest["pdf"]).read_bytes()
                assert hashlib.sha256(pdf).hexdigest() == manifest["pdf_sha256"]
        if code == 2:  # nothing could be done: nothing written
            assert batch["pages_in"] == 0 and not batch["copies"]


def _fuzz(examples: int, derandomize: bool):
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@_fuzz(EXAMPLES, derandomize=True)
@given(case=mutated())
def test_mutated_scans_never_crash(seeds, case):
    _check_run(*case)


@pytest.mark.slow
def test_mutated_scans_never_crash_long(seeds, capsys):
    """`make fuzz`: every example runs in a worker with a time limit (a hang is a failure, not a stuck
    run); failures do not stop the run: each failing input is saved under FAILED for a regression case
    (tests/fuzz_cases/), and the count, the time and the failures are printed at the end."""
    failures: list[str] = []
    began = time.monotonic()
    context = multiprocessing.get_context("forkserver")
    pool = [ProcessPoolExecutor(1, mp_context=context)]
    count = 0

    @_fuzz(LONG_EXAMPLES, derandomize=False)
    @given(case=mutated())
    def run_all(case: tuple[str, bytes]) -> None:
        nonlocal count
        count += 1
        suffix, data = case
        try:
            pool[0].submit(_check_run, suffix, data).result(timeout=HANG_S)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, the fuzzing goes on
            if isinstance(exc, TimeoutError):
                for worker in list(pool[0]._processes.values()):  # the hung worker: kill, start afresh
                    worker.kill()
                pool[0].shutdown(wait=False, cancel_futures=True)
                pool[0] = ProcessPoolExecutor(1, mp_context=context)
            FAILED.mkdir(parents=True, exist_ok=True)
            name = hashlib.sha256(data).hexdigest()[:16] + suffix
            (FAILED / name).write_bytes(data)
            failures.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")

    try:
        run_all()
    finally:
        pool[0].shutdown(wait=True)
    with capsys.disabled():
        print(f"\nfuzz: {count} mutated scans in {time.monotonic() - began:.0f} s, {len(failures)} failed")
        for line in failures:
            print(f"  {FAILED}/{line}")
    assert not failures


@pytest.mark.parametrize(
    "case", sorted(p for p in CASES.iterdir() if p.suffix in (".pdf", ".tif", ".png")), ids=lambda p: p.name
)
def test_inputs_that_once_failed_now_pass(case, tmp_path):
    """Inputs `make fuzz` found failing, kept once fixed (tests/fuzz_cases/): through the real command in
    a fresh process, where nothing (pytest's log capture) hides what a library prints."""
    _check_run(case.suffix, case.read_bytes())
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / f"page{case.suffix}").write_bytes(case.read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "anonymat", "process", str(scans), "-o", str(tmp_path / "out"), "-q"],
        capture_output=True,
        text=True,
        timeout=HANG_S,
    )
    assert done.stdout == ""
    assert all(line.startswith("anonymat: ") for line in done.stderr.splitlines()), done.stderr
