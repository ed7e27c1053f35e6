"""Reading order of a copy's pages from text continuity (pure functions over text and numbers).

Every page gives a small `PageText` (`page_text`, the only image code here): the OCR text of its first and
last written lines, the outline markers (I), A., B., II) ...) found at line starts, and how full it is.
Scores are log-odds (natural log) added together:

- `start_scores`: a head that starts a sentence, the memo opening (`Ville de`, `Direction`,
  `Note à l'attention`, `Objet`, a date; kept on one page only, the clearest);
- `end_scores`: a tail that ends a sentence, a partly filled page, a conclusion, a closing formula;
- `link_matrix`: whether page j's head continues page i's tail (agreement on the sentence state at the
  break, a hyphenated word completed, plausible word classes across the break, a plural determiner
  agreeing with the next word, a heading on i's last line followed by text);
- the outline (`outline_combos`, `outline_scores`): the markers of all pages are read together (each
  section heading appears once, so a misread "II)" or an orphan "B." is settled by the other pages); for
  each joint reading, a page showing an earlier marker comes before one showing a later marker, adjacent
  or not, and consecutive markers across a break link the two pages.

`best_order` finds the best Hamiltonian path exactly (Held-Karp over subsets) up to 12 pages, by beam
search beyond, once per likely joint reading of the outline. Its confidence is 2 p - 1, p being the
probability of the best order among all orders once the scores are tempered (exp(score / TEMPERATURE),
summed over every order by the same dynamic programming): 0 when another order is as likely, 0.5 when the
best order is three times as likely as all the others together. With two candidate orders only, that is
tanh(margin / (2 TEMPERATURE)); with many close ones, it is lower than the margin alone would say.

Only general French writing conventions are used, never anything specific to one text generator.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from anonymat.textlines import (  # noqa: F401  (OCR_BAND_PX, find_line_bands: used through ordering)
    OCR_BAND_PX,
    Ink,
    count_numeral,
    find_line_bands,
    ink_mask,
    line_pitch,
    read_pieces,
    section_candidates,
    word_gap,
)

# the names roster.py used before textlines.py existed
_Ink, _ink_mask, _read_pieces = Ink, ink_mask, read_pieces

MID_PRIOR = 0.8  # share of page breaks that fall mid-sentence
PREC_WEIGHT = 4.0  # cost of putting a page after one whose outline markers are later
EXACT_MAX_PAGES = 12
# the scores' log-odds are overconfident (signals are correlated, OCR errors hit several at once): they are
# divided by this before being read as probabilities (set on generated copies, see bench/evaluate_order.py)
TEMPERATURE = 2.0
BEAM_WIDTH = 600


@dataclass(frozen=True)
class PageText:
    """What ordering needs from one page; small and picklable (it crosses process boundaries)."""

    head: str  # OCR text of the first ~3 written lines of the writing area
    tail: str  # OCR text of the last ~3 written lines
    markers: tuple[tuple[str, float], ...]  # (kind, y as a fraction of the writing height), top to bottom
    lines: int  # number of written lines found
    fill: float  # fraction of the writing height down to the last written line
    tail_end: float = 1.0  # right end of the last line / the page's usual right end (short = paragraph end)
    head_indent: float = 0.0  # first line's left start minus the usual one, fraction of the width
    seconds: float = 0.0  # time page_text took


@dataclass(frozen=True)
class Link:
    after: int
    before: int
    score: float
    tail_words: str
    head_words: str


@dataclass(frozen=True)
class OrderResult:
    order: list[int]
    confidence: float
    method: str
    links: list[Link]


# --- words ----------------------------------------------------------------------------------------

# Closed-class words after which a French sentence cannot stop (articles, prepositions, conjunctions,
# determiners, clitic pronouns).
DETERMINERS = frozenset(
    "le la les l un une des du au aux ce cet cette ces son sa ses leur leurs notre nos votre vos mon ma mes "
    "ton ta tes chaque quelques plusieurs certains certaines aucun aucune tout toute tous toutes tel telle "
    "tels telles".split()
)
PREPOSITIONS = frozenset(
    "de d à en dans pour par sur sous avec sans vers chez entre selon parmi auprès lors dès depuis pendant "
    "afin envers malgré contre".split()
)
CONJUNCTIONS = frozenset("et ou mais donc car ni que qu qui dont lorsque puisque quand si comme".split())
CLITICS = frozenset("je j tu il ils on ne n se s y".split())
NO_END = (
    (DETERMINERS - {"tout", "tous", "certains", "certaines", "plusieurs", "aucun"})
    | PREPOSITIONS
    | (CONJUNCTIONS - {"donc", "quand", "comme"})
    | CLITICS
)
FUNCTION_WORDS = DETERMINERS | PREPOSITIONS | CONJUNCTIONS | CLITICS

# connectors that open a sentence ("Ainsi, ...", "En effet, ...")
SENTENCE_OPENERS = frozenset(
    "ainsi cependant toutefois neanmoins enfin ensuite or donc par en de dans depuis pour afin certes "
    "tout outre aussi alors".split()
)
MONTHS = "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre".split()
# letters whose handwritten capital and small forms differ, so OCR case is meaningful
CASE_RELIABLE = frozenset("abdefghilmnqrtuy")


def fold(text: str) -> str:
    """Lowercase, accents stripped, typographic apostrophes made plain."""
    text = text.replace("’", "'").replace("`", "'")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=20000)
def zipf(word: str) -> float:
    """wordfreq Zipf frequency of a French word (0 when unknown or when wordfreq is missing)."""
    if not word:
        return 0.0
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # degrade: only the closed-class lists are used then
        return 4.0 if fold(word) in FUNCTION_WORDS else 0.0
    return float(zipf_frequency(word, "fr"))


def is_known(word: str) -> bool:
    return zipf(word.lower()) >= 2.0 or fold(word) in FUNCTION_WORDS


@functools.lru_cache(maxsize=2048)
def readability(text: str) -> float:
    """Share of known French words among the words of `text`, as a 0.2..1 reliability factor."""
    words = re.findall(r"[^\W\d_]+", text)
    if not words:
        return 0.2
    known = sum(1 for w in words if is_known(w))
    return float(min(1.0, max(0.2, 1.25 * known / len(words))))


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _near(word: str, target: str) -> bool:
    """Fuzzy equality that tolerates OCR: one edit for short words, two for long ones."""
    limit = 0 if len(target) <= 3 else 1 if len(target) <= 6 else 2
    return abs(len(word) - len(target)) <= limit and edit_distance(word, target) <= limit


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if re.search(r"\w", line)]


def _last_word(text: str) -> tuple[str, str]:
    """(last word, the punctuation written after it) of the last line of `text`."""
    lines = _lines(text)
    if not lines:
        return "", ""
    match = re.search(r"([^\W_]+(?:['’][^\W_]*)?)(\W*)$", lines[-1])
    if not match:
        return "", ""
    return match.group(1), re.sub(r"\s", "", match.group(2))


def _first_word(text: str) -> tuple[str, str]:
    """(punctuation before, first word) of the first line of `text`, leading OCR specks dropped."""
    lines = _lines(text)
    if not lines:
        return "", ""
    match = re.match(r"(\W*?)([^\W_]+)", lines[0])
    if not match:
        return "", ""
    return re.sub(r"[\s'\"‘“«|]", "", match.group(1)), match.group(2)


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
        closed = bool(match.group("c")) or match.group("m") in ("D", "h")
        if closed and 1 <= strokes <= 3:
            return ("I", "II", "III")[strokes - 1]
    match = _LETTER.match(text)
    if match and match.group("l") in "65" and match.group("c") not in (".", ")"):
        match = None  # a handwritten "B." often reads "6." or "5.", but a digit alone is a number
    if match and (not match.group("l").islower() or match.group("c") == ")"):
        return _LETTER_KIND.get(match.group("l"), match.group("l").upper())
    words = re.findall(r"[a-z]+", fold(text))
    if not words:
        return None
    first = words[0]
    # the title "Introduction" alone on its line (a body line can start with "introduire", garbled)
    if _near("".join(words)[:12], "introduction") or (len(words) == 1 and _near(first[:6], "introd")):
        return "intro"
    if _near(first[:6], "conclu") or (
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
_PART = {"I": 10, "II": 20, "III": 30}
HEADING_ZONE = 0.3  # the memo's opening lines sit in the top part of the first page
_LETTER_OFFSET = {"A": 1, "B": 2, "C": 3}
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
        if kind in _PART and following not in _LETTER_OFFSET and y < page.fill - 1.5 * pitch:
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
        if kind in _PART:
            part = part + 10 if used and _PART[kind] <= part else _PART[kind]
            used, letter = True, 0
            positions.append(part)
        elif kind in _LETTER_OFFSET:
            if _LETTER_OFFSET[kind] <= letter:
                part += 10
            used, letter = True, _LETTER_OFFSET[kind]
            positions.append(part + letter)
        elif kind in _FIXED:
            positions.append(_FIXED[kind])
    return positions


def _repeat_readings(markers: list[tuple[str, float]]) -> list[tuple[float, list[tuple[str, float]]]]:
    """A numeral repeated on one page ("I) ... I)") is either a misread later one or OCR noise."""
    seen: set[str] = set()
    dropped = []
    for kind, y in markers:
        if kind in _PART and kind in seen:
            continue
        seen.add(kind)
        dropped.append((kind, y))
    return [(1.0, markers)] if dropped == markers else [(0.5, markers), (0.5, dropped)]


def _variants(kinds: list[str], repeated_one: bool, no_one: bool = False) -> list[tuple[float, list[str]]]:
    """Readings of a page's marker kinds: OCR often reads a handwritten "II)" as "I)"; the strokes of an
    "I)" can also count as "II)" (when no page shows "I)", its first "II)" may be that "I)")."""
    if "I" not in kinds:
        at = kinds.index("II") if "II" in kinds else -1
        if no_one and at >= 0 and not any(k in _LETTER_OFFSET for k in kinds[:at]):
            return [(0.7, kinds), (0.3, kinds[:at] + ["I"] + kinds[at + 1 :])]
        return [(1.0, kinds)]
    at = kinds.index("I")
    if any(k in _LETTER_OFFSET for k in kinds[:at]):
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
    uses_letters = any(k in _LETTER_OFFSET for page_markers in markers for k, _ in page_markers)
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
            first_part = next((_PART[k] for k in variant if k in _PART), None)
            has_orphans = bool(variant) and variant[0] in _LETTER_OFFSET
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


def outline_scores(positions: Sequence[list[int]], weight: float) -> OutlineScores:
    """Start, end, link and precedence terms of one joint reading (one position list per page)."""
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
    return OutlineScores(math.log(weight), start, end, links, before)


def precedence_matrix(pages: Sequence[PageText]) -> np.ndarray:
    """[i, j] = probability, from the outline markers read jointly, that page i comes before page j."""
    n = len(pages)
    before = np.zeros((n, n))
    for weight, positions in outline_combos(pages):
        before += weight * outline_scores(positions, weight).before
    return before


# --- sentence state at a break --------------------------------------------------------------------


def tail_evidence(page: PageText) -> float:
    """Log-likelihood ratio that the page's last line stops mid-sentence (vs at a sentence end)."""
    word, punct = _last_word(page.tail)
    if not word:
        return 0.0
    reliable = readability(page.tail)
    lower = fold(word).rstrip("'")
    score = 0.0
    if punct.endswith(("-", "¬", "=")):
        score += 4.0
    elif punct.endswith((",", ";")):
        score += 2.0
    elif re.search(r"[.!?…]", punct):
        score -= 2.4
    elif punct.endswith(":"):
        score += 0.3
    elif word.endswith(("'", "’")):
        score += 3.0
    else:
        score += 0.8  # no final stop (OCR also loses small dots, hence a weak weight)
    if lower in NO_END:
        score += 3.0 * reliable
    score += 0.6 if page.tail_end >= 0.8 else -2.0  # a short last line closes a paragraph
    if page.fill < 0.85:
        score -= 1.0  # writing stopped early on the page: the text or a part of it ends there
    return score


