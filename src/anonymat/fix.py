"""`anonymat fix`: put right by hand what a review found (page order, a stray page, a page to drop).

Only the copies a fix touches are rebuilt, from their source scans and through the same writing path as
`process` (api.write_copy); every other copy's files stay byte-identical. Each change is logged in the
manifest's `manual` list, batch.json gets the copies' new status, and report.html is rewritten.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anonymat import api, output
from anonymat.errors import UsageError
from anonymat.manifest import Copy, facts_from_entry

# review reasons that a person deciding the order settles (api.order_copy writes them)
ORDER_REASONS = ("reading order uncertain", "the text of some page could not be read")
DROPPED_BY_HAND = "dropped by hand"


@dataclass(frozen=True)
class Fix:
    """One hand fix of one copy; positions are 1-based positions in the copy's current output."""

    number: str
    order: tuple[int, ...] | None = None
    move: tuple[int, str] | None = None  # (position, number of the copy it goes to the end of)
    drop: tuple[int, ...] = ()
    resolved: bool = False


@dataclass
class _State:
    """A copy as the fixes leave it, before it is written."""

    manifest: dict[str, Any]
    pages: list[dict[str, Any]]
    reasons: list[str]
    dropped: list[dict[str, Any]]
    manual: list[dict[str, Any]] = field(default_factory=list)
    rebuild: bool = False


# --- parsing -----------------------------------------------------------------------------------------


def parse_positions(text: str, what: str) -> tuple[int, ...]:
    """'3,1,2', '3 1 2' or '3;1;2' -> (3, 1, 2); anything else is a usage error."""
    items = [t for t in re.split(r"[\s,;]+", text.strip()) if t]
    if not items or not all(t.isdigit() for t in items):
        raise UsageError(f"{what}: expected page positions like 3,1,2, not {text!r}")
    return tuple(int(t) for t in items)


def parse_move(text: str) -> tuple[int, str]:
    """'2:1234567890' -> (2, '1234567890')."""
    pos, sep, number = text.partition(":")
    if not sep or not pos.strip().isdigit() or not number.strip():
        raise UsageError(f"--move: expected POSITION:NUMBER like 2:1234567890, not {text!r}")
    return int(pos), number.strip()


def read_csv_fixes(path: Path, resolved: bool = False) -> list[Fix]:
    """A CSV with a `number,order` header (',' or ';' separated; order like '3 1 2' or '3;1;2')."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the CSV file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not a UTF-8 text file; save the CSV as UTF-8") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "number" not in header or "order" not in header:
        raise UsageError(f"{path}: the first line must be the header `number,order`")
    i_num, i_ord = header.index("number"), header.index("order")
    fixes = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(i_num, i_ord):
            raise UsageError(f"{path} line {line_no}: expected a number and an order")
        order = parse_positions(row[i_ord], f"{path} line {line_no}")
        fixes.append(Fix(number=row[i_num].strip(), order=order, resolved=resolved))
    if not fixes:
        raise UsageError(f"{path}: no copy to fix (only a header?)")
    return fixes


# --- applying ----------------------------------------------------------------------------------------


def apply_fixes(outdir: Path, fixes: list[Fix], now: datetime | None = None) -> list[str]:
    """Check every fix, then rebuild the copies they touch; return those copies' numbers."""
    outdir = Path(outdir)
    batch_path = outdir / "batch.json"
    if not batch_path.is_file():
        raise UsageError(f"{outdir}: no batch.json here; give the folder written by `anonymat process`")
    batch = _load_json(batch_path)
    when = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    states: dict[str, _State] = {}

    def state(number: str, given_as: str) -> _State:
        number = _existing_number(outdir, number, given_as)
        if number not in states:
            manifest = _load_json(outdir / f"{number}.json")
            if not isinstance(manifest.get("pages"), list) or "pdf" not in manifest:
                raise UsageError(f"{outdir / (number + '.json')}: not an anonymat manifest")
            states[number] = _State(
                manifest=manifest,
                pages=list(manifest["pages"]),
                reasons=list(manifest.get("review_reasons", [])),
                dropped=list(manifest.get("dropped", [])),
            )
        return states[number]

    touched: list[str] = []
    for fix in fixes:
        copy = state(fix.number, "NUMBER")
        number = str(copy.manifest["anonymity_number"])
        if sum(x is not None and x != () for x in (fix.order, fix.move, fix.drop)) > 1:
            raise UsageError("give one of --order, --move, --drop per call")
        if fix.order is not None:
            _apply_order(number, copy, fix.order, when)
        elif fix.move is not None:
            target = state(fix.move[1], "--move")
            _apply_move(number, copy, fix.move[0], str(target.manifest["anonymity_number"]), target, when)
        elif fix.drop:
            _apply_drop(number, copy, fix.drop, when)
        elif not fix.resolved:
            raise UsageError("nothing to do: give --order, --move, --drop or --resolved")
        if fix.resolved:
            copy.reasons = []
            copy.manual.append({"action": "resolved", "at": when})
        touched += [n for n in states if n not in touched]

    for number in touched:
        if states[number].rebuild:
            _check_sources(states[number].pages)
    quality = {
        n: _jpeg_quality(outdir / str(states[n].manifest["pdf"])) for n in touched if states[n].rebuild
    }

    # a moved page is written into its new copy before it leaves the old one: a crash in between
    # leaves it twice, never nowhere
    for number in sorted(touched, key=lambda n: not _receives(states[n])):
        _write_state(outdir, number, states[number], quality.get(number, output.DEFAULT_JPEG_QUALITY))
    _update_batch(batch, batch_path, {n: states[n] for n in touched})
    from anonymat.report import write_report

    write_report(outdir)
    return touched


