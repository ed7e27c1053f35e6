"""The memo's outline (I), A., B., II) ...) across a copy's pages: markers read at line starts, their
joint readings (each section heading appears once), and the precedence they impose on the pages."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from anonymat.model import PageText
from anonymat.reading.sequence import marker_kind, parse_number
from anonymat.text.words import MONTHS, fold, is_near, split_lines, zipf

# --- the memo's opening ------------------------------------------------------------------------

_DATE = re.compile(r"\b(le|du)\s+(\d{1,2}|1er|premier)\s+([a-z]+)")
# "<Town>, le <date>" whatever OCR made of the date: "le" then a digit, a sign or a one- or two-letter scrap
_DATE_LINE = re.compile(
    r"(?P<place>[^\W\d_][\w'/-]{3,}(?: [\w'/-]+){0,3}) ?, ?[lk](?:e\b|')(?P<date>.*)", re.I
)
_PLAN = ("premiere partie", "deuxieme partie", "seconde partie", "premier temps", "second temps",
         "nous verrons", "il conviendra", "dans un premier", "dans une premiere")  # fmt: skip


def _is_date_line(line: str) -> bool:
    """A "<Town>, le <date>" line whatever OCR made of the date: a place name (not a common word such as
    "Ainsi", or a compound name) before ", le", and a number, a sign or a short scrap after it."""
    match = _DATE_LINE.match(line.strip())
    if not match:
        return False
    place, date = match.group("place"), fold(match.group("date")).strip()
    is_name = "-" in place or "/" in place or zipf(place.split()[0].lower()) < 3.0
    return is_name and bool(re.match(r"\d|[^\w\s]|[a-z]{1,2}\b|[a-z]{3,6}\b", date))


_PLACE_LINKS = frozenset("a à fait de d du des la le les l sur en sous".split())


def _is_letter_date(line: str) -> bool:
    """Whether the date on `line` stands where a letter or a will puts its date: at the line's start ("Le
    3 mai 2024 ...") or after a place name, closing the line ("Valbourg, le 3 mai 2024", "Château de
    Kérano le 20 avril 1915"); not inside a sentence ("Guy Hersant, né le 24 novembre 1949 à Fercé")."""
    text = re.sub(r"[^\w,.]+", " ", line.replace("’", "'")).strip()
    match = _DATE.search(fold(text))
    if not match:
        return False
    if match.start() == 0:
        return True
    place = re.findall(r"[^\W\d_]+", text[: match.start()])
    is_place = 0 < len(place) <= 4 and all(w[0].isupper() or fold(w) in _PLACE_LINKS for w in place)
    return is_place and bool(re.fullmatch(r"\s*(\d{2,4})?\W*", text[match.end() :]))


_FULL_DATE = re.compile(r"(?:(?:le|ce)\s+)?(\d{1,2}|1er)\s+([^\W\d_]{3,})\s+(\d{4})\W*")


def _is_full_date_line(line: str) -> bool:
    """A dateline written without "le": a day, a month and a year closing the line, alone or after a
    place name ("Carentan 3 août 1914", "Paris, ce 6 août 1914", "12 mars 2024")."""
    text = re.sub(r"[^\w,.]+", " ", line.replace("’", "'")).strip()
    folded = fold(text)
    for start in [0] + [m.end() for m in re.finditer(r"[ ,]+", folded)]:
        match = _FULL_DATE.fullmatch(folded[start:])
        if match and any(is_near(match.group(2), m) for m in MONTHS):
            place = re.findall(r"[^\W\d_]+", text[:start])
            return len(place) <= 4 and all(w[0].isupper() or fold(w) in _PLACE_LINKS for w in place)
    return False


# the words that open a French letter or name the kind of a written document on its first lines
_SALUTATIONS = ("madame", "monsieur", "mesdames", "messieurs", "cher", "chere", "chers", "cheres")
_KINDS = ("sujet", "rapport", "compte rendu", "proces verbal", "dissertation", "commentaire", "synthese",
          "memoire", "lettre", "expose")  # fmt: skip


