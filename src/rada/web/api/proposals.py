"""Proposals: list, open, show, revise, and move through discussion, voting and the count."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from rada.councils.errors import NotAllowed
from rada.councils.model import MAX_ID
from rada.councils.proposals import Proposal, Stage
from rada.councils.text import msg
from rada.services import proposals as service
from rada.services.councils import get_council
from rada.services.ports import UnitOfWork
from rada.web.api.councils import Slug
from rada.web.api.deps import ApiDep, ParticipantDep
from rada.web.api.errors import ApiRoute
from rada.web.api.links import PROPOSAL_LINKS, VOTING_LINKS, answer
from rada.web.api.lookup import People
from rada.web.api.schemas import (
    AffiliationCreate,
    DisaffiliationCreate,
    ProposalCreate,
    ProposalPublic,
    ProposalSummary,
    RevisionCreate,
    proposal_public,
    proposal_summary,
)
from rada.web.substance import Labels, api_labels, proposal_substance

#: The names of the products of the app's economy (the one its plan pages show).
LabelsDep = Annotated[Labels, Depends(api_labels)]

router = APIRouter(tags=["proposals"], route_class=ApiRoute)

ProposalId = Annotated[int, Path(ge=1, le=MAX_ID, description="The proposal's id.")]


@router.get("/councils/{slug}/proposals", summary="A council's proposals")
def list_proposals(
    slug: Slug,
    api: ApiDep,
    stage: Annotated[Stage | None, Query(description="Only proposals at this stage.")] = None,
) -> list[ProposalSummary]:
    """A council's proposals, newest first (public)."""
    with api.uow() as uow:
        council = get_council(uow, slug)
        people = People(uow)
        found = uow.proposals.for_council(council.id, stage=stage)
        found.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        return [proposal_summary(p, people(p.author_id)) for p in found]


@router.post(
    "/councils/{slug}/proposals",
    status_code=201,
    summary="Open a proposal",
    responses={201: answer("The proposal opened", PROPOSAL_LINKS)},
)
def open_proposal(
    slug: Slug, body: ProposalCreate, api: ApiDep, labels: LabelsDep, caller: ParticipantDep
) -> ProposalPublic:
    """Open a proposal (members whom the standing orders let propose). It goes to discussion
    at once unless ``discuss`` is false."""
    with api.uow() as uow:
        proposal = service.open_proposal(
            uow,
            council=slug,
            kind=body.kind,
            title=body.title,
            text=body.text,
            by=caller.id,
            now=api.now(),
            details=body.details,
            candidates=body.candidates,
            seats=body.seats,
            discuss=body.discuss,
        )
        view = _view(uow, proposal, labels)
        uow.commit()
    return view


@router.post(
    "/councils/{slug}/affiliations",
    status_code=201,
    summary="Invite a council to join this federation",
    responses={201: answer("The affiliation proposal, in the invited council", PROPOSAL_LINKS)},
)
def propose_affiliation(
    slug: Slug, body: AffiliationCreate, api: ApiDep, labels: LabelsDep, caller: ParticipantDep
) -> ProposalPublic:
    """A convenor of this federation (or congress) invites a council. The answer is the
    ``affiliation`` proposal opened in the invited council, which decides it by its own
    standing orders; the council joins only if it adopts it. Its delegates' weight is not
    asked: it comes from the members the council represents."""
    with api.uow() as uow:
        proposal = service.propose_affiliation(
            uow,
            federation=slug,
            member=body.member,
            by=caller.id,
            now=api.now(),
            delegates=body.delegates,
            title=body.title,
            text=body.text,
        )
        view = _view(uow, proposal, labels)
        uow.commit()
    return view


@router.post(
    "/councils/{slug}/disaffiliations",
    status_code=201,
    summary="Put to a member council that it leave this federation",
    responses={201: answer("The disaffiliation proposal, in the member council", PROPOSAL_LINKS)},
)
def propose_disaffiliation(
    slug: Slug, body: DisaffiliationCreate, api: ApiDep, labels: LabelsDep, caller: ParticipantDep
) -> ProposalPublic:
    """A convenor of this federation, or a member of the member council, puts it to the
    member council that it leave; the answer is the ``disaffiliation`` proposal, decided by
    the member council's standing orders."""
    with api.uow() as uow:
        proposal = service.propose_disaffiliation(
            uow,
            federation=slug,
            member=body.member,
            by=caller.id,
            now=api.now(),
            title=body.title,
            text=body.text,
        )
        view = _view(uow, proposal, labels)
        uow.commit()
    return view


