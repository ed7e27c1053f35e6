"""Placing a template on an upright page from independent cues, or proving that it cannot be placed.

A cue is something printed or stuck on the page whose position the template knows: the anonymity
barcode, the long printed rules of the header, the printed labels read by OCR. Each cue on its own says
where the template's origin is on the page. A placement is accepted only where cues of at least two
different kinds agree; a cue kind that was seen but points elsewhere is reported, never silently
preferred. The barcode is a weak cue (a sticker is stuck on by hand, a few mm either way): it confirms a
placement, while the printed cues fix it precisely.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from anonymat.manifest import PageFacts
from anonymat.page.template import Registration, Template

# How far two cues may disagree and still be taken to agree, in mm on the page. Printed cues (rules,
# labels) are where the form's printer put them: measured residuals on generated scans at 200 and 300 dpi
# stay under 1.2 mm. A sticker is placed by hand: it may sit some millimetres off its printed box.
PRINT_TOLERANCE_MM = 2.5
BARCODE_TOLERANCE_MM = 7.0
BARCODE_SIZE_TOLERANCE = 0.08  # the bars' measured width against the template's, as a fraction
RULE_MIN_MM = 25.0  # shorter dark strokes are not looked at as printed rules
RULE_LENGTH_TOLERANCE_MM = 4.0
RULE_DARK = 128  # printed rules are black; ruled writing lines (175-215) and most pencil are lighter
HEADER_SEARCH = 0.6  # the header's rules are looked for in this top fraction of the page
MIN_KINDS = 2


@dataclass(frozen=True)
class Cue:
    """One independent indication of where the template's origin (0, 0 mm) is on the page, in px."""

    kind: str  # "barcode" | "rules" | "labels"
    origin: tuple[float, float]
    tolerance_mm: float
    what: str  # which printed rule or label, for the record: never any text read from the page
    flap: str | None = None  # a label the flap moves or hides: the flap state it shows the page in
    key: str = ""  # a label's key


@dataclass(frozen=True)
class FoundLabel:
    """A printed label recognised on the page: its key and the centre of its box, in page px."""

    key: str
    center: tuple[float, float]


def find_rules(
    gray: np.ndarray, px_per_mm: float, search: float = HEADER_SEARCH, min_mm: float = RULE_MIN_MM
) -> list[tuple[float, float, float]]:
    """Long, dark, horizontal printed rules in the page's top part, as (y, x0, x1) in page px."""
    top = gray[: int(gray.shape[0] * search)]
    dark = (top < RULE_DARK).astype(np.uint8)
    length = max(15, int(min_mm * px_per_mm))
    lines = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    # a residual skew of a fraction of a degree breaks a long line into steps: join them
    lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    found = []
    for i in range(1, n):
        x, y, bw, bh, _area = (int(v) for v in stats[i])
        if bw >= length and bh <= max(6, 1.5 * px_per_mm):
            # the dilation widened the run by 4 px on each side
            found.append((y + bh / 2, float(x + 4), float(x + bw - 4)))
    return found


def barcode_cue(template: Template, quad: Sequence[tuple[float, float]], px_per_mm: float) -> Cue | None:
    """Where the template sits if the bars are where it puts them; None if their size rules them out."""
    xs, ys = zip(*quad, strict=True)
    bx0, by0, bx1, by1 = template.barcode_mm
    width_px = max(xs) - min(xs)
    expected = (bx1 - bx0) * px_per_mm
    if expected <= 0 or abs(width_px / expected - 1.0) > BARCODE_SIZE_TOLERANCE:
        return None
    cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    origin = (cx - (bx0 + bx1) / 2 * px_per_mm, cy - (by0 + by1) / 2 * px_per_mm)
    return Cue("barcode", origin, BARCODE_TOLERANCE_MM, "barcode")


