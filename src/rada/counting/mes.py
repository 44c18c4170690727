"""The Method of Equal Shares (MES) for participatory budgeting, with the "add1" completion.

Every voter starts with an equal share ``budget / voters``. A project costing ``C`` can be bought
when its supporters together hold ``C``; each then pays ``min(own money, p)``, with ``p`` the
smallest payment that covers ``C``. With *cost* satisfaction (a voter values a funded project at
its cost, the setting of the pabulib files that name ``equalshares``) the project bought next is
the one with the least ``p / C`` - the price per unit of satisfaction; with *cardinality*
satisfaction it is the least ``p``. Ties go to more supporters, then lower cost, then file order.

MES alone can leave money unspent. The "add1" completion reruns it with every voter's share one
currency unit larger (total ``budget + k * voters`` at try ``k``) and keeps the last outcome
whose cost still fits the real budget; with ``stop_when_exhaustive`` it stops earlier, at the
first outcome that leaves no affordable project unfunded.

Voters with the same ballot hold the same money at every step, so they are counted as one
group with a weight. All arithmetic is in exact fractions.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt

from rada.counting.errors import RuleError
from rada.counting.formats.pabulib import PbInstance
from rada.counting.pb import PbResult, PbStep, is_exhaustive, total_cost
from rada.counting.ties import TieBreak

Satisfaction = Literal["cost", "cardinality"]
Progress = Callable[[int, str], None]


class _Groups:
    """Voters grouped by identical approval ballot."""

    def __init__(self, instance: PbInstance) -> None:
        if instance.vote_type not in ("approval", "choose-1"):
            raise RuleError(
                f"Equal Shares is implemented for approval ballots, not {instance.vote_type}",
                hint="count this file with --rule greedy",
            )
        self.ids = [p.id for p in instance.projects]
        index = {pid: i for i, pid in enumerate(self.ids)}
        self.costs = [p.cost for p in instance.projects]
        merged: dict[frozenset[int], int] = {}
        for vote in instance.votes:
            key = frozenset(index[pid] for pid in vote.projects)
            merged[key] = merged.get(key, 0) + 1
        self.voters = len(instance.votes)
        self.weights = np.array(list(merged.values()), dtype=np.int64)
        members: list[list[int]] = [[] for _ in self.ids]
        for g, ballot in enumerate(merged):
            for j in ballot:
                members[j].append(g)
        self.supporters = [np.array(m, dtype=np.int64) for m in members]
        self.approvals = [int(self.weights[m].sum()) for m in self.supporters]


class _Wallets:
    """Every group's money, held as an index into a table of distinct exact amounts.

    Voters' money only ever takes a few distinct values, so a project's supporters are summed
    per distinct amount (one vectorised count) and the exact arithmetic runs on those few.
    """

    def __init__(self, groups: _Groups, share: Fraction) -> None:
        self.groups = groups
        self.values: list[Fraction] = [share]
        self.index: dict[Fraction, int] = {share: 0}
        self.of = np.zeros(len(groups.weights), dtype=np.int64)

    def holdings(self, j: int) -> list[tuple[Fraction, int]]:
        """(amount, voters) among project j's supporters, poorest first, amounts > 0."""
        members = self.groups.supporters[j]
        counts = np.bincount(
            self.of[members], weights=self.groups.weights[members], minlength=len(self.values)
        )
        found = [(self.values[k], int(counts[k])) for k in np.flatnonzero(counts)]
        return sorted(h for h in found if h[0] > 0)

    def pay(self, j: int, p: Fraction) -> None:
        members = self.groups.supporters[j]
        remap = np.arange(len(self.values), dtype=np.int64)
        for k in np.unique(self.of[members]):
            old = self.values[int(k)]
            new = old - min(old, p)
            if new not in self.index:
                self.index[new] = len(self.values)
                self.values.append(new)
            remap[k] = self.index[new]
        self.of[members] = remap[self.of[members]]


