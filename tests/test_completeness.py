"""No page lost: a copy that may be missing a page says so and names the page; a stray page can be
attached with `fix --add`, and the copy's PDF, manifest, batch.json, report and `verify` agree."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pikepdf
import pytest
from PIL import Image
from typer.testing import CliRunner

from anonymat import messages
from anonymat.cli import app
from anonymat.manifest import Manifest, schema
from anonymat.messages import t
from anonymat.review.verify import verify_outdir

from .conftest import run_process

PREFIX = "may be incomplete"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def incomplete_reasons(out: Path, number: str) -> list[str]:
    return [r for r in load(out / f"{number}.json")["review_reasons"] if r.startswith(PREFIX)]


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def torn(tmp_path_factory):
    """Seed 3: copy 2's sheet at lot1.pdf page 5 has a torn barcode, scanned between copy 1's last page
    and copy 2's other pages: it is left unassigned, and copy 2 would go out one page short (its last page
    in reading order). Processed with --order continuity and with --order scan."""
    from anonymat.synth import make_corpus

    root = tmp_path_factory.mktemp("torn")
    truth = make_corpus(root, copies=4, seed=3)
    outs = {}
    for order in ("continuity", "scan"):
        out = root / f"out-{order}"
        code = run_process([root / "scans"], out, "--jobs", "2", "--order", order)
        outs[order] = (out, code)
    return root, truth, outs


def owner_of(truth: dict, file: str, page: int) -> str:
    return next(c["number"] for c in truth["copies"] if {"file": file, "page": page} in c["order"])


@pytest.mark.parametrize("order", ["continuity", "scan"])
def test_a_copy_missing_a_page_by_torn_barcode_names_the_stray_page(torn, order):
    _root, truth, outs = torn
    out, code = outs[order]
    assert code == 1
    batch = load(out / "batch.json")
    jsonschema.validate(batch, schema("batch"))
    stray = [u for u in batch["unassigned"] if u["source"]["file"] == "scans/lot1.pdf"]
    assert [u["source"]["page"] for u in stray] == [4]  # the torn sheet (precondition of this test)
    owner = owner_of(truth, "scans/lot1.pdf", 4)
    before = owner_of(truth, "scans/lot1.pdf", 3)  # the copy scanned just before it
    assert stray[0]["between"] == [before, owner]
    reasons = incomplete_reasons(out, owner)
    assert len(reasons) == 1, reasons
    assert "scans/lot1.pdf page 5" in reasons[0]
    assert f"anonymat fix OUTDIR {owner} --add scans/lot1.pdf:5" in reasons[0]
    assert load(out / f"{owner}.json")["status"] == "needs_review"
    # the report shows the stray page (its thumbnail, made masked) with the copies and the command
    html = (out / "report.html").read_text(encoding="utf-8")
    assert stray[0]["thumb"] in html and (out / stray[0]["thumb"]).is_file()
    assert f"anonymat fix OUTDIR {owner} --add scans/lot1.pdf:5" in html


@pytest.mark.parametrize("order", ["continuity", "scan"])
def test_complete_copies_with_no_stray_page_beside_them_are_not_flagged(torn, order):
    _root, truth, outs = torn
    out, _code = outs[order]
    for number in (
        owner_of(truth, "scans/copie_03.tif", 0),
        owner_of(truth, "scans/loose_04/page_001.jpg", 0),
    ):
        assert incomplete_reasons(out, number) == []


def test_the_stray_thumbnail_is_masked(torn):
    """Made from the masked pixels as an output page is: the identity zone is black in it too."""
    import numpy as np

    _root, truth, outs = torn
    out, _code = outs["scan"]
    entry = load(out / "batch.json")["unassigned"][0]
    thumb = np.asarray(Image.open(out / entry["thumb"]).convert("L"))
    page = next(
        p for c in truth["copies"] for p in c["pages"] if (p["file"], p["page"]) == ("scans/lot1.pdf", 4)
    )
    x0, y0, x1, y1 = page["zones_upright_px"]["identity"]
    k = thumb.shape[1] / (210 * page["dpi"] / 25.4)  # A4 width in output pixels -> thumbnail width
    inner = thumb[int(y0 * k) + 3 : int(y1 * k) - 3, int(x0 * k) + 3 : int(x1 * k) - 3]
    assert inner.size and float(inner.mean()) < 40


def test_attaching_the_stray_page(torn, tmp_path):
    _root, truth, outs = torn
    out = tmp_path / "out"
    shutil.copytree(outs["continuity"][0], out)
    owner = owner_of(truth, "scans/lot1.pdf", 4)
    neighbour = owner_of(truth, "scans/lot1.pdf", 3)
    old = load(out / f"{owner}.json")
    batch = load(out / "batch.json")

    code, text = cli("fix", out, owner, "--add", "scans/lot1.pdf:5")
    assert code == 0, text
    assert "scans/lot1.pdf:5" in text  # the resulting order is printed

    manifest = load(out / f"{owner}.json")
    jsonschema.validate(manifest, schema("manifest"))
    assert len(manifest["pages"]) == len(old["pages"]) + 1
    added = manifest["pages"][-1]
    assert (added["source"]["file"], added["source"]["page"]) == ("scans/lot1.pdf", 4)
    assert added["masked"] and added["id"] == len(old["pages"]) + 1
    assert manifest["manual"][-1]["action"] == "add"
    assert not [r for r in manifest["review_reasons"] if r.startswith(PREFIX)]
    with pikepdf.open(out / f"{owner}.pdf") as pdf:
        assert len(pdf.pages) == len(manifest["pages"])
    assert hashlib.sha256((out / f"{owner}.pdf").read_bytes()).hexdigest() == manifest["pdf_sha256"]
    new_batch = load(out / "batch.json")
    jsonschema.validate(new_batch, schema("batch"))
    assert new_batch["unassigned"] == []
    assert new_batch["pages_out"] == batch["pages_out"] + 1
    # the neighbour's reason named the same page: it has served
    assert incomplete_reasons(out, neighbour) == []
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="unassigned"' not in html and "scans/lot1.pdf page 5 attached" in html
    results = verify_outdir(out)
    assert all(r.ok for r in results), [r.problems for r in results if not r.ok]

    # the same command again changes nothing
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    code, text = cli("fix", out, owner, "--add", "scans/lot1.pdf:5")
    assert code == 0 and t("fix.nothing") in text
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_adding_a_page_that_is_not_unassigned_is_a_usage_error(torn, tmp_path):
    _root, truth, outs = torn
    out = tmp_path / "out"
    shutil.copytree(outs["scan"][0], out)
    owner = owner_of(truth, "scans/lot1.pdf", 4)
    code, text = cli("fix", out, owner, "--add", "scans/lot1.pdf:1")
    assert code == 2 and "n'est pas une page non rattachée" in text


def _cut_in_image(data: bytes, n: int) -> bytes:
    """The PDF cut in the middle of the JPEG data of its n-th page (from 1)."""
    start = -1
    for _ in range(n):
        start = data.index(b"\xff\xd8\xff", start + 1)
    end = data.index(b"\xff\xd9", start)
    return data[: (start + end) // 2]


@pytest.fixture(scope="module")
def damaged(torn, tmp_path_factory):
    """lot1.pdf cut short inside its 6th page (copy 2 loses every page but the torn one); the TIFF copy
    rescanned without its first page in reading order."""
    root, truth, _outs = torn
    scans = tmp_path_factory.mktemp("damaged") / "scans"
    scans.mkdir()
    (scans / "lot1.pdf").write_bytes(_cut_in_image((root / "scans" / "lot1.pdf").read_bytes(), 6))
    tiff = next(c for c in truth["copies"] if c["layout"] == "tiff")
    first = tiff["order"][0]["page"]
    with Image.open(root / tiff["order"][0]["file"]) as im:
        frames = []
        for i in range(im.n_frames):
            im.seek(i)
            if i != first:
                frames.append(im.convert("L").copy())
        dpi = im.info.get("dpi", (200, 200))
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], compression="jpeg", dpi=dpi)
    (scans / "copie_03.tif").write_bytes(buf.getvalue())
    out = scans.parent / "out"
    result = CliRunner().invoke(app, ["process", str(scans), "-o", str(out), "-q", "--jobs", "2"])
    return truth, tiff, out, result


def test_a_file_cut_short_is_named_once_and_the_copy_before_it_is_flagged(damaged):
    truth, _tiff, out, result = damaged
    lines = [line for line in result.output.splitlines() if "lot1.pdf" in line]
    assert lines == [
        "anonymat: scans/lot1.pdf : le fichier n'est plus lisible après la page 5 sur 7 (tronqué ?) : "
        "pages 6 à 7 illisible(s) ; exportez-le ou scannez-le à nouveau"
    ]
    batch = load(out / "batch.json")
    cut = [u for u in batch["unassigned"] if u["source"]["page"] >= 5]
    assert len(cut) == 2 and all("stops being readable after page 5" in u["reason"] for u in cut)
    first_copy = owner_of(truth, "scans/lot1.pdf", 0)
    reasons = incomplete_reasons(out, first_copy)
    assert any("scans/lot1.pdf page 6 cannot be read" in r for r in reasons), reasons


def test_a_file_cut_short_flags_the_copy_before_it_with_order_scan_too(damaged, tmp_path):
    truth, _tiff, out, _result = damaged
    scans = out.parent / "scans"
    result = CliRunner().invoke(
        app, ["process", str(scans), "-o", str(tmp_path / "out"), "-q", "--jobs", "2", "--order", "scan"]
    )
    assert result.exit_code == 1, result.output
    reasons = incomplete_reasons(tmp_path / "out", owner_of(truth, "scans/lot1.pdf", 0))
    assert any("scans/lot1.pdf page 6 cannot be read" in r for r in reasons), reasons


def test_a_copy_missing_its_first_page_left_out_of_the_scan_is_flagged(damaged):
    _truth, tiff, out, _result = damaged
    reasons = incomplete_reasons(out, tiff["number"])
    assert any("does not look like the start of the memo" in r for r in reasons), reasons
    # the manifest's record of it says it in French too
    records = Manifest.read(out / f"{tiff['number']}.json").reasons
    assert [r.text for r in records if r.kind == "complete"] == reasons
    before = messages.language()
    messages.set_language("fr")
    try:
        said = [r.said() for r in records if r.kind == "complete"]
    finally:
        messages.set_language(before)
    assert said and all(text.startswith("Copie peut-être incomplète") for text in said), said


# --- the rules on page facts alone ------------------------------------------------------------------


def _page(file: str, page: int, number: str | None, **kw):
    from anonymat.manifest import PageFacts

    return PageFacts(
        file=file, path="/x/" + file, page=page, sha256="0" * 64, kind="pdf", number=number, **kw
    )


def _flags(pages):
    from anonymat.reading import completeness
    from anonymat.run.grouping import group_pages

    grouping = group_pages(pages)
    completeness.add_scan_reasons(pages, grouping)
    return {c.number: [r.text for r in c.reasons if r.kind == "complete"] for c in grouping.copies}


def test_a_stray_between_two_copies_flags_both_without_text():
    pages = [_page("lot.pdf", 0, "1111111111"), _page("lot.pdf", 1, None), _page("lot.pdf", 2, "2222222222")]
    flags = _flags(pages)
    assert len(flags["1111111111"]) == 1 and "lot.pdf page 2" in flags["1111111111"][0]
    assert "--add lot.pdf:2" in flags["2222222222"][0]


def test_a_stray_in_another_file_flags_nothing():
    pages = [_page("a.pdf", 0, "1111111111"), _page("b.pdf", 0, None), _page("c.pdf", 0, "2222222222")]
    assert _flags(pages) == {"1111111111": [], "2222222222": []}


def test_blank_pages_and_complete_copies_are_not_flagged():
    pages = [
        _page("lot.pdf", 0, "1111111111"),
        _page("lot.pdf", 1, None, blank=True),
        _page("lot.pdf", 2, "1111111111"),
        _page("lot.pdf", 3, "2222222222"),
    ]
    assert _flags(pages) == {"1111111111": [], "2222222222": []}


def test_unreadable_pages_at_the_end_of_a_file_flag_the_copy_before_them():
    pages = [
        _page("lot.pdf", 0, "1111111111"),
        _page("lot.pdf", 1, "1111111111"),
        _page("lot.pdf", 2, None, error="page 3 of lot.pdf: cannot be read"),
    ]
    flags = _flags(pages)
    assert len(flags["1111111111"]) == 1 and "lot.pdf page 3 cannot be read" in flags["1111111111"][0]


def _duplex(numbers, lost_back=None, blank_backs=True, anchor="none"):
    """A duplex scan of one file: each sheet's front (with `numbers[k]`'s barcode) then its back; the back
    of sheet `lost_back` is left out."""
    pages = []
    for k, number in enumerate(numbers):
        pages.append(_page("lot.pdf", len(pages), number, anchor=anchor))
        if k != lost_back:
            pages.append(_page("lot.pdf", len(pages), None, blank=blank_backs and k != 1))
    return pages


def test_a_duplex_sheet_that_lost_its_back_is_flagged():
    numbers = ["1111111111"] * 3 + ["2222222222"] * 3
    flags = _flags(_duplex(numbers, lost_back=4))
    assert flags["1111111111"] == []
    assert len(flags["2222222222"]) == 1
    assert "sheet lot.pdf page 9 has no back" in flags["2222222222"][0]


def test_the_last_sheet_of_a_duplex_file_without_its_back_is_flagged():
    numbers = ["1111111111"] * 5
    flags = _flags(_duplex(numbers, lost_back=4))
    assert len(flags["1111111111"]) == 1 and "lot.pdf page 9 has no back" in flags["1111111111"][0]


def test_a_complete_duplex_scan_is_not_flagged():
    numbers = ["1111111111"] * 3 + ["2222222222"] * 2
    assert _flags(_duplex(numbers)) == {"1111111111": [], "2222222222": []}


def test_a_file_of_four_sheets_is_too_short_to_judge():
    assert _flags(_duplex(["1111111111"] * 4, lost_back=1)) == {"1111111111": []}


def test_a_scan_with_a_few_backs_is_not_taken_for_duplex():
    """Four of six sheets with their back: too few to say the scanner gave every sheet's back."""
    pages = _duplex(["1111111111"] * 6, lost_back=2)
    del pages[-1]  # the back of the last sheet too
    pages = [dataclasses.replace(p, page=i) for i, p in enumerate(pages)]
    assert _flags(pages) == {"1111111111": []}


