"""`anonymat verify`: prove every copy in OUTDIR is complete and carries no identity."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from anonymat.errors import AnonymatError, UsageError
from anonymat.manifest import Manifest
from anonymat.messages import t
from anonymat.outdir import BATCH_JSON, manifest_paths
from anonymat.pdf import output
from anonymat.review.roster import Roster

if TYPE_CHECKING:
    from anonymat.text.ocr import OcrEngine

MASK_MAX_GREY = 60  # a painted zone decodes as near-black; anything brighter inside it is content
# The header band read by the deep check: from the top of the page to just above the first written line
# (its handwriting stands above its rule), never less than MIN_BAND_MM (a series of rules higher up is
# not the writing area) nor more than HEADER_SHARE of the page (when the first rules were whitened away,
# the series found starts lower: the band would take in written lines); HEADER_SHARE without rules.
WRITING_CLEARANCE_MM = 6.0
MIN_BAND_MM = 40.0
HEADER_SHARE = 0.45


@dataclass
class CopyCheck:
    number: str
    problems: list[str] = field(default_factory=list)
    pages: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_pdf_structure(pdf, check: CopyCheck) -> None:
    import pikepdf

    root = pdf.Root
    for key in ("/Metadata", "/Names", "/OpenAction", "/AA", "/AcroForm", "/Outlines"):
        if key in root:
            check.problems.append(t("verify.document_has", name=key))
    info = {str(k): str(v) for k, v in pdf.docinfo.items()}
    extra = set(info) - {"/Producer"}
    if extra:
        check.problems.append(t("verify.info_holds", keys=", ".join(sorted(extra))))
    for i, page in enumerate(pdf.pages, start=1):
        for key in ("/Annots", "/Thumb", "/AA"):
            if key in page.obj:
                check.problems.append(t("verify.page_has", page=i, name=key))
        if len(page.get_images()) != 1:
            check.problems.append(t("verify.images", page=i, n=len(page.get_images())))
        ops = {str(instruction.operator) for instruction in pikepdf.parse_content_stream(page)}
        text_ops = ops & {"Tj", "TJ", "'", '"', "BT"}
        if text_ops:
            check.problems.append(t("verify.text_ops", page=i))


def check_masked(gray: np.ndarray, boxes: list[list[int]], page_no: int, check: CopyCheck) -> None:
    for x0, y0, x1, y1 in boxes:
        inner = gray[y0 + 4 : y1 - 4, x0 + 4 : x1 - 4]
        if inner.size == 0:
            continue
        if int(inner.max()) > MASK_MAX_GREY:
            check.problems.append(t("verify.not_uniform", page=page_no, box=f"{x0},{y0},{x1},{y1}"))


def check_zone_unreadable(
    gray: np.ndarray,
    boxes: list[list[int]],
    page_no: int,
    check: CopyCheck,
    *,
    engine: OcrEngine | None = None,
) -> None:
    """OCR (`engine`, default tesseract) and barcode reading inside the masked zones must find nothing."""
    from anonymat.page import barcode
    from anonymat.text import ocr

    reader = engine if engine is not None else ocr.TESSERACT
    for x0, y0, x1, y1 in boxes:
        # inset: the JPEG edge of the box and the page around it are not the zone
        crop = np.ascontiguousarray(gray[max(0, y0) + 6 : y1 - 6, max(0, x0) + 6 : x1 - 6])
        if crop.size == 0:
            continue
        text = reader.ocr_text(255 - crop if crop.mean() < 128 else crop, psm=6)
        if re.search(r"\w{3,}", text):
            check.problems.append(t("verify.zone_text", page=page_no))
        reads = [r for reader in barcode.all_readers() for r in reader.read(crop, ("Code39",))]
        if reads:
            check.problems.append(t("verify.zone_barcode", page=page_no))


def header_band_end(gray: np.ndarray, px_per_mm: float) -> int:
    """Where the header band of an output page ends (y, px): everything above is outside the writing."""
    from anonymat.page import header

    h = gray.shape[0]
    limit = int(HEADER_SHARE * h)
    top = header.find_writing_top(gray, px_per_mm)
    if top is None:
        return limit
    return int(min(limit, max(MIN_BAND_MM * px_per_mm, top - WRITING_CLEARANCE_MM * px_per_mm)))


def check_header(
    gray: np.ndarray,
    boxes: list[list[int]],
    px_per_mm: float,
    page_no: int,
    check: CopyCheck,
    roster: Roster | None = None,
    *,
    engine: OcrEngine | None = None,
) -> None:
    """OCR (`engine`, default tesseract) of the header band outside the masks: no printed identity label,
    no roster name legible.

    The template is not trusted: if the masks were put in the wrong place, the labels printed beside the
    identity fields (NOM, Prénom, Né(e) le...) are still there to read. Only label keys and line
    positions come out of the reading (header.read_header): no text read is ever reported.
    """
    from anonymat.page import header

    end = header_band_end(gray, px_per_mm)
    band = np.ascontiguousarray(gray[:end])
    for x0, y0, x1, y1 in boxes:  # painted white: the black paint itself is not read
        band[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = 255
    try:
        reading = header.read_header(band, px_per_mm, (0, 0, band.shape[1], end), roster, engine=engine)
    except AnonymatError as exc:
        check.problems.append(t("verify.header_unread", page=page_no, error=exc))
        return
    keys = sorted({label.key for label in reading.labels} & header.IDENTITY_KEYS)
    if keys:
        named = ", ".join(f"'{key}'" for key in keys)
        key = "verify.label_one" if len(keys) == 1 else "verify.label_many"
        check.problems.append(t(key, page=page_no, labels=named))
    for box in reading.names:
        y_mm = (box[1] + box[3]) / 2 / px_per_mm
        check.problems.append(t("verify.roster_name", page=page_no, mm=f"{y_mm:.0f}"))


def _px_per_mm(page, gray: np.ndarray) -> float:
    """The output page's resolution: its image's width over the page's width."""
    width_pt = float(page.MediaBox[2]) - float(page.MediaBox[0])
    return gray.shape[1] / (width_pt / 72 * 25.4) if width_pt > 0 else 200 / 25.4


