"""Placing a template on a page: only where independent cues agree; otherwise the header band is masked."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from anonymat import ingest
from anonymat.page import masking, placement
from anonymat.page.template import load_template
from anonymat.run import pipeline

TEMPLATE = load_template("cdg-est")
S = 200 / 25.4  # px per mm at 200 dpi


def blank_page(dpi: int = 200) -> np.ndarray:
    return np.full((int(297 * dpi / 25.4), int(210 * dpi / 25.4)), 235, np.uint8)


def draw_rule(page: np.ndarray, y_mm: float, x0_mm: float, x1_mm: float, s: float = S) -> None:
    y = int(y_mm * s)
    page[y - 2 : y + 2, int(x0_mm * s) : int(x1_mm * s)] = 20


def bars_quad(dx_mm: float = 0.0, dy_mm: float = 0.0, s: float = S) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = TEMPLATE.barcode_mm
    x0, x1, y0, y1 = (x0 + dx_mm) * s, (x1 + dx_mm) * s, (y0 + dy_mm) * s, (y1 + dy_mm) * s
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def flap_title(state: str, dx_mm: float = 0.0, dy_mm: float = 0.0) -> placement.FoundLabel:
    """The flap's PARTIE A read where the template puts it for that flap state."""
    label = next(lab for lab in TEMPLATE.labels_mm if lab.key == "partie" and lab.flap == state)
    return placement.FoundLabel("partie", ((label.x + dx_mm) * S, (label.y + dy_mm) * S))


def test_the_frame_the_barcode_and_the_flap_title_agreeing_prove_the_placement():
    page = blank_page()
    for _x0, y, _x1 in TEMPLATE.rules_mm:
        draw_rule(page, y + 3, 12, 202)  # the form printed 3 mm lower and 2 mm to the right
    cues = placement.page_cues(TEMPLATE, page, S, bars_quad(2, 3))
    assert not placement.place(TEMPLATE, cues, S).proved, "the frame and barcode do not show the zones"
    found = placement.place(
        TEMPLATE, [*cues, *placement.label_cues(TEMPLATE, [flap_title("folded", 2, 3)], S)], S
    )
    assert found.proved
    assert found.agreed == ("barcode", "rules")
    assert found.flap == "folded"
    assert found.residual_mm is not None and found.residual_mm < 1.0
    ox, oy = found.registration.origin
    assert abs(ox / S - 2) < 0.6 and abs(oy / S - 3) < 0.6


def test_a_long_rule_that_disagrees_with_the_barcode_is_not_used():
    """The failure seen on an unknown form: its header has no frame, and a long printed rule lower down
    was taken for the frame's top line. Held against the barcode, it is refused."""
    page = blank_page()
    draw_rule(page, 90, 10, 200)  # one long rule, 80 mm below where the template's frame top would be
    found = placement.place(TEMPLATE, placement.page_cues(TEMPLATE, page, S, bars_quad()), S)
    assert not found.proved
    assert set(found.disagreed) == {"barcode", "rules"}
    assert found.registration.anchor == "none"


def test_a_barcode_alone_proves_nothing():
    found = placement.place(TEMPLATE, placement.page_cues(TEMPLATE, blank_page(), S, bars_quad()), S)
    assert not found.proved
    assert found.disagreed == ("barcode",)


def test_a_flap_title_where_the_template_does_not_expect_it_proves_nothing():
    """A form with the frame and sticker of the built-in one but its flap elsewhere: the frame and the
    barcode agree, the flap's title is read 40 mm away from both places the template knows."""
    page = blank_page()
    for _x0, y, _x1 in TEMPLATE.rules_mm:
        draw_rule(page, y, 10, 200)
    cues = placement.page_cues(TEMPLATE, page, S, bars_quad())
    found = placement.place(
        TEMPLATE, [*cues, *placement.label_cues(TEMPLATE, [flap_title("open", 40)], S)], S
    )
    assert not found.proved
    assert found.registration.anchor == "none"


def test_a_barcode_of_the_wrong_size_is_no_cue():
    quad = [(x * 1.3, y * 1.3) for x, y in bars_quad()]  # 30 % wider bars than the template's
    assert placement.barcode_cue(TEMPLATE, quad, S) is None


