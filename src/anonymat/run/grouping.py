"""Pages -> copies, by anonymity number, with neighbours vouching for unreadable barcodes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from anonymat.manifest import Copy, PageFacts
from anonymat.messages import explain_reason, t
from anonymat.reasons import Reason, make


@dataclass
class Grouping:
    copies: list[Copy]
    unassigned: list[tuple[PageFacts, str]] = field(default_factory=list)


def _neighbour_number(pages: list[PageFacts], start: int, step: int) -> str | None:
    """Number of the nearest written page with a read barcode, walking from `start` by `step`."""
    i = start + step
    while 0 <= i < len(pages):
        p = pages[i]
        if p.error is None and not p.blank and not p.barcode_conflict:
            if p.number:
                return p.number
            # another unreadable page: keep walking, it cannot vouch for anything
        i += step
    return None


def group_pages(pages: list[PageFacts]) -> Grouping:
    """Group pages (in scan order) into copies.

    - a page with a valid number joins that copy;
    - a written page whose bars did not read joins a copy when its printed digits (all of them, or a run
      of 6+ when the sticker is torn) designate exactly one number that a barcode elsewhere in the batch
      carries (OCR alone never creates a copy);
    - otherwise it joins a copy when the nearest numbered pages on both sides carry that
      number, or when every numbered page of its own file (or folder of loose images) carries one same
      number (a unit holding one copy); it is flagged for review either way; otherwise it is unassigned;
    - a blank page follows the copy of the written page before it in the same file (a verso), else the
      one after it; pages that failed to load are unassigned with their error.
    """
    unassigned: list[tuple[PageFacts, str]] = []
    assigned, reasons = _assign_written(pages, unassigned)
    _assign_blanks(pages, assigned, unassigned)
    by_number: dict[str, Copy] = {}
    for i, p in enumerate(pages):  # the copies in the order their first page was scanned
        number = assigned[i]
        if number is None:
            continue
        copy = by_number.setdefault(number, Copy(number=number, pages=[]))
        (copy.blanks if p.blank else copy.pages).append(p)
    for number, copy in by_number.items():
        copy.reasons.extend(reasons[number])
        interleaved = _interleaved_with(assigned, number)
        if interleaved:
            copy.reasons.append(make("interleaved", others=", ".join(sorted(interleaved))))
    return Grouping(list(by_number.values()), unassigned)


def _assign_written(
    pages: list[PageFacts], unassigned: list[tuple[PageFacts, str]]
) -> tuple[list[str | None], dict[str, list[Reason]]]:
    """The copy of each written page (None: none, and the page is added to `unassigned` unless it is
    blank), and the review reasons that placing a page without its barcode gives its copy."""
    reasons: dict[str, list[Reason]] = defaultdict(list)
    file_numbers: dict[str, set[str]] = defaultdict(set)
    for p in pages:
        if p.number and not p.blank:
            file_numbers[unit_of(p)].add(p.number)
    known = {n for numbers in file_numbers.values() for n in numbers}
    assigned: list[str | None] = [None] * len(pages)
    for i, p in enumerate(pages):
        if p.error is not None:
            unassigned.append((p, p.error))
        elif p.blank:
            continue
        elif p.barcode_conflict:
            unassigned.append((p, "two different anonymity numbers were read on this page: check it by hand"))
        elif p.number:
            assigned[i] = p.number
        elif p.printed_number and len(matches := [n for n in known if p.printed_number in n]) == 1:
            assigned[i] = matches[0]
            reasons[matches[0]].append(make("barcode_digits", page=p.label()))
        else:
            before, after = _neighbour_number(pages, i, -1), _neighbour_number(pages, i, +1)
            own = file_numbers.get(unit_of(p), set())
            if before is not None and before == after:
                assigned[i] = before
                reasons[before].append(make("barcode_neighbours", page=p.label()))
            elif len(own) == 1:
                number = next(iter(own))
                assigned[i] = number
                reasons[number].append(make("barcode_file", page=p.label()))
            else:
                unassigned.append(
                    (p, "barcode unreadable and the pages around it belong to different copies")
                )
    return assigned, reasons


def _assign_blanks(
    pages: list[PageFacts], assigned: list[str | None], unassigned: list[tuple[PageFacts, str]]
) -> None:
    """A blank page goes with the written page before it in its file (a verso), else the one after it."""
    for i, p in enumerate(pages):
        if p.error is None and p.blank:
            owner = _same_file_neighbour(pages, assigned, i, -1) or _same_file_neighbour(
                pages, assigned, i, +1
            )
            if owner is None:
                unassigned.append((p, "blank page that belongs to no copy"))
            else:
                assigned[i] = owner


def unit_of(p: PageFacts) -> str:
    """The scanned unit a page came in: its file, or its folder for loose single-page images."""
    return p.file.rpartition("/")[0] + "/*" if p.kind in ("jpeg", "png") else p.file


def same_unit(a: PageFacts, b: PageFacts) -> bool:
    """Both pages came in the same scanned unit (file, or folder of loose images)."""
    return unit_of(a) == unit_of(b)


_same_unit = same_unit


def _same_file_neighbour(pages: list[PageFacts], assigned: list[str | None], i: int, step: int) -> str | None:
    j = i + step
    while 0 <= j < len(pages) and _same_unit(pages[j], pages[i]):
        if not pages[j].blank and assigned[j] is not None:
            return assigned[j]
        if not pages[j].blank:
            return None
        j += step
    return None


def _interleaved_with(assigned: list[str | None], number: str) -> set[str]:
    """Other numbers that appear between this copy's first and last page in scan order."""
    idx = [i for i, n in enumerate(assigned) if n == number]
    if not idx:
        return set()
    return {n for n in assigned[idx[0] : idx[-1] + 1] if n is not None and n != number}


