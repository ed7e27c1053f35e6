"""Reading and reading order on real handwritten French pages (../shared/real-handwriting, CC-BY 4.0).

    .venv/bin/python bench/evaluate_real.py [--data DIR] [--engines rapidocr,tesseract] [--lines] [--order]

`--lines`: character error rate and seconds per line of each handwriting reader, on line crops cut from the
ALTO line polygons (the transcription's own lines) and on the line bands `textlines.find_line_bands` finds
(each band scored against the ALTO line it overlaps most), per collection.
`--order` (the default): every document's pages are shuffled (`--shuffles` times; both orders of a two-page
document), read by `ordering.page_text` with the whole page as writing area, and ordered by `best_order`.
Reported per set (development / held out, from the manifest's `held_out`) and collection: exact share,
mean Kendall tau, wrong orders given confidence >= 0.5, right orders flagged (confidence < 0.5), and the
time page_text took per page. The **oracle** rows order the same cases with the true text (ALTO) of the
very lines page_text reads (its head and tail bands, matched to ALTO lines), the rest of the page facts
unchanged: the gap between oracle and reader is the loss due to reading.
Page texts are cached (`--cache DIR`), so the scoring can be re-run without OCR. This script reads the
transcriptions; ordering.py never does. The data are not copied into the repository: without them the
script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, replace
from itertools import permutations
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from anonymat.reading import ordering  # noqa: E402
from anonymat.text import handwriting, textlines  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from evaluate_order import count_joins, joins_line, kendall_tau  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("ANONYMAT_REAL_PAGES", ROOT.parent / "shared" / "real-handwriting"))
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
SHORT = {"copiste-dun-jour": "copiste (modern)", "testaments-de-poilus": "poilus (1914)"}


# --- data -----------------------------------------------------------------------------------------


def alto_lines(path: Path) -> list[tuple[np.ndarray, str]]:
    """(polygon as an N x 2 int array, text) of every ALTO text line, in file order."""
    lines = []
    for line in ET.parse(path).getroot().iter(f"{ALTO}TextLine"):
        string = line.find(f"{ALTO}String")
        polygon = line.find(f"{ALTO}Shape/{ALTO}Polygon")
        if string is None or polygon is None:
            continue
        points = np.array([int(float(v)) for v in polygon.get("POINTS", "").split()], np.int32)
        if len(points) >= 6:
            lines.append((points.reshape(-1, 2), string.get("CONTENT", "")))
    return lines


def load_documents(data: Path) -> list[dict]:
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    return list(manifest["documents"])


def gray_page(data: Path, page: dict) -> np.ndarray:
    image = cv2.imread(str(data / page["image"]), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise OSError(f"cannot read {page['image']}")
    return image


def set_name(document: dict) -> str:
    split = "held-out" if document.get("held_out") else "dev"
    return f"{split} {SHORT.get(document['collection'], document['collection'])}"


# --- character error rate -------------------------------------------------------------------------


def cer(hypothesis: str, truth: str) -> float:
    from rapidfuzz.distance import Levenshtein

    truth, hypothesis = " ".join(truth.split()), " ".join(hypothesis.split())
    return Levenshtein.distance(hypothesis, truth) / max(1, len(truth))


def polygon_crop(gray: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """The line's bounding box, paper white outside its polygon (the neighbouring lines' strokes)."""
    x0, y0 = np.maximum(polygon.min(axis=0), 0)
    x1, y1 = polygon.max(axis=0)
    crop = gray[y0 : y1 + 1, x0 : x1 + 1]
    mask = np.zeros(crop.shape, np.uint8)
    cv2.fillPoly(mask, [polygon - [x0, y0]], 1)
    paper = float(np.percentile(crop, 80)) if crop.size else 255.0
    gain = 255.0 / max(paper, 1.0)
    out = np.where(mask > 0, np.clip(crop * gain, 0, 255), 255).astype(np.uint8)
    return out


def band_truth(
    bands: list[tuple[int, int, int, int]], lines: list[tuple[np.ndarray, str]]
) -> list[str | None]:
    """The ALTO text of the line each band overlaps most (horizontally and vertically), None when none."""
    boxes = [(p[:, 1].min(), p[:, 1].max(), p[:, 0].min(), p[:, 0].max()) for p, _ in lines]
    out: list[str | None] = []
    for top, bottom, left, right in bands:
        best, share = None, 0.3
        for (y0, y1, x0, x1), (_, text) in zip(boxes, lines, strict=True):
            dy = min(bottom, y1) - max(top, y0)
            dx = min(right, x1) - max(left, x0)
            if dy <= 0 or dx <= 0:
                continue
            overlap = dy / max(1, min(bottom - top, y1 - y0)) * dx / max(1, min(right - left, x1 - x0))
            if overlap > share:
                best, share = text, overlap
        out.append(best)
    return out


def measure_lines(data: Path, documents: list[dict], engines: list[str], per_page: int) -> None:
    """CER and seconds per line, per engine, on ALTO line crops and on found bands."""
    results: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    readers = {name: handwriting.make_reader(name) for name in engines}
    for reader in readers.values():  # warm up (model load) outside the timings
        reader.read([np.full((40, 200), 255, np.uint8)])
    for document in documents:
        collection = SHORT.get(document["collection"], document["collection"])
        for page in document["pages"]:
            gray = gray_page(data, page)
            lines = alto_lines(data / page["alto"])
            picked = lines[:: max(1, len(lines) // per_page)][:per_page]
            crops = [polygon_crop(gray, polygon) for polygon, _ in picked]
            ink = textlines.ink_mask(gray)
            bands = textlines.find_line_bands(gray, ink.mask)
            truths = band_truth(bands, lines)
            chosen = [k for k, t in enumerate(truths) if t][:: max(1, len(bands) // per_page)][:per_page]
            band_px = float(np.median([b[1] - b[0] for b in bands])) if bands else 30.0
            pad = max(4, int(0.3 * band_px))
            pieces = textlines.cut_pieces(
                gray, ink, bands, [(k, bands[k][2], bands[k][3]) for k in chosen], pad
            )
            for name, reader in readers.items():
                for kind, images, truth in (
                    ("alto", crops, [t for _, t in picked]),
                    ("bands", pieces, [truths[k] or "" for k in chosen]),
                ):
                    if not images:
                        continue
                    began = time.perf_counter()
                    texts = reader.read(images)
                    per_line = (time.perf_counter() - began) / len(images)
                    results.setdefault((name, collection, kind), []).extend(
                        (cer(h, t), per_line) for h, t in zip(texts, truth, strict=True)
                    )
    print("\nline reading (character error rate: median and mean; seconds per line, 1 thread)")
    print(
        f"{'engine':<10} {'collection':<18} {'crops':<6} {'lines':>5} {'CER med':>8} {'CER mean':>9} {'s/line':>7}"
    )
    for (name, collection, kind), values in sorted(results.items()):
        rates = [min(1.0, c) for c, _ in values]
        seconds = statistics.mean(s for _, s in values)
        print(
            f"{name:<10} {collection:<18} {kind:<6} {len(values):>5} {statistics.median(rates):>8.3f} "
            f"{statistics.mean(rates):>9.3f} {seconds:>7.3f}"
        )


# --- ordering -------------------------------------------------------------------------------------


def oracle_text(
    gray: np.ndarray, read: ordering.PageText, lines: list[tuple[np.ndarray, str]]
) -> ordering.PageText:
    """`read` with its head and tail replaced by the true text of the bands page_text read for them."""
    ink = textlines.ink_mask(gray)
    bands = textlines.find_line_bands(gray, ink.mask)
    truths = band_truth(bands, lines)
    n = len(bands)
    heads = range(min(ordering.HEAD_LINES, n))
    tails = [k for k in range(max(0, n - ordering.TAIL_LINES), n) if k not in heads]
    head = "\n".join(t for k in heads if (t := truths[k]))
    tail = "\n".join(t for k in tails if (t := truths[k]))
    if n <= ordering.HEAD_LINES:  # short page: its last lines are among the head lines
        tail = "\n".join(t for k in range(max(0, n - ordering.TAIL_LINES), n) if (t := truths[k]))
    return replace(read, head=head, tail=tail)


def read_documents(
    data: Path, documents: list[dict], engine: str, cache: Path | None
) -> dict[str, list[dict]]:
    """Per document id, the PageText dicts of its pages in true order (with 'oracle' texts beside)."""
    path = cache / f"real-{engine}.json" if cache else None
    if path and path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    reader = handwriting.make_reader(engine)
    reader.read([np.full((40, 200), 255, np.uint8)])  # model load outside the timings
    texts: dict[str, list[dict]] = {}
    for document in documents:
        for page in document["pages"]:
            gray = gray_page(data, page)
            read = ordering.page_text(gray, (0, 0, gray.shape[1], gray.shape[0]), reader)
            oracle = oracle_text(gray, read, alto_lines(data / page["alto"]))
            texts.setdefault(document["id"], []).append({"read": asdict(read), "oracle": asdict(oracle)})
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(texts, ensure_ascii=False, indent=1), encoding="utf-8")
    return texts


def as_page(d: dict) -> ordering.PageText:
    return ordering.PageText(**{**d, "markers": tuple(tuple(m) for m in d["markers"])})


def shuffles_of(n: int, count: int, seed: str) -> list[list[int]]:
    if n <= 3:
        return [list(p) for p in permutations(range(n))]  # every order of a short document
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        perm = list(range(n))
        rng.shuffle(perm)
        out.append(perm)
    return out


def score_order(stats: dict, pages: list, perm: list[int]) -> tuple[ordering.OrderResult, list[int], bool]:
    """Order the pages shuffled by `perm`, count the result in `stats` (orders, exact, taus, confident
    wrong, right flagged); return the result, the order found (as true indices) and whether it is exact."""
    result = ordering.best_order([pages[p] for p in perm])
    predicted = [perm[i] for i in result.order]
    ok = predicted == list(range(len(pages)))
    stats["orders"] += 1
    stats["exact"] += ok
    stats["taus"].append(kendall_tau(predicted))
    stats["wrong_conf"] += (not ok) and result.confidence >= 0.5
    stats["flagged"] += ok and result.confidence < 0.5
    count_joins(stats["joins"], result, predicted)
    return result, predicted, ok


def score_orders(
    documents: list[dict], texts: dict[str, list[dict]], key: str, shuffles: int, verbose: bool = False
) -> dict[str, dict]:
    """Per set: orders, exact, mean tau, confident wrong, right flagged, chance of exact."""
    sets: dict[str, dict] = {}
    for document in documents:
        pages = [as_page(t[key]) for t in texts[document["id"]]]
        stats = sets.setdefault(set_name(document), {"orders": 0, "exact": 0, "taus": [], "wrong_conf": 0,
                                                     "flagged": 0, "chance": [], "joins": [0, 0, 0, 0]})  # fmt: skip
        for perm in shuffles_of(len(pages), shuffles, document["id"]):
            result, predicted, ok = score_order(stats, pages, perm)
            stats["chance"].append(1.0 / float(np.prod(range(1, len(pages) + 1))))
            if verbose and not ok and not document.get("held_out"):  # held-out documents: numbers only
                print(f"    {key} {document['id']}: {predicted} confidence {result.confidence:.2f}")
    return sets


def report_orders(rows: list[tuple[str, dict[str, dict]]]) -> None:
    print(
        f"\n{'set':<28} {'source':<16} {'orders':>6} {'exact':>6} {'tau':>6} {'conf.wrong':>10} "
        f"{'right flagged':>14} {'chance':>6}"
    )
    names = sorted({name for _, sets in rows for name in sets})
    for name in names:
        for source, sets in rows:
            s = sets.get(name)
            if not s:
                continue
            print(
                f"{name:<28} {source:<16} {s['orders']:>6} {s['exact'] / s['orders']:>6.1%} "
                f"{statistics.mean(s['taus']):>6.3f} {s['wrong_conf']:>10} "
                f"{s['flagged']:>6} of {s['exact']:<5} {statistics.mean(s['chance']):>6.1%}  "
                f"{joins_line(s['joins'])}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--engines", default=",".join(handwriting.ENGINES))
    parser.add_argument("--lines", action="store_true", help="measure CER and time per line")
    parser.add_argument("--order", action="store_true", help="measure reading order (default)")
    parser.add_argument("--per-page", type=int, default=6, help="lines per page for --lines")
    parser.add_argument("--shuffles", type=int, default=4)
    parser.add_argument(
        "--cache", type=Path, help="folder of cached page texts: read if present, else written"
    )
    parser.add_argument("--only", help="document collection to keep (copiste-dun-jour, testaments-de-poilus)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if not (args.data / "manifest.json").is_file():
        print(f"real handwriting pages not found in {args.data} (set ANONYMAT_REAL_PAGES): skipped")
        return
    documents = load_documents(args.data)
    if args.only:
        documents = [d for d in documents if d["collection"] == args.only]
    engines = [e for e in args.engines.split(",") if e]
    missing = [e for e in engines if not handwriting.is_available(e)]
    if missing:
        print(f"reader(s) not installed: {', '.join(missing)} (make setup)")
        engines = [e for e in engines if e not in missing]
    if args.lines:
        measure_lines(args.data, documents, engines, args.per_page)
    if args.order or not args.lines:
        rows = []
        oracle_sets = None
        for engine in engines:
            began = time.perf_counter()
            texts = read_documents(args.data, documents, engine, args.cache)
            seconds = [t["read"]["seconds"] for pages in texts.values() for t in pages]
            print(
                f"{engine}: page_text on {len(seconds)} pages, {statistics.median(seconds):.2f} s median, "
                f"{statistics.mean(seconds):.2f} s mean per page ({time.perf_counter() - began:.0f} s wall)"
            )
            rows.append((f"{engine}", score_orders(documents, texts, "read", args.shuffles, args.verbose)))
            if oracle_sets is None:
                oracle_sets = score_orders(documents, texts, "oracle", args.shuffles, args.verbose)
        if oracle_sets is not None:
            rows.append(("oracle (truth)", oracle_sets))
        report_orders(rows)


if __name__ == "__main__":
    main()
