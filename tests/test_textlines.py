"""Line finding on synthetic writing areas: ruled lines, touching lines, light ink, numeral strokes."""

from __future__ import annotations

import numpy as np

from anonymat.text import textlines


def blank_area(height: int = 1200, width: int = 1600, ruled: bool = True) -> np.ndarray:
    rng = np.random.default_rng(0)
    area = np.clip(rng.normal(236, 3, (height, width)), 0, 255).astype(np.uint8)
    if ruled:
        area[::95, :] = 175  # ruled lines, as dark as light ink
        area[1::95, :] = 180
        area[:, 150:152] = 170  # the margin rule
    return area


def write_line(area: np.ndarray, baseline: int, x0: int, x1: int, ink: int = 60, x_height: int = 28) -> None:
    """Word-like blocks of vertical strokes between x0 and x1, with ascenders and descenders."""
    x = x0
    rng = np.random.default_rng(baseline)
    while x < x1:
        word = int(rng.integers(60, 160))
        for sx in range(x, min(x + word, x1), 9):
            top = baseline - (x_height * 2 if rng.random() < 0.2 else x_height)
            bottom = baseline + (x_height if rng.random() < 0.1 else 0)
            area[top:bottom, sx : sx + 3] = ink
        x += word + 30


def test_finds_lines_between_ruled_lines():
    area = blank_area()
    for k in range(1, 11):
        write_line(area, 95 * k - 8, 200, 1500 if k != 10 else 500)
    bands = textlines.find_line_bands(area)
    assert len(bands) == 10
    assert all(b[0] < b[1] for b in bands)
    assert bands[-1][3] < 600  # the short last line is found, and its right end is right


def test_light_ink_is_kept_and_rules_alone_are_not_lines():
    assert textlines.find_line_bands(blank_area()) == []
    area = blank_area()
    write_line(area, 300, 200, 1500, ink=150)  # a light pen, about as dark as the rules
    assert len(textlines.find_line_bands(area)) == 1


def test_touching_lines_are_split_at_the_pitch():
    area = blank_area(ruled=False)
    for k in range(1, 9):
        write_line(area, 60 * k + 40, 200, 1500, x_height=24)  # ascenders touch the line above
    for k in range(1, 9):  # long descenders join each line to the next
        area[60 * k + 40 : 60 * k + 75, 300:303] = 60
    bands = textlines.find_line_bands(area)
    assert len(bands) == 8


def test_line_pitch_of_a_periodic_profile():
    rows = np.arange(1000)
    profile = np.where((rows % 31) < 14, 50.0, 0.0)
    assert abs(textlines.line_pitch(profile) - 31) <= 1


def _numeral_mask(strokes: int, wide_first: bool = False) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Half-resolution ink: `strokes` thin uprights (the last one the parenthesis), a gap, a wide letter."""
    ink = np.zeros((40, 200), bool)
    x = 10
    if wide_first:
        ink[10:30, x : x + 16] = True
        x += 30
    else:
        for _ in range(strokes):
            ink[10:30, x : x + 3] = True
            x += 8
    ink[10:30, x + 14 : x + 34] = True  # the title's first letter, after a space
    return ink, (0, 80, 20, 380)  # full-resolution band


def test_numeral_strokes_raise_a_misread_one():
    ink, band = _numeral_mask(3)  # I, I, )
    assert textlines.count_numeral(ink, band, "I) Une démarche", "I") == "II"
    ink, band = _numeral_mask(2)  # I, )
    assert textlines.count_numeral(ink, band, "I) Une démarche", "I") == "I"
    ink, band = _numeral_mask(3)
    assert textlines.count_numeral(ink, band, "II) Une", "II") == "II"  # never lowered


def test_word_read_as_numeral_is_dropped():
    ink, band = _numeral_mask(0, wide_first=True)  # "Un ..." read by OCR as "D ..."
    assert textlines.count_numeral(ink, band, "D hit poucci", "I") is None


def test_numeral_read_as_w_is_kept():
    # "II)" written with its strokes run together reads "W)": a wide glyph, but OCR saw the parenthesis
    ink, band = _numeral_mask(0, wide_first=True)
    assert textlines.count_numeral(ink, band, "W) Une démarche", "II") == "II"
    assert textlines.count_numeral(ink, band, "W Une démarche", "II") is None
