"""Reading handwritten line pieces: one small protocol, one adapter per engine.

The written lines are found and cut by `textlines` (bands of ink); a reader turns the cut pieces into text.

- `RapidReader`: rapidocr's bundled PP-OCRv6 small recognition model (ONNX, in the rapidocr wheel; the
  detection and orientation models are not used: the pieces are already single lines). One onnxruntime
  thread per process, since pages are read in parallel worker processes. Nothing is downloaded: the model
  path is the wheel's own file, checked before the engine is built.
- `TesseractReader`: tesseract (`ocr.ocr_lines`), all pieces in one call over a mosaic.

Printed text (header labels, printed digits) is read by `ocr` with tesseract, not here.
`reader()` gives the process's reader: `ANONYMAT_READER=tesseract|rapidocr` chooses, else rapidocr when it
is installed (measured: bench/evaluate_real.py --lines), else tesseract.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from anonymat.errors import MissingDependencyError, PageError
from anonymat.messages import t

RAPID_MODEL = "PP-OCRv6_rec_small.onnx"
ENGINES = ("rapidocr", "tesseract")


class LineReader(Protocol):
    """Text of each image of written line pieces (2-D uint8, paper white), in the same order."""

    name: str

    def read(self, pieces: Sequence[np.ndarray]) -> list[str]: ...


def mosaic_read(
    pieces: Sequence[np.ndarray], pad: int, scale: float, ocr_lines: Callable[..., Any]
) -> list[str]:
    """Pieces stacked in one white image, read by one `ocr_lines` call; the text of each piece."""
    if not pieces:
        return []
    rows, y = [], 0
    for piece in pieces:
        rows.append((y, y + piece.shape[0]))
        y += piece.shape[0] + 2 * pad
    mosaic = np.full((y, max(p.shape[1] for p in pieces) + 2 * pad), 255, np.uint8)
    for piece, (top, bottom) in zip(pieces, rows, strict=True):
        mosaic[top:bottom, pad : pad + piece.shape[1]] = piece
    if scale < 1.0:
        import cv2

        mosaic = cv2.resize(mosaic, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    texts = [""] * len(pieces)
    for line in ocr_lines(mosaic, psm=6):
        middle = line.top / scale + pad
        for index, (top, bottom) in enumerate(rows):
            if top - pad <= middle < bottom + pad:
                texts[index] = (texts[index] + " " + line.text).strip()
                break
    return texts


class TesseractReader:
    """tesseract (fra, psm 6) over a mosaic of the pieces, scaled to about `band_px` pixel-high lines."""

    name = "tesseract"

    def __init__(self, band_px: float = 34.0) -> None:
        self.band_px = band_px

    def read(self, pieces: Sequence[np.ndarray]) -> list[str]:
        from anonymat.text import ocr

        if not pieces:
            return []
        height = float(np.median([p.shape[0] for p in pieces]))
        pad = max(4, int(0.15 * height))
        scale = min(1.0, max(0.5, self.band_px / max(0.6 * height, 1.0)))
        return mosaic_read(pieces, pad, scale, ocr.ocr_lines)


def rapid_model_path() -> Path | None:
    """The bundled recognition model of the installed rapidocr wheel (None when rapidocr is missing)."""
    try:
        import rapidocr
    except ImportError:
        return None
    return Path(rapidocr.__file__).parent / "models" / RAPID_MODEL


class RapidReader:
    """rapidocr's bundled PP-OCRv6 small recognition model on each piece (batched), one thread."""

    name = "rapidocr"

    def __init__(self, threads: int = 1) -> None:
        model = rapid_model_path()
        if model is None:
            raise MissingDependencyError(t("handwriting.no_rapidocr"))
        if not model.is_file():  # the engine would download a model: refuse
            raise MissingDependencyError(t("handwriting.no_model", model=model))
        from rapidocr import RapidOCR

        params = {
            "Global.use_det": False,
            "Global.use_cls": False,
            "Global.log_level": "error",
            "Rec.model_path": str(model),
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": threads,
            # rapidocr turns onnxruntime's memory arena off; with it on, the line pieces' buffers are reused
            # from one batch to the next: about 20 % less time per page, the same texts (issue 13's bench)
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
            # one piece per model run: a batch is padded to its widest piece, which costs time and makes a
            # piece's text depend on its neighbours; `with_room` gives each piece the room it reads best with
            "Rec.rec_batch_num": 1,
        }
        self._lock = threading.Lock()
        try:
            self._rec = RapidOCR(params=params)._load_rec_model()
        except Exception as exc:  # onnxruntime errors are plain exceptions
            raise MissingDependencyError(t("handwriting.cannot_load", error=exc)) from exc

    def read(self, pieces: Sequence[np.ndarray]) -> list[str]:
        from rapidocr.ch_ppocr_rec.typings import TextRecInput

        if not pieces:
            return []
        height = int(self._rec.rec_image_shape[1])
        images = [np.repeat(with_room(to_height(p, height))[:, :, None], 3, axis=2) for p in pieces]
        try:
            with self._lock:
                out = self._rec(TextRecInput(img=images))
        except Exception as exc:
            raise PageError(t("handwriting.failed", error=exc)) from exc
        texts = [latin_only(str(t)) for t in out.txts]
        return texts + [""] * (len(pieces) - len(texts))


