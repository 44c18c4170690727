"""Scottish statutory STV (SSI 2007/42) and Meek STV on small, hand-checkable elections."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rada.counting.ballots import Profile
from rada.counting.errors import RuleError
from rada.counting.meek import meek_stv
from rada.counting.stv import scottish_stv


def _profile(names: str, ballots: list[tuple[str, int]]) -> Profile:
    index = {c: i for i, c in enumerate(names)}
    rankings = [tuple(index[c] for c in r) for r, _ in ballots]
    return Profile.from_rankings(list(names), rankings, weights=[w for _, w in ballots])


def test_quota_is_droop_floor_plus_one() -> None:
    p = _profile("ABC", [("A", 10), ("B", 7), ("C", 3)])
    assert scottish_stv(p, 2).quota == Decimal(20 // 3 + 1)


def test_surplus_transfer_value_is_truncated_to_five_places() -> None:
    # A has 7 of 12 votes, quota 5 (seats 1? no: seats 2 -> 12//3+1 = 5), surplus 2 over 7 papers:
    # transfer value 2/7 = 0.285714... truncated to 0.28571; four papers go to B.
    p = _profile("ABC", [("AB", 4), ("A", 3), ("B", 2), ("C", 3)])
    r = scottish_stv(p, 2)
    stage2 = r.rounds[1]
    assert stage2.action == "surplus"
    assert stage2.transfer_values == (Decimal("0.28571"),)
    assert stage2.transfers["B"] == Decimal("1.14284")
    assert stage2.non_transferable == Decimal("0.85713")
    assert stage2.rounding_loss == Decimal("0.00003")
    assert stage2.totals["A"] == Decimal(5)


def test_later_surplus_passes_every_paper_at_its_reduced_value() -> None:
    # Rule 48(3): each paper B holds passes at surplus * (its value) / B's total, truncated.
    p = _profile("ABCD", [("ABC", 12), ("BC", 6), ("C", 2), ("D", 5)])
    r = scottish_stv(p, 3)  # quota 25 // 4 + 1 = 7
    a_stage, b_stage = r.rounds[1], r.rounds[2]
    assert (a_stage.candidate, b_stage.candidate) == ("A", "B")
    tv_a = Decimal(5 * 100_000 // 12).scaleb(-5)  # 0.41666
    b_total = 6 + 12 * tv_a
    surplus = b_total - 7
    q = Decimal("0.00001")
    tv_own = (surplus * 1 / b_total).quantize(q, rounding="ROUND_DOWN")
    tv_from_a = (surplus * tv_a / b_total).quantize(q, rounding="ROUND_DOWN")
    assert b_stage.transfer_values == (tv_own, tv_from_a)
    assert b_stage.transfers["C"] == 6 * tv_own + 12 * tv_from_a


def test_every_stage_accounts_for_every_vote() -> None:
    p = _profile("ABCDE", [("ABC", 9), ("BCA", 4), ("CDE", 5), ("DBA", 3), ("EDC", 2), ("E", 1)])
    r = scottish_stv(p, 3)
    for stage in r.rounds[1:]:
        assert sum(stage.transfers.values()) + stage.non_transferable + stage.rounding_loss == 0
        assert stage.rounding_loss >= 0


def test_exclusion_tie_is_broken_by_the_most_recent_stage_where_totals_differed() -> None:
    # Quota 18 // 3 + 1 = 7. A's surplus of 1 over 8 papers gives B 8 * 0.125 = 1, so B and C
    # both hold 3 at stage 2; at stage 1 B had 2 and C 3, so B is excluded (rule 51(2)(a)).
    p = _profile("ABCD", [("AB", 8), ("B", 2), ("C", 3), ("D", 5)])
    r = scottish_stv(p, 2)
    assert r.rounds[1].totals["B"] == r.rounds[1].totals["C"] == 3
    assert r.rounds[2].excluded == ("B",)
    (tie,) = r.ties
    assert (tie.chosen, tie.method) == ("B", "lowest votes at stage 1")


def test_exclusion_tie_equal_at_every_stage_is_decided_by_lot_and_recorded() -> None:
    p = _profile("ABC", [("A", 4), ("B", 2), ("C", 2)])
    r = scottish_stv(p, 1, seed=3)
    (tie,) = r.ties
    assert tie.purpose == "exclusion"
    assert set(tie.tied) == {"B", "C"}
    assert tie.method.startswith("lot")
    assert r.elected == ("A",)


def test_last_vacancies_are_filled_without_further_transfer() -> None:
    p = _profile("ABC", [("A", 5), ("B", 3), ("C", 2)])
    r = scottish_stv(p, 2)
    assert r.elected == ("A", "B")
    # Stage 2 transfers A's surplus (all non-transferable); stage 3 excludes C, and B, the
    # only continuing candidate for the one vacancy, is elected in that same stage (rule 52).
    assert len(r.rounds) == 3
    assert (r.rounds[2].excluded, r.rounds[2].elected) == (("C",), ("B",))


def test_withdrawn_candidate_preferences_are_skipped() -> None:
    p = _profile("ABC", [("BA", 5), ("C", 4)])
    r = scottish_stv(p, 1, withdrawn=[1])
    assert r.rounds[0].totals["B"] == 0
    assert r.elected == ("A",)


def test_zero_seats_is_a_rule_error() -> None:
    with pytest.raises(RuleError):
        scottish_stv(_profile("AB", [("A", 1)]), 0)


def test_meek_returns_surplus_votes_to_the_elected() -> None:
    # A is elected on first preferences; Meek reduces A's keep factor so A holds the quota.
    p = _profile("ABC", [("AB", 6), ("B", 2), ("C", 4)])
    r = meek_stv(p, 2)
    assert r.elected[0] == "A"
    final = r.rounds[-1]
    assert final.keep_factors is not None
    assert final.keep_factors["A"] < 1
    assert final.quota is not None
    assert abs(final.totals["A"] - final.quota) < Decimal("0.00001")


def test_meek_conserves_votes_in_every_round() -> None:
    p = _profile("ABCDE", [("ABC", 9), ("BCA", 4), ("CDE", 5), ("DBA", 3), ("EDC", 2), ("E", 1)])
    r = meek_stv(p, 3)
    for stage in r.rounds:
        # every ballot's full weight is either with a candidate or exhausted
        exhausted = sum((x.non_transferable for x in r.rounds[: stage.number]), Decimal(0))
        assert sum(stage.totals.values()) + exhausted == p.total
