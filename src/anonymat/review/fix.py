"""`anonymat fix`: put right by hand what a review found (page order, a stray page, a page to drop).

Pages are named by their number in the report (the manifest's page `id`: given when the copy is made,
kept when it is reordered, so the same command means the same thing twice) or by their source page,
FILE:PAGE (PAGE counted from 1). A fix that changes nothing (the same command run again) is a no-op:
no file is written. Only the copies a fix touches are rebuilt, from their source scans, with the run's
settings (manifest `settings`: JPEG quality, page size limit) and through the same writing path as
`process` (copy_stage.write_copy); every other copy's files stay byte-identical. Each change is logged in the
manifest's `manual` list, batch.json gets the copies' new status, and report.html is rewritten.

`--add FILE:PAGE[@POSITION]` attaches a page `process` left unassigned: it goes through the page stage
again (pipeline.analyse_page: orientation, template placement, masks) and is written like every page.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anonymat import ingest
from anonymat.errors import UsageError
from anonymat.manifest import BatchRecord, Copy, Manifest, Settings, entry_label, facts_from_entry, status_of
from anonymat.messages import t
from anonymat.model import PageRef
from anonymat.outdir import BATCH_JSON, manifest_name, manifest_paths
from anonymat.pdf import output
from anonymat.reasons import OTHER, PAGE_FACTS, Reason, as_json
from anonymat.run import copy_stage
from anonymat.states import InputKind, OrderMethod

# how a version-1 manifest's reasons (texts only) about the order begin
ORDER_REASONS_V1 = ("reading order uncertain", "the text of some page could not be read")
DROPPED_BY_HAND = "dropped by hand"


Page = int | str  # a page's number in the report (manifest page `id`), or "FILE:PAGE" (PAGE from 1)


@dataclass(frozen=True)
class Fix:
    """One hand fix of one copy; pages are named by their report number or as FILE:PAGE."""

    number: str
    order: tuple[Page, ...] | None = None
    move: tuple[Page, str] | None = None  # (page, number of the copy it goes to the end of)
    drop: tuple[Page, ...] = ()
    resolved: bool = False
    add: tuple[str, int, int | None] | None = None  # (file, page from 1, position from 1 or None: last)


@dataclass
class _State:
    """A copy as the fixes leave it, before it is written."""

    manifest: Manifest
    pages: list[dict[str, Any]]
    reasons: list[Reason]
    dropped: list[dict[str, Any]]
    manual: list[dict[str, Any]] = field(default_factory=list)
    rebuild: bool = False


# --- parsing -----------------------------------------------------------------------------------------


def parse_positions(text: str, what: str) -> tuple[Page, ...]:
    """'3,1,2', '3 1 2' or '3;1;2' -> (3, 1, 2); 'scans/lot1.pdf:5' stays a source page; anything else is
    a usage error."""
    items = [tok for tok in re.split(r"[\s,;]+", text.strip()) if tok]
    if not items or not all(tok.isdigit() or _is_source_page(tok) for tok in items):
        raise UsageError(t("fix.bad_positions", what=what, text=text))
    return tuple(int(tok) if tok.isdigit() else tok for tok in items)


def _is_source_page(token: str) -> bool:
    file, sep, page = token.rpartition(":")
    return bool(sep and file and page.isdigit() and int(page) >= 1)


def parse_move(text: str) -> tuple[Page, str]:
    """'2:1234567890' -> (2, '1234567890'); 'scans/lot1.pdf:5:1234567890' -> ('scans/lot1.pdf:5', ...)."""
    page, sep, number = text.rpartition(":")
    if not sep or not number.strip() or not (page.strip().isdigit() or _is_source_page(page.strip())):
        raise UsageError(t("fix.bad_move", text=text))
    page = page.strip()
    return (int(page) if page.isdigit() else page), number.strip()


def parse_add(text: str) -> tuple[str, int, int | None]:
    """'scans/lot1.pdf:5@2' -> ('scans/lot1.pdf', 5, 2); without '@POSITION' the page goes last."""
    where, at, position = text.rpartition("@") if "@" in text else (text, "", "")
    if at and not position.strip().isdigit():
        raise UsageError(t("fix.bad_add", text=text))
    if not _is_source_page(where.strip()):
        raise UsageError(t("fix.bad_add", text=text))
    file, _, page = where.strip().rpartition(":")
    return file, int(page), int(position) if at else None


def read_csv_fixes(path: Path, resolved: bool = False) -> list[Fix]:
    """A CSV with a `number,order` header (',' or ';' separated; order like '3 1 2' or '3;1;2')."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(t("fix.csv_unreadable", path=path, why=exc.strerror)) from exc
    except UnicodeDecodeError as exc:
        raise UsageError(t("fix.csv_not_utf8", path=path)) from exc
    try:  # the header line tells the separator: ',' (English spreadsheets), ';' (French ones) or a tab
        delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "number" not in header or "order" not in header:
        raise UsageError(t("fix.csv_header", path=path))
    i_num, i_ord = header.index("number"), header.index("order")
    fixes = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = t("fix.csv_line", path=path, line=line_no)
        if len(row) <= max(i_num, i_ord):
            raise UsageError(t("fix.csv_row", where=where))
        order = parse_positions(row[i_ord], where)
        fixes.append(Fix(number=row[i_num].strip(), order=order, resolved=resolved))
    if not fixes:
        raise UsageError(t("fix.csv_empty", path=path))
    return fixes


