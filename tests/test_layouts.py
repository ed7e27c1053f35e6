"""Form layouts of the generator: each renders, prints every word, differs, and its truth zones are right."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import cv2
import numpy as np
import pikepdf
import pytest

from anonymat.errors import UsageError
from anonymat.synth import form, make_corpus
from anonymat.synth.hand import Hand, available_fonts
from anonymat.synth.layouts import DEFAULT, LAYOUTS, FormLayout, forms_for, get_layout
from anonymat.synth.plan import plan_corpus
from anonymat.synth.sheet import render_sheet
from anonymat.synth.text import layout_memo, make_memo
from anonymat.text.ocr import ocr_text

from .conftest import fold

DPI = 120
NAMES = list(LAYOUTS)
ZONE_KEYS = {"identity", "flap_open_area", "anonymity_box", "sticker", "writing_top"}
# one-copy corpora whose second sheet is open, turned 90 degrees, skewed and shifted by several mm
# (checked below, so a change in the plan's draws shows here and not as a puzzling miss)
TURNED_SEEDS = {608: (1, 90), 279: (0, 270)}


def px_box(box: tuple[float, ...], dpi: int = DPI) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (form.px(v, dpi) for v in box)
    return x0, y0, x1, y1


def inset(box: tuple[float, ...], mm: float) -> tuple[float, float, float, float]:
    return box[0] + mm, box[1] + mm, box[2] - mm, box[3] - mm


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box (x0, y0, x1, y1), x1/y1 excluded, of the True pixels."""
    ys, xs = np.nonzero(mask)
    assert xs.size, "no ink"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def within(inner: tuple[int, ...], outer: tuple[int, ...], slack: int = 0) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def one_plan(layout: FormLayout, dpi: int = DPI) -> tuple[dict, dict, Hand]:
    """A copy's plan on this layout, its first sheet open and undamaged, and its writer."""
    (plan,) = plan_corpus(1, 3, (2, 3), (dpi,))
    plan["form"] = layout.name
    fonts = available_fonts()
    name = "comic-neue" if "comic-neue" in fonts else next(iter(fonts))
    plan["font"], plan["font_path"] = name, fonts[name]
    sheet = dict(plan["sheets"][0], flap="open", damage="none")
    return plan, sheet, Hand(plan["font"], plan["font_path"], dpi, np.random.default_rng(5))


@pytest.mark.parametrize("name", NAMES)
def test_layout_renders_both_flap_states_with_the_print_in_its_boxes(name):
    layout = LAYOUTS[name]
    opened, folded = (form.printed_page(DPI, flap, layout) for flap in ("open", "folded"))
    assert opened.shape == folded.shape == (form.px(297, DPI), form.px(210, DPI))
    changed = opened != folded
    assert within(bbox(changed), px_box(layout.band_mm))  # the flap changes nothing else on the page
    dark_open, dark_folded = (opened < 128) & (folded == 255), (folded < 128) & (opened == 255)
    for zone, mask in (
        (layout.flap_open_mm, dark_open),  # the flap's printed face when open
        (layout.identity_mm, dark_open),  # the identity labels
        (layout.identity_mm, dark_folded),  # the flap's printed face folded over the identity box
    ):
        x0, y0, x1, y1 = px_box(zone)
        part = np.zeros_like(mask)
        part[y0:y1, x0:x1] = mask[y0:y1, x0:x1]
        assert within(bbox(part), px_box(inset(zone, 1.0))), (name, zone)  # fits, off the box's lines
    assert layout.hinge in ("left", "right", "top", "bottom")
    assert layout.lines_per_page == len(layout.ruled_y_mm) >= 18
    assert layout.ruled_y_mm[0] > layout.header_bottom_mm and layout.ruled_y_mm[-1] < 290


