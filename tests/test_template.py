"""Form templates (template.py: parsing, the frame, mm to page pixels) and registering one on a generated
page with the page stage's own steps (pipeline.register): where the form lies, or that it cannot be proved."""

from __future__ import annotations

import copy
import json
from importlib import resources

import numpy as np
import pytest

from anonymat.errors import UsageError
from anonymat.page.template import Registration, find_frame_top, load_template, parse_template
from anonymat.states import Flap
from anonymat.synth import form
from anonymat.synth.layouts import get_layout
from tests.sheets import DPI, TEMPLATE, S, form_page, registered, shifted

BUILTIN = json.loads((resources.files("anonymat") / "templates" / "cdg-est.json").read_text(encoding="utf-8"))


def with_change(change) -> dict:
    data = copy.deepcopy(BUILTIN)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["zones_mm"].pop("identity"), "zones_mm.identity manque"),
        (lambda d: d["zones_mm"].update(identity=[105, 62, 90, 104]), "zones_mm.identity a x1 <= x0"),
        (lambda d: d["zones_mm"].update(identity=[1, 2, 3]), "zones_mm.identity doit être [x0, y0, x1, y1]"),
        (
            lambda d: d["mask"].update(zones=["identity", "nowhere"]),
            "la zone 'nowhere' est nommée mais n'est pas définie",
        ),
        (lambda d: d["number"].update(pattern="[0-9"), "number.pattern n'est pas une expression régulière"),
        (lambda d: d.pop("number"), "il manque au modèle la clé 'number'"),
        (lambda d: d.update(rules_mm=[[10, 20]]), "rules_mm doit être une liste de [x0, y, x1]"),
        (lambda d: d["labels_mm"][0].update(flap="ajar"), "de labels_mm n'a pas la forme"),
    ],
)
@pytest.mark.usefixtures("french")
def test_a_broken_template_is_refused_with_what_to_fix(change, message):
    with pytest.raises(UsageError) as err:
        parse_template(with_change(change), "mine.json")
    assert str(err.value).startswith("mine.json : ")
    assert message in str(err.value)


def test_a_broken_template_is_refused_in_english_too():
    from anonymat import messages

    messages.set_language("en")
    try:
        with pytest.raises(UsageError) as err:
            parse_template(with_change(lambda d: d.pop("number")), "mine.json")
    finally:
        messages.set_language("fr")
    assert str(err.value) == "mine.json: the template lacks the key 'number'; see README 'Templates'"


@pytest.mark.usefixtures("french")
def test_the_builtin_template_parses_and_an_unknown_name_lists_the_builtin_ones():
    template = parse_template(copy.deepcopy(BUILTIN), "cdg-est")
    assert template == TEMPLATE
    assert template.pattern == "^[0-9]{10}$" and template.mask_zones == ("identity", "flap_open_area")
    with pytest.raises(
        UsageError, match=r"modèle inconnu 'cdg-ouest' : donnez l'un des modèles intégrés \(cdg-est"
    ):
        load_template("cdg-ouest")


@pytest.mark.usefixtures("french")
def test_a_template_file_is_read_like_the_builtin_one(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(with_change(lambda d: d.update(name="mine"))), encoding="utf-8")
    assert load_template(str(path)).name == "mine"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UsageError, match="impossible de lire le modèle"):
        load_template(str(path))


def test_a_registration_turns_mm_into_page_pixels_with_the_margin_outside():
    reg = Registration(px_per_mm=10.0, origin=(50.0, -20.0), anchor="rules+labels")
    assert reg.to_px((10.0, 10.0, 20.0, 30.0)) == (150, 80, 250, 280)
    assert reg.to_px((10.0, 10.0, 20.0, 30.0), margin_mm=2.0) == (130, 60, 270, 300)


def test_the_frame_top_is_found_where_the_form_prints_it():
    assert TEMPLATE.frame_mm is not None
    top = find_frame_top(form_page())
    assert top is not None
    y, x0, x1 = top
    frame_x0, frame_y0, frame_x1, _ = TEMPLATE.frame_mm
    assert abs(y - frame_y0 * S) <= 1.0 * S
    assert abs(x0 - frame_x0 * S) <= 1.5 * S and abs(x1 - frame_x1 * S) <= 1.5 * S  # ends widened by 4 px


def test_a_page_with_no_frame_has_no_frame_top():
    assert find_frame_top(np.full((1200, 850), 240, np.uint8)) is None


@pytest.mark.parametrize(("flap", "dx", "dy"), [("open", 0, 0), ("folded", 45, -30)])
def test_a_form_page_is_registered_where_it_lies_and_its_flap_is_read(flap, dx, dy):
    state = registered(shifted(form_page(flap), dx, dy))
    assert state.found is not None and state.found.proved
    assert "rules" in state.found.agreed and "labels" in state.found.agreed
    ox, oy = state.found.registration.origin  # on the work image
    assert abs(ox / state.factor - dx) <= 1.5 * S and abs(oy / state.factor - dy) <= 1.5 * S
    assert state.flap == Flap(flap)


def test_a_page_of_another_form_is_not_registered():
    page = form.printed_page(DPI, "open", get_layout("left-id"))
    state = registered(np.ascontiguousarray(page))
    assert state.found is not None and not state.found.proved
    assert state.found.registration.anchor == "none"
    assert state.flap == Flap.UNKNOWN
