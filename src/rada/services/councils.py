"""Use cases for councils: found one, invite and admit members, name convenors, end seats."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from rada.councils.errors import Conflict, CouncilError, NotAllowed, NotFound
from rada.councils.events import (
    CouncilFounded,
    DelegateRecalled,
    DelegateSeated,
    MemberJoined,
    MembershipEnded,
    RoleGranted,
)
from rada.councils.model import (
    Council,
    Invitation,
    Membership,
    Person,
    check_email,
)
from rada.councils.orders import (
    COUNCIL_KIND_NAMES,
    CouncilKind,
    Role,
    StandingOrders,
    default_orders,
)
from rada.councils.text import msg
from rada.services.accounts import Links
from rada.services.notifying import notify_invitation, settings_of
from rada.services.ports import OutgoingMail, UnitOfWork
from rada.services.recording import record_one

INVITATION_DAYS = 14


def get_council(uow: UnitOfWork, council: int | str) -> Council:
    """A council by id or short name."""
    found = uow.councils.get(council) if isinstance(council, int) else uow.councils.by_slug(council)
    if found is None:
        raise NotFound(
            msg("there is no council %(council)r", council=council),
            hint=msg("`rada council list` lists them"),
        )
    return found


def get_person(uow: UnitOfWork, person_id: int) -> Person:
    """A person by id."""
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound(msg("there is no person %(person)s", person=person_id))
    return person


def require_convenor(uow: UnitOfWork, council: Council, person_id: int) -> Membership:
    """The person's membership, when they convene ``council``."""
    membership = uow.memberships.of(council.id, person_id)
    if membership is None or not membership.convenor:
        raise NotAllowed(msg("only a convenor of %(council)s may do this", council=council.name))
    return membership


def require_member(uow: UnitOfWork, council: Council, person_id: int) -> Membership:
    """The person's voting membership of ``council``."""
    membership = uow.memberships.of(council.id, person_id)
    if membership is None or not membership.active:
        raise NotAllowed(msg("only members of %(council)s may do this", council=council.name))
    return membership


def create_council(
    uow: UnitOfWork,
    *,
    name: str,
    slug: str,
    kind: CouncilKind,
    founder_id: int,
    now: datetime,
    description: str = "",
    orders: StandingOrders | None = None,
) -> Council:
    """Found a council. The founder becomes its convenor and, in a workplace council or a
    union, its first member; a federation's or congress's members are delegates, so there
    the founder convenes without a vote until elected as a delegate."""
    founder = get_person(uow, founder_id)
    if uow.councils.by_slug(slug) is not None:
        raise Conflict(
            msg("the short name %(slug)r is taken", slug=slug),
            hint=msg("choose another short name"),
        )
    council = Council(
        name=name,
        slug=slug,
        kind=kind,
        orders=orders or default_orders(kind),
        created_at=now,
        description=description,
    )
    council.check_roll_call()
    uow.councils.add(council)
    roles = {Role.CONVENOR}
    if kind in (CouncilKind.WORKPLACE, CouncilKind.UNION):
        roles.add(Role.MEMBER)
    membership = uow.memberships.add(
        Membership(council.id, founder.id, frozenset(roles), since=now)
    )
    council.record_index = record_one(
        uow,
        CouncilFounded(
            council=council.id,
            at=now,
            by=founder.id,
            name=council.name,
            slug=council.slug,
            kind=council.kind.value,
            description=council.description,
            orders=council.orders.to_dict(),
            convenor={"id": founder.id, "name": founder.name},
            membership=membership.id,
            roles=sorted(r.value for r in membership.roles),
        ),
    )
    uow.councils.save(council)
    return council


def end_seat(
    uow: UnitOfWork,
    seat: Membership,
    reason: str,
    now: datetime,
    decision_index: int,
    *,
    recalled: bool = False,
) -> None:
    """End a membership (a delegate's seat, mostly) by a decision, and record why."""
    seat.end(at=now, reason=reason)
    uow.memberships.save(seat)
    ended = DelegateRecalled if recalled else MembershipEnded
    record_one(
        uow,
        ended(
            council=seat.council_id,
            at=now,
            by=None,
            links=(decision_index,),
            membership=seat.id,
            person=seat.person_id,
            reason=reason,
            delegate_of=seat.delegate_of,
        ),
    )


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Issued:
    """An invitation and its code (shown once; only its hash is kept)."""

    invitation: Invitation
    code: str


