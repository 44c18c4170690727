"""Reading what the views need through the unit of work's repositories."""

from __future__ import annotations

from rada.councils.model import Council, Person
from rada.services.councils import get_council, get_person
from rada.services.ports import UnitOfWork
from rada.web.api.schemas import (
    AffiliationPublic,
    CouncilDetail,
    CouncilPublic,
    MembershipPublic,
    OfficePublic,
    OrdersPublic,
    RulePublic,
)


class People:
    """People by id, each read once per request."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._seen: dict[int, Person] = {}

    def __call__(self, person_id: int) -> Person:
        if person_id not in self._seen:
            self._seen[person_id] = get_person(self._uow, person_id)
        return self._seen[person_id]


class Councils:
    """Councils by id, each read once per request."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._seen: dict[int, Council] = {}

    def __call__(self, council_id: int) -> Council:
        if council_id not in self._seen:
            self._seen[council_id] = get_council(self._uow, council_id)
        return self._seen[council_id]


def council_detail(uow: UnitOfWork, council: Council) -> CouncilDetail:
    """A council with its members, standing orders, offices and affiliations."""
    people, councils = People(uow), Councils(uow)
    members = sorted(uow.memberships.for_council(council.id), key=lambda m: (m.since, m.id))
    orders = council.orders
    return CouncilDetail(
        **CouncilPublic.of(council).model_dump(),
        orders=OrdersPublic(
            rules={kind: RulePublic.of(rule) for kind, rule in orders.rules.items()},
            proposers=sorted(orders.proposers),
        ),
        members=[MembershipPublic.of(m, people(m.person_id), council) for m in members],
        offices=[
            OfficePublic.of(o, people(o.person_id)) for o in uow.offices.for_council(council.id)
        ],
        affiliates=[
            AffiliationPublic.of(a, council, councils(a.member_id))
            for a in uow.councils.affiliations(council.id)
        ],
        affiliated_to=[
            AffiliationPublic.of(a, councils(a.federation_id), council)
            for a in uow.councils.affiliated_to(council.id)
        ],
    )
