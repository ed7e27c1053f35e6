"""`anonymat template learn` and `template show`: a template learned from scans, drawn over a scan.

An exam centre with a form anonymat has never seen gives a few scans of filled-in copies (the flap open on
some, folded on others). From each page this module reads only printed structure: the barcode's box and
value, the long printed rules, the printed labels (OCR of the header, kept as positions of recognised
labels, never as text), the ruled writing lines. The zones follow from them:

- identity: where the identity labels are, when the flap is open, and where the flap's print lies when it
  is folded over them; widened to the printed lines around them and to the handwriting beside the labels;
- flap open area: where the flap's print lies when it is open;
- anonymity box and barcode: around the bars;
- writing area: from the first ruled line down.

Coordinates are millimetres on the first page read; the other pages are aligned to it on their printed
labels and rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from anonymat import ingest
from anonymat.errors import UsageError
from anonymat.messages import t
from anonymat.model import PageRef
from anonymat.page import barcode, blank, decode, header, orient, placement
from anonymat.page.template import MmBox, Template, parse_template

FLAP_KEYS = frozenset({"partie", "laissez", "rabattre", "humecter", "obligatoire", "garantir"})
FIXED_KEYS = frozenset({"fonction", "interregion", "intitule", "concours", "epreuve", "specialite",
                        "ouvert", "numero_anonymat", "cadre"})  # fmt: skip
ANY_NUMBER = r"^[0-9A-Z]{4,20}$"
ZONE_MARGIN_MM = 3.0
FIELD_REACH_MM = 110.0  # how far to the right of a label its handwritten field may run
FIELD_GAP_MM = 18.0  # a blank run this wide ends a handwritten field
ENCLOSING_MM = 14.0  # a printed line this close beyond a zone's edge is taken as the zone's border


@dataclass
class PageReading:
    """The printed structure read on one upright page, in mm on that page."""

    source: str
    size_mm: tuple[float, float]
    number: str
    number_format: str
    bars: MmBox
    rules: list[tuple[float, float, float]]  # horizontal: (x0, y, x1)
    columns: list[tuple[float, float, float]]  # vertical: (x, y0, y1)
    labels: list[tuple[str, MmBox]]
    writing_top: float | None
    fields: list[MmBox] = field(default_factory=list)  # handwriting beside the identity labels
    state: str = "unknown"  # flap "open" | "folded" | "unknown"


@dataclass(frozen=True)
class Learned:
    data: dict[str, Any]  # the template, in the documented JSON format
    missing: list[str]  # what could not be found, and how to set it by hand
    pages: int


def read_page(ref: PageRef) -> PageReading | None:
    """The printed structure of one scanned page, or None when it is blank or its barcode unreadable."""
    image = decode.load_page(ref)
    gray, dpi = image.gray, image.dpi
    small, factor = orient.work_image(gray, dpi)
    if blank.is_blank(small):
        return None
    search = barcode.find_code(gray, ANY_NUMBER, ("Code39", "Code128", "ITF", "QRCode", "DataMatrix"))
    read = search.read
    if read is None:
        return None
    pose = orient.find_pose(small, read.orientation)
    pose = orient.Pose(pose.rotation, round(pose.skew, 2), pose.source)
    page = orient.upright_page(gray, pose)
    up_small = orient.upright(small, pose)
    s = dpi / 25.4
    s_small = s * factor
    quad = [orient.map_point(pose, gray.shape, p) for p in read.quad]
    xs, ys = zip(*quad, strict=True)
    labels = [(lab.key, _mm(lab.box, s)) for lab in header.find_labels(page, s)]
    top = header.find_writing_top(up_small, s_small)
    reading = PageReading(
        source=f"{ref.file} page {ref.index + 1}",
        size_mm=(page.shape[1] / s, page.shape[0] / s),
        number=read.value,
        number_format=read.format,
        bars=(min(xs) / s, min(ys) / s, max(xs) / s, max(ys) / s),
        rules=[
            (x0 / s_small, y / s_small, x1 / s_small) for y, x0, x1 in placement.find_rules(up_small, s_small)
        ],
        columns=[(x / s_small, y0 / s_small, y1 / s_small) for x, y0, y1 in find_columns(up_small, s_small)],
        labels=labels,
        writing_top=None if top is None else top / s_small,
    )
    keys = {k for k, _ in labels}
    if keys & header.IDENTITY_KEYS:
        reading.state = "open"
        reading.fields = _identity_fields(page, s, [b for k, b in labels if k in header.IDENTITY_KEYS])
    elif keys & FLAP_KEYS:
        reading.state = "folded"
    return reading


def find_columns(gray: np.ndarray, px_per_mm: float) -> list[tuple[float, float, float]]:
    """Long dark vertical printed lines in the header, as (x, y0, y1) in px: the sides of its boxes."""
    turned = np.ascontiguousarray(gray[: int(gray.shape[0] * placement.HEADER_SEARCH)].T)
    return [(y, x0, x1) for y, x0, x1 in placement.find_rules(turned, px_per_mm, search=1.0, min_mm=15.0)]


def _mm(box: tuple[int, int, int, int], s: float) -> MmBox:
    return (box[0] / s, box[1] / s, box[2] / s, box[3] / s)


def _identity_fields(page: np.ndarray, s: float, labels: list[MmBox]) -> list[MmBox]:
    """The handwriting to the right of each identity label: where its field runs (mm)."""
    ink: np.ndarray = np.asarray(orient.ink_mask(page, contrast=60) > 0)
    fields = []
    for x0, y0, x1, y1 in labels:
        r0, r1 = int((y0 - 2) * s), int((y1 + 2) * s)
        c0, c1 = int(x1 * s), min(page.shape[1], int((x1 + FIELD_REACH_MM) * s))
        if r1 <= r0 or c1 <= c0:
            continue
        cols = np.asarray(ink[max(0, r0) : r1, c0:c1].any(axis=0)).tolist()
        end, gap = 0, 0
        for i, on in enumerate(cols):
            gap = 0 if on else gap + 1
            if on:
                end = i
            if gap > FIELD_GAP_MM * s:
                break
        fields.append((x0, y0, (c0 + end) / s, y1))
    return fields


def learn(paths: Sequence[Path], name: str) -> Learned:
    """Learn a template from scans of filled-in copies of one form."""
    files, problems = ingest.discover(list(paths))
    if problems:
        raise UsageError(f"{problems[0].file}: {problems[0].error}")
    readings = [r for r in (read_page(ref) for ref in ingest.page_refs(files)) if r is not None]
    if not readings:
        raise UsageError(t("learn.no_barcode"))
    ref = readings[0]
    aligned = [ref, *(_aligned(r, ref) for r in readings[1:])]
    missing: list[str] = []
    data = _template_data(name, aligned, missing)
    parse_template(data, name)  # what is written must load
    return Learned(data, missing, len(readings))


def _offset(page: PageReading, ref: PageReading) -> tuple[float, float]:
    """How far `page` sits from `ref` (mm), from the printed labels both show (else the bars)."""
    deltas = []
    for key, box in page.labels:
        if key not in FIXED_KEYS:
            continue
        for rkey, rbox in ref.labels:
            if rkey == key:
                deltas.append(
                    ((box[0] + box[2] - rbox[0] - rbox[2]) / 2, (box[1] + box[3] - rbox[1] - rbox[3]) / 2)
                )
    if len(deltas) >= 2:
        dx, dy = np.median(np.array(deltas), axis=0)
        close = [d for d in deltas if abs(d[0] - dx) < 3 and abs(d[1] - dy) < 3]
        if len(close) >= 2:
            return float(np.mean([d[0] for d in close])), float(np.mean([d[1] for d in close]))
    return ((page.bars[0] + page.bars[2] - ref.bars[0] - ref.bars[2]) / 2,
            (page.bars[1] + page.bars[3] - ref.bars[1] - ref.bars[3]) / 2)  # fmt: skip


def _aligned(page: PageReading, ref: PageReading) -> PageReading:
    dx, dy = _offset(page, ref)

    def box(b: MmBox) -> MmBox:
        return (b[0] - dx, b[1] - dy, b[2] - dx, b[3] - dy)

    return PageReading(
        source=page.source,
        size_mm=page.size_mm,
        number=page.number,
        number_format=page.number_format,
        bars=box(page.bars),
        rules=[(x0 - dx, y - dy, x1 - dx) for x0, y, x1 in page.rules],
        columns=[(x - dx, y0 - dy, y1 - dy) for x, y0, y1 in page.columns],
        labels=[(k, box(b)) for k, b in page.labels],
        writing_top=None if page.writing_top is None else page.writing_top - dy,
        fields=[box(b) for b in page.fields],
        state=page.state,
    )


def _union(boxes: Sequence[MmBox]) -> MmBox | None:
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _grow(box: MmBox, margin: float) -> MmBox:
    return (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)


def _common_rules(pages: Sequence[PageReading], top: float) -> list[tuple[float, float, float]]:
    """Printed rules above the writing area seen on at least half the pages (median position)."""
    found: list[list[tuple[float, float, float]]] = []
    for page in pages:
        for rule in page.rules:
            if rule[1] >= top:
                continue
            for group in found:
                g = group[0]
                if abs(g[1] - rule[1]) < 2 and abs(g[0] - rule[0]) < 4 and abs(g[2] - rule[2]) < 4:
                    group.append(rule)
                    break
            else:
                found.append([rule])
    rules = []
    for group in found:
        if len(group) * 2 >= len(pages):
            arr = np.median(np.array(group), axis=0)
            rules.append((round(float(arr[0]), 1), round(float(arr[1]), 1), round(float(arr[2]), 1)))
    return sorted(rules, key=lambda r: r[1])


def _enclose(
    box: MmBox, rules: Sequence[tuple[float, float, float]], columns: Sequence[tuple[float, float, float]]
) -> MmBox:
    """Widen a zone to the printed lines just beyond its edges (the sides of the printed box it sits in)."""
    x0, y0, x1, y1 = box
    mid_x, mid_y = (x0 + x1) / 2, (y0 + y1) / 2
    above = [y for rx0, y, rx1 in rules if rx0 <= mid_x <= rx1 and y0 - ENCLOSING_MM <= y <= y0 + 1]
    below = [y for rx0, y, rx1 in rules if rx0 <= mid_x <= rx1 and y1 - 1 <= y <= y1 + ENCLOSING_MM]
    left = [x for x, cy0, cy1 in columns if cy0 <= mid_y <= cy1 and x0 - ENCLOSING_MM <= x <= x0 + 1]
    right = [x for x, cy0, cy1 in columns if cy0 <= mid_y <= cy1 and x1 - 1 <= x <= x1 + ENCLOSING_MM]
    return (
        max(left) if left else x0,
        max(above) if above else y0,
        min(right) if right else x1,
        min(below) if below else y1,
    )


def _template_data(name: str, pages: list[PageReading], missing: list[str]) -> dict[str, Any]:
    width, height = (round(float(v)) for v in np.median(np.array([p.size_mm for p in pages]), axis=0))
    tops = [p.writing_top for p in pages if p.writing_top is not None]
    bx0, by0, bx1, by1 = (float(v) for v in np.median(np.array([p.bars for p in pages]), axis=0))
    bars = (bx0, by0, bx1, by1)
    header_end = float(np.median(tops)) - 6.0 if tops else None
    if header_end is None:
        missing.append(
            "writing area: no ruled lines found; set zones_mm.writing_area [x0, y0, x1, y1] by hand"
        )
    rules = _common_rules(pages, header_end if header_end is not None else height * 0.6)
    columns = [c for p in pages[:1] for c in p.columns]
    open_pages = [p for p in pages if p.state == "open"]
    folded_pages = [p for p in pages if p.state == "folded"]
    id_labels = [b for p in open_pages for k, b in p.labels if k in header.IDENTITY_KEYS]
    fields = [b for p in open_pages for b in p.fields]
    flap_open = _union([b for p in open_pages for k, b in p.labels if k in FLAP_KEYS])
    flap_folded = _union([b for p in folded_pages for k, b in p.labels if k in FLAP_KEYS])
    identity = _union([b for b in (_union(id_labels), _union(fields), flap_folded) if b is not None])
    if identity is None:
        raise UsageError(t("learn.no_identity"))
    identity = _enclose(_grow(identity, ZONE_MARGIN_MM), rules, columns)
    zones: dict[str, list[float]] = {"identity": _rounded(identity)}
    if not open_pages:
        missing.append(t("learn.no_open_flap"))
    if flap_open is not None:
        zones["flap_open_area"] = _rounded(_enclose(_grow(flap_open, ZONE_MARGIN_MM), rules, columns))
    else:
        missing.append(t("learn.no_flap_area"))
    number_labels = [b for p in pages for k, b in p.labels if k in ("numero_anonymat", "cadre")]
    box = _union([_grow(bars, 4.0), *number_labels])
    assert box is not None
    zones["anonymity_box"] = _rounded(_enclose(box, rules, columns))
    zones["barcode"] = _rounded(_grow(bars, 2.0))
    top = header_end if header_end is not None else max(identity[3], box[3]) + 6.0
    zones["writing_area"] = _rounded((8.0, top, width - 8.0, height - 6.0))
    numbers = [p.number for p in pages]
    pattern = (
        f"^[0-9]{{{len(numbers[0])}}}$"
        if all(n.isdigit() and len(n) == len(numbers[0]) for n in numbers)
        else ANY_NUMBER
    )
    labels = _label_positions(pages)
    data: dict[str, Any] = {
        "name": name,
        "description": f"learned by `anonymat template learn` from {len(pages)} scanned pages",
        "page_mm": [width, height],
        "number": {"pattern": pattern, "formats": sorted({p.number_format for p in pages})},
        "frame_mm": None,
        "rules_mm": [list(r) for r in rules],
        "barcode_mm": _rounded(bars),
        "labels_mm": labels,
        "zones_mm": zones,
        "flap": {
            "open_area": "flap_open_area" if "flap_open_area" in zones else None,
            "folded_area": "identity",
        },
        "mask": {
            "zones": ["identity", *(["flap_open_area"] if "flap_open_area" in zones else [])],
            "margin_mm": 4,
            "hide_anonymity_box": False,
        },
    }
    if not rules:
        missing.append(t("learn.no_rules"))
    if len({k for k in (lab["key"] for lab in labels)}) < 2:
        missing.append(t("learn.few_labels"))
    return data


def _label_positions(pages: Sequence[PageReading]) -> list[dict[str, Any]]:
    """Each printed label's median centre, per flap state for the labels the flap moves or hides."""
    groups: dict[tuple[str, str | None], list[tuple[float, float]]] = {}
    for page in pages:
        for key, (x0, y0, x1, y1) in page.labels:
            state = page.state if key in FLAP_KEYS or key in header.IDENTITY_KEYS else None
            if state == "unknown":
                continue
            centre = ((x0 + x1) / 2, (y0 + y1) / 2)
            for (gkey, gstate), members in groups.items():
                if (
                    gkey == key
                    and gstate == state
                    and abs(members[0][0] - centre[0]) < 5
                    and abs(members[0][1] - centre[1]) < 3
                ):
                    members.append(centre)
                    break
            else:
                groups[(key, state)] = [centre]
    out = []
    for (key, state), members in sorted(groups.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        x, y = np.median(np.array(members), axis=0)
        entry: dict[str, Any] = {"key": key, "at": [round(float(x), 1), round(float(y), 1)]}
        if state is not None:
            entry["flap"] = state
        out.append(entry)
    return out


def _rounded(box: Sequence[float]) -> list[float]:
    return [round(float(v), 1) for v in box]


# --- drawing a template over a scan -----------------------------------------------------------------

ZONE_COLOURS = {  # BGR
    "identity": (40, 40, 220),
    "flap_open_area": (40, 160, 240),
    "anonymity_box": (200, 120, 40),
    "barcode": (200, 60, 160),
    "writing_area": (60, 170, 60),
}


def preview(template: Template, path: Path, page_index: int = 0) -> tuple[np.ndarray, str]:
    """The scan's page upright with the template placed on it: the zones to mask painted (what the output
    will show), every other zone outlined; and a line saying how the placement was proved."""
    from anonymat.page import masking
    from anonymat.run import pipeline

    files, problems = ingest.discover([path])
    if problems or not files:
        raise UsageError(
            f"{problems[0].file}: {problems[0].error}" if problems else t("learn.no_scan_in", path=path)
        )
    refs = ingest.page_refs(files)
    if not 0 <= page_index < len(refs):
        raise UsageError(t("learn.page_count", path=path, n=len(refs)))
    ref = refs[page_index]
    facts = pipeline.analyse_page(ref, pipeline.PageContext(template=template, want_text=False, vault=None))
    if facts.error:
        raise UsageError(facts.error)
    if facts.blank:
        raise UsageError(t("learn.blank", file=ref.file, n=page_index + 1))
    page, _dpi, _sharp = pipeline.render_output_page(facts)
    colour = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    s = facts.dpi / 25.4
    if facts.mask_policy == "template":
        reg = placement.registration_of(facts)
        thick = max(2, int(0.5 * s))
        for zone, box_mm in template.zones_mm.items():
            x0, y0, x1, y1 = masking.clip_box(reg.to_px(box_mm), page.shape)
            bgr = ZONE_COLOURS.get(zone, (128, 128, 128))
            cv2.rectangle(colour, (x0, y0), (x1, y1), bgr, thick)
            cv2.putText(
                colour,
                zone,
                (x0 + thick * 2, y0 + int(5 * s)),
                cv2.FONT_HERSHEY_SIMPLEX,
                s / 8,
                bgr,
                max(1, thick // 2),
            )
        how = t("show.placed", cues=facts.anchor.replace("+", ", "), mm=facts.residual_mm)
    else:
        seen = ", ".join(facts.cues_disagreeing) or t("show.none")
        how = t("show.not_placed", seen=seen, policy=facts.mask_policy)
    return colour, how


def first_written(paths: Sequence[Path]) -> Path:
    """The first scan given (the preview is drawn over its first page)."""
    files, _problems = ingest.discover(list(paths))
    if not files:
        raise UsageError(t("learn.no_scan"))
    return Path(files[0].path)


def write_png(image: np.ndarray, path: Path) -> None:
    from anonymat.pdf.output import write_bytes_atomic

    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise UsageError(t("learn.cannot_encode", path=path))
    write_bytes_atomic(data.tobytes(), path)


def write_template(data: dict[str, Any], path: Path) -> None:
    from anonymat.pdf.output import write_bytes_atomic

    write_bytes_atomic((json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), path)


def safe_name(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-") or "learned"
