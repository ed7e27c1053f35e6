"""Reading order of a copy's pages from text continuity (pure functions over text and numbers).

Every page gives a small `PageText` (`page_text`, the only image code here): the OCR text of its first and
last written lines, the outline markers (I), A., B., II) ...) found at line starts, and how full it is.
Scores are log-odds (natural log) added together:

- `start_scores`: a head that starts a sentence, the memo opening (`Ville de`, `Direction`,
  `Note à l'attention`, `Objet`, a date; kept on one page only, the clearest);
- `end_scores`: a tail that ends a sentence, a partly filled page, a conclusion, a closing formula;
- `link_matrix`: whether page j's head continues page i's tail (agreement on the sentence state at the
  break, a hyphenated word completed, plausible word classes across the break, a plural determiner
  agreeing with the next word, how often French puts the two words at the join side by side
  (`word_pair_link`, counts from the French Wiktionary), a heading on i's last line followed by text);
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

import itertools
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from anonymat.model import PageText
from anonymat.reading.outline import (
    LETTER_OFFSET,
    MAX_COMBOS,
    PART_RANK,
    family_precedence,
    heading_evidence,
    opening_page,
    outline_combos,
    outline_scores,
    parse_marker,
    several_texts,
)
from anonymat.reading.pagemarks import label_scores, strip_running_lines
from anonymat.reading.sequence import sequence_scores
from anonymat.text.bigrams import association
from anonymat.text.handwriting import LineReader
from anonymat.text.textlines import (  # noqa: F401  (OCR_BAND_PX, find_line_bands: used through ordering)
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
from anonymat.text.words import (
    CASE_RELIABLE,
    CONJUNCTIONS,
    DETERMINERS,
    FUNCTION_WORDS,
    MONTHS,
    NO_END,
    PREPOSITIONS,
    SENTENCE_OPENERS,
    first_word,
    fold,
    in_capitals,
    is_known,
    last_word,
    nearest_word,
    readability,
    split_lines,
    zipf,
)

# the names roster.py used before textlines.py existed
_Ink, _ink_mask, _read_pieces = Ink, ink_mask, read_pieces

MID_PRIOR = 0.8  # share of page breaks that fall mid-sentence
PREC_WEIGHT = 4.0  # cost of putting a page after one whose outline markers are later
EXACT_MAX_PAGES = 12
# the scores' log-odds are overconfident (signals are correlated, OCR errors hit several at once): they are
# divided by this before being read as probabilities (set on generated copies, see bench/evaluate_order.py).
# Issue 13 tried 1.5 on the development sets (real modern: 2 of 36 right orders flagged instead of 6, no
# confident wrong); the held-out real documents then gave 4 confident wrong orders instead of 2, so 2.0 stays
TEMPERATURE = 2.0
BEAM_WIDTH = 600
TRUST_ON = True
SHORT_LINE = 0.8  # a last line ending short of this share of the usual right end closes a paragraph
SHORT_PENALTY = -1.5  # its log-odds (handwritten right margins are ragged; -2.0 before issue 13's 2nd round)
FUZZY_ON = True
HYPHEN_FUZZY = 0.8  # similarity a hyphen-joined word needs to a frequent French word
FRESH_ON = True
FRESH_FILL = 0.75  # a page written down to less than this share is part-empty
FRESH_BONUS = 1.0  # log-odds that a part-empty page is followed by the page that opens with a heading
PAIR_WEIGHT = 0.75  # share of the word-pair association (text.bigrams) across an unpunctuated join
LINES_FOR_SHARE = 10  # the copy's fullest page must hold this many lines for line counts to say how full


@dataclass(frozen=True)
class Link:
    after: int
    before: int
    score: float
    tail_words: str
    head_words: str
    # the probability that `before` follows `after` directly, summed over every order (`join_probabilities`);
    # None beyond EXACT_MAX_PAGES, where the orders are not all summed
    probability: float | None = None


@dataclass(frozen=True)
class OrderResult:
    order: list[int]
    confidence: float
    method: str
    links: list[Link]


# --- sentence state at a break --------------------------------------------------------------------


TRUST_LETTERS = 8  # letters a line read must hold for its words and punctuation to count in full
TRUST_FLOOR = 0.25  # the weight of what a garbled line's text says (its geometry always counts)


def line_trust(line: str) -> float:
    """How far the words and punctuation OCR gives for one line can be believed, 0..1: the share of known
    French words in it (`readability`), and how much text there is (a lone "D" or "@" read from a speck,
    a label or a stamp says nothing about a sentence)."""
    letters = sum(c.isalpha() for c in line)
    share = min(1.0, letters / TRUST_LETTERS)
    return float(max(TRUST_FLOOR, readability(line)) * share) if letters else 0.0


def _edge_line(text: str, last: bool) -> str:
    lines = split_lines(text)
    return (lines[-1] if last else lines[0]) if lines else ""


def tail_evidence(page: PageText) -> float:
    """Log-likelihood ratio that the page's last line stops mid-sentence (vs at a sentence end)."""
    word, punct = last_word(page.tail)
    if not word:
        return 0.0
    trust = line_trust(_edge_line(page.tail, last=True)) if TRUST_ON else 1.0
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
    if lower in NO_END and (len(lower) > 1 or lower in ("a", "y") or word.endswith(("'", "’"))):
        score += 3.0 * reliable  # a bare "d" or "l" without its apostrophe is more often a misread speck
    score *= trust
    score += 0.6 if page.tail_end >= SHORT_LINE else SHORT_PENALTY  # a short last line closes a paragraph
    if page.fill < 0.85:
        score -= 1.0  # writing stopped early on the page: the text or a part of it ends there
    return score