def opening_line_evidence(line: str) -> float:
    """Log-odds that one line is a generic opening line of a written text, whatever its wording: a
    salutation ("Madame, Monsieur," "Madame la Directrice,"), a line naming the kind of document ("Sujet :",
    "Rapport sur ...", "Compte rendu de ..."), or a short label line ending in a colon. OCR-tolerant."""
    words = re.findall(r"[a-z0-9]+", fold(line))
    stripped = line.strip()
    if not words or not stripped[:1].isupper():
        return 0.0  # an opening line starts with a capital (OCR case is kept: a misread costs the cue)
    if any(is_near(words[0], s) for s in _SALUTATIONS if len(s) >= 5 or words[0] == s) and (
        len(words) <= 6 or stripped.endswith(",")
    ):
        return 1.5
    for kind in _KINDS:
        size = kind.count(" ") + 1
        if len(words) >= size and is_near(" ".join(words[:size]), kind) and len(words) <= 12:
            return 1.5 if kind == "sujet" else 1.0
    if stripped.endswith(":") and len(words) <= 4:
        return 0.5
    return 0.0


@functools.lru_cache(maxsize=512)
def heading_evidence(text: str) -> float:
    """Log-odds that `text` is the memo's opening (service, town and date, addressee, subject)."""
    score = 0.0
    for line in split_lines(text):
        words = re.findall(r"[a-z0-9]+", fold(line))
        if not words:
            continue
        head = words[0]
        if is_near(head, "ville") and len(words) > 1 and words[1] in ("de", "d"):
            score += 1.5
        elif is_near(head, "direction") or is_near(head, "mairie") or is_near(head, "service"):
            score += 1.0
        elif is_near(head, "objet"):
            score += 1.5
        elif head == "note" or (len(words) > 2 and is_near(" ".join(words[:3]), "a l attention")):
            score += 1.5 if "attention" in " ".join(words) or is_near(head, "note") else 0.5
        else:
            score += opening_line_evidence(line)
        if any(is_near(w, "attention") for w in words):
            score += 1.0
        date = _DATE.search(" ".join(words))
        if date and any(is_near(date.group(3), m) for m in MONTHS) and _is_letter_date(line):
            score += 1.5
        elif _is_full_date_line(line):
            score += 1.5  # "Carentan 3 août 1914", "Paris, ce 6 août 1914": a dateline without "le"
        elif _is_date_line(line):
            score += 1.0  # "<Town>, le <date>" with the date garbled
        elif any(len(w) >= 4 and is_near(w, m) for w in words[:4] for m in MONTHS if len(m) >= 4):
            score += 0.5
    folded = fold(text)
    score += 0.5 * sum(1 for phrase in _PLAN if phrase in folded)
    return min(score, 5.0)


# --- markers --------------------------------------------------------------------------------------

# Handwritten numerals come back from OCR as "II)", "Il)", "11)", "1h", "ID", "D)" ...: count the strokes,
# reading "D" and "h" as a stroke merged with its closing parenthesis, "H" as two strokes and "W)" as two
# strokes run together; a lone stroke can come back as a bracket ("[)").
_ROMAN = re.compile(r"(?P<s>[Il1|!i]{0,3})(?P<m>[DhHW]?)(?P<c>[).\-/:°,]?)(?=\s|[A-ZÀ-Ý]|$)")
_LETTER = re.compile(r"(?P<l>[ABCÀÂ865ßabc])(?P<c>[).\-/:,]|\s+(?=[A-ZÀ-Ý][a-zà-ÿ]))(?=\s|[A-ZÀ-Ý]|$)")
_LETTER_KIND = {"À": "A", "Â": "A", "8": "B", "6": "B", "5": "B", "ß": "B", "a": "A", "b": "B", "c": "C"}


