"""The record of every decision: page facts, copies, and their JSON form (manifest, batch.json)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from anonymat.model import Box
from anonymat.outdir import BATCH_JSON, manifest_name
from anonymat.reasons import Reason, as_json
from anonymat.states import Flap, InputKind, MaskPolicy, Order, OrderMethod, PoseSource, Status

SCHEMA_VERSION = 2  # 2 adds `reasons`, the review reasons as records (reasons.py); 1 is still read


@dataclass(frozen=True)
class PageFacts:
    """What the page stage learnt about one scanned page: small and picklable."""

    file: str
    path: str
    page: int
    sha256: str
    kind: InputKind
    error: str | None = None
    blank: bool = False
    dpi: float = 0.0
    number: str | None = None
    number_format: str | None = None
    barcode_reader: str | None = None
    barcode_conflict: bool = False
    printed_number: str | None = None  # OCR of the digits under the bars, when the bars did not read
    rotation: int = 0
    skew: float = 0.0
    pose_source: PoseSource = PoseSource.UNKNOWN
    anchor: str = "none"  # the cue kinds that agreed on the template's placement, e.g. "barcode+rules"
    cues_disagreeing: tuple[str, ...] = ()  # cue kinds seen on the page that pointed elsewhere
    residual_mm: float | None = None  # the farthest agreeing cue from the placement
    mask_policy: MaskPolicy = MaskPolicy.TEMPLATE  # or fail closed, the header band (masking.plan_masks)
    placed: tuple[float, float, float] = (0.0, 0.0, 0.0)  # template origin x, y and px per mm (output px)
    flap: Flap = Flap.UNKNOWN
    masked: tuple[Box, ...] = ()
    sharp: tuple[Box, ...] = ()  # output boxes kept unsoftened (the anonymity barcode)
    size: tuple[int, int] = (0, 0)  # output page (width, height) in pixels
    text: Any = None  # ordering.PageText, when ordering ran
    vault_crop: str | None = None
    roster_hits: tuple[tuple[int, float], ...] | None = ()  # (line, y mm) of roster names; None: unread
    fingerprint: bytes = b""  # the writing area, reduced (ingest.page_fingerprint): finds a page given twice
    seconds: dict[str, float] = field(default_factory=dict)

    def source(self) -> dict[str, Any]:
        return {"file": self.file, "page": self.page, "sha256": self.sha256}

    def full_source(self) -> dict[str, Any]:
        """The source with where to read it again (`anonymat fix` rebuilds a copy from it)."""
        return {**self.source(), "path": self.path, "kind": self.kind}

    def label(self) -> str:
        return page_label(self.file, self.page)


def page_label(file: str, page: int) -> str:
    """How review reasons, order links and the report name a page (`page` 0-based): the one format."""
    return f"{file} page {page + 1}"


def entry_label(entry: dict[str, Any]) -> str:
    """page_label of a manifest page entry."""
    return page_label(str(entry["source"]["file"]), int(entry["source"]["page"]))


@dataclass
class Copy:
    number: str
    pages: list[PageFacts]  # written pages, in output order once ordered
    blanks: list[PageFacts] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    order_method: OrderMethod = OrderMethod.SCAN
    order_confidence: float = 1.0
    links: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return status_of(self.reasons)


def status_of(reasons: list[Reason]) -> Status:
    """The one status rule: a copy with any review reason needs review."""
    return Status.NEEDS_REVIEW if reasons else Status.OK


def page_entry(facts: PageFacts) -> dict[str, Any]:
    return {
        "source": facts.full_source(),
        "rotation": facts.rotation,
        "skew": round(facts.skew, 2),
        "barcode": {"value": facts.number, "format": facts.number_format, "reader": facts.barcode_reader}
        if facts.number
        else None,
        "flap": facts.flap,
        "anchor": facts.anchor,
        "registration": {
            "cues": [] if facts.anchor == "none" else facts.anchor.split("+"),
            "disagreeing": list(facts.cues_disagreeing),
            "residual_mm": facts.residual_mm,
            "policy": facts.mask_policy,
            "origin_px": [round(facts.placed[0], 1), round(facts.placed[1], 1)],
            "px_per_mm": round(facts.placed[2], 4),
        },
        "pose": facts.pose_source,
        "blank": facts.blank,
        "masked": [list(b) for b in facts.masked],
        "sharp": [list(b) for b in facts.sharp],
        "size": list(facts.size),
        "dpi": round(facts.dpi, 3),
    }


def facts_from_entry(entry: dict[str, Any]) -> PageFacts:
    """Rebuild the facts of an output page from its manifest entry (what rendering it again needs)."""
    src = entry["source"]
    barcode = entry.get("barcode") or {}
    registration = entry.get("registration") or {}
    return PageFacts(
        file=src["file"],
        path=src["path"],
        page=int(src["page"]),
        sha256=src["sha256"],
        kind=InputKind(src["kind"]),
        blank=bool(entry.get("blank", False)),
        dpi=float(entry.get("dpi", 0.0)),
        number=barcode.get("value"),
        number_format=barcode.get("format"),
        barcode_reader=barcode.get("reader"),
        rotation=int(entry["rotation"]),
        skew=float(entry.get("skew", 0.0)),
        pose_source=PoseSource(entry.get("pose", PoseSource.BARCODE)),
        anchor=entry.get("anchor", "none"),
        cues_disagreeing=tuple(registration.get("disagreeing", ())),
        residual_mm=registration.get("residual_mm"),
        mask_policy=MaskPolicy(registration.get("policy", MaskPolicy.TEMPLATE)),
        placed=(*registration.get("origin_px", (0.0, 0.0)), registration.get("px_per_mm", 0.0)),  # type: ignore[arg-type]
        flap=Flap(entry.get("flap", Flap.UNKNOWN)),
        masked=tuple(tuple(int(v) for v in b) for b in entry.get("masked", [])),  # type: ignore[misc]
        sharp=tuple(tuple(int(v) for v in b) for b in entry.get("sharp", [])),  # type: ignore[misc]
        size=tuple(entry.get("size", (0, 0))),  # type: ignore[arg-type]
    )


@dataclass
class Settings:
    """The run settings a copy was made with (manifest `settings`, resume.run_settings): a re-run reuses
    the copy only under the same, and `fix` rewrites it with the same quality and page size limit."""

    order: Order
    keep_blank: bool
    jpeg_quality: int
    max_page_kb: int
    template: str  # "<name> <sha256 of its spec, 16 hex>"
    roster: str | None  # sha256 of the --roster file, 16 hex

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        return cls(
            Order(data["order"]),
            bool(data["keep_blank"]),
            int(data["jpeg_quality"]),
            int(data["max_page_kb"]),
            str(data["template"]),
            None if data.get("roster") is None else str(data["roster"]),
        )

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class OrderRecord:
    """How the copy's order was decided (manifest `order`)."""

    method: OrderMethod
    confidence: float
    links: list[dict[str, Any]] = field(default_factory=list)  # each page break's score and words

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderRecord:
        return cls(OrderMethod(data["method"]), float(data["confidence"]), list(data.get("links", [])))

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "confidence": self.confidence, "links": self.links}


