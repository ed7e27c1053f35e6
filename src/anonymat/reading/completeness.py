"""Does a copy hold all its pages? The evidence that one may be missing, as review reasons naming the gap.

Two kinds of evidence, each enough to send a copy to review:

- in the scan: a page left unassigned (barcode unreadable between two copies, a page that cannot be read,
  a file that stops being readable) scanned right next to one of the copy's pages, in the same file or
  folder of images. Each such copy is told which stray page it may be missing and how to attach it
  (`anonymat fix OUTDIR NUMBER --add FILE:PAGE`). This needs no text, so it holds with `--order scan`.
- in the text (when the reading order was read, `--order continuity`): the copy's first page in reading
  order starts mid-sentence or inside the outline, or its last page does not look like an end. Only
  positive evidence counts for the first page: "it does not look like an opening" does not, since openings
  vary from one memo to the next ("Madame la Directrice...", "Compte rendu de la réunion...") and a
  scorer of the openings it knows flags the others (see CONTINUES_ABOVE).

A page missing from the middle of a copy, left out of the scan, is not looked for in the text: a hole in
the memo's outline (I.A, then II) with no I.B) was tried and measured on held-out handwriting, where OCR
misses or misreads section markers ("II)" read "I)" or "III)", "II) A." missed together) more often than a
page goes missing; it caught 1 in 39 such copies on the development corpus and flagged complete copies on
three held-out ones, so it was taken out (issue 14's closing note has the numbers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from anonymat.manifest import Copy, PageFacts
from anonymat.reasons import Reason, make
from anonymat.run.grouping import Grouping, same_unit, unit_of

# A copy is flagged when its first page starts mid-sentence: `ordering.head_evidence` (the log-likelihood
# ratio that the first line continues a sentence) above CONTINUES_ABOVE, an e-fold likelihood, with no
# opening on the page (`outline.heading_evidence` zero, no heading or introduction marker). Until
# 2026-12-03 the rule was "start score below 2.0", set on the generator's own openings: on held-out memo
# texts it flagged 25 of 29 complete copies (bench/evaluate_completeness.py --held-out texts).
# Its last page is flagged when its end score (log-odds, ordering.end_scores) is below END_BELOW. Set on
# bench/evaluate_completeness.py's corpora of seeds 2026 (`make eval`'s) and 7: complete copies' lowest end
# score -1.74; with the last page gone, 17-28 % end below -2.0.
CONTINUES_ABOVE = 1.0
END_BELOW = -2.0
# A stray page scanned between two copies goes to review with both, unless its text fits one of them by
# this much more (gain of the best reading order's score, log-odds, when the page is added to the copy):
# on 440 pages of 120 generated copies (seeds 7 and 2026), the owner's gain beat another copy's by more
# than 2 for 83 % of the pages, and never fell below it by more than 2 (by more than 1: 0.8 %).
FIT_MARGIN = 2.0
# A scan is taken as duplex when it holds this many sheets, this share of them followed by one back
# (verso_reasons): a simplex scan whose odd pages happen to be blank must not pass for duplex.
MIN_DUPLEX_SHEETS = 5
DUPLEX_SHARE = 0.8
# A joint reading of the outline markers at least this likely (outline.outline_combos' weights) must
# agree for the outline to say where the memo starts (not_a_start).
LIKELY_READING = 0.25


@dataclass(frozen=True)
class Neighbour:
    number: str  # the copy scanned next to the stray page
    page: PageFacts  # its page on that side
    side: str  # "before" | "after": where the stray page lies relative to `page`


@dataclass(frozen=True)
class Stray:
    """An unassigned page that is not blank, and the copies scanned right next to it."""

    page: PageFacts
    reason: str
    neighbours: tuple[Neighbour, ...]
    unlikely: tuple[str, ...] = ()  # neighbour copies its text does not fit (see FIT_MARGIN)

    def label(self) -> str:
        return self.page.label()


def page_ref(page: PageFacts) -> str:
    """How `fix` names a source page: FILE:PAGE, PAGE counted from 1 (as the report shows it)."""
    return f"{page.file}:{page.page + 1}"


def attach_command(number: str, page: PageFacts) -> str:
    return f"anonymat fix OUTDIR {number} --add {page_ref(page)}"


def find_strays(pages: Sequence[PageFacts], grouping: Grouping) -> list[Stray]:
    """Every unassigned page that is not blank, with the copies whose pages lie next to it in the scan
    (the nearest assigned written page on each side, within the same file or folder of images)."""
    owner: dict[tuple[str, int], str] = {}
    for copy in grouping.copies:
        for p in [*copy.pages, *copy.blanks]:
            owner[(p.file, p.page)] = copy.number
    index = {(p.file, p.page): i for i, p in enumerate(pages)}
    strays = []
    for page, reason in grouping.unassigned:
        if page.blank and page.error is None:
            continue  # a blank page is no missing content
        i = index.get((page.file, page.page))
        if i is None:
            continue
        found = []
        for step, side in ((-1, "after"), (+1, "before")):
            j = i + step
            while 0 <= j < len(pages) and same_unit(pages[j], page):
                other = pages[j]
                number = owner.get((other.file, other.page))
                if number is not None and not other.blank:
                    found.append(Neighbour(number, other, side))
                    break
                j += step
        strays.append(Stray(page, reason, tuple(found)))
    return strays


def scan_reasons(strays: Sequence[Stray]) -> dict[str, list[Reason]]:
    """number -> the review reasons the stray pages scanned next to its pages give it."""
    reasons: dict[str, list[Reason]] = {}
    for stray in strays:
        for n in stray.neighbours:
            if n.number in stray.unlikely:
                continue
            if stray.page.error is not None:
                reason = make("stray_unread", page=n.page.label(), stray=stray.label(), side=n.side)
            else:
                command = attach_command(n.number, stray.page)
                reason = make(
                    "stray", n.page.label(), stray=stray.label(), reason=_short(stray.reason), side=n.side,
                    command=command,
                )  # fmt: skip
            if reason not in reasons.setdefault(n.number, []):
                reasons[n.number].append(reason)
    return reasons


def _short(reason: str) -> str:
    return reason.split(" and ")[0].split(":")[0]


def add_scan_reasons(pages: Sequence[PageFacts], grouping: Grouping) -> list[Stray]:
    """Give every copy the reasons its stray neighbours and its sheets without a verso give it; return
    the strays (for batch.json)."""
    strays = [_weigh(stray, grouping) for stray in find_strays(pages, grouping)]
    reasons = scan_reasons(strays)
    for number, texts in verso_reasons(pages, grouping).items():
        reasons.setdefault(number, []).extend(texts)
    for copy in grouping.copies:
        copy.reasons.extend(reasons.get(copy.number, []))
    return strays


def has_header(page: PageFacts) -> bool:
    """The page is the front of a sheet: its barcode read, or the printed header was found on it."""
    return page.error is None and not page.blank and (page.number is not None or page.anchor != "none")


def verso_reasons(pages: Sequence[PageFacts], grouping: Grouping) -> dict[str, list[Reason]]:
    """number -> reasons for the sheets of a duplex scan that came without their back.

    In a duplex scan every sheet gives two images, its front (with the printed header) then its back, so
    the fronts lie two pages apart. A unit (file, or folder of images) is taken as duplex when it holds at
    least MIN_DUPLEX_SHEETS fronts, nearly all of them followed by exactly one page without a header
    (DUPLEX_SHARE), and at least one of those backs is blank: the scanner keeps blank pages, so a back
    cannot have been dropped as blank. There, a front followed straight by another front (or ending the
    file) lost its back, which may have held writing."""
    owner = {(p.file, p.page): c.number for c in grouping.copies for p in [*c.pages, *c.blanks]}
    units: dict[str, list[PageFacts]] = {}
    for page in pages:
        units.setdefault(unit_of(page), []).append(page)
    reasons: dict[str, list[Reason]] = {}
    for unit in units.values():
        fronts = [i for i, p in enumerate(unit) if has_header(p)]
        if len(fronts) < MIN_DUPLEX_SHEETS:
            continue
        gaps = [b - a for a, b in zip(fronts, [*fronts[1:], len(unit)], strict=True)]
        backs = [unit[i + 1] for i, gap in zip(fronts, gaps, strict=True) if gap == 2]
        if len(backs) < DUPLEX_SHARE * len(fronts) or not any(b.blank for b in backs):
            continue
        for i, gap in zip(fronts, gaps, strict=True):
            number = owner.get((unit[i].file, unit[i].page))
            if gap != 1 or number is None:
                continue
            reason = make("no_back", page=unit[i].label(), k=len(backs), n=len(fronts))
            reasons.setdefault(number, []).append(reason)
    return reasons


def _weigh(stray: Stray, grouping: Grouping) -> Stray:
    """Between two copies, with the text read: the copy whose reading order the page fits far worse is
    left out of the suspicion (FIT_MARGIN)."""
    numbers = list(dict.fromkeys(n.number for n in stray.neighbours))
    if len(numbers) != 2 or stray.page.text is None:
        return stray
    copies = {c.number: c for c in grouping.copies}
    texts = {n: [p.text for p in copies[n].pages] for n in numbers}
    if any(t is None for n in numbers for t in texts[n]):
        return stray
    gains = {n: fit_gain(texts[n], stray.page.text) for n in numbers}
    a, b = numbers
    if gains[a] - gains[b] > FIT_MARGIN:
        return dataclasses.replace(stray, unlikely=(b,))
    if gains[b] - gains[a] > FIT_MARGIN:
        return dataclasses.replace(stray, unlikely=(a,))
    return stray


def fit_gain(texts: list[Any], page: Any) -> float:
    """How much the best reading order's score gains when `page` joins the pages `texts`."""
    return _best_score([*texts, page]) - _best_score(texts)


