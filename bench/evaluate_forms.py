"""No name leaks on an unknown form: anonymat on every form layout the generator draws, against its truth.

    .venv/bin/python bench/evaluate_forms.py [--forms cdg-est,rule-banner,...] [--copies 10] [--seed 404]
        [--learn] [--check-detector] [--reuse] [--jobs 2] [--work bench/out/forms]
        [--results bench/forms_results.json]

For each layout: generate a corpus (`anonymat samples --form NAME`), run `anonymat process` with the
built-in template and, with --learn, with a template learned (`anonymat template learn`) from 2 open-flap
pages and 1 folded-flap page of a separate corpus of that layout (seed + 1). Then, per layout and template:

- leaks: OCR of the top half of every output page, searched for the copy's own identity strings (family
  name, given names of 4+ letters, candidate number, birth date digits; accent-folded, case-insensitive,
  one OCR error allowed in names of 6+ letters), and for the printed identity labels (a label read means
  the identity zone was not masked, even if the handwriting was not read);
- masks in the writing area: a masked box reaching below the truth writing top minus 8 mm (the pages
  masked at both ends because their orientation is unconfirmed are left out), and, stricter, below the
  writing top itself;
- coverage of the truth identity box (and of the flap's open area when the flap is open) by the manifest's
  masked boxes, and the margin of the masks beyond the identity box's edges on template-placed pages;
- pages flagged (could not be placed / flap state unclear), pages not masked by the template, the result
  of `anonymat verify`, seconds per scanned page.

--check-detector first runs the same search on the unmasked open-flap scans (what it reads when nothing
is hidden); --reuse measures again what a previous run left in --work. This script reads the truth file;
the pipeline never does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from anonymat.pdf.output import decode_page_image  # noqa: E402
from anonymat.text import ocr  # noqa: E402

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in output-page pixels

DEFAULT_FORM = "cdg-est"
WRITING_SLACK_MM = 8.0  # a mask reaching below the truth writing top minus this is in the writing area
# the stricter count: a mask bottom this far below the writing top itself (1 px is rounding)
BELOW_TOP_MM = 0.5
COVERAGE_GOAL = 0.99
OCR_PSMS = (3, 11)  # automatic layout, then sparse text: together they read the most of a header
DARK = 48  # a masked pixel (painted 0) stays below this through the JPEG
LEARN_PICKS = (("open", 2), ("folded", 1))  # pages of the learning corpus given to `template learn`
LEARN_COPIES = (3, 6, 12)  # learning corpus sizes tried until it holds the pages above
UNCONFIRMED = "orientation not confirmed"
NOT_PLACED = "could not be placed"
FLAP_UNCLEAR = "flap state unclear"


# --- running anonymat ----------------------------------------------------------------------------


def anonymat_cmd() -> list[str]:
    script = Path(sys.executable).parent / "anonymat"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from anonymat.cli import main; main()"]


@dataclass
class Run:
    rc: int
    seconds: float
    stdout: str
    stderr: str


def run(args: Sequence[str]) -> Run:
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    t0 = time.perf_counter()
    done = subprocess.run([*anonymat_cmd(), *args], capture_output=True, text=True, env=env, check=False)
    return Run(done.returncode, time.perf_counter() - t0, done.stdout, done.stderr)


def available_forms() -> list[str]:
    """Every layout the generator offers (mixed left out: it is a blend of the others)."""
    try:
        from anonymat.synth import layouts
    except ImportError:
        return [DEFAULT_FORM]
    return layouts.names()


def has_template_learn() -> bool:
    return run(["template", "learn", "--help"]).rc == 0


def generate(dest: Path, copies: int, seed: int, form: str) -> dict:
    shutil.rmtree(dest, ignore_errors=True)
    args = ["samples", str(dest), "--copies", str(copies), "--seed", str(seed)]
    if form != DEFAULT_FORM:
        args += ["--form", form]
    res = run(args)
    if res.rc != 0:
        raise SystemExit(f"anonymat samples --form {form} failed ({res.rc}): {res.stderr.strip()[-500:]}")
    return json.loads((dest / "truth.json").read_text())


def process(scans: Path, out: Path, template: str | None, jobs: int) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    args = ["process", str(scans), "-o", str(out), "-q", "--jobs", str(jobs), "--force"]
    if template:
        args += ["--template", template]
    return run(args)


def verify(out: Path) -> dict:
    res = run(["verify", str(out)])
    failures = {}
    for line in res.stdout.splitlines():
        m = re.match(r"^(\S+)\s+\d+\s+FAIL: (.*)$", line)
        if m:
            failures[m.group(1)] = m.group(2)
    summary = re.search(r"(\d+) copies checked, (\d+) failed", res.stdout)
    return {
        "exit_code": res.rc,
        "checked": int(summary.group(1)) if summary else None,
        "failed": int(summary.group(2)) if summary else len(failures),
        "failures": failures,
        "stderr": res.stderr.strip()[-500:],
    }


# --- learning a template -------------------------------------------------------------------------


def learning_pages(truth: dict) -> list[dict] | None:
    """The first 2 written pages with an open flap and the first with a folded flap, in truth order."""
    picked: list[dict] = []
    for state, wanted in LEARN_PICKS:
        pages = [p for c in truth["copies"] for p in c["pages"] if not p["blank"] and p["flap"] == state]
        if len(pages) < wanted:
            return None
        picked += pages[:wanted]
    return picked


def extract_page(corpus: Path, page: dict, dest: Path) -> Path:
    """One scanned page as its own lossless PNG at its resolution, as an exam centre would send it."""
    from PIL import Image

    from anonymat import ingest
    from anonymat.page import decode

    files, _ = ingest.discover([corpus / page["file"]])
    ref = next(r for r in ingest.page_refs(files) if r.index == page["page"])
    img = decode.load_page(ref)
    Image.fromarray(img.gray, "L").save(dest, dpi=(img.dpi, img.dpi))
    return dest


def learn_template(work: Path, form: str, seed: int, reuse: bool = False) -> tuple[Path | None, str]:
    """Learn the layout's template from pages of a separate corpus; (path, message), path None on failure."""
    template, said = work / "learned.json", work / "learned.txt"
    if reuse and template.exists() and said.exists():
        return template, said.read_text()
    corpus = work / "learn-corpus"
    picks = None
    for copies in LEARN_COPIES:
        picks = learning_pages(generate(corpus, copies, seed, form))
        if picks is not None:
            break
    if picks is None:
        return None, f"no {LEARN_PICKS} pages in {LEARN_COPIES[-1]} copies of seed {seed}"
    pages_dir = work / "learn-pages"
    shutil.rmtree(pages_dir, ignore_errors=True)
    pages_dir.mkdir(parents=True)
    paths = [
        extract_page(corpus, p, pages_dir / f"{i}-{p['flap']}-{Path(p['file']).stem}-p{p['page'] + 1}.png")
        for i, p in enumerate(picks)
    ]
    template.unlink(missing_ok=True)
    res = run(["template", "learn", *map(str, paths), "-o", str(template)])
    if res.rc != 0 or not template.exists():
        return None, f"template learn failed ({res.rc}): {(res.stderr or res.stdout).strip()[-500:]}"
    said.write_text(res.stdout.strip())
    return template, res.stdout.strip()


