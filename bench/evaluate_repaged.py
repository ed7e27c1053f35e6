"""Reading order on the development documents' own text, cut into pages anew (text only, no OCR).

    .venv/bin/python bench/evaluate_repaged.py [--data DIR] [--cuts 6] [-v]

The ALTO transcriptions of the real documents *not* held out (../shared/real-handwriting) are joined into
one run of lines per document and cut into 2 to 4 pages of a random capacity, the last one partly
filled (so most breaks fall mid-sentence, some at paragraph ends, never where the writer turned the
page). Each page becomes a `PageText` with its true first three and last two lines, its line count
against the capacity as how full it is, its last line's length as `tail_end`; no page labels, no running header, no outline markers. `best_order` then
orders each shuffle. This is a development set for the text signals (link, start and end): documents
that no generator wrote. Held-out documents are never read here.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from evaluate_real import DEFAULT_DATA, SHORT, alto_lines, load_documents, score_order  # noqa: E402

from anonymat.reading import ordering  # noqa: E402
from anonymat.reading.pagemarks import parse_label  # noqa: E402


def document_lines(data: Path, document: dict) -> list[str]:
    """The document's transcribed lines in reading order, page labels and reference lines left out."""
    out = []
    for page in document["pages"]:
        for _, text in alto_lines(data / page["alto"]):
            text = text.strip()
            reference = "texte" in text.lower()[:12] or re.search(r"wiki\s*texte", text, re.IGNORECASE)
            if text and parse_label(text) is None and not reference:
                out.append(text)
    return out


def cut_pages(lines: list[str], pages: int, rng: random.Random) -> list[list[str]] | None:
    """`lines` cut into `pages` pages of one capacity (as a writer fills them), the last one partly."""
    low, high = len(lines) // pages + 1, (len(lines) - 1) // (pages - 1) if pages > 1 else len(lines)
    if high < max(low, 5):
        return None
    capacity = rng.randint(max(low, 5), high)
    chunks = [lines[k : k + capacity] for k in range(0, len(lines), capacity)]
    return chunks if len(chunks) == pages and len(chunks[-1]) >= 2 else None


def as_page_text(chunk: list[str], width: float, capacity: int) -> ordering.PageText:
    return ordering.PageText(
        head="\n".join(chunk[:3]),
        tail="\n".join(chunk[-2:]),
        markers=(),
        lines=len(chunk),
        fill=round(0.97 * min(1.0, len(chunk) / capacity), 4),
        tail_end=round(min(1.1, len(chunk[-1]) / width), 4),
        head_indent=0.0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cuts", type=int, default=6, help="page cuttings per document")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if not (args.data / "manifest.json").is_file():
        print(f"real handwriting pages not found in {args.data}: skipped")
        return
    sets: dict[str, dict] = {}
    for document in load_documents(args.data):
        if document.get("held_out"):
            continue
        lines = document_lines(args.data, document)
        width = float(statistics.quantiles([len(t) for t in lines], n=5)[3]) if len(lines) > 4 else 40.0
        rng = random.Random(document["id"])
        name = SHORT.get(document["collection"], document["collection"])
        stats = sets.setdefault(
            name, {"orders": 0, "exact": 0, "taus": [], "wrong_conf": 0, "flagged": 0, "joins": [0, 0, 0, 0]}
        )
        for cut in range(args.cuts):
            chunks = cut_pages(lines, rng.choice((2, 3, 4)), rng)
            if chunks is None:
                chunks = cut_pages(lines, 2, rng)
            if chunks is None:
                continue
            pages = [as_page_text(c, width, len(chunks[0])) for c in chunks]
            perm = list(range(len(pages)))
            random.Random(f"{document['id']}-{cut}").shuffle(perm)
            result, predicted, ok = score_order(stats, pages, perm)
            if args.verbose and not ok:
                print(f"  {document['id']} cut {cut}: {predicted} confidence {result.confidence:.2f}")
    print(
        f"{'set (dev, re-paged)':<22} {'orders':>6} {'exact':>6} {'tau':>6} {'conf.wrong':>10} {'right flagged':>14}"
    )
    for name, s in sorted(sets.items()):
        print(
            f"{name:<22} {s['orders']:>6} {s['exact'] / s['orders']:>6.1%} {statistics.mean(s['taus']):>6.3f} "
            f"{s['wrong_conf']:>10} {s['flagged']:>6} of {s['exact']:<5}"
        )


if __name__ == "__main__":
    main()
