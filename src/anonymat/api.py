"""The library entry point: process a batch of scans into OUTDIR (no typer, no sys.exit)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anonymat import completeness, decode, doctor, ingest, masking, output, pagecache, pipeline, report
from anonymat.config import Options
from anonymat.errors import AnonymatError, ExitCode, MissingDependencyError, UsageError
from anonymat.grouping import explain_unassigned, group_pages, page_error_lines
from anonymat.manifest import SCHEMA_VERSION, Copy, PageFacts, copy_manifest
from anonymat.progress import Progress
from anonymat.roster import load_roster
from anonymat.roster import review_reasons as roster_reasons
from anonymat.template import Template, load_template

ORDER_REVIEW_BELOW = 0.5
SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class WriteJob:
    copy: Copy
    outdir: str
    keep_blank: bool
    jpeg_quality: int
    verify: bool = True
    max_page_kb: int = output.DEFAULT_MAX_PAGE_KB
    order: str | None = None  # "continuity" | "scan": prepare the copy first (None: already prepared)
    roster: bool = False  # the pages were checked against a roster: report its hits
    settings: dict[str, Any] | None = None  # run_settings(): recorded in the manifest for resuming
    cached: bool = False  # the page stage encoded the pages into OUTDIR's page cache (pagecache.py)
    strays: tuple[str, ...] = ()  # the batch's unassigned written pages: candidates for a missing page


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


def prepare_copy(
    copy: Copy, order: str, roster: bool, keep_blank: bool, strays: tuple[str, ...] = ()
) -> None:
    """Review reasons, reading order and roster hits: per copy, so it runs in the writing workers."""
    copy_review_reasons(copy)
    if order == "continuity":
        order_copy(copy)
        copy.reasons.extend(completeness.text_reasons(copy, strays))
    else:
        copy.order_method = "scan" if len(copy.pages) > 1 else "single"
    if roster:
        copy.reasons.extend(roster_reasons(output_sequence(copy, keep_blank)))


def copy_review_reasons(copy: Copy) -> None:
    for p in copy.pages:
        if p.pose_source == "unknown":
            copy.reasons.append(
                f"{p.label()}: orientation not confirmed by the barcode or the printed header"
            )
        if p.mask_policy != "template":
            seen = ", ".join(p.cues_disagreeing) or "none"
            copy.reasons.append(
                f"{p.label()}: the template could not be placed on the page (the barcode, printed rules and "
                f"printed labels seen, {seen}, do not agree on where the flap and identity zone are): the "
                f"whole {p.mask_policy} was masked instead; check that no identity shows and no writing "
                "was hidden, or learn this form's template (anonymat template learn)"
            )
        elif p.flap == "unknown":
            copy.reasons.append(f"{p.label()}: flap state unclear")


def output_sequence(copy: Copy, keep_blank: bool) -> list[PageFacts]:
    if not keep_blank or not copy.blanks:
        return list(copy.pages)
    # a kept blank page stays right after the written page scanned before it
    seq: list[PageFacts] = []
    scan_prev: dict[str | None, list[PageFacts]] = {}
    last: str | None = None
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
    """Gather the copy's encoded pages (from the page cache, or made again from the sources), write its
    PDF, then its manifest (last)."""
    copy = job.copy
    outdir = Path(job.outdir)
    name = copy.number if SAFE_NAME.fullmatch(copy.number) else None
    if name is None:
        raise UsageError(f"refusing unsafe file name for copy number {copy.number!r}")
    sequence = output_sequence(copy, job.keep_blank)
    cache = pagecache.folder(outdir)
    thumbs: list[bytes] = []  # the report's thumbnails, made from the pixels being encoded

    def pages() -> Iterator[output.EncodedPage]:  # one page's pixels in memory at a time
        for p in sequence:
            done = pagecache.load(cache, p) if job.cached else None
            if done is None:  # not encoded by the page stage (a kept blank, `fix`...): from the source
                gray, dpi, sharp = pipeline.render_output_page(p)
                done = pipeline.render_output(gray, dpi, sharp, job.jpeg_quality, job.max_page_kb)
            thumbs.append(done[1])
            yield done[0]

    pdf_path = outdir / f"{name}.pdf"
    sha = output.write_copy_pdf(pages(), pdf_path, jpeg_quality=job.jpeg_quality, max_page_kb=job.max_page_kb)
    (outdir / report.THUMBS).mkdir(exist_ok=True)
    for i, data in enumerate(thumbs, start=1):
        output.write_bytes_atomic(data, outdir / report.thumb_name(name, i), durable=False)
    manifest = copy_manifest(copy, pdf_path.name, sha, sequence)
    if job.settings is not None:
        manifest["settings"] = job.settings
    output.write_json_atomic(manifest, outdir / f"{name}.json")
    if job.cached:
        pagecache.discard(cache, sequence)
    return {
        "anonymity_number": copy.number,
        "manifest": f"{name}.json",
        "status": copy.status,
        "thumbs": {"pdf_sha256": sha, "pages": len(thumbs)},
    }


def run_settings(options: Options, template: Template) -> dict[str, Any]:
    """What shapes a copy's output besides its scans; a finished copy is reused only under the same."""
    spec = json.dumps(dataclasses.asdict(template), sort_keys=True, default=list).encode("utf-8")
    roster = hashlib.sha256(options.roster.read_bytes()).hexdigest()[:16] if options.roster else None
    return {
        "order": options.order,
        "keep_blank": options.keep_blank,
        "jpeg_quality": options.jpeg_quality,
        "max_page_kb": options.max_page_kb,
        "template": f"{template.name} {hashlib.sha256(spec).hexdigest()[:16]}",
        "roster": roster,
    }


