"""Signes distinctifs: a name from the exam centre's roster written in the body of a copy.

`--roster FILE.csv` lists the candidates. The writing area of every masked, upright page is read whole
(about 1 s a page, which is why it runs only when asked) and each word read is compared with the roster.
What leaves the page stage is small and holds no text: (line number, y in mm) per hit. No name, and no
text read on the page, is ever printed, logged or written: the reviewer is told where to look.

Matching, on folded words (lowercase, accents stripped):

- roster names are split into parts on spaces, hyphens and apostrophes ("Le Gall-Morin" gives "gall",
  "morin"); parts under 3 letters are ignored (particles, and 2-letter words OCR makes from noise);
- a part of 5 letters or more also matches a word at edit distance 1 (one OCR error), unless the word read
  is itself a French word (wordfreq Zipf >= 3: "durant" written is not "Durand" misread); shorter parts
  match exactly;
- a part that is also a common French word (Zipf > 4: Martin, Thomas, Blanc, Marchand; wordfreq counts
  names as words, so Laura and Bertrand are there too) matches only when written with a capital letter
  in mid-sentence (not first on the page, not after . ! ? :): a writer capitalises a name, not a common
  word. Martin is a name and a word; this is the line drawn between the two;
- a part that is a very common word (Zipf > 5.5: France, Juste, Petit) is ignored: it would flag nearly
  every copy.

With the roster, signature-like marks in the writing area are flagged too (see `signature_marks`).

Cost: one tesseract call over a mosaic of the page's written lines, 0.4 to 2 s a page on one core.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from anonymat.errors import AnonymatError, UsageError
from anonymat.messages import t
from anonymat.reasons import Reason, make
from anonymat.text.words import strip_accents

if TYPE_CHECKING:
    from anonymat.text.ocr import OcrEngine

MIN_PART = 3  # letters: shorter roster parts are ignored
FUZZY_MIN = 5  # letters: from this length one OCR error is tolerated
WORD_ZIPF = 3.0  # a word read with at least this frequency is taken as written, not as a misread name
COMMON_ZIPF = 4.0  # a roster part above this is also a common word: needs a capital in mid-sentence
IGNORE_ZIPF = 5.5  # a roster part above this is ignored
MAX_ROSTER_BYTES = 20_000_000

FAMILY_COLUMNS = ("nom", "noms", "nom_de_famille", "nom_famille", "nom_naissance", "nom_usage", "last_name",
                  "lastname", "surname", "family_name", "familyname")  # fmt: skip
GIVEN_COLUMNS = ("prenom", "prenoms", "first_name", "firstname", "given_name", "given_names", "givenname",
                 "forename", "forenames")  # fmt: skip
FULL_COLUMNS = ("name", "full_name", "fullname", "nom_complet", "nom_prenom", "candidat", "candidate")

Hit = tuple[int, float]  # (written line in the writing area, 1-based; y in mm from the page's top)
MARK = 0  # the "line" of a hit that is a signature-like mark, not a name


def fold(text: str) -> str:
    """Lowercase, accents stripped, ligatures spelt out."""
    return strip_accents(text.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss"))


def zipf(word: str) -> float:
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # no frequencies: every part counts as a rare name
        return 0.0
    return float(zipf_frequency(word, "fr"))


EXACT, CAPITAL = 1, 2  # tiers: matched in any case / only capitalised in mid-sentence


@dataclass(frozen=True)
class Roster:
    """The names to look for, folded and indexed; picklable, and its repr shows no name."""

    parts: dict[str, int] = field(default_factory=dict)  # folded part -> tier
    deletes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # one-deletion variant -> parts
    names: int = 0

    def __repr__(self) -> str:
        return f"Roster({self.names} names)"

    def __bool__(self) -> bool:
        return bool(self.parts)


def build_roster(names: Iterable[str]) -> Roster:
    parts: dict[str, int] = {}
    deletes: dict[str, set[str]] = {}
    count = 0
    for name in names:
        found = [p for p in re.split(r"[\W\d_]+", fold(name)) if len(p) >= MIN_PART]
        count += bool(found)
        for part in found:
            frequency = zipf(part)
            if frequency > IGNORE_ZIPF:
                continue
            parts[part] = CAPITAL if frequency > COMMON_ZIPF else EXACT
            if len(part) >= FUZZY_MIN:
                for variant in _deletions(part) | {part}:
                    deletes.setdefault(variant, set()).add(part)
    return Roster(parts, {k: tuple(sorted(v)) for k, v in deletes.items()}, count)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one(a: str, b: str) -> bool:
    """Edit distance (insert, delete, substitute) between a and b is at most 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


