"""OUTDIR's files by name: batch.json and one manifest per copy, listed and named in one place.

The copy's PDF, thumbnails and page cache sit beside them (copy_stage.write_copy, report, pagecache).
"""

from __future__ import annotations

from pathlib import Path

BATCH_JSON = "batch.json"


def manifest_name(number: str) -> str:
    """The file name of a copy's manifest (its number is a safe file name: api.SAFE_NAME)."""
    return f"{number}.json"


def manifest_paths(outdir: Path) -> list[Path]:
    """Every copy manifest in OUTDIR, sorted by name: each *.json but batch.json."""
    return sorted(p for p in outdir.glob("*.json") if p.name != BATCH_JSON)
