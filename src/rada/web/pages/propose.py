"""Opening a proposal from the council page: first its kind, then a form with the fields that
kind needs (the candidates of an appointment, the projects of a budget, ...).

``/councils/{slug}/propose`` lists the kinds the council decides; ``?kind=budget`` shows that
kind's form. It posts back to the same address with the session's CSRF token; a success
redirects (303) to the new proposal, a refusal shows the form again with each message next to
its field. Without JavaScript everything works: a budget's form has rows for eight projects,
and "More project rows" posts the form back with four more (nothing is opened then).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from babel.numbers import format_decimal
from fastapi import APIRouter, HTTPException, Path, Query
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from rada.councils.errors import CouncilError, NotAllowed
from rada.councils.model import MAX_NAME, Council, Membership, Person
from rada.councils.orders import ProposalKind, Role
from rada.councils.proposals import MAX_TEXT
from rada.services import proposals as service
from rada.services.planning_cycle import product_groups
from rada.services.ports import UnitOfWork
from rada.web.api.deps import api_context
from rada.web.i18n import chosen_language
from rada.web.page_kit import form_text, labels, redirect, rule_in_words, verified_form
from rada.web.security import csrf_token
from rada.web.state import app_state
from rada.web.substance import product_labels
from rada.web.templating import error_text, gettext_for, ngettext_for, render
from rada.web.viewer import signed_in

__all__ = ["form_page", "router", "submit"]

router = APIRouter(include_in_schema=False)

#: A council's short name in a path.
Slug = Path(min_length=1, max_length=64)

ROWS = 8
#: The kinds whose form names a product of the economy.
_NAMES_PRODUCT = (ProposalKind.INVESTMENT, ProposalKind.TARGET_REVIEW)
MORE_ROWS = 4
MAX_ROWS = 60


def _products(request: Request) -> tuple[dict[str, str], list[str]]:
    """The products of the app's economy (code: name) and its product groups, which a target
    review or an investment must name."""
    economy = app_state(request).economy()
    return product_labels(economy)[0], list(product_groups(economy))


def _product(typed: str, request: Request, *, groups_too: bool) -> tuple[str | None, str | None]:
    """The product a form names, by its code or its name (any case), or a product group when
    ``groups_too``; else None and the message that names the known products."""
    _ = gettext_for(request)
    products, groups = _products(request)
    if typed in products:
        return typed, None
    wanted = typed.casefold()
    for code, label in products.items():
        if label.casefold() == wanted or code.casefold() == wanted:
            return code, None
    if groups_too:
        for group in groups:
            if group.casefold() == wanted:
                return group, None
    near = [label for label in products.values() if wanted and wanted in label.casefold()]
    examples = near[:5] or list(products.values())[:5]
    ngettext = ngettext_for(request)
    message = ngettext(
        "There is no product “%(product)s” in the economy's table, which has %(n)s product: "
        "%(examples)s.",
        "There is no product “%(product)s” in the economy's table, which has %(n)s products, "
        "such as: %(examples)s.",
        len(products),
    ) % {"product": typed, "n": len(products), "examples": "; ".join(examples)}
    if groups_too:
        message += " " + _("Or name a product group: %(groups)s.") % {"groups": ", ".join(groups)}
    return None, message


def _council(uow: UnitOfWork, slug: str, request: Request) -> Council:
    council = uow.councils.by_slug(slug)
    if council is None:
        _ = gettext_for(request)
        raise HTTPException(404, _("There is no council called %(slug)s.") % {"slug": slug})
    return council


def form_page(
    request: Request,
    slug: str,
    kind: str,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    rows: int = ROWS,
) -> Response:
    """The kinds to choose from, or the form of one kind."""
    _ = gettext_for(request)
    viewer = signed_in(request)
    if viewer is None:
        path = str(request.app.url_path_for("sign_in"))
        target = quote(
            str(request.url.path) + ("?" + request.url.query if request.url.query else "")
        )
        return RedirectResponse(f"{path}?next={target}", status_code=303)
    with api_context(request).uow() as uow:
        council = _council(uow, slug, request)
        membership = uow.memberships.of(council.id, viewer.id)
        members: list[tuple[Membership, Person]] = []
        for m in sorted(uow.memberships.for_council(council.id), key=lambda m: (m.since, m.id)):
            person = uow.people.get(m.person_id)
            if person is not None:
                members.append((m, person))
        federations = [
            c
            for c in (
                uow.councils.get(a.federation_id) for a in uow.councils.affiliated_to(council.id)
            )
            if c is not None
        ]
        office_holders = [
            (o, uow.people.get(o.person_id)) for o in uow.offices.for_council(council.id)
        ]
        delegates = [
            (m, person)
            for fed in federations
            for m in uow.memberships.for_council(fed.id)
            if m.delegate_of == council.id
            for person in [uow.people.get(m.person_id)]
            if person is not None
        ]
    # An affiliation is the federation's invitation (from its page); leaving needs a
    # federation to leave.
    kinds = [
        k
        for k in ProposalKind
        if council.may_hold(k)
        and k is not ProposalKind.AFFILIATION
        and (k is not ProposalKind.DISAFFILIATION or federations)
    ]
    allowed = membership is not None and bool(membership.roles & council.orders.proposers)
    chosen = ProposalKind(kind) if kind in {k.value for k in kinds} else None
    names = labels(_)
    products, groups = _products(request) if chosen in _NAMES_PRODUCT else ({}, [])
    if not allowed:
        status_code = 403
    return render(
        request,
        "councils/propose.html",
        status_code=status_code,
        section="councils",
        council=council,
        viewer=viewer,
        csrf=csrf_token(request),
        allowed=allowed,
        proposers=sorted(council.orders.proposers),
        kinds=[(k, rule_in_words(council.rule_for(k), _, ngettext_for(request))) for k in kinds],
        kind=chosen,
        labels=names,
        members=members,
        federations=federations,
        office_holders=[(o, p) for o, p in office_holders if p is not None],
        delegates=delegates,
        errors=errors or {},
        values=values or {},
        rows=max(ROWS, min(rows, MAX_ROWS)),
        convenor=membership is not None and Role.CONVENOR in membership.roles,
        products=sorted(products.items(), key=lambda item: item[1].casefold()),
        groups=groups,
    )


def _whole(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def _amount(value: str) -> str:
    """An amount as typed (spaces and a decimal comma allowed), for the model to check."""
    cleaned = value.replace("\u00a0", "").replace(" ", "").strip()
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return cleaned


def _project_rows(form: FormData) -> tuple[list[tuple[str, str]], int]:
    """The (name, cost) rows of a budget's form, in order, and how many rows it had."""
    rows = _whole(form_text(form, "rows", 4)) or ROWS
    rows = max(ROWS, min(rows, MAX_ROWS))
    out = []
    for n in range(1, rows + 1):
        out.append(
            (
                form_text(form, f"project-{n}-name", 200).strip(),
                form_text(form, f"project-{n}-cost", 40).strip(),
            )
        )
    return out, rows


