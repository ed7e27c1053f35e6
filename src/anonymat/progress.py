"""Progress on stderr, drawn in the parent process only, off when stderr is not a terminal; the run's
lines (stderr and the --log file)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from anonymat.errors import escape_controls


class Progress:
    def __init__(self, total: int, unit: str, enabled: bool = True) -> None:
        self.total = total
        self.unit = unit
        self.enabled = enabled and sys.stderr.isatty() and total > 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            self._bar = RichProgress(
                TextColumn(f"[bold]{self.unit}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.unit, total=self.total, rate="")
        return self

    def advance(self) -> None:
        if self._bar is not None and self._task is not None:
            task = self._bar.tasks[0]
            speed = task.speed
            self._bar.update(self._task, advance=1, rate=f"{speed:.1f}/s" if speed else "")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, tb)


class RunLog:
    """What a run says to people: lines on stderr ("anonymat: ..."), and all of them, timestamped, in
    the --log file. Per-copy lines go to stderr only with -v when stderr is not a terminal (cron, a pipe:
    the progress bar is off there), always to the log file. Never give it identity text."""

    def __init__(self, path: Path | None = None, verbosity: int = 0) -> None:
        self.verbosity = verbosity
        self.copy_lines = verbosity >= 1 and not sys.stderr.isatty()
        self._file = path.open("a", encoding="utf-8", buffering=1) if path is not None else None

    def _write(self, text: str) -> None:
        """Every line, timestamped, to the log file (a control character in a file name shown escaped)."""
        if self._file is not None:
            stamp = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
            self._file.write(f"{stamp} {escape_controls(text)}\n")

    def error(self, text: str) -> None:
        """Shown even with -q ("no progress, only errors")."""
        print(f"anonymat: {escape_controls(text)}", file=sys.stderr, flush=True)
        self._write(text)

    def info(self, text: str) -> None:
        if self.verbosity >= 0:
            print(f"anonymat: {escape_controls(text)}", file=sys.stderr, flush=True)
        self._write(text)

    def copy(self, text: str) -> None:
        if self.copy_lines:
            print(f"anonymat: {escape_controls(text)}", file=sys.stderr, flush=True)
        self._write(text)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
