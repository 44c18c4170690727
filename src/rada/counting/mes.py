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
group with a weight. Every decision is exact: :func:`_mes` is the all-Fraction reference, and
:func:`_mes_fast`, which the count uses, screens prices in floats (Newton's method, no sorting
in the common case) and settles the purchase, its price and every close call in exact
arithmetic; the tests check that the two buy the same projects at the same prices. A try of the
add1 completion that overspends is stopped as soon as it does.

The completion does not run every try: it strides (1, 2, 4, ... units, halving after a
refusal) wherever a run proves that every share in between buys what the last kept try bought
(:func:`_mes_fast` with ``same_as``; prices only fall as the share grows), so it lands exactly
where trying every unit lands, with the same purchases, prices and ties, in a fraction of the
runs (2,612 tries in about 1,250 runs on the largest benchmark file).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from math import floor, gcd
from typing import Literal

import numpy as np
import numpy.typing as npt

from rada.counting.budget import PbProfile, PbResult, PbStep, is_exhaustive, total_cost
from rada.counting.errors import RuleError
from rada.counting.formats.pabulib import PbInstance, as_profile
from rada.counting.ties import TieBreak

Satisfaction = Literal["cost", "cardinality"]
Progress = Callable[[int, str], None]


class _Groups:
    """Voters grouped by identical approval ballot."""

    def __init__(self, election: PbInstance | PbProfile) -> None:
        profile = as_profile(election)
        if profile.vote_type not in ("approval", "choose-1"):
            raise RuleError(
                f"Equal Shares is implemented for approval ballots, not {profile.vote_type}",
                hint="count this file with --rule greedy",
            )
        self.ids = [p.id for p in profile.projects]
        self.costs = [p.cost for p in profile.projects]
        self.costs_f = [float(c) for c in self.costs]  # for the float screening only
        merged: dict[frozenset[int], int] = {}
        for chosen, weight in zip(profile.ballots, profile.weights, strict=True):
            key = frozenset(chosen)
            merged[key] = merged.get(key, 0) + weight
        self.voters = profile.voters
        self.weights = np.array(list(merged.values()), dtype=np.int64)
        members: list[list[int]] = [[] for _ in self.ids]
        for g, ballot in enumerate(merged):
            for j in ballot:
                members[j].append(g)
        self.supporters = [np.array(m, dtype=np.int64) for m in members]
        self.approvals = [int(self.weights[m].sum()) for m in self.supporters]
        # Before anything is bought every voter holds the same share, so a project's price is
        # its cost over its supporters, whatever the share (or it is unaffordable).
        self.first_price = [
            Fraction(c) / w if w else Fraction(0)
            for c, w in zip(self.costs, self.approvals, strict=True)
        ]


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
_INF = float("inf")
_NEWTON = 8  # price iterations before sorting what is left