def verify_copy(
    outdir: Path,
    manifest_path: Path,
    deep: bool = True,
    ocr_zones: bool = True,
    roster: Roster | None = None,
    *,
    engine: OcrEngine | None = None,
) -> CopyCheck:
    """Check one copy. `deep` adds the barcode re-read; `ocr_zones` also OCRs and barcode-reads inside
    every masked zone, and OCRs the header band outside them for identity labels (and names of
    `roster`): `anonymat verify` does; `process` relies on the zones being proved uniform. The OCR is
    `engine`'s (default tesseract; tests give a fake)."""
    import pikepdf

    try:
        manifest = Manifest.read(manifest_path)
    except (OSError, ValueError) as exc:
        return CopyCheck(manifest_path.stem, [t("verify.manifest_unreadable", error=exc)])
    check = CopyCheck(manifest.anonymity_number)
    pdf_path = outdir / manifest.pdf
    try:
        data = pdf_path.read_bytes()
    except OSError:
        check.problems.append(t("verify.pdf_missing", name=pdf_path.name))
        return check
    if hashlib.sha256(data).hexdigest() != manifest.pdf_sha256:
        check.problems.append(t("verify.sha_mismatch"))
    try:
        pdf = pikepdf.open(pdf_path)
    except pikepdf.PdfError as exc:
        check.problems.append(t("verify.unparsable", error=exc))
        return check
    with pdf:
        pages = manifest.pages
        check.pages = len(pdf.pages)
        if len(pdf.pages) != len(pages):
            check.problems.append(t("verify.page_count", pdf=len(pdf.pages), listed=len(pages)))
        check_pdf_structure(pdf, check)
        found_number = False
        for i, (page, entry) in enumerate(zip(pdf.pages, pages, strict=False), start=1):
            gray = output.decode_page_image(page)
            if gray is None:  # the structure check already names a page without exactly one image
                if len(page.get_images()) == 1:
                    check.problems.append(t("verify.undecodable", page=i))
                continue
            boxes = entry.get("masked", [])
            if not entry.get("blank") and not boxes:
                check.problems.append(t("verify.unmasked", page=i))
            check_masked(gray, boxes, i, check)
            if deep and ocr_zones:
                check_zone_unreadable(gray, boxes, i, check, engine=engine)
                check_header(gray, boxes, _px_per_mm(page, gray), i, check, roster, engine=engine)
            if deep:
                if not found_number and entry.get("barcode"):
                    found_number = _reads_number(gray, check.number)
        if deep and any(e.get("barcode") for e in pages) and not found_number:
            check.problems.append(t("verify.no_barcode"))
    return check


def _reads_number(gray: np.ndarray, number: str) -> bool:
    from anonymat.page import barcode

    # zxing alone: this is a check that the code is plainly readable, not a rescue of a damaged one
    search = barcode.find_code(gray, r".+", readers=barcode.default_readers())
    return search.read is not None and search.read.value == number


def verify_outdir(outdir: Path, deep: bool = True, roster: Roster | None = None) -> list[CopyCheck]:
    if not (outdir / BATCH_JSON).exists():
        raise UsageError(t("verify.no_batch", outdir=outdir))
    return [verify_copy(outdir, m, deep=deep, roster=roster) for m in manifest_paths(outdir)]


def print_report(results: list[CopyCheck]) -> None:
    width = max([len(r.number) for r in results] + [6])
    print(f"{t('verify.copy'):<{width}}  {t('verify.pages')}  {t('verify.result')}")
    for r in results:
        print(
            f"{r.number:<{width}}  {r.pages:>5}  {t('verify.ok') if r.ok else t('verify.fail', problems='; '.join(r.problems))}"
        )
    bad = sum(1 for r in results if not r.ok)
    print(t("verify.summary", n=len(results), bad=bad))
