"""Progress on stderr, drawn in the parent process only, off when stderr is not a terminal."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


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