def parse_marker(line_start: str) -> str | None:
    """Outline marker kind at the start of one written line, or None."""
    if re.match(r"\s*[\[\]]\s?\)", line_start):
        return "I"
    text = re.sub(r"^[\s\"'‘“«(\[*•~_]+", "", line_start)
    match = _ROMAN.match(text)
    if match and (match.group("s") or match.group("m")):
        strokes = len(match.group("s")) + {"": 0, "D": 1, "h": 1, "H": 2, "W": 2}[match.group("m")]
        if match.group("m") == "W" and (match.group("s") or match.group("c") != ")"):
            strokes = 0  # "W" alone is a word's letter; "W)" is a numeral
        # "D" or "h" alone is OCR's closed "I)", also run into the heading's first word ("DLes"); before
        # capitals it opens a word written in capitals ("DU", "DONC")
        after = text[match.end() : match.end() + 2]
        alone = not after[:1].isalpha() or (after[:1].isupper() and after[1:].islower())
        closed = bool(match.group("c")) or (match.group("m") in ("D", "h") and alone)
        if closed and 1 <= strokes <= 3:
            return ("I", "II", "III")[strokes - 1]
    match = _LETTER.match(text)
    if match and match.group("l") in "65" and match.group("c") not in (".", ")"):
        match = None  # a handwritten "B." often reads "6." or "5.", but a digit alone is a number
    if match and (not match.group("l").islower() or match.group("c") == ")"):
        return _LETTER_KIND.get(match.group("l"), match.group("l").upper())
    number = parse_number(text)
    if number is not None:
        return marker_kind(*number)  # a numbered heading ("2. ...", "Point 3 :", "Deuxième partie")
    words = re.findall(r"[a-z]+", fold(text))
    if not words:
        return None
    first = words[0]
    # the title "Introduction" alone on its line (a body line can start with "introduire", garbled)
    if is_near("".join(words)[:12], "introduction") or (len(words) == 1 and is_near(first[:6], "introd")):
        return "intro"
    if is_near(first[:6], "conclu") or (
        first in ("en", "pour") and len(words) > 1 and words[1].startswith("concl")
    ):
        return "conclusion"
    if text[:1].isupper() and _OPENING_LINE.match(fold(text)):
        return "heading"  # the opening's lines start with a capital; a body line can read "direction des"
    return None


# the memo's opening lines: "Ville de ...", "Direction des ...", "Note à l'attention de ...", "Objet : ..."
_OPENING_LINE = re.compile(
    r"(ville|mairie|commune|communaute|departement|region|direc[a-z]{2,5}) (d(e|es|u)\b|d'|generale)"
    r"|note (a|au|aux)\b|ob[jg]e[tl] ?:"
)


# outline positions: heading < intro < I < I.A < I.B < I.C < II < ... < conclusion
PART_RANK = {"I": 10, "II": 20, "III": 30}
HEADING_ZONE = 0.3  # the memo's opening lines sit in the top part of the first page
LETTER_OFFSET = {"A": 1, "B": 2, "C": 3}
_FIXED = {"heading": 0, "intro": 1, "conclusion": 90}


def _opening_strength(page: PageText) -> float:
    """How clearly the page opens the memo: heading lines high on the page, the opening in its head."""
    zone = [y for k, y in page.markers if k == "heading" and y < HEADING_ZONE]
    evidence = heading_evidence(page.head)
    if not (len(zone) >= 2 or (zone and evidence >= 2.0) or evidence >= 3.0):
        return 0.0  # a body line can start with "Direction des ..."
    return len(zone) + evidence


def opening_page(pages: Sequence[PageText]) -> int | None:
    """The one page whose heading lines are kept (a memo opens once): the clearest opening, if any."""
    strengths = [_opening_strength(p) for p in pages]
    best = max(range(len(pages)), key=lambda i: strengths[i], default=None)
    return best if best is not None and strengths[best] > 0 else None


def _trusted_markers(page: PageText, opening: bool) -> list[tuple[str, float]]:
    """The page's markers, keeping "heading" only on the memo's opening page and high on it."""
    return [(k, y) for k, y in page.markers if k != "heading" or (opening and y < HEADING_ZONE)]