def head_evidence(page: PageText) -> float:
    """Log-likelihood ratio that the page's first line continues a sentence (vs starts one)."""
    punct, word = _first_word(page.head)
    if not word:
        return 0.0
    score = 0.0
    if punct and punct[-1] in ",;)":
        score += 2.0
    first = word[0]
    # a misread word says little about its first letter's case ("dispositif" read as "MspoSibif")
    trust = readability(page.head) * (1.0 if is_known(word) else 0.35)
    if re.match(r"\W*" + re.escape(word) + r"-[^\W\d_]", _lines(page.head)[0]) and first.isupper():
        trust = 0.0  # a compound place name ("Saint-Aubin ..."): capital mid-sentence too
    if first.isalpha() and fold(first) in CASE_RELIABLE:
        score += 2.0 * trust if first.islower() else -2.3 * trust
    elif first.isalpha():
        score += 0.5 * trust if first.islower() else -0.5 * trust
    if word.islower() and fold(word) in (NO_END | {"a", "est", "sont"}):
        score += 0.7
    elif word[0].isupper() and fold(word) in SENTENCE_OPENERS:
        score -= 1.0
    if _starts_with_marker(page):
        score -= 3.0  # an outline marker on the first line: the break falls between sections
    if page.head_indent > 0.04:
        score -= 1.0  # an indented first line opens a paragraph
    return score


