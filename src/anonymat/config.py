"""Run options: a frozen dataclass, validated before any work starts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from anonymat.errors import UsageError
from anonymat.messages import t
from anonymat.states import Order


@dataclass(frozen=True)
class Options:
    inputs: tuple[Path, ...]
    outdir: Path
    vault: Path | None = None
    template: str = "cdg-est"
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    keep_blank: bool = False
    order: Order = Order.CONTINUITY  # a string from the command line becomes its Order here
    jpeg_quality: int = 40
    max_page_kb: int = 150  # 0: no limit
    force: bool = False
    verify: bool = True
    scheduler: str | None = None  # tcp://host:port of a Dask scheduler
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose
    roster: Path | None = None  # CSV of candidates' names: flag copies whose body holds one
    log: Path | None = None  # --log FILE: the run's lines, timestamped, appended to FILE

    def __post_init__(self) -> None:
        if self.order in tuple(Order):  # anything else stays as given, for validate() to name
            object.__setattr__(self, "order", Order(self.order))

    def validate(self) -> Options:
        if not self.inputs:
            raise UsageError(t("options.no_input"))
        if not any(path.exists() for path in self.inputs):  # one bad path costs that path only (ingest)
            missing = self.inputs[0] if len(self.inputs) == 1 else t("input.none_of", n=len(self.inputs))
            raise UsageError(t("at", where=missing, what=t("input.no_such")))
        if self.jobs < 1:
            raise UsageError(t("options.jobs", value=self.jobs))
        if self.order not in tuple(Order):
            raise UsageError(t("options.order", value=repr(self.order)))
        if not 20 <= self.jpeg_quality <= 95:
            raise UsageError(t("options.jpeg_quality", value=self.jpeg_quality))
        if self.max_page_kb < 0:
            raise UsageError(t("options.max_page_kb", value=self.max_page_kb))
        if self.scheduler is not None and not self.scheduler.startswith(("tcp://", "tls://", "inproc://")):
            raise UsageError(t("options.scheduler", value=repr(self.scheduler)))
        resolved_out = self.outdir.resolve()
        for path in self.inputs:
            if path.is_dir() and resolved_out.is_relative_to(path.resolve()):
                raise UsageError(t("at", where=self.outdir, what=t("options.outdir_inside", folder=path)))
        if self.vault is not None and self.vault.resolve() == resolved_out:
            raise UsageError(t("options.vault"))
        if self.log is not None and not self.log.parent.is_dir():
            raise UsageError(t("options.log", log=self.log, folder=self.log.parent))
        if self.roster is not None:
            from anonymat.review.roster import load_roster

            load_roster(self.roster)  # readable, with at least one name; raises a one-line UsageError
        return self
