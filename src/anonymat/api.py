"""The library entry point: process a batch of scans into OUTDIR (no typer, no sys.exit)."""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anonymat import __version__, doctor, ingest, outdir
from anonymat.config import Options
from anonymat.errors import AnonymatError, ExitCode, Interrupted, MissingDependencyError, UsageError
from anonymat.manifest import BatchRecord, PageFacts, Settings
from anonymat.messages import t
from anonymat.model import PageRef
from anonymat.outdir import THUMBS, page_thumb_name
from anonymat.page import decode, masking
from anonymat.page.template import Template, load_template
from anonymat.pdf import output, pagecache
from anonymat.progress import Progress, RunLog
from anonymat.reading import completeness
from anonymat.reasons import Reason
from anonymat.review import report
from anonymat.review.roster import load_roster
from anonymat.run import copy_stage, lock, pipeline, resume, workers
from anonymat.run.grouping import Grouping, explain_unassigned, group_pages, page_error_lines
from anonymat.states import Order


def check_dependencies() -> None:
    missing = doctor.missing_required(doctor.run_checks())
    if missing:
        names = ", ".join(c.name for c in missing)
        raise MissingDependencyError(t("deps.missing", names=names))


def process_batch(options: Options) -> ExitCode:
    log = RunLog(options.log, options.verbosity)
    try:
        with stop_on_sigterm():
            return _process_batch(options, log)
    finally:
        log.close()


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """SIGTERM (systemctl stop, kill) stops a run as Ctrl-C does: batch.json and the report are written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Interrupted()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _process_batch(options: Options, log: RunLog) -> ExitCode:
    started = time.monotonic()
    started_at = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    check_dependencies()
    template = load_template(options.template)
    decode.set_pixel_limit()
    outdir.create(options.outdir)
    with lock.hold(options.outdir):  # one run per output folder; checks OUTDIR is writable before any work
        return _process_locked(options, log, template, started, started_at)


@dataclasses.dataclass
class Batch:
    """What the steps of one run hand on to each other (in the main process; pages and copies are worked
    on in the pool)."""

    options: Options
    log: RunLog
    template: Template
    started: float  # time.monotonic() at the start, for the summary's seconds
    started_at: str  # the date batch.json records
    settings: Settings | None = None
    found: ingest.Inventory | None = None
    refs: list[PageRef] = dataclasses.field(default_factory=list)  # every page of every input file
    finished: dict[str, resume.Finished] = dataclasses.field(default_factory=dict)  # copies done before
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # batch.json's errors
    rejected: int = 0  # input files refused: exit 4 (INPUT_REJECTED), not 1
    facts: list[PageFacts] = dataclasses.field(default_factory=list)  # the pages analysed by this run
    every_page: list[PageFacts] = dataclasses.field(default_factory=list)  # analysed, or from manifests
    grouping: Grouping | None = None
    strays: list[completeness.Stray] = dataclasses.field(default_factory=list)
    same_pages: list[ingest.Duplicate] = dataclasses.field(default_factory=list)
    skipped: set[str] = dataclasses.field(default_factory=set)  # finished copies grouped as before
    copies: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # batch.json's copies
    pages_out: int = 0
    thumbs: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)  # what the writers made
    unassigned: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    interrupted: str | None = None  # "SIGINT" or "SIGTERM"
    report_path: Path | None = None


def _process_locked(
    options: Options, log: RunLog, template: Template, started: float, started_at: str
) -> ExitCode:
    """The run, step by step: what is there, the pages, the copies, then batch.json and the report
    (written after Ctrl-C or SIGTERM too, marked incomplete), and the exit code."""
    batch = Batch(options, log, template, started, started_at)
    take_inventory(batch)
    try:
        # one pool of workers for both stages (Dask brings its own)
        with (
            pagecache.kept(options.outdir),
            workers.worker_pool(1 if options.scheduler else options.jobs) as pool,
        ):
            analyse_and_group(batch, pool)
            name_unusable_pages(batch)
            write_copies(batch, pool)
    except (KeyboardInterrupt, Interrupted) as stop:
        take_stock_of_interruption(batch, "SIGTERM" if isinstance(stop, Interrupted) else "SIGINT")
    write_batch_record(batch)
    return conclude(batch)


def take_inventory(batch: Batch) -> None:
    """The run's settings and first line, the input files (refused ones named), their pages, and the
    copies a previous run finished."""
    options, log = batch.options, batch.log
    try:
        batch.settings = resume.run_settings(options, batch.template)
    except OSError as exc:
        raise UsageError(
            t("at", where=options.roster, what=t("options.roster_unreadable", why=exc.strerror))
        ) from exc
    inputs = ", ".join(map(str, options.inputs))
    log.copy(  # the run's first line in the log (and on stderr with -v when it is not a terminal)
        t(
            "run.first_line", version=__version__, inputs=inputs, outdir=options.outdir, jobs=options.jobs,
            order=options.order, template=options.template,
        )
    )  # fmt: skip
    for folder in (options.outdir, options.outdir / THUMBS):  # left by a run killed mid-write
        if folder.is_dir():
            output.remove_stale_temps(folder)
    batch.found = found = ingest.inventory(list(options.inputs))
    batch.errors = [{"file": p.file, "error": p.error} for p in found.problems]
    batch.rejected = len(found.problems)
    for p in found.problems:  # errors are printed even with -q ("no progress, only errors")
        log.error(f"{p.file}: {p.error}")
    for line in found.notes(verbose=options.verbosity > 0) if options.verbosity >= 0 else ():
        log.info(line)
    batch.refs = ingest.page_refs(found.files)
    if not options.force:
        batch.finished = resume.completed_copies(options.outdir, batch.refs, batch.settings)


def analyse_and_group(batch: Batch, pool: Any) -> None:
    """Analyse the pages and group them into copies.

    Resuming groups the whole batch as a clean run would, then skips the copies that come out with exactly
    the pages a previous run wrote: the pages of finished copies are not analysed again, since what
    grouping needs of them is in their manifests."""
    options, finished = batch.options, batch.finished
    plain = pipeline.PageContext(
        template=batch.template,
        want_text=options.order == Order.CONTINUITY,
        vault=str(options.vault) if options.vault else None,
        roster=load_roster(options.roster) if options.roster else None,
    )
    # the page stage encodes the output pages too, into the page cache (at most pagecache.MAX_PAGES)
    render = pipeline.RenderSettings(
        str(pagecache.folder(options.outdir)), options.jpeg_quality, options.max_page_kb
    )
    cached = dataclasses.replace(plain, render=render)

    def analyse(refs: list[PageRef]) -> list[PageFacts]:
        with Progress(len(refs), "pages", enabled=options.verbosity >= 0) as bar:
            return [
                page
                for ctx, part in ((cached, refs[: pagecache.MAX_PAGES]), (plain, refs[pagecache.MAX_PAGES :]))
                if part
                for page in pipeline.analyse_all(
                    part, ctx, options.jobs, on_done=bar.advance, scheduler=options.scheduler, pool=pool
                )
            ]

    known = {key: p for f in finished.values() for key, p in f.facts.items()}
    by_key = {(r.file, r.index): r for r in batch.refs}
    analysed = {(p.file, p.page): p for p in analyse([r for k, r in by_key.items() if k not in known])}
    while True:
        batch.every_page = [analysed.get(key) or known[key] for key in by_key]  # in scan order
        scanned, batch.same_pages = ingest.duplicate_pages(batch.every_page)
        batch.grouping = grouping = group_pages(scanned)
        batch.strays = completeness.add_scan_reasons(scanned, grouping)  # a copy next to a stray page
        batch.skipped = {
            c.number
            for c in grouping.copies
            if c.number in finished and resume.grouped_like_before(c, finished[c.number])
        }
        # what the manifests cannot give: the text of the copies to write, and of the copies a stray page
        # is weighed against (completeness), and the fingerprints that find duplicates
        beside = {n.number for s in batch.strays for n in s.neighbours}
        redo = [
            by_key[(p.file, p.page)]
            for c in grouping.copies
            if c.number not in batch.skipped or (c.number in beside and options.order == Order.CONTINUITY)
            for p in c.pages + c.blanks
            if (p.file, p.page) not in analysed
        ] + [by_key[key] for key in resume.duplicate_suspects(scanned, known, analysed)]
        if not redo:
            break
        analysed.update({(p.file, p.page): p for p in analyse(list(dict.fromkeys(redo)))})
    batch.facts = [analysed[key] for key in by_key if key in analysed]


def name_unusable_pages(batch: Batch) -> None:
    """A page that cannot be used is named on stderr too, once: page by page, or in one line for a file cut
    short. Both see every page of every file (those of finished copies and the pages scanned twice
    included), so they agree on which pages are a file's unreadable tail."""
    assert batch.grouping is not None
    for line in page_error_lines(batch.every_page):
        batch.log.error(line)
    for dup in batch.same_pages:
        batch.log.info(dup.line())
    for line in explain_unassigned(batch.every_page, batch.grouping):
        batch.log.error(line)


