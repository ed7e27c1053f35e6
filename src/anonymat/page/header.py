"""Reading the printed header: printed labels and where the writing area begins.

`find_labels` reads the header band with tesseract and keeps only the words that are printed labels of
the form ("PARTIE A", "Numéro d'anonymat", "NOM :", ...), as a key and a pixel box. `find_writing_top`
finds the first of the ruled lines the candidate writes on, without OCR.

PRIVACY: the header band holds the identity zone, so `find_labels` reads a candidate's name, birth date
and candidate number in memory. Nothing it reads other than the keys and boxes of recognised printed
labels leaves it: no OCR text is logged, printed, stored or returned, not even in an error message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from anonymat.model import Box
from anonymat.review.roster import Roster, find_names, fold, within_one

if TYPE_CHECKING:
    from anonymat.text.ocr import OcrEngine


@dataclass(frozen=True)
class Label:
    key: str  # canonical key of a printed label, see LABEL_KEYS
    box: Box  # pixel box of the recognised word(s) in the image given


# key -> the accent-folded word forms that recognise it. A form of 5 letters or more also matches a word
# read with one OCR error; shorter forms match whole words exactly ("nom" is not the end of "prenom").
LABEL_KEYS: dict[str, tuple[str, ...]] = {
    "fonction": ("fonction",),  # FONCTION PUBLIQUE TERRITORIALE
    "interregion": ("interregion",),  # INTERREGION EST
    "intitule": ("intitule",),  # Intitulé du concours ou de l'examen
    "concours": ("concours",),  # CONCOURS (1), Troisième concours (1)
    "ouvert": ("ouvert",),  # ouvert le
    "epreuve": ("epreuve",),  # Epreuve de
    "specialite": ("specialite",),  # Spécialité et/ou option
    "numero_anonymat": ("anonymat",),  # Numéro d'anonymat: "anonymat" after "numero"
    "anonymat": ("anonymat",),  # an "anonymat" whose neighbours were not read
    "cadre": ("cadre",),  # Cadre réservé à l'administration
    "partie": ("partie",),  # PARTIE A (not "la partie gommée")
    "laissez": ("laissez",),  # LAISSEZ EN BLANC ET A RABATTRE
    "rabattre": ("rabattre",),  # ... A RABATTRE, and "Humecter, rabattre et coller"
    "humecter": ("humecter",),  # Humecter, rabattre et coller la partie gommée
    "obligatoire": ("obligatoire",),  # OBLIGATOIRE POUR GARANTIR VOTRE ANONYMAT
    "garantir": ("garantir",),  # ... GARANTIR VOTRE ANONYMAT (the flap's "anonymat" joins it)
    "nom": ("nom",),  # NOM :, Nom de famille
    "prenom": ("prenom", "prenoms"),  # Prénom(s), Prénoms
    "naissance": ("naissance", "ne(e)"),  # Date de naissance, Né(e) le
    "candidat": ("candidat",),  # N° de candidat
    "signature": ("signature",),  # Signature
}
IDENTITY_KEYS = frozenset({"nom", "prenom", "naissance", "candidat", "signature"})

HEADER_SHARE = 0.45  # find_labels' default region: the top of the page
OCR_PX_PER_MM = 150 / 25.4  # printed labels (2.4 mm capitals) read as well as at 200 dpi, faster
OCR_PSM = 11  # sparse text: the header is labels and fields scattered in boxes, not paragraphs
# Tesseract's word confidence, below which a word is not taken as printed: a word read exactly as a label
# may be less sure (the handwriting after "ouvert le" lowers it), one read with an error must be sure.
MIN_CONF_EXACT = 30.0
MIN_CONF = 60.0
FUZZY_MIN = 5

_AMBIGUOUS = {"anonymat"}  # words whose key depends on their neighbours
_LETTERS = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class HeaderReading:
    """What may leave a reading of the header: label keys and boxes, boxes of lines naming a candidate."""

    labels: list[Label]
    names: list[Box]  # each line read that holds a roster name (never the name)


@dataclass(frozen=True)
class _Word:
    """One word read: lives only inside read_header, never leaves it."""

    text: str
    folded: str
    runs: tuple[str, ...]  # its letter runs ("d'anonymat" -> "d", "anonymat")
    box: Box
    conf: float


def find_labels(gray: np.ndarray, px_per_mm: float, region: Box | None = None) -> list[Label]:
    """The printed labels legible in `region` (default: the top 45 % of the page) of an upright page.

    Every occurrence of a key is returned, with its box in `gray`'s pixels. PRIVACY: this OCR reads the
    identity zone in memory; only the keys and boxes of recognised printed labels leave this function.
    """
    return read_header(gray, px_per_mm, region).labels


def read_header(
    gray: np.ndarray,
    px_per_mm: float,
    region: Box | None = None,
    roster: Roster | None = None,
    *,
    engine: OcrEngine | None = None,
) -> HeaderReading:
    """find_labels' reading, and with a roster the boxes of the lines read that hold a roster name.

    `engine` reads the words (default: tesseract, `ocr.TESSERACT`; tests give a fake).
    PRIVACY: as in find_labels, no text read leaves this function: only keys and boxes.
    """
    words = _read_words(gray, px_per_mm, region, engine)
    labels = _merge(_match([w for w in words if w.conf >= MIN_CONF_EXACT]))
    names = _lines_naming(words, roster) if roster else []
    return HeaderReading(labels, names)


def _read_words(
    gray: np.ndarray, px_per_mm: float, region: Box | None, engine: OcrEngine | None = None
) -> list[_Word]:
    from anonymat.text import ocr

    reader = engine if engine is not None else ocr.TESSERACT
    h, w = gray.shape[:2]
    x0, y0, x1, y1 = region if region is not None else (0, 0, w, int(round(h * HEADER_SHARE)))
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 8 or y1 - y0 < 8 or px_per_mm <= 0:
        return []
    crop = np.ascontiguousarray(gray[y0:y1, x0:x1])
    scale = OCR_PX_PER_MM / px_per_mm
    if abs(scale - 1.0) > 0.05:
        area = scale < 1.0  # INTER_AREA to shrink (no aliasing), cubic to enlarge a low-resolution page
        method = cv2.INTER_AREA if area else cv2.INTER_CUBIC
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=method)
    else:
        scale = 1.0
    return [
        _Word(
            word.text, folded, tuple(_LETTERS.findall(folded)), _to_page(word.box, scale, x0, y0), word.conf
        )
        for word in reader.ocr_words(crop, psm=OCR_PSM)
        if (folded := fold(word.text).strip(".,;:!?"))
    ]


def _lines_naming(words: Sequence[_Word], roster: Roster) -> list[Box]:
    """Boxes of the lines of words (every word, however unsure: handwriting) that hold a roster name."""
    lines: list[list[_Word]] = []
    for word in sorted(words, key=lambda w: (w.box[1] + w.box[3]) / 2):
        line = next((ln for ln in reversed(lines[-3:]) if _same_line(ln[-1].box, word.box)), None)
        if line is None:
            lines.append([word])
        else:
            line.append(word)
    for line in lines:
        line.sort(key=lambda w: w.box[0])
    hits = find_names([" ".join(w.text for w in line) for line in lines], roster)
    return [_union([w.box for w in lines[k]]) for k in hits]


def _to_page(box: Box, scale: float, dx: int, dy: int) -> Box:
    x0, y0, x1, y1 = box
    return (
        int(x0 / scale) + dx,
        int(y0 / scale) + dy,
        int(np.ceil(x1 / scale)) + dx,
        int(np.ceil(y1 / scale)) + dy,
    )


def _matches(word: _Word, form: str) -> bool:
    """The word reads as `form`: exactly, or (forms of 5+ letters, sure words) with one OCR error."""
    sure = word.conf >= MIN_CONF
    if not form.isalpha():  # a form with punctuation ("ne(e)") is compared with the whole word
        texts = {word.folded, word.folded.removesuffix("le")}  # "Né(e)le:" read as one word
        return form in texts or (sure and any(within_one(t, form) for t in texts))
    if len(form) < FUZZY_MIN:
        return form in word.runs
    for run in word.runs:
        # a short word run into the label ("ouvertle") still shows the label
        if run == form or (run.startswith(form) and len(run) - len(form) <= 3):
            return True
        if sure and len(run) >= FUZZY_MIN - 1 and within_one(run, form):
            return True
    return False


def _key_of(word: _Word) -> str | None:
    for key, forms in LABEL_KEYS.items():
        if key not in ("numero_anonymat", "anonymat") and any(_matches(word, f) for f in forms):
            return key
    if any(_matches(word, f) for f in _AMBIGUOUS):
        return "anonymat"
    return None


def _match(words: Sequence[_Word]) -> list[Label]:
    labels = []
    for i, word in enumerate(words):
        key = _key_of(word)
        if key is None:
            continue
        before = _left_of(words, i)
        if key == "anonymat":
            key, box = _anonymat(word, before, words)
        else:
            box = word.box
        if key == "partie" and before is not None and before.runs == ("la",):
            continue  # "la partie gommée": the instruction's word, not the flap's title
        if key == "nom" and word.runs != ("nom",):
            continue  # "nom" must be a word of its own
        labels.append(Label(key, box))
    labels += _born_on(words)
    return labels


def _anonymat(word: _Word, before: _Word | None, words: Sequence[_Word]) -> tuple[str, Box]:
    """'Numéro d'anonymat' (the sticker box's title) or the flap's '... GARANTIR VOTRE ANONYMAT'."""
    runs = list(word.runs[:-1])  # "numerod'anonymat" read as one word
    left = [before] if before is not None else []
    if before is not None and (further := _left_of(words, words.index(before))) is not None:
        left.append(further)
    for neighbour in left:
        runs.extend(neighbour.runs)
    if any(within_one(run, "numero") for run in runs if len(run) >= 5):
        return "numero_anonymat", _union([word.box, *(n.box for n in left[:1])])
    if any(run == "votre" or within_one(run, "garantir") for run in runs):
        return "garantir", _union([word.box, *(n.box for n in left)])
    return "anonymat", word.box