# --- the CSV file ---------------------------------------------------------------------------------


def load_roster(path: Path) -> Roster:
    """Read the roster CSV; a UsageError that names the file (never a name in it) when it cannot be used."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise UsageError(t("roster.too_big", path=path, mb=MAX_ROSTER_BYTES // 1_000_000))
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise UsageError(t("roster.folder", path=path)) from exc
    except OSError as exc:
        why = t("options.roster_unreadable", why=exc.strerror or exc)
        raise UsageError(t("at", where=path, what=why)) from exc
    names = roster_names(_decode(data), str(path))
    roster = build_roster(names)
    if not names:
        raise UsageError(t("roster.no_name", path=path))
    if not roster:
        raise UsageError(t("roster.all_too_common", path=path))
    return roster


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _column_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(header.strip())).strip("_")


def roster_names(text: str, origin: str) -> list[str]:
    """Every family and given name of the CSV text (header row first; `;`, `,` or tab separated)."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = max(";,\t", key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise UsageError(t("roster.empty", origin=origin))
    header = [_column_key(h) for h in rows[0]]
    wanted = [i for i, key in enumerate(header) if key in FAMILY_COLUMNS + GIVEN_COLUMNS + FULL_COLUMNS]
    if not wanted:
        # the header is not echoed: without one, the first row would be a candidate's name
        raise UsageError(t("roster.no_column", origin=origin))
    names: list[str] = []
    for row in rows[1:]:
        for i in wanted:
            if i < len(row) and row[i].strip():
                names.append(row[i].strip())
    return names


# --- reading a page -------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")


def find_names(lines: Sequence[str], roster: Roster) -> list[int]:
    """0-based indexes of the lines holding a roster name (OCR text, top to bottom)."""
    found: list[int] = []
    sentence_start = True
    for index, line in enumerate(lines):
        hit = False
        for match in _WORD.finditer(line):
            raw = match.group()
            word = fold(raw)
            if not hit and _is_name(word, raw, roster, mid_sentence=not sentence_start):
                hit = True
            after = line[match.end() : match.end() + 3].lstrip()
            sentence_start = after[:1] in (".", "!", "?", ":")
        if hit:
            found.append(index)
    return found


def _is_name(word: str, raw: str, roster: Roster, mid_sentence: bool) -> bool:
    if len(word) < MIN_PART:
        return False
    capitalised = mid_sentence and raw[:1].isupper()
    tier = roster.parts.get(word)
    if tier is not None:
        return tier == EXACT or capitalised
    if len(word) < FUZZY_MIN - 1:
        return False
    candidates: set[str] = set()
    for variant in _deletions(word) | {word}:
        candidates.update(roster.deletes.get(variant, ()))
    near = [c for c in candidates if within_one(word, c)]
    if not any(roster.parts[c] == EXACT or capitalised for c in near):
        return False
    return zipf(word) < WORD_ZIPF  # a real word read as written is not a misread name


