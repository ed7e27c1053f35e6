"""`anonymat fix`: only the copies named are rebuilt, their pages permuted / moved / dropped as asked,
the manifest records it, the privacy guarantees hold, and bad positions are a usage error."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import pikepdf
import pytest
from typer.testing import CliRunner

from anonymat.cli import app
from anonymat.manifest import schema
from anonymat.messages import t
from anonymat.review.report import pdf_page_images
from anonymat.review.verify import MASK_MAX_GREY, CopyCheck, check_pdf_structure, verify_copy

from .test_report import copy_manifests, processed_three


@pytest.fixture
def outdir(tmp_path_factory, tmp_path) -> Path:
    """A private copy of a processed OUTDIR (the scans stay where the manifests say)."""
    out, _truth, _code = processed_three(tmp_path_factory)
    work = tmp_path / "out"
    shutil.copytree(out, work)
    return work


def fix(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["fix", *map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def copy_files(number: str) -> set[str]:
    return {f"{number}.pdf", f"{number}.json"}


SHARED = {"batch.json", "report.html", "thumbs/index.json"}


def longest(out: Path) -> str:
    manifests = copy_manifests(out)
    return max(sorted(manifests), key=lambda n: len(manifests[n]["pages"]))


def same_image(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and float(np.abs(a.astype(int) - b.astype(int)).mean()) < 1.0


def assert_private(out: Path, number: str) -> None:
    """The privacy check on a rebuilt PDF: no /Metadata, /Info only Producer, no text, zones black."""
    manifest = json.loads((out / f"{number}.json").read_text())
    jsonschema.validate(manifest, schema("manifest"))
    data = (out / f"{number}.pdf").read_bytes()
    assert hashlib.sha256(data).hexdigest() == manifest["pdf_sha256"]
    with pikepdf.open(out / f"{number}.pdf") as pdf:
        assert "/Metadata" not in pdf.Root
        assert set(pdf.docinfo.keys()) == {"/Producer"}
        check = CopyCheck(number)
        check_pdf_structure(pdf, check)  # one image per page, no text operators, no annotations
        assert check.ok, check.problems
        assert len(pdf.pages) == len(manifest["pages"])
    for entry, gray in zip(manifest["pages"], pdf_page_images(out / f"{number}.pdf"), strict=True):
        assert entry["masked"]
        for x0, y0, x1, y1 in entry["masked"]:
            assert int(gray[y0 + 4 : y1 - 4, x0 + 4 : x1 - 4].max()) <= MASK_MAX_GREY


def test_order_rebuilds_only_that_copy(outdir):
    number = longest(outdir)
    old = json.loads((outdir / f"{number}.json").read_text())
    old_images = pdf_page_images(outdir / f"{number}.pdf")
    n = len(old["pages"])
    assert n >= 2
    order = list(range(n, 0, -1))
    before = hashes(outdir)

    code, text = fix(outdir, number, "--order", ",".join(map(str, order)))
    assert code == 0, text

    after = hashes(outdir)
    # that copy's pictures in the report: thumbnails, and its crops when it is to check
    thumbs = {f for f in changed(before, after) if f.startswith(f"thumbs/{number}_")}
    assert changed(before, after) <= copy_files(number) | SHARED | thumbs
    assert copy_files(number) <= changed(before, after)
    new = json.loads((outdir / f"{number}.json").read_text())
    new_images = pdf_page_images(outdir / f"{number}.pdf")
    for pos, image in zip(order, new_images, strict=True):
        assert same_image(image, old_images[pos - 1])
    assert [p["source"] for p in new["pages"]] == [old["pages"][i - 1]["source"] for i in order]
    assert new["order"]["method"] == "manual" and new["order"]["confidence"] == 1.0
    assert new["manual"][-1]["action"] == "order" and new["manual"][-1]["order"] == order
    assert not any(r.startswith("reading order uncertain") for r in new["review_reasons"])
    assert new["status"] == ("needs_review" if new["review_reasons"] else "ok")
    batch = json.loads((outdir / "batch.json").read_text())
    assert {c["anonymity_number"]: c["status"] for c in batch["copies"]}[number] == new["status"]
    assert_private(outdir, number)
    deep = verify_copy(outdir, outdir / f"{number}.json")  # what `anonymat verify` checks, OCR included
    assert deep.ok, deep.problems


def test_same_order_gives_back_the_same_pdf_bytes(outdir):
    """Same writing path as `process`, same JPEG quality, nothing time-dependent in the PDF."""
    number = longest(outdir)
    before = (outdir / f"{number}.pdf").read_bytes()
    n = len(json.loads((outdir / f"{number}.json").read_text())["pages"])
    code, text = fix(outdir, number, "--order", ",".join(str(i) for i in range(1, n + 1)))
    assert code == 0, text
    assert (outdir / f"{number}.pdf").read_bytes() == before


def test_drop_removes_the_page_and_records_it(outdir):
    number = longest(outdir)
    old = json.loads((outdir / f"{number}.json").read_text())
    old_images = pdf_page_images(outdir / f"{number}.pdf")
    pages_out = json.loads((outdir / "batch.json").read_text())["pages_out"]

    code, text = fix(outdir, number, "--drop", "1", "--resolved")
    assert code == 0, text

    new = json.loads((outdir / f"{number}.json").read_text())
    assert [p["source"] for p in new["pages"]] == [p["source"] for p in old["pages"][1:]]
    # the dropped page keeps its report number: a second --drop 1 knows it is gone
    assert {"source": old["pages"][0]["source"], "reason": "dropped by hand", "id": 1} in new["dropped"]
    assert all(d in new["dropped"] for d in old["dropped"])
    new_images = pdf_page_images(outdir / f"{number}.pdf")
    assert len(new_images) == len(old_images) - 1
    assert all(same_image(a, b) for a, b in zip(new_images, old_images[1:], strict=True))
    assert new["status"] == "ok" and new["review_reasons"] == []
    assert [m["action"] for m in new["manual"]] == ["drop", "resolved"]
    assert json.loads((outdir / "batch.json").read_text())["pages_out"] == pages_out - 1
    assert f"thumbs/{number}_{len(old['pages'])}.jpg" not in hashes(outdir)
    assert_private(outdir, number)


def test_move_sends_a_page_to_the_end_of_another_copy(outdir):
    numbers = sorted(copy_manifests(outdir))
    source = longest(outdir)
    target, other = [n for n in numbers if n != source][:2]
    old_src = json.loads((outdir / f"{source}.json").read_text())
    old_tgt = json.loads((outdir / f"{target}.json").read_text())
    moved_image = pdf_page_images(outdir / f"{source}.pdf")[1]
    pages_out = json.loads((outdir / "batch.json").read_text())["pages_out"]
    before = hashes(outdir)

    code, text = fix(outdir, source, "--move", f"2:{target}")
    assert code == 0, text

    after = hashes(outdir)
    assert all(
        before[k] == after[k] for k in before if k.startswith(other) or k.startswith(f"thumbs/{other}")
    )
    new_src = json.loads((outdir / f"{source}.json").read_text())
    new_tgt = json.loads((outdir / f"{target}.json").read_text())
    assert [p["source"] for p in new_src["pages"]] == [
        p["source"] for i, p in enumerate(old_src["pages"]) if i != 1
    ]
    assert [p["source"] for p in new_tgt["pages"]] == [p["source"] for p in old_tgt["pages"]] + [
        old_src["pages"][1]["source"]
    ]
    assert same_image(pdf_page_images(outdir / f"{target}.pdf")[-1], moved_image)
    assert new_src["manual"][-1]["to"] == target and new_tgt["manual"][-1]["from"] == source
    assert new_src["order"]["method"] == new_tgt["order"]["method"] == "manual"
    assert json.loads((outdir / "batch.json").read_text())["pages_out"] == pages_out
    assert_private(outdir, source)
    assert_private(outdir, target)


def test_the_reasons_about_a_moved_page_go_with_it_whatever_their_words(outdir):
    """fix goes by a reason's code and page, not its sentence: reasons worded as no version of anonymat
    words them still move with their page, and the order doubt is settled by the move."""
    from anonymat.reasons import Reason

    source = longest(outdir)
    target = next(n for n in sorted(copy_manifests(outdir)) if n != source)
    path = outdir / f"{source}.json"
    manifest = json.loads(path.read_text())
    label = f"{manifest['pages'][1]['source']['file']} page {manifest['pages'][1]['source']['page'] + 1}"
    kept = Reason(
        "flap_unclear", "the first page's flap, in other words", manifest["pages"][0]["source"]["file"]
    )
    records = [
        Reason("barcode_neighbours", "reworded: the page was placed by its neighbours", label),
        Reason("order_uncertain", "reworded: the order is a guess", None, (("c", "0.20"),)),
        kept,
    ]
    manifest["status"] = "needs_review"
    manifest["reasons"] = [r.to_json() for r in records]
    manifest["review_reasons"] = [r.text for r in records]
    path.write_text(json.dumps(manifest))

    code, text = fix(outdir, source, "--move", f"2:{target}")
    assert code == 0, text
    new_src = json.loads(path.read_text())
    new_tgt = json.loads((outdir / f"{target}.json").read_text())
    assert [r["code"] for r in new_src["reasons"]] == [
        "flap_unclear"
    ]  # the page's fact left, the doubt settled
    assert new_src["review_reasons"] == [kept.text]
    moved = [r for r in new_tgt["reasons"] if r["code"] == "barcode_neighbours"]
    assert moved == [records[0].to_json()] and new_tgt["status"] == "needs_review"


def test_csv_reorders_many_copies(outdir, tmp_path):
    manifests = copy_manifests(outdir)
    rows = {n: list(range(len(m["pages"]), 0, -1)) for n, m in manifests.items() if len(m["pages"]) > 1}
    csv = tmp_path / "orders.csv"
    # as a French spreadsheet saves it: ';' separated, leading zeros lost
    lines = ["number;order"] + [f"{int(n)};{' '.join(map(str, o))}" for n, o in rows.items()]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, text = fix(outdir, "--csv", csv)
    assert code == 0, text
    for number, order in rows.items():
        new = json.loads((outdir / f"{number}.json").read_text())
        assert [p["source"] for p in new["pages"]] == [
            manifests[number]["pages"][i - 1]["source"] for i in order
        ]
        assert new["order"]["method"] == "manual"


@pytest.mark.parametrize(
    "args",
    [
        ["--order", "1"],  # not every page
        ["--order", "1,1"],
        ["--order", "0,1"],
        ["--order", "x,y"],
        ["--drop", "99"],
        ["--drop", "1,2,3,4,5,6,7,8,9"],
        ["--move", "99:{other}"],
        ["--move", "1:{self}"],
        ["--move", "1:0000000000"],
        ["--move", "1-2"],
        ["--order", "2,1", "--drop", "1"],
    ],
)
def test_bad_positions_are_a_usage_error(outdir, args):
    number = longest(outdir)
    other = next(n for n in sorted(copy_manifests(outdir)) if n != number)
    args = [a.format(other=other, self=number) for a in args]
    before = hashes(outdir)
    code, text = fix(outdir, number, *args)
    assert code == 2
    assert len(text.strip().splitlines()) == 1 and text.startswith("anonymat: ")
    assert hashes(outdir) == before


def test_a_missing_scan_is_named(outdir, tmp_path):
    number = longest(outdir)
    path = outdir / f"{number}.json"
    manifest = json.loads(path.read_text())
    missing = tmp_path / "gone" / Path(manifest["pages"][0]["source"]["path"]).name
    manifest["pages"][0]["source"]["path"] = str(missing)
    path.write_text(json.dumps(manifest))
    code, text = fix(outdir, number, "--order", ",".join(map(str, range(len(manifest["pages"]), 0, -1))))
    assert code == 2
    assert str(missing) in text and len(text.strip().splitlines()) == 1


def test_a_rerun_redoes_copies_made_with_other_settings_but_keeps_hand_fixes(outdir):
    from .conftest import run_process

    number = longest(outdir)
    manifest = json.loads((outdir / f"{number}.json").read_text())
    reverse = ",".join(str(i) for i in range(len(manifest["pages"]), 0, -1))
    assert fix(outdir, number, "--order", reverse)[0] in (0, 1)
    scans = next(p for p in Path(manifest["pages"][0]["source"]["path"]).parents if p.name == "scans")
    copies = {n for name in copy_manifests(outdir) for n in copy_files(name)}
    before = hashes(outdir)

    # the same command as the first run: every copy is reused as it is
    assert run_process([scans], outdir, "--jobs", "2", "--no-verify") in (0, 1)
    assert not changed(before, hashes(outdir)) & copies

    # another --order: the copies are made again under it, except the one a person fixed
    assert run_process([scans], outdir, "--jobs", "2", "--no-verify", "--order", "scan") in (0, 1)
    after = copy_manifests(outdir)
    assert after[number]["order"]["method"] == "manual" and after[number]["manual"]
    for name, m in after.items():
        if name != number:
            assert m["settings"]["order"] == "scan"
            assert m["order"]["method"] in ("scan", "single")


def test_the_same_order_twice_is_a_no_op(outdir):
    """Page numbers are the report's, kept with their pages: the second run finds the order in place."""
    number = longest(outdir)
    n = len(json.loads((outdir / f"{number}.json").read_text())["pages"])
    order = ",".join(str(i) for i in [n, *range(1, n)])  # the last page first
    code, text = fix(outdir, number, "--order", order)
    assert code == 0, text
    first = json.loads((outdir / f"{number}.json").read_text())
    assert [p["id"] for p in first["pages"]] == [n, *range(1, n)]
    assert text.splitlines()[1].startswith(f"{number} (")  # the resulting order is printed
    assert f"{n} ({first['pages'][0]['source']['file']}:{first['pages'][0]['source']['page'] + 1})" in text
    before = hashes(outdir)
    code, text = fix(outdir, number, "--order", order)
    assert code == 0 and t("fix.nothing") in text
    assert hashes(outdir) == before  # byte-identical: PDF, manifest, batch.json, report


