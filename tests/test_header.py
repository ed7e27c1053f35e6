"""header.py on generated pages: printed labels read by real tesseract, the first ruled line found."""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import cv2
import numpy as np
import pikepdf
import pytest

from anonymat import ingest
from anonymat.page import decode, header, orient
from anonymat.pdf import output
from anonymat.tools import has_language
from tests.conftest import generated

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
pytestmark = pytest.mark.skipif(
    not (FONT.exists() and has_language("fra")), reason="needs DejaVu Sans and tesseract fra data"
)
HEADER_KEYS = {"fonction", "interregion", "intitule", "concours", "epreuve", "specialite", "cadre"}
FLAP_KEYS = {"partie", "laissez", "rabattre", "humecter", "obligatoire", "garantir"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[tuple[dict, dict, np.ndarray, float]]:
    """Every written page of a small generated corpus, made upright as its truth says: (copy, page,
    grey, px per mm)."""
    root, truth = generated(tmp_path_factory, 2, 3)  # tests/test_ingest.py's too
    files, problems = ingest.discover([root / "scans"])
    assert not problems
    refs = {(f"scans/{r.file.split('/', 1)[1]}", r.index): r for r in ingest.page_refs(files)}
    found = []
    for copy in truth["copies"]:
        for page in copy["pages"]:
            if page["blank"]:
                continue
            image = decode.load_page(refs[(page["file"], page["page"])])
            upright = orient.deskew(orient.rotate_quarter(image.gray, page["rotation"]), -page["skew_deg"])
            found.append((copy, page, upright, image.dpi / 25.4))
    return found


def _writing_top_mm(page: dict, px_per_mm: float) -> float:
    """The first ruled line by the truth: its writing area starts 6 mm above it."""
    return page["zones_upright_px"]["writing_top"] / px_per_mm + 6.0


def _keys(labels: list[header.Label]) -> set[str]:
    return {label.key for label in labels}


def test_labels_of_an_open_and_a_folded_page(pages):
    open_page = next(p for p in pages if p[1]["flap"] == "open")
    folded = next(p for p in pages if p[1]["flap"] == "folded")
    for (_copy, page, gray, s), identity in ((open_page, True), (folded, False)):
        labels = header.find_labels(gray, s)
        keys = _keys(labels)
        assert HEADER_KEYS | FLAP_KEYS <= keys | {"cadre"}, sorted(keys)
        assert "numero_anonymat" in keys and "anonymat" not in keys
        found_identity = keys & header.IDENTITY_KEYS
        assert (len(found_identity) >= 4) if identity else not found_identity, sorted(found_identity)
        h, w = gray.shape
        for label in labels:
            x0, y0, x1, y1 = label.box
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= 0.45 * h + 1
            assert label.key in header.LABEL_KEYS
        # the boxes are where the print is: PARTIE A in the flap's area (open: its own; folded: over the
        # identity box), the identity labels in the identity box
        zones = page["zones_upright_px"]
        partie = next(label for label in labels if label.key == "partie")
        _inside(partie.box, zones["flap_open_area"] if identity else zones["identity"])
        for label in labels:
            if label.key in header.IDENTITY_KEYS:
                _inside(label.box, zones["identity"])


def _inside(box: header.Box, zone: list[int], slack: int = 10) -> None:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    assert zone[0] - slack <= cx <= zone[2] + slack and zone[1] - slack <= cy <= zone[3] + slack, (box, zone)


def test_find_labels_reads_a_region_and_returns_boxes_in_the_page(pages):
    _copy, page, gray, s = next(p for p in pages if p[1]["flap"] == "open")
    zone = page["zones_upright_px"]["identity"]
    labels = header.find_labels(gray, s, region=tuple(zone))
    assert _keys(labels) <= header.IDENTITY_KEYS and len(_keys(labels)) >= 4
    for label in labels:
        _inside(label.box, zone, slack=0)


@functools.cache
def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), size)


def _printed(lines: list[str], px_per_mm: float = 200 / 25.4) -> np.ndarray:
    """Lines printed at 2.4 mm capitals on a grey paper, 12 mm apart."""
    from PIL import Image, ImageDraw

    pitch = int(12 * px_per_mm)
    image = Image.new("L", (int(180 * px_per_mm), pitch * (len(lines) + 1)), 235)
    draw = ImageDraw.Draw(image)
    size = int(2.4 / 0.729 * px_per_mm)
    for k, text in enumerate(lines):
        draw.text((int(10 * px_per_mm), pitch * (k + 1)), text, font=_font(size), fill=25, anchor="ls")
    return np.array(image)


