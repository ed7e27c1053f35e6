"""`anonymat evaluate`: score a finished run against a truth file, the regression check a centre puts in CI.

The truth file (docs/truth-file.md) lists the sample copies a centre knows: each copy's anonymity number,
its pages in reading order, optionally each page's rotation and whether it is blank, and the identity
strings written on it. The run is scored from its outputs alone (manifests, PDFs): copies found, pages
lost or put in another copy, exact reading order, rotation, blank pages, and the identity strings found
by OCR of every output page. No identity string is ever printed: only counts and where.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from anonymat.errors import UsageError
from anonymat.manifest import BatchRecord, Manifest, page_label
from anonymat.messages import t
from anonymat.text.words import fold, is_near

MIN_STRING = 4  # shorter identity words ("Le", "Zoé"...) turn up by chance in OCR of handwriting

Source = tuple[str, int]


@dataclass
class CopyScore:
    number: str
    found: bool = False
    pages: int = 0  # written pages the truth lists
    lost: list[Source] = field(default_factory=list)  # in no output, or dropped as blank
    misplaced: list[Source] = field(default_factory=list)  # in another copy's PDF
    foreign: list[Source] = field(default_factory=list)  # another copy's pages in this one
    order_exact: bool | None = None  # None: one page, nothing to order
    rotation_ok: int = 0
    rotation_known: int = 0
    blanks: int = 0
    blanks_dropped: int = 0
    leaks: list[int] = field(default_factory=list)  # output page numbers (1-based) showing an identity string
    status: str = "missing"

    def problems(self) -> list[str]:
        found = []
        if not self.found:
            found.append(t("evaluate.not_found"))
        if self.lost:
            found.append(t("evaluate.lost", n=len(self.lost), pages=", ".join(map(_label, self.lost))))
        if self.misplaced:
            pages = ", ".join(map(_label, self.misplaced))
            found.append(t("evaluate.in_other", n=len(self.misplaced), pages=pages))
        if self.foreign:
            found.append(
                t("evaluate.foreign", n=len(self.foreign), pages=", ".join(map(_label, self.foreign)))
            )
        if self.order_exact is False:
            flagged = self.status == "needs_review"
            found.append(t("evaluate.disordered_flagged" if flagged else "evaluate.disordered"))
        if self.rotation_ok < self.rotation_known:
            found.append(t("evaluate.not_upright", n=self.rotation_known - self.rotation_ok))
        if self.leaks:
            found.append(t("evaluate.leak", pages=", ".join(map(str, self.leaks))))
        return found


@dataclass
class Evaluation:
    copies: list[CopyScore]
    unassigned: int
    errors: int

    @property
    def passed(self) -> bool:
        return not any(c.problems() for c in self.copies)


def load_truth(path: Path) -> dict[str, Any]:
    """Read and check a truth file; a one-line UsageError says what is wrong with it."""
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(t("evaluate.truth_unreadable", path=path, why=exc.strerror)) from exc
    except ValueError as exc:
        raise UsageError(t("evaluate.truth_not_json", path=path, error=exc)) from exc
    copies = truth.get("copies") if isinstance(truth, dict) else None
    if not isinstance(copies, list) or not copies:
        raise UsageError(t("evaluate.truth_no_copies", path=path))
    for i, copy in enumerate(copies):
        if not isinstance(copy, dict) or not isinstance(copy.get("number"), str):
            raise UsageError(t("evaluate.truth_no_number", path=path, i=i + 1))
        order = copy.get("order")
        if not isinstance(order, list) or not all(_is_source(s) for s in order):
            raise UsageError(t("evaluate.truth_order", path=path, number=copy["number"]))
    return truth


def evaluate(outdir: Path, truth: dict[str, Any], ocr_pages: bool = True) -> Evaluation:
    """Score OUTDIR against the truth."""
    batch = _batch(outdir)
    manifests = _manifests(outdir, batch)
    placed: dict[Source, str] = {}  # source page -> the copy whose PDF holds it
    for number, manifest in manifests.items():
        for entry in manifest.pages:
            placed[_source(entry["source"])] = number
    files = {f for f, _ in placed} | {_source(d["source"])[0] for m in manifests.values() for d in m.dropped}
    scores = []
    for copy in truth["copies"]:
        score = _score_copy(copy, manifests.get(copy["number"]), placed, files)
        if ocr_pages and score.found:
            score.leaks = _legible_identity(outdir / manifests[copy["number"]].pdf, copy.get("identity"))
        scores.append(score)
    return Evaluation(scores, len(batch.unassigned), len(batch.errors))


def _score_copy(
    copy: dict[str, Any], manifest: Manifest | None, placed: dict[Source, str], files: set[str]
) -> CopyScore:
    def match(source: dict[str, Any]) -> Source:
        return _match(_source(source), files)

    score = CopyScore(copy["number"])
    written = [match(s) for s in copy["order"]]
    pages = {match(p): p for p in copy.get("pages", []) if _is_source(p)}
    blanks = {s for s, p in pages.items() if p.get("blank")}
    score.pages, score.blanks = len(written), len(blanks)
    for source in written:
        owner = placed.get(source)
        if owner is None:
            score.lost.append(source)
        elif owner != copy["number"]:
            score.misplaced.append(source)
    if manifest is None:
        return score
    score.found, score.status = True, str(manifest.status)
    got = [_source(e["source"]) for e in manifest.pages]
    score.foreign = [s for s in got if s not in written and s not in blanks]
    dropped = {_source(d["source"]) for d in manifest.dropped}
    score.blanks_dropped = len(dropped & blanks)
    if len(written) > 1:
        score.order_exact = [s for s in got if s in written] == written
    for entry in manifest.pages:
        rotation = pages.get(_source(entry["source"]), {}).get("rotation")
        if isinstance(rotation, int):
            score.rotation_known += 1
            score.rotation_ok += int(entry.get("rotation", -1)) == rotation
    return score


def _legible_identity(pdf_path: Path, identity: Any) -> list[int]:
    """Output pages (1-based) on which OCR finds one of the copy's identity strings, as a whole word read
    with OCR's usual errors (`words.is_near`: one edit in 4-6 letters, two beyond; handwritten names are
    rarely read exactly, and a name read "Schnitt" is a leaked "Schmitt")."""
    import pikepdf

    from anonymat.pdf.output import decode_page_image
    from anonymat.text import ocr

    strings = _identity_strings(identity)
    if not strings:
        return []
    hits = []
    with pikepdf.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            gray = decode_page_image(page)
            if gray is None:
                continue
            tokens = set(re.findall(r"[\w/.]+", fold(ocr.ocr_text(gray, psm=3))))
            if any(is_near(token, s) for s in strings for token in tokens):
                hits.append(number)
    return hits


def _identity_strings(identity: Any) -> set[str]:
    values = (
        identity.values() if isinstance(identity, dict) else identity if isinstance(identity, list) else []
    )
    found = set()
    for value in values:
        text = fold(str(value))
        if any(c.isdigit() for c in text):  # a candidate number or a date: searched whole
            found.add(text)
        found |= {w for w in re.split(r"[\s\-']+", text) if len(w) >= MIN_STRING and w.isalpha()}
    return found


# --- output -------------------------------------------------------------------------------------------


def print_table(result: Evaluation) -> None:
    """The table, then one FAIL line per problem, then PASS or FAIL (ÉCHEC, RÉUSSI in French; a CI job
    that searches its log for them runs with LANG=en or --lang en)."""
    copies = result.copies
    found = sum(c.found for c in copies)
    multi = [c for c in copies if c.order_exact is not None and c.found]
    rows = [
        (t("evaluate.copies_found"), f"{found}/{len(copies)}"),
        (t("evaluate.pages_lost"), str(sum(len(c.lost) for c in copies))),
        (t("evaluate.misplaced"), str(sum(len(c.misplaced) for c in copies))),
        (t("evaluate.order"), f"{sum(bool(c.order_exact) for c in multi)}/{len(multi)}"),
        (
            t("evaluate.upright"),
            f"{sum(c.rotation_ok for c in copies)}/{sum(c.rotation_known for c in copies)}",
        ),
        (t("evaluate.blanks"), f"{sum(c.blanks_dropped for c in copies)}/{sum(c.blanks for c in copies)}"),
        (t("evaluate.leaks"), str(sum(len(c.leaks) for c in copies))),
        (t("evaluate.unassigned"), f"{result.unassigned}, {result.errors}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for c in copies:
        for problem in c.problems():
            print(t("evaluate.fail_line", number=c.number, problem=problem))
    print(t("evaluate.pass") if result.passed else t("evaluate.fail"))


def write_junit(result: Evaluation, path: Path) -> None:
    """One test case per copy, for CI systems that read JUnit XML."""
    suite = ElementTree.Element(
        "testsuite",
        name="anonymat evaluate",
        tests=str(len(result.copies)),
        failures=str(sum(1 for c in result.copies if c.problems())),
    )
    for c in result.copies:
        case = ElementTree.SubElement(suite, "testcase", classname="anonymat.copies", name=f"copy {c.number}")
        problems = c.problems()
        if problems:
            failure = ElementTree.SubElement(case, "failure", message=problems[0])
            failure.text = "\n".join(problems)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


# --- reading ------------------------------------------------------------------------------------------


def _batch(outdir: Path) -> BatchRecord:
    try:
        return BatchRecord.read(outdir)
    except (OSError, ValueError) as exc:
        raise UsageError(t("evaluate.no_batch", outdir=outdir)) from exc


def _manifests(outdir: Path, batch: BatchRecord) -> dict[str, Manifest]:
    found = {}
    for entry in batch.copies:
        try:
            manifest = Manifest.read(outdir / str(entry.get("manifest", "")))
        except (OSError, ValueError):
            continue  # its copy is then "not found"
        found[manifest.anonymity_number] = manifest
    return found


def _is_source(value: Any) -> bool:
    return (
        isinstance(value, dict) and isinstance(value.get("file"), str) and isinstance(value.get("page"), int)
    )


def _source(value: dict[str, Any]) -> Source:
    return str(value["file"]), int(value["page"])


def _match(source: Source, files: set[str]) -> Source:
    """The truth's file name as the run shows it: the same, or the one that ends with it (the run names
    files from the folder it was given, the truth file perhaps from another)."""
    name, page = source
    if name in files:
        return source
    wanted = PurePosixPath(name).parts
    for shown in files:
        parts = PurePosixPath(shown).parts
        tail = min(len(parts), len(wanted))
        if tail and parts[-tail:] == wanted[-tail:]:
            return shown, page
    return source


def _label(source: Source) -> str:
    return page_label(*source)
