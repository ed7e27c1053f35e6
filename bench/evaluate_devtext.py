"""Reading order on the development sets of long copies (2 to 8 pages per copy, development fonts).

- `dev-apart` (default): the development twin of the held-out texts.

The copies are written from synth/dev_text.py (a service note, an answer to a complaint, an essay, the
report of a site visit: written apart from the bank and from the held-out documents) and laid out as the
held-out texts are (breaks at paragraph ends, words cut with a hyphen at line ends, copies without a
conclusion), in the development fonts (held_out_fonts=False).
- `--texts bank`: the bank's memo texts in the development fonts, as long as the held-out fonts set's
  copies (seed 43, in eval-out/dev-bank): the development twin of the held-out fonts set.

- `--capitals`: the same copies with every hand printing in block capitals, unaccented (as many
  candidates write; eval-out/dev-bank-capitals with `--texts bank`).
- `--cursive`: in the development script hand only (Dancing Script, fonts-dancingscript), e.g. with
  `--capitals`: the development twin of the held-out fonts in capitals (Écolier writes script capitals).

Unlike bench/evaluate_heldout.py, these numbers may be used for tuning.

    .venv/bin/python bench/evaluate_devtext.py [--texts dev-apart|bank] [--out DIR] [--copies 40]
        [--seed 41 (dev-apart) | 43 (bank)] [--readers rapidocr] [--capitals] [--cursive]

Writes the corpus once (same seed, same bytes), then runs bench/evaluate_order.py on it with each reader
(ANONYMAT_READER), with the oracle beside (the generator's true first and last words) and a cache of the
page texts (OUT/texts-READER.json) so that a re-run scores without OCR.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from evaluate_heldout import order_runs  # noqa: E402

from anonymat.synth.corpus import make_corpus  # noqa: E402
from anonymat.synth.hand import CURSIVE_DEV_FONTS, available_fonts  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", choices=("dev-apart", "bank"), default="dev-apart")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--readers", default="rapidocr")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--shuffles", type=int, default=3)
    parser.add_argument("--capitals", action="store_true", help="every hand prints in block capitals")
    parser.add_argument("--cursive", action="store_true", help="in the development script hand only")
    args = parser.parse_args()
    apart = args.texts == "dev-apart"
    name = ("dev-apart" if apart else "dev-bank") + ("-cursive" if args.cursive else "")
    name += "-capitals" if args.capitals else ""
    if args.cursive and not available_fonts(cursive=True):
        print(
            f"the development script hand is not installed ({', '.join(CURSIVE_DEV_FONTS)}; make setup): skipped"
        )
        return 0
    out = args.out or ROOT / "eval-out" / name
    seed = args.seed if args.seed is not None else 41 if apart else 43
    if not (out / "truth.json").is_file():
        start = time.monotonic()
        make_corpus(
            out,
            args.copies,
            seed,
            pages_per_copy=(2, 9),
            jobs=args.jobs,
            texts=args.texts,
            capitals=args.capitals,
            cursive_fonts=args.cursive,
        )
        print(
            f"{args.texts} corpus: {args.copies} copies, {'dev' if apart else 'bank'} texts in the "
            f"{'script hand' if args.cursive else 'development fonts'}, seed {seed}, in {out} ({time.monotonic() - start:.0f} s)"
        )
    title = f"{args.texts} synthetic set" + (", in the script hand" if args.cursive else "")
    title += ", written in block capitals" if args.capitals else ""
    return order_runs(out, args.readers, args.jobs, args.shuffles, title)


if __name__ == "__main__":
    sys.exit(main())
