"""Form layouts: the geometry (mm, clean A4 page) and print font of each answer sheet the generator draws.

Every layout prints the same words in the same order; only where they sit and the font differ, so
the masking code can be tried on forms its template does not describe. "cdg-est" is the form of the
built-in template ``templates/cdg-est.json`` and must keep drawing exactly the same pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from anonymat.errors import UsageError

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in mm from the page's top-left corner

FONT_DIR = "/usr/share/fonts/truetype/dejavu"  # Debian fonts-dejavu-core: present on every machine
SANS = f"{FONT_DIR}/DejaVuSans.ttf"
SANS_BOLD = f"{FONT_DIR}/DejaVuSans-Bold.ttf"
SERIF = f"{FONT_DIR}/DejaVuSerif.ttf"
SERIF_BOLD = f"{FONT_DIR}/DejaVuSerif-Bold.ttf"
MONO = f"{FONT_DIR}/DejaVuSansMono.ttf"
MONO_BOLD = f"{FONT_DIR}/DejaVuSansMono-Bold.ttf"

DEFAULT = "cdg-est"
MIXED = "mixed"

IDENTITY_LABELS: tuple[tuple[str, str], ...] = (
    ("nom", "NOM :"),
    ("prenoms", "Prénom(s) :"),
    ("naissance", "Né(e) le :"),
    ("candidat", "N° de candidat :"),
    ("signature", "Signature :"),
)
LONG_IDENTITY_LABELS: tuple[tuple[str, str], ...] = (
    ("nom", "Nom de famille :"),
    ("prenoms", "Prénom(s) :"),
    ("naissance", "Date de naissance :"),
    ("candidat", "N° de candidat :"),
    ("signature", "Signature :"),
)
FlapLine = tuple[str, float, bool, float]  # text, cap height mm, bold, cap centre y mm from the box's centre
FLAP_LINES: tuple[FlapLine, ...] = (
    ("PARTIE A", 5.0, True, -11.0),
    ("LAISSEZ EN BLANC ET A RABATTRE", 2.8, False, -2.5),
    ("Humecter, rabattre et coller la partie gommée.", 2.3, False, 5.0),
    ("OBLIGATOIRE POUR GARANTIR VOTRE ANONYMAT", 2.5, True, 12.5),
)
# the same words on seven lines, for a narrow, tall flap (the one-line print would shrink past reading)
FLAP_LINES_NARROW: tuple[FlapLine, ...] = (
    ("PARTIE A", 5.0, True, -17.0),
    ("LAISSEZ EN BLANC", 2.8, False, -8.0),
    ("ET A RABATTRE", 2.8, False, -3.5),
    ("Humecter, rabattre et coller", 2.3, False, 3.0),
    ("la partie gommée.", 2.3, False, 7.0),
    ("OBLIGATOIRE POUR GARANTIR", 2.5, True, 13.5),
    ("VOTRE ANONYMAT", 2.5, True, 18.0),
)


@dataclass(frozen=True)
class Rule:
    """A printed line from (x0, y0) to (x1, y1), horizontal or vertical; dash > 0 draws it dashed."""

    x0: float
    y0: float
    x1: float
    y1: float
    th: float
    dash: float = 0.0


@dataclass(frozen=True)
class HeaderText:
    """The left-aligned header lines: their column (x0..x1) and the cap-height centre y of each."""

    x0: float
    x1: float
    title_y: float  # FONCTION PUBLIQUE TERRITORIALE
    subtitle_y: float  # INTERREGION EST
    intitule_y: float
    ticks_y: float
    footnote_y: float  # (1) Cocher la case correspondante
    date_y: float  # ouvert le ... à ...
    epreuve_y: float
    option_y: float
    a_dx: float = 70.0  # where `à` sits, from x0
    title_cap: float = 3.5
    subtitle_cap: float = 3.0


@dataclass(frozen=True)
class FormLayout:
    """One printed form: frame and rules, text blocks, anonymity box, identity box, flap, ruled lines."""

    name: str
    font: str
    bold_font: str
    frame_mm: Box | None  # the outer header frame, if the form has one
    boxes: tuple[tuple[float, float, float, float, float], ...]  # other outlined boxes (x0, y0, x1, y1, th)
    rules: tuple[Rule, ...]
    header: HeaderText
    anonymity_mm: Box  # `Numéro d'anonymat` / `Cadre réservé à l'administration`
    anon_title_mm: tuple[float, float]  # centre of `Numéro d'anonymat`
    anon_note_mm: tuple[float, float]  # centre of `Cadre réservé à l'administration`
    anon_text_w_mm: float  # room for those two lines
    sticker_mm: Box
    identity_mm: Box  # where the candidate writes who they are
    flap_open_mm: Box  # the flap's printed face when it is not folded
    identity_row0_mm: float  # first identity label, from the identity box's top
    identity_pitch_mm: float
    ruled_top_mm: float
    ruled_pitch_mm: float
    identity_labels: tuple[tuple[str, str], ...] = IDENTITY_LABELS
    flap_lines: tuple[FlapLine, ...] = FLAP_LINES
    frame_th: float = 0.6
    ruled_last_mm: float = 284.0  # no ruled line below this
    ruled_x_mm: tuple[float, float] = (12.0, 198.0)
    margin_mm: tuple[float, float, float] = (30.0, 108.0, 290.0)  # the left margin line: x, y0, y1
    write_x_mm: tuple[float, float] = (32.0, 195.0)  # where the memo's lines start and must end
    description: str = field(default="", compare=False)

    @property
    def ruled_y_mm(self) -> list[float]:
        """Centre y of every ruled writing line, top to bottom."""
        n = int((self.ruled_last_mm - self.ruled_top_mm) / self.ruled_pitch_mm + 1e-9) + 1
        return [self.ruled_top_mm + self.ruled_pitch_mm * i for i in range(n)]

    @property
    def lines_per_page(self) -> int:
        return len(self.ruled_y_mm)

    @property
    def write_width_mm(self) -> float:
        """Width the memo's lines are wrapped to (a little short of the writing span)."""
        return self.write_x_mm[1] - self.write_x_mm[0] - 2.0

    @property
    def band_mm(self) -> Box:
        """The identity box and the flap's open area together: what the scan truth calls identity_box."""
        a, b = self.identity_mm, self.flap_open_mm
        return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))

    @property
    def writing_area_mm(self) -> Box:
        """Where the body is written: the ruled lines, from one line pitch above the first one."""
        return (self.ruled_x_mm[0], self.ruled_top_mm - 6.0, self.ruled_x_mm[1], self.margin_mm[2])

    @property
    def hinge(self) -> str:
        """Side of the identity box the flap is hinged on: left, right, top or bottom."""
        z, f = self.identity_mm, self.flap_open_mm
        if f[2] == z[0]:
            return "left"
        if f[0] == z[2]:
            return "right"
        if f[3] == z[1]:
            return "top"
        if f[1] == z[3]:
            return "bottom"
        raise ValueError(f"{self.name}: the flap's open area does not touch the identity box")

    @property
    def header_bottom_mm(self) -> float:
        """Lowest printed header element (frame, boxes, rules, zones)."""
        ys = [self.identity_mm[3], self.flap_open_mm[3], self.anonymity_mm[3]]
        ys += [b[3] for b in self.boxes] + [max(r.y0, r.y1) for r in self.rules]
        if self.frame_mm:
            ys.append(self.frame_mm[3])
        return max(ys)

    def zones_mm(self) -> dict[str, list[float]]:
        """The zones recorded in truth.json (clean page, mm)."""
        return {
            "identity": list(self.identity_mm),
            "flap_open_area": list(self.flap_open_mm),
            "anonymity_box": list(self.anonymity_mm),
            "sticker": list(self.sticker_mm),
            "writing_area": list(self.writing_area_mm),
        }


