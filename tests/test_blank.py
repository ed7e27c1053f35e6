"""Blank pages: a page with writing on it is never called blank (it would be left out of the copy), and the
marks a blank verso carries anyway (paper grain, show-through, punch holes, a staple, dust) do not make it
a written page. Pages drawn at the ~100 dpi of the page stage's work image."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from anonymat.page.blank import is_blank

H, W = 1169, 827  # A4 at 100 dpi


def paper(seed: int = 0, level: int = 243) -> np.ndarray:
    """Scanned paper: an uneven grey with grain."""
    rng = np.random.default_rng(seed)
    page = np.full((H, W), level, np.float32)
    page += np.linspace(-6, 6, W, dtype=np.float32)[None, :]  # uneven lighting across the glass
    page += rng.normal(0, 3.5, (H, W)).astype(np.float32)
    return np.clip(page, 0, 255).astype(np.uint8)


def write(page: np.ndarray, text: str, y: int, grey: int = 50, scale: float = 1.1) -> np.ndarray:
    cv2.putText(page, text, (110, y), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, scale, grey, 2, cv2.LINE_AA)
    return page


def show_through(page: np.ndarray) -> np.ndarray:
    """The other side's writing seen through the sheet: mirrored, a few grey levels under the paper."""
    back = np.full_like(page, 255)
    for k in range(18):
        write(back, "la politique publique du logement", 160 + 48 * k, grey=0)
    mirrored = back[:, ::-1]
    return np.where(mirrored < 128, np.minimum(page, page.astype(np.int16) - 24).clip(0, 255), page).astype(
        np.uint8
    )


def test_clean_paper_with_grain_and_uneven_light_is_blank():
    assert is_blank(paper())


def test_show_through_of_a_written_back_is_blank():
    assert is_blank(show_through(paper(1)))


def test_punch_holes_a_staple_and_dust_are_blank():
    page = paper(2)
    for y in (300, 580, 860):  # two-ring binder holes in the left margin
        cv2.circle(page, (30, y), 14, 20, -1)
    cv2.line(page, (20, 25), (70, 45), 40, 3)  # a staple in the corner
    rng = np.random.default_rng(3)
    for _ in range(60):  # isolated specks of dust over the whole glass
        page[rng.integers(100, H - 100), rng.integers(80, W - 80)] = 30
    assert is_blank(page)


@pytest.mark.parametrize("grey", [40, 150], ids=["pen", "pencil"])
def test_one_line_of_writing_is_not_blank(grey):
    assert not is_blank(write(paper(4), "Suite de la copie", 600, grey=grey))


def test_a_few_words_on_a_page_with_show_through_are_not_blank():
    page = write(show_through(paper(5)), "Fin", 900, scale=1.3)
    assert not is_blank(page)


def test_a_blank_page_stays_blank_in_any_orientation():
    page = show_through(paper(6))
    assert all(is_blank(np.ascontiguousarray(np.rot90(page, k))) for k in range(4))
