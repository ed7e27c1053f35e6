"""What a writer puts on a page besides the text: page labels ("2/4", "Page 2", "②", "(suite)") and running
headers (the same line at the top or bottom of several pages of a copy, e.g. a subject or reference name).

Both are read from the first line of a page's head and the last line of its tail, OCR errors included
(a handwritten "1/2" often comes back as "12", "2/2" as "212"). Only general conventions are used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from anonymat.model import PageText
from anonymat.text.words import fold, split_lines

CIRCLED = {chr(0x2460 + k): k + 1 for k in range(20)}  # ① .. ⑳
ORDINALS = {"premiere": 1, "premier": 1, "deuxieme": 2, "seconde": 2, "second": 2, "troisieme": 3,
            "quatrieme": 4, "cinquieme": 5, "sixieme": 6, "septieme": 7, "huitieme": 8}  # fmt: skip
RUNNING_LENGTHS = 0.5  # the shorter of two repeating edge lines holds at least this share of the longer's
RUNNING_SIMILARITY = 72  # rapidfuzz partial ratio of two edge lines (letters and digits) that repeat
RUNNING_WHOLE = 65  # ... and their whole-line ratio: a running line repeats whole, not one phrase of it
TRAILING_STRENGTH = 0.7  # an "n/m" at the end of a title line (it may be a ratio in the text)
LABEL_WEIGHT = 0.75  # share of PREC_WEIGHT a pair of page labels weighs (OCR misreads digits)


@dataclass(frozen=True)
class Label:
    number: int
    total: int | None = None
    strength: float = 1.0  # 1 for an explicit "n/m", "page n"; less for a misread or lone number


def parse_label(line: str) -> Label | None:
    """The page label a short line holds, if any ("2/4", "Page 2", "p. 3", "②", "Page deuxième", "3")."""
    text = fold(line).strip(" .-_|()[]*'\"")
    if not text or len(text) > 40:
        return None
    # "n/m" written after a title or a reference on the same line ("Devoir 2/3", "ref_002/2")
    match = re.fullmatch(r"(.*[^\d\s/.,:][\s_-]*|.*\d[\s_-]+)(\d)\s*/\s*(\d)", text)
    if match and len(re.sub(r"\W", "", match.group(1))) >= 3:
        number, total = int(match.group(2)), int(match.group(3))
        return Label(number, total, TRAILING_STRENGTH) if 1 <= number <= total else None
    if len(text) > 24:
        return None
    for char, number in CIRCLED.items():
        if char in line and len(text) <= 3:
            return Label(number, None, 0.8)
    match = re.fullmatch(r"(?:page|p\.?|feuille|f\.?)?\s*(\d{1,2})\s*[/|]\s*(\d{1,2})", text)
    if match:
        number, total = int(match.group(1)), int(match.group(2))
        return Label(number, total, 1.0) if 1 <= number <= total <= 40 else None
    match = re.fullmatch(r"(?:page|p\.|feuille)\s*(\d{1,2})", text)
    if match and int(match.group(1)) >= 1:
        return Label(int(match.group(1)), None, 1.0)
    match = re.fullmatch(r"page\s+([a-z]+)", text)
    if match and match.group(1) in ORDINALS:
        return Label(ORDINALS[match.group(1)], None, 1.0)
    garbled = _garbled_page_label(text)
    if garbled:
        return garbled
    match = re.fullmatch(r"(\d)[1l/](\d)", text)  # "2/2" read "212": the slash read as a stroke
    if match and 1 <= int(match.group(1)) <= int(match.group(2)):
        return Label(int(match.group(1)), int(match.group(2)), 0.5)
    match = re.fullmatch(r"(\d)(\d)", text)  # "1/2" read "12"
    if match and 1 <= int(match.group(1)) < int(match.group(2)):
        return Label(int(match.group(1)), int(match.group(2)), 0.4)
    match = re.fullmatch(r"(\d{1,2})", text)
    if match and 1 <= int(match.group(1)) <= 30:
        return Label(int(match.group(1)), None, 0.6)
    return None


PAGE_WORD = 0.5  # rapidfuzz ratio (0..1) a word needs to "page" to be read as it ("Cage", "Apye")
ORDINAL_WORD = 0.65  # ... and a word to an ordinal ("deuxsenie": deuxième)


def _garbled_page_label(text: str) -> Label | None:
    """A "Page deuxième", "Page deuxième 2" or "Page ... 4" heading misread by OCR ("Apye deuxsenie 2",
    "Page qualmienn 4"): a word near "page" first, then an ordinal near one of ORDINALS or a number (both
    when they agree: the surest). Folded text."""
    from rapidfuzz import fuzz

    words = re.findall(r"[a-z]+|\d+", text)
    if not 2 <= len(words) <= 3 or not words[0].isalpha() or fuzz.ratio(words[0], "page") < 100 * PAGE_WORD:
        return None
    ordinal, digit = None, None
    for word in words[1:]:
        if word.isdigit() and digit is None and 1 <= int(word) <= 30:
            digit = int(word)
        elif word.isalpha() and ordinal is None and len(word) >= 5:
            name, score = max(((k, fuzz.ratio(word, k)) for k in ORDINALS), key=lambda t: t[1])
            ordinal = ORDINALS[name] if score >= 100 * ORDINAL_WORD else None
    if ordinal and digit:
        return Label(digit, None, 1.0) if ordinal == digit else None
    if digit and fuzz.ratio(words[0], "page") >= 75:
        return Label(digit, None, 0.8)  # "Page" read near enough, its number read, the ordinal garbled
    return Label(ordinal, None, 0.7) if ordinal and len(words) == 2 else None


def is_continued(line: str) -> bool:
    """A "(suite)" / "suite" mark: the page continues an earlier one."""
    return bool(re.search(r"\bsuite\b", fold(line))) and len(line) <= 40


def page_labels(page: PageText) -> list[Label]:
    """The page labels the page's first or last written lines could be, surest first."""
    head, tail = split_lines(page.head), split_lines(page.tail)
    found = [parse_label(line.rstrip(" …")) for line in head[:3] + tail[-2:]]
    return sorted((label for label in found if label), key=lambda label: -label.strength)


