"""Straightening and softening choices against legibility, output size and time.

Renders dense handwritten pages with known text (three fonts, grey paper and scanner noise), skews each
by 0.4-1.5 degrees as a scanner does, then straightens it with a bilinear or a nearest-neighbour warp,
and softens it with OpenCV's default Gaussian kernel (3 sigma) or one ending at 1.9 sigma. Reports
tesseract's word accuracy on the straightened page (what the reading-order OCR reads) and on the output
page (after `process`'s whitening, softening and JPEG), the output's KB, and the time of each step.

    .venv/bin/python bench/resample.py [--dpi 200 300] [--pages 3]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from unittest import mock

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from font_accuracy import PLAN, accuracy  # noqa: E402
from legibility import scanned  # noqa: E402

from anonymat.pdf import output  # noqa: E402
from anonymat.synth.hand import Hand, available_fonts  # noqa: E402
from anonymat.synth.sheet import render_sheet  # noqa: E402
from anonymat.synth.text import layout_memo, make_memo, page_text  # noqa: E402
from anonymat.text import ocr

FONTS = ("comic-neue", "intuitive", "breip")


def skewed_pages(dpi: int, per_font: int) -> list[tuple[np.ndarray, float, str]]:
    """(skewed scan, the angle that straightens it, its text)."""
    pages = []
    for name, path in available_fonts().items():
        if name not in FONTS:
            continue
        for i in range(per_font):
            rng = np.random.default_rng([7, i])
            hand = Hand(name, path, dpi, rng)
            lines = layout_memo(make_memo(rng), hand, 2, rng)
            clean = render_sheet({**PLAN, "dpi": dpi}, {"index": 0, "flap": "folded"}, lines[0], hand, rng)
            scan = scanned(np.asarray(clean, dtype=np.float64), rng)
            h, w = scan.shape
            angle = float(rng.uniform(0.4, 1.5) * rng.choice([-1, 1]))
            turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
            skewed = cv2.warpAffine(scan, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=235)
            pages.append((skewed, -angle, page_text(lines[0])))
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, nargs="+", default=[200, 300])
    parser.add_argument("--pages", type=int, default=3, help="pages per font")
    args = parser.parse_args()
    cv2.setNumThreads(1)  # as in a pool worker
    for dpi in args.dpi:
        pages = skewed_pages(dpi, args.pages)
        y0, y1 = (int(v / 25.4 * dpi) for v in (110, 290))

        def score(images: list[np.ndarray], pages=pages, y0=y0, y1=y1) -> float:
            hit = total = 0
            for img, (_, _, truth) in zip(images, pages, strict=True):
                h, n = accuracy(truth, ocr.ocr_text(img[y0:y1], psm=6), fold=False)
                hit, total = hit + h, total + n
            return 100 * hit / total

        print(f"{len(pages)} dense pages ({', '.join(FONTS)}), {dpi} dpi, skewed 0.4-1.5 degrees:")
        sigma = output.SMOOTH_MM / 25.4 * dpi
        for warp_name, flag in (("bilinear", cv2.INTER_LINEAR), ("nearest", cv2.INTER_NEAREST)):
            for reach in (0.0, 1.9):
                blur_name = f"{reach or 3:g} sigma"
                k = 2 * math.ceil(reach * sigma) + 1 if reach else 0
                ups, outs, sizes, warp_s, soften_s = [], [], [], 0.0, 0.0
                for skewed, angle, _ in pages:
                    h, w = skewed.shape
                    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
                    t0 = time.process_time()
                    up = cv2.warpAffine(skewed, turn, (w, h), flags=flag, borderValue=255)
                    t1 = time.process_time()
                    soft = cv2.GaussianBlur(up, (k, k), sigma)
                    soften_s += time.process_time() - t1
                    warp_s += t1 - t0
                    ups.append(up)
                    del soft
                    data = output.encode_page(_clean(up, dpi, reach), dpi, output.DEFAULT_JPEG_QUALITY)
                    sizes.append(len(data) / 1024)
                    outs.append(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE))
                n = len(pages)
                print(
                    f"  warp {warp_name:8} {1000 * warp_s / n:5.1f} ms, Gaussian to {blur_name:9} "
                    f"{1000 * soften_s / n:5.1f} ms: OCR straightened {score(ups):5.1f} %, "
                    f"output {score(outs):5.1f} %, {np.median(sizes):4.0f} KB/page (max {max(sizes):.0f})"
                )
    return 0


def _clean(gray: np.ndarray, dpi: int, reach: float) -> np.ndarray:
    """output.clean_page with the softening kernel ending at `reach` sigma (0: OpenCV's default, 3)."""
    if not reach:
        return output.clean_page(gray, dpi)
    blur = cv2.GaussianBlur

    def shorter(src: np.ndarray, ksize: tuple[int, int], sigma: float) -> np.ndarray:
        k = 2 * math.ceil(reach * sigma) + 1
        return blur(src, (k, k), sigma)

    with mock.patch.object(output.cv2, "GaussianBlur", shorter):  # the experiment, outside the library
        return output.clean_page(gray, dpi)


if __name__ == "__main__":
    sys.exit(main())
