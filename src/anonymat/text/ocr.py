"""The one adapter around tesseract: gray numpy image in, text lines out.

tesserocr (in-process, model loaded once per process and per (lang, psm)) is preferred; pytesseract (the
CLI) is the fallback when tesserocr cannot be imported. Library errors become `PageError` /
`MissingDependencyError` here and nowhere else.

Timeouts: tesserocr's `Recognize(timeout=ms)` stops recognition at the deadline (tesseract's own monitor,
in-process, no thread or subprocess); pytesseract kills the CLI. Either way a timeout costs one page
(`PageError`), not the batch.

`OcrEngine` is what the callers that take an engine use of this module (roster, verify, the header
reading); `TESSERACT` is the real one and the default everywhere. Tests give a fake
(tests/support/fake_ocr.py) to script what is read.
"""

from __future__ import annotations

import os

os.environ.setdefault(
    "OMP_THREAD_LIMIT", "1"
)  # must be set before tesseract is loaded (3.7x slower otherwise)

import shlex  # noqa: E402
import threading  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any, Protocol  # noqa: E402

import numpy as np  # noqa: E402

from anonymat.errors import MissingDependencyError, PageError  # noqa: E402
from anonymat.messages import t  # noqa: E402
from anonymat.tools import has_language, quiet_native_stderr, tessdata_dir  # noqa: E402

try:  # noqa: SIM105
    import tesserocr
except ImportError:  # the wheel is missing or broken: use the CLI through pytesseract
    tesserocr = None

SOURCE_DPI = 300
_APIS: dict[tuple[str, int, str | None], Any] = {}
_LOCK = threading.Lock()  # one tesseract handle is not thread-safe; processes each get their own


@dataclass(frozen=True)
class OcrLine:
    text: str
    top: int  # pixel y of the line box in the given image
    left: int
    conf: float  # 0..100 as tesseract reports it


@dataclass(frozen=True)
class OcrWord:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the given image
    conf: float  # 0..100 as tesseract reports it


class OcrEngine(Protocol):
    """Gray image in, text out: what a caller needs of an OCR engine (see the module functions)."""

    def ocr_lines(
        self, gray: np.ndarray, psm: int = 6, lang: str = "fra", timeout_s: float = 20.0
    ) -> list[OcrLine]: ...

    def ocr_words(
        self, gray: np.ndarray, psm: int = 11, lang: str = "fra", timeout_s: float = 20.0
    ) -> list[OcrWord]: ...

    def ocr_text(
        self,
        gray: np.ndarray,
        psm: int = 6,
        lang: str = "fra",
        whitelist: str | None = None,
        timeout_s: float = 20.0,
    ) -> str: ...


class Tesseract:
    """The real engine: this module's functions, unchanged."""

    def ocr_lines(
        self, gray: np.ndarray, psm: int = 6, lang: str = "fra", timeout_s: float = 20.0
    ) -> list[OcrLine]:
        """See the module's `ocr_lines`."""
        return ocr_lines(gray, psm=psm, lang=lang, timeout_s=timeout_s)

    def ocr_words(
        self, gray: np.ndarray, psm: int = 11, lang: str = "fra", timeout_s: float = 20.0
    ) -> list[OcrWord]:
        """See the module's `ocr_words`."""
        return ocr_words(gray, psm=psm, lang=lang, timeout_s=timeout_s)

    def ocr_text(
        self,
        gray: np.ndarray,
        psm: int = 6,
        lang: str = "fra",
        whitelist: str | None = None,
        timeout_s: float = 20.0,
    ) -> str:
        """See the module's `ocr_text`."""
        return ocr_text(gray, psm=psm, lang=lang, whitelist=whitelist, timeout_s=timeout_s)


def ocr_lines(gray: np.ndarray, psm: int = 6, lang: str = "fra", timeout_s: float = 20.0) -> list[OcrLine]:
    """Text lines of `gray` (2-D uint8), top to bottom, with their boxes; empty lines are dropped."""
    image = _as_gray_u8(gray)
    if image.size == 0:
        return []
    if tesserocr is not None:
        return _tesserocr_lines(image, psm, lang, timeout_s)
    return _pytesseract_lines(image, psm, lang, timeout_s)


