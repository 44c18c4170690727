"""Counts in words, tables and charts: the steps of a participatory budget counted by the
Method of Equal Shares and why the rest was not funded, and the stages and the result of a
single transferable vote.

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
from rada.counting.budget import PbProfile, PbProject
from rada.counting.errors import RuleError
from rada.counting.mes_explain import (
    ProjectStanding,
    SharesExplained,
    completion_raise,
    explain_equal_shares,
)

__all__ = [
    "BudgetBallot",
    "BudgetReasons",
    "BudgetStep",
    "StvLine",
    "StvOutcome",
    "budget_ballot",
    "budget_chart",
    "budget_explained",
    "budget_reasons",
    "budget_steps",
    "money",
    "stv_chart",
    "stv_outcome",
    "votes",
]

Gettext = Callable[[str], str]
NGettext = Callable[[str, str, int], str]


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


def budget_explained(
    proposal: Proposal, detail: Mapping[str, Any], choices: Sequence[tuple[Mapping[str, Any], int]]
) -> SharesExplained | None:
    """The count of a decided budget replayed from its ballots, project by project
    (:func:`~rada.counting.mes_explain.explain_equal_shares`); None when the ballots do not
    reproduce the count as recorded (a ballot emptied by a redaction since, a count by
    another rule): then nothing is said rather than something untrue."""
    if detail.get("rule") != "equal-shares" or any(not choice for choice, _ in choices):
        return None
    projects = tuple(PbProject(o.key, amount(o.cost or 0)) for o in proposal.options)
    index = {p.id: j for j, p in enumerate(projects)}
    ballots = tuple(
        tuple(index[key] for key in choice.get("approve", ()) if key in index)
        for choice, _ in choices
    )
    budget = amount(proposal.details.get("budget", 0))
    profile = PbProfile(
        {"budget": str(budget), "vote_type": "approval"},
        projects,
        ballots,
        None,
        tuple(weight for _, weight in choices),
    )
    rounds = list(detail.get("rounds", []))
    try:
        why = explain_equal_shares(
            profile,
            [str(r.get("project")) for r in rounds],
            raised=completion_raise(detail.get("notes", [])) or 0,
        )
    except RuleError:
        return None
    supporters = {p.project: p.supporters for p in why.projects}
    for raw, (project, price) in zip(rounds, why.purchases, strict=True):
        recorded = amount(raw.get("price", 0))
        # A price is recorded as a float when its decimals end: equal to its last digit.
        if supporters[project] != amount(raw.get("score", -1)) or abs(recorded - price) > (
            Fraction(1, 10**9) * max(price, Fraction(1))
        ):
            return None
    return why


@dataclass(frozen=True)
class BudgetReasons:
    """Why a counted budget came out as it did, in Equal Shares' own terms: the completion
    that raised the shares (if it did), why money was left unspent, and why the projects
    with the most supporters were not funded."""

    completion: str | None
    unspent: str | None
    most_supported: tuple[str, ...]


def budget_reasons(
    why: SharesExplained,
    labels: Mapping[str, str],
    language: str,
    _: Gettext,
    ngettext: NGettext,
) -> BudgetReasons:
    """The sentences of :class:`BudgetReasons`, every amount exact until written with
    :func:`money` in ``language``."""

    def name(project: str) -> str:
        return labels.get(project, project)

    completion = None
    if why.raised:
        completion = _(
            "The count used the add1 completion: it raised each voter's share from %(share)s "
            "to %(raised)s, one unit at a time, and kept the last result whose projects still "
            "fitted the budget. What supporters had left is counted in these raised shares."
        ) % {
            "share": money(why.initial_share, language),
            "raised": money(why.share, language),
        }
    return BudgetReasons(
        completion,
        _unspent_reason(why, name, language, _, ngettext),
        tuple(
            words
            for p in why.most_supported()
            if (words := _most_supported_reason(p, name, language, _, ngettext))
        ),
    )


def _unspent_reason(
    why: SharesExplained,
    name: Callable[[str], str],
    language: str,
    _: Gettext,
    ngettext: NGettext,
) -> str | None:
    """Why money was left unspent; None when none was."""
    if why.unspent <= 0:
        return None
    figures = {"unspent": money(why.unspent, language), "budget": money(why.budget, language)}
    if not why.unfunded:
        return _("Every project was funded; %(unspent)s of %(budget)s was left unspent.") % figures
    nearest = why.nearest()
    if nearest is None:
        return (
            _(
                "%(unspent)s of %(budget)s was left unspent: every project not funded costs "
                "more than that."
            )
            % figures
        )
    if nearest.supporters == 0:  # so neither had any other project that would fit
        return _(
            "%(unspent)s of %(budget)s was left unspent: nobody supported the projects not "
            "funded that would fit in it (%(projects)s)."
        ) % {
            **figures,
            "projects": ", ".join(
                f"{name(p.project)} ({money(p.cost, language)})" for p in why.within_unspent()
            ),
        }
    because = _(
        "%(unspent)s of %(budget)s was left unspent: no project not yet funded could be paid "
        "for by what its supporters had left of their shares."
    )
    nearest_words = ngettext(
        "Of those that would fit in it, the nearest was %(project)s (%(cost)s): its "
        "%(n)s supporter had %(left)s left.",
        "Of those that would fit in it, the nearest was %(project)s (%(cost)s): its "
        "%(n)s supporters had %(left)s left between them.",
        nearest.supporters,
    )
    return f"{because % figures} " + nearest_words % {
        "project": name(nearest.project),
        "cost": money(nearest.cost, language),
        "n": nearest.supporters,
        "left": money(nearest.left, language),
    }


def _most_supported_reason(
    p: ProjectStanding,
    name: Callable[[str], str],
    language: str,
    _: Gettext,
    ngettext: NGettext,
) -> str | None:
    """Why a project with the most supporters was not funded; None if the figures do not say
    so (its supporters could still pay for it)."""
    figures = {
        "project": name(p.project),
        "cost": money(p.cost, language),
        "n": p.supporters,
        "shares": money(p.shares, language),
        "spent": money(p.spent_elsewhere, language),
        "left": money(p.left, language),
    }
    if p.left >= p.cost:
        return None
    if p.shares < p.cost:
        return (
            ngettext(
                "%(project)s (%(cost)s) had the most supporters (%(n)s) but was not funded: "
                "even before anything was bought, its supporter's share came to only "
                "%(shares)s, less than its cost.",
                "%(project)s (%(cost)s) had the most supporters (%(n)s) but was not funded: "
                "even before anything was bought, their shares came to only %(shares)s "
                "together, less than its cost.",
                p.supporters,
            )
            % figures
        )
    spent_on = ", ".join(
        _("%(amount)s on %(project)s") % {"amount": money(paid, language), "project": name(project)}
        for project, paid in p.paid
    )
    return ngettext(
        "%(project)s (%(cost)s) had the most supporters (%(n)s) but was not funded: its "
        "supporter's share came to %(shares)s, and %(spent)s of it went on other projects "
        "they also supported (%(projects)s), leaving %(left)s, less than its cost.",
        "%(project)s (%(cost)s) had the most supporters (%(n)s) but was not funded: their "
        "shares came to %(shares)s together, and %(spent)s of them went on other projects "
        "they also supported (%(projects)s), leaving %(left)s, less than its cost.",
        p.supporters,
    ) % {**figures, "projects": spent_on}


def votes(value: object, language: str) -> str:
    """Votes of an STV count for people: exact to the five decimals the statute counts in.

    >>> votes(1.99998, "en"), votes(1250.5, "cs"), votes(3, "en")
    ('1.99998', '1\\xa0250,5', '3')
    """
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        exact = Decimal(0)
    return format_decimal(exact, format="#,##0.#####", locale=language)


@dataclass(frozen=True)
class StvLine:
    """One candidate's line in the result of an STV count."""

    key: str
    label: str
    elected: bool
    result: str
    stage: int | None
    votes: str


