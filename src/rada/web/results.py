"""Counts in words, tables and charts: the steps of a participatory budget counted by the
Method of Equal Shares, and the stages of a single transferable vote.

The decision's ``detail`` is the counting library's own result (``PbResult.to_dict()``,
``StvResult.to_dict()``), stored with the decision; amounts in it are numbers or exact
fractions written ``"n/d"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from babel.numbers import format_decimal

from rada.councils.proposals import Proposal

__all__ = [
    "BudgetBallot",
    "BudgetStep",
    "budget_ballot",
    "budget_chart",
    "budget_steps",
    "money",
    "stv_chart",
]

Gettext = Callable[[str], str]


def amount(value: object) -> Fraction:
    """An amount of a count's result (a number or ``"n/d"``) exactly; 0 when unreadable."""
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return Fraction(0)


def money(value: Fraction | Decimal, language: str) -> str:
    """An amount of money for people: grouped thousands and at most two decimals.

    >>> money(Fraction(2501, 2), "en"), money(Fraction(1, 3), "cs")
    ('1,250.5', '0,33')
    """
    return format_decimal(
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else value,
        format="#,##0.##",
        locale=language,
    )


@dataclass(frozen=True)
class BudgetBallot:
    """What the ballot of a participatory budget shows: the budget and each project's cost."""

    budget: Decimal
    costs: dict[str, Decimal]
    budget_text: str
    cost_texts: dict[str, str]


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def budget_ballot(proposal: Proposal, language: str) -> BudgetBallot:
    """The budget and the projects' costs, as numbers and as text."""
    budget = _decimal(proposal.details.get("budget", "0"))
    costs = {o.key: _decimal(o.cost or "0") for o in proposal.options}
    return BudgetBallot(
        budget,
        costs,
        money(budget, language),
        {key: money(cost, language) for key, cost in costs.items()},
    )


@dataclass(frozen=True)
class BudgetStep:
    """One step of the Method of Equal Shares, ready to show."""

    number: int
    key: str
    label: str
    cost: str
    supporters: int
    price: str
    remaining: str
    funded: bool
    words: str


def _skipped(_: Gettext) -> dict[str, str]:
    """Why the counting library left a project out, in words."""
    return {
        "skipped: does not fit": _("skipped: it costs more than is left"),
        "stop: does not fit": _("the count stopped: it costs more than is left"),
        "below threshold": _("too few supporters"),
    }


def budget_steps(
    detail: Mapping[str, Any], labels: Mapping[str, str], language: str, _: Gettext
) -> list[BudgetStep]:
    """Each step of the count: the project bought, its cost, what each supporter paid, and
    the money left, with a sentence saying so."""
    steps: list[BudgetStep] = []
    for raw in detail.get("rounds", []):
        key = str(raw.get("project", ""))
        label = labels.get(key, key)
        cost = money(amount(raw.get("cost", 0)), language)
        remaining = money(amount(raw.get("remaining", 0)), language)
        supporters = int(amount(raw.get("score", 0)))
        funded = raw.get("decision") == "funded"
        price = money(amount(raw["price"]), language) if raw.get("price") is not None else "—"
        values = {
            "project": label,
            "cost": cost,
            "n": supporters,
            "price": price,
            "remaining": remaining,
        }
        if funded and raw.get("price") is not None:
            words = (
                _(
                    "%(project)s was funded: it costs %(cost)s; its supporters (%(n)s) shared "
                    "the cost, each paying at most %(price)s. %(remaining)s of the budget was "
                    "left."
                )
                % values
            )
        elif funded:
            words = _("%(project)s was funded (%(cost)s); %(remaining)s was left.") % values
        else:
            decision = str(raw.get("decision", ""))
            words = _(
                "%(project)s (%(cost)s) was not funded: %(decision)s. %(remaining)s was left."
            ) % {**values, "decision": _skipped(_).get(decision, decision)}
        steps.append(
            BudgetStep(
                int(raw.get("number", len(steps) + 1)),
                key,
                label,
                cost,
                supporters,
                price,
                remaining,
                funded,
                words,
            )
        )
    return steps


def budget_chart(
    proposal: Proposal,
    detail: Mapping[str, Any],
    approvals: Mapping[str, int],
    language: str,
    _: Gettext,
) -> dict[str, Any]:
    """The chart of a counted budget for ``static/js/council-charts.js``: every project's
    cost and its supporters, the funded ones marked."""
    selected = set(detail.get("selected", []))
    projects = list(proposal.options)
    return {
        "kind": "budget",
        "locale": language,
        "labels": [o.label for o in projects],
        "cost": [float(amount(o.cost or 0)) for o in projects],
        "funded": [o.key in selected for o in projects],
        "approvals": [int(approvals.get(o.key, 0)) for o in projects],
        "budget": float(amount(proposal.details.get("budget", 0))),
        "names": {
            "funded": _("Cost of a funded project"),
            "unfunded": _("Cost of a project not funded"),
            "approvals": _("Supporters"),
            "costAxis": _("Cost"),
            "approvalsAxis": _("Supporters"),
        },
    }


def stv_chart(
    rounds: Sequence[Mapping[str, Any]], candidates: Mapping[str, str], language: str, _: Gettext
) -> dict[str, Any]:
    """The chart of an STV count for ``static/js/council-charts.js``: each candidate's votes
    at the end of each stage, stacked, and the votes that could not be transferred."""
    totals = [dict(r.get("totals", {})) for r in rounds]
    lost = Fraction(0)
    exhausted = []
    for r in rounds:
        lost += amount(r.get("non_transferable", 0))
        exhausted.append(round(float(lost), 4))
    return {
        "kind": "stv",
        "locale": language,
        "labels": [_("Stage %(n)s") % {"n": r.get("number", i + 1)} for i, r in enumerate(rounds)],
        "series": [
            {"label": label, "data": [round(float(t.get(key, 0)), 4) for t in totals]}
            for key, label in candidates.items()
        ],
        "exhausted": {"label": _("Not transferable (so far)"), "data": exhausted},
        "quota": [
            round(float(r["quota"]), 4) if r.get("quota") is not None else None for r in rounds
        ],
        "names": {"votes": _("Votes"), "quota": _("Quota")},
    }