def _existing_number(outdir: Path, number: str, given_as: str) -> str:
    number = number.strip()
    if api.SAFE_NAME.fullmatch(number) and (outdir / f"{number}.json").is_file():
        return number
    # a spreadsheet may have eaten the leading zeros of a number
    if number.isdigit():
        same = [
            p.stem
            for p in outdir.glob("*.json")
            if p.stem.isdigit() and p.stem.lstrip("0") == number.lstrip("0")
        ]
        if len(same) == 1:
            return same[0]
    raise UsageError(f"{given_as}: no copy {number!r} in {outdir} (its manifest {number}.json is missing)")


def _check_positions(number: str, positions: tuple[int, ...], n_pages: int, what: str) -> None:
    bad = [p for p in positions if not 1 <= p <= n_pages]
    if bad:
        raise UsageError(
            f"{what}: copy {number} has {n_pages} page{'s' if n_pages != 1 else ''}, "
            f"position {bad[0]} is not one of 1..{n_pages}"
        )


def _apply_order(number: str, copy: _State, order: tuple[int, ...], when: str) -> None:
    n = len(copy.pages)
    _check_positions(number, order, n, "--order")
    if sorted(order) != list(range(1, n + 1)):
        raise UsageError(
            f"--order: copy {number} has {n} pages, give each of 1..{n} exactly once (got {_csv(order)})"
        )
    copy.pages = [copy.pages[i - 1] for i in order]
    copy.manual.append({"action": "order", "order": list(order), "at": when})
    _mark_ordered(copy)


def _apply_move(number: str, copy: _State, pos: int, other: str, target: _State, when: str) -> None:
    if other == number:
        raise UsageError(
            f"--move: page {pos} is already in copy {number}; use --order to move it within the copy"
        )
    _check_positions(number, (pos,), len(copy.pages), "--move")
    if len(copy.pages) == 1:
        raise UsageError(f"--move: copy {number} has only this page; a copy cannot be left empty")
    entry = copy.pages.pop(pos - 1)
    target.pages.append(entry)
    label = _label(entry)
    moving = [r for r in copy.reasons if r.startswith(label + ":")]
    copy.reasons = [r for r in copy.reasons if r not in moving]
    target.reasons += [r for r in moving if r not in target.reasons]
    copy.manual.append({"action": "move", "position": pos, "page": label, "to": other, "at": when})
    target.manual.append(
        {"action": "receive", "position": len(target.pages), "page": label, "from": number, "at": when}
    )
    _mark_ordered(copy)
    _mark_ordered(target)


