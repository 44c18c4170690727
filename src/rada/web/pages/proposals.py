"""A proposal: its text and every version, the discussion, the vote and the decision.

Anyone may read a proposal; members of its council write in the discussion and vote with
the form of the rule in force (yes/no/abstain, consensus, ranked candidates, approval).
A secret ballot's receipt code is shown once, after voting, and checks the ballot after the
count by posting it to ``/proposals/{id}/receipt`` (never in the address).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from babel.dates import format_date, format_time
from fastapi import APIRouter, HTTPException, Path
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from rada.councils.ballots import everyone_voted, receipt_hash, running_tally
from rada.councils.errors import CouncilError, NotAllowed, WrongStage
from rada.councils.model import MAX_ID, Membership, Person
from rada.councils.orders import HOUR, BallotForm, Method, ProposalKind, Role
from rada.councils.proposals import Post, Proposal, Stage
from rada.services import discussion
from rada.services import proposals as service
from rada.services.ports import UnitOfWork
from rada.web.api.deps import api_context
from rada.web.i18n import chosen_language, translations
from rada.web.page_kit import Gettext, form_text, labels, rule_in_words, verified_form
from rada.web.results import (
    BudgetReasons,
    StvOutcome,
    amount,
    budget_ballot,
    budget_chart,
    budget_explained,
    budget_reasons,
    budget_steps,
    money,
    stv_chart,
    stv_outcome,
)
from rada.web.security import csrf_token
from rada.web.substance import labels_for, proposal_substance
from rada.web.templating import error_text, gettext_for, render
from rada.web.times import reader_zone, zone_name
from rada.web.viewer import signed_in

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

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
    zone = reader_zone(request)
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
        substance = proposal_substance(
            uow, proposal, labels=labels_for(request), language=language, _=_
        )
        actions = _actions(
            uow,
            proposal,
            membership,
            viewer_id=None if viewer is None else viewer.id,
            now=now,
            zone=zone,
            language=language,
            _=_,
        )
    decided = proposal.stage is Stage.DECIDED
    tally_shown = decided or (proposal.stage is Stage.VOTING and proposal.rule.shows_live_tally)
    tally = running_tally(proposal, choices) if tally_shown else None
    # A vote may be changed until the vote closes: an open vote by voting again (the roll
    # call shows the last choice, the record keeps every one), a secret ballot by giving the
    # receipt code of the one it replaces.
    may_vote = (
        proposal.stage is Stage.VOTING
        and membership is not None
        and membership.votes
        and (proposal.closes_at is None or now < proposal.closes_at)
    )
    if may_vote and voted and my_vote and not values:
        values = _choice_values(my_vote)
    is_author = viewer is not None and viewer.id == proposal.author_id
    is_budget = proposal.kind is ProposalKind.BUDGET or proposal.rule.method is Method.EQUAL_SHARES
    detail: Mapping[str, Any] = (
        proposal.decision.detail if decided and proposal.decision is not None else {}
    )
    rounds: list[Mapping[str, Any]] = []
    steps = []
    chart: dict[str, Any] | None = None
    reasons: BudgetReasons | None = None
    outcome: StvOutcome | None = None
    if is_budget:
        steps = budget_steps(detail, candidates, language, _)
        if detail.get("rounds") is not None and tally is not None:
            chart = budget_chart(proposal, detail, tally["counts"], language, _)
        # Said only of the count the decision stands on (not one a missed quorum overruled).
        decision, selected = proposal.decision, detail.get("selected")
        if decision is not None and selected is not None and list(decision.elected) == selected:
            why = budget_explained(proposal, detail, choices)
            if why is not None:
                ngettext = translations(language).ngettext
                reasons = budget_reasons(why, candidates, language, _, ngettext)
    elif detail.get("rounds"):
        rounds = list(detail["rounds"])
        if proposal.rule.method is Method.STV:
            chart = stv_chart(rounds, candidates, language, _)
            # A count whose decision elected nobody (the quorum not met) has no result to say.
            if proposal.decision is not None and proposal.decision.elected:
                outcome = stv_outcome(detail, candidates, language, _)
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
        actions=actions,
        closes_words=when(proposal.closes_at, zone, language, _) if proposal.closes_at else None,
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
        budget_reasons=reasons,
        stv_outcome=outcome,
        chart=chart,
        tally=tally,
        tally_shown=tally_shown,
        rule_words=rule_in_words(proposal.rule, _, translations(language).ngettext),
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


def when(moment: datetime, zone: tzinfo, language: str, _: Gettext) -> str:
    """A moment for people, in the reader's zone: "14:00 CET on Friday, December 5, 2026"
    (its date as the language writes it)."""
    return _("%(time)s %(zone)s on %(date)s") % {
        "time": format_time(moment, "HH:mm", tzinfo=zone, locale=language),
        "zone": zone_name(moment, zone, language),
        "date": format_date(moment.astimezone(zone), "full", locale=language),
    }


@dataclass(frozen=True)
class Action:
    """A step the viewer may take on the proposal, said before anyone presses it: whether it
    can be taken now, and when or why not; an irreversible one asks to be confirmed."""

    step: str
    label: str
    enabled: bool
    note: str
    confirm: str = ""


def _actions(
    uow: UnitOfWork,
    proposal: Proposal,
    membership: Membership | None,
    *,
    viewer_id: int | None,
    now: datetime,
    zone: tzinfo,
    language: str,
    _: Gettext,
) -> list[Action]:
    """What the viewer may do with the proposal's stage; whether it may be done now is the
    domain's rule (``Proposal.voting_may_open_at``, ``Proposal.check_may_close``)."""
    convenor = membership is not None and Role.CONVENOR in membership.roles
    rule = proposal.rule
    ngettext = translations(language).ngettext
    out = []
    if proposal.stage is Stage.DRAFT and (convenor or viewer_id == proposal.author_id):
        out.append(
            Action(
                "discussion",
                _("Open the discussion"),
                True,
                ngettext(
                    "The discussion lasts at least %(hours)s hour; then a convenor opens the vote.",
                    "The discussion lasts at least %(hours)s hours; then a convenor opens the "
                    "vote.",
                    rule.discussion_hours,
                )
                % {"hours": rule.discussion_hours},
            )
        )
    if proposal.stage is Stage.DISCUSSION and convenor:
        earliest = proposal.voting_may_open_at
        assert earliest is not None
        closes = max(now, earliest) + timedelta(seconds=rule.voting_hours * HOUR)
        if now < earliest:
            note = ngettext(
                "Voting opens at %(when)s at the earliest: the discussion lasts at least "
                "%(hours)s hour.",
                "Voting opens at %(when)s at the earliest: the discussion lasts at least "
                "%(hours)s hours.",
                rule.discussion_hours,
            ) % {"when": when(earliest, zone, language, _), "hours": rule.discussion_hours}
        else:
            note = ngettext(
                "The vote will last %(hours)s hour: opened now, it closes at %(when)s.",
                "The vote will last %(hours)s hours: opened now, it closes at %(when)s.",
                rule.voting_hours,
            ) % {"hours": rule.voting_hours, "when": when(closes, zone, language, _)}
        out.append(Action("voting", _("Open the vote"), now >= earliest, note))
    if proposal.stage is Stage.VOTING and membership is not None:
        assert proposal.closes_at is not None
        voters = service.electorate(uow, proposal.council_id)
        if rule.secret:
            voted = {p.voter_id for p in uow.ballots.participants(proposal.id)}
        else:
            voted = {v.voter_id for v in uow.votes.for_proposal(proposal.id)}
        try:
            proposal.check_may_close(now=now, everyone_voted=everyone_voted(voters, voted))
            enabled = True
        except WrongStage:
            enabled = False
        entitled = len(voters.weights)
        have = len(voted & set(voters.weights))
        if enabled and now >= proposal.closes_at:
            note = _("The voting period ended at %(when)s.") % {
                "when": when(proposal.closes_at, zone, language, _)
            }
        elif enabled:
            note = _("Every member entitled has voted (%(voted)s of %(n)s).") % {
                "voted": have,
                "n": entitled,
            }
        else:
            note = _(
                "The vote closes at %(when)s, or as soon as every member entitled has voted "
                "(%(voted)s of %(n)s have)."
            ) % {"when": when(proposal.closes_at, zone, language, _), "voted": have, "n": entitled}
        out.append(
            Action(
                "close",
                _("Close the vote and count"),
                enabled,
                note,
                _(
                    "I understand: the count decides, an adopted proposal is carried out at "
                    "once, and this cannot be undone."
                ),
            )
        )
    return out


