"""Numbered headings across a copy's pages ("2. Les difficultés", "Point 3 :", "Deuxième partie", "3°"):
whatever a text calls its parts, a writer numbers them in reading order, so a page showing a later number
comes after one showing an earlier number, and consecutive numbers across a break link the two pages.

The roman outline of a memo (I), A., B., II)) is outline.py's; this is the other common French way of
numbering, read from the same line starts (`parse_number` runs in `outline.parse_marker`, the marker kind
is "n2", "n3point" ...: the number and the family of the numbering). A "1." or "1°" is read as the roman "I" there (a handwritten "I)" often reads "1)"): it
counts as number 1 here when the copy shows other numbers and no "II" or "III".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from anonymat.model import PageText
from anonymat.text.words import fold, is_near

# words that name a numbered part of a text, and ordinals that number one
_PART_WORDS = ("point", "partie", "question", "exercice", "chapitre", "section", "etape", "axe", "article")
_ORDINALS = {"premiere": 1, "premier": 1, "deuxieme": 2, "seconde": 2, "second": 2, "troisieme": 3,
             "quatrieme": 4, "cinquieme": 5}  # fmt: skip
_ADVERBS = {"premierement": 1, "deuxiemement": 2, "secondement": 2, "troisiemement": 3, "quatriemement": 4}
# a digit 2..9 closed by ".", ")" or "°" then a word: "2. Les ...", "3) la ...", "7° Je dois ..."
_DIGIT = re.compile(r"\s*([2-9])\s?[.)°]\s*(?=[^\W\d_])")

SEQUENCE_WEIGHT = 0.75  # share of the ordering's PREC_WEIGHT a pair of numbers weighs (OCR misreads digits)
LINK_BONUS = 1.0  # log-odds that page j follows page i when j's first number follows i's last one
START_COST = 1.5  # a page whose first number is above 1 cannot open the text alone


def parse_number(line_start: str) -> tuple[int, str] | None:
    """The number a line start gives its heading and the family of its numbering, if any: ("2. ...": 2,
    ""), ("7° ...": 7, "°"), ("Point 3 :": 3, "point"), ("Deuxième partie": 2, "partie"), ("Troisièmement": 3,
    "ment"). Numbers of one family follow each other; another family is another numbering."""
    match = _DIGIT.match(line_start)
    if match:
        return int(match.group(1)), "°" if "°" in match.group(0) else ""
    words = re.findall(r"[a-z0-9]+", fold(line_start))
    if not words or not line_start.lstrip()[:1].isupper():
        return None  # a heading starts with a capital; "la question 2" is inside a sentence
    first = words[0]
    part = next((w for w in _PART_WORDS if is_near(first, w)), None)
    if len(words) >= 2 and part:
        number = words[2] if words[1] in ("n", "no") and len(words) >= 3 else words[1]
        return (int(number), part) if re.fullmatch(r"[1-9]", number) else None
    for word, value in _ORDINALS.items():
        if is_near(first, word) and len(words) >= 2:
            part = next((w for w in _PART_WORDS if is_near(words[1], w)), None)
            if part:
                return value, part
    for word, value in _ADVERBS.items():
        if is_near(first, word):
            return value, "ment"
    return None


def marker_kind(number: int, family: str) -> str:
    """The outline marker kind of a numbered heading ("n2", "n3point")."""
    return f"n{number}{family}"


def _numbers(kind: str) -> tuple[int, str] | None:
    match = re.fullmatch(r"n([1-9])(.*)", kind)
    return (int(match.group(1)), match.group(2)) if match else None


def page_numbers(pages: Sequence[PageText]) -> dict[str, list[list[int]]]:
    """Per numbering family, per page, the heading numbers its markers show, top to bottom ("I" as 1 in
    the "2." family when the copy uses it and shows no "II"/"III": a handwritten "1." reads as "I")."""
    kinds = [[k for k, _ in p.markers] for p in pages]
    found = [[n for k in page if (n := _numbers(k))] for page in kinds]
    families = {family for page in found for _, family in page}
    roman = any(k in ("II", "III") for page in kinds for k in page)
    out: dict[str, list[list[int]]] = {}
    for family in sorted(families):
        per_page = []
        for page, numbers in zip(kinds, found, strict=True):
            mine = [number for number, f in numbers if f == family]
            if family == "" and not roman and "I" in page:
                mine.insert(0, 1)
            per_page.append(mine)
        out[family] = per_page
    return out


def _restarts(per_page: list[list[int]]) -> bool:
    """Whether a numbering starts again (a number on two pages, or going down on one page): a copy
    answering several questions numbers each answer's parts anew, and the order of its pages is then
    not the order of the numbers."""
    seen = [n for page in per_page for n in page]
    return len(seen) != len(set(seen)) or any(page != sorted(page) for page in per_page)


def sequence_scores(pages: Sequence[PageText]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, links, before) from numbered headings: start log-odds, link log-odds, and before[i, j] the
    weight (in units of PREC_WEIGHT) that page i comes before page j. Each family of numbering counts on
    its own, when at least two pages show it and it does not start again."""
    n = len(pages)
    start, links, before = np.zeros(n), np.zeros((n, n)), np.zeros((n, n))
    for per_page in page_numbers(pages).values():
        if sum(1 for page in per_page if page) < 2 or _restarts(per_page):
            continue  # one page's numbers alone could be a list inside the text
        for i, mine in enumerate(per_page):
            if mine and mine[0] > 1:
                start[i] -= START_COST
            for j, other in enumerate(per_page):
                if i == j or not mine or not other:
                    continue
                if mine[-1] < other[0]:
                    before[i, j] = max(before[i, j], SEQUENCE_WEIGHT)
                if other[0] == mine[-1] + 1:
                    links[i, j] += LINK_BONUS
    return start, links, before
