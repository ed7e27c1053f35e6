"""Output pages encoded by the page stage, kept on disk until their copy's PDF is written.

The page stage has the page's pixels decoded, upright and masked already: encoding the output page there
saves the writing stage a second decode and a second straightening (a large part of the whole work with
--order scan). Only the file name crosses the process boundary, never pixels.

What is kept is exactly what the PDF embeds (masked, whitened JPEG) and its report thumbnail: nothing of
the identity zone. The folder is emptied at the start and the end of every run, and each copy's pages
leave it as soon as its PDF is written. At most MAX_PAGES are kept (about 4 GB at 200 KB a page), and
none while the disk has less than MIN_FREE_MB free, so the cache never takes the room the PDFs need:
other pages are encoded by the writers from their source, as without the cache. The same pixels and settings
give the same bytes either way, so a run's outputs do not depend on which pages were cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from anonymat.errors import AnonymatError
from anonymat.manifest import PageFacts
from anonymat.pdf.output import EncodedPage, write_bytes_atomic

FOLDER = ".anonymat-pages"
MAX_PAGES = 20_000
MIN_FREE_MB = 1024


def folder(outdir: str | Path) -> Path:
    return Path(outdir) / FOLDER


def _stem(file: str, index: int, sha256: str) -> str:
    return hashlib.sha256(f"{sha256}\0{file}\0{index}".encode()).hexdigest()[:32]


def store(cache: Path, file: str, index: int, sha256: str, page: EncodedPage, thumb: bytes) -> bool:
    """Keep one encoded page and its thumbnail; False when the disk refuses (the writer then encodes it)."""
    stem = _stem(file, index, sha256)
    try:
        cache.mkdir(exist_ok=True)
        if shutil.disk_usage(cache).free < MIN_FREE_MB * 2**20:
            return False
        # no fsync: a run that dies empties the folder at its next start; the page last, as it marks the
        # pair whole
        write_bytes_atomic(thumb, cache / f"{stem}.thumb", durable=False)
        write_bytes_atomic(page.jpeg, cache / f"{stem}.jpg", durable=False)
    except (OSError, AnonymatError):
        return False
    return True


def load(cache: Path, facts: PageFacts) -> tuple[EncodedPage, bytes] | None:
    """The page the page stage encoded, with its thumbnail; None when it was not kept."""
    stem = _stem(facts.file, facts.page, facts.sha256)
    try:
        jpeg = (cache / f"{stem}.jpg").read_bytes()
        thumb = (cache / f"{stem}.thumb").read_bytes()
    except OSError:
        return None
    width, height = facts.size
    return EncodedPage(jpeg, width, height, facts.dpi), thumb


def discard(cache: Path, pages: list[PageFacts]) -> None:
    for facts in pages:
        stem = _stem(facts.file, facts.page, facts.sha256)
        for suffix in (".jpg", ".thumb"):
            with contextlib.suppress(OSError):
                (cache / f"{stem}{suffix}").unlink()


@contextlib.contextmanager
def kept(outdir: str | Path) -> Iterator[Path]:
    """The run's page cache: emptied of what a killed run left, and removed at the end whatever happens."""
    clear(outdir)
    try:
        yield folder(outdir)
    finally:
        clear(outdir)


def clear(outdir: str | Path) -> None:
    shutil.rmtree(folder(outdir), ignore_errors=True)