# --- applying ----------------------------------------------------------------------------------------


def apply_fixes(
    outdir: Path, fixes: list[Fix], now: datetime | None = None, template: str | None = None
) -> list[str]:
    """Check every fix, then rebuild the copies they change; return those copies' numbers (none when
    every fix is already in place: nothing is written then).

    `template`: the template to analyse an added page with, when it is not the built-in one the run used."""
    outdir = Path(outdir)
    batch_path = outdir / BATCH_JSON
    if not batch_path.is_file():
        raise UsageError(t("verify.no_batch", outdir=outdir))
    try:
        batch = BatchRecord.read(outdir)
    except (OSError, ValueError) as exc:
        raise UsageError(t("fix.unreadable", path=batch_path, error=exc)) from exc
    when = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    copies = _Copies(outdir)
    added = [  # batch.json unassigned entries attached
        entry for fix in fixes if (entry := _apply_one(fix, copies, batch, when, template)) is not None
    ]
    _forget_attached(added, batch, copies)
    states = copies.loaded
    touched = [n for n, st in states.items() if _changed(st)]
    if not touched:
        return []
    for number in touched:
        if states[number].rebuild:
            _check_sources(states[number].pages)
    settings = {n: _settings(outdir, states[n].manifest) for n in touched if states[n].rebuild}

    # a moved page is written into its new copy before it leaves the old one: a crash in between
    # leaves it twice, never nowhere
    for number in sorted(touched, key=lambda n: not _receives(states[n])):
        _write_state(outdir, number, states[number], settings.get(number))
    _update_batch(batch, outdir, {n: states[n] for n in touched}, added)
    from anonymat.review.report import write_report

    write_report(outdir)
    return touched


