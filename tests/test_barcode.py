"""Reading the anonymity code (barcode.find_code, barcode.read_printed_number) on small generated pages:
a page's number comes from its code or from nothing, never from a guess."""

from __future__ import annotations

import numpy as np
import pytest

from anonymat.page import barcode
from anonymat.synth import form, sheet
from anonymat.synth.code39 import code39_row
from tests.sheets import DPI, NUMBER, TEMPLATE, form_page, sticker_box


def find(gray: np.ndarray) -> barcode.CodeSearch:
    return barcode.find_code(gray, TEMPLATE.pattern, TEMPLATE.formats)


def test_a_readable_code_gives_its_number_and_where_its_bars_are():
    search = find(form_page())
    assert search.read is not None and not search.conflict
    assert (search.read.value, search.read.format, search.read.orientation) == (NUMBER, "Code39", 0)
    x0, y0, x1, y1 = sticker_box()
    cx, cy = search.read.center
    assert x0 < cx < x1 and y0 < cy < y1, "the bars are found on the sticker"


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_code_turned_with_the_page_is_read_and_tells_the_turn(turn):
    gray = np.ascontiguousarray(np.rot90(form_page(), -turn // 90))  # turned `turn` degrees clockwise
    search = find(gray)
    assert search.read is not None
    assert search.read.value == NUMBER
    assert search.read.orientation == turn


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_torn_sticker_gives_no_number(seed):
    search = find(form_page(damage="torn", seed=seed))
    assert search.read is None
    assert not search.conflict


@pytest.mark.parametrize(("damage", "seed"), [("smudge", 0), ("smudge", 1), ("pen", 0), ("pen", 1)])
def test_a_damaged_code_gives_its_number_or_none_never_another(damage, seed):
    search = find(form_page(damage=damage, seed=seed))
    assert search.read is None or search.read.value == NUMBER


@pytest.mark.parametrize("value", ["01234567", "ABCDEFGHIJ"])
def test_a_readable_code_the_template_pattern_refuses_gives_no_number(value):
    assert barcode.find_code(form_page(number=value), TEMPLATE.pattern, TEMPLATE.formats).read is None


def two_codes(first: str, second: str) -> np.ndarray:
    gray = np.full((900, 1240), 245, np.uint8)
    for x, value in ((40, first), (660, second)):
        row = code39_row(value, 3)
        gray[60:130, x : x + row.size][:, row] = 14
    return gray


def test_two_different_numbers_side_by_side_are_a_conflict_not_a_number():
    search = find(two_codes("0123456789", "9876543210"))
    assert search.read is None
    assert search.conflict


def test_the_same_number_twice_is_no_conflict():
    search = find(two_codes("0123456789", "0123456789"))
    assert search.read is not None and search.read.value == "0123456789"
    assert not search.conflict


def printed_line(page: np.ndarray) -> np.ndarray:
    """The sticker's human-readable line `* NUMBER *`, as the template's number_text zone crops it."""
    x0, _y0, x1, _y1 = sticker_box()
    y = sheet.STICKER_MM[1] + sheet.NUMBER_DY_MM
    return page[form.px(y - 4, DPI) : form.px(y + 3, DPI), x0:x1]


def test_the_printed_digits_under_the_bars_read_the_number():
    assert barcode.read_printed_number(printed_line(form_page())) == NUMBER


def test_printed_digits_cut_by_a_tear_lose_their_edge_digits_rather_than_guess_them():
    line = printed_line(form_page())
    line[:, int(line.shape[1] * 0.62) :] = 245  # the sticker torn off after the 8th digit
    digits = barcode.read_printed_number(line)
    assert digits is not None
    assert digits in NUMBER and len(digits) < len(NUMBER) - 2