@pytest.mark.parametrize("name", NAMES)
def test_handwriting_goes_where_the_layout_says(name):
    layout = LAYOUTS[name]
    plan, sheet, hand = one_plan(layout)
    lines = layout_memo(
        make_memo(np.random.default_rng(2)),
        hand,
        1,
        np.random.default_rng(3),
        layout.lines_per_page,
        layout.write_width_mm,
    )[0]
    assert 5 <= len(lines) <= layout.lines_per_page

    def render(changes: dict, body: list = lines) -> np.ndarray:
        """The sheet with some handwriting left out (the same random draws otherwise)."""
        return render_sheet(dict(plan, **changes), sheet, body, hand, np.random.default_rng(1))

    full = render({})
    no_identity = render({"identity": {key: "" for key in plan["identity"]}})
    no_header = render({"header": {key: "" for key in plan["header"]}})
    no_memo = render({}, [])
    identity_ink, header_ink, memo_ink = (
        np.abs(full - other) > 40 for other in (no_identity, no_header, no_memo)
    )
    slack = form.px(0.6, DPI)  # a slanted last letter may lean a hair past the box's edge
    assert within(bbox(identity_ink), px_box(layout.identity_mm), slack), name
    h = layout.header
    column = px_box((h.x0, h.title_y, h.x1, h.option_y + 4.0))
    assert within(bbox(header_ink), column, slack), name
    for zone in (layout.identity_mm, layout.flap_open_mm, layout.anonymity_mm):
        x0, y0, x1, y1 = px_box(inset(zone, 0.5))
        assert not header_ink[y0:y1, x0:x1].any(), (name, zone)
    assert within(bbox(memo_ink), px_box(layout.writing_area_mm), slack), name


@pytest.mark.parametrize("name", NAMES)
def test_printed_words_are_read_by_tesseract(name):
    layout = LAYOUTS[name]
    bottom = form.px(layout.header_bottom_mm + 2, 200)
    opened = fold(ocr_text(form.printed_page(200, "open", layout)[:bottom]))
    for word in ("partie", "rabattre", "anonymat", "nom", "fonction", "epreuve", "signature", "candidat"):
        assert word in opened, (name, word, opened)
    folded = fold(ocr_text(form.printed_page(200, "folded", layout)[:bottom]))
    for word in ("partie", "rabattre", "anonymat", "humecter"):
        assert word in folded, (name, word, folded)
    assert "signature" not in folded  # the flap hides the identity labels


def test_layouts_really_differ():
    for a, b in itertools.combinations(LAYOUTS.values(), 2):
        apart = max(abs(u - v) for u, v in zip(a.identity_mm, b.identity_mm, strict=True))
        assert apart > 10 or abs(a.header_bottom_mm - b.header_bottom_mm) > 10, (a.name, b.name)
        nom_a, nom_b = form.header_slots(a)["nom"], form.header_slots(b)["nom"]
        assert max(abs(nom_a[0] - nom_b[0]), abs(nom_a[1] - nom_b[1])) > 5, (a.name, b.name)
    assert {layout.hinge for layout in LAYOUTS.values()} == {"left", "right", "top", "bottom"}
    assert {layout.font for layout in LAYOUTS.values()} >= {form.SANS, LAYOUTS["serif-top"].font}
    assert LAYOUTS["rule-banner"].frame_mm is None and LAYOUTS["under-box"].header_bottom_mm >= 120
    assert LAYOUTS["serif-top"].header_bottom_mm <= 90


