"""The tesseract adapter and page_text, on French text rendered with DejaVu Sans at 300 dpi sizes."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest

from anonymat.errors import MissingDependencyError, PageError
from anonymat.reading import ordering
from anonymat.text import ocr
from anonymat.tools import has_language

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
pytestmark = pytest.mark.skipif(
    not (FONT.exists() and has_language("fra")), reason="needs DejaVu Sans and tesseract fra data"
)

LINES = [
    "Ville de Bellerive, le 14 mars 2023",
    "Note à l'attention de Madame la Directrice générale",
    "Objet : la mise en place du télétravail",
]

PAGE = [
    "Les agents de la commune demandent depuis longtemps",
    "des règles claires pour travailler à distance. Il",
    "convient donc de présenter le cadre puis la méthode.",
    "I) Un cadre juridique désormais établi",
    "A. Les textes applicables",
    "Le décret de 2016 fixe les conditions du télétravail et",
    "impose une demande écrite de la part de l'agent.",
    "B. Les enjeux pour la collectivité",
    "Le télétravail réduit la fatigue liée aux trajets et",
    "améliore la concentration sur les dossiers complexes.",
    "II) Une mise en oeuvre progressive",
    "A. Préparer le déploiement",
    "Chaque chef de service recensera les activités qui",
    "peuvent être exercées à distance avec ses équipes de",
]


@functools.cache
def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), size)


def render_lines(lines: list[str], width: int = 2300, pitch: int = 95, ruled: bool = False) -> np.ndarray:
    """Gray page area: 300 dpi sizes (x-height ~2.5 mm), light ruled lines, dark ink."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (width, pitch * (len(lines) + 2)), 242)
    draw = ImageDraw.Draw(image)
    if ruled:
        for y in range(pitch, image.height, pitch):
            draw.line([(0, y), (width, y)], fill=205, width=2)
    for k, text in enumerate(lines):
        draw.text((120, pitch * (k + 1) - 52), text, font=_font(44), fill=45)
    return np.array(image)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def test_ocr_lines_reads_french():
    lines = ocr.ocr_lines(render_lines(LINES))
    assert len(lines) == len(LINES)
    expected = _words(" ".join(LINES))
    found = set(_words(" ".join(line.text for line in lines)))
    assert sum(w in found for w in expected) / len(expected) >= 0.8
    assert lines[0].top < lines[1].top < lines[2].top
    assert all(0 <= line.conf <= 100 for line in lines)


def test_ocr_text_and_whitelist():
    digits = ocr.ocr_text(render_lines(["14 03 2023"]), psm=7, whitelist="0123456789 ")
    assert "2023" in digits


def test_empty_image_gives_nothing():
    assert ocr.ocr_lines(np.zeros((0, 0), np.uint8)) == []
    assert ocr.ocr_lines(np.full((200, 400), 240, np.uint8)) == []


def test_page_text_finds_head_tail_and_markers():
    area = render_lines(PAGE, ruled=True)
    height, width = area.shape
    page = np.full((height + 400, width + 200), 242, np.uint8)
    page[200 : 200 + height, 100 : 100 + width] = area
    result = ordering.page_text(page, (100, 200, 100 + width, 200 + height))
    assert result.lines == len(PAGE)
    # the start of the first lines and the end of the last lines are read (not whole lines: time)
    assert result.head.startswith("Les agents de la commune") and "des règles" in result.head
    assert result.tail.rstrip().endswith("équipes de")
    kinds = [kind for kind, _ in result.markers]
    assert kinds == ["I", "A", "B", "II", "A"]
    ys = [y for _, y in result.markers]
    assert ys == sorted(ys) and 0.0 < ys[0] < 1.0
    assert 0.8 < result.fill <= 1.0
    assert result.seconds > 0


def test_page_text_of_a_blank_area():
    result = ordering.page_text(np.full((1000, 1500), 240, np.uint8), (0, 0, 1500, 1000))
    assert result.lines == 0 and result.head == "" and result.markers == ()


class _Broken:
    def SetImageBytes(self, *args):  # noqa: N802 (tesserocr's API names)
        pass

    def SetSourceResolution(self, *args):  # noqa: N802
        pass

    def Recognize(self, timeout=0):  # noqa: N802
        raise RuntimeError("tesseract crashed")

    def GetUTF8Text(self):  # noqa: N802
        raise RuntimeError("tesseract crashed")


@pytest.mark.skipif(ocr.tesserocr is None, reason="tesserocr not installed")
def test_tesserocr_crash_becomes_page_error(monkeypatch):
    monkeypatch.setattr(ocr, "_api", lambda *args, **kwargs: _Broken())
    with pytest.raises(PageError):
        ocr.ocr_lines(render_lines(LINES[:1]))
    with pytest.raises(PageError):
        ocr.ocr_text(render_lines(LINES[:1]))


