"""Federations by consent: who may join whom, what the members represent, and what an
adopted affiliation or disaffiliation changes.

A federation (or the congress) invites a council; the council decides by its own standing
orders, on a proposal of kind ``affiliation`` (:func:`rada.services.proposals.propose_affiliation`).
Leaving is decided the same way, on a ``disaffiliation`` proposal. This module holds the rules
and the effects; the proposals module opens the proposals and carries out their decisions.

The weight of a council's delegates is never asked for: it is
:func:`~rada.councils.model.delegate_weight` of the members the council represents
(:func:`represented`), taken when it joins and again at each election of its delegates.
"""

from __future__ import annotations

from datetime import datetime

from rada.councils.errors import Conflict, CouncilError
from rada.councils.events import AffiliationReweighed, CouncilAffiliated, CouncilDisaffiliated
from rada.councils.model import Affiliation, Council, delegate_weight
from rada.councils.orders import COUNCIL_KIND_NAMES, CouncilKind, Role
from rada.councils.text import msg
from rada.services.councils import end_seat, get_council
from rada.services.ports import UnitOfWork
from rada.services.recording import record_one

__all__ = [
    "check_may_join",
    "check_may_leave",
    "join",
    "leave",
    "represented",
    "reweigh",
]


def represented(uow: UnitOfWork, council: Council) -> int:
    """The members a council speaks for: a workplace council's or union's voting members; a
    federation's, the members its own affiliates represent (the congress joins nothing)."""
    if council.kind in (CouncilKind.WORKPLACE, CouncilKind.UNION):
        return sum(
            1
            for m in uow.memberships.for_council(council.id)
            if m.active and Role.MEMBER in m.roles
        )
    total, seen, pending = 0, {council.id}, [council.id]
    while pending:
        for affiliation in uow.councils.affiliations(pending.pop()):
            if affiliation.member_id in seen:
                continue
            seen.add(affiliation.member_id)
            member = get_council(uow, affiliation.member_id)
            if member.kind in (CouncilKind.WORKPLACE, CouncilKind.UNION):
                total += represented(uow, member)
            else:
                pending.append(member.id)
    return total


def _within(uow: UnitOfWork, council_id: int) -> set[int]:
    """Every council affiliated to ``council_id``, directly or through others."""
    found: set[int] = set()
    pending = [council_id]
    while pending:
        for affiliation in uow.councils.affiliations(pending.pop()):
            if affiliation.member_id not in found:
                found.add(affiliation.member_id)
                pending.append(affiliation.member_id)
    return found


def check_may_join(uow: UnitOfWork, federation: Council, member: Council) -> None:
    """Refuse an affiliation that cannot be: to a body that takes no members, of the congress
    or of a council to itself, twice, or one that would make a council its own member."""
    if federation.kind not in (CouncilKind.FEDERATION, CouncilKind.CONGRESS):
        raise CouncilError(
            msg(
                "%(council)s is a %(kind)s; only federations take members",
                council=federation.name,
                kind=COUNCIL_KIND_NAMES[federation.kind],
            )
        )
    if member.kind is CouncilKind.CONGRESS:
        raise CouncilError(msg("the congress joins no federation"))
    if member.id == federation.id:
        raise CouncilError(msg("a council cannot be affiliated to itself"))
    if any(a.member_id == member.id for a in uow.councils.affiliations(federation.id)):
        raise Conflict(
            msg(
                "%(member)s is already affiliated to %(federation)s",
                member=member.name,
                federation=federation.name,
            )
        )
    if federation.id in _within(uow, member.id):
        raise CouncilError(
            msg(
                "%(federation)s is itself a member of %(member)s: a council cannot belong to "
                "its own members",
                federation=federation.name,
                member=member.name,
            )
        )


def check_may_leave(uow: UnitOfWork, federation: Council, member: Council) -> Affiliation:
    """The affiliation a council would leave; refused when there is none."""
    for affiliation in uow.councils.affiliations(federation.id):
        if affiliation.member_id == member.id:
            return affiliation
    raise CouncilError(
        msg(
            "%(member)s is not affiliated to %(federation)s",
            member=member.name,
            federation=federation.name,
        )
    )


def join(
    uow: UnitOfWork,
    *,
    federation: Council,
    member: Council,
    delegates: int,
    proposal: int,
    now: datetime,
    decision_index: int,
) -> Affiliation:
    """Carry out an adopted affiliation: the council joins, its delegates' weight taken from
    the members it represents now."""
    check_may_join(uow, federation, member)
    count = represented(uow, member)
    affiliation = Affiliation(
        federation.id, member.id, delegates=delegates, weight=delegate_weight(count, delegates)
    )
    uow.councils.add_affiliation(affiliation)
    record_one(
        uow,
        CouncilAffiliated(
            council=federation.id,
            at=now,
            by=None,
            links=(decision_index,),
            member={"id": member.id, "name": member.name},
            delegates=affiliation.delegates,
            weight=affiliation.weight,
            proposal=proposal,
            represented=count,
        ),
    )
    return affiliation


def leave(
    uow: UnitOfWork,
    *,
    federation: Council,
    member: Council,
    proposal: int,
    now: datetime,
    decision_index: int,
) -> None:
    """Carry out an adopted disaffiliation: the council leaves and its delegates' seats end."""
    check_may_leave(uow, federation, member)
    uow.councils.remove_affiliation(federation.id, member.id)
    record_one(
        uow,
        CouncilDisaffiliated(
            council=federation.id,
            at=now,
            by=None,
            links=(decision_index,),
            member={"id": member.id, "name": member.name},
            proposal=proposal,
        ),
    )
    for seat in uow.memberships.for_council(federation.id):
        if seat.delegate_of == member.id:
            end_seat(
                uow,
                seat,
                f"{member.name} left {federation.name} (proposal {proposal})",
                now,
                decision_index,
            )


def reweigh(
    uow: UnitOfWork,
    affiliation: Affiliation,
    *,
    now: datetime,
    links: tuple[int, ...],
) -> Affiliation:
    """Take the weight of a council's delegates again from the members it represents (at the
    election of its delegates); recorded when it changes."""
    member = get_council(uow, affiliation.member_id)
    count = represented(uow, member)
    weight = delegate_weight(count, affiliation.delegates)
    if weight == affiliation.weight:
        return affiliation
    changed = Affiliation(
        affiliation.federation_id, member.id, delegates=affiliation.delegates, weight=weight
    )
    uow.councils.save_affiliation(changed)
    record_one(
        uow,
        AffiliationReweighed(
            council=affiliation.federation_id,
            at=now,
            by=None,
            links=links,
            member={"id": member.id, "name": member.name},
            weight=weight,
            represented=count,
        ),
    )
    return changed