def _elided_i(head: str) -> bool:
    """Whether the head opens on "I'" before a letter: no French word, OCR's reading of a handwritten "l'"
    or "L'" ("I'humidité"), whose case is then unknown."""
    lines = split_lines(head)
    return bool(lines) and re.match(r"\W*I['’][^\W\d_]", lines[0]) is not None


def head_evidence(page: PageText) -> float:
    """Log-likelihood ratio that the page's first line continues a sentence (vs starts one)."""
    punct, word = first_word(page.head)
    if not word:
        return 0.0
    score = 0.0
    if punct and punct[-1] in ",;)":
        score += 2.0
    first = word[0]
    # a misread word says little about its first letter's case ("dispositif" read as "MspoSibif")
    trust = readability(page.head) * (1.0 if is_known(word) else 0.35)
    if re.match(r"\W*" + re.escape(word) + r"-[^\W\d_]", split_lines(page.head)[0]) and first.isupper():
        trust = 0.0  # a compound place name ("Saint-Aubin ..."): capital mid-sentence too
    capitals = in_capitals(page.head)
    if capitals:
        trust = 0.0  # written in block capitals: every word starts with one
    if _elided_i(page.head):
        pass  # "I'" is OCR's "l'" or "L'": its case says nothing
    elif first.isalpha() and fold(first) in CASE_RELIABLE:
        score += 2.0 * trust if first.islower() else -2.3 * trust
    elif first.isalpha():
        score += 0.5 * trust if first.islower() else -0.5 * trust
    if (word.islower() or capitals) and fold(word) in (NO_END | {"a", "est", "sont"}):
        score += 0.7 if word.islower() else 0.35  # in capitals, "LA" may open a sentence too
    elif word[0].isupper() and fold(word) in SENTENCE_OPENERS:
        score -= 1.0
    if TRUST_ON:
        score *= line_trust(_edge_line(page.head, last=False))
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
    return (kind in PART_RANK or kind in LETTER_OFFSET) and y > page.fill - 0.9 * pitch


def title_link(before: PageText, after: PageText) -> float:
    """A heading on the last line of a page is followed by its text, not by another heading."""
    if not _ends_with_title(before):
        return 0.0
    return -2.0 if _starts_with_marker(after) else 0.5


def _fill_share(page: PageText, most: int) -> float:
    """How far down the page the writing goes, or how many lines it holds beside the copy's fullest page
    (`most` lines; a footer, a stamp or a label at the foot can put the last ink low on a half-written page)."""
    return min(page.fill, page.lines / most) if most >= LINES_FOR_SHARE else page.fill


