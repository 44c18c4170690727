"""Councils in words: every council, and one council's members, offices, standing orders
and proposals (public; no account needed)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, HTTPException, Path
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from rada.councils.errors import CouncilError, NotAllowed
from rada.councils.model import MAX_DELEGATES, Person
from rada.councils.orders import CouncilKind, ProposalKind
from rada.councils.proposals import Stage
from rada.services import planning_cycle
from rada.services.councils import Issued, invite
from rada.services.proposals import propose_affiliation
from rada.web.api.deps import api_context
from rada.web.i18n import chosen_language
from rada.web.page_kit import form_text, labels, redirect, rule_in_words, verified_form
from rada.web.security import csrf_token
from rada.web.templating import error_text, gettext_for, ngettext_for, render
from rada.web.viewer import signed_in

__all__ = ["Slug", "router"]

router = APIRouter(include_in_schema=False)

#: The kinds of council that admit members by invitation (the others seat elected delegates).
INVITING = (CouncilKind.WORKPLACE, CouncilKind.UNION)


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


Slug = Path(min_length=1, max_length=64)


@router.get("/councils/{slug}", name="council")
def council_page(request: Request, slug: str = Slug) -> HTMLResponse:
    """A council: members and roles, offices, standing orders, proposals and coming votes."""
    return _council_page(request, slug)


def _council_page(
    request: Request,
    slug: str,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    invitation: Issued | None = None,
) -> HTMLResponse:
    """The council page, with the forms the viewer may use."""
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
        cycles = planning_cycle.cycles_of(uow, council.id)
        inviting = (
            mine is not None
            and mine.convenor
            and council.kind in (CouncilKind.FEDERATION, CouncilKind.CONGRESS)
        )
        joined = {a.member_id for a, _other in affiliates}
        invitable = (
            [
                c
                for c in uow.councils.all()
                if c.id != council.id and c.id not in joined and c.kind is not CouncilKind.CONGRESS
            ]
            if inviting
            else []
        )
    open_ = [p for p in proposals if p.stage in (Stage.DISCUSSION, Stage.VOTING)]
    drafts = [p for p in proposals if p.stage is Stage.DRAFT]
    decided = [p for p in proposals if p.stage is Stage.DECIDED]
    upcoming = sorted(
        (p for p in proposals if p.stage is Stage.VOTING and p.closes_at is not None),
        key=lambda p: (p.closes_at, p.id),
    )
    rules = [
        (kind, rule_in_words(council.rule_for(kind), _, ngettext_for(request)))
        for kind in ProposalKind
        if council.may_hold(kind)
    ]
    may_propose = mine is not None and bool(mine.roles & council.orders.proposers)
    return render(
        request,
        "councils/council.html",
        status_code=status_code,
        headers={"Cache-Control": "no-store"} if invitation is not None else None,
        section="councils",
        may_propose=may_propose,
        may_invite=mine is not None and council.kind in INVITING,
        invitable=invitable,
        invitation=invitation,
        errors=errors or {},
        values=values or {},
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
        cycles=cycles,
        affiliated_to=affiliated_to,
        labels=labels(_),
        viewer=viewer,
        membership=mine,
        csrf=csrf_token(request),
    )


@router.post("/councils/{slug}/affiliate", name="council_affiliate")
async def invite_council(request: Request, slug: str = Slug) -> Response:
    """Invite a council to join this federation (its convenor): opens the affiliation
    proposal in that council, which decides; the answer goes to that proposal."""
    form = await verified_form(request)
    _ = gettext_for(request)
    viewer = signed_in(request)
    if viewer is None:
        raise HTTPException(401, _("Sign in to take part."))
    member = form_text(form, "member", 64).strip()
    raw = form_text(form, "delegates", 10).strip() or "1"
    values = {"member": member, "delegates": raw}
    errors = {}
    if not member:
        errors["affiliate-member"] = _("Choose the council to invite.")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DELEGATES:
        errors["affiliate-delegates"] = _(
            "The number of delegates is a whole number from 1 to %(limit)s."
        ) % {"limit": MAX_DELEGATES}
    if errors:
        return _council_page(request, slug, status_code=400, errors=errors, values=values)
    api = api_context(request)
    try:
        with api.uow() as uow:
            proposal = propose_affiliation(
                uow,
                federation=slug,
                member=member,
                by=viewer.id,
                now=api.now(),
                delegates=int(raw),
            )
            uow.commit()
    except CouncilError as error:
        return _council_page(
            request,
            slug,
            status_code=403 if isinstance(error, NotAllowed) else 400,
            errors={"affiliate": error_text(request, error)},
            values=values,
        )
    return redirect(request, "proposal", proposal_id=proposal.id)


@router.post("/councils/{slug}/invite", name="council_invite")
async def invite_member(request: Request, slug: str = Slug) -> Response:
    """Invite someone by e-mail (any member of a workplace council or union). The code is
    shown in this answer only: the server keeps its hash."""
    form = await verified_form(request)
    _ = gettext_for(request)
    viewer = signed_in(request)
    if viewer is None:
        raise HTTPException(401, _("Sign in to take part."))
    email = form_text(form, "email", 320).strip()
    if not email:
        return _council_page(
            request, slug, status_code=400, errors={"invite": _("Enter the e-mail address.")}
        )
    api = api_context(request)
    try:
        with api.uow() as uow:
            issued = invite(
                uow, council=slug, email=email, by=viewer.id, now=api.now(), links=api.links(),
                language=chosen_language(request),
            )  # fmt: skip
            uow.commit()
    except CouncilError as error:
        return _council_page(
            request,
            slug,
            status_code=403 if isinstance(error, NotAllowed) else 400,
            errors={"invite": error_text(request, error)},
            values={"invite": email},
        )
    return _council_page(request, slug, invitation=issued)
