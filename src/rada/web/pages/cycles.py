"""The planning cycle in pages: the priorities, each round's plan and every council's answer,
and, for members of a workplace council, their target and a form to contest it.

Contesting opens a target-review proposal carrying a counter-proposal (the capacities the
council believes in); the council adopts or rejects it by its own vote on the proposal's page.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from fastapi import APIRouter, HTTPException, Path
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from rada.councils.cycle import CYCLE_STAGE_NAMES, REVIEW_NAMES, Cycle, CycleStage, Review
from rada.councils.errors import CouncilError, NotAllowed, NotFound, WrongStage
from rada.councils.model import MAX_ID
from rada.councils.orders import ProposalKind
from rada.councils.proposals import AMOUNT_PLACES, MAX_AMOUNT, Proposal
from rada.services import planning_cycle as service
from rada.services import proposals as proposals_service
from rada.services.councils import get_council, require_convenor
from rada.services.ports import UnitOfWork
from rada.web import cycles_comparison as comparisons
from rada.web.api.deps import api_context
from rada.web.economy_names import economy_title, names_for
from rada.web.i18n import chosen_language
from rada.web.page_kit import form_text, verified_form
from rada.web.security import csrf_token
from rada.web.state import app_state
from rada.web.templating import error_text, gettext_for, render
from rada.web.viewer import signed_in

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
CycleId = Path(ge=1, le=MAX_ID)


@router.get("/cycles", name="cycles")
def cycles_page(request: Request) -> HTMLResponse:
    """Every planning cycle."""
    with api_context(request).uow() as uow:
        found = [
            (council, cycle)
            for council in uow.councils.all()
            for cycle in uow.cycles.for_congress(council.id)
        ]
    return render(
        request,
        "cycles/index.html",
        section="cycles",
        cycles=found,
        stage_names=CYCLE_STAGE_NAMES,
    )


def _view(
    request: Request,
    cycle_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    viewer = signed_in(request)
    with api_context(request).uow() as uow:
        try:
            cycle = service.get_cycle(uow, cycle_id)
        except NotFound as error:
            raise HTTPException(404, error_text(request, error)) from error
        councils = {w.council_id: uow.councils.get(w.council_id) for w in cycle.workplaces}
        congress = uow.councils.get(cycle.congress_id)
        mine = []
        convenes = False
        if viewer is not None:
            mine = [
                w
                for w in cycle.workplaces
                if (m := uow.memberships.of(w.council_id, viewer.id)) is not None and m.votes
            ]
            held = uow.memberships.of(cycle.congress_id, viewer.id)
            convenes = held is not None and held.convenor
        reviews: dict[int, Proposal | None] = {}
        open_counters: dict[int, list[Proposal]] = {}
        if cycle.rounds:
            reviews = {c: uow.proposals.get(p) for c, p in cycle.current.reviews.items()}
            open_counters = {
                w.council_id: service.open_counters(uow, cycle, w.council_id) for w in mine
            }
        steps = service.convenor_steps(uow, cycle) if convenes else None
        base = comparisons.base_economy(request, cycle)
        compared = (
            comparisons.comparison(request, uow, cycle, cycle.current, base)
            if cycle.rounds
            else None
        )
        certificates = comparisons.certificates(uow, cycle)
    names = names_for(base, chosen_language(request)) if base is not None else None
    weights = sorted(
        ((g, float(Fraction(w))) for g, w in cycle.weights.items()), key=lambda x: -x[1]
    )
    years = list(range(1, cycle.years + 1))
    return render(
        request,
        "cycles/cycle.html",
        status_code=status_code,
        section="cycles",
        cycle=cycle,
        congress=congress,
        councils=councils,
        weights=weights,
        years=years,
        mine=mine,
        reviews=reviews,
        open_counters=open_counters,
        viewer=viewer,
        errors=errors or {},
        values=values or {},
        Review=Review,
        CycleStage=CycleStage,
        stage_names=CYCLE_STAGE_NAMES,
        review_names=REVIEW_NAMES,
        group_names=service.GROUP_NAMES,
        csrf=csrf_token(request) if viewer else "",
        effects=_effects(cycle),
        steps=steps,
        can_replan=base is not None,
        compared=compared,
        certificates=certificates,
        label=comparisons.label,
        economy_name=economy_title(cycle.economy),
        names=names,
        what_binds=comparisons.what_binds,
    )


def _effects(cycle: Cycle) -> dict[int, dict[str, Any]]:
    """For each council that contested, the plan's fulfilment in the round after its contest
    (the ``planned`` entry in the record holds what each contest alone changed)."""
    out: dict[int, dict[str, Any]] = {}
    for before, after in zip(cycle.rounds, cycle.rounds[1:], strict=False):
        for council in before.counters:
            out[council] = {
                "round": after.number,
                "before": [float(f) for f in before.fulfilment],
                "after": [float(f) for f in after.fulfilment],
            }
    return out


@router.get("/cycles/{cycle_id}", name="cycle")
def cycle_page(request: Request, cycle_id: int = CycleId) -> HTMLResponse:
    """A planning cycle: priorities, rounds, answers, and your council's target."""
    return _view(request, cycle_id)


