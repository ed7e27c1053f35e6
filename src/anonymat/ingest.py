"""Files -> page references -> page images (pikepdf extraction, pypdfium2 render fallback)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

import cv2
import numpy as np
import pikepdf
import pypdfium2 as pdfium
from PIL import Image, ImageOps

from anonymat.errors import PageError

MAX_PIXELS = 120_000_000
MIN_SIDE = 300  # px: anything smaller cannot be a scanned page
RENDER_DPI = 300.0
MAX_RENDER_PIXELS = 35_000_000  # A2 at 300 dpi; bigger pages are rendered at a lower resolution
A4_SHORT_SIDE_IN = 8.27

SCAN_SUFFIXES = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".jpe", ".png"}
# Raster formats people may try; named so they get a Problem instead of silence.
UNSUPPORTED_SUFFIXES = {".heic", ".heif", ".webp", ".jp2", ".jpx", ".bmp", ".gif", ".djvu"}
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
KIND_NAMES = {"pdf": "PDF", "tiff": "TIFF", "jpeg": "JPEG", "png": "PNG"}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str
    sha256: str
    kind: str
    page_count: int


@dataclass(frozen=True)
class PageRef:
    """One page of one input file; small and picklable, it crosses process boundaries."""

    path: str
    file: str
    index: int
    sha256: str
    kind: str


@dataclass(frozen=True)
class Problem:
    file: str
    error: str


@dataclass
class PageImage:
    gray: np.ndarray
    dpi: float


class _Reject(Exception):
    """A file that cannot be used; its message becomes a Problem."""


def set_pixel_limit() -> None:
    """One pixel limit for PIL; call it in the parent and in every worker."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


# ---------------------------------------------------------------------------------------------------------
# Discovery


def sniff_kind(path: Path) -> str | None:
    """The file's format from its first bytes, never from its name; None when unknown or unreadable."""
    try:
        return _kind_of(_head(path))
    except OSError:
        return None


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(1024)


