"""The copy stage: one copy prepared (review reasons, reading order, roster hits), written (its PDF from
the encoded pages, its thumbnails, its manifest last) and verified, in a worker; `anonymat fix` writes a
copy again through the same `write_copy`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anonymat.errors import AnonymatError, UsageError
from anonymat.manifest import Copy, PageFacts, Settings, copy_manifest
from anonymat.messages import t
from anonymat.outdir import THUMBS, manifest_name
from anonymat.pdf import output, pagecache
from anonymat.reading import completeness
from anonymat.reasons import as_json, make
from anonymat.review import report
from anonymat.review.roster import review_reasons as roster_reasons
from anonymat.run import pipeline, workers
from anonymat.states import Flap, MaskPolicy, Order, OrderMethod, PoseSource

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
    order: Order | None = None  # prepare the copy first, ordering it so (None: already prepared)
    roster: bool = False  # the pages were checked against a roster: report its hits
    settings: Settings | None = None  # resume.run_settings(): recorded in the manifest for resuming
    cached: bool = False  # the page stage encoded the pages into OUTDIR's page cache (pagecache.py)
    strays: tuple[str, ...] = ()  # the batch's unassigned written pages: candidates for a missing page


def order_copy(copy: Copy) -> None:
    """Put the copy's pages in reading order by the continuity of the text, with a confidence."""
    if len(copy.pages) <= 1:
        copy.order_method, copy.order_confidence = OrderMethod.SINGLE, 1.0
        return
    from anonymat.reading import ordering

    if any(p.text is None for p in copy.pages):
        copy.order_method, copy.order_confidence = OrderMethod.SCAN, 0.0
        copy.reasons.append(make("order_unread"))
        return
    result = ordering.best_order([p.text for p in copy.pages])
    scan = copy.pages
    copy.pages = [scan[i] for i in result.order]
    copy.order_method, copy.order_confidence = OrderMethod(result.method), float(result.confidence)
    copy.links = [
        {
            "after": scan[link.after].label(),
            "before": scan[link.before].label(),
            "score": round(float(link.score), 3),
            "tail_words": link.tail_words,
            "head_words": link.head_words,
            **({} if link.probability is None else {"probability": round(link.probability, 3)}),
        }
        for link in result.links
    ]
    if result.confidence < ORDER_REVIEW_BELOW:
        copy.reasons.append(make("order_uncertain", c=f"{result.confidence:.2f}"))


def prepare_copy(
    copy: Copy, order: Order, roster: bool, keep_blank: bool, strays: tuple[str, ...] = ()
) -> None:
    """Review reasons, reading order and roster hits: per copy, so it runs in the writing workers."""
    copy_review_reasons(copy)
    if order == Order.CONTINUITY:
        order_copy(copy)
        copy.reasons.extend(completeness.text_reasons(copy, strays))
    else:
        copy.order_method = OrderMethod.SCAN if len(copy.pages) > 1 else OrderMethod.SINGLE
    if roster:
        copy.reasons.extend(roster_reasons(output_sequence(copy, keep_blank)))


def copy_review_reasons(copy: Copy) -> None:
    for p in copy.pages:
        if p.pose_source == PoseSource.UNKNOWN:
            copy.reasons.append(make("orientation", page=p.label()))
        if p.mask_policy != MaskPolicy.TEMPLATE:
            seen = ", ".join(p.cues_disagreeing) or "none"
            copy.reasons.append(make("fail_closed", page=p.label(), seen=seen, zone=p.mask_policy))
        elif p.flap == Flap.UNKNOWN:
            copy.reasons.append(make("flap_unclear", page=p.label()))


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
        raise UsageError(t("copy.unsafe_name", number=copy.number))
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
    (outdir / THUMBS).mkdir(exist_ok=True)
    for i, data in enumerate(thumbs, start=1):
        output.write_bytes_atomic(data, outdir / report.thumb_name(name, i), durable=False)
    stamp = {"pdf_sha256": sha, "pages": len(thumbs)}  # read by the report if this run dies before it
    output.write_json_atomic(stamp, outdir / report.thumbs_stamp(name))
    copy_manifest(copy, pdf_path.name, sha, sequence, job.settings).write(outdir)
    if job.cached:
        pagecache.discard(cache, sequence)
    return {
        "anonymity_number": copy.number,
        "manifest": manifest_name(name),
        "status": copy.status,
        **as_json(copy.reasons),
        "pages": len(sequence),
        "thumbs": {"pdf_sha256": sha, "pages": len(thumbs)},
    }


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
        from anonymat.review.verify import verify_copy

        # zones proved uniform cannot hold text: the OCR inside them is left to `anonymat verify`
        check = verify_copy(Path(job.outdir), Path(job.outdir) / entry["manifest"], ocr_zones=False)
        if not check.ok:
            entry["verify_problems"] = check.problems
    return entry


def write_all(jobs: list[WriteJob], n: int, on_done, scheduler: str | None, pool=None) -> list:
    return list(workers.run_pool(write_one, jobs, n, on_done, scheduler, pool, _write_crashed))


def _write_crashed(job: WriteJob) -> AnonymatError:
    files = ", ".join(sorted({p.file for p in job.copy.pages}))
    return AnonymatError(t("copy.crashed", number=job.copy.number, files=files))