@dataclass(frozen=True)
class StvOutcome:
    """The result of an STV count: the quota and how it is reached, every candidate's line
    (the elected in order of election, then those not elected, then the excluded, the last
    excluded first), and the elected named once each, in order."""

    quota: str
    quota_words: str
    lines: tuple[StvLine, ...]
    elected: tuple[str, ...]


def stv_outcome(
    detail: Mapping[str, Any], candidates: Mapping[str, str], language: str, _: Gettext
) -> StvOutcome | None:
    """The result of a decided STV count (``StvResult.to_dict()``), read from its stages:
    who was elected at which stage and with how many votes, who was excluded and with how
    many; None when the detail holds no stages."""
    rounds: list[Mapping[str, Any]] = list(detail.get("rounds", []))
    if not rounds or detail.get("quota") is None:
        return None
    quota = amount(detail["quota"])
    quota_text = votes(detail["quota"], language)
    elected: list[StvLine] = []
    excluded: list[StvLine] = []
    settled: set[str] = set()
    for position, r in enumerate(rounds):
        stage = int(r.get("number", position + 1))
        totals = r.get("totals", {})
        for key in r.get("elected", []):
            if key in settled:
                continue
            settled.add(key)
            held = totals.get(key, 0)
            result = (
                _("Elected")
                if amount(held) >= quota
                else _(
                    "Elected without reaching the quota: no more candidates were left than "
                    "seats to fill"
                )
            )
            elected.append(
                StvLine(key, candidates.get(key, key), True, result, stage, votes(held, language))
            )
        before = rounds[position - 1].get("totals", {}) if position else totals
        for key in r.get("excluded", []):
            if key in settled:
                continue
            settled.add(key)
            line = StvLine(
                key,
                candidates.get(key, key),
                False,
                _("Excluded, with the fewest votes"),
                stage,
                votes(before.get(key, 0), language),
            )
            excluded.insert(0, line)
    final = int(rounds[-1].get("number", len(rounds)))
    last = rounds[-1].get("totals", {})
    others = sorted(
        (key for key in candidates if key not in settled), key=lambda k: -amount(last.get(k, 0))
    )
    rest = [
        StvLine(
            key, candidates[key], False, _("Not elected"), final, votes(last.get(key, 0), language)
        )
        for key in others
    ]
    if detail.get("rule") == "scottish":
        quota_words = _(
            "The quota is %(quota)s: the valid ballots (%(ballots)s) divided by the seats plus "
            "one (%(seats)s + 1), rounded down, plus one. A candidate who reaches it is elected."
        ) % {
            "quota": quota_text,
            "ballots": detail.get("valid_votes", "?"),
            "seats": detail.get("seats", "?"),
        }
    else:
        quota_words = _("The quota is %(quota)s: a candidate who reaches it is elected.") % {
            "quota": quota_text
        }
    return StvOutcome(
        quota_text,
        quota_words,
        (*elected, *rest, *excluded),
        tuple(line.label for line in elected),
    )