def _kind_of(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if _PDF_HEADER.search(head):  # readers accept junk before the header, within the first 1 KiB
        return "pdf"
    return None


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key so that page_2 comes before page_10."""
    parts = re.split(r"(\d+)", text.casefold())
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in parts)


def discover(inputs: Sequence[Path]) -> tuple[list[SourceFile], list[Problem]]:
    """Walk the inputs; every usable file becomes a SourceFile, every unusable one a Problem."""
    set_pixel_limit()
    files: list[SourceFile] = []
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()
    for path, display, explicit in _candidates(inputs, problems):
        try:
            st = path.stat()
        except OSError as exc:
            problems.append(Problem(display, f"cannot read file: {_oneline(exc.strerror or str(exc))}"))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        try:
            with _quiet_decoders():
                source = _probe(path, display, explicit, st.st_size)
        except _Reject as exc:
            problems.append(Problem(display, str(exc)))
            continue
        except Exception as exc:  # one strange file never stops the batch
            problems.append(
                Problem(display, f"unreadable file ({_describe(exc)}): check it opens, then rescan")
            )
            continue
        if source is not None:
            files.append(source)
    return files, problems


def _candidates(inputs: Sequence[Path], problems: list[Problem]) -> Iterator[tuple[Path, str, bool]]:
    """(absolute path, display name, given explicitly) for every file, in scan order."""
    for given in inputs:
        given = Path(given)
        shown = PurePath(os.fspath(given)).as_posix()
        if given.is_dir():
            yield from _walk(given, problems)
        elif given.exists():
            yield given.resolve(), shown, True
        else:
            problems.append(Problem(shown, "no such file or folder: check the path"))


def _walk(folder: Path, problems: list[Problem]) -> Iterator[tuple[Path, str, bool]]:
    """Files under `folder`, hidden ones skipped, in natural order; shown relative to the folder's parent."""
    root = folder.resolve()
    name = Path(os.path.abspath(folder)).name

    def shown(path: Path) -> str:
        return (
            PurePath(name, path.relative_to(root)).as_posix() if name else path.relative_to(root).as_posix()
        )

    def on_error(exc: OSError) -> None:
        where = shown(Path(exc.filename)) if exc.filename else name
        problems.append(Problem(where, f"cannot read folder: {_oneline(exc.strerror or str(exc))}"))

    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.extend(Path(dirpath, f) for f in filenames if not f.startswith("."))
    found.sort(key=lambda p: tuple(natural_key(part) for part in p.relative_to(root).parts))
    for path in found:
        yield path, shown(path), False


def _probe(path: Path, display: str, explicit: bool, size: int) -> SourceFile | None:
    if not path.is_file():
        if explicit:
            raise _Reject("not a regular file: give a PDF, TIFF, JPEG or PNG file")
        return None
    suffix = path.suffix.lower()
    if size == 0:
        if explicit or suffix in SCAN_SUFFIXES:
            raise _Reject("empty file (0 bytes): copy or export it again")
        return None
    try:
        kind = _kind_of(_head(path))
    except OSError as exc:
        raise _Reject(f"cannot read file: {_oneline(exc.strerror or str(exc))}") from exc
    if kind is None:
        if suffix in SCAN_SUFFIXES:
            raise _Reject(
                f"named {suffix} but its content is not a PDF, TIFF, JPEG or PNG: export the scan again"
            )
        if suffix in UNSUPPORTED_SUFFIXES:
            raise _Reject(f"{suffix[1:].upper()} is not supported: convert it to PDF, TIFF, PNG or JPEG")
        if explicit:
            raise _Reject("not a PDF, TIFF, JPEG or PNG file (recognised by content): give a scanned copy")
        return None
    page_count = _count_pdf_pages(path) if kind == "pdf" else _count_raster_frames(path, kind)
    return SourceFile(path=path, display=display, sha256=_sha256_file(path), kind=kind, page_count=page_count)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _count_pdf_pages(path: Path) -> int:
    try:
        with pikepdf.open(path) as pdf:
            count = len(pdf.pages)
            if pdf.get_warnings():
                # qpdf repaired the file: accept it only if every page's streams can still be read.
                for page in pdf.pages:
                    _read_page_streams(page.obj)
    except pikepdf.PasswordError as exc:
        raise _Reject(
            "encrypted PDF: remove the password first "
            "(qpdf --decrypt --password=... in.pdf out.pdf) and run again"
        ) from exc
    except (pikepdf.PdfError, pikepdf.DataDecodingError, pikepdf.ForeignObjectError) as exc:
        raise _Reject(f"damaged PDF ({_qpdf_reason(exc, path)}): export or scan it again") from exc
    if count == 0:
        raise _Reject("PDF has no pages: export or scan it again")
    return count


def _read_page_streams(page: pikepdf.Object) -> None:
    """Raise if the page's content or image streams cannot be read (truncated or corrupt file)."""
    contents = page.get("/Contents")
    for stream in contents if isinstance(contents, pikepdf.Array) else [contents]:
        if isinstance(stream, pikepdf.Stream):
            stream.read_raw_bytes()
    resources = page.get("/Resources")
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if isinstance(xobjects, pikepdf.Dictionary):
        for name in list(xobjects.keys()):
            obj = xobjects[name]
            if isinstance(obj, pikepdf.Stream):
                obj.read_raw_bytes()


def _count_raster_frames(path: Path, kind: str) -> int:
    try:
        with _open_pil(path) as img:
            count = getattr(img, "n_frames", 1) if kind == "tiff" else 1
    except _Reject:
        raise
    except Exception as exc:
        raise _Reject(f"unreadable {KIND_NAMES[kind]} ({_describe(exc)}): export or scan it again") from exc
    if count < 1:
        raise _Reject(f"{KIND_NAMES[kind]} has no image: export or scan it again")
    return count


@contextlib.contextmanager
def _quiet_decoders() -> Iterator[None]:
    """Silence PIL's warnings about odd tags: a file that cannot be used is reported, once, as our error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _open_pil(path: Path | io.BytesIO) -> Image.Image:
    """Image.open with the pixel limit enforced (the warning counts as an error too)."""
    set_pixel_limit()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _Reject(
            f"image declares more than {MAX_PIXELS // 1_000_000} million pixels (decompression bomb?): "
            "rescan at 300 dpi"
        ) from exc
    return img


def page_refs(files: Sequence[SourceFile]) -> list[PageRef]:
    """Every page of every file, in scan order."""
    return [
        PageRef(path=str(f.path), file=f.display, index=i, sha256=f.sha256, kind=f.kind)
        for f in files
        for i in range(f.page_count)
    ]


# ---------------------------------------------------------------------------------------------------------
# Decoding one page


def load_page(ref: PageRef) -> PageImage:
    """The page's pixels as 8-bit grey, upright as displayed, and its horizontal resolution."""
    set_pixel_limit()
    where = f"page {ref.index + 1} of {ref.file}"
    try:
        with _quiet_decoders():
            if ref.kind == "pdf":
                page = _load_pdf_page(Path(ref.path), ref.index)
            else:
                page = _load_raster(Path(ref.path), ref.index, ref.kind)
    except PageError as exc:
        raise PageError(f"{where}: {exc}") from exc
    except _Reject as exc:
        raise PageError(f"{where}: {exc}") from exc
    except FileNotFoundError as exc:
        raise PageError(f"{where}: the file has disappeared since the batch started") from exc
    except MemoryError as exc:
        raise PageError(f"{where}: not enough memory to decode it: run with fewer --jobs") from exc
    except Exception as exc:
        raise PageError(f"{where}: cannot decode it ({_describe(exc)}): rescan or export it again") from exc
    h, w = page.gray.shape
    if min(h, w) < MIN_SIDE:
        raise PageError(f"{where}: image too small to be a scanned page ({w}x{h} px): scan at 200-300 dpi")
    return page


def _load_raster(path: Path, index: int, kind: str) -> PageImage:
    with _open_pil(path) as img:
        if index:
            img.seek(index)
        _check_pixels(img.width, img.height)
        orientation = _tiff_orientation(img) if kind == "tiff" else None
        if kind == "jpeg" and img.mode in ("RGB", "YCbCr"):
            img.draft("L", img.size)  # libjpeg converts to grey itself, faster than converting after
        dpi_tag = img.info.get("dpi")
        img.load()
        if kind == "tiff":
            gray = to_gray(img)
            # Recent Pillow applies the TIFF orientation while loading and drops the tag; older ones did not.
            if orientation and _tiff_orientation(img) == orientation:
                gray = _apply_orientation(gray, orientation)
            turned = bool(orientation and orientation >= 5)
        else:
            try:
                upright = ImageOps.exif_transpose(img)
            except Exception:  # corrupt EXIF: keep the pixels as stored, later stages find the orientation
                upright = img
            turned = upright.size != img.size
            gray = to_gray(upright)
    dpi = _tag_dpi(dpi_tag, turned, gray.shape)
    return PageImage(gray=gray, dpi=dpi)


# PDF: one full-page image is extracted as the scanner wrote it; anything else is rendered.

_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_TEXT_SHOW = {"Tj", "TJ", "'", '"'}
_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh"}
_COVER_TOLERANCE = 0.03  # fraction of the page side an image edge may miss the page edge by


def _load_pdf_page(path: Path, index: int) -> PageImage:
    try:
        with pikepdf.open(path) as pdf:
            if not 0 <= index < len(pdf.pages):
                raise _Reject(f"the PDF has only {len(pdf.pages)} pages now: was it changed during the run?")
            extracted = _extract_single_image(pdf.pages[index].obj)
    except pikepdf.PasswordError as exc:
        raise _Reject("encrypted PDF: remove the password first and run again") from exc
    except pikepdf.PdfError as exc:
        raise _Reject(f"damaged PDF ({_qpdf_reason(exc, path)}): export or scan it again") from exc
    return extracted if extracted is not None else _render_pdf_page(path, index)


def _extract_single_image(page: pikepdf.Object) -> PageImage | None:
    """The page's pixels when the page is exactly one image covering it, else None."""
    try:
        box = _page_box(page)
        rotate_obj = _inherited(page, "/Rotate")
        rotate = int(rotate_obj) % 360 if rotate_obj is not None else 0
        unit = float(page.get("/UserUnit", 1))
        found: list[tuple[pikepdf.Stream, tuple[float, ...]]] = []
        resources = _inherited(page, "/Resources")
        if not _collect_images(page, resources, _IDENTITY, 0, found) or len(found) != 1:
            return None
    except (pikepdf.PdfError, KeyError, ValueError, TypeError, AttributeError, IndexError):
        return None
    if rotate % 90 or box is None or unit <= 0:
        return None
    image, (a, b, c, d, e, f) = found[0]
    if not (abs(b) < 1e-6 * abs(a) and abs(c) < 1e-6 * abs(d)) and not (
        abs(a) < 1e-6 * abs(b) and abs(d) < 1e-6 * abs(c)
    ):
        return None  # skewed or sheared placement: let the renderer resample it
    xs = (e, e + a, e + c, e + a + c)
    ys = (f, f + b, f + d, f + b + d)
    x0, y0, x1, y1 = box
    pw, ph = x1 - x0, y1 - y0
    tol_x, tol_y = _COVER_TOLERANCE * pw, _COVER_TOLERANCE * ph
    if not (
        abs(min(xs) - x0) <= tol_x
        and abs(max(xs) - x1) <= tol_x
        and abs(min(ys) - y0) <= tol_y
        and abs(max(ys) - y1) <= tol_y
    ):
        return None
    gray = _decode_pdf_image(image)
    if gray is None:
        return None
    # Image space: first row at the top. Follow the matrix to put rows and columns where they are shown.
    if abs(a) >= abs(b):
        out = gray[:, ::-1] if a < 0 else gray
        out = out[::-1, :] if d < 0 else out
    else:
        out = gray.T
        out = out[::-1, :] if b > 0 else out
        out = out[:, ::-1] if c > 0 else out
    dpi_x = out.shape[1] * 72.0 / ((max(xs) - min(xs)) * unit)
    dpi_y = out.shape[0] * 72.0 / ((max(ys) - min(ys)) * unit)
    if rotate:
        out = np.rot90(out, -(rotate // 90))
        if rotate in (90, 270):
            dpi_x = dpi_y
    return PageImage(gray=np.ascontiguousarray(out), dpi=float(dpi_x))


def _inherited(page: pikepdf.Object, key: str) -> pikepdf.Object | None:
    """A page attribute, looked up through the page tree as PDF inheritance wants."""
    node: pikepdf.Object | None = page
    for _ in range(32):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        value = node.get(key)
        if value is not None:
            return value
        node = node.get("/Parent")
    return None


def _page_box(page: pikepdf.Object) -> tuple[float, float, float, float] | None:
    media = _inherited(page, "/MediaBox")
    crop = _inherited(page, "/CropBox")
    boxes = [[float(v) for v in box] for box in (media, crop) if box is not None and len(box) == 4]
    if not boxes:
        return None
    rects = [(min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])) for b in boxes]
    x0, y0 = max(r[0] for r in rects), max(r[1] for r in rects)
    x1, y1 = min(r[2] for r in rects), min(r[3] for r in rects)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _mul(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix m applied before n (PDF row-vector convention)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _collect_images(
    owner: pikepdf.Object,
    resources: pikepdf.Object | None,
    ctm: tuple[float, ...],
    depth: int,
    found: list[tuple[pikepdf.Stream, tuple[float, ...]]],
) -> bool:
    """Append (image, matrix) for each image drawn; False as soon as anything else is painted."""
    stack: list[tuple[tuple[float, ...], int]] = []
    text_mode = 0
    for inst in pikepdf.parse_content_stream(owner):
        if isinstance(inst, pikepdf.ContentStreamInlineImage):
            return False
        op, operands = str(inst.operator), inst.operands
        if op == "q":
            stack.append((ctm, text_mode))
        elif op == "Q" and stack:
            ctm, text_mode = stack.pop()
        elif op == "cm" and len(operands) == 6:
            ctm = _mul(tuple(float(v) for v in operands), ctm)
        elif op == "Tr" and operands:
            text_mode = int(operands[0])
        elif op in _TEXT_SHOW and text_mode not in (3, 7):  # mode 3: an invisible OCR layer is fine
            return False
        elif op in _PAINT:
            return False
        elif op == "Do":
            xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
            xobj = xobjects.get(str(operands[0])) if isinstance(xobjects, pikepdf.Dictionary) else None
            if not isinstance(xobj, pikepdf.Stream):
                return False
            subtype = xobj.get("/Subtype")
            if subtype == "/Image":
                found.append((xobj, ctm))
            elif subtype == "/Form" and depth < 4:
                matrix = tuple(float(v) for v in xobj.get("/Matrix", _IDENTITY))
                inner = xobj.get("/Resources", resources)
                if not _collect_images(xobj, inner, _mul(matrix, ctm), depth + 1, found):
                    return False
            else:
                return False
        if len(found) > 1:
            return False
    return True


def _decode_pdf_image(image: pikepdf.Stream) -> np.ndarray | None:
    """8-bit grey pixels of a PDF image XObject, or None to let the renderer deal with it."""
    width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
    if width <= 0 or height <= 0:
        return None
    _check_pixels(width, height)
    if image.get("/ImageMask") or "/SMask" in image or "/Mask" in image:
        return None
    filter_obj = image.get("/Filter")
    filters = list(filter_obj) if isinstance(filter_obj, pikepdf.Array) else [filter_obj]
    colorspace = image.get("/ColorSpace")
    if filters == [pikepdf.Name.DCTDecode] and "/Decode" not in image and _components(colorspace) in (1, 3):
        raw = image.read_raw_bytes()
        if raw.rstrip(b"\0\r\n \t").endswith(b"\xff\xd9"):  # cv2 would silently grey-fill a truncated JPEG
            try:
                with _open_pil(io.BytesIO(raw)) as header:
                    same = header.size == (width, height) and header.mode in ("L", "RGB", "YCbCr")
            except (OSError, SyntaxError, ValueError):
                same = False
            if same:
                flags = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION
                gray = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), flags)
                if gray is not None and gray.shape == (height, width):
                    return gray
    try:
        pil = pikepdf.PdfImage(image).as_pil_image()
        pil.load()
        gray = to_gray(pil)
    except Exception:
        return None
    return gray if gray.shape == (height, width) else None


