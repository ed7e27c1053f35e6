"""The typed manifest (manifest.Manifest) and the shipped JSON Schema describe the same file: a field
added to one and not the other fails here, and a real run's manifests read back into the model and
write out byte for byte."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from anonymat.manifest import Manifest, OrderRecord, Settings, schema
from anonymat.outdir import manifest_paths
from anonymat.states import Order


def _required(cls: type) -> set[str]:
    return {
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }


@pytest.mark.parametrize(
    ("cls", "where"),
    [(Manifest, ()), (Settings, ("settings",)), (OrderRecord, ("order",))],
    ids=["manifest", "settings", "order"],
)
def test_the_model_and_the_schema_name_the_same_fields(cls: type, where: tuple[str, ...]) -> None:
    part = schema("manifest")
    for key in where:
        part = part["properties"][key]
    assert {f.name for f in dataclasses.fields(cls)} == set(part["properties"])
    listed = set(part.get("required", []))
    if cls is Settings:  # always written whole (resume.run_settings)
        assert listed <= _required(cls)
    else:
        assert _required(cls) <= listed <= {f.name for f in dataclasses.fields(cls)}


def test_the_settings_orders_are_the_schemas() -> None:
    assert [o.value for o in Order] == schema("manifest")["properties"]["settings"]["properties"]["order"][
        "enum"
    ]


def test_a_runs_manifests_read_into_the_model_and_write_back_the_same_bytes(samples_processed) -> None:
    paths = manifest_paths(samples_processed[0])
    assert paths
    for path in paths:
        raw = path.read_text(encoding="utf-8")
        manifest = Manifest.read(path)
        assert manifest.settings is not None and manifest.settings.max_page_kb > 0
        jsonschema.validate(json.loads(raw), schema("manifest"))
        assert json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n" == raw


def test_a_file_that_is_not_a_manifest_is_refused_with_the_missing_field(tmp_path: Path) -> None:
    path = tmp_path / "0001.json"
    path.write_text(json.dumps({"anonymity_number": "0001", "pages": []}))
    with pytest.raises(ValueError, match="not an anonymat manifest.*pdf"):
        Manifest.read(path)
