"""The one error hierarchy of :mod:`rada.counting`."""

from __future__ import annotations


class CountingError(Exception):
    """Base of every error the counting library raises.

    ``hint`` says what the person running the count can do about it, when we know.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class BallotFileError(CountingError):
    """A ballot file is malformed: the message names the file, the line and the fault."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = file or "<input>"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.file = file
        self.line = line
        self.reason = message


class InvalidBallotError(CountingError):
    """A ballot breaks the rule (a duplicate preference, an unknown candidate) and is refused."""


class RuleError(CountingError):
    """The rule cannot be applied to this input (too few candidates, unknown rule, bad options)."""