class _Copies:
    """The copies the fixes touch, each read once from its manifest and changed in memory."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.loaded: dict[str, _State] = {}

    def get(self, number: str, given_as: str) -> _State:
        number = _existing_number(self.outdir, number, given_as)
        if number not in self.loaded:
            manifest = _load_manifest(self.outdir / manifest_name(number))
            pages = [dict(e) for e in manifest.pages]
            for i, entry in enumerate(pages, start=1):  # a manifest from before page ids: ids = positions
                entry.setdefault("id", i)
            self.loaded[number] = _State(
                manifest=manifest, pages=pages, reasons=list(manifest.reasons), dropped=list(manifest.dropped)
            )
        return self.loaded[number]


def _apply_one(
    fix: Fix, copies: _Copies, batch: BatchRecord, when: str, template: str | None
) -> dict[str, Any] | None:
    """One fix (one of --order, --move, --drop, --add, and/or --resolved) applied in memory; the
    batch.json entry of the unassigned page it attached, if it attached one."""
    copy = copies.get(fix.number, t("fix.arg_number"))
    number = copy.manifest.anonymity_number
    given = (fix.order is not None, fix.move is not None, bool(fix.drop), fix.add is not None)
    if sum(given) > 1:
        raise UsageError(t("fix.one_action"))
    entry = None
    if fix.order is not None:
        _apply_order(number, copy, fix.order, when)
    elif fix.move is not None:
        target = copies.get(fix.move[1], "--move")
        _apply_move(number, copy, fix.move[0], target.manifest.anonymity_number, target, when)
    elif fix.drop:
        _apply_drop(number, copy, fix.drop, when)
    elif fix.add is not None:
        entry = _apply_add(copies.outdir, batch, number, copy, fix.add, when, template)
    elif not fix.resolved:
        raise UsageError(t("fix.no_action"))
    if fix.resolved and (copy.reasons or copy.manual):  # run again: nothing left to resolve
        copy.reasons = []
        copy.manual.append({"action": "resolved", "at": when})
    return entry


def _forget_attached(added: list[dict[str, Any]], batch: BatchRecord, copies: _Copies) -> None:
    """The reasons that named an attached page, in every copy, have served: they go."""
    for entry in added:
        label = entry_label(entry)
        for other in batch.copies:
            name = str(other.get("anonymity_number", ""))
            if not (copies.outdir / manifest_name(name)).is_file():
                continue
            copy = copies.get(name, "batch.json")
            if any(_names_stray(r, label) for r in copy.reasons):
                copy.reasons = [r for r in copy.reasons if not _names_stray(r, label)]


def _changed(copy: _State) -> bool:
    return copy.rebuild or bool(copy.manual) or copy.reasons != copy.manifest.reasons


def _names_stray(reason: Reason, label: str) -> bool:
    """The reason suspects the unassigned page `label` of belonging to the copy."""
    if reason.code == OTHER:  # version 1
        return reason.text.startswith("may be incomplete") and f"unassigned page {label} (" in reason.text
    return reason.code == "stray" and reason.value("stray") == label


def _about_page(reason: Reason, label: str) -> bool:
    """The reason is a fact of the page `label` (its barcode, orientation, masks): it goes with the page."""
    if reason.code == OTHER:  # version 1
        return reason.text.startswith(label + ":")
    return reason.code in PAGE_FACTS and reason.page == label


def _about_order(reason: Reason) -> bool:
    if reason.code == OTHER:  # version 1
        return reason.text.startswith(ORDER_REASONS_V1)
    return reason.kind == "order"


def order_lines(outdir: Path, numbers: list[str]) -> list[str]:
    """What `fix` prints: each copy's pages in their order, by report number and source page."""
    out = []
    for given in numbers:
        number = _existing_number(Path(outdir), given, t("fix.arg_number"))
        manifest = _load_manifest(Path(outdir) / manifest_name(number))
        pages = [
            f"{e.get('id', i)} ({e['source']['file']}:{int(e['source']['page']) + 1})"
            for i, e in enumerate(manifest.pages, start=1)
        ]
        out.append(f"{number} ({manifest.status}): " + ", ".join(pages))
    return out


def _existing_number(outdir: Path, number: str, given_as: str) -> str:
    number = number.strip()
    if copy_stage.SAFE_NAME.fullmatch(number) and (outdir / manifest_name(number)).is_file():
        return number
    # a spreadsheet may have eaten the leading zeros of a number
    if number.isdigit():
        same = [
            p.stem
            for p in manifest_paths(outdir)
            if p.stem.isdigit() and p.stem.lstrip("0") == number.lstrip("0")
        ]
        if len(same) == 1:
            return same[0]
    raise UsageError(t("fix.no_copy", given_as=given_as, number=number, outdir=outdir))


def _find(number: str, copy: _State, page: Page, what: str) -> int:
    """The index in copy.pages of the page named by report number or FILE:PAGE."""
    for i, entry in enumerate(copy.pages):
        if page == entry["id"] or (isinstance(page, str) and page == _source_ref(entry)):
            return i
    ids = ",".join(str(e["id"]) for e in copy.pages)
    raise UsageError(t("fix.no_page", what=what, number=number, page=page, ids=ids))