def rule_cues(template: Template, rules: Sequence[tuple[float, float, float]], px_per_mm: float) -> list[Cue]:
    """Every placement that puts a printed rule of the template on a rule found on the page."""
    cues = []
    for y, x0, x1 in rules:
        for i, (rx0, ry, rx1) in enumerate(template.rules_mm):
            if abs((x1 - x0) / px_per_mm - (rx1 - rx0)) <= RULE_LENGTH_TOLERANCE_MM:
                # both ends agree on the length: take the middle, which a clipped end moves least
                origin = ((x0 + x1) / 2 - (rx0 + rx1) / 2 * px_per_mm, y - ry * px_per_mm)
                cues.append(Cue("rules", origin, PRINT_TOLERANCE_MM, f"rule {i + 1}"))
    return cues


def label_cues(template: Template, labels: Sequence[FoundLabel], px_per_mm: float) -> list[Cue]:
    """Every placement that puts a printed label of the template on the same label found on the page."""
    cues = []
    for found in labels:
        for label in template.labels_mm:
            if label.key == found.key:
                cx, cy = found.center
                origin = (cx - label.x * px_per_mm, cy - label.y * px_per_mm)
                cues.append(
                    Cue("labels", origin, PRINT_TOLERANCE_MM, f"label {label.key}", label.flap, label.key)
                )
    return cues


def page_cues(
    template: Template, gray: np.ndarray, px_per_mm: float, quad: Sequence[tuple[float, float]] | None
) -> list[Cue]:
    """The cues that cost no OCR: the barcode (its corners on this upright image) and the printed rules."""
    cues = rule_cues(template, find_rules(gray, px_per_mm), px_per_mm)
    bar = None if quad is None else barcode_cue(template, quad, px_per_mm)
    return cues if bar is None else [bar, *cues]


# The labels read first, each alone in a small box where the template puts it, in this order until one
# is found: the flap's print (its title is the boldest), then, for an open flap, the identity labels.
FLAP_CHECK_KEYS = ("partie", "laissez", "obligatoire", "humecter")
IDENTITY_CHECK_KEYS = ("nom", "prenom", "candidat", "signature", "naissance")
FIXED_CHECK_KEYS = ("fonction", "numero_anonymat", "intitule", "epreuve")  # printed outside the flap
ZONE_CHECK_HALF_MM = (22.0, 7.0)


def zone_check_regions(
    template: Template, reg: Registration, shape: tuple[int, int], key: str, state: str | None = None
) -> list[tuple[int, int, int, int]]:
    """Small boxes (page px) around where the template puts label `key` (in flap state `state` only, if
    given)."""
    h, w = shape
    hx, hy = ZONE_CHECK_HALF_MM
    boxes = []
    for lab in template.labels_mm:
        if lab.key == key and (state is None or lab.flap == state):
            x0, y0, x1, y1 = reg.to_px((lab.x - hx, lab.y - hy, lab.x + hx, lab.y + hy))
            boxes.append((max(0, x0), max(0, y0), min(w, x1), min(h, y1)))
    return [b for b in boxes if b[2] > b[0] and b[3] > b[1]]


def read_labels(
    page: np.ndarray,
    px_per_mm: float,
    to_scale: float = 1.0,
    regions: Sequence[tuple[int, int, int, int]] | None = None,
) -> list[FoundLabel]:
    """The printed labels recognised on an upright page (in `regions`, else its header), their centres
    scaled by `to_scale`. PRIVACY: the OCR behind it reads the identity zone in memory; only the keys and
    positions of recognised printed labels come out."""
    from anonymat.page import header

    found = []
    labels = (
        [lab for region in regions for lab in header.find_labels(page, px_per_mm, region)]
        if regions is not None
        else header.find_labels(page, px_per_mm)
    )
    for label in labels:
        x0, y0, x1, y1 = label.box
        found.append(FoundLabel(label.key, ((x0 + x1) / 2 * to_scale, (y0 + y1) / 2 * to_scale)))
    return found


@dataclass(frozen=True)
class Placement:
    """The outcome: a registration, the cue kinds that agreed on it, and those that pointed elsewhere."""

    registration: Registration
    agreed: tuple[str, ...]
    disagreed: tuple[str, ...]
    residual_mm: float | None
    flap: str | None = None  # the flap state the agreeing labels show, when they show one
    kinds: tuple[str, ...] = ()  # the cue kinds of the best cluster, proved or not

    @property
    def proved(self) -> bool:
        """Two cue kinds agree, and a label of the zones themselves (the flap's print, an identity
        label) is where the template puts it: the form is the template's, not just its frame."""
        return len(self.agreed) >= MIN_KINDS and self.flap is not None

    def refused(self) -> Placement:
        """The same cues, not accepted: every kind seen is reported as not agreeing."""
        seen = tuple(sorted({*self.agreed, *self.disagreed}))
        return replace(self, registration=replace(self.registration, anchor="none"), agreed=(),
                       disagreed=seen, residual_mm=None, flap=None, kinds=())  # fmt: skip


