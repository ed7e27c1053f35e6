"""Scan effects: paper and light, barcode damage, skew/shift, blur, noise, 90-degree turns."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from anonymat.synth import form
from anonymat.synth.hand import draw_strokes
from anonymat.synth.layouts import CDG_EST, Box
from anonymat.synth.sheet import STICKER_MM

BAND_MM = CDG_EST.band_mm  # identity zone Z plus the flap's open area F, of the default layout
_TILE = (3600, 2600)  # (h, w): larger than an A4 page at 300 dpi, plus room for random offsets


@lru_cache(maxsize=1)
def _noise_tiles() -> tuple[np.ndarray, np.ndarray]:
    """Sensor noise (white) and paper texture (blotchy), int8, the same in every process."""
    rng = np.random.default_rng(20240501)
    white = (rng.standard_normal(_TILE, dtype=np.float32) * 32).clip(-127, 127).astype(np.int8)
    seeds = rng.standard_normal((_TILE[0] // 6, _TILE[1] // 6), dtype=np.float32)
    small = np.asarray(cv2.GaussianBlur(seeds, (0, 0), 1.5))
    small = small / small.std()
    blotches = cv2.resize(small, (_TILE[1], _TILE[0]), interpolation=cv2.INTER_LINEAR)
    paper = (np.asarray(blotches) * 32).clip(-127, 127).astype(np.int8)
    return white, paper


def _crop(tile: np.ndarray, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    oy = int(rng.integers(0, tile.shape[0] - shape[0]))
    ox = int(rng.integers(0, tile.shape[1] - shape[1]))
    return tile[oy : oy + shape[0], ox : ox + shape[1]]


def light_field(shape: tuple[int, int], background: float, rng: np.random.Generator) -> np.ndarray:
    """Uneven illumination: smooth random field + linear gradient + vignette, around `background`."""
    h, w = shape
    sh, sw = max(8, h // 16), max(8, w // 16)
    coarse = cv2.resize(
        rng.normal(0, 3.0, (4, 3)).astype(np.float32), (sw, sh), interpolation=cv2.INTER_CUBIC
    )
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    gx, gy = rng.uniform(-6, 6, 2)
    grad = gx * (xx / sw - 0.5) + gy * (yy / sh - 0.5)
    r2 = ((xx / sw - 0.5) ** 2 + (yy / sh - 0.5) ** 2) / 0.5
    vignette = -float(rng.uniform(2, 10)) * r2**2
    field = background + coarse + grad + vignette
    return cv2.resize(field.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def damage_barcode(
    page: np.ndarray, kind: str, dpi: int, rng: np.random.Generator, sticker_mm: Box = STICKER_MM
) -> None:
    """Smudge, pen stroke or torn sticker over the barcode, on the clean page (float32, in place)."""
    mm = dpi / 25.4
    sx0, sy0, sx1, sy1 = (v * mm for v in sticker_mm)
    bars0, bars1 = sticker_mm[1] + 4.0, sticker_mm[1] + 16.0  # mm: the bars, with a 1 mm margin
    if kind == "smudge":
        cx, cy = rng.uniform(sx0 + 8 * mm, sx1 - 8 * mm), rng.uniform(bars0 * mm, bars1 * mm)
        ax, ay = rng.uniform(5, 11) * mm, rng.uniform(3, 7) * mm
        h, w = page.shape
        y0, y1 = max(0, int(cy - 3 * ay)), min(h, int(cy + 3 * ay))
        x0, x1 = max(0, int(cx - 3 * ax)), min(w, int(cx + 3 * ax))  # a large blob can pass the page edge
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        blob = np.exp(-(((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2) / 2) * rng.uniform(0.55, 0.85)
        sub = page[y0:y1, x0:x1]
        sub -= blob * (sub - rng.uniform(90, 130))
    elif kind == "pen":
        t = np.linspace(0, 1, 60)
        ya, yb = rng.uniform(bars0 * mm, (bars1 - 2.0) * mm, 2)  # across the bars
        xs = sx0 - 4 * mm + (sx1 - sx0 + 8 * mm) * t
        ys = ya + (yb - ya) * t + rng.uniform(0.5, 2.5) * mm * np.sin(np.pi * t * rng.uniform(1, 3))
        draw_strokes(page, [np.stack([xs, ys], axis=1)], rng.uniform(0.4, 0.7) * mm, rng.uniform(30, 60))
    elif kind == "torn":
        frac = rng.uniform(0.3, 0.55)
        left = rng.random() < 0.5
        ys = np.arange(int(sy0) - 1, int(sy1) + 2)
        edge = np.cumsum(rng.normal(0, 0.25 * mm, ys.size)) + rng.normal(0, 1.5 * mm)
        edge = edge - edge.mean() + (sx0 + frac * (sx1 - sx0) if left else sx1 - frac * (sx1 - sx0))
        for y, e in zip(ys, edge, strict=True):
            e = int(e)
            if left:
                page[y, int(sx0) - 1 : e] = 252.0
                page[y, e : e + max(1, int(0.3 * mm))] = 150.0
            else:
                page[y, e : int(sx1) + 2] = 252.0
                page[y, max(0, e - int(0.3 * mm)) : e] = 150.0


def show_through(recto: np.ndarray, contrast: float) -> np.ndarray:
    """A blank verso: the recto mirrored, blurred and nearly washed out."""
    h, w = recto.shape
    small = cv2.resize(recto[:, ::-1], (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 1.0)
    ghost = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return 255.0 - contrast * (255.0 - np.minimum(ghost, 255.0))


def scan(
    page: np.ndarray, fx: dict, rng: np.random.Generator, zones_mm: dict[str, Box] | None = None
) -> tuple[np.ndarray, dict[str, list[int]]]:
    """Clean float page -> stored 8-bit scan, plus where zones_mm (default: cdg-est's band, sticker) lie in it."""
    dpi = fx["dpi"]
    h, w = page.shape
    white, paper = _noise_tiles()
    img = cv2.multiply(page, light_field((h, w), fx["background"], rng), scale=1.0 / 255.0)
    img = cv2.addWeighted(
        img, 1.0, _crop(paper, (h, w), rng), fx["paper_noise"] / 32.0, 0.0, dtype=cv2.CV_32F
    )
    cx, cy = w / 2, h / 2
    m = cv2.getRotationMatrix2D((cx, cy), fx["skew_deg"], 1.0)
    m[0, 2] += fx["shift_mm"][0] * dpi / 25.4
    m[1, 2] += fx["shift_mm"][1] * dpi / 25.4
    border = float(min(255.0, fx["background"] + 6))
    img = cv2.warpAffine(
        img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )
    if fx["blur"]:
        img = cv2.GaussianBlur(img, (0, 0), fx["blur"])
    img = cv2.addWeighted(img, 1.0, _crop(white, (h, w), rng), fx["noise"] / 32.0, 0.5, dtype=cv2.CV_32F)
    out = np.clip(img, 0, 255, out=img).astype(np.uint8)
    k = fx["rotation"] // 90
    boxes = {}
    for name, box_mm in (zones_mm or {"band": BAND_MM, "sticker": STICKER_MM}).items():
        x0, y0, x1, y1 = (v * dpi / 25.4 for v in box_mm)
        corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]]) @ m.T
        boxes[name] = _rotate_box(corners, k, w, h)
    if k:
        out = np.ascontiguousarray(np.rot90(out, k))
    return out, boxes


