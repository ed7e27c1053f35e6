"""Form templates: anchors, zones and the number pattern; registering a template on an upright page."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from anonymat.errors import UsageError
from anonymat.messages import t
from anonymat.model import Box

REQUIRED_ZONES = ("identity", "anonymity_box", "barcode", "writing_area")


MmBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class TemplateLabel:
    """A printed label's centre on the clean form, in mm; `flap` is the flap state it shows in (or None)."""

    key: str
    x: float
    y: float
    flap: str | None = None


@dataclass(frozen=True)
class Template:
    name: str
    page_mm: tuple[float, float]
    pattern: str
    formats: tuple[str, ...]
    frame_mm: MmBox | None
    zones_mm: dict[str, MmBox]
    flap_open_area: str | None
    flap_folded_area: str | None
    mask_zones: tuple[str, ...]
    mask_margin_mm: float
    hide_anonymity_box: bool
    rules_mm: tuple[tuple[float, float, float], ...] = ()  # long printed rules: (x0, y, x1)
    barcode_mm: MmBox = (0.0, 0.0, 0.0, 0.0)  # the bars themselves (the sticker may be larger)
    labels_mm: tuple[TemplateLabel, ...] = ()


def fingerprint(template: Template) -> str:
    """What a manifest's settings record of the template, as "<name> <16 hex of its spec's sha256>", so
    that a re-run or `fix --add` can tell the same template from an edited one of the same name."""
    spec = json.dumps(dataclasses.asdict(template), sort_keys=True, default=list).encode("utf-8")
    return f"{template.name} {hashlib.sha256(spec).hexdigest()[:16]}"


def load_template(name_or_path: str) -> Template:
    """A built-in template by name (`cdg-est`) or a template JSON file."""
    path = Path(name_or_path)
    if path.suffix == ".json" or path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(t("template.unreadable", path=path, error=exc)) from exc
        return parse_template(data, str(path))
    builtin = resources.files("anonymat") / "templates" / f"{name_or_path}.json"
    if not builtin.is_file():
        names = sorted(
            p.name.removesuffix(".json") for p in (resources.files("anonymat") / "templates").iterdir()
        )
        raise UsageError(t("template.unknown", name=name_or_path, names=", ".join(names)))
    return parse_template(json.loads(builtin.read_text(encoding="utf-8")), name_or_path)


def parse_template(data: dict, origin: str) -> Template:
    def box(value: object, what: str) -> tuple[float, float, float, float]:
        if not (
            isinstance(value, list) and len(value) == 4 and all(isinstance(v, int | float) for v in value)
        ):
            raise UsageError(t("template.box", origin=origin, what=what))
        x0, y0, x1, y1 = (float(v) for v in value)
        if x1 <= x0 or y1 <= y0:
            raise UsageError(t("template.box_order", origin=origin, what=what))
        return (x0, y0, x1, y1)

    try:
        zones = {k: box(v, f"zones_mm.{k}") for k, v in data["zones_mm"].items()}
        for zone in REQUIRED_ZONES:
            if zone not in zones:
                raise UsageError(t("template.zone_missing", origin=origin, zone=zone))
        mask = data.get("mask", {})
        flap = data.get("flap", {})
        mask_zones = tuple(mask.get("zones", ["identity"]))
        for zone in (*mask_zones, *(v for v in flap.values() if v)):
            if zone not in zones:
                raise UsageError(t("template.zone_undefined", origin=origin, zone=zone))
        pattern = data["number"]["pattern"]
        re.compile(pattern)
        frame = box(data["frame_mm"], "frame_mm") if data.get("frame_mm") is not None else None
        return Template(
            name=str(data["name"]),
            page_mm=tuple(data.get("page_mm", [210, 297])),  # type: ignore[arg-type]
            pattern=pattern,
            formats=tuple(data["number"].get("formats", ["Code39"])),
            frame_mm=frame,
            zones_mm=zones,
            flap_open_area=flap.get("open_area"),
            flap_folded_area=flap.get("folded_area"),
            mask_zones=mask_zones,
            mask_margin_mm=float(mask.get("margin_mm", 4)),
            hide_anonymity_box=bool(mask.get("hide_anonymity_box", False)),
            rules_mm=_rules(data.get("rules_mm"), frame, origin),
            barcode_mm=box(data["barcode_mm"], "barcode_mm") if "barcode_mm" in data else zones["barcode"],
            labels_mm=_labels(data.get("labels_mm", []), origin),
        )
    except KeyError as exc:
        raise UsageError(t("template.key_missing", origin=origin, missing=exc)) from exc
    except re.error as exc:
        raise UsageError(t("template.bad_pattern", origin=origin, error=exc)) from exc


def _rules(value: object, frame: MmBox | None, origin: str) -> tuple[tuple[float, float, float], ...]:
    """The printed rules a page is registered on: as given, else the frame's top and bottom lines."""
    if value is None:
        if frame is None:
            return ()
        x0, y0, x1, y1 = frame
        return ((x0, y0, x1), (x0, y1, x1))
    if not isinstance(value, list) or not all(
        isinstance(r, list) and len(r) == 3 and all(isinstance(v, int | float) for v in r) for r in value
    ):
        raise UsageError(t("template.rules", origin=origin))
    return tuple((float(r[0]), float(r[1]), float(r[2])) for r in value)


def _labels(value: object, origin: str) -> tuple[TemplateLabel, ...]:
    if not isinstance(value, list):
        raise UsageError(t("template.labels", origin=origin))
    labels = []
    for item in value:
        try:
            x, y = (float(v) for v in item["at"])
            flap = item.get("flap")
            if flap not in (None, "open", "folded"):
                raise ValueError(flap)
            labels.append(TemplateLabel(str(item["key"]), x, y, flap))
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(t("template.label_entry", origin=origin, item=item)) from exc
    return tuple(labels)


@dataclass(frozen=True)
class Registration:
    """Where the template sits on an upright page: page_px = origin + mm * px_per_mm."""

    px_per_mm: float
    origin: tuple[float, float]
    anchor: str  # the cue kinds that agreed on it ("barcode+rules", ...), or "none" when not proved

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
