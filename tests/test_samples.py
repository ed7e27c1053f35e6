"""Golden test: the committed samples against their truth file (numbers, grouping, rotation, blanks, flap)."""

from __future__ import annotations

import json

import jsonschema

from anonymat.manifest import schema


def test_samples_give_the_expected_copies(samples_processed):
    out, truth, code = samples_processed
    batch = json.loads((out / "batch.json").read_text())
    jsonschema.validate(batch, schema("batch"))
    assert code in (0, 1)
    assert batch["errors"] == [] and batch["unassigned"] == []
    assert sorted(c["anonymity_number"] for c in batch["copies"]) == sorted(
        c["number"] for c in truth["copies"]
    )
    assert batch["pages_in"] == sum(len(c["pages"]) for c in truth["copies"])

    for copy in truth["copies"]:
        manifest = json.loads((out / f"{copy['number']}.json").read_text())
        jsonschema.validate(manifest, schema("manifest"))
        by_source = {(p["file"], p["page"]): p for p in copy["pages"]}
        got = [(p["source"]["file"], p["source"]["page"]) for p in manifest["pages"]]
        written = [(o["file"], o["page"]) for o in copy["order"]]
        assert sorted(got) == sorted(written), copy["number"]
        dropped = sorted((d["source"]["file"], d["source"]["page"]) for d in manifest["dropped"])
        assert dropped == sorted(k for k, p in by_source.items() if p["blank"])
        for page in manifest["pages"]:
            t = by_source[(page["source"]["file"], page["source"]["page"])]
            assert page["rotation"] == t["rotation"]
            assert page["flap"] == t["flap"]
            assert page["barcode"] is None or page["barcode"]["value"] == copy["number"]
        # the reading order is right, or the copy says a person must check it
        assert got == written or manifest["status"] == "needs_review", copy["number"]


def test_samples_pass_verify(samples_processed):
    from typer.testing import CliRunner

    from anonymat.cli import app

    out, _truth, _code = samples_processed
    result = CliRunner().invoke(app, ["verify", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith((", 0 en échec", ", 0 failed"))
