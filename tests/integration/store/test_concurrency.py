"""Races between requests of the same member: the database's unique keys settle them."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.integration.store.world import NOW, council, election, member, motion, person

from rada.councils.ballots import Participation, SecretBallot, Vote
from rada.councils.errors import AlreadyVoted
from rada.record.encoding import Entry, EntryKind
from rada.store.database import Database
from rada.store.unit_of_work import SqlUnitOfWork

THREADS = 8


def _race(attempt: Callable[[int], None]) -> list[BaseException | None]:
    """Run ``attempt(i)`` in THREADS threads released together; what each raised, or None."""
    start = threading.Barrier(THREADS)
    outcomes: list[BaseException | None] = [None] * THREADS

    def run(i: int) -> None:
        start.wait()
        try:
            attempt(i)
        except BaseException as error:
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _setup(database: Database, *, secret: bool) -> tuple[int, int]:
    with database.unit_of_work() as uow:
        ana, bakery = person(uow), council(uow)
        member(uow, bakery.id, ana.id)
        proposal = election(uow, bakery, ana.id, ana.id) if secret else motion(uow, bakery, ana.id)
        uow.commit()
    return proposal.id, ana.id


def _entry(kind: EntryKind, i: int) -> Entry:
    return Entry(kind, NOW, {"council": 1, "attempt": i}, author="person/1")


def test_eight_simultaneous_votes_of_one_member_store_exactly_one(database: Database) -> None:
    proposal_id, ana = _setup(database, secret=False)

    def vote(i: int) -> None:
        uow: SqlUnitOfWork
        with database.unit_of_work() as uow:
            # As the service does: read first (on SQLite a read lock that must then be
            # upgraded, which is why writers begin IMMEDIATE), then insert.
            assert uow.proposals.get(proposal_id) is not None
            assert uow.memberships.of(1, ana) is not None
            uow.votes.add(Vote(proposal_id, ana, {"position": "yes"}, 1, NOW))
            (index,) = uow.record.append([_entry(EntryKind.VOTE, i)])
            uow.votes.set_record_index(proposal_id, ana, index)
            uow.commit()

    outcomes = _race(vote)
    assert sum(o is None for o in outcomes) == 1, outcomes
    assert all(isinstance(o, AlreadyVoted) for o in outcomes if o is not None), outcomes
    with database.unit_of_work() as uow:
        (stored,) = uow.votes.for_proposal(proposal_id)
        assert stored.record_index == 0
    assert database.record.size() == 1


def test_eight_simultaneous_secret_ballots_of_one_member_store_exactly_one(
    database: Database,
) -> None:
    proposal_id, ana = _setup(database, secret=True)

    def cast(i: int) -> None:
        with database.unit_of_work() as uow:
            uow.ballots.participants(proposal_id)  # a read first, as the service does
            uow.ballots.add(
                SecretBallot(proposal_id, f"{i:064x}", {"ranking": ["p1"]}, 1),
                Participation(proposal_id, ana, NOW),
            )
            uow.record.append([_entry(EntryKind.PARTICIPATION, i)])
            uow.commit()

    outcomes = _race(cast)
    assert sum(o is None for o in outcomes) == 1, outcomes
    assert all(isinstance(o, AlreadyVoted) for o in outcomes if o is not None), outcomes
    with database.unit_of_work() as uow:
        assert len(uow.ballots.for_proposal(proposal_id)) == 1
        assert len(uow.ballots.participants(proposal_id)) == 1
    assert database.record.size() == 1


def test_concurrent_appends_of_different_members_all_land_in_order(database: Database) -> None:
    with database.unit_of_work() as uow:
        bakery = council(uow)
        people = [person(uow, f"Member {chr(65 + i)}") for i in range(THREADS)]
        proposal = motion(uow, bakery, people[0].id)
        uow.commit()

    def vote(i: int) -> None:
        with database.unit_of_work() as uow:
            uow.votes.add(Vote(proposal.id, people[i].id, {"position": "yes"}, 1, NOW))
            uow.record.append([_entry(EntryKind.VOTE, i), _entry(EntryKind.VOTE, i)])
            uow.commit()

    assert _race(vote) == [None] * THREADS
    assert database.record.size() == 2 * THREADS
    leaves = [e.leaf_hash for e in database.record.entries()]
    from rada.record import root_of

    assert database.record.root() == root_of(leaves)