def _first_band_limit(page: PageText) -> float:
    """y below which a marker sits on the page's first written line (1.5 line pitches)."""
    return 1.5 * page.fill / page.lines if page.lines and page.fill > 0 else 0.08


def _starts_with_marker(page: PageText) -> bool:
    return bool(page.markers) and page.markers[0][1] < _first_band_limit(page)


def _ends_with_title(page: PageText) -> bool:
    """Whether the page's last written line is an outline heading (I), A. ...)."""
    if not page.markers or not page.lines:
        return False
    kind, y = page.markers[-1]
    pitch = page.fill / page.lines
    return (kind in _PART or kind in _LETTER_OFFSET) and y > page.fill - 0.9 * pitch


def title_link(before: PageText, after: PageText) -> float:
    """A heading on the last line of a page is followed by its text, not by another heading."""
    if not _ends_with_title(before):
        return 0.0
    return -2.0 if _starts_with_marker(after) else 0.5


def _agreement(a: float, b: float, prior: float = MID_PRIOR) -> float:
    """log P(both see the same break state) / P(independent), for LLRs a (tail) and b (head)."""
    a, b = max(-12.0, min(12.0, a)), max(-12.0, min(12.0, b))
    joint = prior * math.exp(a + b) + (1 - prior)
    marginal = (prior * math.exp(a) + 1 - prior) * (prior * math.exp(b) + 1 - prior)
    return math.log(joint / marginal)


