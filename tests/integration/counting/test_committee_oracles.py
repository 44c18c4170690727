"""Committee rules against pabutools (test-only oracle) on generated approval elections.

A committee is a budget with unit costs and ``seats`` to spend: sequential PAV is pabutools'
greedy welfare rule under the PAV (harmonic) satisfaction, and Equal Shares is its
``method_of_equal_shares`` with cardinality satisfaction, the budget raised one unit at a time
until the outcome is exhaustive, then completed by approval count.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from fractions import Fraction

from pabutools.election import (
    ApprovalBallot,
    ApprovalProfile,
    Cardinality_Sat,
    FunctionalSatisfaction,
    Instance,
    Project,
)
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

from rada.counting.ballots import ApprovalProfile as Ballots
from rada.counting.committee import equal_shares_committee, seq_pav


def _harmonic(
    instance: object, profile: object, ballot: Collection[Project], chosen: Collection[Project]
) -> Fraction:
    hits = sum(1 for p in chosen if p in ballot)
    return sum((Fraction(1, j) for j in range(1, hits + 1)), Fraction(0))


class PavSat(FunctionalSatisfaction):  # type: ignore[misc]
    """Thiele's harmonic satisfaction: 1 + 1/2 + ... for each approved member."""

    def __init__(self, instance: Instance, profile: ApprovalProfile, ballot: ApprovalBallot):
        super().__init__(instance, profile, ballot, _harmonic)


def _election(seed: int) -> tuple[Ballots, int, Instance, ApprovalProfile, list[Project]]:
    rng = random.Random(seed)
    m, seats = rng.randint(4, 8), rng.randint(2, 4)
    ballots = [rng.sample(range(m), rng.randint(1, 3)) for _ in range(rng.randint(5, 30))]
    ours = Ballots.from_ballots([f"c{i}" for i in range(m)], ballots)
    projects = [Project(f"c{i}", 1) for i in range(m)]
    instance = Instance(projects, budget_limit=seats)
    profile = ApprovalProfile([ApprovalBallot([projects[j] for j in b]) for b in ballots])
    return ours, seats, instance, profile, projects


def test_sequential_pav_agrees_with_pabutools_greedy_pav() -> None:
    compared = 0
    for seed in range(40):
        ours, seats, instance, profile, _ = _election(seed)
        result = seq_pav(ours, seats)
        if result.ties:
            continue  # pabutools breaks ties by name, Rada by approvals then file order
        theirs = greedy_utilitarian_welfare(instance, profile, sat_class=PavSat)
        assert set(result.elected) == {p.name for p in theirs}, f"seed {seed}"
        compared += 1
    assert compared >= 15  # the comparison must not be vacuous


def test_equal_shares_committee_agrees_with_pabutools() -> None:
    compared = 0
    for seed in range(40):
        ours, seats, instance, profile, projects = _election(seed)
        result = equal_shares_committee(ours, seats)
        if result.ties:
            continue
        theirs = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": Cardinality_Sat},
            budget_step=1,
            exhaustive_stop=True,
        )
        chosen = [p.name for p in theirs]
        approvals = ours.approvals()
        for c in sorted(range(len(projects)), key=lambda c: (-approvals[c], c)):
            if len(chosen) < seats and projects[c].name not in chosen:
                chosen.append(projects[c].name)
        assert set(result.elected) == set(chosen), f"seed {seed}"
        compared += 1
    assert compared >= 10  # the comparison must not be vacuous