def page_label(page: PageText) -> Label | None:
    """The page label on one of the page's first or last written lines (the surest one)."""
    labels = page_labels(page)
    return labels[0] if labels else None


def label_scores(pages: Sequence[PageText]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, before) from page labels: start/end log-odds, and before[i, j] the weight (0..1, in
    units of the ordering's PREC_WEIGHT) that page i comes before page j."""
    n = len(pages)
    start, end, before = np.zeros(n), np.zeros(n), np.zeros((n, n))
    labels = _consistent([page_labels(p) for p in pages])
    for i, label in enumerate(labels):
        if any(is_continued(line) for line in split_lines(pages[i].head)[:2]):
            start[i] -= 2.0
        if label is None:
            continue
        start[i] += 2.0 * label.strength if label.number == 1 else -2.0 * label.strength
        if label.total is not None:
            end[i] += 2.0 * label.strength if label.number == label.total else -2.0 * label.strength
    for i, a in enumerate(labels):
        for j, b in enumerate(labels):
            if a and b and i != j and a.number < b.number:
                before[i, j] = LABEL_WEIGHT * min(a.strength, b.strength)
    return start, end, before


def _consistent(candidates: list[list[Label]]) -> list[Label | None]:
    """Each page's surest label once those that cannot be page numbers are dropped: a weak lone number (no
    "page", no total) well past the copy's page count, or one that another page also shows (a date's day,
    a figure in the text, a mark on every page: not a page number)."""
    n = len(candidates)

    def weak(label: Label) -> bool:
        return label.total is None and label.strength < 1.0

    shown = [{label.number for label in labels if weak(label)} for labels in candidates]
    out: list[Label | None] = []
    for i, labels in enumerate(candidates):
        others = set().union(*(numbers for j, numbers in enumerate(shown) if j != i))
        kept = [x for x in labels if not (weak(x) and (x.number > n + 2 or x.number in others))]
        out.append(kept[0] if kept else None)
    return out


def _key(line: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(line))


def strip_running_lines(pages: Sequence[PageText]) -> list[PageText]:
    """The pages without their running header and footer: a first (last) line that is nearly the same as
    the first (last) line of another page of the copy says nothing about where the text breaks; nor does
    a page label (read apart, by `label_scores`). A line with a number in it (a reference, a candidate
    number, a date) also counts when it repeats at the other end of another page."""
    from rapidfuzz import fuzz

    def is_running(line: str, same_end: list[str], other_end: list[str]) -> bool:
        key = _key(line)
        if parse_label(line):
            return True
        if len(key) < 6:
            return False
        others = same_end + (other_end if sum(c.isdigit() for c in key) >= 2 else [])
        # of about the same length too: a last line "direction." is not the footer of a page whose last line
        # ends "... et la direction générale." (a word, not a line, in common); and alike as a whole: "classes
        # sur rendez-vous." and "sur rendez-vous une fois par mois." share a phrase, not a line
        return any(
            len(other) >= 6
            and min(len(key), len(other)) >= RUNNING_LENGTHS * max(len(key), len(other))
            and fuzz.partial_ratio(key, other) >= RUNNING_SIMILARITY
            and fuzz.ratio(key, other) >= RUNNING_WHOLE
            for other in others
        )

    firsts = [_key((split_lines(p.head) or [""])[0]) for p in pages]
    lasts = [_key((split_lines(p.tail) or [""])[-1]) for p in pages]
    out = []
    for i, page in enumerate(pages):
        other_firsts = [f for j, f in enumerate(firsts) if j != i]
        other_lasts = [t for j, t in enumerate(lasts) if j != i]
        head, tail = split_lines(page.head), split_lines(page.tail)
        changes: dict = {}
        if len(head) > 1 and is_running(head[0], other_firsts, other_lasts):
            head = head[1:]
            changes.update(head="\n".join(head), head_indent=0.0)  # the indent measured was the header's
        if len(tail) > 1 and is_running(tail[-1].rstrip(" …"), other_lasts, other_firsts):
            tail = tail[:-1]
            changes.update(tail="\n".join(tail), tail_end=0.8)  # the right end measured was the footer's
        out.append(replace(page, **changes) if changes else page)
    return out