def test_words_are_told_apart_by_their_neighbours():
    gray = _printed(
        [
            "Prénom(s) :",
            "Humecter, rabattre et coller la partie gommée.",
            "Numéro d'anonymat",
            "OBLIGATOIRE POUR GARANTIR VOTRE ANONYMAT",
            "Nom de famille :",
            "Date de naissance :",
        ]
    )
    labels = header.find_labels(gray, 200 / 25.4, region=(0, 0, gray.shape[1], gray.shape[0]))
    keys = [label.key for label in labels]
    # "nom" once: "Nom de famille", not the end of "Prénom"; no "partie" in "la partie gommée"; the
    # flap's ANONYMAT belongs to "garantir", the box title's to "numero_anonymat"
    assert sorted(keys) == sorted(
        ["prenom", "humecter", "rabattre", "numero_anonymat", "obligatoire", "garantir", "nom", "naissance"]
    )
    garantir = next(label for label in labels if label.key == "garantir")
    assert garantir.box[2] - garantir.box[0] > 35 * 200 / 25.4  # GARANTIR VOTRE ANONYMAT as one box


def test_nothing_read_leaves_find_labels(pages, capsys, caplog):
    """The identity zone is read in memory: only keys and boxes come out, nothing is printed or logged."""
    copy, _page, gray, s = next(p for p in pages if p[1]["flap"] == "open")
    caplog.set_level(logging.DEBUG)
    labels = header.find_labels(gray, s)
    captured = capsys.readouterr()
    shown = captured.out + captured.err + caplog.text + repr(labels)
    for value in copy["identity"].values():
        assert value.lower() not in shown.lower()
    assert all(isinstance(label, header.Label) and len(label.box) == 4 for label in labels)


def test_writing_top_of_generated_scans(pages):
    """Raw upright scans, at their own resolution and at the ~100 dpi the pipeline analyses."""
    for _copy, page, gray, s in pages:
        want = _writing_top_mm(page, s)
        top = header.find_writing_top(gray, s)
        assert top is not None and abs(top / s - want) < 1.5, (page["file"], page["page"], top, want)
        small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        top = header.find_writing_top(small, s / 2)
        assert top is not None and abs(top / (s / 2) - want) < 1.5


def test_writing_top_is_fast_at_100_dpi(pages):
    import time

    _copy, _page, gray, s = pages[0]
    small = cv2.resize(gray, None, fx=100 / 25.4 / s, fy=100 / 25.4 / s, interpolation=cv2.INTER_AREA)
    header.find_writing_top(small, 100 / 25.4)
    started = time.perf_counter()
    for _ in range(10):
        header.find_writing_top(small, 100 / 25.4)
    # ~3 ms measured; generous for a loaded test machine
    assert (time.perf_counter() - started) / 10 < 0.05


def test_no_writing_top_without_ruled_lines(pages):
    _copy, page, gray, s = pages[0]
    header_only = gray.copy()
    header_only[int((_writing_top_mm(page, s) - 3) * s) :] = 235  # the ruled area blanked out
    assert header.find_writing_top(header_only, s) is None
    assert header.find_writing_top(np.full((2339, 1654), 255, np.uint8), s) is None
    painted = np.full((2339, 1654), 255, np.uint8)
    painted[400:900] = 0  # a black block's edges are not thin lines
    for y in range(1000, 1100, 20):
        painted[y : y + 6] = 20  # five thick dark rules 2.5 mm apart: too close for ruled lines
    assert header.find_writing_top(painted, s) is None


def test_writing_top_of_output_pages(processed):
    """anonymat's output pages: the paper whitened to 255, the lightest rules almost gone. The first ruled
    line is found on most pages, and never inside the header."""
    out, truth, _vault, _code = processed
    wanted = {(page["file"], page["page"]): page for copy in truth["copies"] for page in copy["pages"]}
    found = total = 0
    for manifest_path in sorted(out.glob("*.json")):
        if manifest_path.name == "batch.json":
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        with pikepdf.open(out / manifest["pdf"]) as pdf:
            for pdf_page, entry in zip(pdf.pages, manifest["pages"], strict=True):
                gray = output.decode_page_image(pdf_page)
                s = gray.shape[1] / (float(pdf_page.MediaBox[2]) / 72 * 25.4)
                source = entry["source"]
                want = _writing_top_mm(wanted[(source["file"], source["page"])], s)
                top = header.find_writing_top(gray, s)
                total += 1
                if top is not None:
                    assert top / s > want - 2.0, (manifest["pdf"], top / s, want)
                    found += abs(top / s - want) < 2.0
    assert total and found >= 0.6 * total, (found, total)
