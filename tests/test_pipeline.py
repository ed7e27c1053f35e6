"""End to end: generated scans in, anonymized copies out, checked against the generator's truth."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import jsonschema
import numpy as np
import pikepdf
import pypdfium2
import pytest

from anonymat.manifest import schema
from anonymat.text import ocr

from .conftest import fold


def manifests(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json") if p.name != "batch.json"}


def truth_pages(truth: dict) -> dict[tuple[str, int], dict]:
    return {(p["file"], p["page"]): {**p, "number": c["number"]} for c in truth["copies"] for p in c["pages"]}


def test_every_output_validates_against_the_shipped_schemas(processed):
    out, _truth, _vault, _code = processed
    jsonschema.validate(json.loads((out / "batch.json").read_text()), schema("batch"))
    for manifest in manifests(out).values():
        jsonschema.validate(manifest, schema("manifest"))


def test_copies_are_reconstructed_from_the_barcodes(processed):
    out, truth, _vault, _code = processed
    got = manifests(out)
    assert set(got) == {c["number"] for c in truth["copies"]}
    for copy in truth["copies"]:
        written = {(p["file"], p["page"]) for p in copy["pages"] if not p["blank"]}
        blanks = {(p["file"], p["page"]) for p in copy["pages"] if p["blank"]}
        manifest = got[copy["number"]]
        assert {(p["source"]["file"], p["source"]["page"]) for p in manifest["pages"]} == written
        assert {(d["source"]["file"], d["source"]["page"]) for d in manifest["dropped"]} == blanks


def test_pages_are_turned_upright_and_flap_state_is_read(processed):
    out, truth, _vault, _code = processed
    expected = truth_pages(truth)
    for manifest in manifests(out).values():
        for page in manifest["pages"]:
            t = expected[(page["source"]["file"], page["source"]["page"])]
            assert page["rotation"] == t["rotation"], page["source"]
            assert page["flap"] in (t["flap"], "unknown"), page["source"]


def test_batch_counts_every_page(processed):
    out, truth, _vault, _code = processed
    batch = json.loads((out / "batch.json").read_text())
    n_in = sum(len(c["pages"]) for c in truth["copies"])
    assert batch["pages_in"] == n_in
    dropped = sum(len(m["dropped"]) for m in manifests(out).values())
    assert batch["pages_out"] + dropped + len(batch["unassigned"]) == n_in


def _pdf_page_images(pdf_path: Path) -> list[np.ndarray]:
    import cv2

    images = []
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            for obj in page.get_images().values():
                raw = np.frombuffer(obj.read_raw_bytes(), np.uint8)
                images.append(cv2.imdecode(raw, cv2.IMREAD_GRAYSCALE))
    return images


def test_no_identity_reaches_the_output(processed):
    """Privacy: OCR of every output page, all PDF text and metadata: no identity string anywhere."""
    out, truth, _vault, _code = processed
    secrets = []
    for copy in truth["copies"]:
        ident = copy["identity"]
        secrets += [fold(ident["nom"]), fold(ident["candidat"])]
        secrets += [fold(w) for w in ident["prenoms"].split() if len(w) >= 4]
    for pdf_path in out.glob("*.pdf"):
        with pikepdf.open(pdf_path) as pdf:
            assert "/Metadata" not in pdf.Root
            assert set(pdf.docinfo.keys()) <= {"/Producer"}
            assert not pdf.attachments
        doc = pypdfium2.PdfDocument(str(pdf_path))
        for page in doc:
            assert page.get_textpage().get_text_range().strip() == ""
        doc.close()
        for gray in _pdf_page_images(pdf_path):
            text = fold(ocr.ocr_text(gray, psm=3))
            for secret in secrets:  # whole words: a name like "Roche" may sit inside "approche"
                assert not re.search(rf"\b{re.escape(secret)}\b", text), (
                    f"identity text found in {pdf_path.name}"
                )
    for path in out.glob("*.json"):  # manifests and batch.json are text: search them whole
        text = fold(path.read_text(encoding="utf-8"))
        for secret in secrets:
            assert not re.search(rf"\b{re.escape(secret)}\b", text)


def test_masked_zones_are_uniform_and_cover_the_identity(processed):
    out, truth, _vault, _code = processed
    expected = truth_pages(truth)
    for manifest in manifests(out).values():
        images = _pdf_page_images(out / manifest["pdf"])
        assert len(images) == len(manifest["pages"])
        for gray, page in zip(images, manifest["pages"], strict=True):
            assert page["masked"], "every written page has its identity zone masked"
            for x0, y0, x1, y1 in page["masked"]:
                assert gray[y0 + 4 : y1 - 4, x0 + 4 : x1 - 4].max() <= 60
            t = expected[(page["source"]["file"], page["source"]["page"])]
            assert t["flap"] in ("open", "folded")


def test_vault_holds_the_identity_crops_privately(processed):
    out, truth, vault, _code = processed
    assert stat.S_IMODE(vault.stat().st_mode) == 0o700
    index = (vault / "index.csv").read_text().splitlines()
    assert index[0].startswith("anonymity_number,")
    assert len(index) > 1
    for path in vault.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not any(p.suffix == ".png" for p in out.rglob("*"))


def test_vault_index_cannot_run_a_formula_in_a_spreadsheet(tmp_path):
    import csv

    from anonymat.page import masking

    entries = [
        masking.VaultEntry("0123456789", '=HYPERLINK("http://x")', 0, "a.png"),
        masking.VaultEntry("@SUM(1)", "scan.pdf", 2, "b.png"),
        masking.VaultEntry("0123456788", "lot-3.pdf", 1, "c.png"),
    ]
    masking.write_vault_index(tmp_path / "v", entries)
    with open(tmp_path / "v" / "index.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    cells = [cell for row in rows for cell in row]
    assert not any(cell[:1] in "=+-@" for cell in cells)
    assert ["0123456788", "lot-3.pdf", "1", "c.png"] in rows  # ordinary values are left as they are


def test_same_input_gives_the_same_bytes(processed, corpus, tmp_path):
    from .conftest import run_process

    out, _truth, _vault, _code = processed
    root, _ = corpus
    run_process([root / "scans"], tmp_path, "--jobs", "1")
    for pdf in out.glob("*.pdf"):
        assert (tmp_path / pdf.name).read_bytes() == pdf.read_bytes()


def test_pages_encoded_by_the_page_stage_are_the_bytes_the_writers_would_make(
    corpus, scan_ordered, tmp_path, monkeypatch
):
    """The page stage encodes each output page into OUTDIR's page cache; a writer only reads it back.
    Pages beyond the cache's limit are made again from the source: the same bytes either way.
    (scan_ordered's run, --jobs 1 --order scan, began with a stale file in its page cache and failed if a
    writer decoded a page the page stage had encoded.)"""
    from anonymat.pdf import pagecache

    from .conftest import run_process

    root, _ = corpus
    cached, code = scan_ordered
    assert code in (0, 1)
    assert not pagecache.folder(cached).exists()  # emptied, stale files included, and removed

    direct = tmp_path / "direct"
    monkeypatch.setattr(pagecache, "MAX_PAGES", 0)  # nothing cached: every page made from its source
    run_process([root / "scans"], direct, "--jobs", "1", "--order", "scan")
    made = sorted(p.relative_to(cached) for p in cached.rglob("*") if p.suffix in (".pdf", ".jpg"))
    assert any(p.suffix == ".pdf" for p in made) and any(p.suffix == ".jpg" for p in made)
    assert made == sorted(p.relative_to(direct) for p in direct.rglob("*") if p.suffix in (".pdf", ".jpg"))
    for name in made:
        assert (cached / name).read_bytes() == (direct / name).read_bytes(), name


def test_the_page_cache_leaves_the_disk_to_the_pdfs(tmp_path, monkeypatch):
    """With little free space the page stage keeps nothing: the writers make the pages from the source."""
    import shutil

    from anonymat.pdf import pagecache
    from anonymat.pdf.output import EncodedPage

    page = EncodedPage(b"jpeg", 10, 10, 200.0)
    assert pagecache.store(tmp_path, "a.pdf", 0, "0" * 64, page, b"thumb")
    real = shutil.disk_usage

    def nearly_full(path):
        usage = real(path)
        return usage._replace(free=pagecache.MIN_FREE_MB * 2**20 - 1)

    monkeypatch.setattr(shutil, "disk_usage", nearly_full)
    assert not pagecache.store(tmp_path, "a.pdf", 1, "0" * 64, page, b"thumb")
    assert len(list(tmp_path.iterdir())) == 2  # the first page and its thumbnail, nothing of the second


def test_exit_code_tells_whether_anything_needs_a_person(processed):
    out, _truth, _vault, code = processed
    batch = json.loads((out / "batch.json").read_text())
    needs = any(c["status"] != "ok" for c in batch["copies"]) or batch["unassigned"] or batch["errors"]
    assert code == (1 if needs else 0)


@pytest.mark.parametrize("keep", [True])
def test_keep_blank_keeps_blank_pages(corpus, tmp_path, keep):
    from .conftest import run_process

    root, truth = corpus
    run_process([root / "scans"], tmp_path, "--keep-blank", "--order", "scan")
    n_blank = sum(1 for c in truth["copies"] for p in c["pages"] if p["blank"])
    n_pages = sum(len(m["pages"]) for m in manifests(tmp_path).values())
    n_written = sum(1 for c in truth["copies"] for p in c["pages"] if not p["blank"])
    batch = json.loads((tmp_path / "batch.json").read_text())
    assert n_pages + len(batch["unassigned"]) == n_written + n_blank


def test_a_page_whose_orientation_nothing_confirms_is_masked_at_both_ends(corpus):
    """No barcode and no printed frame: the identity zone could be at either end, so both are masked."""
    import cv2

    from anonymat import ingest
    from anonymat.page import decode
    from anonymat.page.template import load_template
    from anonymat.run import pipeline

    root, truth = corpus
    page = next(p for c in truth["copies"] for p in c["pages"] if not p["blank"] and p["rotation"] == 0)
    files, _ = ingest.discover([root / page["file"]])
    ref = next(r for r in ingest.page_refs(files) if r.index == page["page"])
    gray = decode.load_page(ref).gray
    h, w = gray.shape
    gray[: int(h * 0.36)] = 238  # the header cut away: no barcode, no frame; the body stays
    path = root.parent / "washed.png"
    cv2.imwrite(str(path), gray)
    files, _ = ingest.discover([path])
    facts = pipeline.analyse_page(
        ingest.page_refs(files)[0], pipeline.PageContext(load_template("cdg-est"), False, None)
    )
    assert facts.pose_source == "unknown" and facts.number is None
    tops = sorted(y0 for _x0, y0, _x1, _y1 in facts.masked)
    assert tops[0] < h * 0.4 and tops[-1] > h * 0.5