def _born_on(words: Sequence[_Word]) -> list[Label]:
    """'Né le' / 'Née le' read as two words ('Né(e)' is matched on its own by LABEL_KEYS)."""
    found = []
    for i, word in enumerate(words):
        if word.folded in ("ne", "nee"):
            after = _right_of(words, i)
            if after is not None and after.runs[:1] == ("le",):
                found.append(Label("naissance", _union([word.box, after.box])))
    return found


def _same_line(a: Box, b: Box) -> bool:
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap > 0.5 * min(a[3] - a[1], b[3] - b[1])


def _left_of(words: Sequence[_Word], i: int) -> _Word | None:
    """The nearest word on the same line to the left of words[i], within two word heights."""
    box = words[i].box
    reach = 2 * (box[3] - box[1])
    near = [w for w in words if _same_line(w.box, box) and 0 <= box[0] - w.box[2] <= reach]
    return max(near, key=lambda w: w.box[2], default=None)


def _right_of(words: Sequence[_Word], i: int) -> _Word | None:
    box = words[i].box
    reach = 2 * (box[3] - box[1])
    near = [w for w in words if _same_line(w.box, box) and 0 <= w.box[0] - box[2] <= reach]
    return min(near, key=lambda w: w.box[0], default=None)


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _merge(labels: list[Label]) -> list[Label]:
    """One label per occurrence: the same key found twice on overlapping boxes is one label."""
    out: list[Label] = []
    for label in labels:
        for k, kept in enumerate(out):
            if kept.key == label.key and _overlaps(kept.box, label.box):
                out[k] = Label(label.key, _union([kept.box, label.box]))
                break
        else:
            out.append(label)
    return sorted(out, key=lambda lab: (lab.box[1], lab.box[0]))