def _payment(cost: Fraction, holdings: list[tuple[Fraction, int]]) -> Fraction | None:
    """The least per-voter payment ``p`` with sum(voters * min(amount, p)) == cost, or None.

    Examples
    --------
    >>> _payment(Fraction(10), [(Fraction(2), 2), (Fraction(9), 2)])
    Fraction(3, 1)
    """
    if sum(amount * voters for amount, voters in holdings) < cost:
        return None
    if cost == 0:
        return Fraction(0)
    need = cost
    voters_left = sum(voters for _, voters in holdings)
    for amount, voters in holdings:
        p = need / voters_left
        if amount >= p:
            return p
        need -= amount * voters
        voters_left -= voters
    return None  # pragma: no cover - unreachable once the supporters can afford the cost


def _mes(
    groups: _Groups, share: Fraction, satisfaction: Satisfaction, ties: list[TieBreak]
) -> tuple[list[int], list[tuple[int, Fraction]]]:
    """One run of MES with per-voter ``share``: the projects bought, with their payments."""
    wallets = _Wallets(groups, share)
    bound: dict[int, Fraction] = {j: Fraction(0) for j in range(len(groups.ids))}
    bought: list[int] = []
    payments: list[tuple[int, Fraction]] = []

    def rank(j: int) -> tuple[int, Fraction, int]:
        return (-groups.approvals[j], groups.costs[j], j)

    while bound:
        found: list[tuple[Fraction, tuple[int, Fraction, int], int, Fraction]] = []
        for j in sorted(bound, key=lambda k: (bound[k], rank(k))):
            if found and bound[j] > min(found)[0]:
                break  # bounds only rise as money is spent: nothing later can do better
            p = _payment(groups.costs[j], wallets.holdings(j))
            if p is None:
                del bound[j]  # the supporters' money only shrinks: never affordable again
                continue
            cost = groups.costs[j]
            bound[j] = p if satisfaction == "cardinality" or cost == 0 else p / cost
            found.append((bound[j], rank(j), j, p))
        if not found:
            break
        found.sort()
        value, _, best, price = found[0]
        tied = [f[2] for f in found if f[0] == value]
        if len(tied) > 1:
            names = tuple(groups.ids[k] for k in sorted(tied))
            ties.append(
                TieBreak(
                    len(bought) + 1,
                    "equal shares",
                    names,
                    groups.ids[best],
                    "more supporters, then lower cost, then file order",
                )
            )
        wallets.pay(best, price)
        del bound[best]
        bought.append(best)
        payments.append((best, price))
    return bought, payments


_SLACK = 1e-9  # float results this close to a decision are settled in exact arithmetic


