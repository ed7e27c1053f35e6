"""One page's pixels: raster files through PIL, PDF pages by extracting the scanner's own image (pikepdf),
else by rendering them (pypdfium2)."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pikepdf
import pypdfium2 as pdfium
from PIL import Image, ImageOps

from anonymat.errors import PageError, Unusable, describe_error, qpdf_reason
from anonymat.messages import t
from anonymat.model import PageRef
from anonymat.tools import quiet_native_stderr

MAX_PIXELS = 120_000_000
MIN_SIDE = 300  # px: anything smaller cannot be a scanned page
RENDER_DPI = 300.0
MAX_RENDER_PIXELS = 35_000_000  # A2 at 300 dpi; bigger pages are rendered at a lower resolution
A4_SHORT_SIDE_IN = 8.27


@dataclass
class PageImage:
    gray: np.ndarray
    dpi: float
    # the page is one scanned image whose data did not decode (empty or damaged stream): these pixels are
    # the renderer's picture of the page without it, so a blank-looking result is a lost page, not a blank
    undecoded: bool = False


# qpdf's warnings about a damaged file reach Python's logging, whose last-resort handler would print them
# on stderr as stray lines: what matters is said once, in the one-line error naming the file
logging.getLogger("pikepdf").addHandler(logging.NullHandler())


def set_pixel_limit() -> None:
    """One pixel limit for PIL; call it in the parent and in every worker."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@contextlib.contextmanager
def quiet_decoders() -> Iterator[None]:
    """Silence PIL's warnings about odd tags and the decoders' own messages: a file that cannot be used is
    reported, once, as our error."""
    with warnings.catch_warnings(), quiet_native_stderr():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def open_image(path: Path | io.BytesIO) -> Image.Image:
    """Image.open with the pixel limit enforced (the warning counts as an error too)."""
    set_pixel_limit()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Unusable(t("file.bomb", n=MAX_PIXELS // 1_000_000)) from exc
    return img


# ---------------------------------------------------------------------------------------------------------
# Decoding one page


def load_page(ref: PageRef) -> PageImage:
    """The page's pixels as 8-bit grey, upright as displayed, and its horizontal resolution."""
    set_pixel_limit()
    where = t("page.where", n=ref.index + 1, file=ref.file)
    try:
        with quiet_decoders():
            if ref.kind == "pdf":
                page = _load_pdf_page(Path(ref.path), ref.index)
            else:
                page = _load_raster(Path(ref.path), ref.index, ref.kind)
    except PageError as exc:
        raise PageError(t("page.error", where=where, error=exc)) from exc
    except Unusable as exc:
        raise PageError(t("page.error", where=where, error=exc)) from exc
    except FileNotFoundError as exc:
        raise PageError(t("page.error", where=where, error=t("page.gone"))) from exc
    except MemoryError as exc:
        raise PageError(t("page.error", where=where, error=t("page.no_memory"))) from exc
    except Exception as exc:
        raise PageError(
            t("page.error", where=where, error=t("page.cannot_decode", error=describe_error(exc)))
        ) from exc
    h, w = page.gray.shape
    if min(h, w) < MIN_SIDE:
        raise PageError(t("page.error", where=where, error=t("page.too_small", w=w, h=h)))
    return page


def _load_raster(path: Path, index: int, kind: str) -> PageImage:
    with open_image(path) as img:
        if index:
            img.seek(index)
        _check_pixels(img.width, img.height)
        fast = _opencv_decode(path, img, kind) if index == 0 else None
        if fast is not None:
            gray, turned = fast
            return PageImage(gray=gray, dpi=_tag_dpi(img.info.get("dpi"), turned, gray.shape))
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


def _opencv_decode(path: Path, img: Image.Image, kind: str) -> tuple[np.ndarray, bool] | None:
    """A grey PNG (any depth: OpenCV scales 1-4 bits to 0-255 as PIL does), or a grey or colour JPEG,
    decoded by OpenCV, upright by its EXIF orientation, and whether that turned it a quarter; None for
    anything else, which PIL decodes.

    The same pixels as PIL's, in a third less time for a JPEG and a quarter less for a PNG (PIL's copy
    into numpy alone takes 9 ms for a 200-dpi page).
    """
    if kind == "png" and img.mode == "L" and "transparency" not in img.info:
        flags = cv2.IMREAD_UNCHANGED
    elif kind == "jpeg" and img.mode in ("L", "RGB", "YCbCr"):
        flags = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION
    else:
        return None
    raw = path.read_bytes()
    if kind == "jpeg" and not raw.rstrip(b"\0\r\n \t").endswith(b"\xff\xd9"):
        return None  # cut short: OpenCV would grey-fill the rest, PIL names the problem
    gray = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), flags)
    if gray is None or gray.dtype != np.uint8 or gray.shape != (img.height, img.width):
        return None  # PIL decodes it, or says why it cannot
    if kind != "jpeg":
        return gray, False
    try:
        orientation = int(img.getexif().get(0x0112, 1))
    except Exception:  # corrupt EXIF: the pixels as stored, as when exif_transpose fails
        orientation = 1
    if 2 <= orientation <= 8:
        return _apply_orientation(gray, orientation), orientation >= 5
    return gray, False


# PDF: one full-page image is extracted as the scanner wrote it; anything else is rendered.

_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_TEXT_SHOW = {"Tj", "TJ", "'", '"'}
_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh"}
_COVER_TOLERANCE = 0.03  # fraction of the page side an image edge may miss the page edge by


def _load_pdf_page(path: Path, index: int) -> PageImage:
    try:
        with pikepdf.open(path) as pdf:
            if not 0 <= index < len(pdf.pages):
                raise Unusable(t("file.pages_changed", n=len(pdf.pages)))
            extracted = _extract_single_image(pdf.pages[index].obj)
    except _Undecodable:
        return dataclasses.replace(_render_pdf_page(path, index), undecoded=True)
    except pikepdf.PasswordError as exc:
        raise Unusable(t("file.encrypted_page")) from exc
    except pikepdf.PdfError as exc:
        raise Unusable(t("file.damaged", why=qpdf_reason(exc, path))) from exc
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
        if _is_damaged(image):
            raise _Undecodable
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


class _Undecodable(Exception):
    """The page is one scanned image covering it, and that image's data cannot be decoded."""


def _is_damaged(image: pikepdf.Stream) -> bool:
    """Whether an image that should have decoded did not (a masked image is left to the renderer)."""
    return not (image.get("/ImageMask") or "/SMask" in image or "/Mask" in image)


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
                with open_image(io.BytesIO(raw)) as header:
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


def decodes_some_page(path: Path, pdf: pikepdf.Pdf) -> bool:
    """Whether some page of an open PDF can be decoded: one page's image extracts (the first found is
    enough), or else the renderer opens the document. For files qpdf had to repair: a truncated file
    often keeps its page tree while the pages' data are gone."""
    for page in pdf.pages:
        try:
            if _extract_single_image(page.obj) is not None:
                return True
        except Exception:  # noqa: BLE001 - a page that does not decode is what is being counted
            continue
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError:
        return False
    try:
        return len(doc) > 0
    finally:
        doc.close()


def _render_pdf_page(path: Path, index: int) -> PageImage:
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise Unusable(t("file.unrenderable", why=describe_error(exc))) from exc
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
                raise Unusable(t("file.page_too_large", w=f"{width_pt / 72:.0f}", h=f"{height_pt / 72:.0f}"))
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
        raise Unusable(t("file.over_limit", w=width, h=height, n=MAX_PIXELS // 1_000_000))


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