def _source_ref(entry: dict[str, Any]) -> str:
    return f"{entry['source']['file']}:{int(entry['source']['page']) + 1}"


def _log(copy: _State) -> list[dict[str, Any]]:
    return [*(copy.manifest.manual or []), *copy.manual]


def _next_id(copy: _State) -> int:
    """A report number no page of the copy had: pages that left keep theirs."""
    used = [int(e["id"]) for e in copy.pages] + [int(d["id"]) for d in copy.dropped if "id" in d]
    for m in _log(copy):
        used += [int(i) for i in ([m["id"]] if "id" in m else m.get("ids", []))]
    return max(used, default=0) + 1


def _apply_order(number: str, copy: _State, order: tuple[Page, ...], when: str) -> None:
    n = len(copy.pages)
    picked = [_find(number, copy, page, "--order") for page in order]
    if sorted(picked) != list(range(n)):
        ids = ",".join(str(e["id"]) for e in copy.pages)
        raise UsageError(t("fix.order_each_once", number=number, n=n, ids=ids, got=_csv(order)))
    if picked == list(range(n)):
        return  # already in this order: nothing to do
    copy.pages = [copy.pages[i] for i in picked]
    copy.manual.append({"action": "order", "order": [e["id"] for e in copy.pages], "at": when})
    _mark_ordered(copy)


def _apply_move(number: str, copy: _State, page: Page, other: str, target: _State, when: str) -> None:
    if other == number:
        raise UsageError(t("fix.move_same", page=page, number=number))
    if isinstance(page, str) and any(_source_ref(e) == page for e in target.pages):
        return  # moved already
    done = [
        m for m in _log(copy) if m.get("action") == "move" and m.get("id") == page and m.get("to") == other
    ]
    if done and not any(e["id"] == page for e in copy.pages):
        return  # moved already by the same command
    i = _find(number, copy, page, "--move")
    if len(copy.pages) == 1:
        raise UsageError(t("fix.move_last", number=number))
    entry = copy.pages.pop(i)
    label = entry_label(entry)
    moving = [r for r in copy.reasons if _about_page(r, label)]
    copy.reasons = [r for r in copy.reasons if r not in moving]
    target.reasons += [r for r in moving if r not in target.reasons]
    copy.manual.append({"action": "move", "page": label, "id": entry["id"], "to": other, "at": when})
    target.pages.append({**entry, "id": _next_id(target)})
    target.manual.append(
        {"action": "receive", "position": len(target.pages), "page": label, "from": number, "at": when}
    )
    _mark_ordered(copy)
    _mark_ordered(target)


def _apply_drop(number: str, copy: _State, pages: tuple[Page, ...], when: str) -> None:
    if len(set(pages)) != len(pages):
        raise UsageError(t("fix.drop_twice", pages=_csv(pages)))
    gone_already = {d.get("id") for d in copy.dropped if d.get("reason") == DROPPED_BY_HAND} | {
        _source_ref(d) for d in copy.dropped if d.get("reason") == DROPPED_BY_HAND and "page" in d["source"]
    }
    pages = tuple(p for p in pages if p not in gone_already)  # dropped by the same command before
    if not pages:
        return
    picked = sorted({_find(number, copy, p, "--drop") for p in pages})
    if len(picked) >= len(copy.pages):
        raise UsageError(t("fix.drop_all", number=number))
    gone = [copy.pages[i] for i in picked]
    copy.pages = [e for i, e in enumerate(copy.pages) if i not in picked]
    labels = [entry_label(e) for e in gone]
    copy.reasons = [r for r in copy.reasons if not any(_about_page(r, lb) for lb in labels)]
    copy.dropped += [{"source": e["source"], "reason": DROPPED_BY_HAND, "id": e["id"]} for e in gone]
    copy.manual.append({"action": "drop", "ids": [e["id"] for e in gone], "pages": labels, "at": when})
    _mark_ordered(copy)


