"""output: the rebuilt PDF and the atomic writes, checked by reopening real files."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest

from anonymat import __version__
from anonymat.errors import AnonymatError
from anonymat.pdf import output
from anonymat.pdf.output import (
    atomic_path,
    clean_page,
    paper_level,
    whiten_paper,
    write_copy_pdf,
    write_json_atomic,
)


def scan_like(width: int = 827, height: int = 1170, seed: int = 0) -> np.ndarray:
    """A 100-dpi A4 page: noisy paper at 240 and some dark writing."""
    rng = np.random.default_rng(seed)
    page = np.clip(rng.normal(240, 3, (height, width)), 0, 255).astype(np.uint8)
    for i in range(12):
        cv2.putText(
            page, f"Reponse {seed}.{i} : x = 42", (40, 100 + 80 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 35, 2
        )
    return page


@pytest.fixture
def two_pages() -> list[tuple[np.ndarray, float]]:
    # The second page is exactly 600 x 800 pt: round sizes must not be written as 6E+2.
    return [(scan_like(seed=0), 100.0), (scan_like(1000, 1333, seed=1), 120.0)]


def test_pdf_reopens_with_one_image_per_page(
    tmp_path: Path, two_pages: list[tuple[np.ndarray, float]]
) -> None:
    path = tmp_path / "1234567890.pdf"
    digest = write_copy_pdf(two_pages, path)
    import hashlib

    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2
        assert "/Metadata" not in pdf.Root
        assert {str(k): str(v) for k, v in pdf.docinfo.items()} == {"/Producer": f"anonymat {__version__}"}
        for key in ("/Outlines", "/Names", "/AcroForm", "/OpenAction"):
            assert key not in pdf.Root
        for page, (gray, dpi) in zip(pdf.pages, two_pages, strict=True):
            h, w = gray.shape
            box = [float(v) for v in page.MediaBox]
            assert box == pytest.approx([0, 0, w / dpi * 72, h / dpi * 72], abs=1e-3)
            assert "/Annots" not in page and "/Thumb" not in page
            images = list(page.get_images().values())
            assert len(images) == 1
            image = pikepdf.PdfImage(images[0])
            assert (image.width, image.height) == (w, h)
            assert (
                images[0].Filter == pikepdf.Name.DCTDecode and images[0].ColorSpace == pikepdf.Name.DeviceGray
            )
            pixels = cv2.imdecode(np.frombuffer(images[0].read_raw_bytes(), np.uint8), cv2.IMREAD_UNCHANGED)
            assert pixels.shape == gray.shape
            assert np.abs(pixels.astype(int) - clean_page(gray, dpi)).mean() < 3
            ink = gray < 100
            assert np.abs(pixels[ink].astype(int) - gray[ink]).mean() < 25  # the writing keeps its darkness
    assert b"6E+2" not in path.read_bytes() and b"600 0 0 799.8 0 0 cm" in _contents(path, 1)
    doc = pdfium.PdfDocument(str(path))
    try:
        assert len(doc) == 2
        for i, (gray, dpi) in enumerate(two_pages):
            page = doc[i]
            assert page.get_size() == pytest.approx(
                (gray.shape[1] / dpi * 72, gray.shape[0] / dpi * 72), abs=1e-2
            )
            assert page.get_textpage().get_text_range() == ""
    finally:
        doc.close()


def _contents(path: Path, index: int) -> bytes:
    with pikepdf.open(path) as pdf:
        return pdf.pages[index].Contents.read_bytes()


def test_paper_becomes_white_and_writing_stays(two_pages: list[tuple[np.ndarray, float]]) -> None:
    gray = two_pages[0][0]
    level, sigma = paper_level(gray)
    assert 238 <= level <= 242 and 2 <= sigma <= 4
    clean = whiten_paper(gray)
    paper = gray > 225
    assert (clean[paper] == 255).mean() > 0.99
    assert clean[gray < 60].max() < 80


def test_faint_pencil_stays_visible() -> None:
    """A 0.4 mm pencil line at grey 190 on paper at 240 (200 dpi) must still show after cleaning."""
    rng = np.random.default_rng(3)
    page = np.clip(rng.normal(240, 3, (600, 600)), 0, 255).astype(np.uint8)
    page[300:303, 50:550] = 190
    page[100:104, 50:550] = 40
    out = clean_page(page, 200.0)
    assert out[295:308, 100:500].min(axis=0).mean() < 235
    assert out[95:110, 100:500].min(axis=0).mean() < 60
    assert (out[400:] == 255).mean() > 0.99


def test_raw_option_keeps_the_pixels(tmp_path: Path) -> None:
    gray = scan_like()
    write_copy_pdf([(gray, 100.0)], tmp_path / "raw.pdf", jpeg_quality=95, clean=False, max_page_kb=0)
    with pikepdf.open(tmp_path / "raw.pdf") as pdf:
        raw = next(iter(pdf.pages[0].get_images().values())).read_raw_bytes()
    pixels = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_UNCHANGED)
    assert np.abs(pixels.astype(int) - gray).mean() < 2


def test_same_pixels_give_same_bytes(tmp_path: Path, two_pages: list[tuple[np.ndarray, float]]) -> None:
    a = write_copy_pdf(two_pages, tmp_path / "a.pdf")
    b = write_copy_pdf(two_pages, tmp_path / "b.pdf")
    assert a == b
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_failed_write_leaves_no_file(
    tmp_path: Path, two_pages: list[tuple[np.ndarray, float]], monkeypatch
) -> None:
    def broken_save(self: pikepdf.Pdf, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(pikepdf.Pdf, "save", broken_save)
    with pytest.raises(OSError):
        write_copy_pdf(two_pages, tmp_path / "1.pdf")
    assert list(tmp_path.iterdir()) == []


def test_disk_full_is_one_actionable_error(
    tmp_path: Path, two_pages: list[tuple[np.ndarray, float]], monkeypatch
) -> None:
    def full(fd: int) -> None:  # a full disk shows up when the data is flushed
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full)
    with pytest.raises(AnonymatError) as info:
        write_copy_pdf(two_pages, tmp_path / "1.pdf")
    monkeypatch.undo()
    message = str(info.value)
    assert "le disque est plein" in message and str(tmp_path) in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_read_only_folder(tmp_path: Path, two_pages: list[tuple[np.ndarray, float]]) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(AnonymatError, match=str(folder)):
            write_copy_pdf(two_pages, folder / "1.pdf")
    finally:
        folder.chmod(0o755)


def test_read_only_file_system(
    tmp_path: Path, two_pages: list[tuple[np.ndarray, float]], monkeypatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> int:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(output.os, "open", read_only)
    with pytest.raises(AnonymatError) as info:
        write_copy_pdf(two_pages, tmp_path / "1.pdf")
    monkeypatch.undo()
    assert "lecture seule" in str(info.value) and str(tmp_path) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder(tmp_path: Path, two_pages: list[tuple[np.ndarray, float]]) -> None:
    with pytest.raises(AnonymatError, match="le dossier n'existe pas : créez-le d'abord"):
        write_copy_pdf(two_pages, tmp_path / "nope" / "1.pdf")


def test_atomic_path_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".")
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert list(tmp_path.iterdir()) == [target]


def test_write_json_atomic(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    data = {"file": "copies/élève.pdf", "n": [1, 2]}
    write_json_atomic(data, path)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "élève" in text and '\n  "n"' in text
    assert json.loads(text) == data


def test_bad_pages_are_programming_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_copy_pdf([], tmp_path / "x.pdf")
    with pytest.raises(ValueError):
        write_copy_pdf([(np.zeros((10, 10, 3), np.uint8), 100.0)], tmp_path / "x.pdf")
    with pytest.raises(ValueError):
        write_copy_pdf([(np.zeros((10, 10), np.uint8), 0.0)], tmp_path / "x.pdf")
    assert list(tmp_path.iterdir()) == []


def test_masked_zone_stays_black_to_its_edges() -> None:
    page = scan_like()
    page[300:500, 100:700] = 0  # what masking paints over the identity zone
    out = clean_page(page, 200.0)
    assert out[300:500, 100:700].max() == 0
    assert out[299, 100:700].mean() > 100 and out[500, 100:700].mean() > 100  # the page around is untouched


def _script_page(line_step: int) -> np.ndarray:
    """A 200-dpi A4 page of cursive-like lines; a smaller step is a denser page."""
    rng = np.random.default_rng(1)
    gray = np.full((2339, 1654), 255, np.uint8)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz "))
    for y in range(60, 2300, line_step):
        text = "".join(rng.choice(letters, 55))
        cv2.putText(gray, text, (40, y), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.1, 0, 2, cv2.LINE_AA)
    return output.clean_page(gray, 200)


def test_a_dense_page_is_brought_under_the_size_limit_and_a_light_one_is_untouched() -> None:
    dense, light = _script_page(80), _script_page(160)
    assert len(output.encode_jpeg(dense, 40)) > 150 * 1024  # the case the limit is for
    capped = output.encode_page(dense, 200, 40, max_page_kb=150)
    assert len(capped) <= 150 * 1024
    assert cv2.imdecode(np.frombuffer(capped, np.uint8), cv2.IMREAD_GRAYSCALE).shape == dense.shape
    # only as much quality is given up as the limit needs, and 0 turns the limit off
    assert len(capped) > len(output.encode_jpeg(dense, output.MIN_CAPPED_QUALITY))
    assert output.encode_page(dense, 200, 40, max_page_kb=0) == output.encode_jpeg(dense, 40)
    assert output.encode_page(light, 200, 40) == output.encode_jpeg(light, 40)
    # the limit grows with the area above 200 dpi: the same pixels as a 300-dpi page (a smaller sheet)
    # stay at q40; below 200 dpi it does not shrink (thin barcode bars need the quality)
    assert output.encode_page(dense, 300, 40) == output.encode_jpeg(dense, 40)
    assert len(output.encode_page(light, 100, 40)) == len(output.encode_jpeg(light, 40))
