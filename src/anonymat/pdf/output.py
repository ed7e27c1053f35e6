"""The anonymized PDF (rebuilt from masked pixels) and atomic writes."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from anonymat import __version__
from anonymat.errors import AnonymatError, ExitCode
from anonymat.messages import t

DEFAULT_JPEG_QUALITY = 40
# A page over this size (at 200 dpi or less; scaled by the area above 200 dpi) is encoded again at a lower
# quality, in steps, down to MIN_CAPPED_QUALITY: a dense page stays as light as the others. Below 200 dpi
# the limit is not scaled down: such pages are small anyway, and their thin barcode bars need the quality.
DEFAULT_MAX_PAGE_KB = 150
MIN_CAPPED_QUALITY = 28
CAP_STEP = 4
PAPER_MARGIN_SIGMAS = 3.0  # how far below the paper's level (in noise sigmas) grey still counts as paper
PAPER_MARGIN_MIN = 8  # grey levels, for very clean scans
RAMP_WIDTH = 24  # grey levels over which faint strokes fade smoothly into white
# Softening stroke edges is what brings a dense handwritten page under the size limit at 200 dpi: after
# whitening, the bytes go to the edges of the writing, not to paper noise, and OCR reads the softened,
# darkened page as well as the scan (bench/legibility.py). The kernel is OpenCV's own (3 sigma): a shorter
# one is faster but OCR read the output worse (bench/resample.py).
SMOOTH_MM = 0.2
DARKEN_GAMMA = 1.6


@dataclass(frozen=True)
class EncodedPage:
    """One output page as the PDF embeds it."""

    jpeg: bytes
    width: int
    height: int
    dpi: float


def encode_output_page(
    gray: np.ndarray,
    dpi: float,
    sharp: Iterable[tuple[int, int, int, int]] = (),
    jpeg_quality: int = DEFAULT_JPEG_QUALITY,
    max_page_kb: int = DEFAULT_MAX_PAGE_KB,
    *,
    clean: bool = True,
    on_page: Callable[[np.ndarray], None] | None = None,
) -> EncodedPage:
    """An upright, masked 8-bit grey page made ready for the PDF. `clean` turns the paper white and
    softens edges by SMOOTH_MM before encoding (a third smaller, same OCR accuracy); `on_page` is given
    the pixels as they are encoded (the report's thumbnails are made from them)."""
    if not 1 <= jpeg_quality <= 100:
        raise ValueError(f"jpeg_quality must be within 1..100, not {jpeg_quality}")
    gray = _check_page(gray, dpi)
    pixels = clean_page(gray, dpi, sharp) if clean else gray
    if on_page is not None:
        on_page(pixels)
    height, width = gray.shape
    return EncodedPage(encode_page(pixels, dpi, jpeg_quality, max_page_kb), width, height, dpi)


def write_copy_pdf(
    pages: Iterable[tuple[Any, ...] | EncodedPage],
    path: Path,
    jpeg_quality: int = DEFAULT_JPEG_QUALITY,
    *,
    clean: bool = True,
    max_page_kb: int = DEFAULT_MAX_PAGE_KB,
) -> str:
    """Write one copy's pages as a PDF; return the file's sha256.

    `pages` are encoded pages, or (upright masked 8-bit grey, dpi[, sharp boxes]) tuples encoded here by
    encode_output_page. They may come from a generator, so a long copy is never all in memory at once.
    """
    data = build_copy_pdf(pages, jpeg_quality, clean=clean, max_page_kb=max_page_kb)
    write_bytes_atomic(data, Path(path))
    return hashlib.sha256(data).hexdigest()


def build_copy_pdf(
    pages: Iterable[tuple[Any, ...] | EncodedPage],
    jpeg_quality: int = DEFAULT_JPEG_QUALITY,
    *,
    clean: bool = True,
    max_page_kb: int = DEFAULT_MAX_PAGE_KB,
) -> bytes:
    """The PDF bytes: one grey JPEG image per page, nothing else; the same pixels give the same bytes."""
    import pikepdf

    if not 1 <= jpeg_quality <= 100:
        raise ValueError(f"jpeg_quality must be within 1..100, not {jpeg_quality}")
    pdf = pikepdf.new()
    for item in pages:
        if not isinstance(item, EncodedPage):
            sharp = item[2] if len(item) > 2 else ()
            item = encode_output_page(item[0], item[1], sharp, jpeg_quality, max_page_kb, clean=clean)
        w_pt, h_pt = _points(item.width, item.dpi), _points(item.height, item.dpi)
        image = pikepdf.Stream(pdf, item.jpeg)
        image.Type = pikepdf.Name.XObject
        image.Subtype = pikepdf.Name.Image
        image.Width, image.Height = item.width, item.height
        image.ColorSpace = pikepdf.Name.DeviceGray
        image.BitsPerComponent = 8
        image.Filter = pikepdf.Name.DCTDecode
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=pikepdf.Array([0, 0, w_pt, h_pt]),
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
            Contents=pikepdf.Stream(pdf, _draw_image(pikepdf, float(w_pt), float(h_pt))),
        )
        pdf.pages.append(pikepdf.Page(page))
    if len(pdf.pages) == 0:
        raise ValueError("a copy needs at least one page")
    pdf.trailer.Info = pdf.make_indirect(
        pikepdf.Dictionary(Producer=pikepdf.String(f"anonymat {__version__}"))
    )
    if "/Metadata" in pdf.Root:
        del pdf.Root.Metadata
    buffer = io.BytesIO()
    pdf.save(
        buffer,
        deterministic_id=True,
        linearize=False,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return buffer.getvalue()


def _check_page(gray: np.ndarray, dpi: float) -> np.ndarray:
    gray = np.asarray(gray)
    if gray.ndim != 2 or gray.dtype != np.uint8 or min(gray.shape) == 0:
        raise ValueError(f"a page must be a non-empty 2-D uint8 array, not {gray.dtype} {gray.shape}")
    if not (np.isfinite(dpi) and dpi > 0):
        raise ValueError(f"a page's dpi must be positive, not {dpi}")
    return np.ascontiguousarray(gray)


def _draw_image(pikepdf: Any, width: float, height: float) -> bytes:
    """The page's content stream: its one image, /Im0, scaled to the whole page (written by pikepdf)."""
    scale = pikepdf.Matrix(width, 0, 0, height, 0, 0)
    return pikepdf.unparse_content_stream(
        [
            ([], pikepdf.Operator("q")),
            (scale.shorthand, pikepdf.Operator("cm")),
            ([pikepdf.Name.Im0], pikepdf.Operator("Do")),
            ([], pikepdf.Operator("Q")),
        ]
    )


def _points(pixels: int, dpi: float) -> Decimal:
    """Size in points with at most 4 decimals, written plainly (595.2, 600; never 6E+2)."""
    text = f"{pixels / dpi * 72.0:.4f}".rstrip("0").rstrip(".")
    return Decimal(text)


def paper_level(gray: np.ndarray) -> tuple[int, float]:
    """The paper's grey level (histogram peak among the light levels) and its noise sigma."""
    # one pixel in 16 (every 4th of every 4th row): a quarter of a million samples on a page, 15x faster
    sample = np.ascontiguousarray(gray[::4, ::4]) if gray.size > 1_000_000 else gray
    hist = cv2.calcHist([sample], [0], None, [256], [0, 256]).ravel().astype(np.float64)
    smooth = np.convolve(hist, np.ones(5) / 5.0, mode="same")
    level = int(np.argmax(smooth[96:])) + 96
    # Nothing is lighter than the paper but its noise: the upper half of the peak gives sigma.
    above = np.arange(level + 1, 256)
    weights = hist[level + 1 :]
    count = weights.sum()
    sigma = float(np.sqrt((weights * (above - level) ** 2).sum() / count)) if count > 0 else 0.0
    return level, sigma


def clean_page(gray: np.ndarray, dpi: float, sharp: Iterable[tuple[int, int, int, int]] = ()) -> np.ndarray:
    """Paper to white, writing kept, stroke edges softened by SMOOTH_MM: what makes JPEG pages small.

    Pure black stays pure black: masked zones are painted 0 and keep crisp edges, so the zone reads as
    one uniform block up to its border (no grey fringe for OCR to make letters of). `sharp` boxes
    (the anonymity barcode) are whitened but not softened, so the barcode still reads on the output.
    """
    lut = paper_lut(gray)
    sigma = SMOOTH_MM / 25.4 * dpi
    # whiten first, then soften: a faint stroke keeps its contrast against pure white paper instead of
    # being blurred into the paper's noise and then whitened away
    whitened = cv2.LUT(gray, lut) if lut is not None else gray
    if sigma >= 0.3:
        # softening lightens thin strokes; a gamma curve (white stays white) gives them their darkness back
        out = cv2.LUT(cv2.GaussianBlur(whitened, (0, 0), sigma), _DARKEN)
    else:
        out = whitened.copy()
    for x0, y0, x1, y1 in sharp:  # the barcode's bars are as narrow as the softening: leave them crisp
        out[y0:y1, x0:x1] = whitened[y0:y1, x0:x1]
    # pure black in the input stays pure black: min with 0 where the input is 0, 255 elsewhere
    return cv2.min(out, cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY)[1])