def place(template: Template, cues: Sequence[Cue], px_per_mm: float) -> Placement:
    """The placement most cue kinds agree on (ties: more cues, then the tighter fit)."""
    best: tuple[tuple[int, int, float], list[Cue]] | None = None
    for seed in cues:
        members = [
            c for c in cues if _distance_mm(c, seed, px_per_mm) <= max(c.tolerance_mm, seed.tolerance_mm)
        ]
        members = _consistent(members, px_per_mm)
        kinds = _kinds(members)
        score = (len(kinds), len(members), -_spread(members, px_per_mm))
        if best is None or score > best[0]:
            best = (score, members)
    seen = sorted({c.kind for c in cues})
    if best is None:
        return Placement(Registration(px_per_mm, (0.0, 0.0), "none"), (), tuple(seen), None)
    members = best[1]
    agreed = tuple(sorted(_kinds(members)))
    # the printed cues fix the origin; the barcode only confirms it
    printed = [c for c in members if c.kind != "barcode"] or members
    ox = float(np.mean([c.origin[0] for c in printed]))
    oy = float(np.mean([c.origin[1] for c in printed]))
    residual = max(math.dist((ox, oy), c.origin) for c in members) / px_per_mm
    states = sorted({c.flap for c in members if c.kind == "labels" and c.flap})
    flap = states[0] if len(states) == 1 else ("unknown" if states else None)
    # an open flap shows the identity labels: where the template knows them, one must be among the cues
    shows_identity = any(lab.flap == "open" and lab.key in IDENTITY_CHECK_KEYS for lab in template.labels_mm)
    identity_seen = any(c.kind == "labels" and c.key in IDENTITY_CHECK_KEYS for c in members)
    proved = (
        len(agreed) >= MIN_KINDS
        and flap is not None
        and (flap != "open" or identity_seen or not shows_identity)
    )
    present = {c.kind for c in members}
    return Placement(
        Registration(px_per_mm, (ox, oy), "+".join(agreed) if proved else "none"),
        agreed if proved else (),
        tuple(k for k in seen if k not in present or not proved),
        round(residual, 2) if proved else None,
        flap,
        agreed,
    )


def registration_of(facts: PageFacts) -> Registration:
    """The registration a page's facts record (its origin on the upright full-resolution page)."""
    ox, oy, s = facts.placed
    return Registration(s, (ox, oy), facts.anchor)


def _distance_mm(a: Cue, b: Cue, px_per_mm: float) -> float:
    return math.dist(a.origin, b.origin) / px_per_mm


def _consistent(members: list[Cue], px_per_mm: float) -> list[Cue]:
    """Drop the members that disagree with the printed members' centre (a seed's tolerance is one-sided)."""
    printed = [c for c in members if c.kind != "barcode"]
    if not printed:
        return members
    cx = float(np.mean([c.origin[0] for c in printed]))
    cy = float(np.mean([c.origin[1] for c in printed]))
    return [c for c in members if math.dist((cx, cy), c.origin) / px_per_mm <= c.tolerance_mm]


def _kinds(members: Sequence[Cue]) -> set[str]:
    """The cue kinds present; labels count only when two different labels agree (one OCR word may be
    a misreading that happens to match)."""
    kinds = {c.kind for c in members if c.kind != "labels"}
    if len({c.what for c in members if c.kind == "labels"}) >= 2:
        kinds.add("labels")
    return kinds


def _spread(members: Sequence[Cue], px_per_mm: float) -> float:
    if len(members) < 2:
        return 0.0
    xs = [c.origin[0] for c in members]
    ys = [c.origin[1] for c in members]
    return (float(np.std(xs)) + float(np.std(ys))) / px_per_mm