@dataclass
class _ProposalForm:
    """A proposal's form as it is read: the service's details and arguments, and the errors."""

    form: FormData
    request: Request
    errors: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    args: dict[str, Any] = field(default_factory=dict)

    def need(self, name: str, message: str) -> str:
        """The field's text; an error if it is blank."""
        value = form_text(self.form, name, 500).strip()
        if not value:
            self.errors[name] = message
        return value

    def whole(self, name: str, message: str) -> int | None:
        """The field as a whole number; an error if it is not one."""
        value = _whole(form_text(self.form, name, 20))
        if value is None:
            self.errors[name] = message
        return value

    def product(self, typed: str, *, groups_too: bool) -> None:
        """The product the reader typed, by its id where the economy knows it."""
        product, wrong = _product(typed, self.request, groups_too=groups_too)
        if wrong:
            self.errors["product"] = wrong
        self.details["product"] = product or typed


def _read_investment(f: _ProposalForm) -> None:
    _ = gettext_for(f.request)
    f.details["cost"] = _amount(f.need("cost", _("Give the investment's cost.")))
    typed = form_text(f.form, "product", 200).strip()
    if typed:
        f.product(typed, groups_too=False)
    capacity = form_text(f.form, "capacity", 40).strip()
    if capacity:
        f.details["capacity"] = _amount(capacity)
    year = form_text(f.form, "from_year", 10).strip()
    if year:
        f.details["from_year"] = f.whole("from_year", _("The year is a whole number."))


def _read_target_review(f: _ProposalForm) -> None:
    _ = gettext_for(f.request)
    typed = f.need("product", _("Name the product whose target is reviewed."))
    if typed:
        f.product(typed, groups_too=True)
    f.details["target"] = _amount(f.need("target", _("Give the target proposed.")))


def _read_post(f: _ProposalForm, kind: ProposalKind) -> None:
    """An appointment's or a recall's post, and its candidates and seats or the person."""
    _ = gettext_for(f.request)
    post = form_text(f.form, "post", 20)
    if post not in ("manager", "delegate"):
        f.errors["post"] = _("Choose the post.")
    f.details["post"] = post
    if post == "delegate":
        f.details["to_council"] = f.whole("to_council", _("Choose the federation."))
    if kind is ProposalKind.APPOINTMENT:
        chosen = [_whole(v) for v in f.form.getlist("candidate") if isinstance(v, str)]
        candidates = [c for c in chosen if c is not None]
        if not candidates:
            f.errors["candidate"] = _("Choose at least one candidate.")
        f.args["candidates"] = candidates
        seats = _whole(form_text(f.form, "seats", 10) or "1")
        if seats is None or seats < 1:
            f.errors["seats"] = _("The number of seats is a whole number, at least 1.")
        f.args["seats"] = seats or 1
    else:
        f.details["person"] = f.whole("person", _("Choose whom to recall."))


