"""A small workplace council the service tests share: Ana (its convenor), Bo and Cy, members
of the Bakery, each with an account; and a motion Bo opens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rada.councils.orders import CouncilKind, ProposalKind
from rada.services import accounts
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.ports import UnitOfWork

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
Factory = Callable[[], UnitOfWork]


@dataclass
class Bakery:
    uow: Factory
    ana: int  # convenor
    bo: int
    cy: int
    council: int

    def __call__(self) -> UnitOfWork:
        return self.uow()


def found_bakery(uow_factory: Factory) -> Bakery:
    """Ana founds the Bakery and invites Bo and Cy, who accept (all at ``T0``)."""
    with uow_factory() as uow:
        ids = [
            accounts.register(
                uow, name=name, email=f"{name.split()[0].lower()}@bakery.coop",
                password="long enough pw", now=T0,
            ).id
            for name in ("Ana Dvořák", "Bo Novák", "Cy Malá")
        ]  # fmt: skip
        council = cs.create_council(
            uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE, founder_id=ids[0],
            now=T0,
        )  # fmt: skip
        for email, person in (("bo@bakery.coop", ids[1]), ("cy@bakery.coop", ids[2])):
            issued = cs.invite(uow, council=council.id, email=email, by=ids[0], now=T0)
            cs.accept_invitation(uow, code=issued.code, person_id=person, now=T0)
        uow.commit()
    return Bakery(uow_factory, *ids, council.id)


def open_motion(b: Bakery, uow: UnitOfWork, title: str = "Second oven") -> int:
    """Bo opens a motion in the Bakery (at ``T0``); its id."""
    return ps.open_proposal(
        uow, council=b.council, kind=ProposalKind.MOTION, title=title,
        text="Buy a second oven.", by=b.bo, now=T0,
    ).id  # fmt: skip