def _rotate_box(pts: np.ndarray, k: int, w: int, h: int) -> list[int]:
    """Bounding box of points after np.rot90(img, k) (counter-clockwise quarter turns)."""
    x, y = pts[:, 0], pts[:, 1]
    if k == 1:
        x, y = y, (w - 1) - x
    elif k == 2:
        x, y = (w - 1) - x, (h - 1) - y
    elif k == 3:
        x, y = (h - 1) - y, x
    ww, hh = (h, w) if k % 2 else (w, h)
    return [
        int(max(0, np.floor(x.min()))),
        int(max(0, np.floor(y.min()))),
        int(min(ww, np.ceil(x.max()))),
        int(min(hh, np.ceil(y.max()))),
    ]


def px_box(box_mm: tuple[float, float, float, float], dpi: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box_mm
    return form.px(x0, dpi), form.px(y0, dpi), form.px(x1, dpi), form.px(y1, dpi)


def upright_offset_px(fx: dict) -> tuple[float, float]:
    """Where a clean-page point moves once the scan is turned upright and deskewed about its centre.

    The scan maps p to R(p - c) + c + s (rotation R by skew_deg about the centre c, shift s); undoing
    R about c leaves p + R^-1 s, whatever the page size: the offset is R^-1 s, in px.
    """
    m = cv2.getRotationMatrix2D((0.0, 0.0), fx["skew_deg"], 1.0)[:, :2]
    shift = np.array(fx["shift_mm"], dtype=np.float64) * fx["dpi"] / 25.4
    dx, dy = m.T @ shift  # a rotation's inverse is its transpose
    return float(dx), float(dy)
