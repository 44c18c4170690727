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
from rada.councils.errors import CouncilError, NotAllowed
from rada.councils.model import Person, delegate_weight
from rada.councils.orders import BallotForm, Method, ProposalKind, Role
from rada.councils.proposals import Post, Proposal, Stage
from rada.services import discussion
from rada.services import proposals as service
from rada.services.affiliations import represented
from rada.services.ports import UnitOfWork
from rada.web.api.deps import api_context
from rada.web.i18n import chosen_language
from rada.web.pages.accounts import form_text, signed_in, verified_form
from rada.web.pages.councils import Gettext, labels, rule_in_words
from rada.web.pages.results import (
    amount,
    budget_ballot,
    budget_chart,
    budget_steps,
    money,
    stv_chart,
)
from rada.web.security import csrf_token
from rada.web.templating import error_text, gettext_for, render

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


class BallotError(CouncilError):
    """A ballot form filled in wrongly, naming the fields (ranks) that are wrong."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


def _page(
    request: Request,
    proposal_id: int,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    receipt: str | None = None,
    receipt_check: Mapping[str, Any] | None = None,
    invalid: tuple[str, ...] = (),
) -> HTMLResponse:
    """The proposal page, with what the viewer may do."""
    _ = gettext_for(request)
    language = chosen_language(request)
    viewer = signed_in(request)
    api = api_context(request)
    now = api.now()
    with api.uow() as uow:
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
        substance = _substance(uow, proposal, _)
    decided = proposal.stage is Stage.DECIDED
    tally_shown = decided or (proposal.stage is Stage.VOTING and proposal.rule.shows_live_tally)
    tally = running_tally(proposal, choices) if tally_shown else None
    may_vote = (
        proposal.stage is Stage.VOTING and membership is not None and membership.votes and not voted
    )
    is_author = viewer is not None and viewer.id == proposal.author_id
    convenor = membership is not None and Role.CONVENOR in membership.roles
    period_over = proposal.closes_at is not None and now >= proposal.closes_at
    is_budget = proposal.kind is ProposalKind.BUDGET or proposal.rule.method is Method.EQUAL_SHARES
    detail: Mapping[str, Any] = (
        proposal.decision.detail if decided and proposal.decision is not None else {}
    )
    rounds: list[Mapping[str, Any]] = []
    steps = []
    chart: dict[str, Any] | None = None
    if is_budget:
        steps = budget_steps(detail, candidates, language, _)
        if detail.get("rounds") is not None and tally is not None:
            chart = budget_chart(proposal, detail, tally["counts"], language, _)
    elif detail.get("rounds"):
        rounds = list(detail["rounds"])
        if proposal.rule.method is Method.STV:
            chart = stv_chart(rounds, candidates, language, _)
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
        may_revise=is_author and proposal.stage in (Stage.DRAFT, Stage.DISCUSSION),
        may_open_discussion=proposal.stage is Stage.DRAFT and (is_author or convenor),
        may_open_voting=proposal.stage is Stage.DISCUSSION and convenor,
        may_close=proposal.stage is Stage.VOTING
        and membership is not None
        and (convenor or period_over),
        voted=voted,
        my_vote=my_vote,
        voter_names=voter_names,
        took_part=len(voters),
        form=str(proposal.rule.form),
        positions=MOTION if proposal.rule.form is BallotForm.MOTION else CONSENSUS,
        position_labels=_position_labels(request),
        candidates=candidates,
        budget=budget_ballot(proposal, language) if is_budget else None,
        budget_steps=steps,
        budget_selected=list(detail.get("selected", [])),
        budget_spent=money(amount(detail["cost"]), language) if "cost" in detail else None,
        chart=chart,
        tally=tally,
        tally_shown=tally_shown,
        rule_words=rule_in_words(proposal.rule, _),
        substance=substance,
        rounds=rounds,
        labels=labels(_),
        errors=errors or {},
        values=values or {},
        invalid=invalid,
        receipt=receipt,
        receipt_check=receipt_check,
        csrf=csrf_token(request),
    )


def _substance(uow: UnitOfWork, proposal: Proposal, _: Gettext) -> list[tuple[str, str]]:
    """What the proposal would change, as (heading, words) rows for the page's facts."""
    if proposal.kind not in (ProposalKind.AFFILIATION, ProposalKind.DISAFFILIATION):
        return []
    council = uow.councils.get(proposal.council_id)
    federation = uow.councils.get(int(proposal.details["federation"]))
    if council is None or federation is None:
        return []
    rows = [(_("Federation"), federation.name)]
    if proposal.kind is ProposalKind.DISAFFILIATION:
        rows.append(
            (
                _("If adopted"),
                _("%(council)s leaves %(federation)s, and the seats of its delegates there end.")
                % {"council": council.name, "federation": federation.name},
            )
        )
        return rows
    delegates = int(proposal.details["delegates"])
    members = represented(uow, council)
    rows += [
        (_("Delegates it would send"), str(delegates)),
        (
            _("Weight of each delegate's vote"),
            _(
                "%(weight)s: the %(members)s members this council represents today, shared "
                "among %(delegates)s seats and rounded up. It is taken again at each election "
                "of the delegates."
            )
            % {
                "weight": delegate_weight(members, delegates),
                "members": members,
                "delegates": delegates,
            },
        ),
        (
            _("If adopted"),
            _("%(council)s joins %(federation)s and may elect its delegates there.")
            % {"council": council.name, "federation": federation.name},
        ),
    ]
    return rows


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
            status_code=_status_of(error),
            errors={field: error_text(request, error)},
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
    most = len(proposal.options)
    for option in proposal.options:
        given = form_text(form, f"rank-{option.key}", 10).strip()
        if not given:
            continue
        if not given.isdigit() or not 1 <= int(given) <= most:
            raise BallotError(
                _("The rank of %(name)s, “%(given)s”, is not a whole number from 1 to %(n)s.")
                % {"name": option.label, "given": given, "n": most},
                (option.key,),
            )
        ranks.append((int(given), option.key))
    seen: dict[int, list[str]] = {}
    for rank, key in ranks:
        seen.setdefault(rank, []).append(key)
    for rank, keys in sorted(seen.items()):
        if len(keys) > 1:
            names = ", ".join(proposal.option(k).label for k in keys)
            raise BallotError(
                _("%(names)s all have rank %(rank)s: give each candidate a different rank.")
                % {"names": names, "rank": rank},
                tuple(keys),
            )
    if not ranks:
        raise BallotError(_("Rank at least one candidate: put 1 beside your first choice."))
    return {"ranking": [key for _rank, key in sorted(ranks)]}


