"""The bakery every browser journey starts from: Ana convenes it, Bo and Cy joined by her
invitations (all three with the password below)."""

from __future__ import annotations

from datetime import datetime, timedelta

from rada.councils.model import Council
from rada.councils.orders import CouncilKind
from rada.services import accounts
from rada.services import councils as cs
from rada.services.ports import UnitOfWork

PASSWORD = "correct horse battery"


def found_bakery(uow: UnitOfWork, now: datetime) -> tuple[int, int, int, Council]:
    """Ana's, Bo's and Cy's ids and the bakery's council, founded ten days before ``now``."""
    ana, bo, cy = (
        accounts.register(
            uow,
            name=name,
            email=f"{name.lower()}@bakery.example",
            password=PASSWORD,
            now=now - timedelta(days=10),
        ).id
        for name in ("Ana", "Bo", "Cy")
    )
    bakery = cs.create_council(
        uow,
        name="Bakery North",
        slug="bakery-north",
        kind=CouncilKind.WORKPLACE,
        founder_id=ana,
        now=now - timedelta(days=10),
    )
    for person, email in ((bo, "bo@bakery.example"), (cy, "cy@bakery.example")):
        issued = cs.invite(uow, council=bakery.id, email=email, by=ana, now=now - timedelta(days=9))
        cs.accept_invitation(uow, code=issued.code, person_id=person, now=now - timedelta(days=9))
    return ana, bo, cy, bakery
