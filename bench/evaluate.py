"""Accuracy of anonymat on a freshly generated corpus, measured against the generator's truth.

    .venv/bin/python bench/evaluate.py [--copies 50] [--seed 2026] [--jobs 2] [--out eval-out]

Reports: barcode read rate and wrong reads per library (intact and damaged barcodes), copies
reconstructed, rotation and flap accuracy, blank-page precision and recall, reading-order accuracy
(exact share, mean Kendall tau, wrong orders not flagged), and identity leaks found by OCR of every
output page (must be 0). This script reads the truth file; the pipeline never does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from anonymat import ingest  # noqa: E402
from anonymat.cli import app  # noqa: E402
from anonymat.page import barcode, decode  # noqa: E402
from anonymat.run.copy_stage import ORDER_REVIEW_BELOW  # noqa: E402
from anonymat.synth import make_corpus  # noqa: E402
from anonymat.text import ocr  # noqa: E402


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def kendall_tau(order: list, truth: list) -> float:
    n = len(truth)
    if n < 2:
        return 1.0
    pos = {v: i for i, v in enumerate(order)}
    concordant = discordant = 0
    for i in range(n):
        for j in range(i + 1, n):
            if pos[truth[i]] < pos[truth[j]]:
                concordant += 1
            else:
                discordant += 1
    return (concordant - discordant) / (n * (n - 1) / 2)


def measure_barcodes(root: Path, truth: dict) -> dict:
    readers = {"zxing-cpp": barcode.ZxingReader(), "zbar": barcode.ZbarReader()}
    stats = {
        name: {"intact": 0, "intact_read": 0, "damaged": 0, "damaged_read": 0, "wrong": 0, "seconds": 0.0}
        for name in readers
    }
    pattern = r"^[0-9]{10}$"
    for copy in truth["copies"]:
        for page in copy["pages"]:
            if page["blank"]:
                continue
            path = root / page["file"]
            files, _ = ingest.discover([path])
            ref = next(r for r in ingest.page_refs(files) if r.index == page["page"])
            gray = decode.load_page(ref).gray
            kind = "intact" if page["barcode_damage"] == "none" else "damaged"
            for name, reader in readers.items():
                t0 = time.perf_counter()
                found = barcode.find_code(gray, pattern, readers=[reader]).read
                stats[name]["seconds"] += time.perf_counter() - t0
                stats[name][kind] += 1
                if found is not None:
                    if found.value == copy["number"]:
                        stats[name][kind + "_read"] += 1
                    else:
                        stats[name]["wrong"] += 1
    return stats


def measure_outputs(out: Path, truth: dict) -> dict:
    manifests = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json") if p.name != "batch.json"}
    batch = json.loads((out / "batch.json").read_text())
    r = {
        "copies": len(truth["copies"]),
        "copies_found": 0,
        "copies_exact": 0,
        "pages": 0,
        "rotation_ok": 0,
        "flap_ok": 0,
        "flap_unknown": 0,
        "blank_true": 0,
        "blank_found": 0,
        "blank_hit": 0,
        "order_exact": 0,
        "order_multi": 0,
        "tau_sum": 0.0,
        "wrong_order_unflagged": 0,
        "wrong_order_confident": 0,
        "right_order_flagged": 0,
        "needs_review": sum(1 for m in manifests.values() if m["status"] != "ok"),
        "unassigned": len(batch["unassigned"]),
        "errors": len(batch["errors"]),
    }
    for copy in truth["copies"]:
        m = manifests.get(copy["number"])
        truth_by_src = {(p["file"], p["page"]): p for p in copy["pages"]}
        blanks = {k for k, p in truth_by_src.items() if p["blank"]}
        r["blank_true"] += len(blanks)
        if m is None:
            continue
        r["copies_found"] += 1
        got = [(p["source"]["file"], p["source"]["page"]) for p in m["pages"]]
        dropped = {(d["source"]["file"], d["source"]["page"]) for d in m["dropped"]}
        r["blank_found"] += len(dropped)
        r["blank_hit"] += len(dropped & blanks)
        written = [(o["file"], o["page"]) for o in copy["order"]]
        if set(got) == set(written) and dropped == blanks:
            r["copies_exact"] += 1
        for page in m["pages"]:
            t = truth_by_src.get((page["source"]["file"], page["source"]["page"]))
            if t is None or t["blank"]:
                continue
            r["pages"] += 1
            r["rotation_ok"] += page["rotation"] == t["rotation"]
            r["flap_ok"] += page["flap"] == t["flap"]
            r["flap_unknown"] += page["flap"] == "unknown"
        if len(written) > 1 and set(got) == set(written):
            r["order_multi"] += 1
            exact = got == written
            r["order_exact"] += exact
            r["tau_sum"] += kendall_tau(got, written)
            if not exact and m["status"] == "ok":
                r["wrong_order_unflagged"] += 1
            # stricter: a copy flagged for another reason (orientation...) does not send anyone to its order
            confident = m["order"]["confidence"] >= ORDER_REVIEW_BELOW
            r["wrong_order_confident"] += not exact and confident
            r["right_order_flagged"] += exact and not confident
    return r


def count_leaks(out: Path, truth: dict) -> dict:
    """OCR every output page and search it for the identity strings (whole words) of its own candidate.

    A leak is the copy's own name, given names or candidate number found on its own pages (must be 0).
    Another candidate's string found there cannot come from that candidate's identity zone (OCR junk
    from the bars reading "anne", say): it is counted apart as a coincidence.
    """
    import cv2
    import numpy as np
    import pikepdf

    def strings(ident: dict) -> set[str]:
        found = {fold(ident["nom"]), fold(ident["candidat"])}
        return found | {fold(w) for w in ident["prenoms"].split() if len(w) >= 4}

    own = {c["number"]: strings(c["identity"]) for c in truth["copies"]}
    everyone = set().union(*own.values())
    leaks = coincidences = pages = 0
    for pdf_path in sorted(out.glob("*.pdf")):
        mine = own.get(pdf_path.stem, set())
        with pikepdf.open(pdf_path) as pdf:
            for page in pdf.pages:
                for obj in page.get_images().values():
                    gray = cv2.imdecode(np.frombuffer(obj.read_raw_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE)
                    text = fold(ocr.ocr_text(gray[: gray.shape[0] * 2 // 5], psm=3))
                    pages += 1
                    hits = {s for s in everyone if re.search(rf"\b{re.escape(s)}\b", text)}
                    leaks += len(hits & mine)
                    coincidences += len(hits - mine)
    return {"identity_strings_found": leaks, "other_candidates_strings": coincidences, "pages_ocred": pages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "eval-out")
    parser.add_argument("--skip-barcode-compare", action="store_true")
    args = parser.parse_args()

    from typer.testing import CliRunner

    corpus, out = args.out / "corpus", args.out / "anonymized"
    t0 = time.perf_counter()
    truth = make_corpus(corpus, copies=args.copies, seed=args.seed)
    n_pages = sum(len(c["pages"]) for c in truth["copies"])
    print(f"generated {len(truth['copies'])} copies, {n_pages} pages in {time.perf_counter() - t0:.1f} s")

    results: dict = {"copies": len(truth["copies"]), "pages": n_pages, "seed": args.seed}
    if not args.skip_barcode_compare:
        results["barcode"] = measure_barcodes(corpus, truth)

    t0 = time.perf_counter()
    res = CliRunner().invoke(
        app, ["process", str(corpus / "scans"), "-o", str(out), "-q", "--jobs", str(args.jobs), "--force"]
    )
    elapsed = time.perf_counter() - t0
    results["process"] = {"exit_code": res.exit_code, "seconds": elapsed, "pages_per_s": n_pages / elapsed}
    results["outputs"] = measure_outputs(out, truth)
    results["leaks"] = count_leaks(out, truth)

    print_table(results)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    return 0


def pct(a: float, b: float) -> str:
    return f"{100 * a / b:.1f} % ({a}/{b})" if b else "n/a"


def print_table(r: dict) -> None:
    print(f"\ncorpus: {r['copies']} copies, {r['pages']} scanned pages (seed {r['seed']})")
    for name, s in r.get("barcode", {}).items():
        print(
            f"barcode {name:9}: intact {pct(s['intact_read'], s['intact'])}, damaged {pct(s['damaged_read'], s['damaged'])},"
            f" wrong reads {s['wrong']}, {1000 * s['seconds'] / max(1, s['intact'] + s['damaged']):.0f} ms/page"
        )
    o = r["outputs"]
    print(
        f"copies found          : {pct(o['copies_found'], o['copies'])}; reconstructed exactly {pct(o['copies_exact'], o['copies'])}"
    )
    print(f"rotation correct      : {pct(o['rotation_ok'], o['pages'])}")
    print(f"flap state correct    : {pct(o['flap_ok'], o['pages'])} (unknown: {o['flap_unknown']})")
    print(
        f"blank pages           : precision {pct(o['blank_hit'], o['blank_found'])}, recall {pct(o['blank_hit'], o['blank_true'])}"
    )
    if o["order_multi"]:
        print(
            f"reading order         : exact {pct(o['order_exact'], o['order_multi'])}, mean Kendall tau "
            f"{o['tau_sum'] / o['order_multi']:.3f}, wrong orders NOT flagged: {o['wrong_order_unflagged']}"
        )
        print(
            f"                        wrong orders given with confidence >= {ORDER_REVIEW_BELOW} (not flagged for "
            f"their order): {o['wrong_order_confident']}; right orders flagged for their order: "
            f"{o['right_order_flagged']}"
        )
    print(
        f"needs review          : {o['needs_review']} copies; unassigned pages {o['unassigned']}; errors {o['errors']}"
    )
    p = r["process"]
    print(
        f"process               : {p['seconds']:.1f} s, {p['pages_per_s']:.2f} pages/s, exit code {p['exit_code']}"
    )
    lk = r["leaks"]
    print(
        f"identity leaks (OCR)  : {lk['identity_strings_found']} on {lk['pages_ocred']} output pages "
        f"(another candidate's string found by coincidence: {lk['other_candidates_strings']})"
    )


if __name__ == "__main__":
    sys.exit(main())