_DARKEN = np.clip(np.rint(255.0 * (np.arange(256) / 255.0) ** DARKEN_GAMMA), 0, 255).astype(np.uint8)


def whiten_paper(gray: np.ndarray) -> np.ndarray:
    """Map the paper to pure white and stretch the rest, with a smooth ramp so faint strokes survive."""
    lut = paper_lut(gray)
    return gray if lut is None else cv2.LUT(gray, lut)


def paper_lut(gray: np.ndarray) -> np.ndarray | None:
    """The 256-entry table behind whiten_paper; None when no light paper is found (dark or empty image)."""
    level, sigma = paper_level(gray)
    white = level - max(PAPER_MARGIN_MIN, PAPER_MARGIN_SIGMAS * sigma)
    if white <= RAMP_WIDTH:
        return None
    ramp_start = white - RAMP_WIDTH
    levels = np.arange(256, dtype=np.float64)
    # Below the ramp: a linear stretch that keeps ink dark; on the ramp: smoothstep up to white.
    stretched = levels * 255.0 / white
    t = np.clip((levels - ramp_start) / RAMP_WIDTH, 0.0, 1.0)
    eased = t * t * (3.0 - 2.0 * t)
    lut = stretched + (255.0 - stretched) * eased
    return np.clip(np.rint(lut), 0, 255).astype(np.uint8)


