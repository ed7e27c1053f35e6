"""Reading-order accuracy on a folder made by `anonymat samples` (scans + truth.json).

    .venv/bin/python bench/evaluate_order.py SAMPLES_DIR [--jobs 2] [--shuffles 3] [--cache texts.json]

For every copy, each written page is decoded, turned upright and deskewed with the truth (evaluation only:
the pipeline finds these itself), cropped to the writing area (y 110..290 mm, x 12..198 mm of an A4 page,
scaled by the image height), read by `ordering.page_text`, shuffled, and ordered by `ordering.best_order`.
With `--pipeline`, pages go through the pipeline's own analysis instead (its orientation, deskew,
registration and masking: the page texts `make eval` orders), which is slower.
Prints the exact-order share, the mean Kendall tau, the wrong orders given with confidence >= 0.5 and the
right orders flagged for review (confidence < 0.5), and, in the orders sent to review, how many of the
wrong and of the right joins the report marks as doubtful.
`--cache` stores the page texts so the scoring can be re-run without OCR. `--oracle` also orders the same
copies with the generator's true first and last words of each page in place of what was read (the other
page facts unchanged), per font beside the reader's: the gap is what reading loses. `--capitals` also
orders the texts read upper-cased (a hand writing in block capitals, at the text level). This script reads the
truth; ordering.py never does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from anonymat.reading import ordering  # noqa: E402
from anonymat.review.report_html import JOIN_DOUBT_BELOW  # noqa: E402

WRITING_MM = (12.0, 110.0, 198.0, 290.0)


def load_gray(path: Path, index: int) -> np.ndarray:
    try:
        from anonymat import ingest
        from anonymat.page import decode

        kind = ingest.sniff_kind(path) or "pdf"
        return decode.load_page(ingest.PageRef(str(path), path.name, index, "", kind)).gray
    except ImportError:  # before ingest.py existed
        import pikepdf
        from PIL import Image

        with pikepdf.open(path) as pdf:
            image = pikepdf.PdfImage(next(iter(pdf.pages[index].images.values()))).as_pil_image()
        return np.array(Image.open(image) if isinstance(image, str) else image.convert("L"))


def upright(gray: np.ndarray, rotation: int, effects: dict, skew_deg: float, dpi: float) -> np.ndarray:
    """Undo the scan's quarter turns, skew and shift as the truth describes them.

    The pipeline estimates these itself (orientation, deskew, template registration); here they come from
    the truth so that only page_text and best_order are measured.
    """
    turned = np.ascontiguousarray(np.rot90(gray, -(rotation // 90)))
    h, w = turned.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
    shift = effects.get("shift_mm", [0.0, 0.0])
    matrix[0, 2] += shift[0] * dpi / 25.4
    matrix[1, 2] += shift[1] * dpi / 25.4
    inverse = cv2.invertAffineTransform(matrix)
    return cv2.warpAffine(turned, inverse, (w, h), flags=cv2.INTER_LINEAR, borderValue=235)


def read_page(job: tuple[str, int, dict]) -> dict:
    path, index, page = job
    gray = load_gray(Path(path), index)
    dpi = page.get("dpi") or max(gray.shape) / (297 / 25.4)
    gray = upright(gray, page["rotation"], page.get("effects", {}), page.get("skew_deg", 0.0), dpi)
    scale = gray.shape[0] / 297.0
    box = tuple(int(round(v * scale)) for v in WRITING_MM)
    return asdict(ordering.page_text(gray, box))


def read_page_as_pipeline(job: tuple[str, int, dict]) -> dict:
    """The pipeline's own page analysis (orientation, deskew, registration, masking), as `make eval` runs it."""
    from anonymat import ingest
    from anonymat.page.template import load_template
    from anonymat.run import pipeline

    path, index, _page = job
    kind = ingest.sniff_kind(Path(path)) or "pdf"
    ref = ingest.PageRef(path, Path(path).name, index, "", kind)
    ctx = pipeline.PageContext(template=load_template("cdg-est"), want_text=True, vault=None)
    text = pipeline.analyse_page(ref, ctx).text
    if text is None:
        return asdict(ordering.PageText("", "", (), 0, 0.0))
    return asdict(text)


def kendall_tau(predicted: list[int]) -> float:
    n = len(predicted)
    if n < 2:
        return 1.0
    pairs = [(a, b) for x, a in enumerate(predicted) for b in predicted[x + 1 :]]
    concordant = sum(1 for a, b in pairs if a < b)
    return (2 * concordant - len(pairs)) / len(pairs)


