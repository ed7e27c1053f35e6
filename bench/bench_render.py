"""Why anonymat extracts page images with pikepdf, and how large and legible its output pages are.

    .venv/bin/python bench/bench_render.py            # getting a page image: pdftoppm vs pypdfium2 vs pikepdf
    .venv/bin/python bench/bench_render.py --output   # output page size at JPEG q50/60/75 and OCR accuracy

Both make their own scan-like page (noisy grey paper, dark writing) and print medians of 5 runs.
Pin to one core for stable numbers: `taskset -c 1 .venv/bin/python bench/bench_render.py`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import cv2
import img2pdf
import numpy as np

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

RUNS = 5
TEXT = (
    "La fonction f est definie sur l'intervalle ferme de zero a un. On montre qu'elle est continue et "
    "strictement croissante, donc elle realise une bijection. Par le theoreme des valeurs intermediaires "
    "l'equation admet une unique solution que nous noterons alpha. Ensuite on etudie la suite definie par "
    "recurrence et on prouve qu'elle converge vers alpha en utilisant l'inegalite des accroissements finis. "
    "Enfin la methode de Newton donne une approximation beaucoup plus rapide de cette racine."
)


def scan_lines() -> list[str]:
    """The text on the page: TEXT wrapped at about 48 characters, repeated to 26 lines."""
    lines, line = [], []
    for word in TEXT.split():
        line.append(word)
        if len(" ".join(line)) > 48:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    return (lines * 4)[:26]


def scan_like_page(width: int, height: int, seed: int = 0, handwriting: bool = False) -> np.ndarray:
    """A4 grey scan: paper at 242, 26 lines of dark writing, optical blur, then sensor noise sigma 3."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width), 242, np.uint8)
    scale = width / 2480
    lines = scan_lines()
    if handwriting:
        page = _draw_handwriting(page, lines, scale)
    else:
        for i, text in enumerate(lines):
            y = int((300 + 120 * i) * scale)
            cv2.putText(page, text, (int(200 * scale), y), cv2.FONT_HERSHEY_SIMPLEX, 2.2 * scale, 50, 3)
    page = cv2.GaussianBlur(page, (0, 0), 0.7 * scale)
    noisy = page.astype(np.float32) + rng.normal(0, 3, page.shape).astype(np.float32)
    return np.clip(noisy + 0.5, 0, 255).astype(np.uint8)


