"""Putting a page upright: quarter turns from the printed lines or the barcode, skew from long lines."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from anonymat.page.template import find_frame_top
from anonymat.states import PoseSource

WORK_DPI = 100.0
MAX_SKEW = 5.0


@dataclass(frozen=True)
class Pose:
    rotation: int  # degrees clockwise applied to the scan (0, 90, 180, 270)
    skew: float  # degrees, counter-clockwise correction applied after the quarter turn
    source: PoseSource


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
    # saturating uint8 arithmetic: a background darker than `contrast` has no ink below it, as in int16
    paper = cv2.subtract(background, contrast)  # type: ignore[call-overload]
    return np.bitwise_and(cv2.compare(gray, paper, cv2.CMP_LT), 1)


def rotate_quarter(gray: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate clockwise by 0/90/180/270 degrees, exactly (no resampling)."""
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(gray, -k)) if k else gray


def line_angles(small: np.ndarray) -> tuple[float, float, float, float]:
    """Long straight lines (printed frame, ruling, margin) on a ~50 dpi copy of the page.

    Returns the total length of near-horizontal and near-vertical lines, and the skew of each set:
    the angle to turn the page by (counter-clockwise) once that set is made horizontal. A quarter turn
    does not change that angle, so one measurement serves every candidate orientation.
    """
    tiny = cv2.resize(small, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    ink = ink_mask(tiny, contrast=25) * 255
    h, w = tiny.shape
    segs = cv2.HoughLinesP(
        ink, 1, math.pi / 180, threshold=60, minLineLength=int(0.25 * min(h, w)), maxLineGap=3
    )
    horiz: list[tuple[float, float]] = []
    vert: list[tuple[float, float]] = []
    for x1, y1, x2, y2 in segs.reshape(-1, 4) if segs is not None else []:
        length = math.hypot(x2 - x1, y2 - y1)
        angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
        angle = (angle + 90) % 180 - 90  # (-90, 90]
        if abs(angle) <= MAX_SKEW + 1:
            horiz.append((angle, length))
        elif abs(abs(angle) - 90) <= MAX_SKEW + 1:
            vert.append(((angle - 90) if angle > 0 else (angle + 90), length))
    h_len = sum(length for _, length in horiz)
    v_len = sum(length for _, length in vert)
    return h_len, v_len, _weighted_median(horiz), _weighted_median(vert)


def refine_skew(
    small: np.ndarray, rotation: int, coarse: float, span: float = 0.8, step: float = 0.1
) -> float:
    """Sharpen a coarse skew: the angle whose row profile of ink is the most peaked (projection profile)."""
    return profile_skew(ink_mask(small, contrast=25), rotation, coarse, span, step)


def profile_skew(ink: np.ndarray, rotation: int, center: float, span: float, step: float) -> float:
    """The angle within `center` ± `span` (in `step`s) that makes the rows of `ink` (a 0/1 mask of the scan,
    before the quarter turn `rotation`) the most peaked: ruled and printed lines then lie along rows.

    For angles this small a rotation is a shear, so each candidate only re-bins the ink pixels' rows.
    """
    points = cv2.findNonZero(rotate_quarter(ink, rotation))  # 2x np.nonzero's speed
    if points is None:
        return center
    points = points.reshape(-1, 2)
    # float32 is ample for rows under 10,000 px; the centre only shifts every row alike
    xs = points[:, 0].astype(np.float32) - np.float32(ink.shape[1] / 2)
    ys = points[:, 1].astype(np.float32)
    best, best_score = center, -1.0
    for angle in np.arange(center - span, center + span + step / 2, step):
        rows = np.rint(ys + xs * np.float32(math.tan(math.radians(-angle)))).astype(np.int32)
        counts = np.bincount(rows - rows.min())
        score = float(np.dot(counts, counts))
        if score > best_score:
            best, best_score = float(angle), score
    return best


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


def deskew(gray: np.ndarray, angle: float, fill: int = 255, resample: int = cv2.INTER_LINEAR) -> np.ndarray:
    """Rotate by `angle` degrees about the centre, counter-clockwise as seen on screen (cv2 convention)."""
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(
        gray, matrix, (w, h), flags=resample, borderMode=cv2.BORDER_CONSTANT, borderValue=fill
    )


def find_pose(small: np.ndarray, barcode_turn: int | None) -> Pose:
    """Quarter turn and skew for a page, from its ~100 dpi work image.

    The barcode's own orientation, when it was read, decides the quarter turn. Otherwise the long
    printed and ruled lines tell landscape from portrait, and the header frame (long dark lines at
    the top) tells upright from upside down.
    """
    if barcode_turn is not None:
        # The quarter turn is known: the skew is the projection profile's, searched over ±MAX_SKEW at
        # ~50 dpi, then sharpened at ~100 dpi: as accurate as finding the long lines first (Hough) then
        # sharpening, against the generator's truth, and cheaper. The sticker's own angle is no guide: it
        # may be stuck on crooked.
        rotation = (-barcode_turn) % 360
        tiny = cv2.resize(small, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        coarse = profile_skew(ink_mask(tiny, contrast=25), rotation, 0.0, MAX_SKEW, 0.5)
        return Pose(rotation, refine_skew(small, rotation, coarse, span=0.4), PoseSource.BARCODE)
    h_len, v_len, h_skew, v_skew = line_angles(small)
    sideways = v_len > h_len
    skew = v_skew if sideways else h_skew
    candidates = (90, 270) if sideways else (0, 180)
    for rot in candidates:
        turned = deskew(rotate_quarter(small, rot), skew, fill=int(np.median(small)))
        top = find_frame_top(turned)
        if top is not None and top[0] < turned.shape[0] * 0.25:
            return Pose(rot, refine_skew(small, rot, skew), PoseSource.LINES)
    return Pose(candidates[0], refine_skew(small, candidates[0], skew), PoseSource.UNKNOWN)


def upright(gray: np.ndarray, pose: Pose) -> np.ndarray:
    """Apply a pose to a page (bilinear); the uncovered corners become paper white."""
    return deskew(rotate_quarter(gray, pose.rotation), pose.skew, fill=255)


def upright_page(gray: np.ndarray, pose: Pose) -> np.ndarray:
    """Apply a pose to the full-resolution scan, taking each pixel from its nearest source pixel.

    At 200-300 dpi a pixel is 0.1 mm: the steps nearest-neighbour leaves are half that, and the output's
    softening (0.2 mm) blurs them away. bench/resample.py, dense handwritten pages skewed 0.4-1.5
    degrees: OCR reads the straightened page and the output as well as after a bilinear warp, the
    output is about as large, and the warp takes about half the time.
    """
    return deskew(rotate_quarter(gray, pose.rotation), pose.skew, fill=255, resample=cv2.INTER_NEAREST)


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
