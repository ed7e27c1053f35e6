"""One clean written sheet: printed form, barcode sticker, handwritten header, identity and body."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from anonymat.synth import form
from anonymat.synth.code39 import code39_row
from anonymat.synth.hand import Hand, cross_strokes, signature_strokes
from anonymat.synth.layouts import CDG_EST, DEFAULT, Box, FormLayout, get_layout
from anonymat.synth.text import Line

STICKER_MM = CDG_EST.sticker_mm
BARS_DY_MM, BARS_H_MM = 3.0, 12.0  # bars from 3 mm under the sticker's top edge
NUMBER_DY_MM = 20.0  # the human-readable line sits 20 mm under the sticker's top edge
NARROW_MM = 0.254


def sheet_layout(plan: dict) -> FormLayout:
    """The copy's form layout (plans made before there were layouts draw the default one)."""
    return get_layout(plan.get("form", DEFAULT))


def draw_sticker(page: np.ndarray, number: str, dpi: int, tone: float, sticker_mm: Box = STICKER_MM) -> None:
    """The white label with the Code 39 barcode and the human-readable line `* 0123456789 *`."""
    x0, y0, x1, y1 = (form.px(v, dpi) for v in sticker_mm)
    page[y0:y1, x0:x1] = tone
    border = max(1, form.px(0.15, dpi))
    for sl in (
        (slice(y0, y0 + border), slice(x0, x1)),
        (slice(y1 - border, y1), slice(x0, x1)),
        (slice(y0, y1), slice(x0, x0 + border)),
        (slice(y0, y1), slice(x1 - border, x1)),
    ):
        page[sl] = 160.0
    narrow = max(1, form.px(NARROW_MM, dpi))
    row = code39_row(number, narrow)
    left = (x0 + x1) // 2 - row.size // 2
    top, height = form.px(sticker_mm[1] + BARS_DY_MM, dpi), form.px(BARS_H_MM, dpi)
    region = page[top : top + height, left : left + row.size]
    region[:, row] = 14.0
    label = Image.new("L", (x1 - x0, form.px(6, dpi)), 0)
    font = form._font(form.SANS, form._size_for(2.3, dpi))
    ImageDraw.Draw(label).text(
        (label.width / 2, form.px(4.0, dpi)), f"* {number} *", font=font, fill=255, anchor="ms"
    )
    ly = form.px(sticker_mm[1] + NUMBER_DY_MM - 3.2, dpi)
    a = np.asarray(label, dtype=np.float32) / 255.0
    sub = page[ly : ly + a.shape[0], x0:x1]
    sub -= a * (sub - 14.0)


def render_sheet(
    plan: dict, sheet: dict, lines: list[Line], hand: Hand, rng: np.random.Generator
) -> np.ndarray:
    """The clean page (float32, 255 = paper) of one written sheet."""
    dpi = plan["dpi"]
    layout = sheet_layout(plan)
    page = form.printed_page(dpi, sheet["flap"], layout).astype(np.float32)
    draw_sticker(page, plan["number"], dpi, plan["sticker_tone"], layout.sticker_mm)
    slots = form.header_slots(layout)
    k0 = 20000 + 600 * sheet["index"]
    for i, key in enumerate(("intitule", "date", "lieu", "epreuve", "option")):
        x, y, w = slots[key]
        hand.draw_text(page, plan["header"][key], x, y, w, k0 + 40 * i)
    mm = dpi / 25.4
    boxes = form.tick_boxes_mm(layout)
    for b in plan["ticks"]:
        x, y, size = boxes[b]
        hand.draw_strokes(page, cross_strokes(x * mm, y * mm, size * mm, rng), 0.3)
    if sheet["flap"] == "open":
        ident = plan["identity"]
        for i, key in enumerate(("nom", "prenoms", "naissance", "candidat")):
            x, y, w = slots[key]
            hand.draw_text(page, ident[key], x, y, w, k0 + 300 + 40 * i, scale=0.95)
        x, y, w = slots["signature"]
        sx0, sx1 = x + 2, min(x + 2 + float(rng.uniform(30, 55)), layout.identity_mm[2] - 3)
        hand.draw_strokes(page, signature_strokes(rng, sx0 * mm, (y - 6.5) * mm, sx1 * mm, (y + 2.0) * mm))
    ruled = layout.ruled_y_mm
    for j, line in enumerate(lines):
        baseline = (ruled[j] - 0.6) * mm
        hand.draw_line(
            page,
            line.words,
            (layout.write_x_mm[0] + line.indent_mm) * mm,
            baseline,
            line_no=j + 30 * sheet["index"],
        )
    return page