CDG_EST = FormLayout(
    name="cdg-est",
    description="the built-in template's form: frame, flap left of the identity box, under the fields",
    font=SANS,
    bold_font=SANS_BOLD,
    frame_mm=(10.0, 10.0, 200.0, 104.0),
    boxes=(),
    rules=(
        Rule(10.0, 62.0, 200.0, 62.0, 0.4),
        Rule(142.0, 10.0, 142.0, 62.0, 0.4),
        Rule(105.0, 62.0, 105.0, 104.0, 0.3, dash=1.5),
    ),
    header=HeaderText(
        x0=12.0,
        x1=140.0,
        title_y=15.0,
        subtitle_y=20.5,
        intitule_y=27.0,
        ticks_y=33.0,
        footnote_y=38.3,
        date_y=44.0,
        epreuve_y=50.0,
        option_y=56.0,
    ),
    anonymity_mm=(142.0, 10.0, 200.0, 62.0),
    anon_title_mm=(171.0, 14.5),
    anon_note_mm=(171.0, 58.0),
    anon_text_w_mm=54.0,
    sticker_mm=(144.0, 20.0, 199.0, 46.0),
    identity_mm=(105.0, 62.0, 200.0, 104.0),
    flap_open_mm=(10.0, 62.0, 105.0, 104.0),
    identity_row0_mm=7.0,
    identity_pitch_mm=7.5,
    ruled_top_mm=116.0,
    ruled_pitch_mm=8.0,
)

