"""Councils: list, found, show; convenors and invitations (affiliations: api/proposals)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.requests import Request

from rada.councils.orders import CouncilKind, DecisionRule, StandingOrders, default_orders
from rada.services import councils as service
from rada.web.api.deps import ApiDep, ParticipantDep
from rada.web.api.errors import ApiRoute
from rada.web.api.links import COUNCIL_LINKS, INVITATION_LINKS, answer
from rada.web.api.lookup import council_detail
from rada.web.api.schemas import (
    ConvenorCreate,
    CouncilCreate,
    CouncilDetail,
    CouncilPublic,
    InvitationAccept,
    InvitationCreate,
    InvitationIssued,
    MembershipPublic,
    OrdersBody,
)
from rada.web.i18n import chosen_language

router = APIRouter(tags=["councils"], route_class=ApiRoute)

Slug = Annotated[str, Path(min_length=1, max_length=64, description="The council's short name.")]


def _orders(kind: CouncilKind, body: OrdersBody | None) -> StandingOrders | None:
    """The council kind's default orders with the rules and proposers the body names."""
    if body is None:
        return None
    orders = default_orders(kind)
    for proposal_kind, rule in body.rules.items():
        orders = orders.with_rule(proposal_kind, DecisionRule.from_dict(rule.model_dump()))
    if body.proposers is not None:
        orders = replace(orders, proposers=frozenset(body.proposers))
    return orders


@router.get("/councils", summary="Every council")
def list_councils(api: ApiDep) -> list[CouncilPublic]:
    """Every council, oldest first (public)."""
    with api.uow() as uow:
        found = sorted(uow.councils.all(), key=lambda c: (c.created_at, c.id))
    return [CouncilPublic.of(c) for c in found]


@router.post(
    "/councils",
    status_code=201,
    summary="Found a council",
    responses={201: answer("The council founded", COUNCIL_LINKS)},
)
def create_council(body: CouncilCreate, api: ApiDep, caller: ParticipantDep) -> CouncilDetail:
    """Found a council; the founder becomes its convenor (and, in a workplace council or a
    union, its first member). Standing orders not given are the defaults for its kind."""
    with api.uow() as uow:
        council = service.create_council(
            uow,
            name=body.name,
            slug=body.slug,
            kind=body.kind,
            founder_id=caller.id,
            now=api.now(),
            description=body.description,
            orders=_orders(body.kind, body.orders),
        )
        detail = council_detail(uow, council)
        uow.commit()
    return detail


@router.get("/councils/{slug}", summary="A council, its members, orders and offices")
def show_council(slug: Slug, api: ApiDep) -> CouncilDetail:
    """A council with its members and roles, standing orders, offices and affiliations
    (public)."""
    with api.uow() as uow:
        return council_detail(uow, service.get_council(uow, slug))


@router.post("/councils/{slug}/convenors", summary="Make a member a convenor too")
def make_convenor(
    slug: Slug, body: ConvenorCreate, api: ApiDep, caller: ParticipantDep
) -> MembershipPublic:
    """Give a member the convenor role (by a convenor)."""
    with api.uow() as uow:
        membership = service.make_convenor(
            uow, council=slug, person_id=body.person_id, by=caller.id, now=api.now()
        )
        council = service.get_council(uow, slug)
        person = service.get_person(uow, membership.person_id)
        uow.commit()
    return MembershipPublic.of(membership, person, council)


@router.post(
    "/councils/{slug}/invitations",
    status_code=201,
    summary="Invite someone",
    responses={201: answer("The invitation, with its code", INVITATION_LINKS)},
)
def invite(
    slug: Slug, body: InvitationCreate, request: Request, api: ApiDep, caller: ParticipantDep
) -> InvitationIssued:
    """Invite someone to a workplace council or union (any member may). The code is shown
    once, here, and mailed to the address with a link to ``/join``; it works for that e-mail
    address only, once, for 14 days. Someone who has an account with the address is also
    told in their notices."""
    with api.uow() as uow:
        issued = service.invite(
            uow, council=slug, email=body.email, by=caller.id, now=api.now(),
            links=api.links(), language=chosen_language(request),
        )  # fmt: skip
        council = service.get_council(uow, issued.invitation.council_id)
        uow.commit()
    return InvitationIssued.of(issued.invitation, council, issued.code)


@router.post("/invitations/accept", status_code=201, summary="Accept an invitation")
def accept_invitation(
    body: InvitationAccept, api: ApiDep, caller: ParticipantDep
) -> MembershipPublic:
    """Join the council an invitation is for (the account's e-mail address must match)."""
    with api.uow() as uow:
        membership = service.accept_invitation(
            uow, code=body.code, person_id=caller.id, now=api.now()
        )
        council = service.get_council(uow, membership.council_id)
        uow.commit()
    return MembershipPublic.of(membership, caller.person, council)
