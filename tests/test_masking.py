"""The masking policy (masking.plan_page_masks, run by the page stage's plan_mask step) and painting, on
small generated form pages: the identity zone is always covered, more is masked (and the plan says so)
when the template cannot be proved on the page, and painted pixels keep nothing of what was under them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from anonymat.model import Box
from anonymat.page import masking
from anonymat.page.orient import Pose
from anonymat.page.template import Registration
from anonymat.pdf import output
from anonymat.run import pipeline
from anonymat.states import Flap, MaskPolicy, PoseSource
from anonymat.synth import form
from anonymat.synth.layouts import CDG_EST, get_layout
from tests.sheets import DPI, TEMPLATE, S, form_page, registered, shifted, sticker_box


def planned(gray: np.ndarray) -> pipeline.PageState:
    state = registered(gray)
    pipeline.plan_mask(state)
    return state


def covered(boxes: list[Box], shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape[:2], bool)
    for x0, y0, x1, y1 in boxes:
        mask[y0:y1, x0:x1] = True
    return mask


def px_box(box_mm: tuple[float, float, float, float], dx: int = 0, dy: int = 0) -> Box:
    x0, y0, x1, y1 = (form.px(v, DPI) for v in box_mm)
    return (x0 + dx, y0 + dy, x1 + dx, y1 + dy)


def is_covered(mask: np.ndarray, box: Box) -> bool:
    x0, y0, x1, y1 = box
    return bool(mask[y0:y1, x0:x1].all())


@pytest.mark.parametrize(("flap", "dx", "dy"), [("open", 0, 0), ("folded", 45, -30)])
def test_on_a_proved_page_the_masks_cover_the_identity_zone_where_it_lies(flap, dx, dy):
    state = planned(shifted(form_page(flap), dx, dy))
    plan = state.plan
    assert plan is not None and plan.policy == MaskPolicy.TEMPLATE
    mask = covered(plan.boxes, state.page.shape)
    assert is_covered(mask, px_box(CDG_EST.identity_mm, dx, dy))
    assert is_covered(mask, px_box(CDG_EST.flap_open_mm, dx, dy)), "an open flap shows identity fields there"
    writing = plan.writing
    assert not mask[writing[1] : writing[3], writing[0] : writing[2]].any(), "the answer is never masked"
    sx0, sy0, sx1, sy1 = plan.sharp[0]
    x0, y0, x1, y1 = sticker_box()
    assert sx0 <= x0 + dx and sy0 <= y0 + dy and sx1 >= x1 + dx and sy1 >= y1 + dy, "the sticker stays sharp"


def test_a_page_of_another_form_is_masked_over_its_whole_header_and_the_plan_says_so():
    layout = get_layout("left-id")
    page = np.ascontiguousarray(form.printed_page(DPI, "open", layout))
    state = planned(page)
    assert state.found is not None and not state.found.proved
    plan = state.plan
    assert plan is not None and plan.policy in (MaskPolicy.HEADER_TO_RULES, MaskPolicy.HEADER_TO_DEPTH)
    mask = covered(plan.boxes, page.shape)
    assert is_covered(mask, px_box(layout.identity_mm))
    assert is_covered(mask, px_box(layout.flap_open_mm))
    assert not mask[plan.writing[1] :].any(), "the band ends where the writing area begins"


def test_a_doubtful_registration_masks_more_than_a_proved_one_and_says_so():
    state = planned(form_page("open"))
    assert state.reg is not None and state.plan is not None and state.plan.policy == MaskPolicy.TEMPLATE
    shape = state.page.shape
    doubtful = masking.plan_page_masks(
        TEMPLATE, state.reg, shape, False, state.pose, state.quad, state.up_small, state.factor, DPI
    )
    assert doubtful.policy != MaskPolicy.TEMPLATE
    proved_mask, doubtful_mask = covered(state.plan.boxes, shape), covered(doubtful.boxes, shape)
    assert doubtful_mask.sum() > 1.5 * proved_mask.sum()
    band = doubtful_mask[: doubtful.writing[1]].copy()
    sx0, sy0, sx1, sy1 = doubtful.sharp[0]
    band[sy0:sy1, sx0:sx1] = True
    assert band.all(), "everything above the writing area is masked but the sticker"


def test_a_missing_registration_with_nothing_printed_masks_down_to_a_fixed_depth():
    paper = np.full(form_page().shape, 240, np.uint8)
    none = Registration(S, (0.0, 0.0), "none")
    pose = Pose(0, 0.0, PoseSource.LINES)
    plan = masking.plan_page_masks(TEMPLATE, none, paper.shape, False, pose, None, paper[::2, ::2], 0.5, DPI)
    assert plan.policy == MaskPolicy.HEADER_TO_DEPTH
    assert plan.boxes == [(0, 0, paper.shape[1], int(masking.FAIL_CLOSED_DEPTH_MM * S))]


def test_an_unconfirmed_orientation_masks_the_identity_zone_at_both_ends():
    state = planned(form_page("open"))
    assert state.reg is not None and state.found is not None
    h, w = state.page.shape
    guessed = Pose(state.pose.rotation, state.pose.skew, PoseSource.UNKNOWN)
    plan = masking.plan_page_masks(
        TEMPLATE, state.reg, (h, w), True, guessed, state.quad, state.up_small, state.factor, DPI
    )
    mask = covered(plan.boxes, (h, w))
    x0, y0, x1, y1 = px_box(CDG_EST.identity_mm)
    assert is_covered(mask, (x0, y0, x1, y1))
    assert is_covered(mask, (w - x1, h - y1, w - x0, h - y0)), (
        "where the identity is if the page is upside down"
    )


def write_identity(page: np.ndarray, name: str) -> None:
    """A candidate's name written in the identity zone (dark strokes)."""
    x0, y0, x1, y1 = px_box(CDG_EST.identity_mm)
    area = Image.fromarray(page[y0:y1, x0:x1])
    ImageDraw.Draw(area).text((20, 20), name, fill=10, font_size=40)
    page[y0:y1, x0:x1] = np.asarray(area)


