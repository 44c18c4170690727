"""The fast Equal Shares kernel (float filter, exact decisions) against the exact reference."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
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