def completed_copies(
    outdir: Path, refs: list[ingest.PageRef], settings: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], set[tuple[str, int]], int]:
    """Copies a previous run finished whose source pages are unchanged: (batch entries, their pages, pages out).

    A copy counts as finished when its manifest (written last) exists, its PDF matches the manifest's
    sha256, every source page it lists is still in the input with the same file sha256, and it was made
    with the same `settings` (another --order, quality or template redoes it), unless a person fixed it
    by hand (`anonymat fix`): their fixes are kept.
    """
    current = {(r.file, r.index): r.sha256 for r in refs}
    entries: list[dict[str, Any]] = []
    done: set[tuple[str, int]] = set()
    pages_out = 0
    for path in sorted(outdir.glob("*.json")):
        if path.name == "batch.json":
            continue
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            pdf = outdir / manifest["pdf"]
            if hashlib.sha256(pdf.read_bytes()).hexdigest() != manifest["pdf_sha256"]:
                continue
            sources = [e["source"] for e in manifest["pages"]] + [d["source"] for d in manifest["dropped"]]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if settings is not None and manifest.get("settings") != settings and not manifest.get("manual"):
            continue
        if all(current.get((s["file"], s["page"])) == s["sha256"] for s in sources):
            entries.append(
                {
                    "anonymity_number": manifest["anonymity_number"],
                    "manifest": path.name,
                    "status": manifest["status"],
                }
            )
            done |= {(s["file"], s["page"]) for s in sources}
            pages_out += len(manifest["pages"])
    return entries, done, pages_out


