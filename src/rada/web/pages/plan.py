"""The plan pages: the optimal plan of the economy, product by product, and why.

``/plan`` shows each year's fulfilment and labour, a chart of both, and every product's target,
gross output and shadow price per year, filtered by a search (htmx asks ``/plan/products``
for the table alone). ``/plan/products/{id}`` shows one product and, in words, what holds its
target back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter, HTTPException, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.planning.certificate import for_people
from rada.planning.explain import Cause, ProductExplanation
from rada.web.economy_names import (
    EconomyNames,
    demo_terms,
    economy_title,
    names_for,
    value_added_for_labour,
)
from rada.web.i18n import chosen_language
from rada.web.state import PlannedEconomy, StateDep
from rada.web.templating import format_bound, gettext_for, render

router = APIRouter(prefix="/plan", include_in_schema=False)

#: Relative tolerance under which a delivery counts as meeting its target.
_MET = 1e-9
#: At most this many characters of search text are read.
_QUERY_LIMIT = 100


@dataclass(frozen=True)
class YearFigures:
    """One year of the plan as a whole."""

    year: int
    fulfilment: float
    labour_used: float
    labour_supply: float
    labour_price: float


@dataclass(frozen=True)
class CertificateView:
    """How close the plan is to the best one, with the bounds written out to ten digits."""

    lower_bound: str
    upper_bound: str
    gap: float
    max_violation: float
    looser: bool
    repaired: bool


@dataclass(frozen=True)
class ProductRow:
    """One product in the table: per year its target, gross output and shadow price."""

    id: str
    label: str
    unit: str
    targets: list[float]
    gross_output: list[float]
    prices: list[float]


@dataclass(frozen=True)
class CauseView:
    """One binding constraint's part in holding a product back, ready to be put in words."""

    kind: Literal["resource", "capacity", "stock"]
    subject: str
    good: str
    #: The unit of what runs out (a resource's, a stock's good's), "" when it has none.
    unit: str
    year: int
    used: float
    limit: float
    requirement: float
    share: float


@dataclass(frozen=True)
class ProductYear:
    """One year of one product, with what holds its target back if it binds."""

    year: int
    target: float
    delivered: float
    gross_output: float
    price: float
    fulfilment: float
    status: Literal["none", "met", "short"]
    explanation: ProductExplanation | None
    causes: list[CauseView]


def years_of(planned: PlannedEconomy) -> list[YearFigures]:
    """Fulfilment and labour, year by year."""
    plan, economy = planned.plan, planned.economy
    labour = economy.resource_index[economy.labour]
    return [
        YearFigures(
            year=y + 1,
            fulfilment=float(plan.fulfilment[y]),
            labour_used=float(plan.labour_used[y]),
            labour_supply=float(plan.labour_supply[y]),
            labour_price=for_people(
                float(plan.resource_prices[y, labour]),
                float(plan.product_prices[y].max(initial=0.0)),
            ),
        )
        for y in range(plan.years)
    ]


def certificate_of(planned: PlannedEconomy, language: str) -> CertificateView:
    """The plan's certificate for the page: bounds to ten significant digits, so that they
    differ where they differ."""
    c = planned.plan.certificate
    return CertificateView(
        lower_bound=format_bound(c.lower_bound, language),
        upper_bound=format_bound(c.upper_bound, language),
        gap=c.gap,
        max_violation=c.max_violation,
        looser=c.looser,
        repaired=not c.accepted,
    )


def matching_products(planned: PlannedEconomy, query: str, names: EconomyNames) -> list[ProductRow]:
    """The products whose name (as the page shows it, or as the economy has it) or id
    contains ``query`` (any case), in the economy's order."""
    plan, economy = planned.plan, planned.economy
    wanted = query.strip().casefold()
    rows: list[ProductRow] = []
    for p, product in enumerate(economy.products):
        label = names.product(product.id)
        found = (label, economy.label(product.id), product.id)
        if wanted and not any(wanted in text.casefold() for text in found):
            continue
        rows.append(
            ProductRow(
                id=product.id,
                label=label,
                unit=names.unit(product.id),
                targets=[float(v) for v in plan.structure.targets[:, p]],
                gross_output=[float(v) for v in plan.gross_output[:, p]],
                prices=[float(v) for v in plan.product_prices[:, p]],
            )
        )
    return rows


def _cause_view(planned: PlannedEconomy, cause: Cause, names: EconomyNames) -> CauseView:
    c = cause.constraint
    good = unit = ""
    if c.kind == "resource":
        subject, unit = names.resource(c.name), names.unit(c.name)
    elif c.kind == "capacity":
        subject = names.workplace(c.name)
    else:
        technique, product = planned.stocks[c.name]
        subject, good, unit = (
            names.workplace(technique),
            names.product(product),
            names.unit(product),
        )
    return CauseView(
        kind=c.kind,
        subject=subject,
        good=good,
        unit=unit,
        year=c.year,
        used=c.used,
        limit=c.limit,
        requirement=cause.requirement,
        share=cause.share,
    )