def _with_implied_letters(page: PageText, markers: list[tuple[str, float]]) -> list[str]:
    """Marker kinds, with "A" after a part heading that is not on the last line but has no letter after
    it: a part's title is followed by its first sub-part's title, which OCR missed."""
    pitch = page.fill / page.lines if page.lines else 0.05
    kinds = []
    for index, (kind, y) in enumerate(markers):
        kinds.append(kind)
        following = markers[index + 1][0] if index + 1 < len(markers) else None
        if kind in PART_RANK and following not in LETTER_OFFSET and y < page.fill - 1.5 * pitch:
            kinds.append("A")
    return kinds


def _positions(kinds: Sequence[str], orphan_part: int) -> list[int]:
    """Outline positions of a page's markers, read in order; letters before any numeral belong to
    `orphan_part`. The outline only moves forward: a letter that does not follow the previous one ("B ...
    A.") or a numeral that repeats the current part ("I) ... I)") means a numeral was missed or misread."""
    part = orphan_part
    positions: list[int] = []
    used, letter = False, 0  # whether the current part holds a marker yet; its last letter's offset
    for kind in kinds:
        if kind in PART_RANK:
            part = part + 10 if used and PART_RANK[kind] <= part else PART_RANK[kind]
            used, letter = True, 0
            positions.append(part)
        elif kind in LETTER_OFFSET:
            if LETTER_OFFSET[kind] <= letter:
                part += 10
            used, letter = True, LETTER_OFFSET[kind]
            positions.append(part + letter)
        elif kind in _FIXED:
            positions.append(_FIXED[kind])
    return positions


def _repeat_readings(markers: list[tuple[str, float]]) -> list[tuple[float, list[tuple[str, float]]]]:
    """A numeral repeated on one page ("I) ... I)") is either a misread later one or OCR noise."""
    seen: set[str] = set()
    dropped = []
    for kind, y in markers:
        if kind in PART_RANK and kind in seen:
            continue
        seen.add(kind)
        dropped.append((kind, y))
    return [(1.0, markers)] if dropped == markers else [(0.5, markers), (0.5, dropped)]


def _variants(kinds: list[str], repeated_one: bool, no_one: bool = False) -> list[tuple[float, list[str]]]:
    """Readings of a page's marker kinds: OCR often reads a handwritten "II)" as "I)"; the strokes of an
    "I)" can also count as "II)" (when no page shows "I)", its first "II)" may be that "I)")."""
    if "I" not in kinds:
        at = kinds.index("II") if "II" in kinds else -1
        if no_one and at >= 0 and not any(k in LETTER_OFFSET for k in kinds[:at]):
            return [(0.7, kinds), (0.3, kinds[:at] + ["I"] + kinds[at + 1 :])]
        return [(1.0, kinds)]
    at = kinds.index("I")
    if any(k in LETTER_OFFSET for k in kinds[:at]):
        keep = 0.05  # "B ... I)": a letter cannot come before I)
    elif any(k in ("heading", "intro") for k in kinds[:at]):
        keep = 0.95
    elif repeated_one:
        keep = 0.5  # another page shows "I)" too
    else:
        keep = 0.85
    promoted = kinds[:at] + ["II"] + kinds[at + 1 :]
    return [(keep, kinds), (1.0 - keep, promoted)]


Reading = tuple[float, list[int]]  # (weight, outline positions of one page's markers, top to bottom)