def ocr_words(gray: np.ndarray, psm: int = 11, lang: str = "fra", timeout_s: float = 20.0) -> list[OcrWord]:
    """Words of `gray` (2-D uint8) with their boxes, in tesseract's reading order; empty words dropped."""
    image = _as_gray_u8(gray)
    if image.size == 0:
        return []
    if tesserocr is not None:
        return _tesserocr_words(image, psm, lang, timeout_s)
    return _pytesseract_words(image, psm, lang, timeout_s)


def ocr_text(
    gray: np.ndarray, psm: int = 6, lang: str = "fra", whitelist: str | None = None, timeout_s: float = 20.0
) -> str:
    """Plain text of `gray`; `whitelist` restricts the characters tesseract may output."""
    image = _as_gray_u8(gray)
    if image.size == 0:
        return ""
    if tesserocr is not None:
        with _LOCK:
            api = _api(lang, psm, whitelist)
            _recognize(api, image, timeout_s)
            return _checked(api.GetUTF8Text)
    config = f"--psm {psm} --oem 1 -c tessedit_do_invert=0"
    if whitelist:
        config += (
            f" -c tessedit_char_whitelist={shlex.quote(whitelist)}"  # pytesseract splits it as a shell would
        )
    return str(_call_pytesseract("image_to_string", image, lang, config, timeout_s))


TESSERACT: OcrEngine = Tesseract()


# --- tesserocr ------------------------------------------------------------------------------------


def _api(lang: str, psm: int, whitelist: str | None = None) -> Any:
    key = (lang, psm, whitelist)
    api = _APIS.get(key)
    if api is not None:
        return api
    folder = tessdata_dir()
    if folder is None or not has_language(lang):
        raise MissingDependencyError(t("ocr.no_language", lang=lang))
    try:
        api = tesserocr.PyTessBaseAPI(path=str(folder), lang=lang, psm=psm, oem=tesserocr.OEM.LSTM_ONLY)
    except RuntimeError as exc:
        raise MissingDependencyError(t("ocr.cannot_load", lang=lang, folder=folder, error=exc)) from exc
    # Tesseract 5 reads every low-confidence word a second time with black and white swapped:
    # most handwriting is low-confidence, and these pages hold no inverted text. Off: 5 % less OCR time
    # on the ordering text, the same words (measured on 34 generated pages).
    api.SetVariable("tessedit_do_invert", "0")
    if whitelist:
        api.SetVariable("tessedit_char_whitelist", whitelist)
    _APIS[key] = api
    return api


def _recognize(api: Any, image: np.ndarray, timeout_s: float) -> None:
    height, width = image.shape
    try:
        api.SetImageBytes(image.tobytes(), width, height, 1, width)
        api.SetSourceResolution(SOURCE_DPI)
        with quiet_native_stderr():  # leptonica's messages about harmless empty regions
            done = api.Recognize(timeout=max(1, int(timeout_s * 1000)))
    except RuntimeError as exc:
        raise PageError(t("ocr.failed", error=exc)) from exc
    if not done:
        raise PageError(t("ocr.timeout", seconds=timeout_s))


def _checked(getter: Any, *args: Any) -> str:
    """Text from a tesserocr getter; tesserocr raises RuntimeError("No text returned") for empty results."""
    try:
        return str(getter(*args) or "")
    except RuntimeError:
        return ""


def _tesserocr_items(
    image: np.ndarray, psm: int, lang: str, timeout_s: float, level: Any
) -> list[tuple[str, tuple[int, int, int, int], float]]:
    """(text, x0 y0 x1 y1, confidence) of every non-empty item tesseract finds at `level`."""
    items = []
    with _LOCK:
        api = _api(lang, psm)
        _recognize(api, image, timeout_s)
        iterator = api.GetIterator()
        if iterator is None:
            return []
        for item in tesserocr.iterate_level(iterator, level):
            text = _checked(item.GetUTF8Text, level).strip()
            box = item.BoundingBox(level)
            if text and box is not None:
                x0, y0, x1, y1 = (int(v) for v in box)
                items.append((text, (x0, y0, x1, y1), float(item.Confidence(level))))
    return items