def page_texts(folder: Path, truth: dict, jobs: int, as_pipeline: bool = False) -> dict[str, list[dict]]:
    """Per copy number, the PageText dicts of its written pages in true reading order."""
    work, owners = [], []
    for copy in truth["copies"]:
        pages = [p for p in copy["pages"] if not p.get("blank") and p.get("reading_index") is not None]
        for page in sorted(pages, key=lambda p: p["reading_index"]):
            work.append((str(folder / page["file"]), page["page"], page))
            owners.append(copy["number"])
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(read_page_as_pipeline if as_pipeline else read_page, work, chunksize=2))
    texts: dict[str, list[dict]] = {}
    for number, result in zip(owners, results, strict=True):
        texts.setdefault(number, []).append(result)
    return texts


def _document_words() -> dict[str, list[str]]:
    """The folded words of each document the held-out layout writes (held-out and development twin)."""
    from anonymat.synth import dev_text, heldout_text
    from anonymat.text.words import fold

    out = {}
    for prefix, documents in (("held-out", heldout_text.DOCUMENTS), ("dev", dev_text.DOCUMENTS)):
        for name, blocks in documents.items():
            out[f"{prefix}:{name}"] = re.findall(r"\w+", fold(" ".join(text for _, text in blocks)))
    return out


def _which_document(words: str, documents: dict[str, list[str]]) -> str | None:
    """The document whose word trigrams the page edge's true words share most (None: none, e.g. the bank's
    memos, written from slots)."""
    from anonymat.text.words import fold

    edge = re.findall(r"\w+", fold(words or ""))
    grams = {tuple(edge[k : k + 3]) for k in range(len(edge) - 2)}
    best, hits = None, 0
    for name, doc in documents.items():
        count = len(grams & {tuple(doc[k : k + 3]) for k in range(len(doc) - 2)})
        if count > hits:
            best, hits = name, count
    return best if hits >= max(2, len(grams) - 1) else None


def document_breaks(truth: dict) -> dict[str, bool]:
    """Per copy of a held-out-layout corpus, whether one of its page breaks falls between two documents
    (a copy chaining several texts, one ending at a page foot and the next starting at the top of the next
    page): nothing on the pages says which text came first, so at least two orders are equally right.
    Empty for a corpus of the bank's memos. Evaluation only (reads the truth)."""
    documents = _document_words()
    out = {}
    for copy in truth["copies"]:
        pages = [p for p in copy["pages"] if not p.get("blank") and p.get("reading_index") is not None]
        pages.sort(key=lambda p: p["reading_index"])
        heads = [_which_document(p.get("text_head"), documents) for p in pages]
        tails = [_which_document(p.get("text_tail"), documents) for p in pages]
        if not any(heads + tails):
            continue
        out[copy["number"]] = any(t and h and t != h for t, h in zip(tails, heads[1:], strict=False))
    return out


def count_joins(joins: list[int], result: ordering.OrderResult, predicted: list[int]) -> None:
    """In an order sent to review (confidence < 0.5), the joins the report marks as doubtful (probability
    below report_html.JOIN_DOUBT_BELOW): joins = [wrong marked, wrong, right marked, right]."""
    if result.confidence >= 0.5:
        return
    for link, a, b in zip(result.links, predicted, predicted[1:], strict=False):
        marked = link.probability is not None and link.probability < JOIN_DOUBT_BELOW
        slot = 2 if b == a + 1 else 0
        joins[slot] += marked
        joins[slot + 1] += 1


def joins_line(joins: list[int]) -> str:
    return f"wrong joins marked {joins[0]} of {joins[1]}, right joins marked {joins[2]} of {joins[3]}"


