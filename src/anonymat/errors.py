"""One base error carrying its exit code and a message telling the user what to do."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    NEEDS_REVIEW = 1
    USAGE = 2
    MISSING_DEPENDENCY = 3


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


class InputError(AnonymatError):
    """A file or page that cannot be used; recorded in batch.json, the batch goes on."""

    exit_code = ExitCode.NEEDS_REVIEW


class PageError(AnonymatError):
    """One page failed in a stage (OCR timeout, undecodable image); the batch goes on."""

    exit_code = ExitCode.NEEDS_REVIEW


def escape_controls(text: str) -> str:
    """A message as one line: control characters (a newline in a file name) shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
