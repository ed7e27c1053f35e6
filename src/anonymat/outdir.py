"""OUTDIR's files by name: batch.json and one manifest per copy, listed and named in one place.

The copy's PDF, thumbnails and page cache sit beside them (copy_stage.write_copy, report, pagecache);
the thumbnail of a page in no PDF is named here, since the report and batch.json both name it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

BATCH_JSON = "batch.json"
THUMBS = "thumbs"  # the report's pictures


def create(outdir: Path) -> None:
    """Make OUTDIR (and its parents) if it is not there; a one-line UsageError if it cannot be made."""
    from anonymat.errors import UsageError
    from anonymat.messages import t

    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(t("at", where=outdir, what=t("outdir.cannot_create", why=exc.strerror))) from exc


def manifest_name(number: str) -> str:
    """The file name of a copy's manifest (its number is a safe file name: api.SAFE_NAME)."""
    return f"{number}.json"


def manifest_paths(outdir: Path) -> list[Path]:
    """Every copy manifest in OUTDIR, sorted by name: each *.json but batch.json."""
    return sorted(p for p in outdir.glob("*.json") if p.name != BATCH_JSON)


def page_thumb_name(source: dict[str, Any]) -> str:
    """thumbs/page_<key>.jpg for a source page ({file, page}) that is in no output PDF."""
    key = hashlib.sha256(f"{source.get('file')}|{source.get('page')}".encode()).hexdigest()[:16]
    return f"{THUMBS}/page_{key}.jpg"