@dataclass
class Manifest:
    """One copy's manifest (`OUTDIR/<number>.json`, schemas/manifest.schema.json), read and written here
    only. Page entries stay in their JSON form (`page_entry` writes them, `facts_from_entry` reads them);
    `manual` lists the hand fixes of `anonymat fix`."""

    anonymity_number: str
    pdf: str
    pdf_sha256: str
    status: Status
    reasons: list[Reason]  # written as `reasons` (records) and `review_reasons` (their English texts)
    pages: list[dict[str, Any]]
    dropped: list[dict[str, Any]]
    order: OrderRecord
    settings: Settings | None = None
    manual: list[dict[str, Any]] | None = None
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """The manifest of a parsed JSON document; ValueError when it is not one."""
        try:
            settings = data.get("settings")
            manual = data.get("manual")
            return cls(
                anonymity_number=str(data["anonymity_number"]),
                pdf=str(data["pdf"]),
                pdf_sha256=str(data["pdf_sha256"]),
                status=Status(data["status"]),
                reasons=(
                    [Reason.from_json(r) for r in data["reasons"]]
                    if "reasons" in data
                    else [Reason.from_text(r) for r in data["review_reasons"]]
                ),
                pages=[dict(e) for e in data["pages"]],
                dropped=[dict(d) for d in data["dropped"]],
                order=OrderRecord.from_json(data["order"]),
                settings=None if settings is None else Settings.from_json(settings),
                manual=None if manual is None else [dict(m) for m in manual],
                schema_version=int(data["schema_version"]),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not an anonymat manifest (missing or wrong: {exc})") from None

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest in `path`; ValueError (or OSError) when it cannot be read as one."""
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_json(self) -> dict[str, Any]:
        """Its JSON form, keys in the order the file shows them."""
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,  # written in the current version, whatever was read
            "anonymity_number": self.anonymity_number,
            "pdf": self.pdf,
            "pdf_sha256": self.pdf_sha256,
            "status": self.status,
            **as_json(self.reasons),
            "pages": self.pages,
            "dropped": self.dropped,
            "order": self.order.to_json(),
        }
        if self.settings is not None:
            data["settings"] = self.settings.to_json()
        if self.manual is not None:
            data["manual"] = self.manual
        return data

    def write(self, outdir: Path) -> Path:
        """Write it as OUTDIR/<number>.json, atomically; return the path."""
        from anonymat.pdf import output

        path = Path(outdir) / manifest_name(self.anonymity_number)
        output.write_json_atomic(self.to_json(), path)
        return path


BATCH_SCHEMA_VERSION = 3  # 2 adds complete, run, each copy's review_reasons and pages; 3 each copy's reasons


@dataclass
class BatchRecord:
    """batch.json (`OUTDIR/batch.json`, schemas/batch.schema.json), read and written here only. Its
    entries (copies, errors, unassigned pages, duplicates) stay in their JSON form; `complete`, `run`,
    `duplicates` and `skipped` are None in a file from before they were written (version 1)."""

    copies: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]
    pages_in: int
    pages_out: int
    complete: bool | None = None
    run: dict[str, Any] | None = None
    duplicates: list[dict[str, Any]] | None = None
    skipped: dict[str, Any] | None = None
    schema_version: int = BATCH_SCHEMA_VERSION

    @classmethod
    def from_json(cls, data: Any) -> BatchRecord:
        """The record of a parsed batch.json; ValueError when it is not one."""
        try:
            return cls(
                copies=[dict(c) for c in data["copies"]],
                errors=[dict(e) for e in data["errors"]],
                unassigned=[dict(u) for u in data["unassigned"]],
                pages_in=int(data["pages_in"]),
                pages_out=int(data["pages_out"]),
                complete=None if data.get("complete") is None else bool(data["complete"]),
                run=None if data.get("run") is None else dict(data["run"]),
                duplicates=None if data.get("duplicates") is None else [dict(d) for d in data["duplicates"]],
                skipped=None if data.get("skipped") is None else dict(data["skipped"]),
                schema_version=int(data["schema_version"]),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not an anonymat batch.json (missing or wrong: {exc})") from None

    @classmethod
    def read(cls, outdir: Path) -> BatchRecord:
        """OUTDIR's batch.json; ValueError (or OSError) when it cannot be read as one."""
        return cls.from_json(json.loads((Path(outdir) / BATCH_JSON).read_text(encoding="utf-8")))

    def to_json(self) -> dict[str, Any]:
        """Its JSON form, keys in the order the file shows them (those a version-1 file lacks left out)."""
        data: dict[str, Any] = {"schema_version": self.schema_version}
        if self.complete is not None:
            data["complete"] = self.complete
        if self.run is not None:
            data["run"] = self.run
        data.update(
            copies=self.copies,
            errors=self.errors,
            unassigned=self.unassigned,
            pages_in=self.pages_in,
            pages_out=self.pages_out,
        )
        if self.duplicates is not None:
            data["duplicates"] = self.duplicates
        if self.skipped is not None:
            data["skipped"] = self.skipped
        return data

    def write(self, outdir: Path) -> Path:
        """Write it as OUTDIR/batch.json, atomically; return the path."""
        from anonymat.pdf import output

        path = Path(outdir) / BATCH_JSON
        output.write_json_atomic(self.to_json(), path)
        return path


def copy_manifest(
    copy: Copy,
    pdf_name: str,
    pdf_sha256: str,
    output_pages: list[PageFacts],
    settings: Settings | None = None,
) -> Manifest:
    return Manifest(
        anonymity_number=copy.number,
        pdf=pdf_name,
        pdf_sha256=pdf_sha256,
        status=copy.status,
        reasons=list(copy.reasons),
        # "id": the page's number in the report, kept when `anonymat fix` reorders the copy
        pages=[{**page_entry(p), "id": i} for i, p in enumerate(output_pages, start=1)],
        dropped=[
            {"source": b.full_source(), "reason": "blank"} for b in copy.blanks if b not in output_pages
        ],
        order=OrderRecord(copy.order_method, round(copy.order_confidence, 3), copy.links),
        settings=settings,
    )


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema shipped with the package: 'manifest' or 'batch'."""
    text = (resources.files("anonymat") / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)