def outline_options(pages: Sequence[PageText]) -> list[list[Reading]]:
    """Per page, its possible outline readings with their prior weights (each page on its own).

    Ambiguities: letters before any numeral on the page (I.B or II.B?), and "I)" that may be a misread
    "II)". `outline_combos` then chooses the readings of all pages together.
    """
    opening = opening_page(pages)
    markers = [_trusted_markers(p, i == opening) for i, p in enumerate(pages)]
    uses_letters = any(k in LETTER_OFFSET for page_markers in markers for k, _ in page_markers)
    ones = sum(1 for m in markers if any(k == "I" for k, _ in m))
    has_three = any(k == "III" for m in markers for k, _ in m)
    options: list[list[Reading]] = []
    for page, page_markers in zip(pages, markers, strict=True):
        page_options: list[Reading] = []
        readings = [
            (w_repeat * w, variant)
            for w_repeat, kept in _repeat_readings(page_markers)
            for w, variant in _variants(
                _with_implied_letters(page, kept) if uses_letters else [k for k, _ in kept],
                ones > 1,
                ones == 0,
            )
        ]
        for weight, variant in readings:
            first_part = next((PART_RANK[k] for k in variant if k in PART_RANK), None)
            has_orphans = bool(variant) and variant[0] in LETTER_OFFSET
            if not has_orphans:
                page_options.append((weight, _positions(variant, 10)))
            elif first_part is not None:  # "B ... II)": the letters belong to the part before it
                if first_part > 10:
                    page_options.append((weight, _positions(variant, first_part - 10)))
            else:
                parts = [10, 20] + ([30] if has_three else [])
                if "conclusion" in variant:  # "B ... Conclusion": the last part's letters
                    parts = parts[-1:]
                page_options.extend((weight / len(parts), _positions(variant, part)) for part in parts)
        # a part beyond those any page shows (III when no page reads III) is unlikely
        limit = 40 if has_three else 30
        page_options = [(w * (1.0 if all(p < limit or p >= 90 for p in pos) else 0.1), pos)
                        for w, pos in page_options]  # fmt: skip
        options.append(_normalised([(w, pos) for w, pos in page_options if w > 0]) or [(1.0, [])])
    return options


MAX_COMBOS = 12
COMBO_FLOOR = math.exp(-5.0)  # joint readings this much less likely than the best are dropped
CLASH = 3.0  # log-odds cost of a section heading (I, I.A, ..., III.C) read on two pages


def outline_combos(pages: Sequence[PageText], limit: int = MAX_COMBOS) -> list[tuple[float, list[list[int]]]]:
    """Joint readings of all pages' outline markers, most likely first, weights summing to 1.

    Each section heading appears once in a memo, so the pages are read together: a reading that gives two
    pages the same section is unlikely. This settles "I)" misread for "II)" and orphan letters (I.B or
    II.B?) from the clear pages, and keeps the ambiguity where the pages alone cannot settle it.
    """
    partial: list[tuple[float, list[list[int]], frozenset[int]]] = [(1.0, [], frozenset())]
    for page_options in outline_options(pages):
        grown = []
        for weight, chosen, held in partial:
            for w, pos in page_options:
                sections = {p for p in pos if 10 <= p < 90}
                clash = len(sections & held)
                grown.append((weight * w * math.exp(-CLASH * clash), [*chosen, pos], held | sections))
        grown.sort(key=lambda t: -t[0])
        partial = grown[: 4 * limit]
    # the outline starts at I): a reading where no page holds I) but one holds II) means I) was missed
    final = [(w * (math.exp(-1.5) if 20 in held and 10 not in held else 1.0), c) for w, c, held in partial]
    final.sort(key=lambda t: -t[0])
    top = final[0][0]
    kept = [(w, chosen) for w, chosen in final[:limit] if w >= COMBO_FLOOR * top]
    total = sum(w for w, _ in kept)
    return [(w / total, chosen) for w, chosen in kept]


def _normalised(options: list[Reading]) -> list[Reading]:
    total = sum(w for w, _ in options) or 1.0
    return [(w / total, pos) for w, pos in options]


_NEXT = {0: {1, 10}, 1: {10}, 10: {11}, 11: {12}, 12: {13, 20, 90}, 13: {20, 90}, 20: {21}, 21: {22},
         22: {23, 30, 90}, 23: {30, 90}, 30: {31}, 31: {32}, 32: {33, 90}, 33: {90}}  # fmt: skip


