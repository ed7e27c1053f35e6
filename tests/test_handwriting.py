"""The handwriting reader protocol: a fake engine through read_pieces and page_text, the engine choice,
and the real rapidocr model on one real line crop (when ../shared/real-handwriting is present)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from anonymat.reading import ordering
from anonymat.text import handwriting, textlines
from tests.test_textlines import blank_area, write_line

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-handwriting"


class FakeReader:
    """Answers from a script, and records what it was given."""

    name = "fake"

    def __init__(self, answer) -> None:
        self.answer = answer
        self.calls: list[list[np.ndarray]] = []

    def read(self, pieces: Sequence[np.ndarray]) -> list[str]:
        self.calls.append(list(pieces))
        return [self.answer(k, len(pieces)) for k in range(len(pieces))]


def written_area(lines: int = 8) -> np.ndarray:
    area = blank_area(1200, 1600)
    for k in range(1, lines + 1):
        write_line(area, 95 * k - 8, 200, 1500 if k != lines else 700)
    return area


def test_fake_reader_gets_every_piece_cleaned_and_in_order():
    area = written_area()
    ink = textlines.ink_mask(area)
    bands = textlines.find_line_bands(area, ink.mask)
    pieces = [(k, b[2], b[3]) for k, b in enumerate(bands)]
    fake = FakeReader(lambda k, n: f"ligne {k}")
    texts = textlines.read_pieces(area, ink, bands, pieces, 8, 1.0, lambda *a, **k: [], fake)
    assert texts == [f"ligne {k}" for k in range(len(bands))]
    (given,) = fake.calls
    assert len(given) == len(bands)
    for crop, (top, bottom, _, _) in zip(given, bands, strict=True):
        assert crop.dtype == np.uint8 and crop.ndim == 2
        assert crop.shape[0] == bottom - top + 16  # the band and its padding
        assert np.percentile(crop, 50) >= 250  # paper made white
        assert crop.min() < 100  # the ink is kept


def test_page_text_uses_the_given_reader_for_head_and_tail():
    area = written_area()
    fake = FakeReader(lambda k, n: f"piece{k}")
    text = ordering.page_text(area, (0, 0, area.shape[1], area.shape[0]), reader=fake)
    (given,) = fake.calls  # one call per page
    assert text.lines == 8
    assert text.head == "piece0\npiece1\npiece2"  # the starts of the first three lines
    # the last two lines: the start of the second-last (for a marker, "…": cut) and the ends of both
    assert text.tail == "piece3 …\npiece4\npiece5"
    assert len(given) >= 6  # and the starts of lines that may open a section


def test_tesseract_reader_keeps_the_mosaic_path(monkeypatch):
    """With the tesseract reader, read_pieces makes one ocr_lines call over all pieces, as before."""
    area = written_area(4)
    ink = textlines.ink_mask(area)
    bands = textlines.find_line_bands(area, ink.mask)
    calls = []

    def fake_ocr_lines(mosaic, psm=6):
        calls.append(mosaic.shape)
        return []

    pieces = [(k, b[2], b[3]) for k, b in enumerate(bands)]
    texts = textlines.read_pieces(
        area, ink, bands, pieces, 8, 1.0, fake_ocr_lines, handwriting.TesseractReader()
    )
    assert texts == [""] * len(bands) and len(calls) == 1


def test_to_height_averages_the_piece_down_to_the_model_height():
    piece = np.full((192, 400), 255, np.uint8)
    piece[101:103, 50:350] = 0  # a 2 px stroke: bilinear sampling at 1/4 can miss it, averaging cannot
    small = handwriting.to_height(piece, 48)
    assert small.shape == (48, 100) and small.dtype == np.uint8
    assert small.min() < 200 and small[:, :10].min() == 255
    low = np.full((30, 90), 255, np.uint8)
    assert handwriting.to_height(low, 48) is low  # no higher than the model's input: left as is


def test_reader_choice(monkeypatch):
    monkeypatch.setenv("ANONYMAT_READER", "tesseract")
    assert handwriting.default_name() == "tesseract"
    assert isinstance(handwriting.reader(), handwriting.TesseractReader)
    monkeypatch.setenv("ANONYMAT_READER", "nonsense")
    with pytest.raises(ValueError):
        handwriting.reader()
    monkeypatch.delenv("ANONYMAT_READER")
    expected = "rapidocr" if handwriting.is_available("rapidocr") else "tesseract"
    assert handwriting.default_name() == expected


def test_missing_model_is_refused_not_downloaded(monkeypatch, tmp_path):
    monkeypatch.setattr(handwriting, "rapid_model_path", lambda: tmp_path / "absent.onnx")
    assert not handwriting.is_available("rapidocr")
    with pytest.raises(handwriting.MissingDependencyError):
        handwriting.RapidReader()


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-handwriting is not present")
@pytest.mark.skipif(not handwriting.is_available("rapidocr"), reason="rapidocr is not installed")
def test_rapidocr_reads_a_real_handwritten_line():
    import cv2
    from bench.evaluate_real import alto_lines, polygon_crop
    from rapidfuzz.distance import Levenshtein

    page = REAL / "copiste-dun-jour" / "wikitexte_0031_1"
    gray = cv2.imread(str(page.with_suffix(".jpg")), cv2.IMREAD_GRAYSCALE)
    polygon, truth = alto_lines(page.with_suffix(".xml"))[1]  # "J'ai lu les conditions de participation ..."
    (text,) = handwriting.RapidReader().read([polygon_crop(gray, polygon)])
    assert Levenshtein.distance(text, truth) / len(truth) < 0.3


def test_held_out_fonts_never_enter_the_development_corpus():
    from anonymat.synth.hand import HELD_OUT_FONTS, available_fonts

    dev, held = available_fonts(), available_fonts(held_out=True)
    assert set(held) <= set(HELD_OUT_FONTS)
    assert not set(dev) & set(HELD_OUT_FONTS)
    assert not set(dev.values()) & set(held.values())


def test_doctor_reports_the_handwriting_reader(monkeypatch, tmp_path):
    from anonymat import doctor

    monkeypatch.delenv("ANONYMAT_READER", raising=False)
    monkeypatch.setattr(handwriting, "rapid_model_path", lambda: tmp_path / "absent.onnx")
    check = next(c for c in doctor.run_checks() if c.name.startswith("lecteur d'écriture manuscrite"))
    assert not check.ok and "absent.onnx" in check.detail and check.required
    monkeypatch.setenv("ANONYMAT_READER", "tesseract")
    check = next(c for c in doctor.run_checks() if c.name.startswith("lecteur d'écriture manuscrite"))
    assert check.ok


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-handwriting is not present")
@pytest.mark.skipif(not handwriting.is_available("rapidocr"), reason="rapidocr is not installed")
def test_a_piece_reads_the_same_whatever_is_read_with_it():
    """A line start is read alike alone and beside a wide line (read in one batch, the short piece was
    padded to the wide one's width, and its text changed with what else the page held)."""
    import cv2
    from bench.evaluate_real import alto_lines, polygon_crop

    page = REAL / "copiste-dun-jour" / "wikitexte_0031_1"
    gray = cv2.imread(str(page.with_suffix(".jpg")), cv2.IMREAD_GRAYSCALE)
    crops = [polygon_crop(gray, polygon) for polygon, _ in alto_lines(page.with_suffix(".xml"))[:6]]
    starts = [c[:, : c.shape[1] // 3] for c in crops[:4]]
    height = min(c.shape[0] for c in crops)
    wide = np.concatenate([c[:height] for c in crops], axis=1)  # six lines end to end
    reader = handwriting.RapidReader()
    alone = [reader.read([s])[0] for s in starts]
    together = reader.read([*starts, wide, wide])[:4]
    assert together == alone
    assert all(alone)
