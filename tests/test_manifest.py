"""The typed manifest (manifest.Manifest) and the shipped JSON Schema describe the same file: a field
added to one and not the other fails here, and a real run's manifests read back into the model and
write out byte for byte."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from anonymat.manifest import BatchRecord, Manifest, OrderRecord, Settings, schema
from anonymat.outdir import manifest_paths
from anonymat.states import Order

# what the file holds that the model derives: review_reasons, the English texts of the reasons
DERIVED = {Manifest: {"review_reasons"}}


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
    written = {f.name for f in dataclasses.fields(cls)} | DERIVED.get(cls, set())
    assert written == set(part["properties"])
    listed = set(part.get("required", [])) | set(part.get("then", {}).get("required", []))
    if cls is Settings:  # always written whole (resume.run_settings)
        assert listed <= _required(cls)
    else:
        assert _required(cls) <= listed <= written


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


def test_a_version_1_manifest_is_read_and_written_back_as_version_2(
    samples_processed, tmp_path: Path
) -> None:
    """A manifest from before the reasons were records (texts only) still reads: its reasons keep their
    words, and written again it is a valid version 2 whose records say them as they were."""
    path = manifest_paths(samples_processed[0])[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    data["schema_version"] = 1
    del data["reasons"]
    data["review_reasons"] = ["scans/lot1.pdf page 2: flap state unclear"]
    jsonschema.validate(data, schema("manifest"))
    manifest = Manifest.from_json(data)
    assert [(r.code, r.text) for r in manifest.reasons] == [
        ("other", "scans/lot1.pdf page 2: flap state unclear")
    ]
    again = manifest.to_json()
    jsonschema.validate(again, schema("manifest"))
    assert again["schema_version"] == 2 and again["review_reasons"] == data["review_reasons"]
    with pytest.raises(jsonschema.ValidationError):  # a version 2 without its records is not one
        jsonschema.validate({k: v for k, v in again.items() if k != "reasons"}, schema("manifest"))


def test_batch_json_and_its_model_name_the_same_fields_and_a_run_reads_back_the_same_bytes(
    samples_processed,
) -> None:
    """BatchRecord and schemas/batch.schema.json cannot drift; a real run's batch.json reads into the
    model and writes out byte for byte; a version-1 file (no run, no complete) keeps its keys."""
    part = schema("batch")
    assert {f.name for f in dataclasses.fields(BatchRecord)} == set(part["properties"])
    assert _required(BatchRecord) | {"schema_version"} == set(part["required"])
    out = samples_processed[0]
    raw = (out / "batch.json").read_text(encoding="utf-8")
    record = BatchRecord.read(out)
    jsonschema.validate(json.loads(raw), part)
    assert record.schema_version == 3 and record.complete is True and record.run is not None
    assert json.dumps(record.to_json(), indent=2, ensure_ascii=False) + "\n" == raw
    old = {k: v for k, v in json.loads(raw).items() if k not in ("complete", "run", "duplicates", "skipped")}
    old["schema_version"] = 1
    assert BatchRecord.from_json(old).to_json() == old
    with pytest.raises(ValueError, match="not an anonymat batch.json"):
        BatchRecord.from_json({"copies": []})