def process_batch(options: Options) -> ExitCode:
    started = time.monotonic()
    check_dependencies()
    template = load_template(options.template)
    decode.set_pixel_limit()
    try:
        options.outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{options.outdir}: cannot create the output folder ({exc.strerror})") from exc

    try:
        settings = run_settings(options, template)
    except OSError as exc:
        raise UsageError(f"{options.roster}: cannot read the roster ({exc.strerror})") from exc
    for folder in (options.outdir, options.outdir / report.THUMBS):  # left by a run killed mid-write
        if folder.is_dir():
            output.remove_stale_temps(folder)
    found = ingest.inventory(list(options.inputs))
    files, problems = found.files, found.problems
    errors = [{"file": p.file, "error": p.error} for p in problems]
    for p in problems:  # errors are printed even with -q ("no progress, only errors")
        print(f"anonymat: {p.file}: {p.error}", file=sys.stderr)
    for line in found.notes(verbose=options.verbosity > 0) if options.verbosity >= 0 else ():
        print(f"anonymat: {line}", file=sys.stderr)
    all_refs = ingest.page_refs(files)
    copies: list[dict[str, Any]] = []
    pages_out = 0
    refs = all_refs
    if not options.force:
        copies, done, pages_out = completed_copies(options.outdir, all_refs, settings)
        refs = [r for r in all_refs if (r.file, r.index) not in done]
        if copies and options.verbosity >= 0:
            print(
                f"anonymat: {len(copies)} copies already done in {options.outdir}, skipped (--force redoes them)",
                file=sys.stderr,
            )

    plain = pipeline.PageContext(
        template=template,
        want_text=options.order == "continuity",
        vault=str(options.vault) if options.vault else None,
        roster=load_roster(options.roster) if options.roster else None,
    )
    # the page stage encodes the output pages too, into the page cache (at most pagecache.MAX_PAGES)
    render = pipeline.RenderSettings(
        str(pagecache.folder(options.outdir)), options.jpeg_quality, options.max_page_kb
    )
    cached = dataclasses.replace(plain, render=render)
    # one pool of workers for both stages (Dask brings its own)
    with (
        pagecache.kept(options.outdir),
        pipeline.worker_pool(1 if options.scheduler else options.jobs) as pool,
    ):
        with Progress(len(refs), "pages", enabled=options.verbosity >= 0) as bar:
            facts = [
                page
                for ctx, part in ((cached, refs[: pagecache.MAX_PAGES]), (plain, refs[pagecache.MAX_PAGES :]))
                if part
                for page in pipeline.analyse_all(
                    part, ctx, options.jobs, on_done=bar.advance, scheduler=options.scheduler, pool=pool
                )
            ]
        for line in page_error_lines(facts):  # a page that cannot be used is named on stderr too
            print(f"anonymat: {line}", file=sys.stderr)
        facts, same_pages = ingest.duplicate_pages(facts)
        for dup in same_pages:
            print(f"anonymat: {dup.line()}", file=sys.stderr)

        grouping = group_pages(facts)
        for line in explain_unassigned(facts, grouping):
            print(f"anonymat: {line}", file=sys.stderr)
        strays = completeness.add_scan_reasons(facts, grouping)  # a copy next to a stray page may miss it
        stray_labels = tuple(s.label() for s in strays if s.page.error is None)
        jobs = [
            WriteJob(
                c,
                str(options.outdir),
                options.keep_blank,
                options.jpeg_quality,
                options.verify,
                options.max_page_kb,
                order=options.order,
                roster=options.roster is not None,
                settings=settings,
                cached=True,
                strays=stray_labels,
            )
            # longest copies first: the last ones to finish are short, so no worker idles long at the end
            for c in sorted(grouping.copies, key=lambda c: -len(c.pages))
        ]
        thumbs: dict[str, dict[str, Any]] = {}  # the thumbnails the writers made, for the report
        with Progress(len(jobs), "copies", enabled=options.verbosity >= 0) as bar:
            for job, result in zip(
                jobs, _write_all(jobs, options.jobs, bar.advance, options.scheduler, pool), strict=True
            ):
                if isinstance(result, AnonymatError):
                    errors.append({"file": f"{job.copy.number}.pdf", "error": str(result)})
                    continue
                thumbs[result["anonymity_number"]] = result.pop("thumbs")
                problems = result.pop("verify_problems", None)
                if problems:
                    errors.append(
                        {"file": result["manifest"], "error": "verification failed: " + "; ".join(problems)}
                    )
                copies.append(result)

    if options.vault:
        entries = [
            masking.VaultEntry(p.number or "", p.file, p.page, p.vault_crop)
            for p in facts
            if p.vault_crop and p.number
        ]
        masking.write_vault_index(options.vault, entries)

    stray_info = {(s.page.file, s.page.page): completeness.stray_entry(s) for s in strays}
    stray_thumbs = completeness.write_stray_thumbs(options.outdir, strays)
    unassigned = [
        {
            "source": p.full_source(),
            "reason": reason,
            **stray_info.get((p.file, p.page), {}),
            **({"thumb": stray_thumbs[p.label()]} if p.label() in stray_thumbs else {}),
        }
        for p, reason in grouping.unassigned
    ]
    written = {c["anonymity_number"] for c in copies}  # a copy whose PDF failed to write has no pages out
    pages_out += sum(
        len(output_sequence(c, options.keep_blank)) for c in grouping.copies if c.number in written
    )
    copies.sort(key=lambda c: c["anonymity_number"])
    batch = {
        "schema_version": SCHEMA_VERSION,
        "copies": copies,
        "errors": errors,
        "unassigned": unassigned,
        "pages_in": len(all_refs),
        "pages_out": pages_out,
        "duplicates": [d.entry() for d in [*found.duplicates, *same_pages]],
        "skipped": {"own_outputs": list(found.own_outputs), "not_scans": list(found.skipped)},
    }
    output.write_json_atomic(batch, options.outdir / "batch.json")
    report.write_report(options.outdir, thumbs)  # report.html, from the manifests just written

    review = sum(1 for c in copies if c["status"] != "ok")
    if options.verbosity >= 0:
        print(
            f"anonymat: {len(copies)} copies ({review} to review), {len(all_refs)} pages in, {pages_out} out, "
            f"{len(unassigned)} unassigned, {len(errors)} errors, {time.monotonic() - started:.1f} s",
            file=sys.stderr,
        )
    if not all_refs:
        print(f"anonymat: {ingest.nothing_found(options.inputs, found)}", file=sys.stderr)
        return ExitCode.USAGE
    if review or unassigned or errors:
        return ExitCode.NEEDS_REVIEW
    return ExitCode.OK


def write_one(job: WriteJob) -> dict[str, Any] | AnonymatError:
    """Prepare one copy (reading order...), write it, then verify it in the same worker (`anonymat
    verify`'s checks)."""
    if job.order is not None:
        prepare_copy(job.copy, job.order, job.roster, job.keep_blank, job.strays)
    try:
        entry = write_copy(job)
    except AnonymatError as err:
        return err
    if job.verify:
        from anonymat.verify import verify_copy

        # zones proved uniform cannot hold text: the OCR inside them is left to `anonymat verify`
        check = verify_copy(Path(job.outdir), Path(job.outdir) / entry["manifest"], ocr_zones=False)
        if not check.ok:
            entry["verify_problems"] = check.problems
    return entry


def _write_all(jobs: list[WriteJob], n: int, on_done, scheduler: str | None, pool=None) -> list:
    return list(pipeline.run_pool(write_one, jobs, n, on_done, scheduler, pool, _write_crashed))


def _write_crashed(job: WriteJob) -> AnonymatError:
    files = ", ".join(sorted({p.file for p in job.copy.pages}))
    return AnonymatError(
        f"writing copy {job.copy.number} crashed a worker process twice: run the command again; "
        f"if it fails again, check its scans ({files})"
    )
