"""Painting the identity zones opaque, the flap state, and identity crops for the vault."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from anonymat.orient import ink_mask
from anonymat.template import Box, Registration, Template

FLAP_OPEN_INK = 0.04
FLAP_BARE_INK = 0.02
MASK_VALUE = 0  # opaque black: visibly masked, and no JPEG ringing can bring anything back


def clip_box(box: Box, shape: tuple[int, ...]) -> Box:
    h, w = shape[:2]
    x0, y0, x1, y1 = box
    return (max(0, x0), max(0, y0), min(w, x1), min(h, y1))


def mask_boxes(
    template: Template, reg: Registration, shape: tuple[int, ...], extra_margin_mm: float = 0.0
) -> list[Box]:
    """The zones to paint, in page pixels, with the template's safety margin."""
    names = list(template.mask_zones)
    if template.hide_anonymity_box:
        names.append("anonymity_box")
    margin = template.mask_margin_mm + extra_margin_mm
    boxes = [clip_box(reg.to_px(template.zones_mm[n], margin), shape) for n in names]
    return [b for b in boxes if b[2] > b[0] and b[3] > b[1]]


def paint(gray: np.ndarray, boxes: list[Box]) -> np.ndarray:
    """Burn the boxes into the pixels (in place) and return the image."""
    for x0, y0, x1, y1 in boxes:
        gray[y0:y1, x0:x1] = MASK_VALUE
    return gray


def ink_fraction(gray: np.ndarray, box: Box, inset_px: int) -> float:
    x0, y0, x1, y1 = clip_box(box, gray.shape)
    x0, y0, x1, y1 = x0 + inset_px, y0 + inset_px, x1 - inset_px, y1 - inset_px
    if x1 <= x0 or y1 <= y0:
        return 0.0
    ink = ink_mask(gray[y0:y1, x0:x1], contrast=60)
    return float(ink.mean())


def flap_state(gray: np.ndarray, template: Template, reg: Registration) -> str:
    """'open' when the flap's printed face shows where it sits unfolded, 'folded' when that area is bare.

    Only ink coverage of the flap's own area is measured: nothing inside the identity zone is read.
    """
    if template.flap_open_area is None or reg.anchor == "nominal":
        return "unknown"
    box = reg.to_px(template.zones_mm[template.flap_open_area])
    coverage = ink_fraction(gray, box, inset_px=int(2 * reg.px_per_mm))
    # printed flap text covers ~10 % of its area; a bare area keeps under 1 % (fold shadow, gum strip)
    if coverage >= FLAP_OPEN_INK:
        return "open"
    if coverage <= FLAP_BARE_INK:
        return "folded"
    return "unknown"


@dataclass(frozen=True)
class VaultEntry:
    number: str
    file: str
    page: int
    crop: str


def write_vault_crop(vault: Path, gray: np.ndarray, box: Box, name: str) -> str:
    """Save one identity crop as PNG, readable by the owner only; return its file name."""
    vault.mkdir(parents=True, exist_ok=True)
    os.chmod(vault, 0o700)
    x0, y0, x1, y1 = clip_box(box, gray.shape)
    ok, data = cv2.imencode(".png", gray[y0:y1, x0:x1])
    if not ok:
        raise OSError("could not encode the identity crop")
    path = vault / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data.tobytes())
    os.chmod(path, 0o600)
    return name


def write_vault_index(vault: Path, entries: list[VaultEntry]) -> None:
    vault.mkdir(parents=True, exist_ok=True)
    os.chmod(vault, 0o700)
    path = vault / "index.csv"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["anonymity_number", "source_file", "source_page", "crop"])
        for e in sorted(entries, key=lambda e: (e.number, e.file, e.page)):
            writer.writerow([_cell(e.number), _cell(e.file), e.page, _cell(e.crop)])
    os.chmod(path, 0o600)


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: a value read from a page or a file name starting with
    = + - @ would otherwise run as a formula when staff open the index (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