def write_copies(batch: Batch, pool: Any) -> None:
    """Take the finished copies as they are, and write the others (longest first), a line for each."""
    options, log = batch.options, batch.log
    assert batch.grouping is not None
    batch.copies = [batch.finished[n].entry for n in sorted(batch.skipped)]
    batch.pages_out = sum(batch.finished[n].pages_out for n in batch.skipped)
    if batch.copies:
        log.info(t("run.skipped", n=len(batch.copies), outdir=options.outdir))
    stray_labels = tuple(s.label() for s in batch.strays if s.page.error is None)
    jobs = [
        copy_stage.WriteJob(
            c,
            str(options.outdir),
            options.keep_blank,
            options.jpeg_quality,
            options.verify,
            options.max_page_kb,
            order=options.order,
            roster=options.roster is not None,
            settings=batch.settings,
            cached=True,
            strays=stray_labels,
        )
        # longest copies first: the last ones to finish are short, so no worker idles long at the end
        for c in sorted(batch.grouping.copies, key=lambda c: -len(c.pages))
        if c.number not in batch.skipped
    ]
    with Progress(len(jobs), "copies", enabled=options.verbosity >= 0) as bar:
        written = copy_stage.write_all(jobs, options.jobs, bar.advance, options.scheduler, pool)
        for job, result in zip(jobs, written, strict=True):
            scans = ", ".join(sorted({p.file for p in job.copy.pages + job.copy.blanks}))
            if isinstance(result, AnonymatError):
                if result.exit_code == ExitCode.DISK_FULL:  # every other copy would fail too
                    raise result
                message = t("run.copy_failed", number=job.copy.number, error=result)
                batch.errors.append({"file": scans, "error": message})
                log.error(f"{scans}: {message}")
                continue
            batch.thumbs[result["anonymity_number"]] = result.pop("thumbs")
            problems = result.pop("verify_problems", None)
            if problems:
                message = t("run.verify_failed", number=job.copy.number, problems="; ".join(problems))
                batch.errors.append({"file": scans, "error": message})
                log.error(f"{scans}: {message}")
            batch.copies.append(result)
            log.copy(_copy_line(result))


