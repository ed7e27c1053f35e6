"""The states' StrEnums and the shipped JSON Schemas list the same values, and a state is its string in JSON."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest

from anonymat.config import Options
from anonymat.errors import UsageError
from anonymat.manifest import schema
from anonymat.states import Flap, InputKind, MaskPolicy, Order, OrderMethod, PoseSource, Status

PAGE = schema("manifest")["$defs"]["page"]["properties"]


@pytest.mark.parametrize(
    ("state", "listed"),
    [
        (Status, schema("manifest")["properties"]["status"]["enum"]),
        (OrderMethod, schema("manifest")["properties"]["order"]["properties"]["method"]["enum"]),
        (Order, schema("manifest")["properties"]["settings"]["properties"]["order"]["enum"]),
        (Flap, PAGE["flap"]["enum"]),
        (MaskPolicy, PAGE["registration"]["properties"]["policy"]["enum"]),
    ],
)
def test_a_state_has_the_values_its_schema_lists(state: type[StrEnum], listed: list[str]) -> None:
    assert sorted(state) == sorted(listed)


def test_a_state_is_written_as_its_string() -> None:
    facts = {"status": Status.NEEDS_REVIEW, "flap": Flap.OPEN, "pose": PoseSource.LINES}
    assert json.dumps(facts) == '{"status": "needs_review", "flap": "open", "pose": "lines"}'
    assert f"{MaskPolicy.HEADER_TO_RULES}" == "header band to the ruled lines"


def test_the_order_given_as_a_string_becomes_its_state(tmp_path) -> None:
    assert Options(inputs=(tmp_path,), outdir=tmp_path / "out", order="scan").order is Order.SCAN  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="--order doit valoir 'continuity' ou 'scan', pas 'page'"):
        Options(inputs=(tmp_path,), outdir=tmp_path / "out", order="page").validate()  # type: ignore[arg-type]


def test_the_input_kinds_are_the_ones_ingest_sniffs_and_names() -> None:
    """No schema lists the input kinds: ingest's names for them (its messages) are the list."""
    from anonymat import ingest

    assert sorted(InputKind) == sorted(ingest.KIND_NAMES)
    assert ingest._kind_of(b"%PDF-1.7\n") is InputKind.PDF
    assert ingest._kind_of(b"\xff\xd8\xff\xe0") is InputKind.JPEG
    assert json.dumps({"kind": InputKind.TIFF}) == '{"kind": "tiff"}'