def _components(colorspace: pikepdf.Object | None) -> int:
    """Number of colour components of a PDF colour space, 0 when unknown."""
    names = {"/DeviceGray": 1, "/CalGray": 1, "/DeviceRGB": 3, "/CalRGB": 3, "/DeviceCMYK": 4}
    if isinstance(colorspace, pikepdf.Name):
        return names.get(str(colorspace), 0)
    if isinstance(colorspace, pikepdf.Array) and len(colorspace) >= 2:
        family = str(colorspace[0])
        if family in names:
            return names[family]
        if family == "/ICCBased" and isinstance(colorspace[1], pikepdf.Stream):
            return int(colorspace[1].get("/N", 0))
    return 0


def _render_pdf_page(path: Path, index: int) -> PageImage:
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _Reject(f"PDF cannot be rendered ({_describe(exc)}): export or scan it again") from exc
    try:
        page = doc[index]
        width_pt, height_pt = page.get_size()
        dpi = RENDER_DPI
        area_in2 = (width_pt / 72.0) * (height_pt / 72.0)
        if (
            area_in2 * dpi * dpi > MAX_RENDER_PIXELS
        ):  # larger than A2: render coarser to bound time and memory
            dpi = (MAX_RENDER_PIXELS / area_in2) ** 0.5
            if dpi < 72:
                raise _Reject(
                    f"page of {width_pt / 72:.0f}x{height_pt / 72:.0f} in is far larger than an exam page: "
                    "check the PDF's page size"
                )
        bitmap = page.render(scale=dpi / 72.0, grayscale=True)
        gray = np.array(bitmap.to_numpy(), dtype=np.uint8)
        if gray.ndim == 3:
            gray = gray[:, :, 0] if gray.shape[2] == 1 else _bgr_to_gray(gray)
        return PageImage(gray=np.ascontiguousarray(gray), dpi=dpi)
    finally:
        doc.close()