def test_order_by_source_page(outdir):
    number = longest(outdir)
    old = json.loads((outdir / f"{number}.json").read_text())
    refs = [f"{p['source']['file']}:{p['source']['page'] + 1}" for p in old["pages"]][::-1]
    code, text = fix(outdir, number, "--order", ",".join(refs))
    assert code == 0, text
    new = json.loads((outdir / f"{number}.json").read_text())
    assert [p["source"] for p in new["pages"]] == [p["source"] for p in old["pages"]][::-1]
    before = hashes(outdir)
    assert fix(outdir, number, "--order", ",".join(refs))[0] == 0
    assert hashes(outdir) == before


def test_drop_twice_and_resolved_twice_are_no_ops(outdir):
    number = longest(outdir)
    assert fix(outdir, number, "--drop", "1", "--resolved")[0] == 0
    before = hashes(outdir)
    code, text = fix(outdir, number, "--drop", "1", "--resolved")
    assert code == 0 and t("fix.nothing") in text
    assert hashes(outdir) == before


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory):
    """A copy processed with --max-page-kb 135: its denser pages were encoded again to fit (issue 16)."""
    from anonymat.synth import make_corpus

    from .conftest import run_process

    root = tmp_path_factory.mktemp("kb")
    make_corpus(root, copies=1, seed=3)
    out = root / "out"
    assert run_process([root / "scans"], out, "--jobs", "1", "--max-page-kb", "135", "--order", "scan") in (
        0,
        1,
    )
    return out


