"""Invariants checked on generated elections (hypothesis): anonymity, neutrality, budgets, STV."""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from rada.counting.ballots import Profile
from rada.counting.formats.pabulib import PbInstance, PbProject, PbVote
from rada.counting.meek import meek_stv
from rada.counting.mes import equal_shares
from rada.counting.pb import greedy
from rada.counting.single import count_single
from rada.counting.stv import scottish_stv

FEW = settings(max_examples=25, deadline=None)


@st.composite
def elections(draw: st.DrawFn, *, min_candidates: int = 3) -> Profile:
    m = draw(st.integers(min_candidates, 6))
    ballots = draw(st.lists(st.permutations(range(m)).map(tuple), min_size=1, max_size=40))
    cuts = draw(st.lists(st.integers(1, m), min_size=len(ballots), max_size=len(ballots)))
    names = [f"C{i}" for i in range(m)]
    return Profile.from_rankings(names, [b[:k] for b, k in zip(ballots, cuts, strict=True)])


def _shuffled(profile: Profile, seed: int) -> Profile:
    ballots = [r for r, w in zip(profile.rankings, profile.weights, strict=True) for _ in range(w)]
    random.Random(seed).shuffle(ballots)
    return Profile.from_rankings(profile.candidates, ballots)


def _renamed(profile: Profile, seed: int) -> tuple[Profile, dict[str, str]]:
    perm = list(range(len(profile.candidates)))
    random.Random(seed).shuffle(perm)
    # candidate c becomes index perm[c] under a new name
    names = [""] * len(perm)
    mapping = {}
    for c, new in enumerate(perm):
        names[new] = f"N{c}"
        mapping[profile.candidates[c]] = f"N{c}"
    rankings = [tuple(perm[c] for c in r) for r in profile.rankings]
    return Profile.from_rankings(names, rankings, weights=profile.weights), mapping


@FEW
@given(elections(), st.integers(0, 10**6), st.integers(1, 3))
def test_permuting_ballots_never_changes_an_stv_result(p: Profile, seed: int, seats: int) -> None:
    for count in (scottish_stv, meek_stv):
        a, b = count(p, seats), count(_shuffled(p, seed), seats)
        assert a.elected == b.elected


@FEW
@given(elections(), st.integers(0, 10**6), st.integers(1, 3))
def test_renaming_candidates_renames_stv_winners(p: Profile, seed: int, seats: int) -> None:
    a = scottish_stv(p, seats)
    q, mapping = _renamed(p, seed)
    b = scottish_stv(q, seats)
    if not a.ties and not b.ties:  # a tie broken by lot is not neutral, by design of a lot
        assert [mapping[x] for x in a.elected] == list(b.elected)


@FEW
@given(elections(), st.integers(0, 10**6))
def test_single_winner_methods_are_anonymous_and_neutral(p: Profile, seed: int) -> None:
    q, mapping = _renamed(p, seed)
    shuffled = _shuffled(p, seed)
    for method in ("plurality", "approval", "irv", "schulze", "ranked-pairs", "borda"):
        a = count_single(p, method)
        assert count_single(shuffled, method).winner == a.winner
        b = count_single(q, method)
        if not a.ties and not b.ties:
            assert mapping[a.winner] == b.winner


@FEW
@given(elections(), st.integers(1, 3))
def test_every_scottish_stage_conserves_votes(p: Profile, seats: int) -> None:
    result = scottish_stv(p, seats)
    for stage in result.rounds:
        moved = -sum(v for v in stage.transfers.values() if v < 0)
        gained = sum(v for v in stage.transfers.values() if v > 0)
        assert gained + stage.non_transferable + stage.rounding_loss == moved
        assert stage.rounding_loss >= 0
    live = result.rounds[-1]
    lost = sum(s.non_transferable + s.rounding_loss for s in result.rounds)
    assert sum(live.totals.values()) + lost == p.total


@st.composite
def budgets(draw: st.DrawFn) -> PbInstance:
    k = draw(st.integers(1, 7))
    costs = draw(st.lists(st.integers(1, 60), min_size=k, max_size=k))
    ids = [f"p{i}" for i in range(k)]
    votes = draw(st.lists(st.sets(st.sampled_from(ids), min_size=1), min_size=1, max_size=25))
    budget = draw(st.integers(1, 150))
    return PbInstance(
        {"budget": str(budget), "vote_type": "approval"},
        tuple(PbProject(i, Fraction(c)) for i, c in zip(ids, costs, strict=True)),
        tuple(PbVote(str(n), tuple(sorted(v))) for n, v in enumerate(votes)),
    )


@FEW
@given(budgets())
def test_pb_rules_never_exceed_the_budget(pb: PbInstance) -> None:
    for rule in ("greedy", "greedy-no-skip"):
        assert greedy(pb, rule=rule).cost <= pb.budget
    for stop in (False, True):
        assert equal_shares(pb, stop_when_exhaustive=stop).cost <= pb.budget


@FEW
@given(budgets(), st.integers(0, 10**6))
def test_pb_outcome_does_not_depend_on_voter_order(pb: PbInstance, seed: int) -> None:
    votes = list(pb.votes)
    random.Random(seed).shuffle(votes)
    other = PbInstance(pb.meta, pb.projects, tuple(votes))
    assert set(equal_shares(other).selected) == set(equal_shares(pb).selected)
    assert greedy(other).selected == greedy(pb).selected
