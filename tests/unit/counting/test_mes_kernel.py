"""The fast Equal Shares kernel (float filter, exact decisions) against the exact reference."""

from __future__ import annotations

import random
from fractions import Fraction

from rada.counting.formats.pabulib import PbInstance, PbProject, PbVote
from rada.counting.mes import _Groups, _mes, _mes_fast


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