RULE_BANNER = FormLayout(
    name="rule-banner",
    description="no frame; the header ends with one dark rule across the page; identity right of the flap",
    font=SANS,
    bold_font=SANS_BOLD,
    frame_mm=None,
    boxes=((138.0, 8.0, 202.0, 54.0, 0.5), (40.0, 64.0, 202.0, 100.0, 0.35)),
    rules=(Rule(121.0, 64.0, 121.0, 100.0, 0.3, dash=1.5), Rule(8.0, 106.0, 202.0, 106.0, 1.2)),
    header=HeaderText(
        x0=14.0,
        x1=132.0,
        title_y=14.0,
        subtitle_y=19.5,
        intitule_y=26.5,
        ticks_y=32.5,
        footnote_y=37.8,
        date_y=43.5,
        epreuve_y=49.5,
        option_y=55.5,
        a_dx=66.0,
    ),
    anonymity_mm=(138.0, 8.0, 202.0, 54.0),
    anon_title_mm=(170.0, 12.5),
    anon_note_mm=(170.0, 50.0),
    anon_text_w_mm=60.0,
    sticker_mm=(142.5, 17.0, 197.5, 43.0),
    identity_mm=(121.0, 64.0, 202.0, 100.0),
    flap_open_mm=(40.0, 64.0, 121.0, 100.0),
    identity_row0_mm=5.5,
    identity_pitch_mm=6.4,
    ruled_top_mm=116.0,
    ruled_pitch_mm=8.5,
    ruled_x_mm=(14.0, 198.0),
    margin_mm=(28.0, 110.0, 290.0),
    write_x_mm=(30.0, 195.0),
)

LEFT_ID = FormLayout(
    name="left-id",
    description="identity box on the left under the fields, the flap's open area below it (hinged on its top)",
    font=SANS,
    bold_font=SANS_BOLD,
    frame_mm=(10.0, 10.0, 200.0, 124.0),
    boxes=(),
    rules=(
        Rule(10.0, 56.0, 200.0, 56.0, 0.4),
        Rule(140.0, 10.0, 140.0, 56.0, 0.4),
        Rule(112.0, 56.0, 112.0, 124.0, 0.4),
        Rule(10.0, 90.0, 112.0, 90.0, 0.3, dash=1.5),
    ),
    header=HeaderText(
        x0=12.0,
        x1=136.0,
        title_y=14.5,
        subtitle_y=20.0,
        intitule_y=26.0,
        ticks_y=31.5,
        footnote_y=36.5,
        date_y=41.8,
        epreuve_y=47.0,
        option_y=52.2,
        a_dx=68.0,
    ),
    anonymity_mm=(140.0, 10.0, 200.0, 56.0),
    anon_title_mm=(170.0, 14.5),
    anon_note_mm=(170.0, 52.0),
    anon_text_w_mm=56.0,
    sticker_mm=(142.5, 19.0, 197.5, 45.0),
    identity_mm=(10.0, 56.0, 112.0, 90.0),
    flap_open_mm=(10.0, 90.0, 112.0, 124.0),
    identity_row0_mm=5.5,
    identity_pitch_mm=6.25,
    ruled_top_mm=134.0,
    ruled_pitch_mm=8.0,
    margin_mm=(30.0, 128.0, 290.0),
)

UNDER_BOX = FormLayout(
    name="under-box",
    description="identity box under the anonymity box on the right, the flap's open area left of it; tall header",
    font=SANS,
    bold_font=SANS_BOLD,
    frame_mm=(10.0, 10.0, 200.0, 125.0),
    boxes=(),
    rules=(
        Rule(10.0, 62.0, 200.0, 62.0, 0.4),
        Rule(130.0, 10.0, 130.0, 125.0, 0.4),
        Rule(60.0, 62.0, 60.0, 125.0, 0.3, dash=1.5),
    ),
    header=HeaderText(
        x0=13.0,
        x1=127.0,
        title_y=16.0,
        subtitle_y=21.5,
        intitule_y=28.0,
        ticks_y=34.0,
        footnote_y=39.3,
        date_y=45.0,
        epreuve_y=51.0,
        option_y=57.0,
        a_dx=62.0,
    ),
    anonymity_mm=(130.0, 10.0, 200.0, 62.0),
    anon_title_mm=(165.0, 15.0),
    anon_note_mm=(165.0, 57.5),
    anon_text_w_mm=64.0,
    sticker_mm=(137.5, 21.0, 192.5, 47.0),
    identity_mm=(130.0, 62.0, 200.0, 125.0),
    flap_open_mm=(60.0, 62.0, 130.0, 125.0),
    identity_row0_mm=10.0,
    identity_pitch_mm=10.5,
    identity_labels=LONG_IDENTITY_LABELS,
    flap_lines=FLAP_LINES_NARROW,
    ruled_top_mm=136.0,
    ruled_pitch_mm=7.5,
    ruled_x_mm=(12.0, 198.0),
    margin_mm=(26.0, 129.0, 290.0),
    write_x_mm=(28.0, 195.0),
)