def test_without_a_blank_back_the_scanner_may_drop_blank_pages_so_nothing_is_flagged():
    """A scanner that skips blank pages leaves written backs only: a sheet without one is no evidence."""
    numbers = ["1111111111"] * 5
    pages = _duplex(numbers, lost_back=2, blank_backs=False)
    assert _flags(pages) == {"1111111111": []}


def test_a_front_found_by_its_printed_header_counts_as_a_sheet():
    """A torn barcode: the header still marks the front; the sheet before it lost its back."""
    pages = _duplex(["1111111111"] * 5, lost_back=1)
    pages[3] = dataclasses.replace(pages[3], number=None, anchor="rules")
    flags = _flags(pages)
    assert any("lot.pdf page 3 has no back" in r for r in flags["1111111111"])


@pytest.fixture(scope="module")
def duplex(tmp_path_factory):
    """lot1.pdf of seed 1 (two copies, six sheets) scanned again as a duplex scanner gives it: each written sheet then its blank
    back (the lot's own blank verso, a real scan of one). Written twice: complete, and with the back of
    one copy's second sheet lost."""
    from anonymat.synth import make_corpus

    root = tmp_path_factory.mktemp("duplex")
    truth = make_corpus(root, copies=4, seed=1)
    facts = [p for c in truth["copies"] for p in c["pages"] if p["file"] == "scans/lot1.pdf"]
    fronts = sorted(p["page"] for p in facts if not p["blank"])
    back = next(p["page"] for p in facts if p["blank"])  # precondition: the lot holds a blank verso
    owner = {
        o["page"]: c["number"] for c in truth["copies"] for o in c["order"] if o["file"] == "scans/lot1.pdf"
    }
    numbers = [owner[f] for f in fronts]
    lost = next(i for i, n in enumerate(numbers) if i > 0 and numbers[i - 1] == n)  # a copy's second sheet
    runs = {}
    with pikepdf.open(root / "scans" / "lot1.pdf") as lot:
        for name, skip in (("complete", None), ("lost", lost)):
            (root / name).mkdir()
            out_pdf = pikepdf.new()
            for k, front in enumerate(fronts):
                out_pdf.pages.append(lot.pages[front])
                if k != skip:
                    out_pdf.pages.append(lot.pages[back])
            out_pdf.save(root / name / "duplex.pdf")
            out = root / f"out-{name}"
            runs[name] = (out, run_process([root / name], out, "--order", "scan"))
    return runs, numbers, lost


