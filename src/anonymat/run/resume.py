"""Resuming: which copies a previous run in OUTDIR finished, under the same settings, from the same scans.

A finished copy is kept only if grouping the whole batch gives it exactly the same pages again
(`grouped_like_before`, decided in api.process_batch).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from anonymat import ingest
from anonymat.config import Options
from anonymat.manifest import Copy, Manifest, PageFacts, Settings, facts_from_entry
from anonymat.model import PageRef
from anonymat.outdir import manifest_paths
from anonymat.page.template import Template, fingerprint
from anonymat.reasons import as_json


def run_settings(options: Options, template: Template) -> Settings:
    """What shapes a copy's output besides its scans; a finished copy is reused only under the same."""
    roster = hashlib.sha256(options.roster.read_bytes()).hexdigest()[:16] if options.roster else None
    return Settings(
        order=options.order,
        keep_blank=options.keep_blank,
        jpeg_quality=options.jpeg_quality,
        max_page_kb=options.max_page_kb,
        template=fingerprint(template),
        roster=roster,
    )


@dataclass
class Finished:
    """A copy a previous run finished, whose source pages are unchanged."""

    entry: dict[str, Any]  # its batch.json entry
    sources: set[tuple[str, int]]  # its pages, written and dropped
    pages_out: int
    # what grouping needs of its pages: exact for a page whose barcode read or that is blank; the others
    # (assigned by their neighbours or printed digits) are left out, to be analysed again
    facts: dict[tuple[str, int], PageFacts]


def completed_copies(
    outdir: Path, refs: list[PageRef], settings: Settings | None = None
) -> dict[str, Finished]:
    """Copies a previous run finished whose source pages are unchanged, by anonymity number.

    A copy counts as finished when its manifest (written last) exists, its PDF matches the manifest's
    sha256, every source page it lists is still in the input with the same file sha256, and it was made
    with the same `settings` (another --order, quality or template redoes it), unless a person fixed it
    by hand (`anonymat fix`): their fixes are kept. Whether it is skipped is decided after grouping the
    whole batch (`process_batch`): only a copy that would get exactly the same pages is.
    """
    current = {(r.file, r.index): r for r in refs}
    found: dict[str, Finished] = {}
    for path in manifest_paths(outdir):
        try:
            manifest = Manifest.read(path)
            if ingest.sha256_file(outdir / manifest.pdf) != manifest.pdf_sha256:
                continue
            written = [_grouping_facts(facts_from_entry(e)) for e in manifest.pages]
            dropped = [_blank_facts(d["source"]) for d in manifest.dropped]
            number = manifest.anonymity_number
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if settings is not None and manifest.settings != settings and not manifest.manual:
            continue
        pages = written + dropped
        if not all((ref := current.get((p.file, p.page))) and ref.sha256 == p.sha256 for p in pages):
            continue
        found[number] = Finished(
            {
                "anonymity_number": number,
                "manifest": path.name,
                "status": manifest.status,
                **as_json(manifest.reasons),
                "pages": len(written),
            },
            {(p.file, p.page) for p in pages},
            len(written),
            {(p.file, p.page): p for p in pages if p.blank or p.number == number},
        )
    return found


def _grouping_facts(facts: PageFacts) -> PageFacts:
    return replace(facts, number=None) if facts.blank else facts


def _blank_facts(source: dict[str, Any]) -> PageFacts:
    return PageFacts(
        source["file"], source["path"], int(source["page"]), source["sha256"], source["kind"], blank=True
    )


def duplicate_suspects(
    pages: list[PageFacts],
    known: dict[tuple[str, int], PageFacts],
    analysed: dict[tuple[str, int], PageFacts],
) -> list[tuple[str, int]]:
    """Pages known only from a manifest (no fingerprint) that carry the anonymity number of a page
    analysed now: one could be the other given twice (ingest.duplicate_pages), so both must be seen."""
    numbers = {p.number for p in analysed.values() if p.number and not p.blank and p.error is None}
    return [
        (p.file, p.page)
        for p in pages
        if (p.file, p.page) in known and (p.file, p.page) not in analysed and p.number in numbers
    ]


def grouped_like_before(copy: Copy, finished: Finished) -> bool:
    """Whether the batch gives a finished copy exactly its pages again, and no review reason its
    manifest lacks."""
    same_pages = {(p.file, p.page) for p in copy.pages + copy.blanks} == finished.sources
    return same_pages and {r.text for r in copy.reasons} <= set(finished.entry["review_reasons"])
