"""Written lines of a page's writing area: ink, line bands, and one OCR call over a mosaic of line pieces.

The image half of reading order (ordering.page_text) and of the roster check: find the handwritten lines
cheaply (dark-ink row profile, ruled lines and margin rules taken out, touching lines split at the line
pitch), then send only the pieces that matter to tesseract, stacked in one image.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from anonymat.text.handwriting import LineReader, TesseractReader, mosaic_read
from anonymat.text.ocr import OcrLine

MAX_STARTS = 8  # line starts read for markers besides the head and tail lines (time bound)
OCR_BAND_PX = 34  # bands are scaled to about this height before OCR (tesseract is faster, as accurate)
Band = tuple[int, int, int, int]  # top, bottom, left, right in writing-area pixels


def count_numeral(ink: np.ndarray, band: tuple[int, int, int, int], text: str, kind: str) -> str | None:
    """Roman numeral from the strokes at the line start: OCR often reads a handwritten "II)" as "I)".

    Counts the thin upright strokes (I, and ")" or "/") before the first wide gap; only ever raises the
    numeral OCR gave, since strokes that touch look like one.
    """
    top, bottom, left = band[0] // 2, band[1] // 2, band[2] // 2
    height = bottom - top
    region = ink[top:bottom, max(0, left - height // 4) : left + 3 * height].astype(np.uint8)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(region, connectivity=8)
    boxes = sorted(
        (x, x + w, h)
        for x, _y, w, h, _area in stats[1:count]
        if h >= 0.3 * height  # no dots, no specks
    )
    strokes, end = 0, None

    def is_thin(x0: int, x1: int, h: int) -> bool:
        return x1 - x0 <= 0.5 * h + 2  # the pen's width counts for much in small writing

    explicit = bool(re.match(r"^\W*[Il1|!i]+\s*\)|^\W*[Il1|!i]*h|^\W*W\)", text))
    if boxes and not is_thin(*boxes[0]) and not explicit:
        return None  # a wide first glyph: OCR took a word ("La", "Un") for "D", a merged "I)"
    for x0, x1, h in boxes:
        if end is not None and x0 - end > 0.45 * h:
            break  # the space after the numeral
        if end is not None and x0 < end:  # pieces of one broken stroke
            end = max(end, x1)
            continue
        if not is_thin(x0, x1, h):
            break  # a wide glyph: the title's first letter
        strokes += 1
        end = x1
    closing = bool(re.match(r"^\W*[Il1|!iDhH]+\s*[)/]", text)) or bool(re.match(r"^\W*[Il1|!i]*[Dh]", text))
    numeral = strokes - 1 if closing else strokes
    current = {"I": 1, "II": 2, "III": 3}[kind]
    if current < numeral <= 3:
        return ("I", "II", "III")[numeral - 1]
    return kind


def word_gap(ink: np.ndarray, band: tuple[int, int, int, int], target: float, band_px: float) -> int:
    """x of the inter-word gap nearest `target` on this line (ink is at half resolution), else target."""
    top, bottom, left, right = (v // 2 for v in band)
    cols = ink[top:bottom, left:right].any(axis=0)
    blank = np.flatnonzero(~cols)
    if not len(blank):
        return int(target)
    runs = np.split(blank, np.flatnonzero(np.diff(blank) > 1) + 1)
    wide = [r for r in runs if r.size >= 0.3 * band_px / 2 and 0 < r[0] and r[-1] < cols.size - 1]
    if not wide:
        return int(target)
    middles = np.array([2 * (left + (r[0] + r[-1]) / 2) for r in wide])
    best = middles[np.argmin(np.abs(middles - target))]
    return int(best) if abs(best - target) < 0.25 * (band[3] - band[2]) else int(target)


def section_candidates(
    bands: list[Band], usual_left: float, usual_right: float, width: int, exclude: set[int]
) -> list[int]:
    """The MAX_STARTS lines most likely to open a section: after a short line or a gap, short, indented."""
    gaps = [bands[k][0] - bands[k - 1][1] for k in range(1, len(bands))]
    usual_gap = float(np.median(gaps)) if gaps else 0.0
    scored = []
    for k in range(1, len(bands)):
        if k in exclude:
            continue
        score = max(0.0, 1.0 - bands[k - 1][3] / usual_right) * 3.0  # the paragraph before ends short
        score += max(0.0, 1.0 - bands[k][3] / usual_right)  # titles are often short
        score += 0.5 * max(0.0, gaps[k - 1] / max(usual_gap, 1.0) - 1.3)  # a skipped line
        score += abs(bands[k][2] - usual_left) / width * 5.0  # indented differently
        scored.append((score, k))
    scored.sort(reverse=True)
    return sorted(k for score, k in scored[:MAX_STARTS] if score > 0.02)


def read_pieces(
    area: np.ndarray,
    ink: Ink,
    bands: list[Band],
    pieces: list[tuple[int, int, int]],
    pad: int,
    scale: float,
    ocr_lines: Callable[..., list[OcrLine]],
    reader: LineReader | None = None,
) -> list[str]:
    """The text of each line piece (band, x from, x to): cut, cleaned, then read by `reader`, or by one
    `ocr_lines` call over a mosaic of the pieces (tesseract) when no reader or the tesseract one is given."""
    crops = cut_pieces(area, ink, bands, pieces, pad)
    if reader is None or isinstance(reader, TesseractReader):
        return mosaic_read(crops, pad, scale, ocr_lines)
    return reader.read(crops)


def cut_pieces(
    area: np.ndarray, ink: Ink, bands: list[Band], pieces: list[tuple[int, int, int]], pad: int
) -> list[np.ndarray]:
    """The pieces as uint8 images, ruled lines taken out and the paper made white."""
    height, width = area.shape
    gain = 255.0 / max(ink.paper, 1.0)
    crops = []
    for k, x0, x1 in pieces:
        x_from, x_to = max(0, x0 - 2 * pad), min(width, x1 + 2 * pad)
        y_from, y_to = max(0, bands[k][0] - pad), min(height, bands[k][1] + pad)
        crop = area[y_from:y_to, x_from:x_to].astype(np.float32)
        # rules out (OCR reads a margin rule as "|" or "l"), unless darker ink crosses them
        rules = ink.rules[y_from // 2 : (y_to + 1) // 2, x_from // 2 : (x_to + 1) // 2]
        rules = np.repeat(np.repeat(rules, 2, axis=0), 2, axis=1)[: crop.shape[0], : crop.shape[1]]
        view = crop[: rules.shape[0], : rules.shape[1]]
        view[rules & (view > ink.strong)] = ink.paper
        # paper to white, so the pieces' edges do not read as image blocks on a white canvas
        crops.append(np.clip(crop * gain, 0, 255).astype(np.uint8))
    return crops


@dataclass(frozen=True)
class Ink:
    mask: np.ndarray  # handwriting, half resolution
    rules: np.ndarray  # ruled lines and margin rules (faint or not), half resolution
    paper: float
    threshold: float  # gray level below which a pixel is ink
    strong: float  # gray level of ink that is kept where it crosses a rule


def ink_mask(area: np.ndarray) -> Ink:
    """Handwriting at half resolution, without ruled lines, underlines and margin rules."""
    small = cv2.resize(area, (area.shape[1] // 2, area.shape[0] // 2), interpolation=cv2.INTER_AREA)
    paper = float(np.percentile(small[::2, ::2], 60))
    darkest = float(np.percentile(small[::2, ::2], 0.2))
    h, w = small.shape
    long_rows = cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, w // 8), 1))
    long_cols = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(20, h // 5)))
    faint = (small < paper - 12).astype(np.uint8)
    rules = np.maximum(
        cv2.morphologyEx(faint, cv2.MORPH_OPEN, long_rows), cv2.morphologyEx(faint, cv2.MORPH_OPEN, long_cols)
    )
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    # light pen strokes count as ink; ruled lines can be as dark: rule pixels count only when darker
    # than the strong ink level (a stroke crossing the rule)
    threshold = paper - max(35.0, 0.3 * (paper - darkest))
    strong = paper - 0.6 * (paper - darkest)
    ink = ((small < threshold) & ~((rules > 0) & (small > strong))).astype(np.uint8)
    lines = np.maximum(
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, long_rows), cv2.morphologyEx(ink, cv2.MORPH_OPEN, long_cols)
    )
    return Ink((ink > 0) & (lines == 0), rules > 0, paper, threshold, strong)


def find_line_bands(area: np.ndarray, ink: np.ndarray | None = None) -> list[tuple[int, int, int, int]]:
    """Written lines as (top, bottom, left, right) in `area` pixels: dark ink only, ruled lines removed."""
    if ink is None:
        ink = ink_mask(area).mask
    profile = ink.sum(axis=1).astype(float)
    if profile.max() <= 0:
        return []
    kernel = np.ones(3) / 3
    profile = np.convolve(profile, kernel, mode="same")
    # low enough for a one-word last line ("durée.") next to full lines, high enough for specks
    level = max(1.5, 0.04 * float(np.percentile(profile[profile > 0], 90)))
    active = profile > level
    runs = _runs(active)
    runs = _merge_close(runs, max_gap=3)
    runs = [r for r in runs if r[1] - r[0] >= 6]  # specks and dust
    if not runs:
        return []
    runs = _split_tall(runs, profile)
    usual = float(np.median([b - a for a, b in runs]))
    if len(runs) > 1 and runs[0][0] <= 1 and runs[0][1] - runs[0][0] < 0.6 * usual:
        runs = runs[1:]  # the descenders of a line cut by the box's top edge
    if len(runs) > 1 and runs[-1][1] >= len(profile) - 1 and runs[-1][1] - runs[-1][0] < 0.6 * usual:
        runs = runs[:-1]
    bands = []
    for top, bottom in runs:
        column_ink = ink[top:bottom].sum(axis=0)
        cols = np.flatnonzero(column_ink >= 2)  # a thin stroke ("I") counts, a one-pixel speck does not
        if len(cols) < 3 or column_ink.sum() < 40:
            continue
        left, right = cols[0], cols[-1]
        bands.append((2 * top, 2 * bottom, int(2 * left), int(2 * right)))
    return bands


def _runs(active: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], active.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _merge_close(runs: list[tuple[int, int]], max_gap: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for top, bottom in runs:
        if merged and top - merged[-1][1] <= max_gap:
            merged[-1] = (merged[-1][0], bottom)
        else:
            merged.append((top, bottom))
    return merged


def line_pitch(profile: np.ndarray) -> float:
    """Distance between written lines (rows), from the autocorrelation of the ink profile."""
    centred = profile - profile.mean()
    lags = np.arange(8, min(200, len(profile) // 2))
    if not len(lags) or not centred.any():
        return 0.0
    corr = np.array([float(np.dot(centred[:-lag], centred[lag:])) / (len(profile) - lag) for lag in lags])
    peaks = [i for i in range(1, len(corr) - 1) if corr[i] >= corr[i - 1] and corr[i] >= corr[i + 1]]
    if not peaks:
        return 0.0
    best = max(corr[i] for i in peaks)
    variance = float(np.dot(centred, centred)) / len(profile)
    if best <= 0.2 * variance:
        return 0.0  # no clear period: too few lines, or irregular ones
    first = next(i for i in peaks if corr[i] >= 0.7 * best)  # the pitch, not a multiple of it
    return float(lags[first])


def _split_tall(runs: list[tuple[int, int]], profile: np.ndarray) -> list[tuple[int, int]]:
    """Split bands holding several lines whose ascenders and descenders touch, at the profile's valleys."""
    heights = sorted(b - a for a, b in runs)
    single = float(heights[len(heights) // 4])  # most bands hold one line
    pitch = line_pitch(profile)
    if pitch < 6.0:  # no clear period: fall back on the band heights
        pitch = 1.3 * single
    out: list[tuple[int, int]] = []
    for top, bottom in runs:
        count = int(round((bottom - top) / pitch))
        if (bottom - top) < 1.45 * pitch or count < 2:
            out.append((top, bottom))
            continue
        cuts, start = [], top
        for m in range(1, count):
            target = top + m * (bottom - top) / count
            low, high = int(target - 0.3 * pitch), int(target + 0.3 * pitch)
            low, high = max(low, start + 3), min(high, bottom - 3)
            if high <= low:
                continue
            cut = low + int(np.argmin(profile[low:high]))
            cuts.append(cut)
            start = cut
        edges = [top, *cuts, bottom]
        out.extend((a, b) for a, b in zip(edges, edges[1:], strict=False) if b - a >= 3)
    return out
