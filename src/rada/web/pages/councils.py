"""Councils in words: every council, and one council's members, offices, standing orders
and proposals (public; no account needed)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from fastapi import APIRouter, HTTPException, Path
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.councils.model import Person
from rada.councils.orders import CouncilKind, DecisionRule, Method, ProposalKind, Role
from rada.councils.proposals import Outcome, Stage
from rada.web.api.deps import api_context
from rada.web.pages.accounts import signed_in
from rada.web.security import csrf_token
from rada.web.templating import gettext_for, render

__all__ = ["labels", "router", "rule_in_words"]

router = APIRouter(include_in_schema=False)

Gettext = Callable[[str], str]


def labels(_: Gettext) -> dict[str, dict[str, str]]:
    """The words for the model's names (kinds, roles, stages, outcomes, methods)."""
    return {
        "council_kind": {
            CouncilKind.WORKPLACE: _("workplace council"),
            CouncilKind.FEDERATION: _("federation"),
            CouncilKind.UNION: _("union"),
            CouncilKind.CONGRESS: _("congress"),
        },
        "role": {
            Role.MEMBER: _("member"),
            Role.DELEGATE: _("delegate"),
            Role.CONVENOR: _("convenor"),
        },
        "kind": {
            ProposalKind.MOTION: _("motion"),
            ProposalKind.INVESTMENT: _("investment"),
            ProposalKind.TARGET_REVIEW: _("review of a target"),
            ProposalKind.APPOINTMENT: _("appointment"),
            ProposalKind.RECALL: _("recall"),
            ProposalKind.PLAN_ADOPTION: _("adoption of the plan"),
            ProposalKind.REDACTION: _("redaction"),
            ProposalKind.BUDGET: _("participatory budget"),
        },
        "stage": {
            Stage.DRAFT: _("draft"),
            Stage.DISCUSSION: _("in discussion"),
            Stage.VOTING: _("voting open"),
            Stage.DECIDED: _("decided"),
        },
        "outcome": {Outcome.ADOPTED: _("adopted"), Outcome.REJECTED: _("rejected")},
        "method": {
            Method.SIMPLE_MAJORITY: _("a simple majority of the votes cast"),
            Method.ABSOLUTE_MAJORITY: _("a majority of all members"),
            Method.TWO_THIRDS: _("two thirds of the votes cast"),
            Method.CONSENSUS: _("consensus (a single block stops it)"),
            Method.RECALL: _("more than half of all members"),
            Method.STV: _("the single transferable vote (Scottish STV)"),
            Method.SCHULZE: _("ranked ballots counted by the Schulze method"),
            Method.APPROVAL: _("approval voting"),
            Method.EQUAL_SHARES: _("the Method of Equal Shares"),
        },
    }


def _share(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else "1"


def rule_in_words(rule: DecisionRule, _: Gettext) -> list[str]:
    """A decision rule as short sentences."""
    method = labels(_)["method"][rule.method]
    words = [_("Decided by %(method)s.") % {"method": method}]
    if rule.fallback is not None:
        words.append(
            _("Without consensus, %(share)s of the votes cast decide.")
            % {"share": _share(rule.fallback)}
        )
    if rule.quorum is None:
        words.append(_("No quorum."))
    else:
        words.append(
            _("Quorum: %(share)s of the members' votes must take part.")
            % {"share": _share(rule.quorum)}
        )
    if rule.discussion_hours:
        words.append(
            _("At least %(hours)s hours of discussion before the vote.")
            % {"hours": rule.discussion_hours}
        )
    else:
        words.append(_("The vote may open without discussion."))
    words.append(_("The vote lasts %(hours)s hours.") % {"hours": rule.voting_hours})
    if rule.secret:
        words.append(_("Secret ballot, with a receipt for each voter."))
    elif rule.shows_live_tally:
        words.append(_("Open vote; the count is shown while voting."))
    else:
        words.append(_("Open vote; the count is hidden until the vote closes."))
    return words


@router.get("/councils", name="councils")
def councils_page(request: Request) -> HTMLResponse:
    """Every council, by name."""
    with api_context(request).uow() as uow:
        found = sorted(uow.councils.all(), key=lambda c: c.name.lower())
    return render(
        request,
        "councils/index.html",
        section="councils",
        councils=found,
        labels=labels(gettext_for(request)),
        viewer=signed_in(request),
        csrf=csrf_token(request),
    )


@router.get("/councils/{slug}", name="council")
def council_page(request: Request, slug: str = Path(min_length=1, max_length=64)) -> HTMLResponse:
    """A council: members and roles, offices, standing orders, proposals and coming votes."""
    _ = gettext_for(request)
    viewer = signed_in(request)
    with api_context(request).uow() as uow:
        council = uow.councils.by_slug(slug)
        if council is None:
            raise HTTPException(404, _("There is no council called %(slug)s.") % {"slug": slug})
        people: dict[int, Person] = {}

        def person(person_id: int) -> Person | None:
            if person_id not in people:
                found = uow.people.get(person_id)
                if found is None:
                    return None
                people[person_id] = found
            return people[person_id]

        members = sorted(uow.memberships.for_council(council.id), key=lambda m: (m.since, m.id))
        member_rows = [(m, person(m.person_id)) for m in members]
        offices = [(o, person(o.person_id)) for o in uow.offices.for_council(council.id)]
        proposals = uow.proposals.for_council(council.id)
        proposals.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        authors = {p.id: person(p.author_id) for p in proposals}
        affiliates = [
            (a, uow.councils.get(a.member_id)) for a in uow.councils.affiliations(council.id)
        ]
        affiliated_to = [
            (a, uow.councils.get(a.federation_id)) for a in uow.councils.affiliated_to(council.id)
        ]
        mine = None if viewer is None else uow.memberships.of(council.id, viewer.id)
    open_ = [p for p in proposals if p.stage in (Stage.DISCUSSION, Stage.VOTING)]
    drafts = [p for p in proposals if p.stage is Stage.DRAFT]
    decided = [p for p in proposals if p.stage is Stage.DECIDED]
    upcoming = sorted(
        (p for p in proposals if p.stage is Stage.VOTING and p.closes_at is not None),
        key=lambda p: (p.closes_at, p.id),
    )
    rules = [
        (kind, rule_in_words(council.orders.rule_for(kind), _))
        for kind in ProposalKind
        if council.may_hold(kind)
    ]
    return render(
        request,
        "councils/council.html",
        section="councils",
        council=council,
        members=member_rows,
        offices=offices,
        open_proposals=open_,
        drafts=drafts,
        decided=decided,
        upcoming=upcoming,
        authors=authors,
        rules=rules,
        proposers=sorted(council.orders.proposers),
        affiliates=affiliates,
        affiliated_to=affiliated_to,
        labels=labels(_),
        viewer=viewer,
        membership=mine,
        csrf=csrf_token(request),
    )