@router.post("/proposals/{proposal_id}/vote", name="proposal_vote")
async def cast_vote(request: Request, proposal_id: int = ProposalId) -> Response:
    """Cast the viewer's vote; a secret ballot shows its receipt code, once."""
    form = await verified_form(request)
    viewer = _require_viewer(request)
    api = api_context(request)
    values: dict[str, Any] = {k: v for k, v in form.multi_items() if k != "csrf_token"}
    values["approve"] = [v for v in form.getlist("approve") if isinstance(v, str)]
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
            request,
            proposal_id,
            status_code=422,
            errors={"vote": error_text(request, error)},
            values=values,
            invalid=error.fields if isinstance(error, BallotError) else (),
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


def _status_of(error: CouncilError) -> int:
    """The HTTP status of a refused action: 403 for who, 409 for when."""
    return 403 if isinstance(error, NotAllowed) else 409


@router.post("/proposals/{proposal_id}/revise", name="proposal_revise")
async def revise(request: Request, proposal_id: int = ProposalId) -> Response:
    """A new version of the proposal's text (its author, before voting opens)."""
    form = await verified_form(request)
    viewer = _require_viewer(request)
    _ = gettext_for(request)
    text = form_text(form, "text")
    if not text.strip():
        return _page(
            request, proposal_id, status_code=400, errors={"revise": _("Write the new text.")}
        )
    api = api_context(request)
    try:
        with api.uow() as uow:
            service.revise_proposal(
                uow, proposal_id=proposal_id, text=text, by=viewer.id, now=api.now()
            )
            uow.commit()
    except CouncilError as error:
        return _page(
            request,
            proposal_id,
            status_code=_status_of(error),
            errors={"revise": error_text(request, error)},
            values={"revise": text},
        )
    return _back(request, proposal_id, "text-heading")


@router.post("/proposals/{proposal_id}/stage", name="proposal_stage")
async def change_stage(request: Request, proposal_id: int = ProposalId) -> Response:
    """Move the proposal on: open its discussion (author or convenor), open its vote
    (convenor), or close the vote and count it (convenor; any member once the period is
    over)."""
    form = await verified_form(request)
    viewer = _require_viewer(request)
    _ = gettext_for(request)
    step = form_text(form, "step", 20)
    api = api_context(request)
    now = api.now()
    try:
        with api.uow() as uow:
            if step == "discussion":
                service.open_discussion(uow, proposal_id=proposal_id, by=viewer.id, now=now)
            elif step == "voting":
                service.open_voting(uow, proposal_id=proposal_id, by=viewer.id, now=now)
            elif step == "close":
                proposal = service.get_proposal(uow, proposal_id)
                membership = uow.memberships.of(proposal.council_id, viewer.id)
                if membership is None:
                    raise NotAllowed(_("Only members of this council may close its votes."))
                early = proposal.closes_at is not None and now < proposal.closes_at
                if early and Role.CONVENOR not in membership.roles:
                    raise NotAllowed(
                        _("Before the voting period ends only a convenor may close the vote.")
                    )
                service.close_vote(uow, proposal_id=proposal_id, by=viewer.id, now=now)
            else:
                raise CouncilError(_("Choose what to do with the proposal."))
            uow.commit()
    except CouncilError as error:
        return _page(
            request,
            proposal_id,
            status_code=_status_of(error),
            errors={"stage": error_text(request, error)},
        )
    return _back(request, proposal_id, "decision" if step == "close" else "stage")


@router.post("/proposals/{proposal_id}/posts/{post_id}/edit", name="post_edit")
async def edit_post(
    request: Request, proposal_id: int = ProposalId, post_id: int = Path(ge=1, le=MAX_ID)
) -> Response:
    """A new version of one's own post (earlier versions stay visible)."""
    form = await verified_form(request)
    viewer = _require_viewer(request)
    _ = gettext_for(request)
    field = f"edit-{post_id}"
    text = form_text(form, "text")
    if not text.strip():
        return _page(
            request, proposal_id, status_code=400, errors={field: _("Write something first.")}
        )
    api = api_context(request)
    try:
        with api.uow() as uow:
            post = uow.posts.get(post_id)
            if post is None or post.proposal_id != proposal_id:
                raise HTTPException(404, _("There is no post %(id)s.") % {"id": post_id})
            discussion.edit_post(uow, post_id=post_id, text=text, by=viewer.id, now=api.now())
            uow.commit()
    except CouncilError as error:
        return _page(
            request,
            proposal_id,
            status_code=_status_of(error),
            errors={field: error_text(request, error)},
            values={field: text},
        )
    return _back(request, proposal_id, f"post-{post_id}")
