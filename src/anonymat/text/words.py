"""French words for reading order: closed word classes, accent folding, word frequencies (wordfreq),
fuzzy matching, and the first and last words of OCR text."""

from __future__ import annotations

import functools
import math
import re
import unicodedata

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
CASE_RELIABLE = frozenset("abdefghijlmnqrtuy")


def strip_accents(text: str) -> str:
    """`text` with its letters' accents taken off ("Élève" -> "Eleve"), case kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lowercase, accents stripped, typographic apostrophes made plain."""
    return strip_accents(text.replace("’", "'").replace("`", "'").lower())


@functools.lru_cache(maxsize=20000)
def zipf(word: str) -> float:
    """wordfreq Zipf frequency of a French word (0 when unknown or when wordfreq is missing), its accents
    optional: a word written or read without them ("securite", "DEMARCHES" in capitals) counts as the
    commonest word that it spells once accents are stripped."""
    if not word:
        return 0.0
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # degrade: only the closed-class lists are used then
        return 4.0 if fold(word) in FUNCTION_WORDS else 0.0
    return max(float(zipf_frequency(word, "fr")), _unaccented().get(fold(word), 0.0))


@functools.lru_cache(maxsize=1)
def _unaccented() -> dict[str, float]:
    """Zipf frequency by word folded (`fold`), for the folded forms that a word with accents (or capitals)
    beats: the commonest French word that folds to it. About 50,000 entries."""
    from wordfreq import get_frequency_dict

    frequencies = get_frequency_dict("fr")
    best: dict[str, float] = {}
    for word, frequency in frequencies.items():
        key = fold(word)
        if key != word and frequency > max(best.get(key, 0.0), frequencies.get(key, 0.0)):
            best[key] = frequency
    return {key: round(math.log10(frequency) + 9.0, 2) for key, frequency in best.items()}


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


def is_near(word: str, target: str) -> bool:
    """Fuzzy equality that tolerates OCR: one edit for short words, two for long ones."""
    limit = 0 if len(target) <= 3 else 1 if len(target) <= 6 else 2
    return abs(len(word) - len(target)) <= limit and edit_distance(word, target) <= limit


CAPITALS_SHARE = 0.85  # share of capital letters in text written in block capitals (OCR reads a few small)
CAPITALS_LETTERS = 12  # letters it takes to tell


def in_capitals(text: str) -> bool:
    """Whether `text` is written in block capitals, as many hands write: its letters' case then says
    nothing of where a sentence starts or of what is a heading."""
    letters = [c for c in text if c.isalpha()]
    capitals = sum(c.isupper() for c in letters)
    return len(letters) >= CAPITALS_LETTERS and capitals >= CAPITALS_SHARE * len(letters)


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if re.search(r"\w", line)]


def last_word(text: str) -> tuple[str, str]:
    """(last word, the punctuation written after it) of the last line of `text`."""
    lines = split_lines(text)
    if not lines:
        return "", ""
    match = re.search(r"([^\W_]+(?:['’][^\W_]*)?)(\W*)$", lines[-1])
    if not match:
        return "", ""
    return match.group(1), re.sub(r"\s", "", match.group(2))


def first_word(text: str) -> tuple[str, str]:
    """(punctuation before, first word) of the first line of `text`, leading OCR specks dropped."""
    lines = split_lines(text)
    if not lines:
        return "", ""
    match = re.match(r"(\W*?)([^\W_]+)", lines[0])
    if not match:
        return "", ""
    return re.sub(r"[\s'\"‘“«|]", "", match.group(1)), match.group(2)


@functools.lru_cache(maxsize=1)
def _lexicon() -> tuple[str, ...]:
    """wordfreq's 50,000 most frequent French words of 5+ letters (empty when wordfreq is missing)."""
    try:
        from wordfreq import top_n_list
    except ImportError:
        return ()
    return tuple(w for w in top_n_list("fr", 50000) if len(w) >= 5 and w.isalpha())


@functools.lru_cache(maxsize=4096)
def nearest_word(text: str, cutoff: float = 0.8) -> tuple[str, float] | None:
    """The frequent French word nearest to `text` (normalised Levenshtein similarity >= cutoff), for a
    word OCR misread ("administmtion" -> "administration"); None for short or unmatched text."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    text = text.lower()
    if len(text) < 6 or not text.isalpha():
        return None
    found = process.extractOne(
        text, _lexicon(), scorer=Levenshtein.normalized_similarity, score_cutoff=cutoff
    )
    return (str(found[0]), float(found[1])) if found else None
