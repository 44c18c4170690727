"""A proposal: its text and every version, the discussion, the vote and the decision.

Anyone may read a proposal; members of its council write in the discussion and vote with
the form of the rule in force (yes/no/abstain, consensus, ranked candidates, approval).
A secret ballot's receipt code is shown once, after voting, and checks the ballot after the
count at ``/proposals/{id}/receipt?code=...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Query
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from rada.councils.ballots import receipt_hash, running_tally
from rada.councils.errors import CouncilError
from rada.councils.model import Person
from rada.councils.orders import BallotForm
from rada.councils.proposals import Post, Proposal, Stage
from rada.services import discussion
from rada.services import proposals as service
from rada.web.api.deps import api_context
from rada.web.pages.accounts import form_text, signed_in, verified_form
from rada.web.pages.councils import labels, rule_in_words
from rada.web.security import csrf_token
from rada.web.templating import gettext_for, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

MAX_ID = 2**62
ProposalId = Path(ge=1, le=MAX_ID)

MOTION = ("yes", "no", "abstain")
CONSENSUS = ("agree", "abstain", "disagree", "block")


def _position_labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {
        "yes": _("Yes"),
        "no": _("No"),
        "abstain": _("Abstain"),
        "agree": _("Agree"),
        "disagree": _("Disagree"),
        "block": _("Block"),
    }


def _page(
    request: Request,
    proposal_id: int,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    receipt: str | None = None,
    receipt_check: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    """The proposal page, with what the viewer may do."""
    _ = gettext_for(request)
    viewer = signed_in(request)
    with api_context(request).uow() as uow:
        proposal = uow.proposals.get(proposal_id)
        if proposal is None:
            raise HTTPException(404, _("There is no proposal %(id)s.") % {"id": proposal_id})
        council = uow.councils.get(proposal.council_id)
        assert council is not None
        people: dict[int, Person | None] = {}

        def person(person_id: int) -> Person | None:
            if person_id not in people:
                people[person_id] = uow.people.get(person_id)
            return people[person_id]

        posts = sorted(uow.posts.for_proposal(proposal.id), key=lambda p: (p.created_at, p.id))
        authors = {p.id: person(p.author_id) for p in posts}
        membership = None if viewer is None else uow.memberships.of(council.id, viewer.id)
        choices: list[tuple[Mapping[str, Any], int]]
        if proposal.rule.secret:
            choices = [(b.choice, b.weight) for b in uow.ballots.for_proposal(proposal.id)]
            voters = [p.voter_id for p in uow.ballots.participants(proposal.id)]
            my_vote: Mapping[str, Any] | None = None
        else:
            votes = uow.votes.for_proposal(proposal.id)
            choices = [(v.choice, v.weight) for v in votes]
            voters = [v.voter_id for v in votes]
            mine = [v for v in votes if viewer is not None and v.voter_id == viewer.id]
            my_vote = dict(mine[0].choice) if mine else None
        voted = viewer is not None and viewer.id in voters
        voter_names = sorted(
            (p.name for p in (person(v) for v in voters) if p is not None), key=str.lower
        )
        proposal_author = person(proposal.author_id)
        candidates = {o.key: o.label for o in proposal.options}
    decided = proposal.stage is Stage.DECIDED
    tally_shown = decided or (proposal.stage is Stage.VOTING and proposal.rule.shows_live_tally)
    tally = running_tally(proposal, choices) if tally_shown else None
    may_vote = (
        proposal.stage is Stage.VOTING and membership is not None and membership.votes and not voted
    )
    rounds = []
    if decided and proposal.decision is not None:
        rounds = list(proposal.decision.detail.get("rounds", []))
    return render(
        request,
        "proposals/proposal.html",
        status_code=status_code,
        section="councils",
        proposal=proposal,
        council=council,
        author=proposal_author,
        thread=_thread(posts),
        post_authors=authors,
        viewer=viewer,
        membership=membership,
        may_post=membership is not None and proposal.allows_posts(),
        may_vote=may_vote,
        voted=voted,
        my_vote=my_vote,
        voter_names=voter_names,
        took_part=len(voters),
        form=str(proposal.rule.form),
        positions=MOTION if proposal.rule.form is BallotForm.MOTION else CONSENSUS,
        position_labels=_position_labels(request),
        candidates=candidates,
        tally=tally,
        tally_shown=tally_shown,
        rule_words=rule_in_words(proposal.rule, _),
        rounds=rounds,
        labels=labels(_),
        errors=errors or {},
        values=values or {},
        receipt=receipt,
        receipt_check=receipt_check,
        csrf=csrf_token(request),
    )


def _thread(posts: list[Post]) -> list[tuple[Post, int]]:
    """Posts in reading order, each with its depth (replies under what they answer)."""
    children: dict[int | None, list[Post]] = {}
    known = {p.id for p in posts}
    for post in posts:
        parent = post.parent_id if post.parent_id in known else None
        children.setdefault(parent, []).append(post)
    out: list[tuple[Post, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for post in children.get(parent, []):
            out.append((post, depth))
            walk(post.id, depth + 1)

    walk(None, 0)
    return out


@router.get("/proposals/{proposal_id}", name="proposal")
def proposal_page(request: Request, proposal_id: int = ProposalId) -> HTMLResponse:
    """A proposal with its versions, discussion, vote and decision."""
    return _page(request, proposal_id)


def _back(request: Request, proposal_id: int, anchor: str) -> RedirectResponse:
    path = str(request.app.url_path_for("proposal", proposal_id=str(proposal_id)))
    root = str(request.scope.get("root_path", ""))
    return RedirectResponse(f"{root}{path}#{anchor}", status_code=303)


def _require_viewer(request: Request) -> Person:
    viewer = signed_in(request)
    if viewer is None:
        _ = gettext_for(request)
        raise HTTPException(401, _("Sign in to take part."))
    return viewer


@router.post("/proposals/{proposal_id}/posts", name="proposal_post")
async def write_post(request: Request, proposal_id: int = ProposalId) -> Response:
    """Write a post or a reply in the discussion (members)."""
    form = await verified_form(request)
    viewer = _require_viewer(request)
    _ = gettext_for(request)
    text = form_text(form, "text").strip()
    reply = form_text(form, "reply_to", 20)
    reply_to = int(reply) if reply.isdigit() and 0 < int(reply) <= MAX_ID else None
    field = f"reply-{reply_to}" if reply_to else "post"
    if not text:
        return _page(
            request, proposal_id, status_code=400, errors={field: _("Write something first.")}
        )
    api = api_context(request)
    try:
        with api.uow() as uow:
            post = discussion.write_post(
                uow,
                proposal_id=proposal_id,
                text=text,
                by=viewer.id,
                now=api.now(),
                reply_to=reply_to,
            )
            uow.commit()
    except CouncilError as error:
        return _page(
            request,
            proposal_id,
            status_code=403 if "member" in str(error) else 409,
            errors={field: str(error)},
            values={field: text},
        )
    return _back(request, proposal_id, f"post-{post.id}")


def _choice(proposal: Proposal, form: FormData, request: Request) -> dict[str, Any]:
    """The ballot the vote form describes (the service checks it against the rule)."""
    _ = gettext_for(request)
    kind = proposal.rule.form
    if kind in (BallotForm.MOTION, BallotForm.CONSENSUS):
        position = form_text(form, "position", 20)
        if not position:
            raise CouncilError(_("Choose one of the positions."))
        choice: dict[str, Any] = {"position": position}
        reason = form_text(form, "reason", 10_000).strip()
        if kind is BallotForm.CONSENSUS and reason:
            choice["reason"] = reason
        return choice
    if kind is BallotForm.APPROVAL:
        return {"approve": [v for v in form.getlist("approve") if isinstance(v, str)]}
    ranks: list[tuple[int, str]] = []
    for option in proposal.options:
        given = form_text(form, f"rank-{option.key}", 10).strip()
        if not given:
            continue
        if not given.isdigit() or not 1 <= int(given) <= len(proposal.options):
            raise CouncilError(
                _("A rank is a whole number from 1 to %(n)s.") % {"n": len(proposal.options)}
            )
        ranks.append((int(given), option.key))
    numbers = [rank for rank, _key in ranks]
    if len(set(numbers)) != len(numbers):
        raise CouncilError(_("Give each candidate a different rank."))
    if not ranks:
        raise CouncilError(_("Rank at least one candidate."))
    return {"ranking": [key for _rank, key in sorted(ranks)]}


@router.post("/proposals/{proposal_id}/vote", name="proposal_vote")
async def cast_vote(request: Request, proposal_id: int = ProposalId) -> Response:
    """Cast the viewer's vote; a secret ballot shows its receipt code, once."""
    form = await verified_form(request)
    viewer = _require_viewer(request)
    api = api_context(request)
    values = {k: v for k, v in form.multi_items() if k != "csrf_token"}
    try:
        with api.uow() as uow:
            proposal = uow.proposals.get(proposal_id)
            if proposal is None:
                _ = gettext_for(request)
                raise HTTPException(404, _("There is no proposal %(id)s.") % {"id": proposal_id})
            choice = _choice(proposal, form, request)
            receipt = service.cast_vote(
                uow, proposal_id=proposal_id, by=viewer.id, choice=choice, now=api.now()
            )
            uow.commit()
    except CouncilError as error:
        return _page(
            request, proposal_id, status_code=422, errors={"vote": str(error)}, values=values
        )
    if receipt is not None:
        # Shown in this answer only: the server keeps nothing that links it to the voter.
        return _page(request, proposal_id, receipt=receipt)
    return _back(request, proposal_id, "vote")