def page_kb(pdf_path: Path) -> list[float]:
    with pikepdf.open(pdf_path) as pdf:
        return [
            len(image.read_raw_bytes()) / 1024 for page in pdf.pages for image in page.get_images().values()
        ]


def test_fix_keeps_the_runs_page_size_limit(small_pages, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(small_pages, out)
    number = longest(out)
    before = page_kb(out / f"{number}.pdf")
    assert max(before) <= 135
    n = len(before)
    code, text = fix(out, number, "--order", ",".join(str(i) for i in range(n, 0, -1)))
    assert code == 0, text
    after = page_kb(out / f"{number}.pdf")
    assert max(after) <= 135, after  # with the default limit (150 KB) they came back larger
    assert sorted(after) == sorted(before)  # the very same encodings, in the new order


def test_page_names_parse():
    from anonymat.errors import UsageError
    from anonymat.review.fix import parse_add, parse_move, parse_positions

    assert parse_positions("3, 1;2", "--order") == (3, 1, 2)
    assert parse_positions("scans/lot1.pdf:5 2", "--order") == ("scans/lot1.pdf:5", 2)
    assert parse_move("2:1234567890") == (2, "1234567890")
    assert parse_move("scans/a b.pdf:3:1234567890") == ("scans/a b.pdf:3", "1234567890")
    assert parse_add("scans/lot1.pdf:5") == ("scans/lot1.pdf", 5, None)
    assert parse_add("scans/lot1.pdf:5@2") == ("scans/lot1.pdf", 5, 2)
    for bad in ("scans/lot1.pdf", "scans/lot1.pdf:0", "lot.pdf:5@x", ":5"):
        with pytest.raises(UsageError):
            parse_add(bad)
    with pytest.raises(UsageError):
        parse_positions("scans/lot1.pdf", "--order")


def test_move_by_source_page_twice_is_a_no_op(outdir):
    numbers = sorted(copy_manifests(outdir))
    source = longest(outdir)
    target = next(n for n in numbers if n != source)
    entry = json.loads((outdir / f"{source}.json").read_text())["pages"][1]["source"]
    ref = f"{entry['file']}:{entry['page'] + 1}"
    assert fix(outdir, source, "--move", f"{ref}:{target}")[0] == 0
    moved = json.loads((outdir / f"{target}.json").read_text())["pages"][-1]
    assert moved["source"]["file"] == entry["file"] and moved["source"]["page"] == entry["page"]
    before = hashes(outdir)
    code, text = fix(outdir, source, "--move", f"{ref}:{target}")
    assert code == 0 and t("fix.nothing") in text
    assert hashes(outdir) == before


@pytest.mark.parametrize("sep", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_a_fixes_csv_from_any_spreadsheet_reads_the_same(tmp_path, sep):
    """English spreadsheets save with ',', French ones with ';', some with tabs: the header tells which."""
    from anonymat.review.fix import read_csv_fixes

    path = tmp_path / "fixes.csv"
    path.write_text(f"Number{sep}Order\n9941566491{sep}3 1 2\n\n1234567890{sep}2 1\n", encoding="utf-8")
    fixes = read_csv_fixes(path)
    assert [(f.number, f.order) for f in fixes] == [("9941566491", (3, 1, 2)), ("1234567890", (2, 1))]