def invite(
    uow: UnitOfWork,
    *,
    council: int | str,
    email: str,
    by: int,
    now: datetime,
    links: Links | None = None,
    language: str | None = None,
) -> Issued:
    """Invite someone to a workplace council or union; any member may invite.

    With ``links`` (the entry points pass them) the invitation is sent: a mail to the address
    with a link to ``/join?code=...``, and a notice to whoever has an account with that
    address. The code is in the mail's payload, in plain text, until the mail is sent (the
    outbox then empties the payload); apart from that only its hash is kept. The mail is in
    the invited person's language if they chose one, else in ``language``."""
    target = get_council(uow, council)
    if target.kind not in (CouncilKind.WORKPLACE, CouncilKind.UNION):
        raise CouncilError(
            msg(
                "%(council)s is a %(kind)s: its members are elected delegates",
                council=target.name,
                kind=COUNCIL_KIND_NAMES[target.kind],
            ),
            hint=msg("delegates join by election in their own council"),
        )
    require_member(uow, target, by)
    # A letter first: a code starting with "-" would read as an option on a command line.
    code = "i" + secrets.token_urlsafe(18)
    invitation = Invitation(
        council_id=target.id,
        email=check_email(email),
        code_hash=_code_hash(code),
        invited_by=by,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    issued = Issued(uow.invitations.add(invitation), code)
    if links is not None:
        _send_invitation(uow, issued, target, links=links, language=language)
    return issued


def _send_invitation(
    uow: UnitOfWork, issued: Issued, council: Council, *, links: Links, language: str | None
) -> None:
    """Queue the invitation's mail, and tell the invited person if they have an account."""
    invitation = issued.invitation
    inviter = get_person(uow, invitation.invited_by)
    invited = uow.people.by_email(invitation.email)
    chosen = None if invited is None else settings_of(uow, invited.id).language
    uow.outbox.add_many(
        [
            OutgoingMail(
                address=invitation.email,
                purpose="invitation",
                language=chosen or language or "en",
                created_at=invitation.created_at,
                due_at=invitation.created_at,
                person_id=None if invited is None else invited.id,
                payload={
                    "link": links("/join?" + urlencode({"code": issued.code})),
                    "code": issued.code,
                    "council": council.name,
                    "by": inviter.name,
                    "expires_at": invitation.expires_at.isoformat(),
                },
            )
        ]
    )
    if invited is not None:
        notify_invitation(
            uow, person_id=invited.id, council_id=council.id, council_name=council.name,
            by_name=inviter.name, invitation_id=invitation.id, now=invitation.created_at,
        )  # fmt: skip


def admit(
    uow: UnitOfWork,
    *,
    council: Council,
    person: Person,
    roles: frozenset[Role],
    now: datetime,
    by: int | None,
    weight: int = 1,
    delegate_of: int | None = None,
    links: tuple[int, ...] = (),
) -> Membership:
    """Add a membership and record it."""
    if uow.memberships.of(council.id, person.id) is not None:
        raise Conflict(
            msg(
                "%(person)s is already a member of %(council)s",
                person=person.name,
                council=council.name,
            )
        )
    membership = uow.memberships.add(
        Membership(council.id, person.id, roles, since=now, weight=weight, delegate_of=delegate_of)
    )
    joined = MemberJoined if delegate_of is None else DelegateSeated
    record_one(
        uow,
        joined(
            council=council.id,
            at=now,
            by=by,
            links=links,
            membership=membership.id,
            person={"id": person.id, "name": person.name},
            roles=sorted(r.value for r in roles),
            weight=weight,
            delegate_of=delegate_of,
        ),
    )
    return membership


def accept_invitation(uow: UnitOfWork, *, code: str, person_id: int, now: datetime) -> Membership:
    """Join the council an invitation is for. The code works once, before it expires, and
    only for the e-mail address it was sent to."""
    invitation = uow.invitations.by_code_hash(_code_hash(code))
    if invitation is None:
        raise NotFound(
            msg("this invitation code is not known"), hint=msg("ask for a new invitation")
        )
    if invitation.accepted_at is not None:
        raise Conflict(msg("this invitation has been used already"))
    if now >= invitation.expires_at:
        raise CouncilError(msg("this invitation has expired"), hint=msg("ask for a new invitation"))
    person = get_person(uow, person_id)
    if person.email != invitation.email:
        raise NotAllowed(msg("this invitation was sent to another e-mail address"))
    council = get_council(uow, invitation.council_id)
    membership = admit(
        uow,
        council=council,
        person=person,
        roles=frozenset({Role.MEMBER}),
        now=now,
        by=invitation.invited_by,
    )
    uow.invitations.accept(invitation.id, at=now)
    return membership


def make_convenor(
    uow: UnitOfWork, *, council: int | str, person_id: int, by: int, now: datetime
) -> Membership:
    """Make a member a convenor too (by an existing convenor)."""
    target = get_council(uow, council)
    require_convenor(uow, target, by)
    membership = require_member(uow, target, person_id)
    membership.grant(Role.CONVENOR)
    uow.memberships.save(membership)
    record_one(
        uow,
        RoleGranted(
            council=target.id,
            at=now,
            by=by,
            membership=membership.id,
            person=person_id,
            role=Role.CONVENOR.value,
        ),
    )
    return membership