def _opens_sentence(b: float, prior: float = MID_PRIOR) -> float:
    """log P(this break state is a sentence start | evidence) / P(sentence start)."""
    b = max(-12.0, min(12.0, b))
    return -math.log(prior * math.exp(b) + 1 - prior)


PLURAL_DETERMINERS = frozenset(
    "les des ces ses leurs nos vos mes tes aux plusieurs quelques certains certaines".split()
)
# words after which "les" is an object pronoun ("qui les concerne"), not a determiner
_BEFORE_PRONOUN = frozenset("je j tu il elle on nous vous ils elles ne n qui que qu se s".split())


def _word_before_last(text: str) -> str:
    lines = _lines(text)
    words = re.findall(r"[^\W\d_]+", fold(lines[-1])) if lines else []
    return words[-2] if len(words) >= 2 else ""


def boundary_link(tail: str, head: str) -> float:
    """Word-level evidence that `head` continues `tail`: hyphen completion, word classes across the break."""
    word, punct = _last_word(tail)
    _, first = _first_word(head)
    if not word or not first:
        return 0.0
    a, b = word.lower(), first.lower()
    if punct.endswith(("-", "¬", "=")):
        joined = a + b
        if zipf(joined) >= 2.0 and zipf(joined) > min(zipf(a), zipf(b)):
            return 3.0
        if zipf(joined.replace("'", "")) >= 2.0:
            return 2.0
        return 0.0
    if zipf(a) < 2.0 and zipf(b) < 2.0 and zipf(a + b) >= 3.0 and not punct:
        return 2.0  # a word cut without a hyphen, e.g. "adminis" / "tration"
    fa, fb = fold(a), fold(b)
    if not (is_known(a) and is_known(b)):
        return 0.0
    if fa in DETERMINERS and (fb in DETERMINERS or fb in PREPOSITIONS or fb in CONJUNCTIONS):
        return -1.0
    if fa in PREPOSITIONS and (fb in PREPOSITIONS or fb in CONJUNCTIONS) and (fa, fb) != ("de", "qui"):
        return -0.8
    if fa in DETERMINERS and fb not in FUNCTION_WORDS and zipf(b) >= 2.5:
        if fa in PLURAL_DETERMINERS and not (fa == "les" and _word_before_last(tail) in _BEFORE_PRONOUN):
            # a plural determiner agrees with the noun or adjective after it: "les | effets", not "les | année"
            return 0.7 if fb.endswith(("s", "x", "z")) else -1.0
        return 0.4
    if fa in PREPOSITIONS and fb in DETERMINERS:
        return 0.3  # "de | ces obligations"
    return 0.0