class _Run:
    """One MES run kept exact without exact per-voter money.

    A group's money is ``share - sum of the prices it paid in full``, or exactly 0 once it paid
    all it had, so the state is a 0/1 matrix ``paid[group, purchase]``. Floats (``money``) only
    filter: a sum of money over any set of groups is computed exactly as
    ``share * voters - sum(price_t * voters who paid price_t)`` with integer counts, and every
    comparison that floats cannot settle with a margin is redone in exact arithmetic.
    """

    def __init__(self, groups: _Groups, share: Fraction) -> None:
        self.g = groups
        self.share = share
        self.zero = np.zeros(len(groups.weights), dtype=bool)
        self.paid = np.zeros((len(groups.weights), len(groups.ids)), dtype=np.int64)
        self.money = np.full(len(groups.weights), float(share))
        self.prices: list[Fraction] = []

    def alive(self, j: int) -> npt.NDArray[np.int64]:
        members = self.g.supporters[j]
        kept: npt.NDArray[np.int64] = members[~self.zero[members]]
        return kept

    def exact_sum(self, idx: npt.NDArray[np.int64]) -> Fraction:
        w = self.g.weights[idx]
        total = self.share * int(w.sum())
        if self.prices:
            counts = w @ self.paid[idx, : len(self.prices)]
            total -= sum(
                (p * int(k) for p, k in zip(self.prices, counts, strict=True)), Fraction(0)
            )
        return total

    def exact_money(self, g: int) -> Fraction:
        if self.zero[g]:
            return Fraction(0)
        row = self.paid[g, : len(self.prices)]
        return self.share - sum(
            (p for p, b in zip(self.prices, row, strict=True) if b), Fraction(0)
        )

    def price(self, j: int) -> tuple[float, Fraction | None] | None:
        """The float price of project j (None: unaffordable), and the exact one when cheap."""
        idx = self.alive(j)
        cost = self.g.costs[j]
        m, w = self.money[idx], self.g.weights[idx]
        total = float(m @ w)
        if total < float(cost) * (1 - _SLACK) or (
            total < float(cost) * (1 + _SLACK) and self.exact_sum(idx) < cost
        ):
            return None
        if cost == 0:
            return 0.0, Fraction(0)
        order = np.argsort(m, kind="stable")
        ms, ws = m[order], w[order]
        before_mw = np.concatenate([[0.0], np.cumsum(ms * ws)[:-1]])
        before_w = np.concatenate([[0], np.cumsum(ws)[:-1]])
        p_k = (float(cost) - before_mw) / (int(ws.sum()) - before_w)
        covered = ms >= p_k
        if not covered.any():
            return float(p_k[-1]), None  # float rounding at the very edge: settle it exactly
        k = int(np.argmax(covered))
        p_f = float(p_k[k])
        near = np.abs(ms - p_f) <= _SLACK * max(p_f, 1e-300)
        if near.any():
            return p_f, None
        poor, rich = idx[order[:k]], idx[order[k:]]
        exact = (cost - self.exact_sum(poor)) / int(self.g.weights[rich].sum())
        return p_f, exact

    def exact_price(self, j: int) -> Fraction:
        """The exact price of an affordable project, from every supporter's exact money."""
        holdings: dict[Fraction, int] = {}
        for g in self.alive(j).tolist():
            amount = self.exact_money(g)
            holdings[amount] = holdings.get(amount, 0) + int(self.g.weights[g])
        p = _payment(self.g.costs[j], sorted(h for h in holdings.items() if h[0] > 0))
        assert p is not None
        return p

    def pay(self, j: int, p: Fraction) -> None:
        idx = self.alive(j)
        p_f = float(p)
        m = self.money[idx]
        rich = m > p_f
        near = np.flatnonzero(np.abs(m - p_f) <= _SLACK * max(p_f, 1e-300))
        for i in near.tolist():
            rich[i] = self.exact_money(int(idx[i])) > p
        t = len(self.prices)
        self.prices.append(p)
        self.paid[idx[rich], t] = 1
        self.money[idx[rich]] -= p_f
        self.zero[idx[~rich]] = True
        self.money[idx[~rich]] = 0.0


def _mes_fast(
    groups: _Groups, share: Fraction, satisfaction: Satisfaction, ties: list[TieBreak]
) -> tuple[list[int], list[tuple[int, Fraction]]]:
    """One run of MES, as :func:`_mes` but with float filtering and exact decisions."""
    run = _Run(groups, share)
    bound: dict[int, float] = dict.fromkeys(range(len(groups.ids)), 0.0)
    bought: list[int] = []
    payments: list[tuple[int, Fraction]] = []

    def rank(j: int) -> tuple[int, Fraction, int]:
        return (-groups.approvals[j], groups.costs[j], j)

    def per_unit(p: float | Fraction, j: int) -> float | Fraction:
        cost = groups.costs[j]
        if satisfaction == "cardinality" or cost == 0:
            return p
        return p / (float(cost) if isinstance(p, float) else cost)

    while bound:
        found: dict[int, tuple[float, Fraction | None]] = {}
        best = float("inf")
        for j in sorted(bound, key=lambda k: (bound[k], rank(k))):
            if found and bound[j] > best * (1 + 1e-6):
                break  # bounds only rise as money is spent: nothing later can do better
            priced = run.price(j)
            if priced is None:
                del bound[j]  # the supporters' money only shrinks: never affordable again
                continue
            value = float(per_unit(priced[0], j))
            bound[j] = value * (1 - 1e-6)
            found[j] = priced
            best = min(best, value)
        if not found:
            break
        close = [j for j, (p, _) in found.items() if float(per_unit(p, j)) <= best * (1 + _SLACK)]
        exact = {j: found[j][1] or run.exact_price(j) for j in close}
        values = {j: per_unit(exact[j], j) for j in close}
        low = min(values.values())
        tied = sorted((j for j in close if values[j] == low), key=rank)
        pick = tied[0]
        if len(tied) > 1:
            ties.append(
                TieBreak(
                    len(bought) + 1,
                    "equal shares",
                    tuple(groups.ids[k] for k in sorted(tied)),
                    groups.ids[pick],
                    "more supporters, then lower cost, then file order",
                )
            )
        run.pay(pick, exact[pick])
        del bound[pick]
        bought.append(pick)
        payments.append((pick, exact[pick]))
    return bought, payments


