"""Putting a page upright (orient.find_pose, orient.upright_page, orient.map_point) on small generated form
pages turned and skewed as a scanner would: the page comes back upright, and the pose says what told it."""

from __future__ import annotations

import numpy as np
import pytest

from anonymat.page import barcode, orient
from anonymat.states import PoseSource
from tests.sheets import DPI, TEMPLATE, form_page


def turned(page: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(page, -degrees_clockwise // 90))


def pose_of(scan: np.ndarray, barcode_turn: int | None = None) -> orient.Pose:
    small, _factor = orient.work_image(scan, DPI)
    return orient.find_pose(small, barcode_turn)


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_a_page_scanned_turned_comes_back_upright_from_its_printed_lines(turn):
    page = form_page(number=None)  # no barcode: the printed lines alone tell the pose
    scan = turned(page, turn)
    pose = pose_of(scan)
    assert pose.rotation == (-turn) % 360
    assert pose.source == PoseSource.LINES
    assert abs(pose.skew) < 0.05
    assert np.array_equal(orient.upright_page(scan, pose), page)


def test_an_upside_down_page_is_not_left_upside_down():
    page = form_page(number=None)
    scan = turned(page, 180)
    assert not np.array_equal(orient.upright_page(scan, orient.Pose(0, 0.0, PoseSource.LINES)), page)
    assert np.array_equal(orient.upright_page(scan, pose_of(scan)), page)


@pytest.mark.parametrize(("turn", "skew"), [(0, 2.0), (180, -1.5), (90, 1.0)])
def test_a_skewed_scan_gets_the_opposite_correction(turn, skew):
    scan = orient.deskew(turned(form_page(number=None), turn), skew)
    pose = pose_of(scan)
    assert pose.rotation == (-turn) % 360
    assert abs(pose.skew + skew) < 0.2


def test_the_barcode_s_own_turn_decides_the_quarter_turn_and_the_pose_says_so():
    scan = turned(form_page(), 180)
    read = barcode.find_code(scan, TEMPLATE.pattern, TEMPLATE.formats).read
    assert read is not None
    pose = pose_of(scan, read.orientation)
    assert (pose.rotation, pose.source) == (180, PoseSource.BARCODE)


def test_a_page_with_nothing_printed_is_a_guess_and_the_pose_says_so():
    noise = np.random.default_rng(0).integers(200, 255, form_page().shape).astype(np.uint8)
    assert pose_of(noise).source == PoseSource.UNKNOWN


@pytest.mark.parametrize(("rotation", "skew"), [(0, 0.0), (90, 0.0), (180, 1.5), (270, -2.0)])
def test_map_point_tells_where_a_scan_pixel_lands_on_the_upright_page(rotation, skew):
    scan = np.full((600, 400), 255, np.uint8)
    x, y = 130, 170
    scan[y - 3 : y + 4, x - 3 : x + 4] = 0  # a dot centred on (x, y)
    pose = orient.Pose(rotation, skew, PoseSource.LINES)
    page = orient.upright_page(scan, pose)
    ys, xs = np.nonzero(page < 128)
    mx, my = orient.map_point(pose, scan.shape, (x, y))
    assert abs(xs.mean() - mx) < 1.5 and abs(ys.mean() - my) < 1.5