def _overlaps(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


# --- the ruled writing area -----------------------------------------------------------------------

WORK_PX_PER_MM = 100 / 25.4  # analysed at ~100 dpi
GROUP_MM = 1.0  # each row of a strip is summed up by the brightest pixel of each 1-mm group...
STRIP_GROUPS = 5  # ...and a strip of 5 groups by its second lightest group
NEIGHBOUR_MM = 1.0  # a ruled line is darker than the paper this far above and below it
MAX_SKEW_DEG = 3.5
SKEW_STEP_DEG = 0.5
MIN_LENGTH = 0.5  # of the page's width, from a line's first strip to its last
MIN_SHOWING = 0.35  # of the strips, where a line shows (handwriting crossing it hides it in the others)
MIN_LINES = 5
UP_GAPS = 3  # rules that may be missing between the series and a line above it on its grid
PITCH_MM = (5.0, 12.0)
PITCH_TOLERANCE = (0.75, 0.12)  # how far a line may lie from the series' grid: mm, or share of the pitch


def find_writing_top(gray: np.ndarray, px_per_mm: float) -> int | None:
    """y (px) of the first ruled line of the writing area on an upright page, at the page's centre.

    The ruled lines: a regular series (>= 5 lines, spacing 5-12 mm) of long (>= half the page's width),
    thin horizontal lines, however light (a scan's grey, or almost white on a whitened output page) and
    however crossed by handwriting. None when the page shows no such series.
    """
    if gray.ndim != 2 or min(gray.shape) < 64 or px_per_mm <= 0:
        return None
    small, s = _work_copy(gray, px_per_mm)
    top = _series_top(_line_rows(small, s), s)
    return None if top is None else int(round(top * px_per_mm / s))


def _work_copy(gray: np.ndarray, px_per_mm: float) -> tuple[np.ndarray, float]:
    factor = WORK_PX_PER_MM / px_per_mm
    if factor > 0.8:
        return gray, px_per_mm
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), px_per_mm * factor


