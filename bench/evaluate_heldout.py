"""Reading order on the held-out synthetic sets, 2 to 8 pages per copy, in the held-out fonts only
(synth.hand's HELD_OUT_FONTS: Écolier, a cursive French school hand, and Femkeklaver):

- `fonts`: the bank's memo texts (seed 31, in --out);
- `texts`: the held-out memo texts (synth/heldout_text.py: a report, a letter, an essay, minutes, written
  apart from the bank; other headings and structures, copies without a conclusion, breaks at paragraph
  ends, words cut with a hyphen at line ends; seed 37, in --texts-out);
- `capitals`: the `fonts` copies with every hand printing in block capitals, unaccented (in
  eval-out/held-out-capitals).

    .venv/bin/python bench/evaluate_heldout.py [--sets fonts,texts,capitals] [--out eval-out/held-out]
        [--texts-out eval-out/held-out-texts] [--copies 16] [--readers rapidocr,tesseract]

Writes each corpus once (same seed, same bytes), then runs bench/evaluate_order.py on it with each reader
(ANONYMAT_READER), with the oracle beside (the generator's true first and last words). No tuning may look
at these numbers: they are for measuring only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from anonymat.synth.corpus import make_corpus  # noqa: E402
from anonymat.synth.hand import HELD_OUT_FONTS, available_fonts  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "eval-out" / "held-out")
    parser.add_argument("--copies", type=int, default=16)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--texts-out", type=Path, default=ROOT / "eval-out" / "held-out-texts")
    parser.add_argument("--texts-seed", type=int, default=37)
    parser.add_argument("--sets", default="fonts,texts,capitals")
    parser.add_argument("--readers", default="rapidocr,tesseract")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--shuffles", type=int, default=3)
    args = parser.parse_args()
    fonts = available_fonts(held_out=True)
    if not fonts:
        print(f"no held-out font installed ({', '.join(HELD_OUT_FONTS)}; make setup): skipped")
        return 0
    corpora = {
        "fonts": (args.out, args.seed, False, False),
        "texts": (args.texts_out, args.texts_seed, True, False),
        "capitals": (args.out.parent / "held-out-capitals", args.seed, False, True),
    }
    for name in [n for n in args.sets.split(",") if n]:
        out, seed, texts, capitals = corpora[name]
        if not (out / "truth.json").is_file():
            make_corpus(out, args.copies, seed, pages_per_copy=(2, 9), jobs=args.jobs, held_out_fonts=True,
                        held_out_texts=texts, capitals=capitals)  # fmt: skip
            kind = ("held-out texts" if texts else "the bank's texts") + (" in capitals" if capitals else "")
            print(
                f"held-out corpus: {args.copies} copies, {kind} in {', '.join(fonts)}, seed {seed}, in {out}"
            )
        code = order_runs(out, args.readers, args.jobs, args.shuffles, f"held-out synthetic set '{name}'")
        if code:
            return code
    return 0


def order_runs(out: Path, readers: str, jobs: int, shuffles: int, title: str) -> int:
    """bench/evaluate_order.py on the corpus in `out` with each reader (ANONYMAT_READER, comma-separated
    names), the oracle and the texts in capitals beside, the page texts cached in OUT/texts-READER.json; its exit code."""
    for reader in [r for r in readers.split(",") if r]:
        print(f"\n== {title}, reader {reader}")
        cache = out / f"texts-{reader}.json"
        cmd = [sys.executable, str(ROOT / "bench" / "evaluate_order.py"), str(out), "--jobs", str(jobs),
               "--shuffles", str(shuffles), "--cache", str(cache), "--oracle", "--capitals"]  # fmt: skip
        code = subprocess.call(cmd, env={**os.environ, "ANONYMAT_READER": reader})
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