NO_BARCODE = "no anonymity barcode on any of its {n} pages: is this an exam scan?"
# the same, when the form's print was found on some page (the template placed): answer sheets whose
# stickers are all unreadable
NO_READABLE_BARCODE = (
    "none of its {n} pages has a readable anonymity barcode, though {k} look like answer sheets: check the "
    "stickers, then attach the pages with `anonymat fix OUTDIR NUMBER --add FILE:PAGE`"
)


def explain_unassigned(pages: list[PageFacts], grouping: Grouping) -> list[str]:
    """Say once per file what its pages' unassigned reasons would say page by page.

    A file (or folder of images) none of whose readable pages carries a barcode or printed digits, and none
    of whose pages went into a copy, is named once, its pages' reasons replaced by that one; a file whose
    last pages cannot be read (cut short) is named once with the page it stops at. Returns the stderr
    lines, `anonymat: ` left out."""
    by_unit: dict[str, list[PageFacts]] = defaultdict(list)
    for p in pages:
        by_unit[unit_of(p)].append(p)
    assigned = {(p.file, p.page) for c in grouping.copies for p in [*c.pages, *c.blanks]}
    lines: list[str] = []
    replace: dict[tuple[str, int], str] = {}
    for unit, members in by_unit.items():
        readable = [p for p in members if p.error is None]
        if (
            readable
            and not any(p.number or p.printed_number or p.barcode_conflict for p in readable)
            and not any((p.file, p.page) in assigned for p in members)
        ):
            name = t("grouping.folder", folder=unit[:-2]) if unit.endswith("/*") else unit
            sheets = sum(1 for p in readable if p.mask_policy == "template" and p.anchor != "none")
            reason = (
                NO_READABLE_BARCODE.format(n=len(members), k=sheets)
                if sheets
                else NO_BARCODE.format(n=len(members))
            )
            lines.append(t("at", where=name, what=explain_reason(reason)[1]))
            replace.update({(p.file, p.page): reason for p in readable})
            continue
        tail = _unreadable_tail(members)
        if tail:
            first, last = tail[0].page + 1, tail[-1].page + 1
            span = t("grouping.span_one" if first == last else "grouping.span_many", first=first, last=last)
            lines.append(t("grouping.cut_short", unit=unit, n=first - 1, total=len(members), span=span))
            replace.update(
                {
                    (p.file, p.page): f"the file stops being readable after page {first - 1} (cut short?): "
                    "export or scan it again"
                    for p in tail
                }
            )
    grouping.unassigned = [(p, replace.get((p.file, p.page), r)) for p, r in grouping.unassigned]
    return lines


def _unreadable_tail(members: list[PageFacts]) -> list[PageFacts]:
    """The pages at the end of one PDF or TIFF that failed to load, after some that loaded."""
    if len(members) < 2 or members[0].kind in ("jpeg", "png"):
        return []
    tail: list[PageFacts] = []
    for p in reversed(members):
        if p.error is None:
            break
        tail.insert(0, p)
    return tail if len(tail) < len(members) else []


def page_error_lines(pages: list[PageFacts]) -> list[str]:
    """The stderr lines for pages that cannot be used: one per page, except the pages of a file cut
    short, which `explain_unassigned` names once."""
    by_unit: dict[str, list[PageFacts]] = defaultdict(list)
    for p in pages:
        by_unit[unit_of(p)].append(p)
    in_tail = {(p.file, p.page) for members in by_unit.values() for p in _unreadable_tail(members)}
    return [str(p.error) for p in pages if p.error and (p.file, p.page) not in in_tail]