@router.get("/proposals/{proposal_id}", summary="A proposal, every version and its decision")
def show_proposal(proposal_id: ProposalId, api: ApiDep, labels: LabelsDep) -> ProposalPublic:
    """A proposal with every version of its text, its rule and, once decided, the decision
    with its figures (public)."""
    with api.uow() as uow:
        return _view(uow, service.get_proposal(uow, proposal_id), labels)


def _view(uow: UnitOfWork, proposal: Proposal, labels: Labels) -> ProposalPublic:
    """The proposal with its substance in English, products named by the labels of the app's
    economy, as the pages name them (the API answers in English)."""
    substance = proposal_substance(uow, proposal, labels=labels, language="en", _=str)
    return proposal_public(proposal, People(uow)(proposal.author_id), substance)


@router.post(
    "/proposals/{proposal_id}/versions",
    summary="Revise a proposal's text",
    responses={200: answer("The proposal with its new version", PROPOSAL_LINKS)},
)
def revise_proposal(
    proposal_id: ProposalId,
    body: RevisionCreate,
    api: ApiDep,
    labels: LabelsDep,
    caller: ParticipantDep,
) -> ProposalPublic:
    """A new version of the text, by its author, before voting opens; earlier versions stay."""
    with api.uow() as uow:
        proposal = service.revise_proposal(
            uow, proposal_id=proposal_id, text=body.text, by=caller.id, now=api.now()
        )
        view = _view(uow, proposal, labels)
        uow.commit()
    return view


@router.post(
    "/proposals/{proposal_id}/discussion",
    summary="Put a draft to discussion",
    responses={200: answer("The proposal, in discussion", PROPOSAL_LINKS)},
)
def open_discussion(
    proposal_id: ProposalId, api: ApiDep, labels: LabelsDep, caller: ParticipantDep
) -> ProposalPublic:
    """Move a draft into discussion (its author or a convenor)."""
    with api.uow() as uow:
        proposal = service.open_discussion(
            uow, proposal_id=proposal_id, by=caller.id, now=api.now()
        )
        view = _view(uow, proposal, labels)
        uow.commit()
    return view


@router.post(
    "/proposals/{proposal_id}/voting",
    summary="Open the vote",
    responses={200: answer("The proposal, its vote open", VOTING_LINKS)},
)
def open_voting(
    proposal_id: ProposalId, api: ApiDep, labels: LabelsDep, caller: ParticipantDep
) -> ProposalPublic:
    """Open the vote once the discussion has lasted as long as the standing orders say
    (a convenor)."""
    with api.uow() as uow:
        proposal = service.open_voting(uow, proposal_id=proposal_id, by=caller.id, now=api.now())
        view = _view(uow, proposal, labels)
        uow.commit()
    return view


@router.post(
    "/proposals/{proposal_id}/close",
    summary="Close the vote and count it",
    responses={200: answer("The proposal, decided", VOTING_LINKS)},
)
def close_vote(
    proposal_id: ProposalId, api: ApiDep, labels: LabelsDep, caller: ParticipantDep
) -> ProposalPublic:
    """Close the vote once its period is over, or once everyone entitled has voted, and
    count it; the decision is recorded and carried out. Any member of the council may ask:
    closing decides nothing that the count does not."""
    with api.uow() as uow:
        proposal = service.get_proposal(uow, proposal_id)
        if uow.memberships.of(proposal.council_id, caller.id) is None:
            council = get_council(uow, proposal.council_id)
            raise NotAllowed(
                msg("only members of %(council)s may close its votes", council=council.name)
            )
        proposal = service.close_vote(uow, proposal_id=proposal_id, by=caller.id, now=api.now())
        view = _view(uow, proposal, labels)
        uow.commit()
    return view