def _paper_rows(small: np.ndarray, s: float) -> np.ndarray:
    """(rows, strips): each strip's row level, as light as the paper unless a line crosses the strip.

    A line crosses every column of a strip; handwriting leaves paper between its strokes. So each 1-mm
    group of a row gives its lightest pixel, and a strip (5 groups) its second lightest group: paper
    unless ink fills 4 of the 5 groups, and one bright speck (JPEG ringing) does not hide a line. Each
    dark line is first spread over 3 rows, so a skewed line still fills a whole row of the strip.
    """
    group = max(2, int(round(GROUP_MM * s)))
    spread = cv2.erode(small, np.ones((3, 1), np.uint8))
    lightest = cv2.dilate(spread, np.ones((1, group), np.uint8))[:, group // 2 :: group]
    n = lightest.shape[1] // STRIP_GROUPS
    g = [lightest[:, k : n * STRIP_GROUPS : STRIP_GROUPS][:, :n] for k in range(STRIP_GROUPS)]
    # the second largest of the groups: the largest of their pairwise minima
    second = np.minimum(g[0], g[1])
    for i in range(STRIP_GROUPS):
        for j in range(max(i + 1, 2 if i == 0 else 0), STRIP_GROUPS):
            np.maximum(second, np.minimum(g[i], g[j]), out=second)
    return second


def _line_rows(small: np.ndarray, s: float) -> list[float]:
    """Rows (at the page's centre column) of the long thin horizontal lines of a work copy."""
    paper = _paper_rows(small, s).astype(np.int16)
    h, n = paper.shape
    k = max(2, int(round(NEIGHBOUR_MM * s)))
    if n < 4 or h <= 2 * k:
        return []
    # darker than the paper both above and below: a thin line, not the edge of a dark block or a band
    contrast = np.zeros_like(paper)
    contrast[k:-k] = np.minimum(paper[: -2 * k], paper[2 * k :]) - paper[k:-k]
    present = contrast >= _threshold(paper, k)
    return _sheared_lines(present, n * STRIP_GROUPS * GROUP_MM * s / n, s)


def _threshold(paper: np.ndarray, k: int) -> int:
    """Grey levels a line stands out by: 4 noise sigmas of the strip levels, at least 2."""
    diff = np.abs(paper[k:] - paper[:-k]).astype(np.uint8)
    hist = cv2.calcHist([diff], [0], None, [256], [0, 256]).ravel()
    mad = float(np.searchsorted(np.cumsum(hist), hist.sum() / 2))
    return max(2, int(round(4 * 1.4826 * mad / np.sqrt(2))))


def _sheared_lines(present: np.ndarray, strip_px: float, s: float) -> list[float]:
    """Rows of the long lines, at the page's best skew: a line spans at least MIN_LENGTH of the strips
    from its first to its last, and shows in at least MIN_SHOWING of them (handwriting hides the rest)."""
    h, n = present.shape
    ys, xs = np.nonzero(present)  # a few thousand cells: counting them is cheaper than shearing images
    if ys.size == 0:
        return []
    centres = (np.arange(n) + 0.5 - n / 2) * strip_px
    angles = np.deg2rad(np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, SKEW_STEP_DEG))
    sheared = np.clip(ys[None, :] - np.rint(np.tan(angles)[:, None] * centres[xs][None, :]), 0, h - 1)
    sheared = sheared.astype(np.intp)
    counts = np.stack([np.bincount(row, minlength=h) for row in sheared])  # (angles, rows)
    best = int(np.argmax((counts.astype(np.int64) ** 2).sum(axis=1)))  # lines sharpest at the true skew
    profile, at = counts[best], sheared[best]
    candidate = (profile >= max(1, int(np.ceil(MIN_SHOWING * n)))).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], candidate, [0]))))
    lines: list[float] = []
    for y0, y1 in zip(edges[::2], edges[1::2], strict=True):
        if y1 - y0 > max(4, 1.5 * s):  # not thin (more than ~1.5 mm of rows): a band of writing
            continue
        shown = xs[(at >= y0) & (at < y1)]
        if shown.max() - shown.min() + 1 < MIN_LENGTH * n:
            continue
        weights = profile[y0:y1].astype(np.float64)
        lines.append(float(np.dot(np.arange(y0, y1), weights) / weights.sum()))
    return lines


