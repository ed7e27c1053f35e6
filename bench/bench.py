"""Speed, memory and output size of anonymat on a generated batch.

    .venv/bin/python bench/bench.py [--pages 200] [--seed 99] [--jobs 1 2] [--order continuity scan]

For each (jobs, order) it runs `anonymat process` in a child process and reports pages/s end to end,
peak RSS of the whole process tree, and output KB per page; one more in-process run collects the time
per stage (decode, blank, barcode, orientation, template, mask, render: the output page encoded by
the page stage, ocr for ordering, ordering, writing: the PDF from the encoded pages, and its verification).
Writes bench/results.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
ANONYMAT = [sys.executable, "-m", "anonymat"]


def run_cli(scans: Path, out: Path, jobs: int, order: str) -> dict:
    """One run in a child process: wall time, CPU time and peak RSS of the whole process tree."""
    shutil.rmtree(out, ignore_errors=True)  # a stale PDF from an earlier run would count in the sizes
    cmd = [
        *ANONYMAT,
        "process",
        str(scans),
        "-o",
        str(out),
        "-q",
        "--force",
        "--jobs",
        str(jobs),
        "--order",
        order,
    ]
    t0 = time.perf_counter()
    info = watch_tree(cmd, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    elapsed = time.perf_counter() - t0
    batch = json.loads((out / "batch.json").read_text())
    pdfs = [json.loads((out / c["manifest"]).read_text())["pdf"] for c in batch["copies"]]
    pdf_bytes = sum((out / name).stat().st_size for name in pdfs)
    return {
        "jobs": jobs,
        "order": order,
        "seconds": elapsed,
        "pages_in": batch["pages_in"],
        "pages_out": batch["pages_out"],
        "pages_per_s": batch["pages_in"] / elapsed,
        "peak_rss_mb": info["rss_mb"],
        "peak_pss_mb": info["pss_mb"],
        # CPU of the whole process tree: unlike pages/s, not inflated by other load on the machine
        "cpu_ms_per_page": 1000 * info["cpu_s"] / max(1, batch["pages_in"]),
        "kb_per_output_page": pdf_bytes / 1024 / max(1, batch["pages_out"]),
        "exit_code": info["rc"],
    }


def watch_tree(cmd: list[str], env: dict[str, str], every: float = 0.1) -> dict:
    """Run `cmd`, sampling its whole process tree (the pool's workers are the forkserver's children, which
    getrusage(RUSAGE_CHILDREN) does not see): peak of the summed RSS and of the summed PSS (RSS counts
    the libraries the workers share once per process; PSS splits shared pages between them, so its sum
    is what the tree really occupies), and CPU seconds summed over every process seen (each one's last
    sample; a worker lives as long as the batch's pool)."""
    import psutil

    proc = psutil.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cpu: dict[int, float] = {}
    peak = peak_pss = 0.0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        rss = pss = 0.0
        for p in tree:
            try:
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
                memory = p.memory_full_info()
                rss, pss = rss + memory.rss, pss + memory.pss
            except psutil.NoSuchProcess:
                continue
        peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        time.sleep(every)
    return {
        "rc": proc.wait(),
        "rss_mb": peak / 2**20,
        "pss_mb": peak_pss / 2**20,
        "cpu_s": sum(cpu.values()),
    }


def stage_profile(scans: Path, out: Path) -> dict[str, float]:
    """Mean CPU seconds per page for each stage, measured in-process with one job and one thread."""
    import cv2

    from anonymat import ingest
    from anonymat.page.template import load_template
    from anonymat.pdf import pagecache
    from anonymat.pdf.output import DEFAULT_JPEG_QUALITY, DEFAULT_MAX_PAGE_KB
    from anonymat.run import copy_stage, pipeline
    from anonymat.run.grouping import group_pages

    files, _ = ingest.discover([scans])
    refs = ingest.page_refs(files)
    cv2.setNumThreads(1)  # as in a pool worker
    out.mkdir(parents=True, exist_ok=True)
    # as `process` does: the page stage encodes the output pages into the page cache ("render")
    render = pipeline.RenderSettings(str(pagecache.folder(out)), DEFAULT_JPEG_QUALITY, DEFAULT_MAX_PAGE_KB)
    ctx = pipeline.PageContext(load_template("cdg-est"), want_text=True, vault=None, render=render)
    facts = pipeline.analyse_all(refs, ctx, jobs=1)
    totals: dict[str, float] = {}
    for f in facts:
        for name, sec in f.seconds.items():
            totals[name] = totals.get(name, 0.0) + sec
    grouping = group_pages(facts)
    t0 = time.process_time()
    for copy in grouping.copies:
        copy_stage.order_copy(copy)
    totals["ordering"] = time.process_time() - t0
    t0 = time.process_time()
    for copy in grouping.copies:  # writing includes the verification that `process` runs after it
        copy_stage.write_one(copy_stage.WriteJob(copy, str(out), False, DEFAULT_JPEG_QUALITY, cached=True))
    totals["writing"] = time.process_time() - t0
    pagecache.clear(out)
    return {name: sec / len(refs) for name, sec in totals.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--order", nargs="+", default=["continuity", "scan"])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--no-profile", action="store_true", help="skip the per-stage profile")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()

    from anonymat.synth import make_corpus

    corpus = args.work / "corpus"
    copies = max(1, round(args.pages / 3.8))  # ~3.8 scanned pages per copy with the generator defaults
    t0 = time.perf_counter()
    truth = make_corpus(corpus, copies=copies, seed=args.seed)
    n = sum(len(c["pages"]) for c in truth["copies"])
    print(f"generated {n} pages ({copies} copies) in {time.perf_counter() - t0:.1f} s", flush=True)

    runs = []
    for order in args.order:
        for jobs in args.jobs:
            r = run_cli(corpus / "scans", args.work / f"out-{order}-{jobs}", jobs, order)
            runs.append(r)
            print(
                f"order={order:10} jobs={jobs}: {r['pages_per_s']:.2f} pages/s ({r['seconds']:.1f} s), "
                f"{r['cpu_ms_per_page']:.0f} ms CPU/page, "
                f"peak RSS {r['peak_rss_mb']:.0f} MB (PSS {r['peak_pss_mb']:.0f}), {r['kb_per_output_page']:.0f} KB/page, exit {r['exit_code']}",
                flush=True,
            )
    stages = {} if args.no_profile else stage_profile(corpus / "scans", args.work / "out-profile")
    print("\nCPU per page by stage (1 job, 1 thread, in-process):")
    for name, sec in stages.items():
        print(f"  {name:12} {1000 * sec:7.1f} ms")
    ru = resource.getrusage(resource.RUSAGE_SELF)
    results = {
        "pages": n,
        "copies": copies,
        "runs": runs,
        "stages_ms": {k: 1000 * v for k, v in stages.items()},
        "bench_process_rss_mb": ru.ru_maxrss / 1024,
    }
    args.results.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
