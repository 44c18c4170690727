"""The councils' error hierarchy: one base, a subclass per rule that can be broken.

An error's message and hint are :class:`~rada.councils.text.Message` objects when the domain
raises them (``raise NotFound(msg("there is no post %(post)s", post=7))``): ``str(error)`` and
``error.hint`` are the English text, ``error.message`` and ``error.hint_message`` what a page
translates into its reader's language.
"""

from __future__ import annotations

from rada.councils.text import Message


class CouncilError(Exception):
    """Something a council's rules or standing orders do not allow.

    ``hint`` says what the person can do instead, when there is something to say. Plain text
    is taken as already written in its reader's language (the command line's English, or a
    page's own translated words).

    Examples
    --------
    >>> from rada.councils.text import msg
    >>> error = CouncilError(msg("there is no post %(post)s", post=7), hint="ask again")
    >>> str(error), error.hint, error.message.template
    ('there is no post 7', 'ask again', 'there is no post %(post)s')
    """

    def __init__(self, message: str | Message, *, hint: str | Message | None = None) -> None:
        super().__init__(str(message))
        self.message: str | Message = message
        self.hint_message: str | Message | None = hint
        self.hint: str | None = None if hint is None else str(hint)


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


class RecordMismatch(CouncilError):
    """The tables say something the public record does not (an edit outside Rada): the
    use case stops rather than act on it."""


class TooLarge(CouncilError):
    """What was sent is over a documented limit (a record entry, a body)."""
