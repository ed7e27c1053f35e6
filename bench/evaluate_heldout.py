"""Reading order on the held-out synthetic set: copies written in the held-out fonts only (synth.hand's
HELD_OUT_FONTS: Écolier, a cursive French school hand, and Femkeklaver), 2 to 8 pages each.

    .venv/bin/python bench/evaluate_heldout.py [--out eval-out/held-out] [--copies 16] [--seed 31]
        [--readers rapidocr,tesseract]

Writes the corpus once (same seed, same bytes), then runs bench/evaluate_order.py on it with each reader
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
    parser.add_argument("--readers", default="rapidocr,tesseract")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--shuffles", type=int, default=3)
    args = parser.parse_args()
    fonts = available_fonts(held_out=True)
    if not fonts:
        print(f"no held-out font installed ({', '.join(HELD_OUT_FONTS)}; make setup): skipped")
        return 0
    if not (args.out / "truth.json").is_file():
        make_corpus(
            args.out, args.copies, args.seed, pages_per_copy=(2, 9), jobs=args.jobs, held_out_fonts=True
        )
        print(f"held-out corpus: {args.copies} copies in {', '.join(fonts)}, seed {args.seed}, in {args.out}")
    for reader in [r for r in args.readers.split(",") if r]:
        print(f"\n== held-out synthetic set, reader {reader}")
        cache = args.out / f"texts-{reader}.json"
        cmd = [sys.executable, str(ROOT / "bench" / "evaluate_order.py"), str(args.out), "--jobs", str(args.jobs),
               "--shuffles", str(args.shuffles), "--cache", str(cache), "--oracle"]  # fmt: skip
        code = subprocess.call(cmd, env={**os.environ, "ANONYMAT_READER": reader})
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
