"""Output size against legibility: tesseract's word accuracy before and after the output encoding.

Renders body pages with known text (anonymat.synth, grey paper and scanner noise added), then for each
JPEG quality encodes them as `anonymat process` does (paper to white, 0.2 mm soften, darkening, grey
JPEG within the size limit) and OCRs the writing area of the page before encoding and after decoding the
output JPEG.

    .venv/bin/python bench/legibility.py [--pages 3] [--dpi 200] [--qualities 40 50 60 75] [--show DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from font_accuracy import PLAN, accuracy  # noqa: E402

from anonymat.pdf import output  # noqa: E402
from anonymat.synth.hand import Hand, available_fonts  # noqa: E402
from anonymat.synth.sheet import render_sheet  # noqa: E402
from anonymat.synth.text import layout_memo, make_memo, page_text  # noqa: E402
from anonymat.text import ocr


def scanned(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grey paper and sensor noise, as a 200-300 dpi office scanner gives."""
    paper = page * (rng.uniform(0.86, 0.95)) + rng.normal(0, rng.uniform(2, 6), page.shape)
    return np.clip(paper, 0, 255).astype(np.uint8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--qualities", type=int, nargs="+", default=[40, 50, 60, 75])
    parser.add_argument("--smooth-mm", type=float, nargs="+", default=[output.SMOOTH_MM])
    parser.add_argument("--show", type=Path, help="write the first page's output and a piece of it here")
    args = parser.parse_args()
    y0, y1 = (int(v / 25.4 * args.dpi) for v in (110, 290))
    fonts = {k: v for k, v in available_fonts().items() if k in ("comic-neue", "intuitive")}
    pages: list[tuple[np.ndarray, str]] = []
    for name, path in fonts.items():
        for i in range(args.pages):
            rng = np.random.default_rng([7, i])
            hand = Hand(name, path, args.dpi, rng)
            lines = layout_memo(make_memo(rng), hand, 2, rng)
            clean = render_sheet(
                {**PLAN, "dpi": args.dpi}, {"index": 0, "flap": "folded"}, lines[0], hand, rng
            )
            pages.append((scanned(np.asarray(clean, dtype=np.float64), rng), page_text(lines[0])))

    def score(images: list[np.ndarray]) -> float:
        hit = total = 0
        for img, (_, truth) in zip(images, pages, strict=True):
            h, n = accuracy(truth, ocr.ocr_text(img[y0:y1], psm=6), fold=False)
            hit, total = hit + h, total + n
        return 100 * hit / total

    before = score([p for p, _ in pages])
    print(
        f"{len(pages)} pages ({', '.join(fonts)}), {args.dpi} dpi; word accuracy before encoding: {before:.1f} %"
    )
    for smooth in args.smooth_mm:
        output.SMOOTH_MM = smooth
        print(f" softening {smooth} mm:")
        for q in args.qualities:
            report(q, pages, args.dpi, score, before, args.show)
    return 0


def report(q, pages, dpi, score, before, show: Path | None = None) -> None:
    decoded, sizes = [], []
    for p, _ in pages:
        data = output.encode_page(output.clean_page(p, dpi), dpi, q)  # with the size limit, as process
        sizes.append(len(data) / 1024)
        decoded.append(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE))
        if show is not None and len(decoded) == 1:
            show_page(show, p, data, dpi, q)
    after = score(decoded)
    print(
        f"  q{q}: {np.median(sizes):5.0f} KB/page (max {max(sizes):.0f}), word accuracy {after:.1f} % "
        f"({after - before:+.1f} points)"
    )


def show_page(folder: Path, scan: np.ndarray, jpeg: bytes, dpi: int, q: int) -> None:
    """The first page as the output holds it (the JPEG's own bytes), and a 100 x 40 mm piece of its
    writing, scan above output, at full resolution (lossless PNG)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"page-{dpi}dpi-q{q}.jpg").write_bytes(jpeg)
    out = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    x0, y0, x1, y1 = (int(v / 25.4 * dpi) for v in (20, 112, 120, 152))
    piece = np.vstack([scan[y0:y1, x0:x1], np.full((6, x1 - x0), 0, np.uint8), out[y0:y1, x0:x1]])
    cv2.imwrite(str(folder / f"piece-{dpi}dpi-q{q}-scan-above-output.png"), piece)
    print(f"  q{q}: {folder} holds the first page's output ({len(jpeg) // 1024} KB) and a piece of it")


if __name__ == "__main__":
    sys.exit(main())
