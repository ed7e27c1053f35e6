"""The small types many modules share, in a module that imports none of them: a page reference (what
ingest makes, what decode and the page stage read; here, so decode and ingest need not import each
other) and a box of pixels."""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, x1 and y1 excluded


@dataclass(frozen=True)
class PageRef:
    """One page of one input file; small and picklable, it crosses process boundaries."""

    path: str
    file: str
    index: int
    sha256: str
    kind: str