def encode_page(gray: np.ndarray, dpi: float, quality: int, max_page_kb: int = DEFAULT_MAX_PAGE_KB) -> bytes:
    """The page's JPEG at `quality`, or at the highest lower quality (in CAP_STEP steps, not below
    MIN_CAPPED_QUALITY) that fits `max_page_kb` (at 200 dpi or less; scaled by the area above; 0: no
    limit). Deterministic: the same pixels and settings give the same bytes."""
    jpeg = encode_jpeg(gray, quality)
    budget = max_page_kb * 1024 * max(1.0, dpi / 200.0) ** 2
    q = quality
    while max_page_kb and len(jpeg) > budget and q > MIN_CAPPED_QUALITY:
        q = max(MIN_CAPPED_QUALITY, q - CAP_STEP)
        jpeg = encode_jpeg(gray, q)
    return jpeg


def encode_jpeg(gray: np.ndarray, quality: int) -> bytes:
    """Baseline grey JPEG with optimised Huffman tables, from pixels (so no EXIF or comment of the input
    survives). Not progressive: barely smaller on whitened pages, and slower to encode and to decode for
    every reader of the PDF (our verification and thumbnails included)."""
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_OPTIMIZE, 1]
    ok, buf = cv2.imencode(".jpg", gray, params)
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


