"""OUTDIR's names: every reader lists the copy manifests the same way."""

from __future__ import annotations

from pathlib import Path

from anonymat.outdir import BATCH_JSON, manifest_name, manifest_paths


def test_the_manifests_are_every_json_but_the_batch_sorted_by_name(tmp_path: Path) -> None:
    for name in ("0002.json", BATCH_JSON, "0001.json", "0001.pdf", "report.html"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "thumbs").mkdir()
    (tmp_path / "thumbs" / "index.json").write_text("{}")
    assert [p.name for p in manifest_paths(tmp_path)] == [manifest_name("0001"), manifest_name("0002")]
