"""Federations by consent, on SQLite and PostgreSQL: a council joins only by its own decision,
its delegates' weight comes from the members it represents (and follows them at each
election), leaving ends its delegates' seats, and the tables stay what the record says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rada.councils.errors import Conflict, CouncilError, NotAllowed
from rada.councils.orders import CouncilKind, ProposalKind, Role
from rada.councils.proposals import Outcome
from rada.demo.federation import join_by_consent
from rada.services import accounts
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.ports import UnitOfWork
from rada.store.audit import audit_database
from rada.store.database import Database
from rada.store.projection import AUDITED_TABLES
from rada.store.rebuild import rebuild

T0 = datetime(2026, 6, 1, 9, tzinfo=UTC)


def _events(uow: UnitOfWork, name: str) -> list[dict[str, object]]:
    found, index = [], 0
    while (entry := uow.record.read(index)) is not None:
        if entry.body.get("event") == name:
            found.append({"author": entry.author, "links": entry.links, **entry.body})
        index += 1
    return found


def _vote(uow: UnitOfWork, proposal: int, ballots: dict[int, str], convenor: int) -> Outcome:
    opened = ps.get_proposal(uow, proposal)
    at = opened.created_at + timedelta(hours=opened.rule.discussion_hours)
    ps.open_voting(uow, proposal_id=proposal, by=convenor, now=at)
    for person, position in ballots.items():
        ps.cast_vote(uow, proposal_id=proposal, by=person, choice={"position": position}, now=at)
    decided = ps.close_vote(uow, proposal_id=proposal, by=convenor, now=at)
    assert decided.decision is not None
    return decided.decision.outcome


def test_a_council_joins_and_leaves_only_by_its_own_decision(database: Database) -> None:
    with database.unit_of_work() as uow:
        ana, bo, cy, dan = (
            accounts.register(
                uow, name=n, email=f"{n}@b.coop", password="long enough pw", now=T0
            ).id
            for n in ("ana", "bo", "cy", "dan")
        )
        bakery = cs.create_council(
            uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE, founder_id=ana, now=T0
        )
        fed = cs.create_council(
            uow, name="Food", slug="food", kind=CouncilKind.FEDERATION, founder_id=dan, now=T0
        )
        congress = cs.create_council(
            uow, name="Congress", slug="congress", kind=CouncilKind.CONGRESS, founder_id=dan, now=T0
        )
        cs.admit(
            uow, council=bakery, person=cs.get_person(uow, bo), roles=frozenset({Role.MEMBER}),
            now=T0, by=ana,
        )  # fmt: skip

        # Only the federation's convenor invites; the invitation is the bakery's to decide.
        with pytest.raises(NotAllowed):
            ps.propose_affiliation(uow, federation=fed.id, member=bakery.id, by=ana, now=T0)
        with pytest.raises(NotAllowed, match="federation invites"):
            ps.open_proposal(
                uow, council=bakery.id, kind=ProposalKind.AFFILIATION, title="Join", text="x",
                by=ana, now=T0, details={"federation": fed.id, "delegates": 1},
            )  # fmt: skip
        with pytest.raises(CouncilError, match="congress joins no federation"):
            ps.propose_affiliation(uow, federation=fed.id, member=congress.id, by=dan, now=T0)
        with pytest.raises(CouncilError, match="weight"):
            ps.open_proposal(
                uow, council=bakery.id, kind=ProposalKind.DISAFFILIATION, title="x", text="x",
                by=ana, now=T0, details={"federation": fed.id, "weight": 9},
            )  # fmt: skip
        invited = ps.propose_affiliation(
            uow, federation=fed.id, member=bakery.id, by=dan, now=T0, delegates=1
        )
        assert invited.council_id == bakery.id
        with pytest.raises(Conflict, match="already puts this"):
            ps.propose_affiliation(uow, federation=fed.id, member=bakery.id, by=dan, now=T0)
        assert _vote(uow, invited.id, {ana: "no", bo: "no"}, ana) is Outcome.REJECTED
        assert uow.councils.affiliated_to(bakery.id) == []
        assert _events(uow, "affiliated") == []

        again = ps.propose_affiliation(uow, federation=fed.id, member=bakery.id, by=dan, now=T0)
        assert _vote(uow, again.id, {ana: "yes", bo: "yes"}, ana) is Outcome.ADOPTED
        (joined,) = uow.councils.affiliated_to(bakery.id)
        assert (joined.delegates, joined.weight) == (1, 2)  # two members represented
        (event,) = _events(uow, "affiliated")
        assert event["author"] is None
        assert (event["proposal"], event["represented"], event["weight"]) == (again.id, 2, 2)
        # A federation cannot then join its own member, nor the bakery join twice.
        with pytest.raises(Conflict, match="already affiliated"):
            ps.propose_affiliation(uow, federation=fed.id, member=bakery.id, by=dan, now=T0)

        # Cy joins the bakery; at the next election of its delegate the weight follows.
        cs.admit(
            uow, council=bakery, person=cs.get_person(uow, cy), roles=frozenset({Role.MEMBER}),
            now=T0 + timedelta(days=2), by=ana,
        )  # fmt: skip
        election = ps.open_proposal(
            uow, council=bakery.id, kind=ProposalKind.APPOINTMENT, title="Our delegate",
            text="Who?", by=ana, now=T0 + timedelta(days=2),
            details={"post": "delegate", "to_council": fed.id}, candidates=[bo],
        )  # fmt: skip
        at = T0 + timedelta(days=4)
        ps.open_voting(uow, proposal_id=election.id, by=ana, now=at)
        for person in (ana, bo, cy):
            ps.cast_vote(
                uow, proposal_id=election.id, by=person, choice={"ranking": [f"p{bo}"]}, now=at
            )
        ps.close_vote(uow, proposal_id=election.id, by=None, now=at)
        seat = uow.memberships.of(fed.id, bo)
        assert seat is not None
        assert (seat.weight, seat.delegate_of) == (3, bakery.id)
        (reweighed,) = _events(uow, "reweighed")
        assert (reweighed["weight"], reweighed["represented"]) == (3, 3)
        assert uow.councils.affiliated_to(bakery.id)[0].weight == 3

        # The federation asks the bakery to leave; the bakery agrees; Bo's seat ends with it.
        leave = ps.propose_disaffiliation(
            uow, federation=fed.id, member=bakery.id, by=dan, now=at + timedelta(days=1)
        )
        assert leave.council_id == bakery.id
        outcome = _vote(uow, leave.id, {ana: "yes", bo: "yes", cy: "no"}, ana)
        assert outcome is Outcome.ADOPTED
        assert uow.councils.affiliated_to(bakery.id) == []
        assert uow.memberships.of(fed.id, bo) is None
        (ended,) = [
            m for m in uow.memberships.for_council(fed.id, active=False) if m.person_id == bo
        ]
        assert not ended.active
        assert "left Food" in ended.end_reason
        (left,) = _events(uow, "disaffiliated")
        assert left["proposal"] == leave.id
        with pytest.raises(CouncilError, match="not affiliated"):
            ps.propose_disaffiliation(uow, federation=fed.id, member=bakery.id, by=ana, now=at)
        uow.commit()

    # The tables are exactly what the record says, and the record alone rebuilds them.
    assert audit_database(database.engine, database.record).differences == []


def test_membership_cannot_run_in_a_circle(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'rada.db'}")
    database.upgrade()
    with database.unit_of_work() as uow:
        dan = accounts.register(
            uow, name="dan", email="dan@b.coop", password="long enough pw", now=T0
        ).id
        north, south, bakery = (
            cs.create_council(uow, name=n.title(), slug=n, kind=kind, founder_id=dan, now=T0).id
            for n, kind in (
                ("north", CouncilKind.FEDERATION),
                ("south", CouncilKind.FEDERATION),
                ("bakery", CouncilKind.WORKPLACE),
            )
        )
        at = join_by_consent(
            uow, federation=north, member=bakery, by=dan, voters=(dan,), convenor=dan, at=T0
        )
        seat = ps.open_proposal(
            uow, council=bakery, kind=ProposalKind.APPOINTMENT, title="Delegate", text="x",
            by=dan, now=at, details={"post": "delegate", "to_council": north}, candidates=[dan],
        )  # fmt: skip
        voting = at + timedelta(hours=seat.rule.discussion_hours)
        ps.open_voting(uow, proposal_id=seat.id, by=dan, now=voting)
        ps.cast_vote(uow, proposal_id=seat.id, by=dan, choice={"ranking": [f"p{dan}"]}, now=voting)
        ps.close_vote(uow, proposal_id=seat.id, by=None, now=voting)
        # North's delegate (dan) accepts South's invitation for North...
        join_by_consent(
            uow, federation=south, member=north, by=dan, voters=(dan,), convenor=dan, at=voting
        )
        (joined,) = uow.councils.affiliated_to(north)
        assert joined.weight == 1  # North represents the bakery's one member
        # ...so South may not now join North: a council cannot belong to its own members.
        with pytest.raises(CouncilError, match="itself a member"):
            ps.propose_affiliation(uow, federation=north, member=south, by=dan, now=voting)
        uow.commit()
    target = Database(f"sqlite:///{tmp_path / 'rebuilt.db'}")
    target.upgrade()
    repository = database.record
    notes = [(int(n.split("\n")[1]), n) for n in repository.checkpoints()]
    rebuild(target.engine, lambda: repository.entries(), notes, repository.entry)
    table, key = AUDITED_TABLES["affiliations"]
    order = [table.c[k] for k in key]
    with database.engine.connect() as live, target.engine.connect() as rebuilt:
        assert (
            rebuilt.execute(table.select().order_by(*order)).all()
            == live.execute(table.select().order_by(*order)).all()
        )
    target.dispose()
    database.dispose()