def product_years(
    planned: PlannedEconomy, product_id: str, names: EconomyNames
) -> list[ProductYear]:
    """Every year of one product, each with its explanation where the target binds."""
    plan = planned.plan
    p = planned.economy.product_index[product_id]
    explained = {item.year: item for item in planned.by_product.get(product_id, [])}
    years: list[ProductYear] = []
    for y in range(plan.years):
        target = float(plan.structure.targets[y, p])
        delivered = float(plan.final_consumption[y, p])
        if target <= 0:
            status: Literal["none", "met", "short"] = "none"
        elif delivered >= target * (1 - _MET):
            status = "met"
        else:
            status = "short"
        explanation = explained.get(y + 1)
        years.append(
            ProductYear(
                year=y + 1,
                target=target,
                delivered=delivered,
                gross_output=float(plan.gross_output[y, p]),
                price=float(plan.product_prices[y, p]),
                fulfilment=float(plan.fulfilment[y]),
                status=status,
                explanation=explanation,
                causes=(
                    [_cause_view(planned, c, names) for c in explanation.causes]
                    if explanation
                    else []
                ),
            )
        )
    return years


def _chart_data(
    request: Request, planned: PlannedEconomy, years: list[YearFigures], names: EconomyNames
) -> str:
    """The chart's data and its translated labels, as JSON for ``static/js/plan-chart.js``."""
    _ = gettext_for(request)
    labour = planned.economy.labour
    unit = names.unit(labour)
    return json.dumps(
        {
            "labels": [_("Year %(year)s") % {"year": y.year} for y in years],
            "fulfilment": [round(y.fulfilment * 100, 4) for y in years],
            "labourUsed": [y.labour_used for y in years],
            "labourSupply": [y.labour_supply for y in years],
            "names": {
                "fulfilment": _("Fulfilment, per cent of targets"),
                "labourUsed": _("Labour used"),
                "labourSupply": _("Labour supply"),
                "labourAxis": f"{names.resource(labour)} ({unit})"
                if unit
                else names.resource(labour),
                "fulfilmentAxis": _("Fulfilment (%)"),
            },
            "locale": chosen_language(request),
        }
    )


Search = Query(default="", max_length=_QUERY_LIMIT, description="Text in a product's name or id")


@router.get("", name="plan")
def plan_page(request: Request, state: StateDep, q: str = Search) -> HTMLResponse:
    """The plan of the whole economy, with the product table filtered by ``q``."""
    planned = state.planned()
    years = years_of(planned)
    language = chosen_language(request)
    names = names_for(planned.economy, language)
    return render(
        request,
        "plan/index.html",
        planned=planned,
        economy_name=economy_title(planned.economy.name),
        about=demo_terms(planned.economy),
        value_added=value_added_for_labour(planned.economy),
        years=years,
        labour_unit=names.unit(planned.economy.labour),
        unit=names.common_unit(),
        chart_data=_chart_data(request, planned, years, names),
        certificate=certificate_of(planned, language),
        products=matching_products(planned, q, names),
        total=len(planned.economy.products),
        query=q,
    )


@router.get("/products", name="plan_products")
def product_table(request: Request, state: StateDep, q: str = Search) -> HTMLResponse:
    """The product table alone, filtered by ``q`` (what the search box asks for)."""
    planned = state.planned()
    names = names_for(planned.economy, chosen_language(request))
    url = request.url_for("plan").include_query_params(q=q) if q else request.url_for("plan")
    return render(
        request,
        "plan/_products.html",
        headers={"HX-Push-Url": f"{url.path}?{url.query}" if url.query else url.path},
        planned=planned,
        unit=names.common_unit(),
        products=matching_products(planned, q, names),
        total=len(planned.economy.products),
        query=q,
    )


@router.get("/products/{product_id}", name="plan_product")
def product_page(request: Request, state: StateDep, product_id: str) -> HTMLResponse:
    """One product: its figures per year and why its target is not met."""
    planned = state.planned()
    if product_id not in planned.economy.product_index:
        _ = gettext_for(request)
        raise HTTPException(
            status_code=404,
            detail=_("The plan has no product %(id)s.") % {"id": product_id},
        )
    names = names_for(planned.economy, chosen_language(request))
    return render(
        request,
        "plan/product.html",
        planned=planned,
        product=planned.economy.product(product_id),
        label=names.product(product_id),
        unit=names.unit(product_id),
        years=product_years(planned, product_id, names),
        value_added=value_added_for_labour(planned.economy),
    )