def _bgr_to_gray(bgr: np.ndarray) -> np.ndarray:
    code = cv2.COLOR_BGRA2GRAY if bgr.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(bgr, code)


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise _Reject(
            f"image of {width}x{height} px is over the {MAX_PIXELS // 1_000_000} million pixel limit "
            "(decompression bomb?): rescan at 300 dpi"
        )


def _tiff_orientation(img: Image.Image) -> int | None:
    tags = getattr(img, "tag_v2", None)
    value = tags.get(274) if tags is not None else None
    return int(value) if isinstance(value, int) and 2 <= value <= 8 else None


def _apply_orientation(gray: np.ndarray, orientation: int) -> np.ndarray:
    """The transforms of PIL.ImageOps.exif_transpose, on a numpy array."""
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: a.T,
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a.T[::-1, ::-1],
        8: lambda a: np.rot90(a, 1),
    }
    return np.ascontiguousarray(ops[orientation](gray))


def _tag_dpi(dpi_tag: object, turned: bool, shape: tuple[int, ...]) -> float:
    """Horizontal dpi from the file's tag when it is plausible for a page, else assume A4 width."""
    h, w = shape[:2]
    fallback = min(h, w) / A4_SHORT_SIDE_IN
    try:
        xdpi, ydpi = (float(v) for v in dpi_tag)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return fallback
    dpi = ydpi if turned else xdpi
    if not (np.isfinite(dpi) and dpi > 0):
        return fallback
    short_in = min(h, w) / dpi
    # 72, 96 or 1 dpi are common placeholders that make a page far too large; A3's short side is 11.7 in.
    return dpi if 2.0 <= short_in <= 13.0 else fallback


