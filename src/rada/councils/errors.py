"""The councils' error hierarchy: one base, a subclass per rule that can be broken."""

from __future__ import annotations


class CouncilError(Exception):
    """Something a council's rules or standing orders do not allow.

    ``hint`` says what the person can do instead, when there is something to say.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class NotFound(CouncilError):
    """A council, person, proposal or post that does not exist."""


class NotAllowed(CouncilError):
    """The person is not entitled to do this (not a member, not the author, not a convenor)."""


class WrongStage(CouncilError):
    """The proposal is not at the stage this needs (e.g. a vote outside the voting period)."""


class AlreadyVoted(CouncilError):
    """A member tried to vote twice on one proposal."""


class InvalidChoice(CouncilError):
    """A vote that does not fit the decision rule (an unknown option, a block without reason)."""


class InvalidStandingOrders(CouncilError):
    """Standing orders that contradict themselves (a quorum above one, a period of zero)."""


class Conflict(CouncilError):
    """A name or address already taken."""