def test_painted_pixels_carry_no_trace_of_what_was_under_them():
    outputs = []
    for name in ("DUPONT Marie", "LEFEBVRE-ARNAUD Jean-Baptiste"):
        scan = form_page("open")
        write_identity(scan, name)
        state = planned(scan)
        assert state.plan is not None
        pipeline.paint_masks(state)
        page = state.page
        mask = covered(state.plan.boxes, page.shape)
        assert (page[mask] == masking.MASK_VALUE).all()
        encoded = output.encode_output_page(page, DPI, state.plan.sharp)
        outputs.append((page, encoded))
    (page_a, encoded_a), (page_b, encoded_b) = outputs
    assert np.array_equal(page_a, page_b), "two names under the mask leave the same pixels"
    assert encoded_a == encoded_b, "and the same bytes in the PDF"


def flap_reg() -> Registration:
    return Registration(S, (0.0, 0.0), "rules+labels")


def inked(every: int) -> np.ndarray:
    """A page whose flap area holds a dark 1-px line every `every` rows: 1/every of it is ink."""
    page = np.full((form.px(297, DPI), form.px(210, DPI)), 240, np.uint8)
    x0, y0, x1, y1 = flap_reg().to_px(TEMPLATE.zones_mm["flap_open_area"])
    if every:
        page[y0:y1:every, x0:x1] = 0
    return page


@pytest.mark.parametrize(
    ("every", "state"), [(10, Flap.OPEN), (33, Flap.UNKNOWN), (0, Flap.FOLDED)], ids=["10%", "3%", "bare"]
)
def test_the_flap_is_open_when_its_print_shows_folded_when_its_area_is_bare(every, state):
    assert masking.flap_state(inked(every), TEMPLATE, flap_reg()) == state


def test_a_flap_is_unknown_where_the_template_is_not_placed():
    none = Registration(S, (0.0, 0.0), "none")
    assert masking.flap_state(inked(10), TEMPLATE, none) == Flap.UNKNOWN


def test_the_vault_keeps_a_crop_unless_the_flap_is_folded_and_its_name_is_no_path():
    assert masking.keeps_identity_crop(Flap.OPEN) and masking.keeps_identity_crop(Flap.UNKNOWN)
    assert not masking.keeps_identity_crop(Flap.FOLDED)
    name = masking.identity_crop_name("../../etc/passwd", "lot 3/scan.pdf", 4)
    assert name == "______etc_passwd_lot_3_scan_pdf_p005.png"
