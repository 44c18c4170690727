"""Why Equal Shares left a project out or money unspent: the replay of a count, checked by hand
on a small election and against the count itself on a real pabulib file."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from rada.counting.errors import RuleError
from rada.counting.formats.pabulib import PbInstance, PbProject, PbVote, read_pb
from rada.counting.mes import equal_shares
from rada.counting.mes_explain import completion_raise, explain_equal_shares

PB = Path(__file__).resolve().parents[4] / "shared" / "data" / "pb"


def _election(
    budget: int, costs: dict[str, int], ballots: list[tuple[str, ...]], vote_type: str = "approval"
) -> PbInstance:
    return PbInstance(
        {"budget": str(budget), "vote_type": vote_type},
        tuple(PbProject(key, Fraction(cost)) for key, cost in costs.items()),
        tuple(PbVote(str(i), ballot) for i, ballot in enumerate(ballots)),
    )


# Five voters share 100 (20 each). Voters 1-3 support the hall (30) and the roof (45), voters
# 4-5 the park (50). Hall and roof tie (3 supporters each, a third of a unit per unit of
# cost): the cheaper hall goes first, its three supporters paying 10 each.
YARD = _election(
    100,
    {"hall": 30, "roof": 45, "park": 50},
    [("hall", "roof")] * 3 + [("park",)] * 2,
)


def test_the_most_supported_project_lost_because_its_supporters_paid_for_a_tied_one() -> None:
    why = explain_equal_shares(YARD, ["hall"])
    assert why.share == 20
    assert why.purchases == (("hall", Fraction(10)),)
    roof = why.projects[1]
    assert (roof.project, roof.funded, roof.supporters) == ("roof", False, 3)
    # 3 x 20 = 60 in shares; 30 went on the hall, so 30 was left: less than the roof's 45.
    assert (roof.shares, roof.spent_elsewhere, roof.left) == (60, 30, 30)
    assert roof.paid == (("hall", Fraction(30)),)
    assert why.most_supported() == (roof,)


def test_money_left_unspent_and_the_project_nearest_to_being_paid_for() -> None:
    why = explain_equal_shares(YARD, ["hall"])
    assert (why.spent, why.unspent) == (30, 70)
    # Both the roof (45) and the park (50) would fit in the 70 left; the park's two supporters
    # hold 40 of its 50 (4/5), the roof's three 30 of its 45 (2/3).
    assert [p.project for p in why.within_unspent()] == ["roof", "park"]
    park = why.nearest()
    assert park is not None
    assert (park.project, park.supporters, park.left, park.paid) == ("park", 2, 40, ())
    assert park.covered == Fraction(4, 5)


def test_the_add1_completion_is_replayed_with_the_raised_share() -> None:
    result = equal_shares(YARD)
    # Shares of 24 still buy the hall alone; at 25 the roof and the park are bought as well
    # (125, over the budget), so the completion keeps 24.
    assert result.selected == ("hall",)
    assert completion_raise(result.notes) == 4
    why = explain_equal_shares(YARD, result.selected, raised=4)
    assert (why.initial_share, why.share) == (20, 24)
    roof, park = why.projects[1], why.projects[2]
    assert (roof.shares, roof.left) == (72, 42)  # 42 < 45
    assert (park.shares, park.left) == (48, 48)  # 48 < 50
    assert why.nearest() == park  # 48/50 against 42/45


def test_completion_raise_reads_the_counts_own_note() -> None:
    assert completion_raise(equal_shares(YARD, completion="none").notes) is None
    assert completion_raise(equal_shares(YARD).notes) == 4


def test_everything_funded_leaves_nothing_to_explain() -> None:
    small = _election(100, {"a": 40, "b": 20}, [("a",), ("a", "b"), ("b",)])
    result = equal_shares(small, completion="none")
    why = explain_equal_shares(small, result.selected)
    assert why.unfunded == ()
    assert (why.unspent, why.nearest(), why.most_supported()) == (40, None, ())


def test_nothing_funded_and_a_project_nobody_supported() -> None:
    # 2 voters with 10 each: the tower (30) is beyond both, and nobody chose the well.
    poor = _election(20, {"tower": 30, "well": 15}, [("tower",), ("tower",)])
    result = equal_shares(poor)
    assert result.selected == ()
    why = explain_equal_shares(poor, result.selected, raised=completion_raise(result.notes) or 0)
    tower, well = why.projects
    assert tower.shares < tower.cost
    assert tower.spent_elsewhere == 0
    assert (well.supporters, well.left, well.covered) == (0, 0, 0)
    assert why.most_supported() == (tower,)
    assert why.nearest() == well  # the only one that fits in the 20 left


def test_a_free_project_is_always_bought() -> None:
    free = _election(10, {"gift": 0, "shed": 30}, [("shed",)])
    result = equal_shares(free, completion="none")
    assert result.selected == ("gift",)
    why = explain_equal_shares(free, result.selected)
    gift, shed = why.projects
    assert (gift.funded, gift.supporters, gift.covered) == (True, 0, 1)
    assert (shed.left, shed.shares) == (10, 10)


def test_purchases_that_are_not_a_count_by_equal_shares_are_refused() -> None:
    with pytest.raises(RuleError, match="could not pay"):
        explain_equal_shares(YARD, ["hall", "roof"])
    with pytest.raises(RuleError, match="could still be paid"):
        explain_equal_shares(YARD, [], raised=10)
    with pytest.raises(RuleError, match="not a project"):
        explain_equal_shares(YARD, ["pool"])
    with pytest.raises(RuleError, match="approval"):
        explain_equal_shares(_election(10, {"a": 1}, [("a",)], "ordinal"), ["a"])


def test_the_explanation_agrees_with_the_count_of_a_real_city() -> None:
    assen = read_pb(PB / "Netherlands_Assen_2024.pb")
    result = equal_shares(assen)
    why = explain_equal_shares(assen, result.selected, raised=completion_raise(result.notes) or 0)
    # The same purchases at the same prices, and the same money spent.
    assert why.purchases == tuple((s.project, s.price) for s in result.rounds)
    assert why.spent == result.cost
    assert why.unspent == assen.budget - result.cost
    assert {p.project for p in why.projects if p.funded} == set(result.selected)
    supporters = {s.project: s.score for s in result.rounds}
    for p in why.projects:
        # Every unit of a supporter's share was kept, spent elsewhere, or paid for p.
        assert p.shares == p.left + p.spent_elsewhere + (p.cost if p.funded else 0)
        if p.funded:
            assert p.supporters == supporters[p.project]
        else:
            assert p.left < p.cost
