"""Handwriting: a handwriting font plus per-copy slant, ink and per-word jitter, drawn line by line."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from anonymat.text.words import strip_accents

_SYSTEM_FONTS = {
    "comic-neue": "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
    "breip": "/usr/share/fonts/truetype/breip/Breip.ttf",
    "dkg": "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
}
# Held out: no tuning looks at copies in these fonts (bench/evaluate_heldout.py measures on them). Écolier is
# a cursive French school hand (joined letters, loops), Femkeklaver a plain print hand.
HELD_OUT_FONTS = {
    "ecolier": "/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf",
    "femkeklaver": "/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf",
}
# A development script hand (joined, looped capitals), for measuring what the held-out Écolier tests without
# looking at it; only in the sets that ask for it (`available_fonts(cursive=True)`), so the other corpora
# keep their fonts and bytes.
CURSIVE_DEV_FONTS = {"dancing-script": "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf"}
_FALLBACKS = {"œ": "oe", "Œ": "OE", "’": "'", "«": '"', "»": '"', "…": "..."}
_JITTER = 4096  # per-word jitter table size (indexed by a running word counter)


def available_fonts(held_out: bool = False, cursive: bool = False) -> dict[str, str]:
    """Handwriting fonts installed on this machine: name -> path (Intuitive only if its package is); with
    `held_out`, the held-out fonts instead (the development corpus never uses them); with `cursive`, the
    development script hand."""
    if held_out or cursive:
        chosen = HELD_OUT_FONTS if held_out else CURSIVE_DEV_FONTS
        return {name: path for name, path in chosen.items() if Path(path).exists()}
    fonts = {name: path for name, path in _SYSTEM_FONTS.items() if Path(path).exists()}
    spec = importlib.util.find_spec("font_intuitive")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "files" / "Intuitive.ttf"
        if path.exists():
            fonts["intuitive"] = str(path)
    return fonts


@lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=8)
def _font_facts(path: str) -> tuple[float, frozenset[str]]:
    """x-height / em, and the characters the font lacks (rendered as .notdef)."""
    font = _font(path, 100)
    box = font.getbbox("x")
    notdef = np.asarray(font.getmask("\U000f0000"))
    missing = set()
    for char in _FALLBACKS:
        mask = np.asarray(font.getmask(char))
        if mask.shape == notdef.shape and (mask == notdef).all():
            missing.add(char)
    return (box[3] - box[1]) / 100.0, frozenset(missing)


class Hand:
    """One writer: font, size, slant, ink. All randomness comes from the seed given at creation."""

    def __init__(
        self, font_name: str, font_path: str, dpi: int, rng: np.random.Generator, capitals: bool = False
    ) -> None:
        """`capitals`: the writer prints in block capitals, unaccented (as many do)."""
        self.name, self.path, self.dpi, self.capitals = font_name, font_path, dpi, capitals
        ratio, self.missing = _font_facts(font_path)
        self.xheight_mm = float(rng.uniform(2.2, 2.8))
        self.size = self.xheight_mm / ratio * dpi / 25.4  # nominal em size in px
        self.shear = float(rng.uniform(-0.06, 0.22))  # forward slant mostly
        self.ink = float(rng.uniform(30, 80))
        self.space = float(rng.uniform(1.0, 1.5))
        self.size_j = rng.normal(1.0, 0.025, _JITTER).clip(0.92, 1.08)
        self.dy_j = rng.normal(0.0, 0.12 * self.xheight_mm * dpi / 25.4, _JITTER)
        self.gap_j = rng.uniform(0.8, 1.3, _JITTER)
        self.alpha_j = rng.uniform(0.82, 1.0, _JITTER)
        self.line_slope = rng.normal(0.0, 0.004, 512)
        self.line_dx = rng.normal(0.0, 0.6 * dpi / 25.4, 512)
        self._widths: dict[tuple[str, int, float], float] = {}
        self._gaps: dict[tuple[int, float], float] = {}
        self._sizes = [max(6, int(round(v))) for v in self.size * self.size_j]

    def clean(self, text: str) -> str:
        if self.capitals:
            text = strip_accents(text.replace("œ", "oe").replace("Œ", "OE")).upper()
        for char in self.missing:
            text = text.replace(char, _FALLBACKS[char])
        return text

    def word_size(self, k: int, scale: float = 1.0) -> int:
        if scale == 1.0:
            return self._sizes[k % _JITTER]
        return max(6, int(round(self.size * scale * self.size_j[k % _JITTER])))

    def word_width(self, word: str, k: int, scale: float = 1.0) -> float:
        key = (word, k, scale)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = _font(self.path, self.word_size(k, scale)).getlength(self.clean(word))
        return width

    def gap_width(self, k: int, scale: float = 1.0) -> float:
        key = (k, scale)
        gap = self._gaps.get(key)
        if gap is None:
            size = self.word_size(k, scale)
            gap = _font(self.path, size).getlength(" ") * self.space * float(self.gap_j[k % _JITTER])
            self._gaps[key] = gap
        return gap

    def line_width(self, words: list[tuple[str, int]], scale: float = 1.0) -> float:
        widths = [self.word_width(w, k, scale) for w, k in words]
        gaps = [self.gap_width(k, scale) for _, k in words[1:]]
        return float(sum(widths) + sum(gaps))

    def draw_line(
        self,
        page: np.ndarray,
        words: list[tuple[str, int]],
        x0: float,
        baseline: float,
        line_no: int = 0,
        scale: float = 1.0,
    ) -> None:
        """Write words (text, jitter index) on the float32 page from x0 on the given baseline (px)."""
        if not words:
            return
        h, w = page.shape
        size = self.size * scale
        top = int(baseline - 1.6 * size)
        strip_h = int(2.4 * size)
        x = x0 + self.line_dx[line_no % 512]
        left = max(0, int(x - size))
        span = self.line_width(words, scale) + 3 * size
        strip = Image.new("L", (max(1, min(w, int(left + span)) - left), strip_h), 0)
        draw = ImageDraw.Draw(strip)
        base = baseline - top
        x -= left
        for i, (word, k) in enumerate(words):
            if i:
                x += self.gap_width(k, scale)
            font = _font(self.path, self.word_size(k, scale))
            text = self.clean(word)
            draw.text(
                (x, base + self.dy_j[k % _JITTER]),
                text,
                font=font,
                fill=int(255 * self.alpha_j[k % _JITTER]),
                anchor="ls",
            )
            x += font.getlength(text)
        slope = self.line_slope[line_no % 512]
        m = np.array([[1, -self.shear, self.shear * base], [slope, 1, -slope * (x0 - left)]], np.float32)
        alpha = cv2.warpAffine(np.asarray(strip), m, strip.size, flags=cv2.INTER_LINEAR)
        self._composite(page, alpha, top, left)

    def _composite(self, page: np.ndarray, alpha: np.ndarray, top: int, left: int = 0) -> None:
        h = page.shape[0]
        y0, y1 = max(0, top), min(h, top + alpha.shape[0])
        if y1 <= y0:
            return
        a = alpha[y0 - top : y1 - top].astype(np.float32) * (1.0 / 255.0)
        region = page[y0:y1, left : left + a.shape[1]]
        region -= a * (region - self.ink)

    def draw_text(
        self,
        page: np.ndarray,
        text: str,
        x0_mm: float,
        baseline_mm: float,
        max_w_mm: float,
        k0: int,
        scale: float = 0.85,
    ) -> None:
        """A short handwritten value (header, identity): shrunk to fit max_w_mm."""
        mm = self.dpi / 25.4
        words = [(word, k0 + i) for i, word in enumerate(text.split())]
        width = self.line_width(words, scale)
        if width > max_w_mm * mm:
            scale *= max_w_mm * mm / width
        self.draw_line(page, words, x0_mm * mm, baseline_mm * mm, line_no=k0, scale=scale)

    def draw_strokes(self, page: np.ndarray, strokes: list[np.ndarray], width_mm: float = 0.35) -> None:
        """Pen strokes (polylines in px) in this writer's ink."""
        draw_strokes(page, strokes, width_mm * self.dpi / 25.4, self.ink)


