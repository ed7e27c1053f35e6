"""The printed form of a layout: header frame and rules, labels, flap print, ruled lines.

Everything is drawn on a white page (255) at a given dpi; coordinates are in mm from the
top-left corner of the clean page. The default layout, cdg-est, is the form of
``templates/cdg-est.json``; the others are in ``layouts.py``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from anonymat.synth.layouts import CDG_EST, Box, FormLayout
from anonymat.synth.layouts import SANS as SANS  # re-exported: the sticker label is printed in it

PAGE_MM = (210.0, 297.0)
CAP_RATIO = 0.729  # cap height / em, the same in every DejaVu face (Sans, Serif, Mono, bold or not)
PRINT_GREY = 18
RULE_GREY = 212  # 175-205 once scanned on paper of 215-245
WRITE_X0_MM, WRITE_X1_MM = CDG_EST.write_x_mm

TICK_LABELS = ["CONCOURS (1)", "Interne (1)", "EXAMEN (1)", "Externe (1)", "Troisième concours (1)"]
LABEL_CAP = 2.4
NOTE_CAP = 1.7


def px(mm: float, dpi: int) -> int:
    return int(round(mm * dpi / 25.4))


@lru_cache(maxsize=64)
def _font(path: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size_px)


def _size_for(cap_mm: float, dpi: int) -> int:
    return max(6, round(cap_mm / CAP_RATIO * dpi / 25.4))


def _face(layout: FormLayout, bold: bool) -> str:
    return layout.bold_font if bold else layout.font


def text_width_mm(text: str, cap_mm: float, bold: bool = False, layout: FormLayout = CDG_EST) -> float:
    """Printed width of *text* in mm in the layout's font (measured at high resolution)."""
    font = _font(_face(layout, bold), 400)
    return font.getlength(text) * cap_mm / (CAP_RATIO * 400)


def _fit_cap(text: str, cap_mm: float, bold: bool, max_w_mm: float, layout: FormLayout = CDG_EST) -> float:
    width = text_width_mm(text, cap_mm, bold, layout)
    return cap_mm if width <= max_w_mm else cap_mm * max_w_mm / width


class _Printer:
    def __init__(self, dpi: int, layout: FormLayout) -> None:
        self.dpi = dpi
        self.layout = layout
        w, h = px(PAGE_MM[0], dpi), px(PAGE_MM[1], dpi)
        self.img = Image.new("L", (w, h), 255)
        self.draw = ImageDraw.Draw(self.img)

    def text(
        self,
        x_mm: float,
        y_mm: float,
        text: str,
        cap_mm: float,
        bold: bool = False,
        anchor: str = "ls",
        grey: int = PRINT_GREY,
    ) -> None:
        """Draw text; y is the vertical centre of the capitals (anchor's second letter is ignored)."""
        font = _font(_face(self.layout, bold), _size_for(cap_mm, self.dpi))
        base = px(y_mm + cap_mm / 2, self.dpi)
        self.draw.text((px(x_mm, self.dpi), base), text, font=font, fill=grey, anchor=anchor[0] + "s")

    def label(self, x_mm: float, y_mm: float, text: str, cap_mm: float, bold: bool = False) -> None:
        """Left-aligned header text, shrunk if it would pass the header column's right edge."""
        room = self.layout.header.x1 - x_mm
        self.text(x_mm, y_mm, text, _fit_cap(text, cap_mm, bold, room, self.layout), bold)

    def hline(
        self, x0: float, x1: float, y: float, th: float, grey: int = PRINT_GREY, dash_mm: float = 0.0
    ) -> None:
        t = max(1, px(th, self.dpi))
        y0 = px(y, self.dpi) - t // 2
        if not dash_mm:
            self.draw.rectangle([px(x0, self.dpi), y0, px(x1, self.dpi), y0 + t - 1], fill=grey)
            return
        x = x0
        while x < x1:
            self.draw.rectangle(
                [px(x, self.dpi), y0, px(min(x + dash_mm, x1), self.dpi), y0 + t - 1], fill=grey
            )
            x += 2 * dash_mm

    def vline(
        self, x: float, y0: float, y1: float, th: float, grey: int = PRINT_GREY, dash_mm: float = 0.0
    ) -> None:
        t = max(1, px(th, self.dpi))
        x0 = px(x, self.dpi) - t // 2
        if not dash_mm:
            self.draw.rectangle([x0, px(y0, self.dpi), x0 + t - 1, px(y1, self.dpi)], fill=grey)
            return
        y = y0
        while y < y1:
            self.draw.rectangle(
                [x0, px(y, self.dpi), x0 + t - 1, px(min(y + dash_mm, y1), self.dpi)], fill=grey
            )
            y += 2 * dash_mm

    def box(self, x0: float, y0: float, x1: float, y1: float, th: float, grey: int = PRINT_GREY) -> None:
        self.hline(x0, x1, y0, th, grey)
        self.hline(x0, x1, y1, th, grey)
        self.vline(x0, y0, y1, th, grey)
        self.vline(x1, y0, y1, th, grey)


