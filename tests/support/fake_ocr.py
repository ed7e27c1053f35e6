"""A scripted OCR engine (anonymat.text.ocr.OcrEngine) for the unit tests of the logic behind the OCR.

It reads nothing: it returns the text it was given, and records every image it was asked to read.

- `ocr_lines`: one line per block of dark rows in the image given (ink, top to bottom), the scripted
  `lines` in that order, at the block's top; blocks beyond the script read as nothing. The image is a
  mosaic of written line pieces (textlines.mosaic_read), so the n-th scripted text is the n-th piece's.
- `ocr_words`: the scripted `words` (OcrWord, boxes in the image given), whatever the image.
- `ocr_text`: the scripted `text`, whatever the image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from anonymat.text.ocr import OcrEngine, OcrLine, OcrWord

DARK = 128  # a pixel darker than this is ink
MIN_GAP = 3  # rows: blank runs shorter than this do not separate two blocks


@dataclass
class FakeOcr:
    lines: Sequence[str] = ()
    words: Sequence[OcrWord] = ()
    text: str = ""
    seen: list[tuple[str, np.ndarray]] = field(default_factory=list)  # (function, image read)

    def ocr_lines(
        self, gray: np.ndarray, psm: int = 6, lang: str = "fra", timeout_s: float = 20.0
    ) -> list[OcrLine]:
        self.seen.append(("ocr_lines", np.array(gray)))
        blocks = ink_blocks(gray)
        return [
            OcrLine(text, top, left, 90.0)
            for text, (top, left) in zip(self.lines, blocks, strict=False)
            if text.strip()
        ]

    def ocr_words(
        self, gray: np.ndarray, psm: int = 11, lang: str = "fra", timeout_s: float = 20.0
    ) -> list[OcrWord]:
        self.seen.append(("ocr_words", np.array(gray)))
        return list(self.words)

    def ocr_text(
        self,
        gray: np.ndarray,
        psm: int = 6,
        lang: str = "fra",
        whitelist: str | None = None,
        timeout_s: float = 20.0,
    ) -> str:
        self.seen.append(("ocr_text", np.array(gray)))
        return self.text


def ink_blocks(gray: np.ndarray) -> list[tuple[int, int]]:
    """(top, left) of each block of rows holding ink, top to bottom."""
    dark = np.asarray(gray) < DARK
    rows = np.flatnonzero(dark.any(axis=1))
    if not rows.size:
        return []
    blocks = np.split(rows, np.flatnonzero(np.diff(rows) > MIN_GAP) + 1)
    return [(int(b[0]), int(np.flatnonzero(dark[b[0] : b[-1] + 1].any(axis=0))[0])) for b in blocks]


_: OcrEngine = FakeOcr()  # mypy: the fake is an engine