def to_height(piece: np.ndarray, height: int) -> np.ndarray:
    """The piece scaled to `height` pixels high, its aspect kept, by pixel-area averaging (uint8).

    The model's own resize to its input height is bilinear: from a 150-200 px high piece at 300 dpi, it
    samples the strokes without smoothing them (aliasing). Averaged first, rapidocr's mean CER on 639 found
    bands of the real pages' development documents falls from 0.194 to 0.183 (modern ballpoint) and from
    0.570 to 0.543 (1914 cursive), at the same time per line. Pieces no higher than `height` are left as is.
    """
    import cv2

    piece = np.asarray(piece, np.uint8)
    if piece.shape[0] <= height:
        return piece
    width = max(1, round(piece.shape[1] * height / piece.shape[0]))
    return cv2.resize(piece, (width, height), interpolation=cv2.INTER_AREA)


ROOM = 0.10  # share of a piece's width added after it, in the model's padding grey
PAD_GREY = 128  # the grey the model's normalisation maps to 0, the value it pads a batch with


def with_room(piece: np.ndarray) -> np.ndarray:
    """The piece with `ROOM` of its width added on the right in the model's padding grey.

    The model reads a line's last letters better with some padding after them, as it had when pieces were
    read in batches of six padded to the widest (measured on the 1,132 found bands of the real pages'
    development documents, bench/evaluate_real.py --lines: one piece per run without room, mean CER
    0.184 -> 0.193 modern and 0.576 -> 0.589 1914; with 10 % room 0.183 and 0.570, 12 % less time per
    line than in batches). White room reads worse (0.189, 0.578): the model was trained on grey padding.
    """
    extra = round(piece.shape[1] * ROOM)
    room = np.full((piece.shape[0], extra), PAD_GREY, np.uint8)
    return np.concatenate([piece, room], axis=1)


def latin_only(text: str) -> str:
    """The text without the characters of other scripts (the model's set includes CJK, which it sometimes
    gives for a stroke or a stamp on a French page)."""
    kept = "".join(
        c if c.isascii() or "\u00a0" <= c <= "\u024f" or c in "’‘“”«»…–—①②③④⑤⑥⑦⑧⑨⑩" else " " for c in text
    )
    return " ".join(kept.split())


def is_available(name: str) -> bool:
    if name == "tesseract":
        return True
    model = rapid_model_path()
    return model is not None and model.is_file()


@functools.lru_cache(maxsize=4)
def make_reader(name: str) -> LineReader:
    """One reader per engine and per process (models load once)."""
    if name == "rapidocr":
        return RapidReader()
    if name == "tesseract":
        return TesseractReader()
    raise ValueError(f"unknown handwriting reader {name!r}: choose one of {', '.join(ENGINES)}")


def default_name() -> str:
    chosen = os.environ.get("ANONYMAT_READER", "").strip().lower()
    if chosen:
        return chosen
    return "rapidocr" if is_available("rapidocr") else "tesseract"


def reader() -> LineReader:
    """The process's handwriting reader (`ANONYMAT_READER`, else the measured best one installed)."""
    return make_reader(default_name())