def test_labels_count_only_when_two_different_labels_agree():
    label = TEMPLATE.labels_mm[0] if TEMPLATE.labels_mm else None
    if label is None:
        pytest.skip("the built-in template lists no printed labels")
    one = [placement.FoundLabel(label.key, (label.x * S, label.y * S))]
    cues = [
        *placement.page_cues(TEMPLATE, blank_page(), S, bars_quad()),
        *placement.label_cues(TEMPLATE, one, S),
    ]
    assert not placement.place(TEMPLATE, cues, S).proved


def test_fail_closed_masks_the_whole_header_band_but_the_sticker():
    shape = (2339, 1654)
    reg = placement.place(TEMPLATE, [], S).registration
    sticker = (1150, 180, 1540, 280)
    plan = masking.plan_masks(TEMPLATE, reg, shape, False, sticker, writing_top=int(116 * S), both_ends=False)
    assert plan.policy == "header band to the ruled lines"
    covered = np.zeros(shape, bool)
    for x0, y0, x1, y1 in plan.boxes:
        covered[y0:y1, x0:x1] = True
    end = plan.writing[1]
    assert abs(end - 110 * S) <= 2
    x0, y0, x1, y1 = plan.sharp[0]
    assert x0 < sticker[0] and y0 < sticker[1] and x1 > sticker[2] and y1 > sticker[3]
    band = covered[:end].copy()
    band[y0:y1, x0:x1] = True
    assert band.all(), "everything in the header band is masked except the sticker"
    assert not covered[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].any(), "the sticker stays visible"
    assert not covered[end:].any(), "nothing below the header band is masked"


def test_fail_closed_without_ruled_lines_masks_to_a_fixed_depth():
    shape = (2339, 1654)
    reg = placement.place(TEMPLATE, [], S).registration
    plan = masking.plan_masks(TEMPLATE, reg, shape, False, None, writing_top=None, both_ends=False)
    assert plan.policy == "header band to a fixed depth"
    assert plan.boxes == [(0, 0, shape[1], int(masking.FAIL_CLOSED_DEPTH_MM * S))]


@pytest.fixture(scope="module")
def first_page(corpus):
    root, truth = corpus
    files, _ = ingest.discover([root / "scans"])
    refs = ingest.page_refs(files)
    pages = {(p["file"], p["page"]): p for c in truth["copies"] for p in c["pages"]}
    for ref in refs:
        entry = pages[(ref.file, ref.index)]
        upright = entry["rotation"] == 0 and abs(entry["skew_deg"]) < 0.4
        if not entry["blank"] and upright and entry["barcode_damage"] == "none":
            return ref, entry
    pytest.skip("no upright intact page in the corpus")


def test_a_generated_page_is_placed_on_its_barcode_and_frame(first_page):
    ref, _entry = first_page
    facts = pipeline.analyse_page(ref, pipeline.PageContext(TEMPLATE, want_text=False, vault=None))
    assert facts.mask_policy == "template"
    assert facts.anchor == "barcode+rules"
    assert facts.residual_mm is not None and facts.residual_mm < 3.0


def test_a_page_with_a_misleading_rule_is_not_placed_on_it(first_page, tmp_path):
    """Draw a long dark rule across the writing area and erase the frame: the rule must not be taken
    for the header, and no mask may land where the rule suggests (in the writing)."""
    import cv2

    ref, entry = first_page
    from anonymat.page import decode

    image = decode.load_page(ref)
    gray = image.gray.copy()
    s = image.dpi / 25.4
    for y, x0, x1 in placement.find_rules(gray, s):  # erase the printed frame's lines
        band = gray[int(y - 1.5 * s) : int(y + 1.5 * s), int(x0) : int(x1)]
        band[band < 128] = 230
    assert not placement.find_rules(gray, s)
    draw_rule(gray, 170, 10, 200, s)
    path = tmp_path / "misleading.png"
    cv2.imwrite(str(path), gray)
    files, _ = ingest.discover([path])
    new_ref = replace(ingest.page_refs(files)[0])
    facts = pipeline.analyse_page(new_ref, pipeline.PageContext(TEMPLATE, want_text=False, vault=None))
    assert "rules" not in facts.anchor.split("+")
    writing_top = 110 * s
    wrong = [b for b in facts.masked if b[3] > writing_top + 5 * s]
    assert not wrong, f"masks reach into the writing area: {wrong} ({json.dumps(facts.anchor)})"