SERIF_TOP = FormLayout(
    name="serif-top",
    description="serif print, short header; identity box at the left with the flap's open area above it",
    font=SERIF,
    bold_font=SERIF_BOLD,
    frame_mm=(8.0, 8.0, 202.0, 86.0),
    boxes=(),
    rules=(
        Rule(88.0, 8.0, 88.0, 86.0, 0.4),
        Rule(88.0, 55.0, 202.0, 55.0, 0.4),
        Rule(8.0, 47.0, 88.0, 47.0, 0.3, dash=1.5),
    ),
    header=HeaderText(
        x0=91.0,
        x1=199.0,
        title_y=13.0,
        subtitle_y=18.3,
        intitule_y=24.5,
        ticks_y=30.0,
        footnote_y=34.6,
        date_y=39.6,
        epreuve_y=45.0,
        option_y=50.4,
        a_dx=54.0,
        title_cap=3.2,
        subtitle_cap=2.8,
    ),
    anonymity_mm=(88.0, 55.0, 202.0, 86.0),
    anon_title_mm=(115.5, 64.0),
    anon_note_mm=(115.5, 77.0),
    anon_text_w_mm=52.0,
    sticker_mm=(144.0, 57.5, 199.0, 83.5),
    identity_mm=(8.0, 47.0, 88.0, 86.0),
    flap_open_mm=(8.0, 8.0, 88.0, 47.0),
    identity_row0_mm=6.5,
    identity_pitch_mm=7.0,
    ruled_top_mm=96.0,
    ruled_pitch_mm=8.0,
    margin_mm=(26.0, 90.0, 290.0),
    write_x_mm=(28.0, 195.0),
)

FLAP_RIGHT = FormLayout(
    name="flap-right",
    description="monospaced print; identity box on the left, the flap's open area right of it",
    font=MONO,
    bold_font=MONO_BOLD,
    frame_mm=(12.0, 12.0, 198.0, 108.0),
    boxes=(),
    rules=(
        Rule(12.0, 64.0, 198.0, 64.0, 0.4),
        Rule(140.0, 12.0, 140.0, 64.0, 0.4),
        Rule(100.0, 64.0, 100.0, 108.0, 0.3, dash=1.5),
    ),
    header=HeaderText(
        x0=14.0,
        x1=137.0,
        title_y=17.0,
        subtitle_y=22.5,
        intitule_y=29.0,
        ticks_y=35.0,
        footnote_y=40.3,
        date_y=46.0,
        epreuve_y=52.0,
        option_y=58.0,
        a_dx=66.0,
        title_cap=3.2,
    ),
    anonymity_mm=(140.0, 12.0, 198.0, 64.0),
    anon_title_mm=(169.0, 16.5),
    anon_note_mm=(169.0, 60.0),
    anon_text_w_mm=54.0,
    sticker_mm=(141.5, 22.0, 196.5, 48.0),
    identity_mm=(12.0, 64.0, 100.0, 108.0),
    flap_open_mm=(100.0, 64.0, 188.0, 108.0),
    identity_row0_mm=7.0,
    identity_pitch_mm=7.8,
    ruled_top_mm=120.0,
    ruled_pitch_mm=8.0,
    ruled_x_mm=(14.0, 196.0),
    margin_mm=(32.0, 112.0, 290.0),
    write_x_mm=(34.0, 194.0),
)

LAYOUTS: dict[str, FormLayout] = {
    layout.name: layout for layout in (CDG_EST, RULE_BANNER, LEFT_ID, UNDER_BOX, SERIF_TOP, FLAP_RIGHT)
}


def names() -> list[str]:
    """Every layout name, the built-in template's first."""
    return list(LAYOUTS)


def get_layout(name: str) -> FormLayout:
    """The layout called *name*; a UsageError listing the names otherwise."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise UsageError(
            f"unknown form {name!r}: choose one of {', '.join(names())}, or {MIXED!r} for all but {DEFAULT}"
        ) from None


def forms_for(form: str, copies: int, seed: int) -> list[str]:
    """Layout name of each copy: *form* for all, or for "mixed" every layout but cdg-est in a seeded cycle."""
    if form != MIXED:
        return [get_layout(form).name] * copies
    others = [name for name in LAYOUTS if name != DEFAULT]
    # its own stream: the rest of the plan draws the same numbers whatever the form
    order = np.random.default_rng(np.random.SeedSequence([seed, 3])).permutation(len(others))
    return [others[int(order[i % len(others)])] for i in range(copies)]
