"""`anonymat watch IN -o OUT`: a hot folder for a scanner that drops its files into a shared folder.

Every few seconds the folder is looked at; a file is taken once its size and date have not changed for
`settle` seconds (the scanner has finished writing it). Each time new files are ready, `process_batch`
runs on every file ready so far: the copies already done are skipped (resuming, resume.completed_copies),
so batch.json and report.html always cover the whole folder. A file rejected once is not tried again
until it changes. SIGTERM or Ctrl-C stops the watch cleanly (a run in progress stops as `process` does).
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from anonymat import outdir
from anonymat.api import process_batch, stop_on_sigterm
from anonymat.config import Options
from anonymat.errors import AnonymatError, ExitCode, Interrupted
from anonymat.manifest import BatchRecord
from anonymat.messages import t
from anonymat.progress import RunLog
from anonymat.run import lock

IGNORED = (".tmp", ".part", ".crdownload", "~")  # names scanners and copy tools use while writing


def ready_candidates(indir: Path) -> dict[Path, tuple[int, float]]:
    """Files under `indir` (hidden ones and temporary names left out): path -> (size, mtime)."""
    found: dict[Path, tuple[int, float]] = {}
    for root, dirs, names in os.walk(indir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or name.lower().endswith(IGNORED):
                continue
            path = Path(root) / name
            try:
                st = path.stat()
            except OSError:
                continue  # gone between the listing and the look
            found[path] = (st.st_size, st.st_mtime)
    return found


def watch(
    indir: Path, options: Options, interval: float = 2.0, settle: float = 5.0, once: bool = False
) -> ExitCode:
    """Process what appears in `indir` into options.outdir until SIGTERM / Ctrl-C (or, with `once`, until
    every file present is done). Returns OK when stopped between runs, INTERRUPTED when a run was cut.

    The watch holds OUTDIR's lock from start to end: a `process`, a `fix` or a second watch on the same
    OUTDIR stops at once, saying a watch holds it (its own batches take the lock again, lock.hold)."""
    outdir.create(options.outdir)
    with lock.hold(options.outdir, "watch"):
        return _watch_locked(indir, options, interval, settle, once)


def _watch_locked(indir: Path, options: Options, interval: float, settle: float, once: bool) -> ExitCode:
    log = RunLog(options.log, options.verbosity)
    since: dict[Path, tuple[int, float, float]] = {}  # path -> size, mtime, unchanged since
    done: dict[Path, tuple[int, float]] = {}  # files given to the last run, as they were then
    rejected: dict[Path, tuple[int, float]] = {}  # files a run refused, as they were then
    runs = 0
    log.info(t("watch.started", indir=indir, outdir=options.outdir))
    try:
        with stop_on_sigterm():
            while True:
                now = time.monotonic()
                current = ready_candidates(indir)
                for path in set(since) - set(current):
                    del since[path]
                ready = []
                for path, state in current.items():
                    seen = since.get(path)
                    if seen is None or seen[:2] != state:
                        since[path] = (*state, now)
                    elif state[0] > 0 and now - seen[2] >= settle:
                        ready.append(path)
                usable = [p for p in sorted(ready) if rejected.get(p) != current[p]]
                new = [p for p in usable if done.get(p) != current[p]]
                if new:
                    log.info(t("watch.new", files=", ".join(str(p.relative_to(indir)) for p in new)))
                    runs += 1
                    try:
                        code = process_batch(dataclasses.replace(options, inputs=tuple(usable)))
                    except AnonymatError as err:  # e.g. nothing usable in these files: the watch goes on
                        log.error(t("watch.file_failed", files=", ".join(map(str, new)), error=err))
                        code = ExitCode.USAGE
                    if code == ExitCode.INTERRUPTED:
                        return code
                    done = {p: current[p] for p in usable}
                    refused = _refused(options.outdir)
                    rejected.update({p: current[p] for p in usable if str(p) in refused})
                if once and len(ready) == len(current) and not new:
                    break
                time.sleep(interval)
    except (KeyboardInterrupt, Interrupted):
        pass
    finally:
        log.info(t("watch.stopped", runs=runs, report=options.outdir / "report.html"))
        log.close()
    return ExitCode.OK


def _refused(outdir: Path) -> set[str]:
    """The input files the last run rejected (batch.json errors)."""
    try:
        return {str(e.get("file")) for e in BatchRecord.read(outdir).errors}
    except (OSError, ValueError):
        return set()