def _no_back(out: Path, number: str) -> list[str]:
    return [r for r in incomplete_reasons(out, number) if "has no back" in r]


def test_a_duplex_scan_that_lost_a_back_flags_that_copy_only(duplex):
    runs, numbers, lost = duplex
    out, _code = runs["lost"]
    reasons = _no_back(out, numbers[lost])
    assert len(reasons) == 1 and f"duplex.pdf page {2 * lost + 1} has no back" in reasons[0]
    assert load(out / f"{numbers[lost]}.json")["status"] == "needs_review"
    assert all(_no_back(out, n) == [] for n in set(numbers) - {numbers[lost]})


def test_a_complete_duplex_scan_flags_no_copy(duplex):
    runs, numbers, _lost = duplex
    out, _code = runs["complete"]
    assert all(_no_back(out, n) == [] for n in set(numbers))
    assert len(load(out / "batch.json")["copies"]) == len(set(numbers))  # the backs went with their copies


# --- the first page ----------------------------------------------------------------------------------


def test_an_opening_the_code_does_not_know_is_not_taken_for_a_missing_page():
    """Openings vary ("Compte rendu...", "Madame la Directrice..."): only evidence that the page continues
    something sends the copy to review, not the absence of a known heading."""
    from anonymat.reading import completeness
    from tests.test_ordering import page_of

    rest = page_of(["La séance est levée à midi.", "Le prochain comité se réunira en juin."], fill=0.3)
    for opening in (
        ["Compte rendu de la réunion du comité", "Étaient présents les membres du bureau.", "La séance"],
        ["Madame la Directrice générale des services,", "Vous m'avez demandé une note sur la cantine."],
    ):
        assert completeness.not_a_start([page_of(opening), rest]) is None


