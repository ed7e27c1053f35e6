"""Reading the anonymity code: one small Protocol, one adapter per library, a search over regions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np

# Our format names (manifest) -> each library's own.
FORMATS = ("Code39", "Code128", "QRCode", "DataMatrix", "ITF")


@dataclass(frozen=True)
class BarcodeRead:
    value: str
    format: str  # one of FORMATS
    quad: tuple[tuple[float, float], ...]  # 4 corners in the coordinates of the image given to `read`
    orientation: int  # degrees the symbol is turned clockwise in the image (0, 90, 180, 270)
    reader: str

    @property
    def center(self) -> tuple[float, float]:
        xs, ys = zip(*self.quad, strict=True)
        return (sum(xs) / 4, sum(ys) / 4)

    def moved(self, dx: float, dy: float, scale: float) -> BarcodeRead:
        quad = tuple((x / scale + dx, y / scale + dy) for x, y in self.quad)
        return BarcodeRead(self.value, self.format, quad, self.orientation, self.reader)


class BarcodeReader(Protocol):
    name: str

    def read(self, gray: np.ndarray, formats: Sequence[str], turned: bool = True) -> list[BarcodeRead]:
        """Valid codes of `formats` in `gray`; `turned`: also look for codes turned by 90 degrees."""
        ...


class ZxingReader:
    """zxing-cpp: faster and more robust than zbar on noise and strokes (README "Choices, on numbers")."""

    name = "zxing-cpp"

    def __init__(self) -> None:
        import zxingcpp

        self._z = zxingcpp
        self._formats = {
            "Code39": zxingcpp.BarcodeFormat.Code39,
            "Code128": zxingcpp.BarcodeFormat.Code128,
            "QRCode": zxingcpp.BarcodeFormat.QRCode,
            "DataMatrix": zxingcpp.BarcodeFormat.DataMatrix,
            "ITF": zxingcpp.BarcodeFormat.ITF,
        }

    def read(self, gray: np.ndarray, formats: Sequence[str], turned: bool = True) -> list[BarcodeRead]:
        flags: Any = tuple(self._formats[f] for f in formats)  # zxing-cpp 3 takes a tuple, `|` is deprecated
        # no downscaled retry inside zxing: find_code's own 0.5x pass covers it, only for pages that need it
        found = self._z.read_barcodes(
            np.ascontiguousarray(gray), formats=flags, try_rotate=turned, try_downscale=False
        )
        reads = []
        for res in found:
            if not res.valid:
                continue
            pos = res.position
            quad = tuple(
                (float(p.x), float(p.y))
                for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
            )
            name = _our_format(str(res.format))
            if name is None:
                continue
            reads.append(
                BarcodeRead(res.text, name, quad, int(round(res.orientation / 90.0)) * 90 % 360, self.name)
            )
        return reads


class ZbarReader:
    """zbar through pyzbar: a second opinion that fails differently from zxing."""

    name = "zbar"

    def __init__(self) -> None:
        from pyzbar import pyzbar  # ImportError here when libzbar0 is missing

        self._zbar = pyzbar
        self._formats = {
            "Code39": pyzbar.ZBarSymbol.CODE39,
            "Code128": pyzbar.ZBarSymbol.CODE128,
            "QRCode": pyzbar.ZBarSymbol.QRCODE,
            "ITF": pyzbar.ZBarSymbol.I25,
        }

    def read(self, gray: np.ndarray, formats: Sequence[str], turned: bool = True) -> list[BarcodeRead]:
        # zbar scans both directions whatever `turned` says
        symbols = [self._formats[f] for f in formats if f in self._formats]
        if not symbols:
            return []
        reads = []
        for res in self._zbar.decode(np.ascontiguousarray(gray), symbols=symbols):
            try:
                value = res.data.decode("ascii")
            except UnicodeDecodeError:
                continue
            name = _our_format(res.type)
            if name is None:
                continue
            pts = res.polygon or []
            if len(pts) >= 4:
                quad = tuple((float(p.x), float(p.y)) for p in pts[:4])
            else:
                r = res.rect
                quad = (
                    (r.left, r.top),
                    (r.left + r.width, r.top),
                    (r.left + r.width, r.top + r.height),
                    (r.left, r.top + r.height),
                )
            turn = {"UP": 0, "RIGHT": 90, "DOWN": 180, "LEFT": 270}.get(
                str(getattr(res, "orientation", "UP")), 0
            )
            reads.append(BarcodeRead(value, name, quad, turn, self.name))
        return reads


def _our_format(name: str) -> str | None:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    return {
        "code39": "Code39",
        "code39extended": "Code39",  # zxing-cpp: a Code 39 whose text uses the full-ASCII escapes
        "code128": "Code128",
        "qrcode": "QRCode",
        "datamatrix": "DataMatrix",
        "itf": "ITF",
        "i25": "ITF",
    }.get(key)


@dataclass(frozen=True)
class CodeSearch:
    """Outcome of the search on one page: the accepted read, or none (and whether two reads disagreed)."""

    read: BarcodeRead | None
    conflict: bool = False  # two readers, or two regions, gave two different valid values


def _bands(shape: tuple[int, int], frac: float = 0.34) -> list[tuple[int, int, int, int]]:
    h, w = shape
    bh, bw = int(h * frac), int(w * frac)
    return [(0, 0, w, bh), (0, h - bh, w, h), (0, 0, bw, h), (w - bw, 0, w, h)]


def find_code(
    gray: np.ndarray,
    pattern: str,
    formats: Sequence[str] = ("Code39",),
    readers: Sequence[BarcodeReader] | None = None,
    regions: Sequence[tuple[int, int, int, int]] = (),
) -> CodeSearch:
    """Search the given regions, then the page's four bands, then the whole page, in passes.

    Pass order: the first reader (zxing) at 1x over every box, then any others at 1x over the regions
    and bands (zbar on a full page costs ~170 ms and adds nothing over its bands), then the first reader
    at 0.5x and 1.5x over the regions and bands. A value is accepted only when it matches `pattern`; two different valid
    values in one box mark a conflict (no value accepted).
    """
    readers = list(readers) if readers is not None else default_readers()
    regex = re.compile(pattern)
    h, w = gray.shape
    bands = [*regions, *_bands((h, w))]
    whole = (0, 0, w, h)
    passes: list[tuple[BarcodeReader, float, list[tuple[int, int, int, int]]]] = [
        (readers[0], 1.0, [*bands, whole])
    ]
    passes += [(reader, 1.0, bands) for reader in readers[1:]]
    # the rescaled passes skip the whole page (20 million pixels at 1.5x): on the evaluation corpus's
    # damaged codes no rescaled pass read anything there, and a torn code paid for every one of them
    passes += [(readers[0], scale, bands) for scale in (0.5, 1.5)]
    # At 1x, a code in the top or bottom band of the scan lies along it (the page is upright or upside
    # down): zxing is spared the 90-degree search there; the side bands and the other passes keep it.
    along = set(_bands((h, w))[:2]) - set(regions)
    for reader, scale, boxes in passes:
        for box in boxes:
            x0, y0, x1, y1 = box
            x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
            if x1 - x0 < 40 or y1 - y0 < 40:
                continue
            crop = gray[y0:y1, x0:x1]
            if scale != 1.0:
                interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
                crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interp)
            valid: list[BarcodeRead] = []
            for read in reader.read(crop, formats, turned=scale != 1.0 or box not in along):
                if regex.fullmatch(read.value):  # any other value is refused (never logged: may be anything)
                    valid.append(read.moved(x0, y0, scale))
            if len({r.value for r in valid}) > 1:
                return CodeSearch(None, conflict=True)
            if valid:
                return CodeSearch(valid[0])
    return CodeSearch(None)


_READERS: list[BarcodeReader] | None = None


def default_readers() -> list[BarcodeReader]:
    """The page search's reader: zxing-cpp alone.

    zbar after zxing read no code on `make eval` that zxing had missed, and costs its four bands on every
    page where zxing finds nothing, so the search does without it. zbar stays the second opinion of the
    verification (`all_readers`).
    """
    return all_readers()[:1]


def all_readers() -> list[BarcodeReader]:
    """zxing-cpp, then zbar when libzbar is installed: the verification asks both that a masked zone
    holds no readable code."""
    global _READERS
    if _READERS is None:
        readers: list[BarcodeReader] = [ZxingReader()]
        try:
            readers.append(ZbarReader())
        except ImportError:
            pass
        _READERS = readers
    return _READERS


MIN_PRINTED_DIGITS = 6


def read_printed_number(gray: np.ndarray) -> str | None:
    """The digits of the human-readable line printed under the bars (`* 9941566491 *`), read by OCR.

    A fallback for smudged, crossed or torn bars: the longest run of at least 6 digits, possibly only
    part of the number when the sticker is torn. OCR can misread a digit, so grouping accepts it only
    when it designates exactly one number that a barcode elsewhere in the batch carries, and flags the
    page for review.
    """
    from anonymat.errors import PageError
    from anonymat.text import ocr

    if gray.size == 0:
        return None
    try:
        text = ocr.ocr_text(gray, psm=6, lang="eng", whitelist="0123456789* ")
    except PageError:
        return None
    runs = []
    for match in re.finditer(r"(\*?)\s*([0-9][0-9 ]*[0-9])\s*(\*?)", text):
        digits = match.group(2).replace(" ", "")
        if not (match.group(1) and match.group(3)):
            digits = digits[
                1:-1
            ]  # a run not closed by both asterisks ends at a tear: its edge digits are cut
        if len(digits) >= MIN_PRINTED_DIGITS:
            runs.append(digits)
    return max(runs, key=len) if runs else None