# --- identity strings and labels -----------------------------------------------------------------


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


@dataclass(frozen=True)
class Needle:
    what: str  # nom | prenom | candidat | naissance
    value: str  # folded letters, or digits
    parts: int = 1  # words the value was written in (names)

    @property
    def digits(self) -> bool:
        return self.value.isdigit()


def identity_needles(identity: dict) -> list[Needle]:
    """The strings of a candidate's identity that must never be read on an output page."""
    nom = re.findall(r"[a-z]+", fold(identity["nom"]))
    needles = [Needle("nom", "".join(nom), len(nom))]
    for given in re.split(r"[\s\-]+", fold(identity["prenoms"])):
        letters = "".join(re.findall(r"[a-z]+", given))
        if len(letters) >= 4:
            needles.append(Needle("prenom", letters))
    for what in ("candidat", "naissance"):
        digits = re.sub(r"\D", "", identity[what])
        if digits:
            needles.append(Needle(what, digits))
    return needles


def within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


@dataclass
class TextIndex:
    """An OCR text prepared for the searches: word tokens and digit runs (separators inside dates dropped)."""

    text: str
    words: list[str]
    digit_runs: list[str]

    @classmethod
    def of(cls, raw: str) -> TextIndex:
        text = fold(raw)
        joined = re.sub(r"(?<=\d)[\s/.\-]{1,3}(?=\d)", "", text)
        return cls(text, re.findall(r"[a-z]+", text), re.findall(r"\d+", joined))