def test_a_first_page_that_continues_a_sentence_or_the_outline_is_not_a_start():
    from anonymat.reading import completeness
    from tests.test_ordering import memo_pages

    pages = memo_pages()
    assert completeness.not_a_start(pages) is None  # the memo's own first page
    assert completeness.not_a_start(pages[1:])[0] == "no_start"  # "l'énergie rend cette dépense..."
    assert completeness.not_a_start(pages[3:]) == (
        "outline_start",
        {"section": "I.B"},
    )  # "B. Des obligations..."


def test_a_file_cut_short_whose_readable_pages_were_scanned_already_is_named_once(tmp_path):
    """A rescan of lot1.pdf cut short: its readable pages are lot1's first pages again (used once), its
    unreadable tail is named on stderr once, as for any file cut short."""
    from anonymat.synth import make_corpus

    make_corpus(tmp_path / "corpus", copies=2, seed=7)
    scans = tmp_path / "scans"
    shutil.copytree(tmp_path / "corpus" / "scans", scans)
    lot = (scans / "lot1.pdf").read_bytes()
    (scans / "rescan.pdf").write_bytes(_cut_in_image(lot, 3))
    with pikepdf.open(scans / "lot1.pdf") as pdf:
        total = len(pdf.pages)
    out = tmp_path / "out"
    args = ["process", str(scans), "-o", str(out), "-q", "--jobs", "2", "--order", "scan"]  # not about order
    result = CliRunner().invoke(app, args)
    batch = load(out / "batch.json")
    cut = [u for u in batch["unassigned"] if u["source"]["file"] == "scans/rescan.pdf"]
    assert [u["source"]["page"] for u in cut] == list(range(2, total))  # precondition: pages 3.. unreadable
    assert [d for d in batch["duplicates"] if "rescan.pdf" in json.dumps(d)]  # and pages 1-2 seen twice
    said = [
        f"anonymat: scans/rescan.pdf : le fichier n'est plus lisible après la page 2 sur {total} (tronqué ?) : "
        f"pages 3 à {total} illisible(s) ; exportez-le ou scannez-le à nouveau"
    ]
    assert [line for line in result.output.splitlines() if "rescan.pdf" in line] == said, result.output
    assert all("stops being readable after page 2" in u["reason"] for u in cut)
    # run again (a resume: the finished copies are taken from their manifests): named once still
    again = CliRunner().invoke(app, args)
    assert [line for line in again.output.splitlines() if "rescan.pdf" in line] == said, again.output
