"""Motions: majorities, quorum, consensus with blocks, and recall."""

from __future__ import annotations

from fractions import Fraction

import pytest

from rada.counting.errors import RuleError
from rada.counting.motions import MotionTally, decide_consensus, decide_motion, decide_recall


def test_simple_majority_ignores_abstentions() -> None:
    assert decide_motion(MotionTally(6, 5, 20)).adopted


def test_tie_does_not_carry_a_simple_majority() -> None:
    result = decide_motion(MotionTally(5, 5))
    assert not result.adopted
    assert any("tie" in r for r in result.reasons)


def test_absolute_majority_counts_against_all_members() -> None:
    assert not decide_motion(MotionTally(6, 1, 0, members=12), majority="absolute").adopted
    assert decide_motion(MotionTally(7, 1, 0, members=12), majority="absolute").adopted


def test_absolute_majority_needs_the_number_of_members() -> None:
    with pytest.raises(RuleError, match="members"):
        decide_motion(MotionTally(6, 1), majority="absolute")


@pytest.mark.parametrize(
    ("for_", "against", "fraction", "adopted"),
    [
        (20, 10, Fraction(2, 3), True),
        (19, 10, Fraction(2, 3), False),
        (30, 10, Fraction(3, 4), True),
    ],
)
def test_qualified_majority_is_at_least_the_fraction_of_votes_cast(
    for_: int, against: int, fraction: Fraction, adopted: bool
) -> None:
    result = decide_motion(MotionTally(for_, against), majority="qualified", fraction=fraction)
    assert result.adopted is adopted


def test_missing_quorum_defeats_a_winning_motion() -> None:
    result = decide_motion(MotionTally(4, 1, 0, members=20), quorum=Fraction(1, 2))
    assert not result.adopted
    assert not result.quorum_met


def test_abstentions_count_towards_quorum() -> None:
    assert decide_motion(MotionTally(4, 1, 6, members=20), quorum=Fraction(1, 2)).adopted


def test_block_stops_consensus_proposal() -> None:
    result = decide_consensus(
        {"ana": ("agree", None), "bo": ("agree", None), "cy": ("block", "breaks the safety rule")}
    )
    assert not result.adopted
    assert result.blocks == (("cy", "breaks the safety rule"),)


def test_block_without_reason_is_refused() -> None:
    with pytest.raises(RuleError, match="reason"):
        decide_consensus({"ana": ("block", " ")})


def test_consensus_passes_with_agreement_and_stand_asides() -> None:
    assert decide_consensus({"a": ("agree", None), "b": ("abstain", None)}).adopted


def test_disagreement_without_block_needs_the_fallback_majority() -> None:
    positions = {"a": ("agree", None), "b": ("agree", None), "c": ("disagree", None)}
    assert not decide_consensus(positions).adopted  # type: ignore[arg-type]
    assert decide_consensus(positions, fallback=Fraction(2, 3)).adopted  # type: ignore[arg-type]


def test_recall_needs_a_majority_of_all_members_by_default() -> None:
    assert not decide_recall(MotionTally(5, 1, 0, members=10)).adopted
    assert decide_recall(MotionTally(6, 4, 0, members=10)).adopted


def test_recall_under_standing_orders_with_two_thirds_of_votes_cast() -> None:
    tally = MotionTally(8, 4, 0, members=30)
    assert decide_recall(tally, fraction=Fraction(2, 3), of_members=False).adopted