def _apply_add(
    outdir: Path,
    batch: BatchRecord,
    number: str,
    copy: _State,
    add: tuple[str, int, int | None],
    when: str,
    template: str | None,
) -> dict[str, Any] | None:
    """Attach an unassigned page: analysed again as `process` analyses every page, then written with the
    copy. Returns its batch.json `unassigned` entry (None: already in this copy)."""
    file, page_no, position = add
    ref = f"{file}:{page_no}"
    if any(_source_ref(e) == ref for e in copy.pages):
        return None  # attached already
    entry = next(
        (
            u
            for u in batch.unassigned
            if (u.get("source") or {}).get("file") == file and int(u["source"].get("page", -1)) == page_no - 1
        ),
        None,
    )
    if entry is None:
        raise UsageError(t("fix.add_not_unassigned", ref=ref))
    src = entry["source"]
    if not src.get("path") or not src.get("kind"):
        raise UsageError(t("fix.add_no_path", file=file))
    _check_sources([{"source": src}])
    facts = _analyse_again(src, copy.manifest.settings, template)
    if facts.error:
        raise UsageError(t("fix.add_error", error=facts.error))
    if facts.blank:
        raise UsageError(t("fix.add_blank", ref=ref))
    if facts.number and facts.number != number:
        raise UsageError(t("fix.add_barcode", ref=ref, read=facts.number, number=number))
    from anonymat.manifest import page_entry

    new = {**page_entry(facts), "id": _next_id(copy)}
    at = len(copy.pages) + 1 if position is None else position
    if not 1 <= at <= len(copy.pages) + 1:
        raise UsageError(t("fix.add_position", at=at, last=len(copy.pages) + 1))
    copy.pages.insert(at - 1, new)
    copy.manual.append(
        {"action": "add", "page": entry_label(new), "id": new["id"], "position": at, "at": when}
    )
    _mark_ordered(copy)
    return entry


def _analyse_again(src: dict[str, Any], settings: Settings | None, template: str | None) -> Any:
    """The page stage on one page (pipeline.analyse_page), with the template the run used."""
    from anonymat.page.template import fingerprint, load_template
    from anonymat.run import pipeline

    recorded = settings.template if settings is not None else "cdg-est"
    name = template or recorded.split(" ")[0]
    try:
        chosen = load_template(name)
    except Exception as exc:  # noqa: BLE001 - a template that cannot be loaded: say which option to give
        raise UsageError(t("fix.add_template", name=name, error=exc)) from exc
    if template is None and " " in recorded:
        if recorded != fingerprint(chosen):
            raise UsageError(t("fix.add_other_template", name=name))
    ref = PageRef(
        path=src["path"],
        file=src["file"],
        index=int(src["page"]),
        sha256=src["sha256"],
        kind=InputKind(src["kind"]),
    )
    ctx = pipeline.PageContext(template=chosen, want_text=False, vault=None)
    return pipeline.analyse_page(ref, ctx)


def _mark_ordered(copy: _State) -> None:
    copy.rebuild = True
    copy.reasons = [r for r in copy.reasons if not _about_order(r)]


def _receives(copy: _State) -> bool:
    return any(m["action"] == "receive" for m in copy.manual)


def _csv(positions: tuple[Page, ...]) -> str:
    return ",".join(map(str, positions))


def _check_sources(pages: list[dict[str, Any]]) -> None:
    """Every source scan is still there and unchanged, so the rebuilt pages are the reviewed ones."""
    seen: dict[str, str] = {}
    for entry in pages:
        src = entry["source"]
        path = src.get("path")
        if not path:
            raise UsageError(t("fix.source_unknown", file=src["file"]))
        if path not in seen:
            try:
                seen[path] = ingest.sha256_file(Path(path))
            except OSError as exc:
                raise UsageError(t("fix.source_missing", path=path, why=exc.strerror)) from exc
        if seen[path] != src["sha256"]:
            raise UsageError(t("fix.source_changed", path=path))