# --- page-level scores ----------------------------------------------------------------------------

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


@functools.lru_cache(maxsize=512)
def heading_evidence(text: str) -> float:
    """Log-odds that `text` is the memo's opening (service, town and date, addressee, subject)."""
    score = 0.0
    for line in _lines(text):
        words = re.findall(r"[a-z0-9]+", fold(line))
        if not words:
            continue
        head = words[0]
        if _near(head, "ville") and len(words) > 1 and words[1] in ("de", "d"):
            score += 1.5
        elif _near(head, "direction") or _near(head, "mairie") or _near(head, "service"):
            score += 1.0
        elif _near(head, "objet"):
            score += 1.5
        elif head == "note" or (len(words) > 2 and _near(" ".join(words[:3]), "a l attention")):
            score += 1.5 if "attention" in " ".join(words) or _near(head, "note") else 0.5
        if any(_near(w, "attention") for w in words):
            score += 1.0
        date = _DATE.search(" ".join(words))
        if date and any(_near(date.group(3), m) for m in MONTHS):
            score += 1.5
        elif _is_date_line(line):
            score += 1.0  # "<Town>, le <date>" with the date garbled
        elif any(len(w) >= 4 and _near(w, m) for w in words for m in MONTHS if len(m) >= 4):
            score += 0.5
    folded = fold(text)
    score += 0.5 * sum(1 for phrase in _PLAN if phrase in folded)
    return min(score, 5.0)


def start_scores(pages: Sequence[PageText]) -> np.ndarray:
    """Log-odds that page i is the first page of the copy (text only: `outline_scores` adds the outline)."""
    scores = np.zeros(len(pages))
    opening = opening_page(pages)
    for i, page in enumerate(pages):
        score = _opens_sentence(head_evidence(page)) + heading_evidence(page.head)
        if i == opening or any(k == "intro" for k, _ in page.markers):
            score += 1.5
        scores[i] = score
    return scores


# the formulas that close an administrative letter or memo
_CLOSINGS = ("reste a votre disposition", "a votre disposition", "complement d information",
             "je vous prie", "veuillez agreer", "l expression de", "salutations", "cordialement",
             "mes respectueuses", "ma consideration")  # fmt: skip


def closing_evidence(text: str) -> float:
    """Log-odds that `text` holds the memo's closing formula (fuzzy: OCR garbles and splits words)."""
    letters = re.sub(r"[^a-z]", "", fold(text))
    for phrase in _CLOSINGS:
        target = phrase.replace(" ", "")
        if fuzzy_find(target, letters) <= len(target) // 5:
            return 2.0
    return 0.0


def fuzzy_find(pattern: str, text: str) -> int:
    """Smallest edit distance between `pattern` and any substring of `text` (Sellers' algorithm, one
    numpy row per pattern character: a cell's left neighbour enters through a running minimum)."""
    if not pattern:
        return 0
    codes = np.array([ord(c) for c in text], dtype=np.int64)
    index = np.arange(len(text) + 1)
    previous = np.zeros(len(text) + 1, dtype=np.int64)
    for i, char in enumerate(pattern, 1):
        base = np.empty_like(previous)
        base[0] = i
        base[1:] = np.minimum(previous[1:] + 1, previous[:-1] + (codes != ord(char)))
        previous = np.minimum.accumulate(base - index) + index
    return int(previous.min())


def end_scores(pages: Sequence[PageText]) -> np.ndarray:
    """Log-odds that page i is the last page of the copy (text only: `outline_scores` adds the outline)."""
    scores = np.zeros(len(pages))
    for i, page in enumerate(pages):
        score = _opens_sentence(tail_evidence(page))  # the text must stop at a sentence end
        # a partly filled page is often the last, but candidates also start a part on a fresh page
        score += 1.5 * min(1.0, max(0.0, (0.9 - page.fill) / 0.4)) if page.fill < 0.9 else -0.5
        folded = fold(page.tail)
        if any(k == "conclusion" for k, _ in page.markers):
            score += 1.5
        elif re.search(r"\b(en conclusion|pour conclure|en definitive|en somme)\b", folded):
            score += 1.0
        score += closing_evidence(page.tail)
        scores[i] = score
    return scores


