"""Putting a page upright: quarter turns from the printed lines or the barcode, skew from long lines."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from anonymat.template import find_frame_top

WORK_DPI = 100.0
MAX_SKEW = 5.0


@dataclass(frozen=True)
class Pose:
    rotation: int  # degrees clockwise applied to the scan (0, 90, 180, 270)
    skew: float  # degrees, counter-clockwise correction applied after the quarter turn
    source: str  # "barcode" | "lines" | "unknown"


def work_image(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    """A ~100 dpi copy for analysis, and its scale factor from the full image."""
    factor = min(1.0, WORK_DPI / max(dpi, 1.0))
    if factor >= 0.99:
        return gray, 1.0
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), factor


def ink_mask(gray: np.ndarray, contrast: int = 30) -> np.ndarray:
    """Pixels darker than the local paper by `contrast` grey levels (uneven light and grey paper tolerated)."""
    k = max(15, (min(gray.shape) // 20) | 1)
    background = cv2.medianBlur(cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA), k | 1)
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return (gray.astype(np.int16) < background.astype(np.int16) - contrast).astype(np.uint8)


def rotate_quarter(gray: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate clockwise by 0/90/180/270 degrees, exactly (no resampling)."""
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(gray, -k)) if k else gray


def line_angles(small: np.ndarray) -> tuple[float, float, float]:
    """(total length of near-horizontal long lines, of near-vertical ones, skew angle of the dominant set)."""
    ink = ink_mask(small, contrast=25) * 255
    h, w = small.shape
    segs = cv2.HoughLinesP(ink, 1, math.pi / 720, threshold=80, minLineLength=int(0.25 * min(h, w)), maxLineGap=4)
    horiz: list[tuple[float, float]] = []
    vert: list[tuple[float, float]] = []
    for x1, y1, x2, y2 in segs[:, 0, :] if segs is not None else []:
        length = math.hypot(x2 - x1, y2 - y1)
        angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
        angle = (angle + 90) % 180 - 90  # (-90, 90]
        if abs(angle) <= MAX_SKEW + 1:
            horiz.append((angle, length))
        elif abs(abs(angle) - 90) <= MAX_SKEW + 1:
            vert.append(((angle - 90) if angle > 0 else (angle + 90), length))
    h_len = sum(length for _, length in horiz)
    v_len = sum(length for _, length in vert)
    chosen = horiz if h_len >= v_len else vert
    return h_len, v_len, _weighted_median(chosen)


def _weighted_median(pairs: list[tuple[float, float]]) -> float:
    if not pairs:
        return 0.0
    pairs = sorted(pairs)
    total = sum(w for _, w in pairs)
    acc = 0.0
    for angle, weight in pairs:
        acc += weight
        if acc >= total / 2:
            return angle
    return pairs[-1][0]


def deskew(gray: np.ndarray, angle: float, fill: int = 255) -> np.ndarray:
    """Rotate by `angle` degrees about the centre, counter-clockwise as seen on screen (cv2 convention)."""
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def find_pose(small: np.ndarray, barcode_turn: int | None) -> Pose:
    """Quarter turn and skew for a page, from its ~100 dpi work image.

    The barcode's own orientation, when it was read, decides the quarter turn. Otherwise the long
    printed and ruled lines tell landscape from portrait, and the header frame (long dark lines at
    the top) tells upright from upside down.
    """
    h_len, v_len, _ = line_angles(small)
    if barcode_turn is not None:
        rotation = (-barcode_turn) % 360
        source = "barcode"
    else:
        sideways = v_len > h_len
        candidates = (90, 270) if sideways else (0, 180)
        rotation, source = candidates[0], "unknown"
        for rot in candidates:
            turned = rotate_quarter(small, rot)
            _, _, angle = line_angles(turned)
            top = find_frame_top(deskew(turned, angle, fill=int(np.median(turned))))
            if top is not None and top[0] < turned.shape[0] * 0.25:
                rotation, source = rot, "lines"
                break
    turned = rotate_quarter(small, rotation)
    _, _, skew = line_angles(turned)
    return Pose(rotation, float(skew), source)


def upright(gray: np.ndarray, pose: Pose) -> np.ndarray:
    """Apply a pose to a full-resolution page; the uncovered corners become paper white."""
    return deskew(rotate_quarter(gray, pose.rotation), pose.skew, fill=255)


def map_point(pose: Pose, shape: tuple[int, int], point: tuple[float, float]) -> tuple[float, float]:
    """Where a point of the raw scan (h, w = shape) lands on the upright page made by `upright`."""
    h, w = shape
    x, y = point
    k = (pose.rotation // 90) % 4
    for _ in range(k):  # one clockwise quarter turn: (x, y) in an h x w image -> (h - 1 - y, x)
        x, y = h - 1 - y, x
        h, w = w, h
    if abs(pose.skew) >= 0.05:
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), pose.skew, 1.0)
        x, y = matrix @ np.array([x, y, 1.0])
    return (float(x), float(y))
