"""One run per OUTDIR: a lock file that the kernel releases when its holder dies, however it dies."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from anonymat.errors import UsageError
from anonymat.messages import t

LOCK_NAME = ".anonymat.lock"
_held: dict[str, int] = {}  # OUTDIRs this process holds -> how many `hold` blocks are open on each


class BusyError(UsageError):
    """Another anonymat run holds OUTDIR."""


@contextlib.contextmanager
def hold(outdir: Path, command: str = "process") -> Iterator[Path]:
    """Hold OUTDIR's lock for the duration of the block.

    The lock is an advisory `flock` on OUTDIR/.anonymat.lock, which the kernel drops when the holder's
    process ends (kill -9 and power loss included), so a lock is never stale in fact: a lock file left
    behind by a dead run is taken over, with one line saying so. The file is removed on the way out.

    Re-entrant within one process: `anonymat watch` holds OUTDIR for its whole life, and each batch it
    runs holds it again without waiting on itself.
    """
    path = outdir / LOCK_NAME
    key = os.path.realpath(outdir)
    if key in _held:
        _held[key] += 1
        try:
            yield path
        finally:
            _held[key] -= 1
        return
    fd = _acquire(path, outdir)
    _held[key] = 1
    try:
        left = os.read(fd, 4096).decode("utf-8", "replace").strip()
        if left:
            print(f"anonymat: {outdir}: {t('lock.taken_over', who=_describe(left))}", file=sys.stderr)
        stamp = f"pid={os.getpid()} host={socket.gethostname()} started={time.strftime('%Y-%m-%dT%H:%M:%S')} command={command}\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp.encode("utf-8"), 0)
        yield path
    finally:
        del _held[key]
        with contextlib.suppress(OSError):
            path.unlink()  # before unlocking: a run waiting on the old file then finds it gone and retries
        os.close(fd)


def _acquire(path: Path, outdir: Path) -> int:
    for _attempt in range(50):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UsageError(f"{outdir}: {t('lock.cannot_write', why=exc.strerror)}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 4096).decode("utf-8", "replace").strip()
            os.close(fd)
            busy = "lock.busy_watch" if _fields(text).get("command") == "watch" else "lock.busy"
            raise BusyError(f"{outdir}: {t(busy, who=_describe(text))}") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the holder removed the file between our open and our lock: take the new one
    raise BusyError(f"{outdir}: {t('lock.unstable')}")


def _fields(stamp: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in stamp.split() if "=" in part)


def _describe(stamp: str) -> str:
    fields = _fields(stamp)
    if not fields.get("pid"):
        return t("lock.unknown")
    started = fields.get("started", "?").replace("T", " ")
    return t("lock.who", pid=fields["pid"], host=fields.get("host", "?"), started=started)