def _choice_values(choice: Mapping[str, Any]) -> dict[str, Any]:
    """The vote form's fields filled in with a choice already cast (to change it)."""
    out: dict[str, Any] = {}
    if "position" in choice:
        out["position"] = choice["position"]
        if choice.get("reason"):
            out["reason"] = choice["reason"]
    for rank, key in enumerate(choice.get("ranking", []), start=1):
        out[f"rank-{key}"] = str(rank)
    out["approve"] = list(choice.get("approve", []))
    if choice.get("abstain"):
        out["abstain"] = "yes"
    return out


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
        approve = [v for v in form.getlist("approve") if isinstance(v, str)]
        abstain = bool(form_text(form, "abstain", 10))
        if not approve and not abstain:
            # An empty ballot is cast only on purpose: one click must not throw a vote away.
            raise BallotError(
                _("Tick what you support, or tick “I abstain” to cast an empty ballot."),
                ("abstain",),
            )
        if approve and abstain:
            raise BallotError(
                _("You ticked choices and “I abstain”: untick one of them."), ("abstain",)
            )
        return {"approve": approve}
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
            if proposal.rule.secret and not form_text(form, "confirm", 10):
                _ = gettext_for(request)
                raise BallotError(
                    _(
                        "Tick the box to confirm: a secret ballot is changed only with the "
                        "receipt code it gives you."
                    ),
                    ("confirm",),
                )
            replacing = form_text(form, "replace_receipt", 200).strip() or None
            receipt = service.cast_vote(
                uow,
                proposal_id=proposal_id,
                by=viewer.id,
                choice=choice,
                now=api.now(),
                replace_receipt=replacing if proposal.rule.secret else None,
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


@router.post("/proposals/{proposal_id}/receipt", name="proposal_receipt")
async def check_receipt(request: Request, proposal_id: int = ProposalId) -> HTMLResponse:
    """Find one's secret ballot among the published ones by its receipt code. A POST, so that
    the code is in no address (a browser's history, a proxy's log); it changes nothing, so it
    needs no session: the answer goes only to whoever holds the code."""
    form = await request.form()
    code = form_text(form, "code", 200)
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
    (convenor), or close the vote and count it (once the period is over, or everyone entitled
    has voted; confirmed, as it cannot be undone). Who may and when is the domain's rule; a
    refusal says it as the buttons do, in the reader's words and times."""
    form = await verified_form(request)
    viewer = _require_viewer(request)
    _ = gettext_for(request)
    step = form_text(form, "step", 20)
    if step == "close" and not form_text(form, "confirm", 10):
        return _page(
            request,
            proposal_id,
            status_code=400,
            errors={
                "stage": _(
                    "Tick the box to confirm: closing counts the vote, and that cannot be undone."
                )
            },
        )
    api = api_context(request)
    now = api.now()
    try:
        with api.uow() as uow:
            if step == "discussion":
                service.open_discussion(uow, proposal_id=proposal_id, by=viewer.id, now=now)
            elif step == "voting":
                service.open_voting(uow, proposal_id=proposal_id, by=viewer.id, now=now)
            elif step == "close":
                service.close_vote(uow, proposal_id=proposal_id, by=viewer.id, now=now)
            else:
                raise CouncilError(_("Choose what to do with the proposal."))
            uow.commit()
    except CouncilError as error:
        return _page(
            request,
            proposal_id,
            status_code=_status_of(error),
            errors={"stage": _refusal(request, proposal_id, step, error)},
        )
    return _back(request, proposal_id, "decision" if step == "close" else "stage")


def _refusal(request: Request, proposal_id: int, step: str, error: CouncilError) -> str:
    """Why a step was refused: for one that is not possible yet, what its button says (when
    it will be), so that no raw timestamp reaches a person; else the domain's words."""
    if not isinstance(error, WrongStage):
        return error_text(request, error)
    _ = gettext_for(request)
    viewer = signed_in(request)
    api = api_context(request)
    with api.uow() as uow:
        proposal = uow.proposals.get(proposal_id)
        if proposal is None or viewer is None:
            return error_text(request, error)
        membership = uow.memberships.of(proposal.council_id, viewer.id)
        # A non-member is told the same times as a member would be.
        membership = membership or Membership(
            proposal.council_id, viewer.id, frozenset({Role.CONVENOR}), proposal.created_at
        )
        actions = _actions(
            uow,
            proposal,
            membership,
            viewer_id=viewer.id,
            now=api.now(),
            zone=reader_zone(request),
            language=chosen_language(request),
            _=_,
        )
    found = next((a for a in actions if a.step == step and not a.enabled), None)
    return found.note if found is not None else error_text(request, error)


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