def fresh_page_link(before: PageText, after: PageText, most: int) -> float:
    """A part opens on a fresh page: a page left part-empty is followed by one that starts with a heading."""
    if _fill_share(before, most) >= FRESH_FILL or not _starts_with_marker(after):
        return 0.0
    return FRESH_BONUS


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
    lines = split_lines(text)
    words = re.findall(r"[^\W\d_]+", fold(lines[-1])) if lines else []
    return words[-2] if len(words) >= 2 else ""


# two-word openers of a French sentence (locutions adverbiales): when a page ends on the first word of a
# new sentence, the next page's first word completes it (the word-pair counts come from definitions, which
# hold few sentences opening this way: "de | plus" is below chance there)
OPENING_LOCUTIONS = frozenset(
    tuple(p.split())
    for p in (
        "de plus", "de meme", "de fait", "en effet", "en outre", "en revanche", "en somme", "en conclusion",
        "en definitive", "en particulier", "en premier", "en second", "en dernier", "en resume", "en fait",
        "en consequence", "en bref", "par ailleurs", "par consequent", "par exemple", "par contre",
        "par suite", "au contraire", "au total", "au final", "du reste", "tout d", "pour conclure",
        "pour autant",
    )
)  # fmt: skip


def _opens_last_sentence(tail: str, word: str) -> bool:
    """Whether `word`, the tail's last word, is capitalised and starts its sentence (a stop before it)."""
    lines = split_lines(tail)
    if not lines or not word[:1].isupper():
        return False
    before = lines[-1][: lines[-1].rfind(word)].rstrip()
    if in_capitals(tail):
        return bool(before) and before[-1] in ".!?:"  # in block capitals only the stop tells
    return not before or before[-1] in ".!?:"


def boundary_link(tail: str, head: str) -> float:
    """Word-level evidence that `head` continues `tail`: hyphen completion, word classes across the break."""
    word, punct = last_word(tail)
    _, first = first_word(head)
    if not word or not first:
        return 0.0
    a, b = word.lower(), first.lower()
    if punct.endswith(("-", "¬", "=")):
        joined = a + b
        if zipf(joined) >= 2.0 and zipf(joined) > min(zipf(a), zipf(b)):
            return 3.0
        if zipf(joined.replace("'", "")) >= 2.0:
            return 2.0
        near = nearest_word(re.split("['’]", joined)[-1], HYPHEN_FUZZY) if FUZZY_ON else None
        if near and zipf(near[0]) > min(zipf(a), zipf(b)):
            return 1.5  # a word cut at the line end, completed through OCR errors ("adminis-" | "tratiom")
        return 0.0
    fa, fb = fold(a), fold(b)
    if not punct and (fa, fb.split("'")[0]) in OPENING_LOCUTIONS and _opens_last_sentence(tail, word):
        return 2.0  # a sentence opener cut at the page end: "… comparables. De | plus, les retours …"
    if not punct and fa in MONTHS and re.fullmatch(r"1[5-9]\d\d|20\d\d", b):
        return 2.0  # a date cut at the page end: "le 23 avril | 2019 fixe ..."
    if zipf(a) < 2.0 and zipf(b) < 2.0 and zipf(a + b) >= 3.0 and not punct:
        return 2.0  # a word cut without a hyphen, e.g. "adminis" / "tration"
    if not (is_known(a) and is_known(b)):
        return 0.0
    if (fa, fb) in (("ce", "qui"), ("ce", "que"), ("ce", "qu"), ("ce", "dont")) and not punct:
        return 0.5  # "ce" as a pronoun before a relative: "tout ce | que je possède"
    if fa in ("tout", "toute", "tous", "toutes") and fb in DETERMINERS:
        return 0.3  # "tout" before a determiner: "toutes | les trois", "toute | ma vie"
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
    return 0.0 if punct else syntax_link(fa, fb)