def find_needle(index: TextIndex, needle: Needle) -> str | None:
    """What the text holds of the needle (exact, or one edit away for names of 6+ letters), else None."""
    if needle.digits:
        return next((run for run in index.digit_runs if needle.value in run), None)
    fuzzy = len(needle.value) >= 6
    for k in (needle.parts, needle.parts + 1):  # k + 1: OCR split a word in two
        for i in range(len(index.words) - k + 1):
            got = "".join(index.words[i : i + k])
            # the read word must be 6+ letters too: "bonne" is a word, not BONNET misread
            if got == needle.value or (fuzzy and len(got) >= 6 and within_one_edit(got, needle.value)):
                return " ".join(index.words[i : i + k])
    return None


# the printed identity labels of every layout, as OCR reads them (folded); the body text says
# "la signature electronique" and "les entreprises candidates", which these leave alone
LABELS: dict[str, str] = {
    # OCR reads NOM : as "nou :" too; not "non :", which it also makes of a handwritten "Monsieur :"
    "NOM :": r"\bno[mu]\s*[:;]|\bnom de famille\b",
    "Prénom": r"\bprenom",
    "Né(e) le": r"\bne\s*[\(\[{]\s*e\s*[\)\]}]\s*le\b|\bdate de naissance\b",
    "N° de candidat": r"\bde\s+candidat\b",
    "Signature": r"\bsignature\b(?!\s+electronique)",
}


def find_labels(index: TextIndex) -> list[str]:
    return [label for label, pattern in LABELS.items() if re.search(pattern, index.text)]


# --- OCR of the output pages (in worker processes) -----------------------------------------------


@dataclass
class PageRead:
    text: str
    shape: tuple[int, int]
    dark: list[float]  # share of dark pixels in each box asked for