def _read_budget(f: _ProposalForm) -> None:
    """A budget and the projects it shares out over."""
    _ = gettext_for(f.request)
    f.details["budget"] = _amount(f.need("budget", _("Give the budget to share out.")))
    rows, _count = _project_rows(f.form)
    projects = []
    for n, (name, cost) in enumerate(rows, start=1):
        if not name and not cost:
            continue
        if not name:
            f.errors[f"project-{n}-name"] = _("Name this project.")
        if not cost:
            f.errors[f"project-{n}-cost"] = _("Give this project's cost.")
        projects.append({"key": f"project-{n}", "label": name, "cost": _amount(cost)})
    if not projects:
        f.errors["project-1-name"] = _("A budget needs at least one project.")
    f.args["projects"] = projects


def _read(
    form: FormData, kind: ProposalKind, request: Request
) -> tuple[dict[str, Any], dict[str, str]]:
    """The service's arguments for ``kind`` from the form, and the fields left wrong."""
    _ = gettext_for(request)
    f = _ProposalForm(form, request)
    if kind is ProposalKind.INVESTMENT:
        _read_investment(f)
    elif kind is ProposalKind.TARGET_REVIEW:
        _read_target_review(f)
    elif kind in (ProposalKind.APPOINTMENT, ProposalKind.RECALL):
        _read_post(f, kind)
    elif kind is ProposalKind.PLAN_ADOPTION:
        f.details["plan"] = f.need("plan", _("Name the plan to adopt."))
    elif kind is ProposalKind.DISAFFILIATION:
        f.details["federation"] = f.whole("federation", _("Choose the federation to leave."))
    elif kind is ProposalKind.REDACTION:
        f.details["entry"] = f.whole("entry", _("Give the number of the record entry."))
        f.details["reason"] = f.need("reason", _("Give the reason for the redaction."))
    elif kind is ProposalKind.BUDGET:
        _read_budget(f)
    f.args["details"] = f.details
    return f.args, f.errors


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"
    }
    values["candidate"] = [v for v in form.getlist("candidate") if isinstance(v, str)]
    return values


async def submit(request: Request, slug: str) -> Response:
    """Open the proposal, or show the form again with what is wrong."""
    form = await verified_form(request)
    _ = gettext_for(request)
    viewer = signed_in(request)
    if viewer is None:
        raise HTTPException(401, _("Sign in to take part."))
    raw_kind = form_text(form, "kind", 40)
    values = _values(form)
    if raw_kind not in {k.value for k in ProposalKind}:
        return form_page(
            request, slug, "", status_code=400, errors={"kind": _("Choose a kind of proposal.")}
        )
    kind = ProposalKind(raw_kind)
    if form_text(form, "more", 10):
        _rows, count = _project_rows(form)
        return form_page(request, slug, kind.value, values=values, rows=count + MORE_ROWS)
    args, errors = _read(form, kind, request)
    # Read whole (the request body is bounded) so that a title or text too long is reported
    # with its real length, next to its field, together with every other error.
    title = " ".join(form_text(form, "title").split())
    text = form_text(form, "text")
    language = chosen_language(request)
    if not title:
        errors["title"] = _("Give the proposal a title.")
    elif len(title) > MAX_NAME:
        errors["title"] = _("The title is %(n)s characters long; at most %(limit)s.") % {
            "n": format_decimal(len(title), locale=language),
            "limit": MAX_NAME,
        }
    if not text.strip():
        errors["text"] = _("Write the proposal's text.")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("The text is %(n)s characters long; at most %(limit)s.") % {
            "n": format_decimal(len(text), locale=language),
            "limit": format_decimal(MAX_TEXT, locale=language),
        }
    rows = _project_rows(form)[1]
    if errors:
        return form_page(
            request, slug, kind.value, status_code=400, errors=errors, values=values, rows=rows
        )
    api = api_context(request)
    try:
        with api.uow() as uow:
            proposal = service.open_proposal(
                uow,
                council=slug,
                kind=kind,
                title=title,
                text=text,
                by=viewer.id,
                now=api.now(),
                discuss=not form_text(form, "draft", 10),
                **args,
            )
            uow.commit()
    except CouncilError as error:
        return form_page(
            request,
            slug,
            kind.value,
            status_code=403 if isinstance(error, NotAllowed) else 400,
            errors={"propose": error_text(request, error)},
            values=values,
            rows=rows,
        )
    return redirect(request, "proposal", proposal_id=proposal.id)


@router.get("/councils/{slug}/propose", name="council_propose")
def propose_form(
    request: Request, slug: str = Slug, kind: str = Query(default="", max_length=40)
) -> Response:
    """Open a proposal: choose its kind, then fill in the form for that kind (members whom
    the standing orders let propose)."""
    return form_page(request, slug, kind)


@router.post("/councils/{slug}/propose", name="council_propose_post")
async def propose(request: Request, slug: str = Slug) -> Response:
    """Open the proposal and go to it (or show the form with what is wrong)."""
    return await submit(request, slug)