@router.post("/cycles/{cycle_id}/contest", name="cycle_contest")
async def contest(request: Request, cycle_id: int = CycleId) -> Response:
    """Open a counter-proposal in the viewer's workplace council (members)."""
    form = await verified_form(request)
    viewer = signed_in(request)
    _ = gettext_for(request)
    if viewer is None:
        raise HTTPException(401, _("Sign in to take part."))
    council_text = form_text(form, "council", 20)
    reason = form_text(form, "reason").strip()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    api = api_context(request)
    failure: tuple[int, dict[str, str]] | None = None
    with api.uow() as uow:
        failure, opened_id = _open_contest(
            request, uow, cycle_id, council_text, reason, form, viewer=viewer.id
        )
        if failure is None:
            uow.commit()
    # The page is drawn after the unit of work ends: it opens its own.
    if failure is not None:
        return _view(request, cycle_id, status_code=failure[0], errors=failure[1], values=values)
    path = str(request.app.url_path_for("proposal", proposal_id=str(opened_id)))
    return RedirectResponse(f"{request.scope.get('root_path', '')}{path}", status_code=303)


def _open_contest(
    request: Request,
    uow: Any,
    cycle_id: int,
    council_text: str,
    reason: str,
    form: Any,
    *,
    viewer: int,
) -> tuple[tuple[int, dict[str, str]] | None, int]:
    """Open the counter-proposal; a failure is (status, errors)."""
    _ = gettext_for(request)
    api = api_context(request)
    try:
        cycle = service.get_cycle(uow, cycle_id)
        council_id = int(council_text) if council_text.isdigit() else 0
        workplace = cycle.workplace(council_id)
    except (NotFound, CouncilError) as error:
        return (400, {"contest": error_text(request, error)}), 0
    answer = cycle.current.answers.get(council_id) if cycle.rounds else None
    if cycle.stage is not CycleStage.REVIEW or answer is not Review.PENDING:
        return (409, {"contest": _("Your council has already decided on this round's target.")}), 0
    capacity: dict[str, str] = {}
    errors: dict[str, str] = {}
    for technique, declared in workplace.capacity.items():
        raw = form_text(form, f"capacity-{technique}", 40).strip()
        if not raw or raw == declared:
            continue
        try:
            value = _decimal(raw)
        except InvalidOperation:
            errors[f"capacity-{technique}"] = _("Write a number, such as 0.95.")
            continue
        if not value.is_finite() or value < 0:
            errors[f"capacity-{technique}"] = _("A capacity is a number of at least 0.")
            continue
        if value > MAX_AMOUNT or value.as_tuple().exponent < -AMOUNT_PLACES:  # type: ignore[operator]
            # Stored unchecked, a 27-digit capacity left its proposal's page answering 500.
            errors[f"capacity-{technique}"] = _(
                "A capacity is at most 10^15, with at most 30 decimal places."
            )
            continue
        if value == Decimal(declared):  # the form shows it as the reader's language writes it
            continue
        capacity[technique] = str(value)
    if not capacity and not errors:
        errors["contest"] = _("Change at least one capacity to contest the target.")
    if not reason:
        errors["reason"] = _("Say why: the council votes on it.")
    if errors:
        return (400, errors), 0
    try:
        opened = proposals_service.open_proposal(
            uow,
            council=council_id,
            kind=ProposalKind.TARGET_REVIEW,
            title=_("We contest our target in round %(n)s") % {"n": cycle.current.number},
            text=reason,
            by=viewer,
            now=api.now(),
            details={
                "product": workplace.group,
                "target": "1",
                "cycle": cycle.id,
                "round": cycle.current.number,
                "counter": {"capacity": capacity},
            },
        )
    except CouncilError as error:
        status = 403 if isinstance(error, NotAllowed) else 409
        return (status, {"contest": error_text(request, error)}), 0
    return None, opened.id


