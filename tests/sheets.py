"""Small real form pages for the unit tests of the image steps, drawn by the project's own generator
(anonymat.synth): the built-in form, printed, with its anonymity sticker, and nothing handwritten."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from anonymat.model import PageRef
from anonymat.page import orient
from anonymat.page.template import load_template
from anonymat.run import pipeline
from anonymat.synth import form, scan, sheet

DPI = 150
S = DPI / 25.4  # px per mm
NUMBER = "0123456789"
TEMPLATE = load_template("cdg-est")


@lru_cache(maxsize=8)
def _sheet(flap: str, number: str | None, damage: str | None, seed: int) -> np.ndarray:
    page = form.printed_page(DPI, flap).astype(np.float32)
    if number is not None:
        sheet.draw_sticker(page, number, DPI, 245.0)
    if damage is not None:
        scan.damage_barcode(page, damage, DPI, np.random.default_rng(seed))
    out = np.clip(page, 0, 255).astype(np.uint8)
    out.setflags(write=False)
    return out


def form_page(
    flap: str = "open", number: str | None = NUMBER, damage: str | None = None, seed: int = 0
) -> np.ndarray:
    """An upright printed form page at DPI (uint8, a fresh copy the test may change)."""
    return _sheet(flap, number, damage, seed).copy()


def sticker_box() -> tuple[int, int, int, int]:
    """The anonymity sticker on an upright form_page, in px."""
    return tuple(form.px(v, DPI) for v in sheet.STICKER_MM)  # type: ignore[return-value]


def registered(gray: np.ndarray, ctx: pipeline.PageContext | None = None) -> pipeline.PageState:
    """The page stage's steps up to the template's registration, on one scan at DPI."""
    ref = PageRef(path="scan.png", file="scan.png", index=0, sha256="0" * 64, kind="image")
    state = pipeline.PageState(ref, ctx or pipeline.PageContext(TEMPLATE, want_text=False, vault=None))
    state.gray, state.dpi = gray, DPI
    state.small, state.factor = orient.work_image(gray, DPI)
    for step in (pipeline.read_barcode, pipeline.find_pose, pipeline.straighten_page, pipeline.register):
        step(state)
    return state


def shifted(page: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """The page as a scanner that took it `dx`, `dy` px off its usual place (paper shows at the edges)."""
    out = np.full_like(page, 250)
    h, w = page.shape
    out[max(0, dy) : h + min(0, dy), max(0, dx) : w + min(0, dx)] = page[
        max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)
    ]
    return out
