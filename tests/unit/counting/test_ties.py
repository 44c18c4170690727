"""One tie-break for every rule: look back to the last stage where the tied differed, else lot."""

from __future__ import annotations

import pytest

from rada.counting.ballots import Profile
from rada.counting.meek import meek_stv
from rada.counting.single import instant_runoff, plurality
from rada.counting.ties import break_tie, by_lot


def test_by_lot_depends_on_the_seed_and_the_tied_not_their_order() -> None:
    draws = {by_lot([1, 2, 3], seed=s) for s in range(20)}
    assert draws == {1, 2, 3}
    assert all(by_lot([3, 1, 2], seed=s) == by_lot([2, 3, 1], seed=s) for s in range(20))


def test_look_back_decides_at_the_most_recent_stage_where_the_tied_differed() -> None:
    history = [[1, 9, 5], [4, 2, 4], [6, 6, 6]]
    chosen, record = break_tie(
        [2, 0], history, prefer="highest", seed=7, draw=3, names="ABC",
        round=4, purpose="surplus order", stage_words="highest votes at stage",
    )  # fmt: skip
    # Stage 3 ties all; stage 2 ties A and C; stage 1 gives C 5 against A's 1.
    assert chosen == 2
    assert (record.round, record.purpose, record.tied) == (4, "surplus order", ("A", "C"))
    assert (record.chosen, record.method) == ("C", "highest votes at stage 1")


@pytest.mark.parametrize("draw", [0, 1, 5])
def test_equal_at_every_stage_the_lot_decides_with_seed_plus_draw(draw: int) -> None:
    chosen, record = break_tie(
        [0, 1, 2], [[3, 3, 3]], prefer="lowest", seed=11, draw=draw, names="ABC",
        round=2, purpose="exclusion", stage_words="lowest votes at stage",
    )  # fmt: skip
    assert chosen == by_lot([0, 1, 2], seed=11 + draw)
    assert record.method == "lot (seed 11)"


def test_irv_and_meek_record_a_look_back_in_their_own_words() -> None:
    # C goes first and hands B a vote: A and B then tie for last, having differed in round 1.
    ballots = [(0,)] * 3 + [(1,)] * 2 + [(2, 1)] + [(3,)] * 6 + [(4,)] * 5
    profile = Profile.from_rankings(list("ABCDE"), ballots)
    irv = instant_runoff(profile)
    assert [(t.tied, t.chosen, t.method) for t in irv.ties] == [
        (("A", "B"), "B", "fewest votes in round 1")
    ]
    meek = meek_stv(profile, 1)
    assert [(t.tied, t.chosen, t.method) for t in meek.ties] == [
        (("A", "B"), "B", "lowest votes at round 1")
    ]


def test_plurality_tie_is_drawn_by_lot_and_recorded() -> None:
    profile = Profile.from_rankings(["A", "B"], [(0,), (1,)])
    result = plurality(profile, seed=4)
    assert result.winner == "AB"[by_lot([0, 1], seed=4)]
    assert [(t.purpose, t.tied, t.method) for t in result.ties] == [
        ("plurality winner", ("A", "B"), "lot (seed 4)")
    ]
