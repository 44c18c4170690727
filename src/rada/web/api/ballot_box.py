"""Group commit of votes: the votes that arrive together are written in one transaction.

Every vote appends to the public record, and appends are serial (one Merkle tree), so a
server that wrote each vote in its own transaction could take no more votes a second than it
can take the record's append lock and commit. The ballot box instead hands each vote to one
writer thread per process: while the writer commits one group, the votes that arrive queue
up, and the writer takes them all (up to ``max_group``) as the next group, in one
transaction with one record append and one commit. A vote is answered only after its group
is committed, so an acknowledged vote is durable, as before.

Within a group each vote is checked on its own (see :func:`rada.services.ballot_box.cast_votes`):
one member's refusal does not hold up the others. Two processes' groups meet in the database,
which keeps one row per member and version of a vote (and replaces a secret ballot once): the
rare group that finds a vote stored (or a ballot replaced) by the other process meanwhile is
rolled back and written once more, against what is stored then.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rada.councils.errors import AlreadyVoted
from rada.services.ballot_box import Cast, VoteRequest, cast_votes
from rada.services.ports import UnitOfWork
from rada.web.api.errors import ApiError

__all__ = ["BallotBox", "Identify"]

log = logging.getLogger(__name__)


#: Finds the person behind each claim of a group in the group's unit of work (in as few
#: queries as it can), or the ApiError that refuses the claim.
Identify = Callable[[UnitOfWork, Sequence[Any]], list[int | ApiError]]


@dataclass
class _Ballot:
    claim: object
    proposal_id: int
    choice: Mapping[str, Any]
    at: datetime
    replace_receipt: str | None = None
    future: Future[Cast] = field(default_factory=Future)


class BallotBox:
    """One process's writer of votes. ``factory`` makes the units of work it writes in;
    ``identify`` tells who the claims of a group are."""

    def __init__(
        self, factory: Callable[[], UnitOfWork], identify: Identify, *, max_group: int = 128
    ) -> None:
        self._factory = factory
        self._identify = identify
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Ballot] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._guard = threading.Lock()

    def submit(
        self,
        claim: object,
        proposal_id: int,
        choice: Mapping[str, Any],
        at: datetime,
        *,
        replace_receipt: str | None = None,
    ) -> Future[Cast]:
        """Queue a vote (or a change of it; ``replace_receipt`` for a secret ballot's); the
        future gives the receipt code (None for an open vote) once the vote is committed, or
        raises the refusal (a CouncilError, or an ApiError when the claim is not valid)."""
        ballot = _Ballot(claim, proposal_id, choice, at, replace_receipt)
        self._start()
        self._queue.put(ballot)
        return ballot.future

    def _start(self) -> None:
        if self._writer is not None:
            return
        with self._guard:
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._run, name="rada-ballot-box", daemon=True
                )
                self._writer.start()

    def _run(self) -> None:
        while True:
            group = [self._queue.get()]
            while len(group) < self._max_group:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(group)

    def _write(self, group: list[_Ballot]) -> None:
        try:
            try:
                outcomes = self._attempt(group)
            except AlreadyVoted:
                # Another process stored one of these members' votes after this group checked:
                # the group was rolled back; written again, that vote is refused on its own.
                outcomes = self._attempt(group)
        except Exception as error:
            if len(group) == 1:
                outcomes = [error]
            else:
                # Whatever failed the group, each vote is tried alone, so that it fails only
                # the vote it belongs to.
                log.warning(
                    "a group of %d votes failed (%s); writing them one by one", len(group), error
                )
                outcomes = []
                for ballot in group:
                    try:
                        outcomes.extend(self._attempt([ballot]))
                    except Exception as alone:
                        outcomes.append(alone)
        for ballot, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                ballot.future.set_exception(outcome)
            else:
                ballot.future.set_result(outcome)

    def _attempt(self, group: list[_Ballot]) -> list[Cast | BaseException]:
        outcomes: list[Cast | BaseException] = [None] * len(group)
        with self._factory() as uow:
            requests: list[VoteRequest] = []
            slots: list[int] = []
            people = self._identify(uow, [ballot.claim for ballot in group])
            for slot, (ballot, person) in enumerate(zip(group, people, strict=True)):
                if isinstance(person, ApiError):
                    outcomes[slot] = person
                    continue
                requests.append(
                    VoteRequest(
                        ballot.proposal_id,
                        person,
                        ballot.choice,
                        ballot.at,
                        replace_receipt=ballot.replace_receipt,
                    )
                )
                slots.append(slot)
            for slot, outcome in zip(slots, cast_votes(uow, requests), strict=True):
                outcomes[slot] = outcome
            uow.commit()
        return outcomes
