"""The masking policy (which boxes to paint on a page, and how much more when the template could not be
proved on it: fail closed), painting them opaque, the flap state, and identity crops for the vault."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from anonymat.model import Box
from anonymat.page import header, placement
from anonymat.page.orient import Pose, ink_mask
from anonymat.page.template import Registration, Template
from anonymat.states import Flap, MaskPolicy, PoseSource

# The fail-closed policy, for a page the template could not be proved on: the whole header band is
# masked, down to just above the first ruled line of the writing area (the first line's handwriting
# stands above its rule), or down to a depth below the header of every form seen, when no ruled lines
# show. Only the anonymity sticker found by the barcode reader is left visible.
WRITING_CLEARANCE_MM = 6.0
FAIL_CLOSED_DEPTH_MM = 135.0
MIN_HEADER_MM = 40.0
HEADER_RULE_REACH_MM = 12.0  # a dark printed rule this far below the first ruled line still ends the header  # ruled lines higher than this are not the writing area's start
STICKER_MARGIN_MM = (3.0, 3.0, 3.0, 7.5)  # around the bars: left, top, right, bottom (its printed digits)

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
    # the safety margin never reaches into the writing area, where the candidate's answer begins
    writing_top = reg.to_px(template.zones_mm["writing_area"])[1]
    boxes = [
        (x0, y0, x1, min(y1, writing_top)) if y0 < writing_top else (x0, y0, x1, y1)
        for x0, y0, x1, y1 in boxes
    ]
    return [b for b in boxes if b[2] > b[0] and b[3] > b[1]]


@dataclass(frozen=True)
class MaskPlan:
    """What is painted on one upright page, what stays sharp, and where the writing area is."""

    boxes: list[Box]
    sharp: tuple[Box, ...]
    identity: Box  # what the vault keeps
    writing: Box
    policy: MaskPolicy


def plan_masks(
    template: Template,
    reg: Registration,
    shape: tuple[int, int],
    proved: bool,
    sticker: Box | None,
    writing_top: int | None,
    both_ends: bool,
    rules_y: tuple[int, ...] = (),
) -> MaskPlan:
    """The template's zones where its placement was proved; else the whole header band (fail closed).

    `rules_y`: the page's dark printed rules (px): the band never ends above the header's last one.
    `both_ends`: the page's orientation is unconfirmed, so its top may be its bottom: mask there too.
    """
    h, w = shape
    if proved:
        boxes = mask_boxes(template, reg, shape)
        sharp: tuple[Box, ...] = ()
        if not template.hide_anonymity_box:
            sharp = (clip_box(reg.to_px(template.zones_mm["anonymity_box"], 2.0), shape),)
        identity = clip_box(reg.to_px(template.zones_mm["identity"], template.mask_margin_mm), shape)
        writing = clip_box(reg.to_px(template.zones_mm["writing_area"]), shape)
        policy = MaskPolicy.TEMPLATE
    else:
        s = reg.px_per_mm
        if writing_top is not None and writing_top >= MIN_HEADER_MM * s:
            end, policy = int(writing_top - WRITING_CLEARANCE_MM * s), MaskPolicy.HEADER_TO_RULES
            # a form may rule its identity fields like the writing area: the series found can start
            # inside the header, whose printed bottom rule then lies below it
            last = [y for y in rules_y if y < writing_top + HEADER_RULE_REACH_MM * s]
            if last:
                end = max(end, int(max(last) + 1.5 * s))
        else:
            end, policy = int(min(h, FAIL_CLOSED_DEPTH_MM * s)), MaskPolicy.HEADER_TO_DEPTH
        band = (0, 0, w, end)
        keep = None
        if sticker is not None and not template.hide_anonymity_box:
            left, top, right, bottom = (m * s for m in STICKER_MARGIN_MM)
            x0, y0, x1, y1 = sticker
            keep = clip_box((int(x0 - left), int(y0 - top), int(x1 + right), int(y1 + bottom)), (end, w))
        boxes = _band_without(band, keep)
        sharp = () if keep is None else (keep,)
        identity, writing = band, (0, end, w, h)
    if both_ends:
        boxes += [(w - x1, h - y1, w - x0, h - y0) for x0, y0, x1, y1 in boxes]
    return MaskPlan(boxes, sharp, identity, writing, policy)


def plan_page_masks(
    template: Template,
    reg: Registration,
    shape: tuple[int, int],
    proved: bool,
    pose: Pose,
    sticker_quad: Sequence[tuple[float, float]] | None,
    up_small: np.ndarray,
    factor: float,
    dpi: float,
) -> MaskPlan:
    """The masks of one upright page (`shape`, registered by `reg`): plan_masks, given what it needs.

    Where the template was not proved, the header band's end is measured on the work image `up_small`
    (`factor` its scale from the page): the first ruled line of the writing area and the dark printed
    rules. `sticker_quad`: the bars' corners on the page, left visible. An unconfirmed orientation
    masks both ends of the page.
    """
    writing_top: int | None = None
    rules_y: tuple[int, ...] = ()
    if not proved:
        s_small = dpi * factor / 25.4
        top = header.find_writing_top(up_small, s_small)
        writing_top = None if top is None else int(top / factor)
        rules_y = tuple(int(y / factor) for y, _x0, _x1 in placement.find_rules(up_small, s_small))
    sticker = None if sticker_quad is None else bounds(sticker_quad)
    both_ends = pose.source == PoseSource.UNKNOWN
    return plan_masks(template, reg, shape, proved, sticker, writing_top, both_ends, rules_y)


def bounds(points: Sequence[tuple[float, float]]) -> Box:
    """The pixel box that holds every point."""
    xs, ys = zip(*points, strict=True)
    return (int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)


def _band_without(band: Box, keep: Box | None) -> list[Box]:
    """The band as boxes that cover all of it except `keep` (inside it)."""
    bx0, by0, bx1, by1 = band
    if keep is None or keep[2] <= keep[0] or keep[3] <= keep[1]:
        return [band]
    kx0, ky0, kx1, ky1 = keep
    boxes = [(bx0, by0, bx1, ky0), (bx0, ky0, kx0, ky1), (kx1, ky0, bx1, ky1), (bx0, ky1, bx1, by1)]
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


def flap_state(gray: np.ndarray, template: Template, reg: Registration) -> Flap:
    """'open' when the flap's printed face shows where it sits unfolded, 'folded' when that area is bare.

    Only ink coverage of the flap's own area is measured: nothing inside the identity zone is read.
    """
    if template.flap_open_area is None or reg.anchor == "none":
        return Flap.UNKNOWN
    box = reg.to_px(template.zones_mm[template.flap_open_area])
    coverage = ink_fraction(gray, box, inset_px=int(2 * reg.px_per_mm))
    # printed flap text covers ~10 % of its area; a bare area keeps under 1 % (fold shadow, gum strip)
    if coverage >= FLAP_OPEN_INK:
        return Flap.OPEN
    if coverage <= FLAP_BARE_INK:
        return Flap.FOLDED
    return Flap.UNKNOWN


def page_flap(template: Template, found: placement.Placement, up_small: np.ndarray) -> Flap:
    """A page's flap state: what the placement's printed labels show, else the ink where the flap shows
    when open (flap_state); unknown where the template was not proved on the page."""
    if not found.proved:
        return Flap.UNKNOWN
    if found.flap in (Flap.OPEN, Flap.FOLDED):
        return Flap(found.flap)
    return flap_state(up_small, template, found.registration)


@dataclass(frozen=True)
class VaultEntry:
    number: str
    file: str
    page: int
    crop: str


def keeps_identity_crop(flap: Flap) -> bool:
    """Whether the vault keeps a page's identity crop: its flap is open, or not known to be folded."""
    return flap in (Flap.OPEN, Flap.UNKNOWN)


def identity_crop_name(number: str, file: str, index: int) -> str:
    """The vault file name of the identity crop of page `index` (0-based) of `file`, read as `number`."""
    # the value comes from the page: never let it name a path (a permissive template accepts "../x")
    return f"{_safe_stem(number)}_{_safe_stem(file)}_p{index + 1:03d}.png"


def _safe_stem(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)[-60:]


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