def flap_print(p: _Printer, box: Box) -> None:
    """The four lines of the flap (Partie A), centred in the box."""
    x0, y0, x1, y1 = box
    centre, middle = (x0 + x1) / 2, (y0 + y1) / 2
    for text, cap, bold, dy in p.layout.flap_lines:
        p.text(centre, middle + dy, text, _fit_cap(text, cap, bold, x1 - x0 - 6, p.layout), bold, anchor="m")


def tick_boxes_mm(layout: FormLayout = CDG_EST) -> list[tuple[float, float, float]]:
    """(x, y, size) of the five tick boxes (squares of 3 mm), left to right."""
    cap, gap, size, y = _tick_cap(layout), 2.2, 3.0, layout.header.ticks_y
    x, out = layout.header.x0, []
    for label in TICK_LABELS:
        out.append((x, y - size / 2, size))
        x += size + 1.0 + text_width_mm(label, cap, layout=layout) + gap
    return out


@lru_cache(maxsize=16)
def _tick_cap(layout: FormLayout = CDG_EST) -> float:
    """Cap height of the tick labels: as large as 2.2 mm, small enough for the row to fit the column."""
    room = layout.header.x1 - layout.header.x0
    total = sum(3.0 + 1.0 + text_width_mm(label, 1.0, layout=layout) + 2.2 for label in TICK_LABELS)
    fixed = len(TICK_LABELS) * (3.0 + 1.0 + 2.2)
    return min(2.2, (room - fixed) / (total - fixed))


def _label_cap(layout: FormLayout, text: str, x: float) -> float:
    return _fit_cap(text, LABEL_CAP, False, layout.header.x1 - x, layout)


def header_slots(layout: FormLayout = CDG_EST) -> dict[str, tuple[float, float, float]]:
    """Where the candidate writes in the header: name -> (x mm, baseline mm, max width mm)."""
    h = layout.header

    def after(label: str, x: float = h.x0) -> float:
        return x + text_width_mm(label, _label_cap(layout, label, x), layout=layout) + 3

    a_x = h.x0 + h.a_dx
    intitule, date, lieu = after("Intitulé du concours ou de l'examen :"), after("ouvert le"), a_x + 5.0
    epreuve, option = after("Epreuve de"), after("Spécialité et/ou option :")
    spec = text_width_mm(
        "Spécialité et/ou option :", _label_cap(layout, "Spécialité et/ou option :", h.x0), layout=layout
    )
    note = text_width_mm("(le cas échéant uniquement)", NOTE_CAP, layout=layout)
    slots = {
        "intitule": (intitule, h.intitule_y + 1.5, min(60.0, h.x1 - intitule)),
        "date": (date, h.date_y + 1.5, min(44.0, a_x - 2 - date)),
        "lieu": (lieu, h.date_y + 1.5, min(52.0, h.x1 - 1 - lieu)),
        "epreuve": (epreuve, h.epreuve_y + 1.5, min(60.0, h.x1 - epreuve)),
        # the room left between label and note, summed in this order as it always was
        "option": (option, h.option_y + 1.5, h.x1 - h.x0 - spec - 3 - note - 3),
    }
    x0, _, x1, _ = layout.identity_mm
    for (key, label), y in zip(layout.identity_labels, identity_rows_mm(layout), strict=True):
        x = x0 + 3 + text_width_mm(label, LABEL_CAP, layout=layout) + 2.5
        slots[key] = (x, y + 1.6, x1 - 2 - x)
    return slots


def identity_rows_mm(layout: FormLayout = CDG_EST) -> list[float]:
    """Cap centre y of each identity label, top to bottom."""
    top = layout.identity_mm[1]
    return [
        top + layout.identity_row0_mm + layout.identity_pitch_mm * i
        for i in range(len(layout.identity_labels))
    ]


def _draw_lines(p: _Printer, layout: FormLayout) -> None:
    """Frame, boxes and rules of the header."""
    if layout.frame_mm:
        p.box(*layout.frame_mm, layout.frame_th)
    for x0, y0, x1, y1, th in layout.boxes:
        p.box(x0, y0, x1, y1, th)
    for r in layout.rules:
        if r.y0 == r.y1:
            p.hline(r.x0, r.x1, r.y0, r.th, dash_mm=r.dash)
        else:
            p.vline(r.x0, r.y0, r.y1, r.th, dash_mm=r.dash)