def word_pair_link(tail: str, head: str) -> float:
    """How much more often French puts the head's first word right after the tail's last word than chance
    would (text.bigrams, log-ratio), when nothing is written between them: "de la | mise" gains, "de la |
    usagers" loses. 0 across punctuation, before a capital (unless the hand writes in capitals) and for
    words the table does not know; weighed by how far the two lines read can be believed (`line_trust`: a
    lone "L" read from a speck is no article).
    """
    word, punct = last_word(tail)
    _, first = first_word(head)
    if first and _elided_i(head):
        first = "l"  # "I'humidité": OCR's "l'"
    if not word or not first or punct:
        return 0.0
    if first[0].isupper() and fold(first[0]) in CASE_RELIABLE and not in_capitals(head):
        return 0.0  # a capital opens a sentence (a heading or a lost final stop before it): no pair
    trust = min(line_trust(_edge_line(tail, True)), line_trust(_edge_line(head, False))) if TRUST_ON else 1.0
    return trust * association(word, first)


SUBJECTS = frozenset("je tu il elle on nous vous ils elles".split())
# what follows a subject pronoun: a verb, or the clitics and negation that come before one
_AFTER_SUBJECT = frozenset("ne n se s y en le la les l lui leur me m te t nous vous".split())
# finite forms of the auxiliaries and of the commonest verbs: never right after a determiner or a
# preposition ("le | est", "de | sont"), the usual thing right after a subject ("il | est")
FINITE = frozenset("est sont etait etaient sera seront a ont avait avaient aura auront fut furent "
                   "peut peuvent doit doivent fait font va vont".split())  # fmt: skip


def syntax_link(tail_word: str, head_word: str) -> float:
    """Log-odds from French word order across a break with no punctuation, for two known words (folded): a subject
    pronoun is followed by a verb or a clitic, not by a determiner or a preposition; a determiner or a
    preposition is not followed by a finite verb."""
    if tail_word in SUBJECTS:
        if head_word in FINITE or head_word in _AFTER_SUBJECT:
            return 0.5
        if head_word in DETERMINERS or head_word in PREPOSITIONS or head_word in CONJUNCTIONS:
            return -1.0
    # "a" (has) and "à" are one word once folded, and OCR often drops the accent: "a" never counts here
    if (tail_word in DETERMINERS or tail_word in PREPOSITIONS) and head_word in FINITE - {"a"}:
        return -1.0
    return 0.0