def scan_page(
    page: np.ndarray,
    writing_box: tuple[int, int, int, int],
    dpi: float,
    roster: Roster,
    *,
    engine: OcrEngine | None = None,
) -> tuple[Hit, ...]:
    """Read every written line of the writing area of a masked upright page; where roster names appear.

    Raises PageError when the handwriting reader fails (the caller records that the page could not be
    checked). The lines are read by `handwriting.reader()` (rapidocr unless ANONYMAT_READER=tesseract),
    or, when `engine` is given (tests: a fake), by one `engine.ocr_lines` call over a mosaic of them.
    """
    from anonymat.text import handwriting, ocr, textlines

    x0, y0, x1, y1 = (int(v) for v in writing_box)
    area = np.ascontiguousarray(page[max(0, y0) : y1, max(0, x0) : x1])
    if area.size == 0:
        return ()
    ink = textlines.ink_mask(area)
    bands = textlines.find_line_bands(area, ink.mask)
    if not bands:
        return ()
    band_px = float(np.median([b[1] - b[0] for b in bands]))
    pad = max(4, int(0.3 * band_px))
    scale = min(1.0, max(0.5, textlines.OCR_BAND_PX / max(band_px, 1.0)))
    pieces = [(k, b[2], b[3]) for k, b in enumerate(bands)]
    if engine is None:
        texts = textlines.read_pieces(
            area, ink, bands, pieces, pad, scale, ocr.ocr_lines, handwriting.reader()
        )
    else:
        texts = textlines.read_pieces(area, ink, bands, pieces, pad, scale, engine.ocr_lines)
    hits = []
    for k in find_names(texts, roster):
        top, bottom = bands[k][0], bands[k][1]
        y_mm = (y0 + (top + bottom) / 2) / dpi * 25.4  # on the output page as displayed
        hits.append((k + 1, round(float(y_mm), 1)))
    for y in signature_marks(ink.mask, bands, dpi):
        hits.append((MARK, round((y0 + y) / dpi * 25.4, 1)))
    return tuple(hits)


def signature_marks(
    ink_half: np.ndarray, bands: Sequence[tuple[int, int, int, int]], dpi: float
) -> list[float]:
    """y (writing-area px) of signature-like marks in the writing area.

    A mark is one blob of ink (strokes 0.6 mm apart joined), taller than 1.4 ruled lines and 10 mm,
    15 to 100 mm wide, standing alone: the lines it spans hold little other ink beside it. Cursive words
    whose loops touch the line above make tall blobs too, but among other words; a signature, a drawing
    or a big scribble stands alone. Large marks only: a signature as small as a word is missed.
    """
    import cv2

    half_mm = dpi / 25.4 / 2
    tops = sorted(b[0] for b in bands)
    pitch = float(np.median(np.diff(tops))) / 2 if len(tops) > 2 else 8 * half_mm
    pitch = min(max(pitch, 6 * half_mm), 12 * half_mm)
    ink = ink_half.astype(np.uint8)
    k = max(1, int(round(0.6 * half_mm)))
    joined = cv2.dilate(ink, np.ones((k, k), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    width = ink.shape[1]
    marks = []
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if h < max(1.4 * pitch, 10 * half_mm) or not 15 * half_mm <= w <= min(100 * half_mm, 0.8 * width):
            continue
        rows = slice(y, y + h)
        own = int(np.count_nonzero(ink[rows] & (labels[rows] == i)))
        pad = int(3 * half_mm)
        beside = int(np.count_nonzero(ink[rows, : max(0, x - pad)])) + int(
            np.count_nonzero(ink[rows, x + w + pad :])
        )
        if beside <= 0.1 * own:
            marks.append(float(2 * (y + h / 2)))
    return marks


def review_reasons(pages: Sequence) -> list[Reason]:
    """Review reasons for a copy's pages in output order (PageFacts with `roster_hits`); no name in them."""
    reasons = []
    for number, p in enumerate(pages, start=1):
        hits = getattr(p, "roster_hits", ())
        if hits is None:
            reasons.append(make("roster_unread", page=p.label(), n=number))
            continue
        for line, y_mm in hits:
            if line == MARK:
                reasons.append(make("signature", page=p.label(), n=number, mm=f"{y_mm:.0f}"))
                continue
            reasons.append(make("roster_name", page=p.label(), n=number, line=line, mm=f"{y_mm:.0f}"))
    return reasons


def check_page(
    page: np.ndarray, writing_box: tuple[int, int, int, int], dpi: float, roster: Roster
) -> tuple[Hit, ...] | None:
    """scan_page that never raises: None when the page could not be read."""
    try:
        return scan_page(page, writing_box, dpi, roster)
    except AnonymatError:
        return None
