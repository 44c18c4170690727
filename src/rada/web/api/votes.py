"""Votes: cast one, list the roll call, the tally, and check a secret ballot's receipt.

What is visible when follows the proposal's rule: a running count only where
``rule.shows_live_tally``; how each member voted in an open vote only where the running count
is shown or once decided; secret ballots only after the count, under their receipts' hashes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from starlette.requests import Request

from rada.councils.ballots import receipt_hash, running_tally
from rada.councils.errors import NotFound, WrongStage
from rada.councils.proposals import Proposal, Stage
from rada.councils.text import msg
from rada.services import proposals as service
from rada.services.ports import UnitOfWork
from rada.web.api.deps import ApiContext, ApiDep, ClaimDep, api_context
from rada.web.api.errors import ApiRoute
from rada.web.api.links import VOTE_LINKS, answer
from rada.web.api.lookup import People
from rada.web.api.proposals import ProposalId
from rada.web.api.schemas import (
    BallotPublic,
    PersonPublic,
    ReceiptBody,
    ReceiptCheck,
    TallyPublic,
    VoteCast,
    VoteCreate,
    VoteList,
    VotePublic,
)

router = APIRouter(tags=["votes"], route_class=ApiRoute)

Receipt = Annotated[str, Path(min_length=1, max_length=200, description="A receipt code.")]


async def _api(request: Request) -> ApiContext:
    return api_context(request)


#: The API's context without a trip to the thread pool (the vote's handler is async).
AsyncApiDep = Annotated[ApiContext, Depends(_api)]


@router.post(
    "/proposals/{proposal_id}/votes",
    status_code=201,
    summary="Cast a vote",
    responses={201: answer("The vote, counted when the vote closes", VOTE_LINKS)},
)
async def cast_vote(
    proposal_id: ProposalId, body: VoteCreate, api: AsyncApiDep, caller: ClaimDep
) -> VoteCast:
    """Vote while voting is open (members entitled to vote), or change one's vote.

    An open vote cast again is changed: the roll call shows the latest choice, the record
    keeps every one. A secret ballot answers with a receipt code, shown once: after the count
    it finds the ballot among the published ones. It is replaced by casting again with
    ``replace_receipt``, the code of one's current ballot; the answer is the new ballot's
    code, and the old ballot is neither counted nor published. A second secret ballot
    without it is refused (409)."""
    # The vote goes to the process's ballot box, which writes the votes that arrive together
    # in one transaction (the caller is looked up in it too) and answers once it is committed.
    cast = api.ballot_box().submit(
        caller, proposal_id, body.choice, api.now(), replace_receipt=body.replace_receipt
    )
    receipt = await asyncio.wrap_future(cast)
    return VoteCast(proposal_id=proposal_id, secret=receipt is not None, receipt=receipt)


def _shown(proposal: Proposal) -> bool:
    """Whether how people voted may be shown now."""
    return proposal.stage is Stage.DECIDED or (
        proposal.stage is Stage.VOTING and proposal.rule.shows_live_tally
    )


def _choices(uow: UnitOfWork, proposal: Proposal) -> list[tuple[Mapping[str, Any], int]]:
    if proposal.rule.secret:
        return [(b.choice, b.weight) for b in uow.ballots.for_proposal(proposal.id)]
    return [(v.choice, v.weight) for v in uow.votes.for_proposal(proposal.id)]


@router.get("/proposals/{proposal_id}/votes", summary="The votes on a proposal")
def list_votes(proposal_id: ProposalId, api: ApiDep) -> VoteList:
    """An open vote's roll call: each voter's latest vote (the choices hidden while the rule
    hides the running count); a secret ballot's participants, and its ballots (those not
    replaced) once counted (public)."""
    with api.uow() as uow:
        proposal = service.get_proposal(uow, proposal_id)
        people = People(uow)
        shown = _shown(proposal)
        if proposal.rule.secret:
            participants = sorted(p.voter_id for p in uow.ballots.participants(proposal.id))
            decided = proposal.stage is Stage.DECIDED
            return VoteList(
                proposal_id=proposal.id,
                secret=True,
                votes=[],
                participants=[PersonPublic.of(people(p)) for p in participants],
                ballots=[
                    BallotPublic(
                        receipt_hash=b.receipt_hash, choice=dict(b.choice), weight=b.weight
                    )
                    for b in uow.ballots.for_proposal(proposal.id)
                ]
                if decided
                else None,
            )
        votes = sorted(uow.votes.for_proposal(proposal.id), key=lambda v: (v.cast_at, v.voter_id))
        return VoteList(
            proposal_id=proposal.id,
            secret=False,
            votes=[
                VotePublic(
                    voter=PersonPublic.of(people(v.voter_id)),
                    choice=dict(v.choice) if shown else None,
                    weight=v.weight,
                    cast_at=v.cast_at,
                    record_index=v.record_index,
                    redacted_by=v.redacted_by,
                    version=v.version,
                )
                for v in votes
            ],
            participants=[PersonPublic.of(people(v.voter_id)) for v in votes],
            ballots=None,
        )


@router.get("/proposals/{proposal_id}/tally", summary="The count so far, or the final count")
def tally(proposal_id: ProposalId, api: ApiDep) -> TallyPublic:
    """The running count while voting, where the rule shows it; the final count once decided;
    otherwise only how many have voted (public)."""
    with api.uow() as uow:
        proposal = service.get_proposal(uow, proposal_id)
        choices = _choices(uow, proposal)
        took_part = (
            len(uow.ballots.participants(proposal.id)) if proposal.rule.secret else len(choices)
        )
    if not _shown(proposal):
        if proposal.stage in (Stage.DRAFT, Stage.DISCUSSION):
            reason = "voting has not opened"
        elif proposal.rule.secret:
            reason = "a secret ballot is counted only after the vote closes"
        else:
            reason = "the standing orders hide the count until the vote closes"
        return TallyPublic(
            proposal_id=proposal.id,
            stage=proposal.stage,
            visible=False,
            final=False,
            counts=None,
            ballots=took_part,
            weight=None,
            reason=reason,
        )
    figures = running_tally(proposal, choices)
    return TallyPublic(
        proposal_id=proposal.id,
        stage=proposal.stage,
        visible=True,
        final=proposal.stage is Stage.DECIDED,
        counts=figures["counts"],
        ballots=figures["ballots"],
        weight=figures["weight"],
        reason=None,
    )


@router.post("/proposals/{proposal_id}/receipts", summary="Find one's secret ballot by receipt")
def check_receipt(proposal_id: ProposalId, body: ReceiptBody, api: ApiDep) -> ReceiptCheck:
    """After the count, the published ballot a receipt code names: the voter sees their
    ballot was counted as cast (public; the code itself is known only to the voter). The code
    goes in the body, so that it is in no address a proxy or a history keeps."""
    return _check_receipt(api, proposal_id, body.code)


@router.get(
    "/proposals/{proposal_id}/receipts/{code}",
    summary="Find one's secret ballot by receipt (code in the address)",
    deprecated=True,
)
def check_receipt_in_path(proposal_id: ProposalId, code: Receipt, api: ApiDep) -> ReceiptCheck:
    """As ``POST /proposals/{id}/receipts``, with the code in the address, where logs may
    keep it: kept for existing clients; prefer the POST."""
    return _check_receipt(api, proposal_id, code)


def _check_receipt(api: ApiContext, proposal_id: int, code: str) -> ReceiptCheck:
    with api.uow() as uow:
        proposal = service.get_proposal(uow, proposal_id)
        if not proposal.rule.secret:
            raise NotFound(
                msg(
                    "proposal %(proposal)s is an open vote: it has no receipts",
                    proposal=proposal_id,
                )
            )
        if proposal.stage is not Stage.DECIDED:
            raise WrongStage(
                msg("the ballots are published after the count"),
                hint=msg("check the receipt once the vote has closed"),
            )
        hashed = receipt_hash(code)
        ballot = next(
            (b for b in uow.ballots.for_proposal(proposal.id) if b.receipt_hash == hashed), None
        )
    if ballot is None:
        raise NotFound(
            msg("no ballot of this proposal has this receipt"),
            hint=msg("check the code exactly as it was given when voting"),
        )
    return ReceiptCheck(
        proposal_id=proposal.id,
        receipt_hash=hashed,
        counted=True,
        ballot=BallotPublic(
            receipt_hash=ballot.receipt_hash, choice=dict(ballot.choice), weight=ballot.weight
        ),
    )