# --- page-level scores ----------------------------------------------------------------------------


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
    most = max((p.lines for p in pages), default=0)
    for i, page in enumerate(pages):
        score = _opens_sentence(tail_evidence(page))  # the text must stop at a sentence end
        # a partly filled page is often the last, but candidates also start a part on a fresh page; how far
        # down the writing goes, or how many lines it holds beside the copy's fullest page (a footer, a
        # stamp or a label at the foot of the page can put the last ink low on a half-written page)
        fill = _fill_share(page, most)
        score += 1.5 * min(1.0, max(0.0, (0.9 - fill) / 0.4)) if fill < 0.9 else -0.5
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
    most = max((p.lines for p in pages), default=0)
    links = np.full((n, n), -np.inf)
    for i in range(n):
        for j in range(n):
            if i != j:
                links[i, j] = (
                    _agreement(tails[i], heads[j])
                    + boundary_link(pages[i].tail, pages[j].head)
                    + PAIR_WEIGHT * word_pair_link(pages[i].tail, pages[j].head)
                    + title_link(pages[i], pages[j])
                    + (fresh_page_link(pages[i], pages[j], most) if FRESH_ON else 0.0)
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
    ranked, log_probability, readings = _ranked_orders(pages)
    pages = strip_running_lines(pages)
    order = ranked[0][1]
    probability = math.exp(min(0.0, log_probability))
    confidence = max(0.0, 2.0 * probability - 1.0)
    links = link_matrix(pages)
    joins = join_probabilities(readings) if n <= EXACT_MAX_PAGES else None
    result_links = [
        Link(
            a,
            b,
            float(links[a, b]),
            _edge_words(pages[a].tail, last=True),
            _edge_words(pages[b].head, last=False),
            None if joins is None else float(round(joins[a, b], 4)),
        )
        for a, b in zip(order, order[1:], strict=False)
    ]
    return OrderResult(list(order), float(round(confidence, 4)), "continuity", result_links)


Reading = tuple[float, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def _ranked_orders(pages: Sequence[PageText]) -> tuple[list[tuple[float, list[int]]], float, list[Reading]]:
    """The best and runner-up orders over all joint outline readings (an order scores its best reading),
    the log-probability of the best order with scores tempered, the joint readings taken as a mixture, and
    the readings (log weight; start, links, end, precedence scores).

    The solver runs once per joint reading, each giving its two best orders; the best order overall and
    the best other order are among those, so the runner-up is exact too. The sum over all orders is exact
    up to EXACT_MAX_PAGES; beyond, it runs over the orders found only (the probability is overstated).
    """
    n = len(pages)
    start, end, links, label_before = _text_scores(pages)
    exact = n <= EXACT_MAX_PAGES
    one_text = not several_texts(pages)
    scored: dict[tuple[int, ...], float] = {}
    readings: list[Reading] = []
    for weight, positions in outline_combos(pages, MAX_COMBOS if n <= 8 else 3):
        outline = outline_scores(positions, weight, one_text)
        arrays = (
            start + outline.start,
            links + outline.links,
            end + outline.end,
            outline.before + label_before,
        )
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
    return ranked, float(_logsumexp(np.array(mass)) - _logsumexp(np.array(total))), readings


def _path_score(
    order: Sequence[int], start: np.ndarray, links: np.ndarray, end: np.ndarray, before: np.ndarray
) -> float:
    """The score the solvers give one order."""
    score = start[order[0]] + end[order[-1]] + sum(links[a, b] for a, b in itertools.pairwise(order))
    for x, a in enumerate(order):
        score -= PREC_WEIGHT * sum(before[b, a] for b in order[x + 1 :])
    return float(score)


def _text_scores(pages: Sequence[PageText]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """start, end, links and the precedence of page labels and numbered headings (and, in a copy of
    several texts, of the outline headings that do not repeat); running headers and labels are left out
    of the text the continuity signals read."""
    label_start, label_end, label_before = label_scores(pages)
    number_start, number_links, number_before = sequence_scores(pages)
    before = label_before + number_before
    if several_texts(pages):
        before = before + family_precedence(pages)
    text = strip_running_lines(pages)
    return (
        start_scores(text) + label_start + number_start,
        end_scores(text) + label_end,
        link_matrix(text) + number_links,
        before,
    )


def order_score(order: Sequence[int], pages: Sequence[PageText]) -> float:
    """Total score of one order (the quantity best_order maximises); for tests and diagnostics."""
    start, end, links, label_before = _text_scores(pages)
    combos = outline_combos(pages, MAX_COMBOS if len(pages) <= 8 else 3)
    one_text = not several_texts(pages)
    return max(
        outline.log_weight
        + _path_score(
            order,
            start + outline.start,
            links + outline.links,
            end + outline.end,
            outline.before + label_before,
        )
        for outline in (outline_scores(positions, weight, one_text) for weight, positions in combos)
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


def _forward_sums(
    start: np.ndarray, links: np.ndarray, before: np.ndarray, temperature: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Held-Karp with sums instead of maxima: [S, j] = log of the sum of exp(score / temperature) over the
    ways to place the pages of subset S ending on page j; with the subsets' membership, the cost of placing
    a page after a subset (outline precedence) and the tempered links, for the backward pass."""
    n = len(start)
    masks = np.arange(1 << n)
    in_set = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    late_cost = PREC_WEIGHT * ((~in_set).astype(float) @ before) / temperature
    scaled = links / temperature
    forward = np.full((1 << n, n), -np.inf)
    forward[1 << np.arange(n), np.arange(n)] = start / temperature - late_cost[0]
    for subset in range(1, (1 << n) - 1):
        free = np.flatnonzero(~in_set[subset])
        step = _logsumexp(forward[subset][:, None] + scaled[:, free], axis=0)
        forward[subset | (1 << free), free] = step - late_cost[subset, free]
    return forward, in_set, late_cost, scaled


def _log_partition(
    start: np.ndarray, links: np.ndarray, end: np.ndarray, before: np.ndarray, temperature: float
) -> float:
    """log of the sum over all orders of exp(score / temperature)."""
    forward = _forward_sums(start, links, before, temperature)[0]
    return float(_logsumexp(forward[-1] + end / temperature))


def _join_log_sums(
    start: np.ndarray, links: np.ndarray, end: np.ndarray, before: np.ndarray, temperature: float
) -> tuple[np.ndarray, float]:
    """[a, b] = log of the sum, over the orders where page b directly follows page a, of exp(score /
    temperature); and the log of the sum over all orders (`_log_partition`). Forward sums over the subsets
    placed so far (ending on a page), backward sums over the ways to place the rest, joined at each step."""
    forward, in_set, late_cost, scaled = _forward_sums(start, links, before, temperature)
    full = len(forward) - 1
    # backward[S, j]: the rest of an order that has placed the pages of S and ended on j
    backward = np.full(forward.shape, -np.inf)
    backward[full] = end / temperature
    # entering[S, b]: placing b right after the pages of S, then everything after it
    entering = np.full(forward.shape, -np.inf)
    for subset in range(full - 1, 0, -1):
        free = np.flatnonzero(~in_set[subset])
        entering[subset, free] = backward[subset | (1 << free), free] - late_cost[subset, free]
        backward[subset] = _logsumexp(scaled[:, free] + entering[subset, free][None, :], axis=1)
    pairs = _logsumexp(forward[:, :, None] + entering[:, None, :], axis=0) + scaled
    return pairs, float(_logsumexp(forward[full] + end / temperature))


def join_probabilities(readings: Sequence[Reading]) -> np.ndarray:
    """[a, b] = probability that page b directly follows page a: the tempered scores summed over every
    order in which it does, over the sum over all orders, the joint outline readings taken as a mixture
    (as for the order's confidence). A join can be likely while the whole order is not: in a long copy
    many orders share most of their joins. Exact, so for copies of up to EXACT_MAX_PAGES pages."""
    sums = [_join_log_sums(*arrays, TEMPERATURE) for _, arrays in readings]
    weights = np.array([log_weight / TEMPERATURE for log_weight, _ in readings])
    joined = _logsumexp(np.stack([w + pairs for w, (pairs, _) in zip(weights, sums, strict=True)]), axis=0)
    total = _logsumexp(np.array([w + z for w, (_, z) in zip(weights, sums, strict=True)]))
    with np.errstate(invalid="ignore"):
        return np.clip(np.nan_to_num(np.exp(joined - total)), 0.0, 1.0)


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
    lines = split_lines(text)
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


def page_text(
    gray: np.ndarray, writing_box: tuple[int, int, int, int], reader: LineReader | None = None
) -> PageText:
    """Read the starts of the first lines, the ends of the last lines and the starts of paragraph lines.

    `reader` defaults to the process's handwriting reader (`handwriting.reader()`); with tesseract all the
    pieces go in one call (a mosaic). Either way the time grows with the amount of text read, so only the
    parts the signals use are read (about 3.5 line widths per page).
    """
    from anonymat.text.handwriting import reader as default_reader
    from anonymat.text.ocr import ocr_lines

    if reader is None:
        reader = default_reader()

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
    texts = read_pieces(area, ink_info, bands, pieces, pad, scale, ocr_lines, reader)
    markers, head, tail = [], [], []
    for (k, x_from, x_to), text in zip(pieces, texts, strict=True):
        kind = parse_marker(text) if x_from == bands[k][2] else None
        if kind in PART_RANK:
            kind = count_numeral(ink, bands[k], text, kind)
            if kind is None and re.match(r"\W*D[.)]\s", text):
                kind = "B"  # a wide glyph read "D.": a "B." whose middle stroke OCR lost, not a merged "I)"
        if kind:
            markers.append((kind, round((bands[k][0] + bands[k][1]) / 2 / height, 4)))
        if k in heads and text:
            head.append(text)
        if k in tails and text and (k not in heads or n <= HEAD_LINES):  # a short page: its last lines too
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
