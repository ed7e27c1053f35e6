"""Character error rate and time per line of each handwriting reader on the generator's fonts.

    .venv/bin/python bench/font_lines.py [--pages 2] [--dpi 200] [--readers rapidocr,tesseract]

Renders body pages with anonymat.synth (no scan effects), finds the written lines with
`textlines.find_line_bands` in the writing area (y 110..290 mm), cuts them as ordering does
(`textlines.cut_pieces`, whole lines) and reads them with each reader; a page is used only when it gives as
many bands as the text has lines (band k is then line k). Development fonts and held-out fonts
(synth.hand.HELD_OUT_FONTS) are both listed; nothing is tuned on the held-out ones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from anonymat.synth.hand import Hand, available_fonts  # noqa: E402
from anonymat.synth.sheet import render_sheet  # noqa: E402
from anonymat.synth.text import layout_memo, make_memo  # noqa: E402
from anonymat.text import handwriting, textlines  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from font_accuracy import PLAN  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="pages per font")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--readers", default="rapidocr,tesseract")
    args = parser.parse_args()
    plan = {**PLAN, "dpi": args.dpi}
    y0, y1 = (int(v / 25.4 * args.dpi) for v in (110, 290))
    readers = [handwriting.make_reader(r) for r in args.readers.split(",") if r]
    for reader in readers:
        reader.read([np.full((40, 200), 255, np.uint8)])  # model load outside the timings
    fonts = [(name, path, "dev") for name, path in available_fonts().items()]
    fonts += [(name, path, "held-out") for name, path in available_fonts(held_out=True).items()]
    print(f"{'font':<12} {'set':<9} {'reader':<10} {'lines':>5} {'CER med':>8} {'CER mean':>9} {'s/line':>7}")
    for name, path, split in fonts:
        rows: dict[str, list[tuple[float, float]]] = {r.name: [] for r in readers}
        for i in range(args.pages):
            rng = np.random.default_rng([args.seed, i])
            hand = Hand(name, path, args.dpi, rng)
            pages = layout_memo(make_memo(rng), hand, 2, rng)
            page = render_sheet(plan, {"index": 0, "flap": "folded"}, pages[0], hand, rng)
            area = np.clip(page, 0, 255).astype(np.uint8)[y0:y1]
            truth = [line.text for line in pages[0] if line.words]
            ink = textlines.ink_mask(area)
            bands = textlines.find_line_bands(area, ink.mask)
            if len(bands) != len(truth):
                continue  # bands and lines not one to one: the page would not say which is which
            band_px = float(np.median([b[1] - b[0] for b in bands]))
            pad = max(4, int(0.3 * band_px))
            crops = textlines.cut_pieces(
                area, ink, bands, [(k, b[2], b[3]) for k, b in enumerate(bands)], pad
            )
            for reader in readers:
                began = time.perf_counter()
                texts = reader.read(crops)
                per_line = (time.perf_counter() - began) / len(crops)
                rows[reader.name] += [
                    (min(1.0, Levenshtein.distance(" ".join(h.split()), t) / max(1, len(t))), per_line)
                    for h, t in zip(texts, truth, strict=True)
                ]
        for reader_name, values in rows.items():
            if not values:
                print(f"{name:<12} {split:<9} {reader_name:<10} no page with one band per line")
                continue
            rates = [c for c, _ in values]
            print(
                f"{name:<12} {split:<9} {reader_name:<10} {len(values):>5} {statistics.median(rates):>8.3f} "
                f"{statistics.mean(rates):>9.3f} {statistics.mean(s for _, s in values):>7.3f}"
            )


if __name__ == "__main__":
    main()
