"""Blank-page detection: writing, not show-through, paper grain, holes or staples."""

from __future__ import annotations

import cv2
import numpy as np

from anonymat.page.orient import ink_mask

MARGIN = 0.08  # of each side: holes, staples and scanner edges live there
MIN_INK = 0.0008  # of the central area


def ink_ratio(small: np.ndarray) -> float:
    """Share of the page centre covered by marks darker than the paper by a clear margin.

    Show-through from the other side is faint (a few grey levels), so a contrast threshold drops it;
    isolated specks are removed by an opening so that scanner dust does not count as writing.
    """
    h, w = small.shape
    my, mx = int(h * MARGIN), int(w * MARGIN)
    centre = small[my : h - my, mx : w - mx]
    ink = ink_mask(centre, contrast=45)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return float(ink.mean())


def is_blank(small: np.ndarray) -> bool:
    """`small` is the ~100 dpi work image of the page, in any orientation."""
    return ink_ratio(small) < MIN_INK
