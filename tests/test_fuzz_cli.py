"""Property test through the whole CLI: mutated scans never crash `anonymat process`.

Seeds are a one-page PDF (dictionaries left uncompressed, so their keys and numbers can be mutated), a
TIFF and a PNG of a generated page. Mutations: a number or a name in a PDF dictionary swapped for a
hostile one, bytes flipped, inserted, a tail cut off. Whatever comes in, the run ends with exit code 0,
1 or 2, one-line messages, a batch.json, and no half-written copy.

50 examples by default; `FUZZ_EXAMPLES=10000 pytest tests/test_fuzz_cli.py` or `pytest -m slow` for more.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.test_trust import cli, good_pages

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
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
@_fuzz(LONG_EXAMPLES, derandomize=False)
@given(case=mutated())
def test_mutated_scans_never_crash_long(seeds, case):
    _check_run(*case)


def test_seeds_are_processed(seeds):
    """Unmutated, each seed is a usable page (the fuzzing starts from valid files)."""
    for suffix, data in seeds.items():
        with tempfile.TemporaryDirectory() as tmp:
            scans = Path(tmp, "scans")
            scans.mkdir()
            (scans / f"page{suffix}").write_bytes(data)
            code, output = cli(
                "process", scans, "-o", Path(tmp, "out"), "--jobs", "1", "--order", "scan", "-q"
            )
            batch = json.loads(Path(tmp, "out", "batch.json").read_text(encoding="utf-8"))
            assert batch["pages_in"] == 1 and not batch["errors"], (suffix, output)