class _Slow(_Broken):
    def Recognize(self, timeout=0):  # noqa: N802
        return False  # what tesserocr returns when the deadline passed


@pytest.mark.skipif(ocr.tesserocr is None, reason="tesserocr not installed")
@pytest.mark.usefixtures("french")
def test_tesserocr_timeout_becomes_page_error(monkeypatch):
    monkeypatch.setattr(ocr, "_api", lambda *args, **kwargs: _Slow())
    with pytest.raises(PageError, match="a mis plus de 0 s sur cette page"):
        ocr.ocr_lines(render_lines(LINES[:1]), timeout_s=0.5)


@pytest.mark.skipif(ocr.tesserocr is None, reason="tesserocr not installed")
def test_real_timeout_stops_tesseract():
    with pytest.raises(PageError):
        ocr.ocr_lines(render_lines(PAGE), timeout_s=0.001)


def test_missing_language_is_a_missing_dependency():
    with pytest.raises(MissingDependencyError):
        ocr.ocr_lines(render_lines(LINES[:1]), lang="xyz")


def test_pytesseract_fallback_errors(monkeypatch):
    pytesseract = pytest.importorskip("pytesseract")
    monkeypatch.setattr(ocr, "tesserocr", None)

    def timeout(*args, **kwargs):
        raise RuntimeError("Tesseract process timeout")

    monkeypatch.setattr(pytesseract, "image_to_data", timeout)
    with pytest.raises(PageError):
        ocr.ocr_lines(render_lines(LINES[:1]))

    def not_found(*args, **kwargs):
        raise pytesseract.TesseractNotFoundError()

    monkeypatch.setattr(pytesseract, "image_to_data", not_found)
    with pytest.raises(MissingDependencyError):
        ocr.ocr_lines(render_lines(LINES[:1]))


def test_pytesseract_fallback_reads_lines(monkeypatch):
    pytest.importorskip("pytesseract")
    import shutil

    if shutil.which("tesseract") is None:
        pytest.skip("tesseract CLI not installed")
    monkeypatch.setattr(ocr, "tesserocr", None)
    lines = ocr.ocr_lines(render_lines(LINES))
    assert len(lines) == len(LINES) and "Bellerive" in lines[0].text


def _word_boxes_of_both_engines(monkeypatch) -> tuple[list[ocr.OcrWord], list[ocr.OcrWord]]:
    image = render_lines(LINES[:2])
    in_process = ocr.ocr_words(image, psm=11)
    monkeypatch.setattr(ocr, "tesserocr", None)
    return in_process, ocr.ocr_words(image, psm=11)


def test_ocr_words_gives_words_and_their_boxes(monkeypatch):
    import shutil

    if ocr.tesserocr is None or shutil.which("tesseract") is None:
        pytest.skip("needs both tesserocr and the tesseract CLI")
    in_process, cli = _word_boxes_of_both_engines(monkeypatch)
    for words in (in_process, cli):
        texts = [w.text for w in words]
        assert "Bellerive," in texts and "Directrice" in texts, texts
        word = next(w for w in words if w.text == "Directrice")
        x0, y0, x1, y1 = word.box
        assert 0 <= x0 < x1 <= 2300 and 95 < y1 and y0 < 95 * 3 and 0 <= word.conf <= 100
        first = next(w for w in words if w.text == "Ville")
        assert first.box[1] < word.box[1]  # line 1 above line 2
    # the adapter's two engines agree on where the words are (words read once by each)
    texts = [w.text for w in in_process]
    boxes = {w.text: w.box for w in in_process if texts.count(w.text) == 1}
    same = [
        w.box == boxes[w.text] for w in cli if w.text in boxes and [v.text for v in cli].count(w.text) == 1
    ]
    assert len(same) >= 5 and sum(same) >= 0.8 * len(same), same  # "à" may be segmented differently
    assert ocr.ocr_words(np.zeros((0, 0), np.uint8)) == []


def test_the_pytesseract_fallback_reads_what_tesserocr_reads(monkeypatch):
    """Without the tesserocr wheel the CLI through pytesseract gives the same lines, words and text."""
    page = render_lines(LINES)
    lines, words = ocr.ocr_lines(page), ocr.ocr_words(page)
    digits = ocr.ocr_text(render_lines(["14 03 2023"]), psm=7, whitelist="0123456789 ")
    monkeypatch.setattr(ocr, "tesserocr", None)
    fallback = ocr.ocr_lines(page)
    assert [line.text for line in fallback] == [line.text for line in lines]
    assert [abs(a.top - b.top) <= 2 for a, b in zip(fallback, lines, strict=True)] == [True] * len(lines)
    assert [w.text for w in ocr.ocr_words(page)] == [w.text for w in words]
    assert (
        ocr.ocr_text(render_lines(["14 03 2023"]), psm=7, whitelist="0123456789 ").strip() == digits.strip()
    )
