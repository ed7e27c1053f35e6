"""Code 39 drawing: the anonymity sticker's barcode (no check character)."""

from __future__ import annotations

import numpy as np

# Each character: 9 elements (bar, space, bar, ... bar); "1" = wide, "0" = narrow. Three are wide.
_PATTERNS = {
    "0": "000110100", "1": "100100001", "2": "001100001", "3": "101100000",
    "4": "000110001", "5": "100110000", "6": "001110000", "7": "000100101",
    "8": "100100100", "9": "001100100", "A": "100001001", "B": "001001001",
    "C": "101001000", "D": "000011001", "E": "100011000", "F": "001011000",
    "G": "000001101", "H": "100001100", "I": "001001100", "J": "000011100",
    "K": "100000011", "L": "001000011", "M": "101000010", "N": "000010011",
    "O": "100010010", "P": "001010010", "Q": "000000111", "R": "100000110",
    "S": "001000110", "T": "000010110", "U": "110000001", "V": "011000001",
    "W": "111000000", "X": "010010001", "Y": "110010000", "Z": "011010000",
    "-": "010000101", ".": "110000100", " ": "011000100", "$": "010101000",
    "/": "010100010", "+": "010001010", "%": "000101010", "*": "010010100",
}  # fmt: skip


def code39_modules(data: str, ratio: int = 3) -> list[int]:
    """Element widths (in narrow modules) for *data* wrapped in start/stop `*`, gaps of one module."""
    widths: list[int] = []
    text = "*" + data.upper() + "*"
    for i, char in enumerate(text):
        if char not in _PATTERNS or (char == "*" and 0 < i < len(text) - 1):
            raise ValueError(f"character {char!r} cannot be encoded in Code 39")
        widths.extend(ratio if e == "1" else 1 for e in _PATTERNS[char])
        if i < len(text) - 1:
            widths.append(1)  # inter-character gap (a space)
    return widths


def code39_row(data: str, narrow_px: int, ratio: int = 3) -> np.ndarray:
    """One pixel row of the symbol: True where a bar is (no quiet zone)."""
    row: list[bool] = []
    for k, width in enumerate(code39_modules(data, ratio)):
        row.extend([k % 2 == 0] * (width * narrow_px))
    return np.array(row, dtype=bool)
