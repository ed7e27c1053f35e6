"""The synthetic copy generator: determinism, readable barcodes, printed header, flap states, truth."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pikepdf
import pytest
import zxingcpp
from PIL import Image
from pyzbar import pyzbar
from pyzbar.pyzbar import ZBarSymbol

from anonymat.synth import bank, make_corpus
from anonymat.synth.code39 import code39_modules, code39_row

from .conftest import fold

TESSDATA = "/usr/share/tesseract-ocr/5/tessdata"


def load_scan(root: Path, file: str, page: int) -> np.ndarray:
    """The stored page as the pipeline reads it: PDF image via pikepdf, TIFF frame / JPEG / PNG via PIL."""
    path = root / file
    if path.suffix == ".pdf":
        with pikepdf.open(path) as pdf:
            (obj,) = pdf.pages[page].get_images().values()
            img = pikepdf.PdfImage(obj).as_pil_image()
    else:
        img = Image.open(path)
        img.seek(page)
    return np.asarray(img.convert("L"))


def upright(img: np.ndarray, rotation: int) -> np.ndarray:
    """Apply the truth rotation (degrees clockwise)."""
    return np.ascontiguousarray(np.rot90(img, -(rotation // 90)))


def upright_box(box: list[int], rotation: int, shape: tuple[int, int]) -> list[int]:
    """A stored-scan box after turning the scan clockwise by `rotation`."""
    h, w = shape
    x0, y0, x1, y1 = box
    if rotation == 90:
        return [h - y1, x0, h - y0, x1]
    if rotation == 180:
        return [w - x1, h - y1, w - x0, h - y0]
    if rotation == 270:
        return [y0, w - x1, y1, w - x0]
    return box


def ocr(img: np.ndarray, psm: int = 6) -> str:
    import tesserocr

    with tesserocr.PyTessBaseAPI(path=TESSDATA, lang="fra", psm=psm) as api:
        api.SetImage(Image.fromarray(img))
        return fold(api.GetUTF8Text())


def written_pages(truth: dict):
    for copy in truth["copies"]:
        for page in copy["pages"]:
            if not page["blank"]:
                yield copy, page


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_code39_symbol_is_read_by_both_decoders():
    rng = np.random.default_rng(0)
    for _ in range(5):
        number = f"{int(rng.integers(0, 10**10)):010d}"
        row = code39_row(number, 2)
        assert row.size == 2 * (12 * 16 - 1)  # 12 characters of 15 modules, 11 one-module gaps
        img = np.full((60, row.size + 60), 255, np.uint8)
        img[10:50, 30 : 30 + row.size][:, row] = 0
        im = Image.fromarray(img)
        assert [r.text for r in zxingcpp.read_barcodes(im)] == [number]
        assert [r.data.decode() for r in pyzbar.decode(im, symbols=[ZBarSymbol.CODE39])] == [number]
    with pytest.raises(ValueError):
        code39_modules("a*b")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    kwargs = dict(copies=2, pages_per_copy=(2, 3), dpi_choices=(200,), jobs=2)
    make_corpus(tmp_path / "a", seed=5, **kwargs)
    # the second run in a fresh interpreter with another hash seed: no dependence on set/dict hashing
    code = (
        f"from anonymat.synth import make_corpus; make_corpus({str(tmp_path / 'b')!r}, seed=5, **{kwargs!r})"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    make_corpus(tmp_path / "c", seed=6, **kwargs)
    a, b, c = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert a == b
    assert any(a[name] != c.get(name) for name in a)


def test_truth_is_consistent(corpus):
    root, truth = corpus
    assert truth["generator"] == "anonymat.synth" and truth["version"] == 1
    numbers = [c["number"] for c in truth["copies"]]
    assert len(set(numbers)) == len(numbers) and all(re.fullmatch(r"[0-9]{10}", n) for n in numbers)
    layouts = {c["layout"] for c in truth["copies"]}
    assert {"pdf", "tiff", "jpeg"} <= layouts
    pdf_copies = {}
    for copy in truth["copies"]:
        written = [(p["file"], p["page"]) for p in copy["pages"] if not p["blank"]]
        assert sorted(written) == sorted((o["file"], o["page"]) for o in copy["order"])
        assert len(set(written)) == len(written)
        readings = sorted(p["reading_index"] for p in copy["pages"] if not p["blank"])
        assert readings == list(range(len(written)))
        assert [copy["pages"][0]] != [p for p in copy["pages"] if p["reading_index"] == 0] or len(
            written
        ) == 1
        for i, page in enumerate(copy["pages"]):
            assert page["rotation"] in (0, 90, 180, 270)
            assert (root / page["file"]).exists()
            img = load_scan(root, page["file"], page["page"])
            assert img.dtype == np.uint8 and img.ndim == 2
            portrait = img.shape[0] > img.shape[1]
            assert portrait == (page["rotation"] in (0, 180))
            if page["blank"]:
                assert page["flap"] is None and page["identity_box"] is None and page["reading_index"] is None
                assert i > 0 and not copy["pages"][i - 1]["blank"]  # right after its recto
            else:
                assert page["flap"] in ("open", "folded")
                assert page["barcode_damage"] in ("none", "smudge", "pen", "torn")
                x0, y0, x1, y1 = page["identity_box"]
                assert 0 <= x0 < x1 <= img.shape[1] and 0 <= y0 < y1 <= img.shape[0]
        if copy["layout"] == "pdf":
            pdf_copies.setdefault(copy["pages"][0]["file"], []).append(copy)
    assert any(len(v) >= 2 for v in pdf_copies.values()), "several copies back to back in one PDF"
    for file, copies in pdf_copies.items():
        with pikepdf.open(root / file) as pdf:
            assert len(pdf.pages) == sum(len(c["pages"]) for c in copies)
            assert "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root


def test_every_intact_barcode_is_read_by_both_decoders(corpus):
    root, truth = corpus
    checked = 0
    for copy, page in written_pages(truth):
        if page["barcode_damage"] != "none":
            continue
        im = Image.fromarray(upright(load_scan(root, page["file"], page["page"]), page["rotation"]))
        (found,) = [r for r in zxingcpp.read_barcodes(im) if r.text == copy["number"]]
        # turned by the truth rotation, the sticker sits in the top right corner, bars horizontal
        corners = [found.position.top_left, found.position.bottom_right]
        assert all(p.x > 0.6 * im.width and p.y < 0.25 * im.height for p in corners), page
        assert found.orientation in range(-10, 11), page
        assert copy["number"] in [r.data.decode() for r in pyzbar.decode(im, symbols=[ZBarSymbol.CODE39])], (
            page
        )
        checked += 1
    assert checked >= 4


def test_printed_header_is_read_by_tesseract(corpus):
    root, truth = corpus
    pages = [(c, p) for c, p in written_pages(truth) if p["flap"] == "open"][:2]
    assert pages
    for _copy, page in pages:
        img = upright(load_scan(root, page["file"], page["page"]), page["rotation"])
        band = img[: int(110 / 25.4 * page["dpi"])]
        text = ocr(band)
        for word in ("partie", "rabattre", "anonymat"):
            assert word in text, (word, page["file"], page["page"])


def test_identity_is_hidden_when_folded_and_readable_when_open(corpus):
    root, truth = corpus
    folded = [(c, p) for c, p in written_pages(truth) if p["flap"] == "folded"][:2]
    opened = [(c, p) for c, p in written_pages(truth) if p["flap"] == "open" and c["font"] == "comic-neue"][
        :1
    ]
    assert folded and opened
    for copy, page in folded + opened:
        img = load_scan(root, page["file"], page["page"])
        x0, y0, x1, y1 = upright_box(page["identity_box"], page["rotation"], img.shape)
        img = upright(img, page["rotation"])
        mid = (x0 + x1) // 2
        text = ocr(img[y0:y1, mid:x1])  # Z, the identity zone (right half of the band)
        assert (fold(copy["identity"]["nom"]) in text) == (page["flap"] == "open"), (page, text)
        flap_side = img[y0:y1, mid:x1] if page["flap"] == "folded" else img[y0:y1, x0:mid]
        assert "rabattre" in ocr(flap_side), page  # the flap print is where the truth box says


def test_every_shipped_layout_and_hard_case_is_in_the_samples():
    import json

    samples = Path(__file__).resolve().parent.parent / "samples"
    truth = json.loads((samples / "truth.json").read_text(encoding="utf-8"))
    pages = [p for c in truth["copies"] for p in c["pages"]]
    assert {c["layout"] for c in truth["copies"]} >= {"pdf", "tiff", "jpeg"}
    assert {p["rotation"] for p in pages} >= {0, 180} and {90, 270} & {p["rotation"] for p in pages}
    assert any(p["blank"] for p in pages) and {"open", "folded"} <= {p["flap"] for p in pages}
    assert "breip" in {c["font"] for c in truth["copies"]}
    assert all(2 <= len(c["order"]) <= 4 for c in truth["copies"])
    assert sum(f.stat().st_size for f in samples.rglob("*") if f.is_file()) < 8.5e6


def test_body_text_bank_names_nobody():
    people = {fold(n) for n in bank.FAMILY_NAMES} | {fold(n) for n in bank.GIVEN_NAMES}
    texts = bank.INTRO + bank.PLAN + bank.BODY_I + bank.BODY_II + bank.CONCLUSION + bank.TOWNS
    texts += [
        str(v)
        for topic in bank.TOPICS
        for values in topic.values()
        for v in (values if isinstance(values, list) else [values])
    ]
    words = {w for t in texts for w in re.findall(r"[a-z]+", fold(t))}
    assert not people & words


def test_pages_are_jpeg_in_pdf_and_dpi_is_recorded(corpus):
    root, truth = corpus
    for copy in truth["copies"]:
        page = copy["pages"][0]
        path = root / page["file"]
        if path.suffix == ".pdf":
            with pikepdf.open(path) as pdf:
                (obj,) = pdf.pages[page["page"]].get_images().values()
                assert obj.Filter == "/DCTDecode" and obj.ColorSpace == "/DeviceGray"
                box = pdf.pages[page["page"]].mediabox
                assert abs(float(box[2]) - obj.Width * 72 / page["dpi"]) < 0.01
        else:
            with Image.open(path) as im:
                assert round(im.info["dpi"][0]) == page["dpi"]
        assert io is not None