def _jpeg_quality(pdf_path: Path) -> int:
    """The JPEG quality a copy whose manifest has no `settings` was written with: matched on the
    quantization tables of its pages; the highest one, as a page over the size limit was written lower."""
    import numpy as np
    import pikepdf
    from PIL import Image

    tables = []
    try:
        with pikepdf.open(pdf_path) as pdf:
            for page in pdf.pages:
                for image in page.get_images().values():
                    if image.get("/Filter") == pikepdf.Name.DCTDecode:
                        raw = image.read_raw_bytes()
                        tables.append(Image.open(io.BytesIO(raw)).quantization)  # type: ignore[attr-defined]
    except (OSError, ValueError, pikepdf.PdfError):
        return output.DEFAULT_JPEG_QUALITY
    probe = np.full((8, 8), 128, np.uint8)
    for q in range(100, 0, -1):  # from the top: the first match is the highest quality used
        probe_table = Image.open(io.BytesIO(output.encode_jpeg(probe, q))).quantization  # type: ignore[attr-defined]
        if probe_table in tables:
            return q
    return output.DEFAULT_JPEG_QUALITY


def _settings(outdir: Path, manifest: Manifest) -> tuple[int, int]:
    """(JPEG quality, page size limit in KB) the copy was made with: the manifest's `settings`; for a
    manifest without them, the quality read back from the PDF and the default limit."""
    if manifest.settings is not None:
        return manifest.settings.jpeg_quality, manifest.settings.max_page_kb
    return _jpeg_quality(outdir / manifest.pdf), output.DEFAULT_MAX_PAGE_KB


def _write_state(outdir: Path, number: str, copy: _State, settings: tuple[int, int] | None) -> None:
    old = copy.manifest
    manual = list(old.manual or []) + copy.manual
    if copy.rebuild:
        quality, max_page_kb = settings or (output.DEFAULT_JPEG_QUALITY, output.DEFAULT_MAX_PAGE_KB)
        built = Copy(
            number=number,
            pages=[facts_from_entry(e) for e in copy.pages],
            reasons=list(copy.reasons),
            order_method=OrderMethod.MANUAL,
            order_confidence=1.0,
            links=list(old.order.links),
        )
        copy_stage.write_copy(
            copy_stage.WriteJob(
                built, str(outdir), keep_blank=False, jpeg_quality=quality, max_page_kb=max_page_kb
            )
        )
        manifest = _load_manifest(outdir / manifest_name(number))
        for entry, state in zip(manifest.pages, copy.pages, strict=True):
            entry["id"] = state["id"]  # the report numbers stay with their pages
        manifest.settings = old.settings
    else:
        manifest = replace(old)
    manifest.status = status_of(copy.reasons)
    manifest.reasons = list(copy.reasons)
    manifest.dropped = copy.dropped
    manifest.manual = manual
    manifest.write(outdir)


def _update_batch(
    batch: BatchRecord, outdir: Path, states: dict[str, _State], added: list[dict[str, Any]]
) -> None:
    entries = {c.get("anonymity_number"): c for c in batch.copies}
    for number, copy in states.items():
        entry = entries.get(number)
        status = status_of(copy.reasons)
        if entry is None:
            entry = {"anonymity_number": number, "manifest": manifest_name(number)}
            batch.copies.append(entry)
        entry["status"] = status
        entry.update(as_json(copy.reasons))  # batch.json versions 2 and 3
        entry["pages"] = len(copy.pages)
        dropped_now = sum(
            1 for d in copy.dropped if d.get("reason") == DROPPED_BY_HAND and d not in copy.manifest.dropped
        )
        batch.pages_out -= dropped_now
    if added:
        batch.unassigned = [u for u in batch.unassigned if u not in added]
        batch.pages_out += len(added)
    batch.copies.sort(key=lambda c: c["anonymity_number"])
    batch.write(outdir)


def _load_manifest(path: Path) -> Manifest:
    try:
        return Manifest.read(path)
    except OSError as exc:
        raise UsageError(t("fix.unreadable", path=path, error=exc)) from exc
    except ValueError as exc:
        raise UsageError(t("fix.bad_manifest", path=path, error=exc)) from exc