class _Run:
    """One MES run kept exact without exact per-voter money.

    A group's money is ``share - sum of the prices it paid in full``, or exactly 0 once it paid
    all it had, so the state is a 0/1 matrix ``paid[purchase, group]``. Floats (``money``) only
    filter: a sum of money over any set of groups is computed exactly as
    ``share * voters - sum(price_t * voters who paid price_t)`` with integer counts (the prices
    held as integers over one common denominator), and every comparison that floats cannot
    settle with a margin is redone in exact arithmetic.
    """

    def __init__(self, groups: _Groups, share: Fraction) -> None:
        self.g = groups
        self.share = share
        count = len(groups.weights)
        self.zero = np.zeros(count, dtype=bool)
        self.paid = np.zeros((len(groups.ids), count), dtype=np.int64)
        self.share_f = float(share)
        self.money = np.full(count, self.share_f)
        self.prices: list[Fraction] = []
        self.scaled: list[int] = []  # price_t * denominator, exactly
        self.denominator = 1
        # Per project: the supporters not yet broke, their weights as floats and as integers.
        self.live = [(s, groups.weights[s].astype(np.float64)) for s in groups.supporters]

    def supporters(self, j: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Project j's supporters and their weights, dropping (now and then) the broke ones."""
        idx, wf = self.live[j]
        broke = self.zero[idx]
        if 4 * int(np.count_nonzero(broke)) > len(idx):
            keep = ~broke
            idx, wf = idx[keep], wf[keep]
            self.live[j] = (idx, wf)
        return idx, wf

    def exact_sum(self, idx: npt.NDArray[np.int64]) -> Fraction:
        """The exact money of the groups ``idx``, none of them broke."""
        w = self.g.weights[idx]
        total = self.share * int(w.sum())
        if self.prices and len(idx):
            counts = self.paid[: len(self.prices), idx] @ w
            spent = sum(a * c for a, c in zip(self.scaled, counts.tolist(), strict=True))
            total -= Fraction(spent, self.denominator)
        return total

    def exact_money(self, g: int) -> Fraction:
        if self.zero[g]:
            return Fraction(0)
        row = self.paid[: len(self.prices), g].tolist()
        spent = sum(a for a, b in zip(self.scaled, row, strict=True) if b)
        return self.share - Fraction(spent, self.denominator)

    def price(self, j: int) -> tuple[float, float] | None:
        """Project j's float price and its error margin, or None when it is unaffordable.

        A group's float money is off by at most a few rounding errors of ``share`` per purchase,
        so the price, ``(cost - money of those paying less) / voters paying it in full``, is off
        by far less than ``_SLACK * share * supporters / voters paying in full``: that (or
        ``_SLACK * price``, if larger) is the margin.
        """
        idx, wf = self.supporters(j)
        cost, c = self.g.costs[j], self.g.costs_f[j]
        m = self.money[idx]
        total = _dot(m, wf)
        weight = float(wf.sum())
        margin = _SLACK * max(c, self.share_f * weight)
        if total < c - margin or (
            total < c + margin and self.exact_sum(idx[~self.zero[idx]]) < cost
        ):
            return None
        if cost == 0:
            return 0.0, 0.0
        p, paying = _float_price(m, wf, c)
        return p, _SLACK * max(p, self.share_f * weight / max(paying, 1.0))

    def exact_price(self, j: int, p_f: float, tol: float) -> Fraction:
        """The exact price of affordable project j, within ``tol`` of its float price ``p_f``.

        Supporters clearly below ``p_f`` pay all they have, those clearly above pay the price;
        only those within the margin are sorted by their exact money. Should the result not
        confirm ``p_f``, every supporter's exact money is used instead.
        """
        idx, _ = self.supporters(j)
        cost = self.g.costs[j]
        if cost == 0:
            return Fraction(0)
        m = self.money[idx]
        poor = m < p_f - tol
        near = np.flatnonzero(np.abs(m - p_f) <= tol)
        need = cost - self.exact_sum(idx[poor & ~self.zero[idx]])
        left = int(self.g.weights[idx[~poor]].sum())
        edge = sorted(
            (self.exact_money(int(g)), int(self.g.weights[g])) for g in idx[near].tolist()
        )
        for amount, voters in edge:
            if left == 0 or amount >= need / left:
                break
            need -= amount * voters
            left -= voters
        if left == 0 or abs(float(need / left) - p_f) > tol / 2:
            return self.slow_price(j)
        return need / left

    def slow_price(self, j: int) -> Fraction:
        """The exact price from every supporter's exact money (a fallback, never expected)."""
        holdings: dict[Fraction, int] = {}
        for g in self.supporters(j)[0].tolist():
            amount = self.exact_money(g)
            holdings[amount] = holdings.get(amount, 0) + int(self.g.weights[g])
        p = _payment(self.g.costs[j], sorted(h for h in holdings.items() if h[0] > 0))
        assert p is not None
        return p

    def pay(self, j: int, p: Fraction) -> None:
        idx, _ = self.supporters(j)
        p_f = float(p)
        m = self.money[idx]
        rich = m > p_f
        near = np.flatnonzero(np.abs(m - p_f) <= _SLACK * max(p_f, self.share_f))
        for i in near.tolist():
            rich[i] = self.exact_money(int(idx[i])) > p
        t = len(self.prices)
        self.prices.append(p)
        denominator = self.denominator * p.denominator // gcd(self.denominator, p.denominator)
        scale = denominator // self.denominator
        self.scaled = [a * scale for a in self.scaled]
        self.scaled.append(p.numerator * (denominator // p.denominator))
        self.denominator = denominator
        payers, broke = idx[rich], idx[~rich]
        self.paid[t, payers] = 1
        self.money[payers] -= p_f
        self.zero[broke] = True
        self.money[broke] = 0.0


def _dot(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """``a @ b`` without BLAS, whose threads cost more than they save on these short vectors."""
    return float((a * b).sum())


def _float_price(
    m: npt.NDArray[np.float64], w: npt.NDArray[np.float64], cost: float, *, steps: int = _NEWTON
) -> tuple[float, float]:
    """The least ``p`` with ``sum(w * min(m, p)) == cost`` in floats, and the weight paying p.

    Newton's method on this concave piecewise-linear function, started below the answer, stays
    below it and stops once the set of those paying less than ``p`` stops growing; when that
    takes more than ``steps`` steps, what is left is sorted.

    Examples
    --------
    >>> _float_price(np.array([2.0, 9.0]), np.array([2.0, 2.0]), 10.0)
    (3.0, 2.0)
    """
    weight = float(w.sum())
    p = cost / weight
    poor = m < p
    count = int(np.count_nonzero(poor))
    left = weight
    for _ in range(steps):
        if count == 0:
            return p, left
        spent = _dot(np.where(poor, m, 0.0), w)
        left = weight - float(w[poor].sum())
        if left <= 0:
            return p, 0.0
        p = (cost - spent) / left
        poor = m < p
        grown = int(np.count_nonzero(poor))
        if grown == count:
            return p, left
        count = grown
    rest = ~poor
    base_m, base_w = _dot(np.where(poor, m, 0.0), w), float(w[poor].sum())
    ms, ws = m[rest], w[rest]
    order = np.argsort(ms, kind="stable")
    ms, ws = ms[order], ws[order]
    before_mw = base_m + np.concatenate([[0.0], np.cumsum(ms * ws)[:-1]])
    before_w = base_w + np.concatenate([[0.0], np.cumsum(ws)[:-1]])
    p_k = (cost - before_mw) / np.maximum(weight - before_w, 1e-300)
    covered = ms >= p_k
    k = int(np.argmax(covered)) if covered.any() else len(ms) - 1
    return float(p_k[k]), float(weight - before_w[k])


class _Values:
    """How one run of MES values and ranks projects, and breaks (and records) its ties."""

    def __init__(self, groups: _Groups, satisfaction: Satisfaction, ties: list[TieBreak]) -> None:
        self.g = groups
        self.by_cost = satisfaction == "cost"
        self.ties = ties

    def rank(self, j: int) -> tuple[int, Fraction, int]:
        return (-self.g.approvals[j], self.g.costs[j], j)

    def per_unit(self, p: float, j: int) -> float:
        cost = self.g.costs_f[j]
        return p / cost if self.by_cost and cost != 0 else p

    def exact(self, p: Fraction, j: int) -> Fraction:
        cost = self.g.costs[j]
        return p / cost if self.by_cost and cost != 0 else p

    def choose(self, values: dict[int, Fraction], step: int) -> int:
        """The project of least value; ties to the rank, and recorded."""
        low = min(values.values())
        tied = sorted((j for j in values if values[j] == low), key=self.rank)
        if len(tied) > 1:
            self.ties.append(
                TieBreak(
                    step,
                    "equal shares",
                    tuple(self.g.ids[k] for k in sorted(tied)),
                    self.g.ids[tied[0]],
                    "more supporters, then lower cost, then file order",
                )
            )
        return tied[0]


Purchases = list[tuple[int, Fraction]]


def _mes_fast(
    groups: _Groups,
    share: Fraction,
    satisfaction: Satisfaction,
    ties: list[TieBreak],
    *,
    stop_above: Fraction | None = None,
    same_as: Purchases | None = None,
) -> tuple[list[int], Purchases] | None:
    """One run of MES, as :func:`_mes` but with float filtering and exact decisions.

    With ``stop_above``, the run ends as soon as what it bought costs more than that (an add1
    try that overspends is discarded, so the rest of it does not matter).

    With ``same_as``, the purchases of a run at a lower share, the run answers None unless it
    proves that every share from that one to ``share`` buys the same projects in the same
    order. Along one order of purchases more money never raises a price (every group's money
    grows with the share, so every price falls), so at any share between the two, the project
    bought at each step is worth at most its value in the lower run, and every other project
    at least its value in this one: if, at every step, this run buys the same project and
    values every other project above what the lower run paid, nothing between buys
    otherwise, nor meets a tie. The run stops as soon as that fails.
    """
    values = _Values(groups, satisfaction, ties)
    run = _Run(groups, share)
    bought: list[int] = []
    payments: Purchases = []
    spent = Fraction(0)

    def limit() -> tuple[int, Fraction] | None:
        """The lower run's purchase at this step, and its value (None without one)."""
        if same_as is None or len(bought) >= len(same_as):
            return None
        j, price = same_as[len(bought)]
        return j, values.exact(price, j)

    # The first purchase, exactly and without pricing: every voter holds ``share``, so project
    # j costs each supporter ``first_price[j]`` if ``share`` covers it, and is never
    # affordable otherwise (money only shrinks). Those values are lower bounds ever after.
    first = {
        j: values.exact(p, j)
        for j, p in enumerate(groups.first_price)
        if share >= p and (groups.approvals[j] or groups.costs[j] == 0)
    }
    bound: dict[int, float] = {}
    if first:
        pick, target = values.choose(first, 1), limit()
        if same_as is not None and (
            target is None
            or pick != target[0]
            or any(v <= target[1] for j, v in first.items() if j != pick)
        ):
            return None
        run.pay(pick, groups.first_price[pick])
        bought.append(pick)
        payments.append((pick, groups.first_price[pick]))
        spent += groups.costs[pick]
        # Floats a hair below the exact values, so that they stay lower bounds.
        bound = {j: float(v) * (1 - 1e-12) for j, v in first.items() if j != pick}

    while bound and (stop_above is None or spent <= stop_above):
        target = limit()
        # Price every project that might come first (and, to compare, every project that
        # might be worth no more than what the lower run paid).
        reach = float(target[1]) * (1 + 1e-12) if target is not None else -_INF
        found: dict[int, tuple[float, float]] = {}
        best = _INF  # the least upper end of a found project's value
        for j in sorted(bound, key=lambda k: (bound[k], values.rank(k))):
            if found and bound[j] > max(best, reach):
                break  # values only rise as money is spent: nothing later can do better
            priced = run.price(j)
            if priced is None:
                del bound[j]  # the supporters' money only shrinks: never affordable again
                continue
            value, margin = values.per_unit(priced[0], j), values.per_unit(priced[1], j)
            bound[j] = value - 2 * margin
            found[j] = priced
            best = min(best, value + margin)
        if not found:
            break
        close = [j for j in found if bound[j] <= best]
        exact = {j: run.exact_price(j, *found[j]) for j in close}
        worth = {j: values.exact(exact[j], j) for j in close}
        pick = values.choose(worth, len(bought) + 1)
        if same_as is not None and (target is None or not _dominated(pick, target, worth, bound)):
            return None  # another purchase, or one more than the lower run's
        run.pay(pick, exact[pick])
        del bound[pick]
        bought.append(pick)
        payments.append((pick, exact[pick]))
        spent += groups.costs[pick]
    if same_as is not None and len(bought) != len(same_as):
        return None
    return bought, payments


def _dominated(
    pick: int, target: tuple[int, Fraction], worth: dict[int, Fraction], bound: dict[int, float]
) -> bool:
    """Whether ``pick`` is the lower run's project and every other is worth more than the
    lower run paid for it: exactly for the projects priced exactly, by their floats'
    lower bounds otherwise."""
    j, value = target
    reach = float(value) * (1 + 1e-12)
    return (
        pick == j
        and all(v > value for k, v in worth.items() if k != pick)
        and all(b > reach for k, b in bound.items() if k != pick and k not in worth)
    )


def equal_shares(
    instance: PbInstance | PbProfile,
    *,
    satisfaction: Satisfaction = "cost",
    completion: Literal["add1", "none"] = "add1",
    stop_when_exhaustive: bool = False,
    progress: Progress | None = None,
) -> PbResult:
    """Select projects by the Method of Equal Shares, completed by raising shares one unit a time.

    Parameters
    ----------
    instance : PbInstance or PbProfile
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
    profile = as_profile(instance)
    groups = _Groups(profile)
    budget = profile.budget
    n = max(groups.voters, 1)
    ties: list[TieBreak] = []
    kept = _mes_fast(groups, budget / n, satisfaction, ties)
    assert kept is not None
    tries = 0
    notes: list[str] = []
    if completion == "add1":
        # Projects nobody supports are never bought, and once a share covers the cost of
        # everything the outcome can no longer change: both end the search.
        everything = sum(1 for s in groups.approvals if s > 0)
        ceiling = sum(groups.costs, Fraction(0))
        last_try = floor(ceiling - budget / n)  # the last try that passes that test
        stride = 1
        while not (stop_when_exhaustive and is_exhaustive(profile, _ids(groups, kept[0]), budget)):
            if len(kept[0]) == everything or budget / n + tries > ceiling:
                break
            # A try one unit on is the completion itself. A longer stride is taken only when
            # the run proves that every try on the way buys what the last one kept (so each
            # would have cost the same and been kept too); otherwise go back to one unit.
            step = min(stride, last_try - tries + 1)
            trial_ties: list[TieBreak] = []
            trial = _mes_fast(
                groups,
                budget / n + tries + step,
                satisfaction,
                trial_ties,
                stop_above=budget,
                same_as=kept[1] if step > 1 else None,
            )
            if trial is None:
                stride = step // 2
                continue
            if step == 1 and total_cost(profile, _ids(groups, trial[0])) > budget:
                break
            tries += step
            kept, ties = trial, trial_ties
            stride = 2 * step
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
        total_cost(profile, selected),
        tuple(steps),
        tuple(ties),
        tuple(notes),
    )


def _ids(groups: _Groups, chosen: list[int]) -> tuple[str, ...]:
    return tuple(groups.ids[j] for j in chosen)


def _show(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x} (= {float(x):.6f})"
