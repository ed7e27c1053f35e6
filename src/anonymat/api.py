"""The library entry point: process a batch of scans into OUTDIR (no typer, no sys.exit)."""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from anonymat import doctor, ingest, masking, output, pipeline
from anonymat.config import Options
from anonymat.errors import AnonymatError, ExitCode, MissingDependencyError, UsageError
from anonymat.grouping import group_pages
from anonymat.manifest import SCHEMA_VERSION, Copy, PageFacts, copy_manifest
from anonymat.progress import Progress
from anonymat.template import load_template

ORDER_REVIEW_BELOW = 0.5
SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class WriteJob:
    copy: Copy
    outdir: str
    keep_blank: bool
    jpeg_quality: int


def check_dependencies() -> None:
    missing = doctor.missing_required(doctor.run_checks())
    if missing:
        names = ", ".join(c.name for c in missing)
        raise MissingDependencyError(f"missing: {names}; run `anonymat doctor` to see how to install them")


def order_copy(copy: Copy) -> None:
    """Put the copy's pages in reading order by the continuity of the text, with a confidence."""
    if len(copy.pages) <= 1:
        copy.order_method, copy.order_confidence = "single", 1.0
        return
    from anonymat import ordering

    if any(p.text is None for p in copy.pages):
        copy.order_method, copy.order_confidence = "scan", 0.0
        copy.reasons.append("the text of some page could not be read: pages kept in scan order")
        return
    result = ordering.best_order([p.text for p in copy.pages])
    scan = copy.pages
    copy.pages = [scan[i] for i in result.order]
    copy.order_method, copy.order_confidence = result.method, float(result.confidence)
    copy.links = [
        {
            "after": scan[link.after].label(),
            "before": scan[link.before].label(),
            "score": round(float(link.score), 3),
            "tail_words": link.tail_words,
            "head_words": link.head_words,
        }
        for link in result.links
    ]
    if result.confidence < ORDER_REVIEW_BELOW:
        copy.reasons.append(
            f"reading order uncertain (confidence {result.confidence:.2f}): check the page order"
        )


def copy_review_reasons(copy: Copy) -> None:
    for p in copy.pages:
        if p.pose_source == "unknown":
            copy.reasons.append(f"{p.label()}: orientation not confirmed by the barcode or the printed header")
        if p.anchor != "frame":
            copy.reasons.append(
                f"{p.label()}: printed header frame not found; identity zone masked with a wider margin, check it"
            )
        if p.flap == "unknown":
            copy.reasons.append(f"{p.label()}: flap state unclear")


def output_sequence(copy: Copy, keep_blank: bool) -> list[PageFacts]:
    if not keep_blank or not copy.blanks:
        return list(copy.pages)
    # a kept blank page stays right after the written page scanned before it
    seq: list[PageFacts] = []
    scan_prev = {}
    last = None
    for p in sorted([*copy.pages, *copy.blanks], key=lambda f: (f.file, f.page)):
        if p.blank:
            scan_prev.setdefault(last, []).append(p)
        else:
            last = p.label()
    for p in copy.pages:
        seq.append(p)
        seq.extend(scan_prev.get(p.label(), []))
    seq[:0] = scan_prev.get(None, [])
    return seq


def write_copy(job: WriteJob) -> dict[str, Any]:
    """Rebuild the copy's pages from the sources, write its PDF, then its manifest (last)."""
    copy = job.copy
    outdir = Path(job.outdir)
    name = copy.number if SAFE_NAME.fullmatch(copy.number) else None
    if name is None:
        raise UsageError(f"refusing unsafe file name for copy number {copy.number!r}")
    sequence = output_sequence(copy, job.keep_blank)
    pages = [pipeline.render_output_page(p) for p in sequence]
    pdf_path = outdir / f"{name}.pdf"
    sha = output.write_copy_pdf(pages, pdf_path, jpeg_quality=job.jpeg_quality)
    manifest = copy_manifest(copy, pdf_path.name, sha, sequence)
    output.write_json_atomic(manifest, outdir / f"{name}.json")
    return {"anonymity_number": copy.number, "manifest": f"{name}.json", "status": copy.status}


def process_batch(options: Options) -> ExitCode:
    started = time.monotonic()
    check_dependencies()
    template = load_template(options.template)
    ingest.set_pixel_limit()
    try:
        options.outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{options.outdir}: cannot create the output folder ({exc.strerror})") from exc

    files, problems = ingest.discover(list(options.inputs))
    errors = [{"file": p.file, "error": p.error} for p in problems]
    for p in problems:
        if options.verbosity >= 0:
            print(f"anonymat: {p.file}: {p.error}", file=sys.stderr)
    refs = ingest.page_refs(files)

    ctx = pipeline.PageContext(
        template=template,
        want_text=options.order == "continuity",
        vault=str(options.vault) if options.vault else None,
    )
    with Progress(len(refs), "pages", enabled=options.verbosity >= 0) as bar:
        facts = pipeline.analyse_all(refs, ctx, options.jobs, on_done=bar.advance)

    grouping = group_pages(facts)
    for copy in grouping.copies:
        copy_review_reasons(copy)
        if options.order == "continuity":
            order_copy(copy)
        else:
            copy.order_method = "scan" if len(copy.pages) > 1 else "single"

    jobs = [WriteJob(c, str(options.outdir), options.keep_blank, options.jpeg_quality) for c in grouping.copies]
    copies: list[dict[str, Any]] = []
    with Progress(len(jobs), "copies", enabled=options.verbosity >= 0) as bar:
        for job, result in zip(jobs, _write_all(jobs, options.jobs, bar.advance), strict=True):
            if isinstance(result, AnonymatError):
                errors.append({"file": f"{job.copy.number}.pdf", "error": str(result)})
            else:
                copies.append(result)

    if options.vault:
        entries = [
            masking.VaultEntry(p.number or "", p.file, p.page, p.vault_crop)
            for p in facts
            if p.vault_crop and p.number
        ]
        masking.write_vault_index(options.vault, entries)

    unassigned = [{"source": p.source(), "reason": reason} for p, reason in grouping.unassigned]
    pages_out = sum(len(output_sequence(c, options.keep_blank)) for c in grouping.copies)
    batch = {
        "schema_version": SCHEMA_VERSION,
        "copies": copies,
        "errors": errors,
        "unassigned": unassigned,
        "pages_in": len(refs),
        "pages_out": pages_out,
    }
    output.write_json_atomic(batch, options.outdir / "batch.json")

    review = sum(1 for c in copies if c["status"] != "ok")
    if options.verbosity >= 0:
        print(
            f"anonymat: {len(copies)} copies ({review} to review), {len(refs)} pages in, {pages_out} out, "
            f"{len(unassigned)} unassigned, {len(errors)} errors, {time.monotonic() - started:.1f} s",
            file=sys.stderr,
        )
    if not refs:
        return ExitCode.USAGE
    if review or unassigned or errors:
        return ExitCode.NEEDS_REVIEW
    return ExitCode.OK


def _write_one(job: WriteJob) -> dict[str, Any] | AnonymatError:
    try:
        return write_copy(job)
    except AnonymatError as err:
        return err


def _write_all(jobs: list[WriteJob], n: int, on_done) -> list:
    return list(pipeline.run_pool(partial(_write_one), jobs, n, on_done))
