"""No copy doubled, nothing read back, nothing skipped silently: duplicate files and pages are used once,
anonymat's own outputs among the inputs are skipped, and an input with nothing to work on says why."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import jsonschema
import pikepdf
import pytest
from PIL import Image
from typer.testing import CliRunner

from anonymat.cli import app
from anonymat.manifest import schema


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def process(inputs: list[Path], out: Path, *extra: str):
    args = ["process", *map(str, inputs), "-o", str(out), "--order", "scan", "--jobs", "2", *extra]
    result = CliRunner().invoke(app, args)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture(scope="module")
def tiff_copy(tmp_path_factory):
    """One generated copy scanned as a multi-page TIFF (seed 3: copie_03.tif, 4 written pages)."""
    from anonymat.synth import make_corpus

    root = tmp_path_factory.mktemp("inputs")
    truth = make_corpus(root, copies=3, seed=3)
    copy = next(c for c in truth["copies"] if c["layout"] == "tiff")
    return root / copy["order"][0]["file"], copy


def pages_of(out: Path, number: str) -> list[tuple[str, int]]:
    return [(p["source"]["file"], p["source"]["page"]) for p in load(out / f"{number}.json")["pages"]]


def test_the_same_tiff_under_two_names_is_one_copy(tiff_copy, tmp_path):
    tiff, copy = tiff_copy
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(tiff, scans / "a.tif")
    shutil.copy(tiff, scans / "b.tif")
    out = tmp_path / "out"
    result = process([scans], out)
    assert result.exit_code in (0, 1), result.output  # 1: a copy may need review for its flap...
    assert pages_of(out, copy["number"]) == [("scans/a.tif", i) for i in range(len(copy["order"]))]
    batch = load(out / "batch.json")
    jsonschema.validate(batch, schema("batch"))
    assert batch["duplicates"] == [
        {"file": "scans/b.tif", "same_as": {"file": "scans/a.tif"}, "kind": "file"}
    ]
    lines = [line for line in result.output.splitlines() if "b.tif" in line]
    assert lines == [
        "anonymat: scans/b.tif : même contenu que scans/a.tif (octets identiques) : utilisé une fois"
    ]


def _pdf_of_jpeg(path: Path, gray: Image.Image, dpi: float, quality: int) -> None:
    buf = io.BytesIO()
    gray.save(buf, "JPEG", quality=quality)
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, buf.getvalue())
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = gray.width, gray.height, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.DCTDecode
    w, h = gray.width * 72 / dpi, gray.height * 72 / dpi
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, w, h],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, f"q {w:.3f} 0 0 {h:.3f} 0 0 cm /Im0 Do Q".encode()),
    )
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)


def test_the_same_page_scanned_twice_is_used_once(tiff_copy, tmp_path):
    """Page 2 of the TIFF exported again, re-encoded, in a PDF of its own: other bytes, same image."""
    tiff, copy = tiff_copy
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(tiff, scans / "copie.tif")
    with Image.open(tiff) as im:
        im.seek(1)
        dpi = float(im.info.get("dpi", (200, 200))[0])
        _pdf_of_jpeg(scans / "rescan.pdf", im.convert("L"), dpi, quality=55)
    out = tmp_path / "out"
    result = process([scans], out)
    assert result.exit_code in (0, 1), result.output  # 1: a copy may need review for its flap...
    assert len(pages_of(out, copy["number"])) == len(copy["order"])  # not one page more
    assert ("scans/rescan.pdf", 0) not in pages_of(out, copy["number"])
    batch = load(out / "batch.json")
    assert batch["duplicates"] == [
        {
            "file": "scans/rescan.pdf",
            "page": 0,
            "same_as": {"file": "scans/copie.tif", "page": 1},
            "kind": "page",
        }
    ]
    assert batch["unassigned"] == []
    assert [line for line in result.output.splitlines() if "rescan.pdf" in line] == [
        "anonymat: scans/rescan.pdf page 1 : la même image de page que scans/copie.tif page 2 "
        "(scannée deux fois ?) : utilisée une fois"
    ]


def test_two_different_pages_of_one_copy_are_both_kept(tiff_copy, tmp_path):
    """The duplicate test is no excuse to lose a page: every page of a copy is different."""
    tiff, copy = tiff_copy
    out = tmp_path / "out"
    assert process([tiff], out).exit_code in (0, 1)
    assert len(pages_of(out, copy["number"])) == len(copy["order"])
    assert load(out / "batch.json")["duplicates"] == []


def test_a_previous_runs_outputs_among_the_inputs_are_skipped(tiff_copy, tmp_path):
    tiff, copy = tiff_copy
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(tiff, scans / "copie.tif")
    assert process([scans], tmp_path / "first").exit_code in (0, 1)
    shutil.copytree(tmp_path / "first", scans / "out-old")  # the results folder put back beside the scans
    out = tmp_path / "out"
    result = process([scans], out)
    assert result.exit_code in (0, 1), result.output
    assert pages_of(out, copy["number"]) == [("scans/copie.tif", i) for i in range(len(copy["order"]))]
    batch = load(out / "batch.json")
    assert batch["errors"] == [] and batch["unassigned"] == [] and batch["duplicates"] == []
    skipped = batch["skipped"]["own_outputs"]
    assert f"scans/out-old/{copy['number']}.pdf" in skipped and "scans/out-old/report.html" in skipped
    assert any(s.startswith("scans/out-old/thumbs/") for s in skipped)
    lines = [line for line in result.output.splitlines() if "out-old" in line]
    assert len(lines) == 1 and "écrits par anonymat" not in lines[0] and "écrit(s) par anonymat" in lines[0]


def _text_pdf(path: Path, pages: int) -> None:
    pdf = pikepdf.new()
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    for i in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        lines = b" ".join(
            b"BT /F1 14 Tf 72 %d Td (Rapport annuel, chapitre %d, ligne %d du document imprime.) Tj ET"
            % (760 - 22 * k, i, k)
            for k in range(28)
        )
        page.Contents = pikepdf.Stream(pdf, lines)
    pdf.save(path)


def test_a_printed_document_is_named_once(tiff_copy, tmp_path):
    tiff, _copy = tiff_copy
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(tiff, scans / "copie.tif")
    _text_pdf(scans / "rapport.pdf", 3)
    out = tmp_path / "out"
    result = process([scans], out)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "rapport.pdf" in line]
    assert lines == [
        "anonymat: scans/rapport.pdf : aucun code-barres d'anonymat sur aucune de ses 3 pages : "
        "est-ce bien un scan d'examen ?"
    ]
    batch = load(out / "batch.json")
    reasons = {u["reason"] for u in batch["unassigned"] if u["source"]["file"] == "scans/rapport.pdf"}
    assert reasons == {"no anonymity barcode on any of its 3 pages: is this an exam scan?"}


def test_an_empty_folder_says_so(tmp_path):
    (tmp_path / "scans").mkdir()
    result = process([tmp_path / "scans"], tmp_path / "out")
    assert result.exit_code == 2
    assert "aucun fichier trouvé (dossier vide ?)" in result.output


def test_files_that_are_not_scans_are_counted_and_named_with_v(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "notes.txt").write_text("liste des salles\n")
    (scans / "planning.csv").write_text("a,b\n")
    result = process([scans], tmp_path / "out")
    assert result.exit_code == 2
    assert "anonymat: 2 fichiers passé(s), ni PDF, ni TIFF, ni JPEG, ni PNG (-v les nomme)" in result.output
    assert "aucune page scannée à traiter (2 fichiers : 2 ni PDF, ni TIFF, ni JPEG, ni PNG)" in result.output
    result = process([scans], tmp_path / "out2", "-v")
    assert "scans/notes.txt" in result.output and "scans/planning.csv" in result.output