def _decimal(text: str) -> Decimal:
    """A number typed in the form, with a decimal point or, as Czech writes it, a comma (and
    spaces between thousands).

    >>> _decimal("0,95"), _decimal("1 234.5")
    (Decimal('0.95'), Decimal('1234.5'))
    """
    cleaned = "".join(text.split())
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return Decimal(cleaned)


def _step(
    request: Request, cycle_id: int, step: str, act: Callable[[UnitOfWork, int], object]
) -> Response:
    """Take one of the convenor's steps if it is possible now; else show the page with the
    reason next to the controls."""
    viewer = signed_in(request)
    _ = gettext_for(request)
    if viewer is None:
        raise HTTPException(401, _("Sign in to take part."))
    failure: tuple[int, str] | None = None
    with api_context(request).uow() as uow:
        try:
            cycle = service.get_cycle(uow, cycle_id, for_update=True)
            require_convenor(uow, get_council(uow, cycle.congress_id), viewer.id)
            reason = getattr(service.convenor_steps(uow, cycle), step)
            if reason is not None:
                raise WrongStage(reason)
            act(uow, viewer.id)
            uow.commit()
        except NotFound as error:
            raise HTTPException(404, error_text(request, error)) from error
        except CouncilError as error:
            failure = (403 if isinstance(error, NotAllowed) else 409, error_text(request, error))
    if failure is not None:
        return _view(request, cycle_id, status_code=failure[0], errors={"steps": failure[1]})
    path = str(request.app.url_path_for("cycle", cycle_id=str(cycle_id)))
    return RedirectResponse(f"{request.scope.get('root_path', '')}{path}#controls", status_code=303)


@router.post("/cycles/{cycle_id}/close-priorities", name="cycle_close_priorities")
async def close_priorities(request: Request, cycle_id: int = CycleId) -> Response:
    """Close the priorities (the congress's convenor)."""
    await verified_form(request)
    now = api_context(request).now()
    return _step(
        request,
        cycle_id,
        "close_priorities",
        lambda uow, by: service.close_priorities(uow, cycle_id=cycle_id, by=by, now=now),
    )


@router.post("/cycles/{cycle_id}/replan", name="cycle_replan")
async def replan(request: Request, cycle_id: int = CycleId) -> Response:
    """Plan the next round with the councils' contests (the congress's convenor)."""
    await verified_form(request)
    return _advance(request, cycle_id, "replan")


@router.post("/cycles/{cycle_id}/put-to-vote", name="cycle_put_to_vote")
async def put_to_vote(request: Request, cycle_id: int = CycleId) -> Response:
    """Put the plan to the congress's vote (the congress's convenor), once confirmed."""
    form = await verified_form(request)
    if form_text(form, "confirm", 10) != "yes":
        _ = gettext_for(request)
        return _view(
            request,
            cycle_id,
            status_code=400,
            errors={"steps": _("Tick the box to confirm: this cannot be undone.")},
        )
    return _advance(request, cycle_id, "put_to_vote")


def _advance(request: Request, cycle_id: int, step: str) -> Response:
    with api_context(request).uow() as uow:
        try:
            cycle = service.get_cycle(uow, cycle_id)
        except NotFound as error:
            raise HTTPException(404, error_text(request, error)) from error
    base = comparisons.base_economy(request, cycle)
    if base is None:
        _ = gettext_for(request)
        return _view(
            request,
            cycle_id,
            status_code=409,
            errors={"steps": _("This server does not hold the economy the cycle plans.")},
        )
    now = api_context(request).now()
    first = not cycle.rounds
    solve = app_state(request).plan_solver()

    def act(uow: UnitOfWork, by: int) -> object:
        if first:
            return service.plan_round(
                uow, cycle_id=cycle_id, base=base, by=by, now=now, solve=solve
            )
        return service.advance(uow, cycle_id=cycle_id, base=base, by=by, now=now, solve=solve)

    return _step(request, cycle_id, step, act)


@router.post("/cycles/{cycle_id}/conclude", name="cycle_conclude")
async def conclude(request: Request, cycle_id: int = CycleId) -> Response:
    """Conclude the cycle once the congress has decided on the plan (its convenor)."""
    await verified_form(request)
    now = api_context(request).now()
    return _step(
        request,
        cycle_id,
        "conclude",
        lambda uow, by: service.conclude(uow, cycle_id=cycle_id, by=by, now=now),
    )