def draw_strokes(page: np.ndarray, strokes: list[np.ndarray], width_px: float, ink: float) -> None:
    """Antialiased polylines (px) on a float32 page: drawn at 4x and shrunk; clipped to the page."""
    h, w = page.shape
    pts = np.concatenate(strokes)
    x0, y0 = (np.floor(pts.min(axis=0)).astype(int) - 4).clip(0)
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + 4
    x1, y1 = min(int(x1), w), min(int(y1), h)
    if x1 <= x0 or y1 <= y0:
        return
    f = 4
    big = np.zeros(((y1 - y0) * f, (x1 - x0) * f), np.uint8)
    thick = max(1, int(round(width_px * f)))
    for stroke in strokes:
        poly = np.round((stroke - [x0, y0]) * f).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(big, [poly], False, 255, thick, lineType=cv2.LINE_AA)
    alpha = cv2.resize(big, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    sub = page[y0:y1, x0:x1]
    sub -= alpha.astype(np.float32) * (1.0 / 255.0) * (sub - ink)


def signature_strokes(
    rng: np.random.Generator, x0: float, y0: float, x1: float, y1: float
) -> list[np.ndarray]:
    """A smooth random scribble inside the box (px): a looping curve and sometimes an underline."""
    n = int(rng.integers(5, 9))
    t = np.linspace(0, 1, 200)
    xs = x0 + (x1 - x0) * (t + 0.08 * np.sin(2 * np.pi * t * rng.uniform(2, 5) + rng.uniform(0, 6)))
    ys = np.zeros_like(t)
    for _ in range(n):
        ys += rng.normal(0, 1) * np.sin(2 * np.pi * t * rng.uniform(1, 6) + rng.uniform(0, 6))
    ys = (ys - ys.min()) / max(1e-6, np.ptp(ys))
    ys = y0 + (y1 - y0) * (0.1 + 0.7 * ys)
    xs = np.clip(xs, x0, x1)
    strokes = [np.stack([xs, ys], axis=1)]
    if rng.random() < 0.5:
        u = np.linspace(0, 1, 40)
        strokes.append(
            np.stack([x0 + (x1 - x0) * (0.1 + 0.8 * u), y1 - (y1 - y0) * (0.05 + 0.1 * u)], axis=1)
        )
    return strokes


def cross_strokes(x: float, y: float, size: float, rng: np.random.Generator) -> list[np.ndarray]:
    """A small hand-drawn cross in a tick box of the given size (px)."""
    j = rng.normal(0, size * 0.06, 4)
    a = np.array([[x + size * 0.15 + j[0], y + size * 0.1], [x + size * 0.9 + j[1], y + size * 0.9]])
    b = np.array([[x + size * 0.85 + j[2], y + size * 0.1], [x + size * 0.12 + j[3], y + size * 0.92]])
    return [a, b]