def _apply_drop(number: str, copy: _State, positions: tuple[int, ...], when: str) -> None:
    n = len(copy.pages)
    _check_positions(number, positions, n, "--drop")
    if len(set(positions)) != len(positions):
        raise UsageError(f"--drop: position given twice ({_csv(positions)})")
    if len(positions) >= n:
        raise UsageError(f"--drop: copy {number} would have no page left")
    gone = [copy.pages[p - 1] for p in positions]
    copy.pages = [e for i, e in enumerate(copy.pages, start=1) if i not in positions]
    labels = [_label(e) for e in gone]
    copy.reasons = [r for r in copy.reasons if not any(r.startswith(lb + ":") for lb in labels)]
    copy.dropped += [{"source": e["source"], "reason": DROPPED_BY_HAND} for e in gone]
    copy.manual.append({"action": "drop", "positions": list(positions), "pages": labels, "at": when})
    _mark_ordered(copy)


def _mark_ordered(copy: _State) -> None:
    copy.rebuild = True
    copy.reasons = [r for r in copy.reasons if not r.startswith(ORDER_REASONS)]


def _receives(copy: _State) -> bool:
    return any(m["action"] == "receive" for m in copy.manual)


def _label(entry: dict[str, Any]) -> str:
    """manifest.PageFacts.label() of a page entry: how review reasons and order links name a page."""
    return f"{entry['source']['file']} page {int(entry['source']['page']) + 1}"


def _csv(positions: tuple[int, ...]) -> str:
    return ",".join(map(str, positions))


def _check_sources(pages: list[dict[str, Any]]) -> None:
    """Every source scan is still there and unchanged, so the rebuilt pages are the reviewed ones."""
    seen: dict[str, str] = {}
    for entry in pages:
        src = entry["source"]
        path = src.get("path")
        if not path:
            raise UsageError(
                f"{src['file']}: the manifest does not say where this scan is;"
                " run `anonymat process --force` again"
            )
        if path not in seen:
            try:
                seen[path] = _sha256_file(Path(path))
            except OSError as exc:
                raise UsageError(
                    f"{path}: source scan not found ({exc.strerror}); put it back to rebuild the copy"
                ) from exc
        if seen[path] != src["sha256"]:
            raise UsageError(f"{path}: source scan changed since it was processed; put the original back")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _jpeg_quality(pdf_path: Path) -> int:
    """The JPEG quality the copy was written with (not in the manifest): matched on the quantization
    tables of its pages; the highest one, as a page over the size limit was written at a lower one."""
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


def _write_state(outdir: Path, number: str, copy: _State, quality: int) -> None:
    old = copy.manifest
    manual = list(old.get("manual", [])) + copy.manual
    if copy.rebuild:
        built = Copy(
            number=number,
            pages=[facts_from_entry(e) for e in copy.pages],
            reasons=list(copy.reasons),
            order_method="manual",
            order_confidence=1.0,
            links=list((old.get("order") or {}).get("links", [])),
        )
        api.write_copy(api.WriteJob(built, str(outdir), keep_blank=False, jpeg_quality=quality))
        manifest = _load_json(outdir / f"{number}.json")
        if "settings" in old:
            manifest["settings"] = old["settings"]
    else:
        manifest = dict(old)
    manifest["status"] = "needs_review" if copy.reasons else "ok"
    manifest["review_reasons"] = list(copy.reasons)
    manifest["dropped"] = copy.dropped
    manifest["manual"] = manual
    output.write_json_atomic(manifest, outdir / f"{number}.json")


def _update_batch(batch: dict[str, Any], path: Path, states: dict[str, _State]) -> None:
    entries = {c.get("anonymity_number"): c for c in batch.get("copies", [])}
    for number, copy in states.items():
        entry = entries.get(number)
        status = "needs_review" if copy.reasons else "ok"
        if entry is None:
            entry = {"anonymity_number": number, "manifest": f"{number}.json"}
            batch.setdefault("copies", []).append(entry)
        entry["status"] = status
        entry["review_reasons"] = list(copy.reasons)  # batch.json version 2 (api.BATCH_SCHEMA_VERSION)
        entry["pages"] = len(copy.pages)
        dropped_now = sum(1 for d in copy.dropped if d not in copy.manifest.get("dropped", []))
        batch["pages_out"] = int(batch.get("pages_out", 0)) - dropped_now
    batch.get("copies", []).sort(key=lambda c: c["anonymity_number"])
    output.write_json_atomic(batch, path)


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read it ({exc}); run `anonymat process` again") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path}: not an anonymat manifest")
    return data
