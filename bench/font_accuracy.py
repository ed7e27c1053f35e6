"""Tesseract word accuracy on clean generated handwriting, per shipped font.

Renders body pages with anonymat.synth (no scan effects), OCRs the writing area
(y 110..290 mm) with tesserocr, lang fra, psm 6, and compares with the text that was drawn.

    .venv/bin/python bench/font_accuracy.py [--pages 3] [--dpi 200]
"""

from __future__ import annotations

import argparse
import difflib
import re
import time
import unicodedata

import numpy as np
import tesserocr
from PIL import Image

from anonymat.synth.hand import Hand, available_fonts
from anonymat.synth.sheet import render_sheet
from anonymat.synth.text import layout_memo, make_memo, page_text

TESSDATA = "/usr/share/tesseract-ocr/5/tessdata"


# A sheet's printed and handwritten header values: only the body matters for these measurements.
PLAN = {
    "number": "0123456789",
    "sticker_tone": 262.0,
    "ticks": [0, 3],
    "header": {
        "intitule": "Attaché territorial",
        "date": "17 Novembre 2022",
        "lieu": "Metz",
        "epreuve": "Note",
        "option": "Administration générale",
    },
    "identity": {},
}


def words(text: str, fold: bool) -> list[str]:
    if fold:
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return re.findall(r"\w+(?:['’]\w+)*", text)


def accuracy(truth: str, ocr: str, fold: bool) -> tuple[int, int]:
    t, o = words(truth, fold), words(ocr, fold)
    matcher = difflib.SequenceMatcher(a=t, b=o, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()), len(t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3, help="pages per font")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    plan = {**PLAN, "dpi": args.dpi}
    y0, y1 = (int(v / 25.4 * args.dpi) for v in (110, 290))
    print(f"{'font':<12} {'words':>6} {'exact':>7} {'folded':>7}   (tesserocr fra psm 6, {args.dpi} dpi)")
    with tesserocr.PyTessBaseAPI(path=TESSDATA, lang="fra", psm=6) as api:
        for name, path in available_fonts().items():
            exact = folded = total = 0
            start = time.perf_counter()
            for i in range(args.pages):
                rng = np.random.default_rng([args.seed, i])
                hand = Hand(name, path, args.dpi, rng)
                pages = layout_memo(make_memo(rng), hand, 2, rng)
                page = render_sheet(plan, {"index": 0, "flap": "folded"}, pages[0], hand, rng)
                api.SetImage(Image.fromarray(np.clip(page, 0, 255).astype(np.uint8)[y0:y1]))
                ocr = api.GetUTF8Text()
                truth = page_text(pages[0])
                e, n = accuracy(truth, ocr, fold=False)
                f, _ = accuracy(truth, ocr, fold=True)
                exact, folded, total = exact + e, folded + f, total + n
            secs = time.perf_counter() - start
            print(f"{name:<12} {total:>6} {exact / total:>7.1%} {folded / total:>7.1%}   ({secs:.1f} s)")


if __name__ == "__main__":
    main()