def link_matrix(pages: Sequence[PageText]) -> np.ndarray:
    """[i, j] = log-odds that page j directly follows page i (diagonal: -inf); text only."""
    n = len(pages)
    tails = [tail_evidence(p) for p in pages]
    heads = [head_evidence(p) for p in pages]
    links = np.full((n, n), -np.inf)
    for i in range(n):
        for j in range(n):
            if i != j:
                links[i, j] = (
                    _agreement(tails[i], heads[j])
                    + boundary_link(pages[i].tail, pages[j].head)
                    + title_link(pages[i], pages[j])
                )
    return links


# --- solver ---------------------------------------------------------------------------------------


def best_order(pages: Sequence[PageText]) -> OrderResult:
    """The most likely reading order, with a confidence from its margin over the runner-up order."""
    n = len(pages)
    if n == 0:
        return OrderResult([], 0.0, "continuity", [])
    if n == 1:
        return OrderResult([0], 1.0, "single", [])
    ranked, log_probability = _ranked_orders(pages)
    order = ranked[0][1]
    probability = math.exp(min(0.0, log_probability))
    confidence = max(0.0, 2.0 * probability - 1.0)
    links = link_matrix(pages)
    result_links = [
        Link(
            a,
            b,
            float(links[a, b]),
            _edge_words(pages[a].tail, last=True),
            _edge_words(pages[b].head, last=False),
        )
        for a, b in zip(order, order[1:], strict=False)
    ]
    return OrderResult(list(order), float(round(confidence, 4)), "continuity", result_links)


def _ranked_orders(pages: Sequence[PageText]) -> tuple[list[tuple[float, list[int]]], float]:
    """The best and runner-up orders over all joint outline readings (an order scores its best reading),
    and the log-probability of the best order with scores tempered, the joint readings taken as a mixture.

    The solver runs once per joint reading, each giving its two best orders; the best order overall and
    the best other order are among those, so the runner-up is exact too. The sum over all orders is exact
    up to EXACT_MAX_PAGES; beyond, it runs over the orders found only (the probability is overstated).
    """
    n = len(pages)
    start, end, links = start_scores(pages), end_scores(pages), link_matrix(pages)
    exact = n <= EXACT_MAX_PAGES
    scored: dict[tuple[int, ...], float] = {}
    readings = []
    for weight, positions in outline_combos(pages, MAX_COMBOS if n <= 8 else 3):
        outline = outline_scores(positions, weight)
        arrays = (start + outline.start, links + outline.links, end + outline.end, outline.before)
        readings.append((outline.log_weight, arrays))
        for score, order in (_held_karp if exact else _beam)(*arrays):
            key = tuple(order)
            scored[key] = max(scored.get(key, -math.inf), score + outline.log_weight)
    ranked = [(s, list(k)) for k, s in sorted(scored.items(), key=lambda t: -t[1])[:2]]
    best = ranked[0][1]
    mass = [(log_weight + _path_score(best, *arrays)) / TEMPERATURE for log_weight, arrays in readings]
    if exact:
        total = [
            log_weight / TEMPERATURE + _log_partition(*arrays, TEMPERATURE) for log_weight, arrays in readings
        ]
    else:
        total = [s / TEMPERATURE for s in scored.values()] + mass
    return ranked, float(_logsumexp(np.array(mass)) - _logsumexp(np.array(total)))


def _path_score(
    order: Sequence[int], start: np.ndarray, links: np.ndarray, end: np.ndarray, before: np.ndarray
) -> float:
    """The score the solvers give one order."""
    score = start[order[0]] + end[order[-1]] + sum(links[a, b] for a, b in itertools.pairwise(order))
    for x, a in enumerate(order):
        score -= PREC_WEIGHT * sum(before[b, a] for b in order[x + 1 :])
    return float(score)


def order_score(order: Sequence[int], pages: Sequence[PageText]) -> float:
    """Total score of one order (the quantity best_order maximises); for tests and diagnostics."""
    start, end, links = start_scores(pages), end_scores(pages), link_matrix(pages)
    combos = outline_combos(pages, MAX_COMBOS if len(pages) <= 8 else 3)
    return max(
        outline.log_weight
        + _path_score(order, start + outline.start, links + outline.links, end + outline.end, outline.before)
        for outline in (outline_scores(positions, weight) for weight, positions in combos)
    )