def _draw_handwriting(page: np.ndarray, lines: list[str], scale: float) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    try:
        import font_intuitive

        font = ImageFont.truetype(font_intuitive.Intuitive, int(64 * scale))
    except (ImportError, OSError):
        font = ImageFont.load_default(size=int(56 * scale))
    img = Image.fromarray(page)
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        draw.text((int(180 * scale), int((280 + 120 * i) * scale)), text, fill=55, font=font)
    return np.asarray(img).copy()


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median wall and CPU milliseconds (CPU includes child processes such as pdftoppm)."""
    fn()  # warm-up: imports, caches
    walls, cpus = [], []
    for _ in range(runs):
        cpu_before, start = _cpu_seconds(), time.perf_counter()
        fn()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((_cpu_seconds() - cpu_before) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def _cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def bench_render(folder: Path) -> None:
    import pikepdf
    import pypdfium2 as pdfium
    from pdf2image import convert_from_path

    from anonymat.model import PageRef
    from anonymat.page.decode import load_page

    page = scan_like_page(2480, 3508)
    ok, jpeg = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    pdf_path = folder / "scan.pdf"
    pdf_path.write_bytes(
        img2pdf.convert(jpeg.tobytes(), layout_fun=img2pdf.get_fixed_dpi_layout_fun((300, 300)))
    )
    print(
        f"page: 2480x3508 grey, JPEG q85 in a PDF, {pdf_path.stat().st_size / 1024:.0f} KiB;",
        f"median of {RUNS} runs",
    )

    def pdftoppm() -> np.ndarray:
        return np.asarray(convert_from_path(pdf_path, dpi=300, grayscale=True)[0])

    def pdfium_render() -> np.ndarray:
        doc = pdfium.PdfDocument(str(pdf_path))
        try:
            return doc[0].render(scale=300 / 72, grayscale=True).to_numpy()
        finally:
            doc.close()

    def pikepdf_raw_cv2() -> np.ndarray:
        with pikepdf.open(pdf_path) as pdf:
            image = next(iter(pdf.pages[0].get_images().values()))
            raw = image.read_raw_bytes()
        return cv2.imdecode(
            np.frombuffer(raw, np.uint8), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION
        )

    def pikepdf_pdfimage() -> np.ndarray:
        with pikepdf.open(pdf_path) as pdf:
            image = next(iter(pdf.pages[0].get_images().values()))
            return np.asarray(pikepdf.PdfImage(image).as_pil_image().convert("L"))

    ref = PageRef(path=str(pdf_path), file="scan.pdf", index=0, sha256="", kind="pdf")
    methods = {
        "pdf2image (pdftoppm) 300 dpi grey": pdftoppm,
        "pypdfium2 render 300 dpi grey": pdfium_render,
        "pikepdf PdfImage.as_pil_image": pikepdf_pdfimage,
        "pikepdf raw stream + cv2.imdecode": pikepdf_raw_cv2,
        "anonymat.page.decode.load_page": lambda: load_page(ref).gray,
    }
    exact = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    for name, fn in methods.items():
        pixels = np.asarray(fn()).squeeze()
        same = pixels.shape == exact.shape and np.array_equal(pixels, exact)
        diff = (
            "exact scanner pixels"
            if same
            else f"{pixels.shape[1]}x{pixels.shape[0]}, resampled"
            + (
                f" (mean abs diff {np.abs(pixels.astype(int) - exact).mean():.1f})"
                if pixels.shape == exact.shape
                else ""
            )
        )
        wall, cpu = median_ms(fn)
        print(f"  {name:36s} {wall:7.1f} ms/page wall {cpu:7.1f} ms CPU   {diff}")


def ocr_words(gray: np.ndarray) -> list[str]:
    import tesserocr
    from PIL import Image

    from anonymat.tools import tessdata_dir

    with tesserocr.PyTessBaseAPI(
        path=str(tessdata_dir() or ""), lang="fra", psm=tesserocr.PSM.SINGLE_BLOCK
    ) as api:
        api.SetImage(Image.fromarray(gray))
        return api.GetUTF8Text().split()


def word_accuracy(found: list[str], truth: list[str]) -> float:
    """Share of the true words found (as a bag of words: robust to tesseract merging or reordering lines)."""

    def bag(words: list[str]) -> Counter[str]:
        return Counter(w.strip(".,;:'\"").casefold() for w in words)

    want, got = bag(truth), bag(found)
    return 100.0 * sum(min(n, got[w]) for w, n in want.items()) / sum(want.values())


def bench_output(folder: Path) -> None:
    import pikepdf

    from anonymat.pdf.output import build_copy_pdf, whiten_paper

    truth = " ".join(scan_lines()).split()
    print(
        "page: A4 at 200 dpi (1654x2339), paper 242 sigma 3, 26 lines in a handwriting font; 1 page per PDF"
    )
    print(f"    {'variant':44s} {'KiB/page':>9s} {'CPU ms':>8s} {'OCR words %':>12s}")
    for seed in (0, 1):
        page = scan_like_page(1654, 2339, seed=seed, handwriting=True)
        reference = word_accuracy(ocr_words(page), truth)
        print(f"seed {seed}: {'source pixels (before encoding)':38s} {'':>9s} {'':>8s} {reference:11.1f}")
        # max_page_kb=0: the size each quality gives, without the size limit stepping in
        variants: dict[str, Callable[[int], bytes]] = {
            "raw pixels": lambda q, p=page: build_copy_pdf([(p, 200.0)], q, clean=False, max_page_kb=0),
            "paper to white": lambda q, p=page: build_copy_pdf(
                [(whiten_paper(p), 200.0)], q, clean=False, max_page_kb=0
            ),
            "paper to white + 0.2 mm soften (default)": lambda q, p=page: build_copy_pdf(
                [(p, 200.0)], q, max_page_kb=0
            ),
        }
        for quality in (50, 60, 75):
            for name, make in variants.items():
                data = make(quality)
                ms = median_ms(lambda make=make, q=quality: make(q))[1]
                path = folder / f"out-{seed}-{quality}.pdf"
                path.write_bytes(data)
                with pikepdf.open(path) as pdf:
                    raw = next(iter(pdf.pages[0].get_images().values())).read_raw_bytes()
                decoded = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_GRAYSCALE)
                accuracy = word_accuracy(ocr_words(decoded), truth)
                label = f"q{quality} {name}"
                print(f"    {label:44s} {len(data) / 1024:9.0f} {ms:8.1f} {accuracy:11.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", action="store_true", help="measure output size and legibility instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.output:
            bench_output(Path(tmp))
        else:
            bench_render(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
