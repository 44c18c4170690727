"""Small builders for the store's tests: people, councils and proposals to store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rada.councils.model import Council, Membership, Person
from rada.councils.orders import CouncilKind, ProposalKind, Role, default_orders
from rada.councils.proposals import Option, Proposal, Version
from rada.record.encoding import Entry, EntryKind
from rada.store.unit_of_work import SqlUnitOfWork

NOW = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def later(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def person(uow: SqlUnitOfWork, name: str = "Ana Horak") -> Person:
    email = name.lower().replace(" ", ".") + "@example.org"
    return uow.people.add(Person(name=name, email=email, joined_at=NOW))


def council(
    uow: SqlUnitOfWork, slug: str = "bakery", kind: CouncilKind = CouncilKind.WORKPLACE
) -> Council:
    return uow.councils.add(
        Council(
            name=slug.capitalize(),
            slug=slug,
            kind=kind,
            orders=default_orders(kind),
            created_at=NOW,
        )
    )


def member(uow: SqlUnitOfWork, council_id: int, person_id: int) -> Membership:
    return uow.memberships.add(
        Membership(council_id, person_id, frozenset({Role.MEMBER}), since=NOW)
    )


def motion(uow: SqlUnitOfWork, council: Council, author_id: int) -> Proposal:
    proposal = Proposal(
        council_id=council.id,
        kind=ProposalKind.MOTION,
        title="Buy a second oven",
        author_id=author_id,
        rule=council.orders.rule_for(ProposalKind.MOTION),
        created_at=NOW,
        versions=[Version(1, "We buy a second oven.", NOW)],
    )
    return uow.proposals.add(proposal)


def election(uow: SqlUnitOfWork, council: Council, author_id: int, *candidates: int) -> Proposal:
    proposal = Proposal(
        council_id=council.id,
        kind=ProposalKind.APPOINTMENT,
        title="Elect a manager",
        author_id=author_id,
        rule=council.orders.rule_for(ProposalKind.APPOINTMENT),
        created_at=NOW,
        versions=[Version(1, "Who manages the bakery?", NOW)],
        details={"post": "manager"},
        options=tuple(Option(f"p{c}", f"Candidate {c}", person_id=c) for c in candidates),
    )
    return uow.proposals.add(proposal)


def post_entry(text: str, *, council_id: int = 1) -> Entry:
    return Entry(EntryKind.POST, NOW, {"council": council_id, "text": text}, author="person/1")


def decision_entry(*, council_id: int = 1) -> Entry:
    return Entry(EntryKind.DECISION, NOW, {"council": council_id, "outcome": "adopted"})