def evaluate(
    texts: dict[str, list[dict]],
    fonts: dict[str, str],
    shuffles: int,
    verbose: bool,
    breaks: dict[str, bool] | None = None,
) -> None:
    exact, taus, confident_wrong, total, by_font = 0, [], 0, 0, {}
    confidences = []
    joins = [0, 0, 0, 0]
    by_break: dict[bool, list[int]] = {}
    for number, dicts in texts.items():
        pages = [ordering.PageText(**{**d, "markers": tuple(tuple(m) for m in d["markers"])}) for d in dicts]
        for shuffle in range(shuffles):
            perm = list(range(len(pages)))
            random.Random(f"{number}-{shuffle}").shuffle(perm)
            result = ordering.best_order([pages[p] for p in perm])
            predicted = [perm[i] for i in result.order]
            ok = predicted == list(range(len(pages)))
            total += 1
            exact += ok
            taus.append(kendall_tau(predicted))
            confidences.append((result.confidence, ok))
            count_joins(joins, result, predicted)
            confident_wrong += (not ok) and result.confidence >= 0.5
            stats = by_font.setdefault(fonts.get(number, "?"), [0, 0])
            stats[0] += ok
            stats[1] += 1
            if breaks and number in breaks:
                kind = by_break.setdefault(breaks[number], [0, 0, 0])
                kind[0] += ok
                kind[1] += 1
                kind[2] += ok and result.confidence < 0.5
            if verbose and not ok and shuffle == 0:
                print(f"  {number} ({fonts.get(number)}): got {predicted} conf {result.confidence:.2f}")
    print(f"orders: {total} ({len(texts)} copies x {shuffles} shuffles)")
    print(f"exact order: {exact / total:.3f}")
    print(f"mean Kendall tau: {statistics.mean(taus):.3f}")
    print(f"wrong orders with confidence >= 0.5: {confident_wrong}")
    flagged_right = sum(1 for c, ok in confidences if ok and c < 0.5)
    print(f"right orders flagged (confidence < 0.5): {flagged_right} of {exact}")
    print(f"in orders sent to review: {joins_line(joins)}")
    for low, high in ((0, 0.5), (0.5, 0.9), (0.9, 1.01)):
        band = [ok for c, ok in confidences if low <= c < high]
        if band:
            share = sum(band) / len(band)
            print(f"  confidence {low:.1f}-{min(high, 1):.1f}: {len(band)} orders, {share:.2f} right")
    for font, (right, count) in sorted(by_font.items()):
        print(f"  font {font}: {right}/{count}")
    for between, (right, count, flagged) in sorted(by_break.items()):
        what = "a page break between two texts (2+ orders right)" if between else "every break within a text"
        print(f"  copies with {what}: {right}/{count} exact, {flagged} right flagged")


def oracle_texts(texts: dict[str, list[dict]], truth: dict) -> dict[str, list[dict]]:
    """The page texts with head and tail replaced by the generator's true first and last words."""
    out = {}
    for copy in truth["copies"]:
        if copy["number"] not in texts:
            continue
        pages = [p for p in copy["pages"] if not p.get("blank") and p.get("reading_index") is not None]
        pages.sort(key=lambda p: p["reading_index"])
        out[copy["number"]] = [
            {**d, "head": p.get("text_head") or "", "tail": p.get("text_tail") or ""}
            for d, p in zip(texts[copy["number"]], pages, strict=True)
        ]
    return out


def in_capitals(texts: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The page texts upper-cased: the letters' case lost, words and punctuation kept (text level only: a
    real hand in capitals is also read differently)."""
    return {
        n: [{**d, "head": d["head"].upper(), "tail": d["tail"].upper()} for d in dicts]
        for n, dicts in texts.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--shuffles", type=int, default=3)
    parser.add_argument("--cache", type=Path, help="JSON file of page texts: read if present, else written")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--oracle", action="store_true", help="also order from the true text (per font)")
    parser.add_argument("--capitals", action="store_true", help="also order the texts read, upper-cased")
    parser.add_argument(
        "--pipeline", action="store_true", help="prepare pages as the pipeline does, not from the truth"
    )
    args = parser.parse_args()
    truth = json.loads((args.folder / "truth.json").read_text(encoding="utf-8"))
    fonts = {c["number"]: c.get("font", "?") for c in truth["copies"]}
    if args.cache and args.cache.exists():
        texts = json.loads(args.cache.read_text(encoding="utf-8"))
    else:
        began = time.perf_counter()
        texts = page_texts(args.folder, truth, args.jobs, args.pipeline)
        seconds = [d["seconds"] for dicts in texts.values() for d in dicts]
        print(
            f"page_text: {len(seconds)} pages in {time.perf_counter() - began:.1f} s wall, "
            f"{statistics.median(seconds):.3f} s median per page ({args.jobs} workers)"
        )
        if args.cache:
            args.cache.write_text(json.dumps(texts, ensure_ascii=False, indent=1), encoding="utf-8")
    breaks = document_breaks(truth)
    evaluate(texts, fonts, args.shuffles, args.verbose, breaks)
    if args.oracle:
        print("oracle (the generator's true first and last words of each page):")
        evaluate(oracle_texts(texts, truth), fonts, args.shuffles, args.verbose, breaks)
    if args.capitals:
        print("in block capitals (the same page texts as read, upper-cased: a hand that writes in capitals):")
        evaluate(in_capitals(texts), fonts, args.shuffles, args.verbose, breaks)


if __name__ == "__main__":
    main()
