"""Form templates: anchors, zones and the number pattern; registering a template on an upright page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from anonymat.errors import UsageError

Box = tuple[int, int, int, int]

REQUIRED_ZONES = ("identity", "anonymity_box", "barcode", "writing_area")


@dataclass(frozen=True)
class Template:
    name: str
    page_mm: tuple[float, float]
    pattern: str
    formats: tuple[str, ...]
    frame_mm: tuple[float, float, float, float]
    zones_mm: dict[str, tuple[float, float, float, float]]
    flap_open_area: str | None
    flap_folded_area: str | None
    mask_zones: tuple[str, ...]
    mask_margin_mm: float
    hide_anonymity_box: bool

    def is_valid_number(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value) is not None


def load_template(name_or_path: str) -> Template:
    """A built-in template by name (`cdg-est`) or a template JSON file."""
    path = Path(name_or_path)
    if path.suffix == ".json" or path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"{path}: cannot read the template ({exc}); see README 'Templates'") from exc
        return parse_template(data, str(path))
    builtin = resources.files("anonymat") / "templates" / f"{name_or_path}.json"
    if not builtin.is_file():
        names = sorted(
            p.name.removesuffix(".json") for p in (resources.files("anonymat") / "templates").iterdir()
        )
        raise UsageError(f"unknown template {name_or_path!r}: use one of {', '.join(names)} or a JSON file")
    return parse_template(json.loads(builtin.read_text(encoding="utf-8")), name_or_path)


def parse_template(data: dict, origin: str) -> Template:
    def box(value: object, what: str) -> tuple[float, float, float, float]:
        if not (
            isinstance(value, list) and len(value) == 4 and all(isinstance(v, int | float) for v in value)
        ):
            raise UsageError(f"{origin}: {what} must be [x0, y0, x1, y1] in millimetres")
        x0, y0, x1, y1 = (float(v) for v in value)
        if x1 <= x0 or y1 <= y0:
            raise UsageError(f"{origin}: {what} has x1 <= x0 or y1 <= y0")
        return (x0, y0, x1, y1)

    try:
        zones = {k: box(v, f"zones_mm.{k}") for k, v in data["zones_mm"].items()}
        for zone in REQUIRED_ZONES:
            if zone not in zones:
                raise UsageError(f"{origin}: zones_mm.{zone} is missing")
        mask = data.get("mask", {})
        flap = data.get("flap", {})
        mask_zones = tuple(mask.get("zones", ["identity"]))
        for zone in (*mask_zones, *(v for v in flap.values() if v)):
            if zone not in zones:
                raise UsageError(f"{origin}: zone {zone!r} is named but not defined in zones_mm")
        pattern = data["number"]["pattern"]
        re.compile(pattern)
        return Template(
            name=str(data["name"]),
            page_mm=tuple(data.get("page_mm", [210, 297])),  # type: ignore[arg-type]
            pattern=pattern,
            formats=tuple(data["number"].get("formats", ["Code39"])),
            frame_mm=box(data["frame_mm"], "frame_mm"),
            zones_mm=zones,
            flap_open_area=flap.get("open_area"),
            flap_folded_area=flap.get("folded_area"),
            mask_zones=mask_zones,
            mask_margin_mm=float(mask.get("margin_mm", 4)),
            hide_anonymity_box=bool(mask.get("hide_anonymity_box", False)),
        )
    except KeyError as exc:
        raise UsageError(f"{origin}: the template lacks the key {exc}; see README 'Templates'") from exc
    except re.error as exc:
        raise UsageError(f"{origin}: number.pattern is not a valid regular expression ({exc})") from exc


@dataclass(frozen=True)
class Registration:
    """Where the template sits on an upright page: page_px = origin + mm * px_per_mm."""

    px_per_mm: float
    origin: tuple[float, float]
    anchor: str  # "frame" | "barcode" | "nominal"

    def to_px(self, box_mm: tuple[float, float, float, float], margin_mm: float = 0.0) -> Box:
        ox, oy = self.origin
        s = self.px_per_mm
        x0, y0, x1, y1 = box_mm
        m = margin_mm
        return (
            int(round(ox + (x0 - m) * s)),
            int(round(oy + (y0 - m) * s)),
            int(round(ox + (x1 + m) * s)),
            int(round(oy + (y1 + m) * s)),
        )


def find_frame_top(
    gray: np.ndarray, min_frac: float = 0.6, min_len: int | None = None
) -> tuple[int, int, int] | None:
    """The header frame's top line: the topmost long dark horizontal line, as (y, x0, x1) in pixels.

    Printed frame lines are black; ruled lines are light grey and handwriting is never that long
    and straight, so a dark-only threshold and a long horizontal opening keep only the frame.
    """
    import cv2

    h, w = gray.shape
    dark = (gray[: h // 2] < 110).astype(np.uint8)  # the frame is looked for in the top half only
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, int(w * 0.08)), 1))
    lines = cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel)
    # tolerate a residual skew of a fraction of a degree: merge rows 3 px apart
    lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    best: tuple[int, int, int] | None = None
    for i in range(1, n):
        x, y, bw, bh, _area = stats[i]
        if (
            bw >= (min_len if min_len is not None else min_frac * w)
            and bh <= max(12, h * 0.01)
            and y < h * 0.5
        ):
            if best is None or y < best[0]:
                best = (int(y + bh // 2), int(x), int(x + bw))
    return best


def register(
    gray: np.ndarray,
    template: Template,
    barcode_center: tuple[float, float] | None,
    px_per_mm: float | None = None,
) -> Registration:
    """Place the template on an upright page from its printed frame, else its barcode, else nominally.

    `px_per_mm` is the image's scale from the scan's resolution; without it the image is taken to be
    exactly the template's page wide. With it, a page on a larger canvas (an A4 sheet scanned on an A3
    flatbed) is measured right."""
    h, w = gray.shape
    fx0, fy0, fx1, _fy1 = template.frame_mm
    nominal = px_per_mm or w / template.page_mm[0]
    top = find_frame_top(gray, min_len=int(0.6 * template.page_mm[0] * nominal))
    if top is not None:
        y, x0, x1 = top
        s = (x1 - x0) / (fx1 - fx0)
        if 0.85 * nominal < s < 1.15 * nominal:
            return Registration(s, (x0 - fx0 * s, y - fy0 * s), "frame")
    s = nominal
    if barcode_center is not None:
        bx0, by0, bx1, by1 = template.zones_mm["barcode"]
        cx, cy = barcode_center
        return Registration(s, (cx - (bx0 + bx1) / 2 * s, cy - (by0 + by1) / 2 * s), "barcode")
    return Registration(s, (0.0, 0.0), "nominal")