def _held_karp(
    start: np.ndarray, links: np.ndarray, end: np.ndarray, before: np.ndarray
) -> list[tuple[float, list[int]]]:
    """Best and second-best Hamiltonian paths, exactly (two entries kept per (subset, last page) state)."""
    n = len(start)
    full = (1 << n) - 1
    masks = np.arange(1 << n)
    in_set = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    # cost of placing page j next when the pages outside the subset (still to come) should precede it
    late_cost = PREC_WEIGHT * ((~in_set).astype(float) @ before)
    best = np.full((1 << n, n, 2), -np.inf)
    back = np.full((1 << n, n, 2), -1, dtype=np.int64)
    for j in range(n):
        best[1 << j, j, 0] = start[j] - late_cost[0, j]
    for subset in range(1, full):
        current = best[subset]
        if not np.isfinite(current).any():
            continue
        candidates = (current[:, :, None] + links[:, None, :]).reshape(2 * n, n)
        top = np.argsort(-candidates, axis=0, kind="stable")[:2]
        values = np.take_along_axis(candidates, top, axis=0)
        for j in np.flatnonzero(~in_set[subset]).tolist():
            nxt = subset | (1 << j)
            best[nxt, j] = values[:, j] - late_cost[subset, j]
            back[nxt, j] = top[:, j]
    totals = (best[full] + end[:, None]).reshape(-1)
    ranked = []
    for flat in np.argsort(-totals, kind="stable")[:2]:
        if not np.isfinite(totals[flat]):
            continue
        j, rank = divmod(int(flat), 2)
        path, subset = [j], full
        while True:
            code = int(back[subset, j, rank])
            if code < 0:
                break
            subset ^= 1 << j
            j, rank = divmod(code, 2)
            path.append(j)
        ranked.append((float(totals[flat]), path[::-1]))
    return ranked