def read_pdf(pdf_path: str, boxes: list[list[Box]]) -> list[PageRead | None]:
    """OCR of the top half of each page, and the share of dark (masked) pixels in the given boxes."""
    import pikepdf

    reads: list[PageRead | None] = []
    with pikepdf.open(pdf_path) as pdf:
        for i, page in enumerate(pdf.pages):
            gray = decode_page_image(page)
            if gray is None:
                reads.append(None)
                continue
            top = np.ascontiguousarray(gray[: gray.shape[0] // 2])
            text = "\n".join(ocr.ocr_text(top, psm=psm) for psm in OCR_PSMS)
            wanted = boxes[i] if i < len(boxes) else []
            reads.append(
                PageRead(text, (gray.shape[0], gray.shape[1]), [dark_share(gray, b) for b in wanted])
            )
    return reads


def dark_share(gray: np.ndarray, box: Box) -> float:
    h, w = gray.shape
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    return float(np.mean(gray[y0:y1, x0:x1] < DARK))


def read_scan(path: str, index: int, rotation: int) -> str:
    """OCR of the top half of a scanned page turned upright (0 or 180 degrees): no masking at all."""
    from anonymat import ingest
    from anonymat.page import decode

    files, _ = ingest.discover([Path(path)])
    ref = next(r for r in ingest.page_refs(files) if r.index == index)
    gray = decode.load_page(ref).gray
    if rotation == 180:
        gray = np.ascontiguousarray(gray[::-1, ::-1])
    top = np.ascontiguousarray(gray[: gray.shape[0] // 2])
    return "\n".join(ocr.ocr_text(top, psm=psm) for psm in OCR_PSMS)


def check_detector(corpus: Path, truth: dict, jobs: int) -> dict:
    """The leak search run on the unmasked scans of the open-flap pages: what it finds when nothing is hidden."""
    pages = [
        (c, p)
        for c in truth["copies"]
        for p in c["pages"]
        if not p["blank"] and p["flap"] == "open" and p["rotation"] in (0, 180)
    ]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        texts = list(
            pool.map(
                read_scan,
                [str(corpus / p["file"]) for _, p in pages],
                [p["page"] for _, p in pages],
                [p["rotation"] for _, p in pages],
            )
        )
    leaks = labels = found = wanted = 0
    for (copy, _), text in zip(pages, texts, strict=True):
        index = TextIndex.of(text)
        needles = identity_needles(copy["identity"])
        hits = sum(1 for n in needles if find_needle(index, n) is not None)
        found, wanted = found + hits, wanted + len(needles)
        leaks += hits > 0
        labels += bool(find_labels(index))
    return {
        "open_pages": len(pages),
        "with_leak": leaks,
        "with_label": labels,
        "strings_found": found,
        "strings": wanted,
    }


# --- geometry ------------------------------------------------------------------------------------


def scaled(box: Sequence[float], k: float) -> Box:
    return (box[0] * k, box[1] * k, box[2] * k, box[3] * k)


def mask_raster(masks: Iterable[Sequence[float]], size: tuple[int, int]) -> np.ndarray:
    w, h = size
    raster = np.zeros((h, w), bool)
    for x0, y0, x1, y1 in masks:
        raster[max(0, int(y0)) : max(0, int(y1)), max(0, int(x0)) : max(0, int(x1))] = True
    return raster


def coverage(raster: np.ndarray, box: Box) -> float:
    """Share of the box (clipped to the page) under the masks."""
    h, w = raster.shape
    x0, y0 = max(0, int(round(box[0]))), max(0, int(round(box[1])))
    x1, y1 = min(w, int(round(box[2]))), min(h, int(round(box[3])))
    if x1 <= x0 or y1 <= y0:
        return 1.0
    return float(raster[y0:y1, x0:x1].mean())


def edge_margins_mm(masks: Iterable[Sequence[float]], box: Box, px_per_mm: float) -> dict[str, float]:
    """Per edge of the box: the distance (mm) to the nearest parallel edge, at or beyond it, of a mask box
    overlapping the box; negative when every such mask edge lies inside the box (the masks stop short)."""
    over = [
        m for m in masks if min(m[2], box[2]) > max(m[0], box[0]) and min(m[3], box[3]) > max(m[1], box[1])
    ]
    if not over:
        return {}
    reach = {
        "left": [box[0] - m[0] for m in over],
        "top": [box[1] - m[1] for m in over],
        "right": [m[2] - box[2] for m in over],
        "bottom": [m[3] - box[3] for m in over],
    }
    margins = {}
    for edge, ds in reach.items():
        beyond = [d for d in ds if d >= 0]
        margins[edge] = (min(beyond) if beyond else max(ds)) / px_per_mm
    return margins


# --- measuring one output folder -----------------------------------------------------------------


@dataclass
class PageResult:
    copy: str  # the truth copy the scanned page belongs to
    output_copy: str
    source: str
    policy: str
    flap_truth: str | None
    flap_found: str | None
    leak: dict[str, str] = field(default_factory=dict)  # needle -> what OCR read
    other_candidates: dict[str, str] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    identity_coverage: float | None = None
    flap_coverage: float | None = None
    identity_dark: float | None = None  # share of the truth identity box painted black on the page
    margins_mm: dict[str, float] = field(default_factory=dict)
    mask_bottom_below_writing_top_mm: float | None = None
    in_writing_area: bool = False
    both_ends: bool = False
    flagged: list[str] = field(default_factory=list)
    ocr_failed: bool = False


def load_manifests(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json")) if p.name != "batch.json"}


def truth_pages(truth: dict) -> dict[tuple[str, int], tuple[dict, dict]]:
    """(file, page index) -> (truth copy, truth page); file as the truth writes it (scans/...)."""
    return {(Path(p["file"]).as_posix(), p["page"]): (c, p) for c in truth["copies"] for p in c["pages"]}


def find_truth(by_source: dict, source: dict) -> tuple[dict, dict] | None:
    """The truth page of a manifest page: the same file and page index (the file named from the scans'
    folder or from its parent: only a path ending matches, never a bare file name, shared by folders)."""
    file, page = Path(source["file"]).as_posix(), source["page"]
    if (file, page) in by_source:
        return by_source[(file, page)]
    ends = [k for k in by_source if k[1] == page and (k[0].endswith("/" + file) or file.endswith("/" + k[0]))]
    return by_source[ends[0]] if len(ends) == 1 else None


def page_reasons(manifest: dict, source: dict) -> list[str]:
    label = f"{source['file']} page {source['page'] + 1}:"
    return [r for r in manifest.get("review_reasons", []) if r.startswith(label)]


def truth_zones(tpage: dict, dpi: float) -> dict[str, Any] | None:
    """The page's truth zones in output pixels (the truth is at the scan's resolution)."""
    zones = tpage.get("zones_upright_px")
    if not zones:
        return None
    k = dpi / tpage["dpi"]
    found = {name: scaled(box, k) for name, box in zones.items() if isinstance(box, list)}
    found["writing_top"] = zones["writing_top"] * k
    return found


def measure_geometry(result: PageResult, page: dict, zones: dict[str, Any], reasons: list[str]) -> None:
    dpi = float(page["dpi"])
    px_per_mm = dpi / 25.4
    size = (int(page["size"][0]), int(page["size"][1]))
    raster = mask_raster(page["masked"], size)
    result.identity_coverage = coverage(raster, zones["identity"])
    if result.flap_truth == "open":
        result.flap_coverage = coverage(raster, zones["flap_open_area"])
    if result.policy == "template":
        result.margins_mm = {
            k: round(v, 2) for k, v in edge_margins_mm(page["masked"], zones["identity"], px_per_mm).items()
        }
    bottoms = [b[3] for b in page["masked"] if b[3] > b[1] and b[2] > b[0] and b[1] < size[1] / 2]
    writing_top = zones["writing_top"]
    if bottoms:
        result.mask_bottom_below_writing_top_mm = round((max(bottoms) - writing_top) / px_per_mm, 2)
    limit = writing_top - WRITING_SLACK_MM * px_per_mm
    reaching = any(b[3] > limit and b[2] > b[0] for b in page["masked"])
    result.both_ends = result.policy != "template" and any(UNCONFIRMED in r for r in reasons)
    result.in_writing_area = reaching and not result.both_ends


def measure_text(result: PageResult, read: PageRead, own: list[Needle], others: list[Needle]) -> None:
    index = TextIndex.of(read.text)
    for needle in own:
        got = find_needle(index, needle)
        if got is not None:
            result.leak[f"{needle.what}:{needle.value}"] = got
    for needle in others:
        got = find_needle(index, needle)
        if got is not None:
            result.other_candidates[f"{needle.what}:{needle.value}"] = got
    result.labels = find_labels(index)


def measure_outputs(out: Path, truth: dict, jobs: int) -> tuple[list[PageResult], dict]:
    """Every output page measured against its truth page (matched on source file and page index)."""
    manifests = load_manifests(out)
    by_source = truth_pages(truth)
    needles = {c["number"]: identity_needles(c["identity"]) for c in truth["copies"]}
    plan: list[tuple[str, list[tuple[dict, dict, dict, dict]]]] = []  # pdf, [(manifest, page, tcopy, tpage)]
    unmatched = 0
    for number, manifest in manifests.items():
        rows = []
        for page in manifest["pages"]:
            src = page["source"]
            hit = find_truth(by_source, src)
            if hit is None:
                unmatched += 1
            rows.append((manifest, page, *(hit or ({}, {}))))
        plan.append((str(out / manifest.get("pdf", f"{number}.pdf")), rows))

    def boxes(row: tuple[dict, dict, dict, dict]) -> list[Box]:
        zones = truth_zones(row[3], float(row[1]["dpi"])) if row[3] else None
        return [zones["identity"]] if zones else []

    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        reads = list(pool.map(read_pdf, [p for p, _ in plan], [[boxes(r) for r in rows] for _, rows in plan]))

    results: list[PageResult] = []
    for (_, rows), pdf_reads in zip(plan, reads, strict=True):
        for i, (manifest, page, tcopy, tpage) in enumerate(rows):
            if not tpage:
                continue
            result = measure_page(manifest, page, tcopy, tpage, needles)
            read = pdf_reads[i] if i < len(pdf_reads) else None
            if read is None:
                result.ocr_failed = True
            else:
                own = needles[tcopy["number"]]
                own_values = {n.value for n in own}
                others = {
                    n
                    for c, ns in needles.items()
                    if c != tcopy["number"]
                    for n in ns
                    if n.value not in own_values
                }
                measure_text(result, read, own, sorted(others, key=lambda n: (n.what, n.value)))
                if read.dark:
                    result.identity_dark = round(read.dark[0], 4)
            results.append(result)
    written = sum(1 for c in truth["copies"] for p in c["pages"] if not p["blank"])
    counts = {
        "output_copies": len(manifests),
        "truth_written_pages": written,
        "output_pages": sum(len(m["pages"]) for m in manifests.values()),
        "output_pages_unmatched": unmatched,
    }
    return results, counts


def measure_page(manifest: dict, page: dict, tcopy: dict, tpage: dict, needles: dict) -> PageResult:
    src = page["source"]
    reasons = page_reasons(manifest, src)
    result = PageResult(
        copy=tcopy["number"],
        output_copy=manifest["anonymity_number"],
        source=f"{src['file']} page {src['page'] + 1}",
        policy=page.get("registration", {}).get("policy", "?"),
        flap_truth=tpage.get("flap"),
        flap_found=page.get("flap"),
        flagged=[r for r in reasons if NOT_PLACED in r or FLAP_UNCLEAR in r],
    )
    zones = truth_zones(tpage, float(page["dpi"]))
    if zones is not None and not tpage["blank"]:
        measure_geometry(result, page, zones, reasons)
    return result


# --- summary -------------------------------------------------------------------------------------


def summarize(pages: list[PageResult]) -> dict:
    measured = [p for p in pages if p.identity_coverage is not None]
    covs = [
        min(p.identity_coverage or 0.0, p.flap_coverage if p.flap_coverage is not None else 1.0)
        for p in measured
    ]
    margins = [v for p in pages for v in p.margins_mm.values()]
    policies: dict[str, int] = {}
    for p in pages:
        policies[p.policy] = policies.get(p.policy, 0) + 1
    return {
        "pages_measured": len(pages),
        "copies_with_leak": len({p.copy for p in pages if p.leak}),
        "pages_with_leak": sum(1 for p in pages if p.leak),
        "pages_with_label": sum(1 for p in pages if p.labels),
        "pages_other_candidate_string": sum(1 for p in pages if p.other_candidates),
        "pages_mask_in_writing_area": sum(1 for p in pages if p.in_writing_area),
        "pages_mask_below_writing_top": sum(
            1
            for p in pages
            if p.mask_bottom_below_writing_top_mm is not None
            and p.mask_bottom_below_writing_top_mm > BELOW_TOP_MM
            and not p.both_ends
        ),
        "pages_both_ends_exempt": sum(1 for p in pages if p.both_ends),
        "mask_bottom_vs_writing_top_mm_max": max(
            (
                p.mask_bottom_below_writing_top_mm
                for p in pages
                if p.mask_bottom_below_writing_top_mm is not None
            ),
            default=None,
        ),
        "coverage_min": round(min(covs), 4) if covs else None,
        "pages_coverage_under_99": sum(1 for c in covs if c < COVERAGE_GOAL),
        "identity_dark_min": min(
            (p.identity_dark for p in pages if p.identity_dark is not None), default=None
        ),
        "template_margin_mm_min": min(margins, default=None),
        "template_margin_mm_max": max(margins, default=None),
        "pages_flagged": sum(1 for p in pages if p.flagged),
        "pages_not_template": sum(1 for p in pages if p.policy != "template"),
        "policies": policies,
        "flap_correct": sum(1 for p in pages if p.flap_truth is not None and p.flap_found == p.flap_truth),
        "ocr_failed": sum(1 for p in pages if p.ocr_failed),
    }


# --- one layout ----------------------------------------------------------------------------------


def process_once(corpus: Path, out: Path, template_arg: str | None, jobs: int, reuse: bool) -> Run:
    """Run `anonymat process`, or with `reuse` take the outputs and timing a previous run left."""
    record = out.with_name(out.name + ".run.json")
    if reuse and record.exists() and (out / "batch.json").exists():
        return Run(**json.loads(record.read_text()))
    res = process(corpus / "scans", out, template_arg, jobs)
    record.write_text(json.dumps(asdict(res)))
    return res


def evaluate(
    form: str,
    template: str,
    template_arg: str | None,
    corpus: Path,
    truth: dict,
    out: Path,
    args: argparse.Namespace,
) -> dict:
    jobs = args.jobs
    n_scanned = sum(len(c["pages"]) for c in truth["copies"])
    res = process_once(corpus, out, template_arg, jobs, args.reuse)
    print(f"  {form} / {template}: process exit {res.rc} in {res.seconds:.1f} s", flush=True)
    t0 = time.perf_counter()
    if not (out / "batch.json").exists():
        return {
            "form": form,
            "template": template,
            "error": f"process failed ({res.rc}): {res.stderr[-500:]}",
        }
    batch = json.loads((out / "batch.json").read_text())
    pages, counts = measure_outputs(out, truth, jobs)
    checked = verify(out)
    print(f"  {form} / {template}: measured in {time.perf_counter() - t0:.1f} s", flush=True)
    return {
        "form": form,
        "template": template,
        "copies": len(truth["copies"]),
        "scanned_pages": n_scanned,
        "process": {
            "exit_code": res.rc,
            "seconds": round(res.seconds, 2),
            "seconds_per_page": round(res.seconds / max(1, n_scanned), 3),
            "errors": len(batch.get("errors", [])),
            "unassigned": len(batch.get("unassigned", [])),
        },
        **counts,
        "verify": checked,
        "summary": summarize(pages),
        "pages": [asdict(p) for p in pages],
    }


def evaluate_form(form: str, args: argparse.Namespace, learn_ok: bool) -> list[dict]:
    work = args.work / form
    corpus = work / "corpus"
    t0 = time.perf_counter()
    if args.reuse and (corpus / "truth.json").exists():
        truth = json.loads((corpus / "truth.json").read_text())
    else:
        truth = generate(corpus, args.copies, args.seed, form)
    print(f"{form}: generated {len(truth['copies'])} copies in {time.perf_counter() - t0:.1f} s", flush=True)
    detector = None
    if args.check_detector:
        detector = check_detector(corpus, truth, args.jobs)
        print(
            f"  {form}: leak search on the unmasked open-flap scans: a leak on {detector['with_leak']}"
            f"/{detector['open_pages']} pages, a label on {detector['with_label']}, identity strings read"
            f" {detector['strings_found']}/{detector['strings']}",
            flush=True,
        )
    runs = [evaluate(form, "built-in", None, corpus, truth, work / "out-builtin", args)]
    if detector is not None:
        runs[0]["detector_on_unmasked_scans"] = detector
    if args.learn:
        if not learn_ok:
            runs.append(
                {"form": form, "template": "learned", "skipped": "no `anonymat template learn` command"}
            )
            return runs
        learned, message = learn_template(work, form, args.seed + 1, args.reuse)
        print(f"  {form} / learned: {message.splitlines()[0] if message else ''}", flush=True)
        if learned is None:
            runs.append({"form": form, "template": "learned", "error": message})
        else:
            run_ = evaluate(form, "learned", str(learned), corpus, truth, work / "out-learned", args)
            run_["learn_output"] = message
            runs.append(run_)
    return runs


# --- printing ------------------------------------------------------------------------------------

COLUMNS: tuple[tuple[str, int], ...] = (
    ("form", 11),
    ("template", 8),
    ("copies", 6),
    ("pages", 7),
    ("leak copies", 11),
    ("label pages", 11),
    ("writing masks", 13),
    ("below wtop", 10),
    ("cov min", 7),
    ("<99%", 4),
    ("margin mm", 11),
    ("flagged", 7),
    ("not tmpl", 8),
    ("verify fail", 11),
    ("s/page", 6),
)


def row_cells(r: dict) -> list[str]:
    if "summary" not in r:
        return [r["form"], r["template"], r.get("skipped") or "ERROR: " + r.get("error", "?")[:80]]
    s = r["summary"]
    cov = "-" if s["coverage_min"] is None else f"{100 * s['coverage_min']:.1f}%"
    lo, hi = s["template_margin_mm_min"], s["template_margin_mm_max"]
    margin = "-" if lo is None else f"{lo:.1f}..{hi:.1f}"
    return [
        r["form"],
        r["template"],
        str(r["copies"]),
        f"{r['output_pages']}/{r['truth_written_pages']}",
        f"{s['copies_with_leak']} ({s['pages_with_leak']}p)",
        str(s["pages_with_label"]),
        f"{s['pages_mask_in_writing_area']} (+{s['pages_both_ends_exempt']}ex)",
        f"{s['pages_mask_below_writing_top']} ({s['mask_bottom_vs_writing_top_mm_max']:+.0f})"
        if s["mask_bottom_vs_writing_top_mm_max"] is not None
        else "0",
        cov,
        str(s["pages_coverage_under_99"]),
        margin,
        str(s["pages_flagged"]),
        str(s["pages_not_template"]),
        f"{r['verify']['failed']}/{r['verify']['checked']}",
        f"{r['process']['seconds_per_page']:.2f}",
    ]


def print_table(runs: list[dict]) -> None:
    print()
    print("  ".join(f"{name:>{w}}" for name, w in COLUMNS))
    for r in runs:
        cells = row_cells(r)
        if len(cells) < len(COLUMNS):
            print(
                "  ".join(f"{c:>{w}}" for c, (_, w) in zip(cells[:2], COLUMNS, strict=False))
                + "  "
                + cells[2]
            )
            continue
        print("  ".join(f"{c:>{w}}" for c, (_, w) in zip(cells, COLUMNS, strict=True)))
    legend = (
        "pages: output pages / written truth pages",
        "leak copies: copies whose own identity string was read by OCR on one of their output pages (pages)",
        "label pages: pages with a legible identity label (NOM :, Prénom, Né(e) le, N° de candidat, Signature)",
        f"writing masks: pages with a mask below the writing top - {WRITING_SLACK_MM:g} mm"
        " (+ pages masked at both ends for an unconfirmed orientation, exempt)",
        f"below wtop: pages with a mask more than {BELOW_TOP_MM:g} mm below the writing top itself"
        " (the lowest mask bottom, mm from the writing top)",
        "cov min: least coverage of the identity box (and of the open flap) by the masks; <99%: pages under 99 %",
        "margin mm: nearest mask edge beyond the identity box's edges on template-placed pages, worst..loosest",
        "flagged: pages flagged 'could not be placed' or 'flap state unclear'; not tmpl: pages not masked by"
        " the template",
    )
    print()
    print("\n".join(legend))
    for r in runs:
        if "summary" in r:
            s = r["summary"]
            print(
                f"  {r['form']}/{r['template']}: policies {s['policies']}; flap correct {s['flap_correct']}"
                f"/{s['pages_measured']}; another candidate's string read on {s['pages_other_candidate_string']}"
                f" pages; least dark share of the identity box {s['identity_dark_min']}"
            )
        for p in r.get("pages", []):
            if p["leak"] or p["labels"]:
                print(
                    f"  {r['form']}/{r['template']} {p['source']} ({p['policy']}, flap {p['flap_truth']}):"
                    f" leak {p['leak'] or '-'} labels {p['labels'] or '-'}"
                )


# --- main ----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--forms", help="comma-separated layouts (default: every layout the generator offers)"
    )
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--seed", type=int, default=404)
    parser.add_argument("--learn", action="store_true", help="also learn each layout's template and use it")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure again the corpora, templates and outputs a previous run left in --work (same settings)",
    )
    parser.add_argument(
        "--check-detector",
        action="store_true",
        help="first run the leak search on the unmasked open-flap scans",
    )
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "forms")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "forms_results.json")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    forms = args.forms.split(",") if args.forms else available_forms()
    learn_ok = not args.learn or has_template_learn()
    if args.learn and not learn_ok:
        print("`anonymat template learn` does not exist yet: the learned-template runs are skipped")
    t0 = time.perf_counter()
    runs = [r for form in forms for r in evaluate_form(form, args, learn_ok)]
    print_table(runs)
    results = {
        "seed": args.seed,
        "copies": args.copies,
        "forms": forms,
        "learn": args.learn,
        "jobs": args.jobs,
        "reused_outputs": args.reuse,
        "seconds": round(time.perf_counter() - t0, 1),
        "runs": runs,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{results['seconds']:.0f} s in all; results in {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
