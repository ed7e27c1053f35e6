"""External programs: version probes, tessdata lookup, native libraries' stderr silenced."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence what native libraries write straight to file descriptor 2 while the block runs: libpng's
    "bad adaptive filter value", libjpeg's "Corrupt JPEG data", leptonica's "Error in boxClipToRectangle".
    A file that cannot be used is reported once, as anonymat's own one-line error."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def program_version(name: str) -> str | None:
    """First version-looking token that `name --version` (or -v) prints, or None when absent."""
    if shutil.which(name) is None:
        return None
    for flag in ("--version", "-v"):
        try:
            done = subprocess.run([name, flag], capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        text = (done.stdout + done.stderr).decode("utf-8", "replace")
        match = re.search(r"(\d+\.\d+(?:\.\d+)?)", text)
        if match:
            return match.group(1)
    return "unknown"


@functools.cache
def tessdata_dir() -> Path | None:
    """Folder holding *.traineddata: $TESSDATA_PREFIX, what tesseract reports, or the Debian paths."""
    env = os.environ.get("TESSDATA_PREFIX")
    candidates: list[str] = [env] if env else []
    if shutil.which("tesseract"):
        try:
            out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, timeout=10, check=False)
            match = re.search(r'"([^"]+)"', (out.stdout + out.stderr).decode("utf-8", "replace"))
            if match:
                candidates.append(match.group(1))
        except (OSError, subprocess.TimeoutExpired):
            pass
    candidates.extend(TESSDATA_CANDIDATES)
    for folder in candidates:
        path = Path(folder)
        if (path / "eng.traineddata").exists() or (path / "fra.traineddata").exists():
            return path
    return None


def has_language(lang: str) -> bool:
    folder = tessdata_dir()
    return folder is not None and (folder / f"{lang}.traineddata").exists()