def _logsumexp(values: np.ndarray, axis: int | None = None) -> np.ndarray:
    top = np.max(values, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        total = np.log(np.sum(np.exp(values - top), axis=axis, keepdims=True)) + top
    return np.squeeze(total, axis=axis) if axis is not None else total.reshape(())


def _log_partition(
    start: np.ndarray, links: np.ndarray, end: np.ndarray, before: np.ndarray, temperature: float
) -> float:
    """log of the sum over all orders of exp(score / temperature): Held-Karp with sums instead of maxima."""
    n = len(start)
    full = (1 << n) - 1
    masks = np.arange(1 << n)
    in_set = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    late_cost = PREC_WEIGHT * ((~in_set).astype(float) @ before) / temperature
    scaled = links / temperature
    total = np.full((1 << n, n), -np.inf)
    total[1 << np.arange(n), np.arange(n)] = start / temperature - late_cost[0]
    for subset in range(1, full):
        free = np.flatnonzero(~in_set[subset])
        step = _logsumexp(total[subset][:, None] + scaled[:, free], axis=0)
        total[subset | (1 << free), free] = step - late_cost[subset, free]
    return float(_logsumexp(total[full] + end / temperature))


def _beam(
    start: np.ndarray, links: np.ndarray, end: np.ndarray, before: np.ndarray
) -> list[tuple[float, list[int]]]:
    """Beam search for long copies: keeps the two best partial paths per (subset, last page)."""
    n = len(start)
    col = before.sum(axis=0)
    # a beam entry: (score, path, set of placed pages as a bit mask, precedence mass of the placed pages)
    beam = [(float(start[j] - PREC_WEIGHT * col[j]), [j], 1 << j, before[j].copy()) for j in range(n)]
    for _ in range(n - 1):
        states: dict[tuple[int, int], list[tuple[float, list[int], int, np.ndarray]]] = {}
        for score, path, done, placed in beam:
            # pages still to come that should precede j cost PREC_WEIGHT each (same as in _held_karp)
            gains = score + links[path[-1]] - PREC_WEIGHT * (col - placed)
            for j in range(n):
                if done >> j & 1:
                    continue
                item = (float(gains[j]), path + [j], done | 1 << j, placed + before[j])
                kept = states.setdefault((item[2], j), [])
                kept.append(item)
                if len(kept) > 2:
                    kept.sort(key=lambda t: -t[0])
                    del kept[2:]
        beam = sorted((it for kept in states.values() for it in kept), key=lambda t: -t[0])[:BEAM_WIDTH]
    finished = sorted(((s + end[p[-1]], p) for s, p, _, _ in beam), key=lambda t: -t[0])
    return [(float(s), p) for s, p in finished[:2]]


def _edge_words(text: str, last: bool, count: int = 6) -> str:
    lines = _lines(text)
    if not lines:
        return ""
    words = (lines[-1] if last else lines[0]).split()
    return " ".join(words[-count:] if last else words[:count])


# --- from the page image --------------------------------------------------------------------------

HEAD_LINES = 3
TAIL_LINES = 2
HEAD_SHARE = 0.5  # share of a head line read (its start: first word, memo opening, marker)
TAIL_SHARE = 0.45  # share of a tail line read (its end: last word and punctuation)
MARK_WIDTH = 0.17  # share of the writing width read at a line start, for outline markers


def page_text(gray: np.ndarray, writing_box: tuple[int, int, int, int]) -> PageText:
    """OCR the starts of the first lines, the ends of the last lines and the starts of paragraph lines.

    Everything goes to tesseract in one call (a mosaic of line pieces): its time grows with the amount of
    text read, so only the parts the signals use are read (about 3.5 line widths per page).
    """
    from anonymat.ocr import ocr_lines

    began = time.perf_counter()
    x0, y0, x1, y1 = (int(v) for v in writing_box)
    area = np.asarray(gray)[max(0, y0) : y1, max(0, x0) : x1]
    if area.ndim == 3:
        area = area.mean(axis=2).astype(np.uint8)
    ink_info = ink_mask(area)
    ink = ink_info.mask
    bands = find_line_bands(area, ink)
    height, width = area.shape
    if not bands:
        return PageText("", "", (), 0, 0.0, seconds=round(time.perf_counter() - began, 4))
    n = len(bands)
    lefts = np.array([b[2] for b in bands], float)
    rights = np.array([b[3] for b in bands], float)
    usual_right = float(np.percentile(rights, 80)) if n > 2 else float(width)
    usual_left = float(np.percentile(lefts, 20))
    usual_width = max(1.0, usual_right - usual_left)
    band_px = float(np.median([b[1] - b[0] for b in bands]))
    pad = max(4, int(0.3 * band_px))
    # pieces to read: (band, x from, x to); a piece that starts at the line's left edge can hold a marker
    pieces: list[tuple[int, int, int]] = []
    heads, tails = range(min(HEAD_LINES, n)), range(max(0, n - TAIL_LINES), n)
    for k in heads:
        left, right = bands[k][2], bands[k][3]
        cut = word_gap(ink, bands[k], left + HEAD_SHARE * usual_width, band_px)
        pieces.append((k, left, right if k in tails else min(right, cut)))
    start_w = int(min(MARK_WIDTH * width, 6 * band_px))
    for k in tails:
        if k in heads:
            continue
        left, right = bands[k][2], bands[k][3]
        cut = word_gap(ink, bands[k], right - TAIL_SHARE * usual_width, band_px)
        if cut - left < start_w * 1.5:
            pieces.append((k, left, right))
        else:
            pieces.append((k, left, left + start_w))  # its start, for a marker
            pieces.append((k, cut, right))
    read = {k for k, _, _ in pieces}
    for k in section_candidates(bands, usual_left, usual_right, width, exclude=read):
        pieces.append((k, bands[k][2], min(width, bands[k][2] + start_w)))
    scale = min(1.0, max(0.5, OCR_BAND_PX / max(band_px, 1.0)))
    texts = read_pieces(area, ink_info, bands, pieces, pad, scale, ocr_lines)
    markers, head, tail = [], [], []
    for (k, x_from, x_to), text in zip(pieces, texts, strict=True):
        kind = parse_marker(text) if x_from == bands[k][2] else None
        if kind in _PART:
            kind = count_numeral(ink, bands[k], text, kind)
            if kind is None and re.match(r"\W*D[.)]\s", text):
                kind = "B"  # a wide glyph read "D.": a "B." whose middle stroke OCR lost, not a merged "I)"
        if kind:
            markers.append((kind, round((bands[k][0] + bands[k][1]) / 2 / height, 4)))
        if k in heads and text:
            head.append(text)
        elif k in tails and text:
            tail.append(text if x_to == bands[k][3] or x_from > bands[k][2] else text + " …")
    return PageText(
        head="\n".join(head),
        tail="\n".join(tail),
        markers=tuple(sorted(set(markers), key=lambda m: m[1])),
        lines=n,
        fill=round(bands[-1][1] / height, 4),
        tail_end=round(float(rights[-1]) / max(usual_right, 1.0), 4),
        head_indent=round((float(lefts[0]) - usual_left) / width, 4),
        seconds=round(time.perf_counter() - began, 4),
    )