def upright_deskewed(root: Path, page: dict) -> np.ndarray:
    """The stored page turned upright by the truth rotation and deskewed about its centre."""
    with pikepdf.open(root / page["file"]) as pdf:
        (obj,) = pdf.pages[page["page"]].get_images().values()
        img = np.asarray(pikepdf.PdfImage(obj).as_pil_image().convert("L"))
    img = np.ascontiguousarray(np.rot90(img, -(page["rotation"] // 90)))
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -page["skew_deg"], 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


@pytest.mark.parametrize("name", NAMES)
def test_truth_zones_are_where_the_scan_shows_them(name, tmp_path):
    layout, dpi = LAYOUTS[name], 100
    seed = list(TURNED_SEEDS)[NAMES.index(name) % len(TURNED_SEEDS)]
    reading, rotation = TURNED_SEEDS[seed]
    truth = make_corpus(tmp_path, copies=1, seed=seed, form=name, pages_per_copy=(2, 3), dpi_choices=(dpi,))
    (copy,) = truth["copies"]
    assert copy["form"] == name and copy["zones_mm"] == layout.zones_mm()
    page = next(p for p in copy["pages"] if p["reading_index"] == reading)
    assert page["flap"] == "open" and page["rotation"] == rotation and abs(page["skew_deg"]) >= 1
    assert min(abs(v) for v in page["effects"]["shift_mm"]) >= 2
    zones = page["zones_upright_px"]
    assert set(zones) == ZONE_KEYS
    img = upright_deskewed(tmp_path, page)
    x0, y0, x1, y1 = zones["identity"]
    # the printed identity box (labels, lines) lies exactly where the truth box says: best match at 0 +- 1 px
    printed = form.printed_page(dpi, "open", layout)
    bx0, by0, bx1, by1 = px_box(layout.identity_mm, dpi)
    pad = 10
    region = img[y0 - pad : y0 + (by1 - by0) + pad, x0 - pad : x0 + (bx1 - bx0) + pad]
    score = cv2.matchTemplate(
        region.astype(np.float32), printed[by0:by1, bx0:bx1].astype(np.float32), cv2.TM_CCOEFF_NORMED
    )
    _, best, _, (mx, my) = cv2.minMaxLoc(score)
    assert best > 0.5 and abs(mx - pad) <= 1 and abs(my - pad) <= 1, (name, best, mx, my)
    # handwriting (dark, away from the print) near the identity box is inside it, none on the open flap
    shift = np.float32([[1, 0, x0 - bx0], [0, 1, y0 - by0]])
    moved = cv2.warpAffine(printed, shift, img.shape[::-1], borderValue=255)
    near_print = cv2.dilate((moved < 200).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    hand_ink = (img < 110) & ~near_print
    ring = form.px(3, dpi)
    around = hand_ink[y0 - ring : y1 + ring, x0 - ring : x1 + ring].sum()
    inside = hand_ink[y0:y1, x0:x1].sum()
    assert inside > 100 and around == inside, (name, inside, around)
    f0, g0, f1, g1 = zones["flap_open_area"]
    assert not hand_ink[g0 + 2 : g1 - 2, f0 + 2 : f1 - 2].any(), name
    # the sticker's bars are dark where the truth puts them; the memo is written under writing_top
    s0, t0, s1, t1 = zones["sticker"]
    assert (img[t0:t1, s0:s1] < 100).mean() > 0.1
    body = hand_ink[:, form.px(layout.write_x_mm[0], dpi) :].copy()
    body[: form.px(layout.header_bottom_mm, dpi) + 2 * ring] = False  # header handwriting is not the memo's
    assert bbox(body)[1] >= zones["writing_top"], name


def test_mixed_corpus_is_deterministic_and_cycles_the_other_layouts(tmp_path):
    kwargs = dict(copies=4, seed=9, form="mixed", pages_per_copy=(2, 3), dpi_choices=(100,), jobs=2)
    truth = make_corpus(tmp_path / "a", **kwargs)
    make_corpus(tmp_path / "b", **kwargs)
    digests = [
        {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*")
            if p.is_file()
        }
        for root in (tmp_path / "a", tmp_path / "b")
    ]
    assert digests[0] == digests[1]
    forms = [c["form"] for c in truth["copies"]]
    assert forms == forms_for("mixed", 4, 9) and len(set(forms)) == 4 and DEFAULT not in forms
    assert forms_for("mixed", 12, 9)[:5] == forms_for("mixed", 12, 9)[5:10]  # a cycle over the five others
    for copy in truth["copies"]:
        assert copy["zones_mm"] == get_layout(copy["form"]).zones_mm()
        for page in copy["pages"]:
            if page["blank"]:
                assert page["zones_upright_px"] is None
            else:
                assert set(page["zones_upright_px"]) == ZONE_KEYS and page["identity_box"]
    assert json.loads((tmp_path / "a" / "truth.json").read_text(encoding="utf-8")) == truth


def test_unknown_form_is_a_usage_error_naming_the_layouts(tmp_path):
    from typer.testing import CliRunner

    from anonymat.cli import app

    with pytest.raises(UsageError, match="rule-banner"):
        make_corpus(tmp_path, copies=1, form="nope")
    result = CliRunner().invoke(app, ["samples", str(tmp_path / "x"), "--copies", "1", "--form", "nope"])
    assert result.exit_code == 2 and "serif-top" in result.output
    assert not (tmp_path / "x").exists()
