"""The printed form (template cdg-est): header frame, labels, flap print, ruled lines.

Everything is drawn on a white page (255) at a given dpi; coordinates are in mm from the
top-left corner of the clean page, as in ``templates/cdg-est.json``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
PAGE_MM = (210.0, 297.0)
CAP_RATIO = 0.729  # DejaVu Sans cap height / em
PRINT_GREY = 18
RULE_GREY = 212  # 175-205 once scanned on paper of 215-245
RULED_Y_MM = [116.0 + 8.0 * i for i in range(22)]  # 116 .. 284
WRITE_X0_MM, WRITE_X1_MM = 32.0, 195.0

FLAP_LINES = [  # text, cap height mm, bold, centre y mm
    ("PARTIE A", 5.0, True, 72.0),
    ("LAISSEZ EN BLANC ET A RABATTRE", 2.8, False, 80.5),
    ("Humecter, rabattre et coller la partie gommée.", 2.3, False, 88.0),
    ("OBLIGATOIRE POUR GARANTIR VOTRE ANONYMAT", 2.5, True, 95.5),
]
TICK_LABELS = ["CONCOURS (1)", "Interne (1)", "EXAMEN (1)", "Externe (1)", "Troisième concours (1)"]
IDENTITY_LABELS = [
    ("nom", "NOM :", 69.0),
    ("prenoms", "Prénom(s) :", 76.5),
    ("naissance", "Né(e) le :", 84.0),
    ("candidat", "N° de candidat :", 91.5),
    ("signature", "Signature :", 99.0),
]


def px(mm: float, dpi: int) -> int:
    return int(round(mm * dpi / 25.4))


@lru_cache(maxsize=64)
def _font(path: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size_px)


def _size_for(cap_mm: float, dpi: int) -> int:
    return max(6, round(cap_mm / CAP_RATIO * dpi / 25.4))


def text_width_mm(text: str, cap_mm: float, bold: bool = False) -> float:
    """Printed width of *text* in mm (measured at high resolution)."""
    font = _font(BOLD if bold else SANS, 400)
    return font.getlength(text) * cap_mm / (CAP_RATIO * 400)


def _fit_cap(text: str, cap_mm: float, bold: bool, max_w_mm: float) -> float:
    width = text_width_mm(text, cap_mm, bold)
    return cap_mm if width <= max_w_mm else cap_mm * max_w_mm / width


class _Printer:
    def __init__(self, dpi: int) -> None:
        self.dpi = dpi
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
        font = _font(BOLD if bold else SANS, _size_for(cap_mm, self.dpi))
        base = px(y_mm + cap_mm / 2, self.dpi)
        self.draw.text((px(x_mm, self.dpi), base), text, font=font, fill=grey, anchor=anchor[0] + "s")

    def hline(self, x0: float, x1: float, y: float, th: float, grey: int = PRINT_GREY) -> None:
        t = max(1, px(th, self.dpi))
        y0 = px(y, self.dpi) - t // 2
        self.draw.rectangle([px(x0, self.dpi), y0, px(x1, self.dpi), y0 + t - 1], fill=grey)

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


def flap_print(p: _Printer, x0: float, x1: float) -> None:
    """The four lines of the flap (Partie A), centred between x0 and x1."""
    centre = (x0 + x1) / 2
    for text, cap, bold, y in FLAP_LINES:
        p.text(centre, y, text, _fit_cap(text, cap, bold, x1 - x0 - 6), bold, anchor="m")


def tick_boxes_mm() -> list[tuple[float, float, float]]:
    """(x, y, size) of the five tick boxes (squares of 3 mm), left to right."""
    cap, gap, size, y = _tick_cap(), 2.2, 3.0, 33.0
    x, out = 12.0, []
    for label in TICK_LABELS:
        out.append((x, y - size / 2, size))
        x += size + 1.0 + text_width_mm(label, cap) + gap
    return out


@lru_cache(maxsize=1)
def _tick_cap() -> float:
    total = sum(3.0 + 1.0 + text_width_mm(label, 1.0) + 2.2 for label in TICK_LABELS)
    fixed = len(TICK_LABELS) * (3.0 + 1.0 + 2.2)
    return min(2.2, (128.0 - fixed) / (total - fixed))


def header_slots() -> dict[str, tuple[float, float, float]]:
    """Where the candidate writes in the header: name -> (x mm, baseline mm, max width mm)."""
    lab = 2.4
    slots = {
        "intitule": (12 + text_width_mm("Intitulé du concours ou de l'examen :", lab) + 3, 28.5, 60.0),
        "date": (12 + text_width_mm("ouvert le", lab) + 3, 45.5, 44.0),
        "lieu": (87.0, 45.5, 52.0),
        "epreuve": (12 + text_width_mm("Epreuve de", lab) + 3, 51.5, 60.0),
        "option": (
            12 + text_width_mm("Spécialité et/ou option :", lab) + 3,
            57.5,
            140
            - 12
            - text_width_mm("Spécialité et/ou option :", lab)
            - 3
            - text_width_mm("(le cas échéant uniquement)", 1.7)
            - 3,
        ),
    }
    for key, label, y in IDENTITY_LABELS:
        x = 108 + text_width_mm(label, 2.4) + 2.5
        slots[key] = (x, y + 1.6, 198.0 - x)
    return slots


def _draw_common(p: _Printer) -> None:
    p.box(10, 10, 200, 104, 0.6)
    p.hline(10, 200, 62, 0.4)
    p.vline(142, 10, 62, 0.4)
    p.vline(105, 62, 104, 0.3, dash_mm=1.5)
    p.text(12, 15, "FONCTION PUBLIQUE TERRITORIALE", 3.5, True)
    p.text(12, 20.5, "INTERREGION EST", 3.0, True)
    p.text(12, 27, "Intitulé du concours ou de l'examen :", 2.4)
    cap = _tick_cap()
    for (x, y, size), label in zip(tick_boxes_mm(), TICK_LABELS, strict=True):
        p.box(x, y, x + size, y + size, 0.25)
        p.text(x + size + 1.0, 33, label, cap)
    p.text(12, 38.3, "(1) Cocher la case correspondante", 1.7)
    p.text(12, 44, "ouvert le", 2.4)
    p.text(82, 44, "à", 2.4)
    p.text(12, 50, "Epreuve de", 2.4)
    p.text(12, 56, "Spécialité et/ou option :", 2.4)
    p.text(140, 56, "(le cas échéant uniquement)", 1.7, anchor="r")
    p.text(171, 14.5, "Numéro d'anonymat", 2.6, True, anchor="m")
    p.text(171, 58, "Cadre réservé à l'administration", 1.7, anchor="m")
    for y in RULED_Y_MM:
        p.hline(12, 198, y, 0.2, RULE_GREY)
    p.vline(30, 108, 290, 0.2, RULE_GREY)


@lru_cache(maxsize=4)
def printed_page(dpi: int, flap: str) -> np.ndarray:
    """The printed page (uint8, 255 = paper) for flap state 'open' or 'folded'; cached, do not modify."""
    p = _Printer(dpi)
    _draw_common(p)
    if flap == "open":
        flap_print(p, 10, 105)
        for _key, label, y in IDENTITY_LABELS:
            p.text(108, y, label, 2.4)
    else:
        flap_print(p, 105, 200)
    arr = np.asarray(p.img, dtype=np.uint8).copy()
    if flap == "folded":
        # faint shadow cast by the folded flap's edge, and the gummed strip left on the open side
        x = px(105, dpi)
        ramp = np.linspace(0.86, 1.0, px(1.6, dpi), dtype=np.float32)
        y0, y1 = px(62.4, dpi), px(103.7, dpi)
        band = arr[y0:y1, x : x + ramp.size].astype(np.float32) * ramp
        arr[y0:y1, x : x + ramp.size] = band.astype(np.uint8)
        g0 = px(99.0, dpi)
        arr[y0:y1, g0 : x - 1] = np.minimum(arr[y0:y1, g0 : x - 1], 247)
    arr.setflags(write=False)
    return arr