def equal_shares(
    instance: PbInstance,
    *,
    satisfaction: Satisfaction = "cost",
    completion: Literal["add1", "none"] = "add1",
    stop_when_exhaustive: bool = False,
    progress: Progress | None = None,
) -> PbResult:
    """Select projects by the Method of Equal Shares, completed by raising shares one unit a time.

    Parameters
    ----------
    instance : PbInstance
        An approval (or choose-1) election.
    satisfaction : {"cost", "cardinality"}
        How a voter values a funded project: by its cost (pabulib's ``equalshares``) or as 1.
    completion : {"add1", "none"}
        ``"add1"`` reruns MES with each voter's share raised by one unit per try.
    stop_when_exhaustive : bool
        Stop at the first exhaustive outcome instead of the last one that fits the budget.
    progress : callable, optional
        Called as ``progress(try, message)`` after each add1 try.

    Returns
    -------
    PbResult
        ``rounds`` lists the projects bought in the kept run, each with its per-voter price.

    Raises
    ------
    RuleError
        For ballots other than approval or choose-1.

    Examples
    --------
    >>> from rada.counting.formats.pabulib import parse_pb
    >>> pb = parse_pb("META\\nkey;value\\nbudget;30\\nPROJECTS\\nproject_id;cost\\n"
    ...               "a;20\\nb;10\\nc;10\\nVOTES\\nvoter_id;vote\\n1;a,b\\n2;a\\n3;c")
    >>> equal_shares(pb).selected
    ('a', 'c')
    """
    groups = _Groups(instance)
    budget = instance.budget
    n = max(groups.voters, 1)
    ties: list[TieBreak] = []
    kept = _mes_fast(groups, budget / n, satisfaction, ties)
    tries = 0
    notes: list[str] = []
    if completion == "add1":
        # Projects nobody supports are never bought, and once a share covers the cost of
        # everything the outcome can no longer change: both end the search.
        everything = sum(1 for s in groups.approvals if s > 0)
        ceiling = sum(groups.costs, Fraction(0))
        while not (stop_when_exhaustive and is_exhaustive(instance, _ids(groups, kept[0]), budget)):
            if len(kept[0]) == everything or budget / n + tries > ceiling:
                break
            trial_ties: list[TieBreak] = []
            trial = _mes_fast(groups, budget / n + tries + 1, satisfaction, trial_ties)
            if total_cost(instance, _ids(groups, trial[0])) > budget:
                break
            tries += 1
            kept, ties = trial, trial_ties
            if progress is not None:
                progress(tries, f"share raised by {tries}")
        notes.append(
            f"add1: each voter's share raised by {tries} unit(s) to {_show(budget / n + tries)}"
        )
    elif completion != "none":
        raise RuleError(f"unknown completion {completion!r}", hint="use add1 or none")
    spent = Fraction(0)
    steps: list[PbStep] = []
    for j, price in kept[1]:
        spent += groups.costs[j]
        steps.append(
            PbStep(
                len(steps) + 1,
                groups.ids[j],
                Fraction(groups.approvals[j]),
                groups.costs[j],
                "funded",
                budget - spent,
                price,
            )
        )
    notes.insert(0, f"{satisfaction} satisfaction; initial share per voter {_show(budget / n)}")
    selected = _ids(groups, kept[0])
    return PbResult(
        "equal-shares",
        budget,
        selected,
        total_cost(instance, selected),
        tuple(steps),
        tuple(ties),
        tuple(notes),
    )


def _ids(groups: _Groups, chosen: list[int]) -> tuple[str, ...]:
    return tuple(groups.ids[j] for j in chosen)


def _show(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x} (= {float(x):.6f})"