def _series_top(ys: Sequence[float], s: float) -> float | None:
    """The topmost line of the first regular series of at least MIN_LINES lines."""
    lo, hi = PITCH_MM[0] * s, PITCH_MM[1] * s
    for i in range(len(ys) - MIN_LINES + 1):
        for y in ys[i + 1 :]:
            pitch = y - ys[i]
            if pitch > hi:
                break
            if pitch >= lo and _series_length(ys, ys[i], pitch, s) >= MIN_LINES:
                return _extend_up(ys, i, pitch, s)
    return None


def _extend_up(ys: Sequence[float], i: int, pitch: float, s: float) -> float:
    """The series' top, moved up over the lines above it on its grid (up to UP_GAPS missing between
    two): whitening can wipe out the lightest rules, so the first lines found are not always the first."""
    tol = max(PITCH_TOLERANCE[0] * s, PITCH_TOLERANCE[1] * pitch)
    top = ys[i]
    for y in reversed(ys[:i]):
        steps = round((top - y) / pitch)
        if steps > UP_GAPS + 1:
            break
        if steps >= 1 and abs(top - y - steps * pitch) <= tol:
            top = y
    return top


def _series_length(ys: Sequence[float], top: float, pitch: float, s: float) -> int:
    """Lines of the series from `top` at `pitch`, in order: one missing line is tolerated, a line closer
    than the pitch (a stroke of handwriting) is skipped, any other gap ends the series."""
    tol = max(PITCH_TOLERANCE[0] * s, PITCH_TOLERANCE[1] * pitch)
    count, last, first = 1, top, top
    for y in ys:
        if y <= last:
            continue
        gap = y - last
        if gap < pitch - tol:
            continue
        steps = 1 if abs(gap - pitch) <= tol else 2 if abs(gap - 2 * pitch) <= tol else 0
        if not steps:
            break
        count, last = count + 1, y
        # follow the lines as found: the pitch of a scan is not exactly the printed one
        pitch = (last - first) / round((last - first) / pitch)
    return count
