"""The states a page or a copy can be in, as StrEnums: each is its own string in the JSON, so the manifests
keep their bytes, and mypy tells a state from any other string. The shipped schemas list the same values
(tests/test_states.py checks that they cannot drift)."""

from __future__ import annotations

from enum import StrEnum


class InputKind(StrEnum):
    """An input file's format, from its first bytes (page `source.kind`, batch `pages[].source.kind`)."""

    PDF = "pdf"
    TIFF = "tiff"
    JPEG = "jpeg"
    PNG = "png"


class Order(StrEnum):
    """How a run orders the pages of a copy (`--order`)."""

    CONTINUITY = "continuity"  # by the continuity of the text across page breaks
    SCAN = "scan"  # as scanned


class OrderMethod(StrEnum):
    """How a copy's order was decided (manifest `order.method`)."""

    CONTINUITY = "continuity"
    SCAN = "scan"
    SINGLE = "single"  # one page: nothing to order
    MANUAL = "manual"  # `anonymat fix`


class Status(StrEnum):
    """A copy's verdict (manifest `status`)."""

    OK = "ok"
    NEEDS_REVIEW = "needs_review"


class PoseSource(StrEnum):
    """What told a page's quarter turn (manifest page `pose`)."""

    BARCODE = "barcode"  # the barcode's own orientation
    LINES = "lines"  # the long printed and ruled lines, and where the header frame is
    UNKNOWN = "unknown"  # a guess: the copy goes to review


class Flap(StrEnum):
    """The identity flap on a page (manifest page `flap`)."""

    OPEN = "open"
    FOLDED = "folded"
    UNKNOWN = "unknown"


class MaskPolicy(StrEnum):
    """What a page's mask covers (manifest page `registration.policy`)."""

    TEMPLATE = "template"  # the template's zones, where its placement was proved
    HEADER_TO_RULES = "header band to the ruled lines"  # fail closed: the header, down to the writing
    HEADER_TO_DEPTH = "header band to a fixed depth"  # fail closed, no ruled line found