def _tesserocr_lines(image: np.ndarray, psm: int, lang: str, timeout_s: float) -> list[OcrLine]:
    items = _tesserocr_items(image, psm, lang, timeout_s, tesserocr.RIL.TEXTLINE)
    lines = [OcrLine(text, box[1], box[0], conf) for text, box, conf in items]
    lines.sort(key=lambda line: (line.top, line.left))
    return lines


def _tesserocr_words(image: np.ndarray, psm: int, lang: str, timeout_s: float) -> list[OcrWord]:
    items = _tesserocr_items(image, psm, lang, timeout_s, tesserocr.RIL.WORD)
    return [OcrWord(text, box, conf) for text, box, conf in items]


# --- pytesseract fallback -------------------------------------------------------------------------


def _call_pytesseract(function: str, image: np.ndarray, lang: str, config: str, timeout_s: float) -> Any:
    try:
        import pytesseract
        from PIL import Image
    except ImportError as exc:
        raise MissingDependencyError(t("ocr.no_library")) from exc
    if not has_language(lang):
        raise MissingDependencyError(t("ocr.no_language", lang=lang))
    pil = Image.fromarray(image)
    pil.format = "BMP"  # pytesseract would PNG-encode the page otherwise (about 1 s per page)
    kwargs: dict[str, Any] = {"lang": lang, "config": config, "timeout": timeout_s}
    if function == "image_to_data":
        kwargs["output_type"] = pytesseract.Output.DICT
    try:
        return getattr(pytesseract, function)(pil, **kwargs)
    except pytesseract.TesseractNotFoundError as exc:
        raise MissingDependencyError(t("ocr.no_program")) from exc
    except pytesseract.TesseractError as exc:
        raise PageError(t("ocr.failed", error=exc.message)) from exc
    except RuntimeError as exc:  # pytesseract's bare RuntimeError on timeout
        raise PageError(t("ocr.timeout", seconds=timeout_s)) from exc


def _pytesseract_lines(image: np.ndarray, psm: int, lang: str, timeout_s: float) -> list[OcrLine]:
    data = _call_pytesseract(
        "image_to_data", image, lang, f"--psm {psm} --oem 1 -c tessedit_do_invert=0", timeout_s
    )
    grouped: dict[tuple[int, int, int], list[int]] = {}
    for index, word in enumerate(data["text"]):
        if str(word).strip():
            key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
            grouped.setdefault(key, []).append(index)
    lines = []
    for indices in grouped.values():
        text = " ".join(str(data["text"][i]).strip() for i in indices)
        confs = [float(data["conf"][i]) for i in indices if float(data["conf"][i]) >= 0]
        top = min(int(data["top"][i]) for i in indices)
        left = min(int(data["left"][i]) for i in indices)
        lines.append(OcrLine(text, top, left, sum(confs) / len(confs) if confs else 0.0))
    lines.sort(key=lambda line: (line.top, line.left))
    return lines


def _pytesseract_words(image: np.ndarray, psm: int, lang: str, timeout_s: float) -> list[OcrWord]:
    data = _call_pytesseract(
        "image_to_data", image, lang, f"--psm {psm} --oem 1 -c tessedit_do_invert=0", timeout_s
    )
    words = []
    for i, word in enumerate(data["text"]):
        text = str(word).strip()
        if text:
            x0, y0 = int(data["left"][i]), int(data["top"][i])
            box = (x0, y0, x0 + int(data["width"][i]), y0 + int(data["height"][i]))
            words.append(OcrWord(text, box, max(0.0, float(data["conf"][i]))))
    return words


def _as_gray_u8(gray: np.ndarray) -> np.ndarray:
    image = np.asarray(gray)
    if image.ndim == 3:  # tolerate an RGB array: average the channels
        image = image.mean(axis=2)
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)