def take_stock_of_interruption(batch: Batch, signal_name: str) -> None:
    """What the workers finished is on disk (a manifest is written last): the batch lists just that."""
    batch.interrupted = signal_name
    assert batch.settings is not None
    on_disk = resume.completed_copies(batch.options.outdir, batch.refs, batch.settings).values()
    batch.copies, batch.pages_out = [f.entry for f in on_disk], sum(f.pages_out for f in on_disk)


def write_batch_record(batch: Batch) -> None:
    """The vault's index, batch.json, the thumbnails of the pages in no PDF, and the report."""
    options, grouping = batch.options, batch.grouping
    complete = batch.interrupted is None and grouping is not None
    if options.vault and batch.interrupted is None:
        _write_vault_index(options.vault, batch.facts)
    if complete:
        assert grouping is not None
        batch.unassigned = _unassigned(options, grouping, batch.strays)
        # a copy whose PDF failed to write has no pages out
        written = {c["anonymity_number"] for c in batch.copies} - batch.skipped
        batch.pages_out += sum(
            len(copy_stage.output_sequence(c, options.keep_blank))
            for c in grouping.copies
            if c.number in written
        )
    batch.copies.sort(key=lambda c: c["anonymity_number"])
    assert batch.settings is not None and batch.found is not None
    run = {
        "started": batch.started_at,
        "finished": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "anonymat_version": __version__,
        "inputs": [str(p) for p in options.inputs],
        "jobs": options.jobs,
        "settings": {**batch.settings.to_json(), "verify": options.verify, "force": options.force},
        "interrupted": batch.interrupted,
    }
    found = batch.found
    BatchRecord(
        copies=batch.copies,
        errors=batch.errors,
        unassigned=batch.unassigned,
        pages_in=len(batch.refs),
        pages_out=batch.pages_out,
        complete=batch.interrupted is None,
        run=run,
        duplicates=[d.entry() for d in [*found.duplicates, *batch.same_pages]],
        skipped={"own_outputs": list(found.own_outputs), "not_scans": list(found.skipped)},
    ).write(options.outdir)
    _write_page_thumbs(options, grouping if batch.interrupted is None else None)
    batch.report_path = report.write_report(options.outdir, batch.thumbs)  # from the manifests just written