def to_gray(img: Image.Image) -> np.ndarray:
    """Any PIL mode -> 2-D uint8 grey; 16-bit scaled down, transparency composited on white."""
    mode = img.mode
    if mode == "L":
        return np.asarray(img, dtype=np.uint8).copy()
    if mode == "1":
        return np.asarray(img.convert("L"), dtype=np.uint8).copy()
    if mode.startswith("I;16") or mode in ("I", "F"):
        arr = np.asarray(img)
        if mode == "F":
            arr = np.nan_to_num(arr.astype(np.float64))
            top = float(arr.max()) if arr.size else 0.0
            scale = 255.0 if top <= 1.0 else (255.0 / 65535.0 if top > 255.0 else 1.0)
            return np.clip(arr * scale, 0, 255).astype(np.uint8)
        arr = arr.astype(np.int64)
        if mode.startswith("I;16") or int(arr.max(initial=0)) > 255:
            arr = arr >> 8
        return np.clip(arr, 0, 255).astype(np.uint8)
    if mode == "P" and "transparency" in img.info:
        img, mode = img.convert("RGBA"), "RGBA"
    if mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        rgba = img.convert("RGBA")
        rgb = np.asarray(rgba.convert("RGB").convert("L"), dtype=np.float32)
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
        return np.clip(rgb * alpha + 255.0 * (1.0 - alpha) + 0.5, 0, 255).astype(np.uint8)
    try:
        return np.asarray(img.convert("L"), dtype=np.uint8).copy()
    except ValueError:
        return np.asarray(img.convert("RGB").convert("L"), dtype=np.uint8).copy()


def _qpdf_reason(exc: BaseException, path: Path) -> str:
    """qpdf's message without the file name it starts with (the Problem already names the file)."""
    text = _oneline(str(exc), limit=400)
    for prefix in (f"{path}: ", f"{path.resolve()}: "):
        text = text.replace(prefix, "")
    return _oneline(text) or type(exc).__name__


def _describe(exc: BaseException) -> str:
    text = _oneline(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _oneline(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