@dataclass(frozen=True)
class OutlineScores:
    """The outline's part of the order score, for one joint reading of the markers."""

    log_weight: float
    start: np.ndarray  # added to start_scores
    end: np.ndarray  # added to end_scores
    links: np.ndarray  # added to link_matrix
    before: np.ndarray  # [i, j] = 1 when page i's markers all come before page j's


def several_texts(pages: Sequence[PageText]) -> bool:
    """Whether the copy holds more than one text (a copy answering several questions): heading lines on
    two pages, or heading lines below a section marker or a conclusion on one page (a text ends above, the
    next one opens)."""
    headed = [p for p in pages if any(kind == "heading" for kind, _ in p.markers)]
    if len(headed) >= 2:
        return True
    for page in headed:
        body = [y for kind, y in page.markers if kind != "heading" and kind != "intro"]
        if body and any(kind == "heading" and y > min(body) for kind, y in page.markers):
            return True
    return False


def family_precedence(pages: Sequence[PageText]) -> np.ndarray:
    """[i, j] = 1 when page i's headings of one family (I, II, III or A., B., C.) all come before page j's,
    for each family whose headings never repeat in the copy. In a copy of several texts the joint outline
    says nothing (each text has its own plan), but a numbering seen once each still goes up in reading
    order, whichever text its headings belong to; a family seen twice (two texts numbering their parts)
    is left out."""
    n = len(pages)
    before = np.zeros((n, n))
    for family in (PART_RANK, LETTER_OFFSET):
        per_page = [[family[kind] for kind, _ in page.markers if kind in family] for page in pages]
        seen = [rank for ranks in per_page for rank in ranks]
        if len(seen) < 2 or len(seen) != len(set(seen)) or any(r != sorted(r) for r in per_page):
            continue
        for i, mine in enumerate(per_page):
            for j, other in enumerate(per_page):
                if i != j and mine and other and max(mine) < min(other):
                    before[i, j] = 1.0
    return before


def outline_scores(positions: Sequence[list[int]], weight: float, one_text: bool = True) -> OutlineScores:
    """Start, end, link and precedence terms of one joint reading (one position list per page).

    With several texts in the copy (`one_text` False) each has its own outline: a page's markers may
    belong to either, so only the links between consecutive headings across a break are kept (I.B on one
    page's foot, II at the next page's head); which page comes first overall, and where the plan ends, are
    left to the text."""
    n = len(positions)
    start, end = np.zeros(n), np.zeros(n)
    links, before = np.zeros((n, n)), np.zeros((n, n))
    # the plan is balanced (I) A. B. II) A. B.): the memo ends in the last part's last sub-part, at the
    # latest part seen and at the most sub-parts any part has, and not before II)
    sections = [p for pos in positions for p in pos if 10 <= p < 90]
    final = max(
        20, max((p // 10 * 10 for p in sections), default=0) + max((p % 10 for p in sections), default=0)
    )
    for i, pos in enumerate(positions):
        if pos and min(pos) > 10:
            start[i] -= 2.0  # its outline starts after I): some page must come before
        if pos and max(pos) < final:
            end[i] -= 1.5  # its outline stops before the plan's last section
        for j, other in enumerate(positions):
            if i == j or not pos or not other:
                continue
            last, first = max(pos), min(other)
            if last < first:
                before[i, j] = 1.0
            if first in _NEXT.get(last, set()):
                links[i, j] = 1.0
            elif first > last:
                links[i, j] = -1.0  # a heading missing between adjacent pages (or missed by OCR)
    if not one_text:
        start[:], end[:], before[:] = 0.0, 0.0, 0.0
    return OutlineScores(math.log(weight), start, end, links, before)


def precedence_matrix(pages: Sequence[PageText]) -> np.ndarray:
    """[i, j] = probability, from the outline markers read jointly, that page i comes before page j."""
    n = len(pages)
    before = np.zeros((n, n))
    one_text = not several_texts(pages)
    for weight, positions in outline_combos(pages):
        before += weight * outline_scores(positions, weight, one_text).before
    return before
