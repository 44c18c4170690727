"""The fast Equal Shares kernel (float filter, exact decisions) against the exact reference."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rada.counting.formats.pabulib import PbInstance, PbProject, PbVote
from rada.counting.mes import _NEWTON, _float_price, _Groups, _mes, _mes_fast, _payment, _Run


def test_fast_kernel_buys_the_same_projects_at_the_same_prices_as_the_reference() -> None:
    for seed in range(40):
        rng = random.Random(seed)
        k, n = rng.randint(3, 10), rng.randint(4, 50)
        costs = [rng.randint(1, 20) * rng.choice([1, 7, 10]) for _ in range(k)]
        budget = rng.randint(sum(costs) // 4, sum(costs) // 2 + 1)
        ballots = [sorted(rng.sample(range(k), rng.randint(1, k))) for _ in range(n)]
        instance = PbInstance(
            {"budget": str(budget)},
            tuple(PbProject(str(j), Fraction(c)) for j, c in enumerate(costs)),
            tuple(PbVote(str(i), tuple(str(j) for j in b)) for i, b in enumerate(ballots)),
        )
        groups = _Groups(instance)
        for satisfaction in ("cost", "cardinality"):
            for extra in (0, 2):
                share = instance.budget / n + extra
                slow_ties: list = []
                fast_ties: list = []
                slow = _mes(groups, share, satisfaction, slow_ties)
                fast = _mes_fast(groups, share, satisfaction, fast_ties)
                assert fast == slow, f"seed {seed}, {satisfaction}, +{extra}"
                assert fast_ties == slow_ties, f"seed {seed}, {satisfaction}, +{extra}"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 50)), min_size=1, max_size=40).flatmap(
        lambda holdings: st.tuples(
            st.just(holdings), st.integers(1, sum(a * w for a, w in holdings) or 1)
        )
    )
)
def test_float_price_matches_the_exact_payment(case: tuple[list[tuple[int, int]], int]) -> None:
    holdings, cost = case
    if sum(a * w for a, w in holdings) < cost:
        return  # unaffordable (every amount was 0): nothing to price
    merged: dict[Fraction, int] = {}
    for amount, weight in holdings:
        if amount:
            merged[Fraction(amount)] = merged.get(Fraction(amount), 0) + weight
    exact = _payment(Fraction(cost), sorted(merged.items()))
    assert exact is not None
    m = np.array([a for a, _ in holdings], dtype=np.float64)
    w = np.array([w for _, w in holdings], dtype=np.float64)
    for steps in (_NEWTON, 1, 0):  # Newton alone, and Newton cut short by sorting the rest
        p, paying = _float_price(m, w, float(cost), steps=steps)
        assert abs(p - float(exact)) <= 1e-9 * float(exact)
        # Those holding exactly the price may count on either side.
        assert sum(w for a, w in holdings if a > exact) <= paying
        assert paying <= sum(w for a, w in holdings if a >= exact)


def test_exact_price_stays_exact_when_the_float_estimate_is_off() -> None:
    instance = PbInstance(
        {"budget": "12"},
        (PbProject("a", Fraction(9)), PbProject("b", Fraction(2))),
        tuple(PbVote(str(i), ("a",) if i < 3 else ("a", "b")) for i in range(6)),
    )
    run = _Run(_Groups(instance), Fraction(2))
    run.pay(1, Fraction(2, 3))  # the three who approve b pay 2/3 each, keeping 4/3
    # For a, those three pay all they have (4), the other three 5/3 each: 4 + 3 * 5/3 == 9.
    assert run.exact_price(0, 1.6667, 1e-3) == Fraction(5, 3)
    assert run.exact_price(0, 1.2, 1e-6) == Fraction(5, 3)  # far off: every wallet is used


def _add1_one_unit_at_a_time(
    instance: PbInstance, satisfaction: Literal["cost", "cardinality"]
) -> tuple[list[int], list[tuple[int, Fraction]], int, list[Any]]:
    """The add1 completion as its definition reads, on the exact reference: every try."""
    groups = _Groups(instance)
    budget, n = instance.budget, len(instance.votes)
    ties: list = []
    kept = _mes(groups, budget / n, satisfaction, ties)
    everything = sum(1 for a in groups.approvals if a > 0)
    ceiling = sum(groups.costs, Fraction(0))
    tries = 0
    while len(kept[0]) < everything and budget / n + tries <= ceiling:
        trial_ties: list = []
        trial = _mes(groups, budget / n + tries + 1, satisfaction, trial_ties)
        if sum(groups.costs[j] for j in trial[0]) > budget:
            break
        tries += 1
        kept, ties = trial, trial_ties
    return kept[0], kept[1], tries, ties


def test_add1_strides_only_where_every_try_between_buys_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small budgets over few voters take hundreds of add1 tries: the completion strides over
    # many of them, and must land where trying every unit lands, with the same purchases,
    # prices and ties.
    import rada.counting.mes as mes

    strides = 0
    fast = mes._mes_fast

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal strides
        done = fast(*args, **kwargs)
        strides += kwargs.get("same_as") is not None and done is not None
        return done

    monkeypatch.setattr(mes, "_mes_fast", counting)
    for seed in range(60):
        rng = random.Random(seed)
        k, n = rng.randint(3, 9), rng.randint(3, 30)
        costs = [rng.randint(1, 60) * rng.choice([1, 3, 10]) for _ in range(k)]
        budget = rng.randint(max(1, sum(costs) // 5), sum(costs) // 2 + 1)
        ballots = [sorted(rng.sample(range(k), rng.randint(1, k))) for _ in range(n)]
        instance = PbInstance(
            {"budget": str(budget)},
            tuple(PbProject(str(j), Fraction(c)) for j, c in enumerate(costs)),
            tuple(PbVote(str(i), tuple(str(j) for j in b)) for i, b in enumerate(ballots)),
        )
        for satisfaction in ("cost", "cardinality"):
            bought, payments, tries, ties = _add1_one_unit_at_a_time(instance, satisfaction)
            result = mes.equal_shares(instance, satisfaction=satisfaction)
            where = f"seed {seed}, {satisfaction}"
            assert result.selected == tuple(str(j) for j in bought), where
            assert [r.price for r in result.rounds] == [p for _, p in payments], where
            assert f"raised by {tries} unit(s)" in result.notes[-1], where
            assert list(result.ties) == ties, where
    assert strides > 50, "the completion never strode: the test would not see a wrong stride"


def test_no_stride_over_shares_that_buy_otherwise_though_both_ends_agree() -> None:
    # Equal Shares is not monotone in the share: in these elections the shares at both ends
    # buy the same projects and a share between buys others (found by a search over small
    # random elections). A stride from one end to the other must be refused.
    cases = [
        # costs, budget, ballots, tries at the ends, a try between and what it buys
        (
            [54, 69, 12, 190, 530],
            204,
            [[0, 1, 3, 4], [0], [0, 1, 2, 4], [1, 4], [0, 1, 3, 4], [1, 4], [0, 2, 3, 4],
             [0, 1, 2, 4], [0, 3, 4], [3], [0, 2, 3, 4], [0, 1, 2, 3, 4]],
            (37, 42),
        ),
        (
            [120, 135, 174, 490, 33, 150],
            452,
            [[3], [1, 2, 3, 4, 5], [1, 4], [0, 1, 2, 3, 4, 5], [0, 2, 3, 4, 5],
             [0, 1, 2, 3, 4, 5], [1], [3, 4, 5], [2], [0, 1, 2, 3, 4, 5], [0, 1, 3, 4, 5],
             [4, 5]],
            (23, 31),
        ),
    ]  # fmt: skip
    for costs, budget, ballots, (low, high) in cases:
        instance = PbInstance(
            {"budget": str(budget)},
            tuple(PbProject(str(j), Fraction(c)) for j, c in enumerate(costs)),
            tuple(PbVote(str(i), tuple(str(j) for j in b)) for i, b in enumerate(ballots)),
        )
        groups = _Groups(instance)
        share = instance.budget / len(ballots)
        at = [_mes(groups, share + t, "cost", [])[0] for t in range(low, high + 1)]
        assert at[0] == at[-1], "the example no longer holds"
        assert any(b != at[0] for b in at), "the example no longer holds"
        lower = _mes_fast(groups, share + low, "cost", [])
        assert lower is not None
        assert _mes_fast(groups, share + high, "cost", [], same_as=lower[1]) is None