def _best_score(texts: list[Any]) -> float:
    from anonymat.reading import ordering

    if not texts:
        return 0.0
    if len(texts) == 1:
        return float(ordering.start_scores(texts)[0] + ordering.end_scores(texts)[0])
    return float(ordering._ranked_orders(texts)[0][0][0])  # the solver best_order uses, its score


def text_reasons(copy: Copy, strays: Sequence[str] = ()) -> list[Reason]:
    """Reasons from the copy's text, its pages in reading order: no opening, no end.

    `strays`: labels of the batch's unassigned pages, named as the candidates when there are few."""
    texts = [p.text for p in copy.pages]
    if not texts or any(t is None for t in texts):
        return []
    from anonymat.reading import ordering

    last = float(ordering.end_scores(texts)[-1])
    candidates = ", ".join(strays) if 0 < len(strays) <= 5 else ""
    out = []
    why = not_a_start(texts)
    if why is not None:
        code, values = why
        out.append(make(code, page=copy.pages[0].label(), candidates=candidates, **values))
    if last < END_BELOW:
        out.append(make("no_end", page=copy.pages[-1].label(), score=f"{last:.1f}", candidates=candidates))
    return out


def not_a_start(texts: Sequence[Any]) -> tuple[str, dict[str, str]] | None:
    """Why the first of `texts` (pages in reading order) cannot be the memo's first page, as a reason code
    and its values ("no_start": it starts mid-sentence, "outline_start": its outline starts after I)), or
    None.

    Positive evidence only: its first line continues a sentence (CONTINUES_ABOVE), or its outline starts
    after I) in every likely reading of the markers, and the page holds no opening (heading lines, the
    memo's service, date or addressee, an introduction)."""
    from anonymat.reading import ordering
    from anonymat.reading.outline import heading_evidence, outline_combos

    page = texts[0]
    if heading_evidence(page.head) > 0 or any(k in ("heading", "intro") for k, _ in page.markers):
        return None
    evidence = ordering.head_evidence(page)
    if evidence > CONTINUES_ABOVE:
        return "no_start", {"score": f"{evidence:.1f}"}
    likely = [positions[0] for weight, positions in outline_combos(texts) if weight >= LIKELY_READING]
    if likely and all(first and min(first) > 10 for first in likely):
        return "outline_start", {"section": _section_name(min(likely[0]))}
    return None


def _section_name(position: int) -> str:
    part = ("I", "II", "III")[position // 10 - 1] if 10 <= position < 40 else "?"
    return part + (f".{'ABC'[position % 10 - 1]}" if 1 <= position % 10 <= 3 else ")")


def stray_entry(stray: Stray) -> dict[str, object]:
    """What batch.json's `unassigned` entry adds about a stray page: the copies it sits among and the
    command that attaches it."""
    numbers = list(dict.fromkeys(n.number for n in stray.neighbours))
    entry: dict[str, object] = {"between": numbers}
    likely = [n for n in numbers if n not in stray.unlikely]
    if stray.page.error is None and likely:
        entry["attach"] = [attach_command(n, stray.page) for n in likely]
    return entry
