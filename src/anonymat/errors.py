"""One base error carrying its exit code and a message telling the user what to do."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """What `anonymat process` (and the other commands) exit with: README "Exit codes" says the same."""

    OK = 0  # every copy is ok, no input was rejected
    NEEDS_REVIEW = 1  # the run finished; some copy needs review or some page is unassigned
    USAGE = 2  # bad command line or input, or nothing could be done: nothing was written
    MISSING_DEPENDENCY = 3  # a required program or language pack is missing (anonymat doctor)
    INPUT_REJECTED = 4  # the run finished, but some input file was rejected (named in batch.json errors)
    DISK_FULL = 5  # no space left while writing: free some, run the same command again
    INTERNAL = 70  # a bug (sysexits EX_SOFTWARE): the message says to run with -v and report it
    INTERRUPTED = 130  # Ctrl-C or SIGTERM: batch.json and report.html say what was done, re-run finishes


class AnonymatError(Exception):
    """An error a person can act on; `str(err)` is one line saying what to do."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(AnonymatError):
    exit_code = ExitCode.USAGE


class MissingDependencyError(AnonymatError):
    exit_code = ExitCode.MISSING_DEPENDENCY


class PageError(AnonymatError):
    """One page failed in a stage (OCR timeout, undecodable image); the batch goes on."""

    exit_code = ExitCode.NEEDS_REVIEW


def escape_controls(text: str) -> str:
    """A message as one line: control characters (a newline in a file name) shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class Interrupted(BaseException):  # noqa: N818 - like KeyboardInterrupt, not caught by `except Exception`
    """SIGTERM, raised in the main thread like SIGINT's KeyboardInterrupt, so a run stops the same way."""


class Unusable(Exception):
    """A file that cannot be used; its message becomes a Problem (batch.json `errors`), the batch goes on."""


def qpdf_reason(exc: BaseException, path: Path) -> str:
    """qpdf's message without the file name it starts with (the Problem already names the file)."""
    text = oneline(str(exc), limit=400)
    for prefix in (f"{path}: ", f"{path.resolve()}: "):
        text = text.replace(prefix, "")
    return oneline(text) or type(exc).__name__


def describe_error(exc: BaseException) -> str:
    text = oneline(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def oneline(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