def conclude(batch: Batch) -> ExitCode:
    """The run's last lines, and its exit code."""
    options, log = batch.options, batch.log
    if batch.interrupted is not None:
        log.error(t("run.interrupted", copies=len(batch.copies), outdir=options.outdir))
        return ExitCode.INTERRUPTED
    to_check = [c["anonymity_number"] for c in batch.copies if c["status"] != "ok"]
    log.info(
        t(
            "run.summary",
            copies=len(batch.copies),
            review=len(to_check),
            pages_in=len(batch.refs),
            pages_out=batch.pages_out,
            unassigned=len(batch.unassigned),
            errors=len(batch.errors),
            seconds=time.monotonic() - batch.started,
        )
    )
    assert batch.report_path is not None
    _log_report_line(log, batch.report_path, to_check)
    if not batch.refs:
        assert batch.found is not None
        log.error(ingest.nothing_found(options.inputs, batch.found))
        return ExitCode.USAGE
    if batch.rejected:
        return ExitCode.INPUT_REJECTED
    if to_check or batch.unassigned or batch.errors:
        return ExitCode.NEEDS_REVIEW
    return ExitCode.OK


def _write_vault_index(vault: Path, facts: list[PageFacts]) -> None:
    """The vault's index: which identity crop belongs to which anonymity number."""
    entries = [
        masking.VaultEntry(p.number or "", p.file, p.page, p.vault_crop)
        for p in facts
        if p.vault_crop and p.number
    ]
    masking.write_vault_index(vault, entries)


def _unassigned(
    options: Options, grouping: Grouping, strays: list[completeness.Stray]
) -> list[dict[str, Any]]:
    """batch.json's pages in no copy, with their reason, what completeness knows of them and the
    thumbnail `_write_page_thumbs` makes of a page that decodes."""
    stray_info = {(s.page.file, s.page.page): completeness.stray_entry(s) for s in strays}
    return [
        {
            "source": p.full_source(),
            "reason": reason,
            **stray_info.get((p.file, p.page), {}),
            **({"thumb": page_thumb_name(p.source())} if p.error is None else {}),
        }
        for p, reason in grouping.unassigned
    ]


def _write_page_thumbs(options: Options, grouping: Grouping | None) -> None:
    """Masked thumbnails of the pages in no PDF (unassigned, dropped blanks), for the report; after
    batch.json, so a run that cannot write batch.json leaves no thumbs/ (none for an interrupted run)."""
    if grouping is None:
        return
    report.write_page_thumbs(
        options.outdir,
        [p for p, _reason in grouping.unassigned]
        + ([] if options.keep_blank else [b for c in grouping.copies for b in c.blanks]),
    )


def _log_report_line(log: RunLog, report_path: Path, to_check: list[str]) -> None:
    """Where the report is, and the first copies to check in it."""
    if to_check:
        shown = ", ".join(to_check[:10]) + (f" (+{len(to_check) - 10})" if len(to_check) > 10 else "")
        log.info(t("run.report_check", report=report_path, numbers=shown))
    else:
        log.info(t("run.report", report=report_path))


def _copy_line(entry: dict[str, Any]) -> str:
    """One line per copy for the log: its number, status, page count and its first review reason."""
    number = entry["anonymity_number"]
    reasons = [Reason.from_json(r) for r in entry.get("reasons") or []]
    pages = entry.get("pages", "?")
    if entry["status"] == "ok":
        return t("run.copy_ok", number=number, pages=pages)
    extra = f" (+{len(reasons) - 1})" if len(reasons) > 1 else ""
    return t(
        "run.copy_review",
        number=number,
        pages=pages,
        reason=(reasons[0].said() if reasons else "?") + extra,
    )
