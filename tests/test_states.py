"""The states' StrEnums and the shipped JSON Schemas list the same values, and a state is its string in JSON."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest

from anonymat.config import Options
from anonymat.errors import UsageError
from anonymat.manifest import schema
from anonymat.states import Flap, MaskPolicy, Order, OrderMethod, PoseSource, Status

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
