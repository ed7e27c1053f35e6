"""`anonymat verify`: passes on a processed corpus, fails (exit 1, problem named) on every tampering."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pikepdf
import pytest

from anonymat.manifest import facts_from_entry
from anonymat.pdf import output
from anonymat.review.verify import verify_copy
from anonymat.run import pipeline


def cli(*args: str):
    from typer.testing import CliRunner

    from anonymat.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture
def outdir(processed, tmp_path) -> Path:
    """A private copy of the processed corpus' OUTDIR, to tamper with, holding only the copy tampered
    with (the deep check reads every page's header: ~0.4 s a page)."""
    out, _truth, _vault, _code = processed
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    keep, manifest, _pdf = _target(copy)
    for path in _manifests(copy):
        if path != keep:
            path.unlink()
            (copy / path.with_suffix(".pdf").name).unlink(missing_ok=True)
    return copy


def _manifests(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("*.json") if p.name != "batch.json")


def _target(out: Path) -> tuple[Path, dict, Path]:
    """The first copy whose first page has a masked zone: (manifest path, manifest, pdf path)."""
    for path in _manifests(out):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest["pages"][0]["masked"] and len(manifest["pages"]) >= 2:
            return path, manifest, out / manifest["pdf"]
    raise AssertionError("no copy with a masked first page")


def _resave(pdf: pikepdf.Pdf, pdf_path: Path, manifest_path: Path, manifest: dict) -> None:
    """Save the tampered PDF and give the manifest its new sha256, so only the tampering itself shows."""
    pdf.save(pdf_path)
    manifest["pdf_sha256"] = hashlib.sha256(pdf_path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def _replace_image(pdf: pikepdf.Pdf, index: int, gray: np.ndarray) -> None:
    ok, jpeg = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    image = next(iter(pdf.pages[index].get_images().values()))
    image.write(jpeg.tobytes(), filter=pikepdf.Name.DCTDecode)
    image.Width, image.Height = gray.shape[1], gray.shape[0]


def _verify_fails(out: Path, number: str, *words: str) -> str:
    code, output = cli("verify", out)
    assert code == 1, output
    line = next(line for line in output.splitlines() if line.startswith(number))
    assert "ÉCHEC" in line
    for word in words:
        assert word in line, line
    assert "Traceback" not in output
    return line


def test_verify_passes_on_a_processed_corpus(processed):
    out, _truth, _vault, code = processed
    assert code in (0, 1)
    code, output = cli("verify", out)
    assert code == 0, output
    assert output.strip().endswith(", 0 en échec") or output.strip().endswith(", 0 failed")


def test_unmasked_source_page_is_caught(outdir):
    """The page image replaced by the same page rebuilt from its source without the mask."""
    manifest_path, manifest, pdf_path = _target(outdir)
    facts = replace(facts_from_entry(manifest["pages"][0]), masked=())
    gray = pipeline.render_output_page(facts)[0]
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        _replace_image(pdf, 0, gray)
        _resave(pdf, pdf_path, manifest_path, manifest)
    _verify_fails(outdir, manifest["anonymity_number"], "page 1", "zone masquée")


def test_grey_pixels_in_the_zone_are_caught(outdir):
    manifest_path, manifest, pdf_path = _target(outdir)
    x0, y0, x1, y1 = manifest["pages"][0]["masked"][0]
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        image = next(iter(pdf.pages[0].get_images().values()))
        gray = cv2.imdecode(np.frombuffer(image.read_raw_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE)
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        gray[cy - 20 : cy + 20, cx - 60 : cx + 60] = 128
        _replace_image(pdf, 0, gray)
        _resave(pdf, pdf_path, manifest_path, manifest)
    _verify_fails(outdir, manifest["anonymity_number"], "page 1", "n'est pas uniforme")


def test_text_layer_is_caught(outdir):
    manifest_path, manifest, pdf_path = _target(outdir)
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[1]
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
        page.Resources.Font = pikepdf.Dictionary(F1=font)
        page.contents_add(
            pikepdf.Stream(pdf, b"BT 3 Tr /F1 12 Tf 100 700 Td (DUPONT Jean) Tj ET"), prepend=False
        )
        _resave(pdf, pdf_path, manifest_path, manifest)
    _verify_fails(outdir, manifest["anonymity_number"], "la page 2 contient des opérateurs de texte")


@pytest.mark.parametrize("what", ["metadata", "author"])
def test_metadata_is_caught(outdir, what):
    manifest_path, manifest, pdf_path = _target(outdir)
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        if what == "metadata":
            with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
                meta["dc:creator"] = ["Jean DUPONT"]
            expected = "/Metadata"
        else:
            pdf.docinfo["/Author"] = "Jean DUPONT"
            expected = "/Info contient /Author"
        _resave(pdf, pdf_path, manifest_path, manifest)
    _verify_fails(outdir, manifest["anonymity_number"], expected)


def test_wrong_sha256_is_caught(outdir):
    manifest_path, manifest, _pdf_path = _target(outdir)
    manifest["pdf_sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    _verify_fails(outdir, manifest["anonymity_number"], "pdf_sha256 ne correspond pas")


def test_missing_page_is_caught(outdir):
    manifest_path, manifest, pdf_path = _target(outdir)
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        del pdf.pages[-1]
        _resave(pdf, pdf_path, manifest_path, manifest)
    n = len(manifest["pages"])
    _verify_fails(outdir, manifest["anonymity_number"], f"le PDF a {n - 1} pages, le manifeste en liste {n}")


def test_missing_pdf_is_caught(outdir):
    _manifest_path, manifest, pdf_path = _target(outdir)
    pdf_path.unlink()
    _verify_fails(outdir, manifest["anonymity_number"], "est absent")


def test_verify_without_batch_is_a_usage_error(tmp_path):
    code, output = cli("verify", tmp_path)
    assert code == 2 and "pas de batch.json" in output


# --- an independent check: Free Law Project's x-ray -----------------------------------------------


def _xray(path: Path) -> dict:
    xray = pytest.importorskip("xray", reason="x-ray is not installed: pip install x-ray (dev extra)")
    result = xray.inspect(path)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def test_xray_finds_no_bad_redaction_in_any_output(processed):
    out, _truth, _vault, _code = processed
    pdfs = sorted(out.glob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        assert _xray(pdf) == {}, pdf.name


def test_xray_does_find_a_box_drawn_over_text(tmp_path):
    """The control: a black rectangle over real text (the redaction anonymat never does) is found."""
    pdf = pikepdf.new()
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    content = b"BT /F1 14 Tf 100 700 Td (Nom : DUPONT Jean, ne le 12/03/1990) Tj ET 0 g 95 690 300 25 re f"
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        Contents=pikepdf.Stream(pdf, content),
    )
    pdf.pages.append(pikepdf.Page(page))
    path = tmp_path / "bad.pdf"
    pdf.save(path)
    assert _xray(path)


# --- the deep check does not trust the template: identity labels and roster names in the header ------


SHIFT_MM = 100.0


@pytest.fixture(scope="module")
def shifted(processed, tmp_path_factory) -> tuple[Path, dict, int]:
    """OUTDIR holding one copy rebuilt with the masks of its open-flap page moved 100 mm down, into the
    writing area: the identity zone shows, and the manifest (masked boxes, sha256) agrees with the PDF,
    so only reading the page can tell. (its manifest, its truth copy, the page's position)."""
    out, truth, _vault, _code = processed
    copy = next(c for c in truth["copies"] if c["font"] == "comic-neue")  # the most legible hand
    open_pages = {(p["file"], p["page"]) for p in copy["pages"] if p["flap"] == "open"}
    assert open_pages, "the corpus changed: pick another copy with an open flap"
    target = tmp_path_factory.mktemp("shifted")
    shutil.copy(out / "batch.json", target / "batch.json")
    manifest = json.loads((out / f"{copy['number']}.json").read_text(encoding="utf-8"))
    position = next(
        k for k, e in enumerate(manifest["pages"]) if (e["source"]["file"], e["source"]["page"]) in open_pages
    )
    entry = manifest["pages"][position]
    dy = round(SHIFT_MM * entry["dpi"] / 25.4) if entry.get("dpi") else round(SHIFT_MM * 200 / 25.4)
    entry["masked"] = [[x0, y0 + dy, x1, y1 + dy] for x0, y0, x1, y1 in entry["masked"]]

    def pages():
        for e in manifest["pages"]:
            yield pipeline.render_output_page(facts_from_entry(e))

    manifest["pdf_sha256"] = output.write_copy_pdf(pages(), target / manifest["pdf"])
    (target / f"{copy['number']}.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target, copy, position + 1


def test_masks_moved_into_the_writing_area_are_caught(shifted):
    out, copy, page_no = shifted
    # what `process` checks (painted zones uniform, structure, sha256) finds nothing wrong
    quick = verify_copy(out, out / f"{copy['number']}.json", ocr_zones=False)
    assert quick.ok, quick.problems
    line = _verify_fails(out, copy["number"], f"page {page_no} : les intitulés d'identité imprimés")
    problems = line.split("ÉCHEC : ", 1)[1].split("; ")
    assert len(problems) == 1 and "lisibles hors des masques" in problems[0], problems
    keys = set(problems[0].split(" sont lisibles")[0].split("imprimés ")[1].split("'")[1::2])
    assert len(keys) >= 3 and keys <= {"nom", "prenom", "naissance", "candidat", "signature"}, keys
    for value in copy["identity"].values():  # the report names labels, never what was read
        assert value.lower() not in line.lower()


def test_a_roster_name_left_legible_is_caught(shifted, tmp_path):
    out, copy, page_no = shifted
    roster = tmp_path / "roster.csv"
    roster.write_text(f"nom;prenom\n{copy['identity']['nom']};Anne\nDURAND-VOISIN;Paul\n", encoding="utf-8")
    _code, plain = cli("verify", out)
    assert "liste des candidats" not in plain
    code, report = cli("verify", out, "--roster", roster)
    assert code == 1, report
    assert f"page {page_no} : un nom de la liste des candidats est lisible hors des masques" in report
    assert copy["identity"]["nom"].lower() not in report.lower()


def test_verify_with_a_roster_passes_the_samples(samples_processed, tmp_path):
    """Correct outputs pass the deep check, the roster of every candidate included."""
    out, truth, _code = samples_processed
    rows = [f"{c['identity']['nom']};{c['identity']['prenoms']}" for c in truth["copies"]]
    roster = tmp_path / "roster.csv"
    roster.write_text("nom;prenom\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, report = cli("verify", out, "--roster", roster)
    assert code == 0, report
    from anonymat.messages import t

    assert t("verify.summary", n=len(truth["copies"]), bad=0) in report


def test_verify_with_an_unusable_roster_is_a_usage_error(processed, tmp_path):
    out, _truth, _vault, _code = processed
    roster = tmp_path / "roster.csv"
    roster.write_text("numero\n123\n", encoding="utf-8")
    code, report = cli("verify", out, "--roster", roster)
    assert code == 2 and "aucune colonne de noms" in report


# --- the logic behind the deep check's OCR, with a scripted OCR (tests/support/fake_ocr.py) -------------


PX_PER_MM = 150 / 25.4  # header.OCR_PX_PER_MM: the header band is read at its own size
ZONE = [300, 200, 700, 320]  # a masked zone, x0 y0 x1 y1


def _masked_page() -> np.ndarray:
    """An output page (A4 at 150 dpi, blank paper) with one zone painted black, as `process` paints it."""
    gray = np.full((round(297 * PX_PER_MM), round(210 * PX_PER_MM)), 235, np.uint8)
    x0, y0, x1, y1 = ZONE
    gray[y0:y1, x0:x1] = 0
    return gray


@pytest.mark.parametrize(
    ("read", "fails"),
    [("DUPONT Jean", True), ("12/03/1990 Né", True), ("", False), (" | . ,\n", False)],
)
def test_fake_ocr_a_masked_zone_fails_the_copy_when_ocr_reads_text_in_it(read, fails):
    from anonymat.messages import t
    from anonymat.review.verify import CopyCheck, check_zone_unreadable
    from tests.support.fake_ocr import FakeOcr

    fake = FakeOcr(text=read)
    check = CopyCheck("0001")
    check_zone_unreadable(_masked_page(), [ZONE], 2, check, engine=fake)
    assert check.problems == ([t("verify.zone_text", page=2)] if fails else [])
    assert check.ok is not fails
    ((function, image),) = fake.seen
    x0, y0, x1, y1 = ZONE
    assert function == "ocr_text" and image.shape == (y1 - y0 - 12, x1 - x0 - 12)  # the zone, its edge inset
    assert image.min() > 128  # the black paint given to the OCR as paper: what is under it would be ink


def _word(text: str, x: int, y: int, conf: float = 95.0):
    from anonymat.text.ocr import OcrWord

    return OcrWord(text, (x, y, x + 30 * len(text), y + 25), conf)


@pytest.mark.parametrize(
    ("words", "roster_names", "expect"),
    [
        ([("NOM", 100, 400), (":", 200, 400)], [], [("verify.label_one", "'nom'")]),  # identity zone shows
        (
            [("Prénom", 100, 400), ("Signature", 100, 500)],
            [],
            [("verify.label_many", "'prenom', 'signature'")],
        ),
        ([("Epreuve", 100, 400), ("de", 330, 400), ("droit", 400, 400)], [], []),  # printed, not identity
        ([("Dupont", 100, 400, 20.0), ("Jeanne", 300, 400, 20.0)], [], []),  # handwriting, no roster
        (
            [("Dupont", 100, 400, 20.0), ("Jeanne", 300, 400, 20.0)],
            ["Dupont"],
            [("verify.roster_name", "70")],  # the line's middle: 412 px at 150 dpi
        ),
        ([], ["Dupont"], []),  # nothing legible outside the masks: the copy passes
    ],
)
def test_fake_ocr_the_header_fails_the_copy_when_identity_is_legible(words, roster_names, expect):
    from anonymat.review import roster
    from anonymat.review.verify import CopyCheck, check_header
    from tests.support.fake_ocr import FakeOcr

    fake = FakeOcr(words=[_word(*w) for w in words])
    check = CopyCheck("0001")
    names = roster.build_roster(roster_names) if roster_names else None
    check_header(_masked_page(), [ZONE], PX_PER_MM, 1, check, names, engine=fake)
    from anonymat.messages import t

    assert check.problems == [t(key, page=1, labels=value, mm=value) for key, value in expect]
    said = " ".join(check.problems).lower()
    assert "dupont" not in said and "jeanne" not in said  # what was read is never reported
    ((function, band),) = fake.seen
    assert function == "ocr_words" and band.shape[0] < 0.5 * _masked_page().shape[0]  # the header band only
    assert int(band[ZONE[1] : ZONE[3], ZONE[0] : ZONE[2]].min()) == 255  # the mask itself is not read


def test_fake_ocr_verify_copy_fails_a_copy_whose_zone_ocr_reads_text(outdir):
    """Through verify_copy: the same processed copy passes when the OCR reads nothing, fails when it reads
    text in the masked zones (the engine reaches every OCR of the deep check)."""
    from tests.support.fake_ocr import FakeOcr

    manifest_path, manifest, _pdf = _target(outdir)
    blind = FakeOcr()
    assert verify_copy(outdir, manifest_path, engine=blind).ok
    assert {name for name, _image in blind.seen} == {"ocr_text", "ocr_words"}
    reading = verify_copy(outdir, manifest_path, engine=FakeOcr(text="DUPONT Jean"))
    assert not reading.ok
    zones = sum(len(p["masked"]) for p in manifest["pages"])
    assert len(reading.problems) == zones and all("OCR" in p for p in reading.problems), reading.problems