@router.get("/proposals/{proposal_id}/receipt", name="proposal_receipt")
def check_receipt(
    request: Request,
    proposal_id: int = ProposalId,
    code: str = Query(default="", max_length=200),
) -> HTMLResponse:
    """Find one's secret ballot among the published ones by its receipt code."""
    _ = gettext_for(request)
    with api_context(request).uow() as uow:
        proposal = uow.proposals.get(proposal_id)
        if proposal is None:
            raise HTTPException(404, _("There is no proposal %(id)s.") % {"id": proposal_id})
        ballots = uow.ballots.for_proposal(proposal.id) if proposal.rule.secret else []
    code = code.strip()
    if not proposal.rule.secret:
        message = _("This vote is open: it has no receipts.")
        result: dict[str, Any] = {"ok": False, "message": message}
    elif proposal.stage is not Stage.DECIDED:
        result = {"ok": False, "message": _("The ballots are published after the count.")}
    elif not code:
        result = {"ok": False, "message": _("Enter the receipt code you were given.")}
    else:
        hashed = receipt_hash(code)
        ballot = next((b for b in ballots if b.receipt_hash == hashed), None)
        if ballot is None:
            result = {
                "ok": False,
                "message": _("No ballot of this proposal has this receipt."),
            }
        else:
            result = {
                "ok": True,
                "message": _("Your ballot was counted as cast."),
                "hash": hashed,
                "choice": dict(ballot.choice),
            }
    if result["ok"] or not code:
        status = 200
    elif proposal.rule.secret and proposal.stage is not Stage.DECIDED:
        status = 409
    else:
        status = 404
    return _page(request, proposal_id, status_code=status, receipt_check=result)
