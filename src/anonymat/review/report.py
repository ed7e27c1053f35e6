"""OUTDIR/report.html: one offline page to review a batch, rebuilt from OUTDIR's manifests alone (its
HTML is report_html.py; this module makes the pictures it shows).

Thumbnails are made from the anonymized pages, never from the scans, so no identity pixel can reach the
report: by the writers, from the masked pixels they encode into the PDF, or here, from the output PDFs'
page images. They are small JPEG files in OUTDIR/thumbs/, remade only for copies whose PDF changed
(thumbs/index.json keeps each copy's PDF sha256), so `anonymat fix` leaves the other copies' thumbnails
byte-identical.

For a copy whose page order is in doubt, the report also shows, at each page break, the last written lines
of one page beside the first lines of the next: crops of the output PDF's pages at full resolution
(thumbs/<number>_<sha>_<i>_tail.jpg and _head.jpg), wide enough to read handwriting. Pages that are in no
PDF (blank pages dropped, unassigned pages) get a thumbnail made masked (`write_page_thumbs`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from anonymat.manifest import Manifest, PageFacts
from anonymat.outdir import BATCH_JSON, THUMBS, manifest_name, manifest_paths, page_thumb_name
from anonymat.pdf import output
from anonymat.states import OrderMethod, Status

REPORT = "report.html"
CROP_WIDTH = 720  # px: two crops side by side fit a laptop screen; handwriting stays readable
CROP_LINES = 3  # written lines shown at each end of a page break
ORDER_DOUBT_BELOW = 0.5  # copy_stage.ORDER_REVIEW_BELOW: below it the copy is flagged for its order


def write_report(outdir: Path, written: dict[str, dict[str, Any]] | None = None) -> Path:
    """(Re)write OUTDIR/report.html and the thumbnails it shows; return the report's path.

    `written`: the thumbnails the writers already made while encoding (number -> {pdf_sha256, pages})."""
    outdir = Path(outdir)
    batch = _read_json(outdir / BATCH_JSON)
    batch = batch if isinstance(batch, dict) else {}
    manifests = read_manifests(outdir)
    if isinstance(batch.get("copies"), list):  # a manifest left over from another run is not in this batch
        listed = {c.get("manifest") for c in batch["copies"] if isinstance(c, dict)}
        manifests = [m for m in manifests if manifest_name(m.anonymity_number) in listed]
    thumbs = update_thumbnails(outdir, manifests, written)
    crops = update_join_crops(outdir, manifests)
    numbers = update_number_crops(outdir, manifests)
    html = render_html(batch, manifests, thumbs, crops=crops, outdir=outdir, numbers=numbers)
    path = outdir / REPORT
    output.write_bytes_atomic(html.encode("utf-8"), path)
    return path


def read_manifests(outdir: Path) -> list[Manifest]:
    """Every readable copy manifest in OUTDIR, by anonymity number."""
    found = []
    for path in manifest_paths(outdir):
        try:
            found.append(Manifest.read(path))
        except (OSError, ValueError):
            continue  # `anonymat verify` names it
    return sorted(found, key=lambda m: m.anonymity_number)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- thumbnails --------------------------------------------------------------------------------------


def thumbs_stamp(number: str) -> str:
    """thumbs/<number>.written.json: what the writer that made a copy's thumbnails wrote them for
    ({pdf_sha256, pages}). A run killed before its report leaves them; the next report folds them into
    thumbs/index.json, so it keeps the writer's thumbnails (the bytes a run that was not killed has)
    instead of making others from the PDF."""
    return f"{THUMBS}/{number}.written.json"


def thumb_name(number: str, index: int) -> str:
    """thumbs/<number>_<i>.jpg, i counted from 1 in output order."""
    return f"{THUMBS}/{number}_{index}.jpg"


def update_thumbnails(
    outdir: Path, manifests: list[Manifest], written: dict[str, dict[str, Any]] | None = None
) -> dict[str, list[str | None]]:
    """Make the thumbnails of the copies whose PDF changed since the last report; number -> file per page."""
    folder = outdir / THUMBS
    folder.mkdir(exist_ok=True)
    index_path = folder / "index.json"
    on_disk = _read_json(index_path)
    on_disk = on_disk if isinstance(on_disk, dict) else {}
    stamps = sorted(folder.glob("*.written.json"))
    left = {p.name.removesuffix(".written.json"): _read_json(p) for p in stamps}
    # still checked below against each manifest's PDF and the files
    index = {**on_disk, **{n: v for n, v in left.items() if isinstance(v, dict)}, **(written or {})}
    result: dict[str, list[str | None]] = {}
    new_index: dict[str, Any] = {}
    for manifest in manifests:
        number = manifest.anonymity_number
        n_pages = len(manifest.pages)
        names = [thumb_name(number, i) for i in range(1, n_pages + 1)]
        known = index.get(number) or {}
        fresh = known.get("pdf_sha256") == manifest.pdf_sha256 and known.get("pages") == n_pages
        if fresh and all(_nonempty(outdir / n) for n in names):  # empty: cut short by a crash (not fsynced)
            result[number] = list(names)
            new_index[number] = known
            _remove_extra_thumbs(folder, number, n_pages)  # a copy `fix` made shorter
            continue
        images = pdf_page_images(outdir / manifest.pdf, reduced=True)
        made: list[str | None] = []
        for name, gray in zip(names, images + [None] * (n_pages - len(images)), strict=True):
            if gray is None:
                made.append(None)
                continue
            output.write_bytes_atomic(output.make_thumbnail(gray), outdir / name, durable=False)
            made.append(name)
        _remove_extra_thumbs(folder, number, n_pages)
        result[number] = made
        if all(made):
            new_index[number] = {"pdf_sha256": manifest.pdf_sha256, "pages": n_pages}
    for number in set(index) - set(new_index) - set(result):
        _remove_extra_thumbs(folder, number, 0)
    if new_index != on_disk:
        output.write_json_atomic(dict(sorted(new_index.items())), index_path)
    for stamp in stamps:  # folded into the index
        stamp.unlink(missing_ok=True)
    return result


def _nonempty(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False


def _remove_extra_thumbs(folder: Path, number: str, keep: int) -> None:
    for path in folder.glob(f"{number}_*.jpg"):
        tail = path.stem[len(number) + 1 :]
        if tail.isdigit() and int(tail) > keep:
            path.unlink(missing_ok=True)


def pdf_page_images(pdf_path: Path, reduced: bool = False) -> list[np.ndarray | None]:
    """The one grey image of each page of an anonymat PDF (None for a page that does not decode).

    `reduced` decodes JPEG pages at a quarter of their size: ample for a thumbnail and several times faster.
    """
    import pikepdf

    try:
        pdf = pikepdf.open(pdf_path)
    except (OSError, pikepdf.PdfError):
        return []
    with pdf:
        return [output.decode_page_image(page, reduced) for page in pdf.pages]


# --- page-break crops -----------------------------------------------------------------------------


def has_order_doubt(manifest: Manifest) -> bool:
    """A copy to check whose page order a person should look at: the joins are shown as pictures."""
    if manifest.status == Status.OK or len(manifest.pages) < 2:
        return False
    if manifest.order.method == OrderMethod.MANUAL:
        return False
    kinds = {r.kind for r in manifest.reasons}
    return "order" in kinds or manifest.order.confidence < ORDER_DOUBT_BELOW


def crop_name(number: str, pdf_sha256: str, index: int, end: str) -> str:
    """thumbs/<number>_<sha8>_<i>_<tail|head>.jpg: i counted from 1 in output order."""
    return f"{THUMBS}/{number}_{str(pdf_sha256)[:8]}_{index}_{end}.jpg"


def update_join_crops(outdir: Path, manifests: list[Manifest]) -> dict[str, list[tuple[str, str]]]:
    """For each copy with an order doubt: (start, end) of every page in output order, crops made from
    the output PDF (masked pixels); number -> crop files. The report shows the end of each page beside
    the start of the next, and the copy's first start and last end, so every page end is in view and a
    person can match ends to starts. Crops of other copies are removed."""
    folder = outdir / THUMBS
    folder.mkdir(exist_ok=True)
    result: dict[str, list[tuple[str, str]]] = {}
    for manifest in manifests:
        if not has_order_doubt(manifest):
            continue
        number, sha, pages = (
            manifest.anonymity_number,
            manifest.pdf_sha256,
            manifest.pages,
        )
        ends = [
            (crop_name(number, sha, i, "head"), crop_name(number, sha, i, "tail"))
            for i in range(1, len(pages) + 1)
        ]
        if not all(_nonempty(outdir / name) for pair in ends for name in pair):
            images = pdf_page_images(outdir / manifest.pdf)
            for (head, tail), gray, entry in zip(ends, images, pages, strict=False):
                if gray is None:
                    continue
                output.write_bytes_atomic(line_crop(gray, entry, "head"), outdir / head, durable=False)
                output.write_bytes_atomic(line_crop(gray, entry, "tail"), outdir / tail, durable=False)
        result[number] = ends
    keep = {Path(name).name for pairs in result.values() for pair in pairs for name in pair}
    for path in [*folder.glob("*_tail.jpg"), *folder.glob("*_head.jpg")]:
        if path.name not in keep:
            path.unlink(missing_ok=True)
    return result


def line_crop(gray: np.ndarray, entry: dict[str, Any], end: str) -> bytes:
    """The first ("head") or last ("tail") CROP_LINES written lines of an output page, as a JPEG
    CROP_WIDTH wide; below the masked header. Without lines found: the top or bottom quarter."""
    from anonymat.text.textlines import find_line_bands

    height, width = gray.shape[:2]
    top = 0
    find = gray.copy()
    for x0, y0, x1, y1 in entry.get("masked") or []:
        find[max(0, int(y0)) : int(y1), max(0, int(x0)) : int(x1)] = 255  # a mask is not writing
        if y0 < height / 2:
            top = max(top, int(y1))
    area = find[top:]
    bands = [b for b in find_line_bands(area) if b[3] - b[2] > width * 0.05]  # in `area` pixels
    pad = int(height * 0.008)
    if bands:
        chosen = bands[-CROP_LINES:] if end == "tail" else bands[:CROP_LINES]
        y0, y1 = top + chosen[0][0] - pad, top + chosen[-1][1] + pad
        y0 = max(y0, y1 - int(height * 0.3))  # at most 30 % of the page
    elif end == "tail":
        y0, y1 = int(height * 0.72), int(height * 0.97)
    else:
        y0, y1 = top, top + int(height * 0.25)
    y0, y1 = max(0, y0), min(height, max(y1, y0 + 8))
    x0, x1 = int(width * 0.03), int(width * 0.97)
    piece = gray[y0:y1, x0:x1]
    scale = CROP_WIDTH / piece.shape[1]
    small = cv2.resize(
        piece, (CROP_WIDTH, max(1, round(piece.shape[0] * scale))), interpolation=cv2.INTER_AREA
    )
    return output.encode_jpeg(small, 80)


# --- anonymity boxes ------------------------------------------------------------------------------

NUMBER_WIDTH = 320  # px: the sticker's printed digits read easily


def has_number_doubt(manifest: Manifest) -> bool:
    """A copy to check because a page's barcode did not read: its pages' anonymity boxes are shown."""
    if manifest.status == Status.OK:
        return False
    return any(r.kind == "barcode" for r in manifest.reasons)


def update_number_crops(outdir: Path, manifests: list[Manifest]) -> dict[str, list[str | None]]:
    """For each copy with a barcode doubt: each output page's anonymity box (the `sharp` box, outside
    the identity zone, as printed on the output), so a person compares the numbers; number -> files."""
    result: dict[str, list[str | None]] = {}
    for manifest in manifests:
        if not has_number_doubt(manifest):
            continue
        number, sha, pages = (
            manifest.anonymity_number,
            manifest.pdf_sha256,
            manifest.pages,
        )
        names = [
            crop_name(number, sha, i, "number") if p.get("sharp") else None for i, p in enumerate(pages, 1)
        ]
        if not all(_nonempty(outdir / n) for n in names if n):
            images = pdf_page_images(outdir / manifest.pdf)
            for name, gray, entry in zip(names, images, pages, strict=False):
                if name is None or gray is None:
                    continue
                x0, y0, x1, y1 = (int(v) for v in entry["sharp"][0])
                piece = gray[max(0, y0) : y1, max(0, x0) : x1]
                if piece.size == 0:
                    continue
                height = max(1, round(piece.shape[0] * NUMBER_WIDTH / piece.shape[1]))
                small = cv2.resize(piece, (NUMBER_WIDTH, height), interpolation=cv2.INTER_AREA)
                output.write_bytes_atomic(output.encode_jpeg(small, 85), outdir / name, durable=False)
        result[number] = names
    keep = {Path(n).name for names in result.values() for n in names if n}
    for path in (outdir / THUMBS).glob("*_number.jpg"):
        if path.name not in keep:
            path.unlink(missing_ok=True)
    return result


# --- pages in no PDF ---------------------------------------------------------------------------------

FAIL_CLOSED_BAND = 0.38  # of the page height, at both ends: where the identity header can be, either way up


def write_page_thumbs(outdir: Path, pages: list[PageFacts]) -> None:
    """Thumbnails of dropped blank pages and unassigned pages, so a person sees them: rebuilt from the
    scan and masked like an output page, and when the page has no mask (a page found blank is not
    analysed), with the header band masked at both ends (fail closed). A page that cannot be decoded
    gets none."""
    from anonymat.errors import AnonymatError
    from anonymat.run import pipeline

    (outdir / THUMBS).mkdir(exist_ok=True)
    for p in pages:
        try:
            page, _dpi, _sharp = pipeline.render_output_page(p)
        except (AnonymatError, OSError, ValueError):
            continue
        if not p.masked:
            band = int(page.shape[0] * FAIL_CLOSED_BAND)
            page[:band] = 0
            page[page.shape[0] - band :] = 0
        output.write_bytes_atomic(
            output.make_thumbnail(page), outdir / page_thumb_name(p.source()), durable=False
        )


from anonymat.review.report_html import render_html  # noqa: E402 - the HTML, after the pictures it shows

__all__ = ["pdf_page_images", "render_html", "write_report"]