def _draw_common(p: _Printer) -> None:
    """Everything printed whatever the flap's state: lines, header text, anonymity box, ruled lines."""
    layout, h = p.layout, p.layout.header
    _draw_lines(p, layout)
    p.label(h.x0, h.title_y, "FONCTION PUBLIQUE TERRITORIALE", h.title_cap, True)
    p.label(h.x0, h.subtitle_y, "INTERREGION EST", h.subtitle_cap, True)
    p.label(h.x0, h.intitule_y, "Intitulé du concours ou de l'examen :", LABEL_CAP)
    cap = _tick_cap(layout)
    for (x, y, size), label in zip(tick_boxes_mm(layout), TICK_LABELS, strict=True):
        p.box(x, y, x + size, y + size, 0.25)
        p.text(x + size + 1.0, h.ticks_y, label, cap)
    p.label(h.x0, h.footnote_y, "(1) Cocher la case correspondante", NOTE_CAP)
    p.label(h.x0, h.date_y, "ouvert le", LABEL_CAP)
    p.label(h.x0 + h.a_dx, h.date_y, "à", LABEL_CAP)
    p.label(h.x0, h.epreuve_y, "Epreuve de", LABEL_CAP)
    p.label(h.x0, h.option_y, "Spécialité et/ou option :", LABEL_CAP)
    p.text(h.x1, h.option_y, "(le cas échéant uniquement)", NOTE_CAP, anchor="r")
    room = layout.anon_text_w_mm
    for (x, y), text, cap_mm, bold in (
        (layout.anon_title_mm, "Numéro d'anonymat", 2.6, True),
        (layout.anon_note_mm, "Cadre réservé à l'administration", NOTE_CAP, False),
    ):
        p.text(x, y, text, _fit_cap(text, cap_mm, bold, room, layout), bold, anchor="m")
    x0, x1 = layout.ruled_x_mm
    for y in layout.ruled_y_mm:
        p.hline(x0, x1, y, 0.2, RULE_GREY)
    p.vline(*layout.margin_mm, 0.2, RULE_GREY)


def _fold_marks(arr: np.ndarray, layout: FormLayout, dpi: int) -> None:
    """Faint shadow cast by the folded flap's edge at the hinge, and the gummed strip left on the open side."""
    x0, y0, x1, y1 = layout.identity_mm
    ramp = np.linspace(0.86, 1.0, px(1.6, dpi), dtype=np.float32)  # dark at the hinge
    n = ramp.size
    side = layout.hinge
    if side in ("left", "right"):
        r0, r1 = px(y0 + 0.4, dpi), px(y1 - 0.3, dpi)
        x = px(x0 if side == "left" else x1, dpi)
        if side == "left":
            cols, gum = slice(x, x + n), slice(px(x0 - 6.0, dpi), x - 1)
            shade = ramp[None, :]
        else:
            cols, gum = slice(x - n, x), slice(x + 1, px(x1 + 6.0, dpi))
            shade = ramp[None, ::-1]
        arr[r0:r1, cols] = (arr[r0:r1, cols].astype(np.float32) * shade).astype(np.uint8)
        arr[r0:r1, gum] = np.minimum(arr[r0:r1, gum], 247)
        return
    c0, c1 = px(x0 + 0.4, dpi), px(x1 - 0.3, dpi)
    y = px(y0 if side == "top" else y1, dpi)
    if side == "top":
        rows, gum = slice(y, y + n), slice(px(y0 - 6.0, dpi), y - 1)
        shade = ramp[:, None]
    else:
        rows, gum = slice(y - n, y), slice(y + 1, px(y1 + 6.0, dpi))
        shade = ramp[::-1, None]
    arr[rows, c0:c1] = (arr[rows, c0:c1].astype(np.float32) * shade).astype(np.uint8)
    arr[gum, c0:c1] = np.minimum(arr[gum, c0:c1], 247)


@lru_cache(maxsize=12)
def printed_page(dpi: int, flap: str, layout: FormLayout = CDG_EST) -> np.ndarray:
    """The printed page (uint8, 255 = paper) for flap state 'open' or 'folded'; cached, do not modify."""
    p = _Printer(dpi, layout)
    _draw_common(p)
    if flap == "open":
        flap_print(p, layout.flap_open_mm)
        x0 = layout.identity_mm[0] + 3
        for (_key, label), y in zip(layout.identity_labels, identity_rows_mm(layout), strict=True):
            p.text(x0, y, label, _fit_cap(label, LABEL_CAP, False, layout.identity_mm[2] - x0 - 2, layout))
    else:
        flap_print(p, layout.identity_mm)
    arr = np.asarray(p.img, dtype=np.uint8).copy()
    if flap == "folded":
        _fold_marks(arr, layout, dpi)
    arr.setflags(write=False)
    return arr
