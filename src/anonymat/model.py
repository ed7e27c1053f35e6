"""The small types many modules share, in a module that imports none of them: a page reference (what
ingest makes, what decode and the page stage read; here, so decode and ingest need not import each
other), a box of pixels, and what ordering reads of a page's text (here, so the modules that weigh it
need not import ordering)."""

from __future__ import annotations

from dataclasses import dataclass

from anonymat.states import InputKind

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, x1 and y1 excluded


@dataclass(frozen=True)
class PageRef:
    """One page of one input file; small and picklable, it crosses process boundaries."""

    path: str
    file: str
    index: int
    sha256: str
    kind: InputKind


@dataclass(frozen=True)
class PageText:
    """What ordering needs from one page; small and picklable (it crosses process boundaries)."""

    head: str  # OCR text of the first ~3 written lines of the writing area
    tail: str  # OCR text of the last ~3 written lines
    markers: tuple[tuple[str, float], ...]  # (kind, y as a fraction of the writing height), top to bottom
    lines: int  # number of written lines found
    fill: float  # fraction of the writing height down to the last written line
    tail_end: float = 1.0  # right end of the last line / the page's usual right end (short = paragraph end)
    head_indent: float = 0.0  # first line's left start minus the usual one, fraction of the width
    seconds: float = 0.0  # time page_text took