THUMB_WIDTH = 300  # px: the report's page thumbnails
THUMB_QUALITY = 70


def make_thumbnail(gray: np.ndarray) -> bytes:
    """A THUMB_WIDTH-wide grey JPEG made from pixels (no metadata can ride along)."""
    height, width = gray.shape[:2]
    scale = THUMB_WIDTH / width
    while gray.shape[1] >= 2 * THUMB_WIDTH:  # halvings (Gaussian, then every other pixel): 5x cheaper than
        gray = cv2.pyrDown(gray)  # one INTER_AREA over the whole page, and as smooth
    small = cv2.resize(gray, (THUMB_WIDTH, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    return encode_jpeg(small, THUMB_QUALITY)


def decode_page_image(page: Any, reduced: bool = False) -> np.ndarray | None:
    """The one grey image of a page of an anonymat PDF; None when the page holds another number of images
    or it does not decode. `reduced` decodes a JPEG at a quarter of its size (libjpeg's DCT scaling)."""
    import pikepdf

    objs = list(page.get_images().values())
    if len(objs) != 1:
        return None
    try:
        if objs[0].get("/Filter") == pikepdf.Name.DCTDecode:
            raw = np.frombuffer(objs[0].read_raw_bytes(), np.uint8)
            return cv2.imdecode(raw, cv2.IMREAD_REDUCED_GRAYSCALE_4 if reduced else cv2.IMREAD_GRAYSCALE)
        return np.asarray(pikepdf.PdfImage(objs[0]).as_pil_image().convert("L"))
    except (pikepdf.PdfError, ValueError, NotImplementedError):
        return None


def write_json_atomic(data: object, path: Path) -> None:
    """Write JSON (UTF-8, indented, trailing newline) under a temporary name, then rename it."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_bytes_atomic(text.encode("utf-8"), Path(path))


def write_bytes_atomic(data: bytes, path: Path, durable: bool = True) -> None:
    """Write under a temporary name, then rename. `durable` waits until the bytes are on the disk (fsync):
    for the PDFs and manifests; a report thumbnail, remade from its PDF when missing, need not wait (an
    fsync is ~1 ms on a local disk, tens of ms on a network share, and there is one thumbnail per page)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())


_WRITE_ERRNOS = {  # what to do, as catalogue keys (said in the run's language when it happens)
    errno.ENOSPC: "output.disk_full",
    errno.EDQUOT: "output.quota",
    errno.EROFS: "output.read_only",
    errno.EACCES: "output.denied",
    errno.EPERM: "output.denied",
    errno.ENOENT: "output.no_folder",
}


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path next to `path`; renamed onto it on success, deleted on failure."""
    path = Path(path)
    folder = path.parent
    tmp = _reserve_temp(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)  # its own exit code: the batch stops there
            raise AnonymatError(
                t("output.cannot_write", name=path.name, folder=folder, why=t(_WRITE_ERRNOS[exc.errno])),
                ExitCode.DISK_FULL if full else None,
            ) from exc
        raise


_TEMP_NAME = re.compile(r"\..+\.[0-9a-f]{8}\.tmp")


def remove_stale_temps(folder: Path) -> int:
    """Delete the temporary files a killed run left in `folder` (ours only, by their name pattern): a
    finished write renames its temporary file, a failed one deletes it, a killed one cannot."""
    removed = 0
    for path in folder.glob(".*.tmp"):
        if _TEMP_NAME.fullmatch(path.name) and path.is_file():
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


def _reserve_temp(path: Path) -> Path:
    """Create an empty hidden file in the destination folder (umask applies, unlike mkstemp's 0600)."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            key = _WRITE_ERRNOS.get(exc.errno or 0)
            reason = t(key) if key else exc.strerror or str(exc)
            raise AnonymatError(
                t("output.cannot_write", name=path.name, folder=path.parent, why=reason)
            ) from exc
        os.close(fd)
        return tmp
    raise AnonymatError(t("output.no_temp", folder=path.parent))
