"""Single-winner rules on small elections with known answers."""

from __future__ import annotations

import pytest

from rada.counting.ballots import Profile
from rada.counting.errors import RuleError
from rada.counting.single import (
    approval,
    borda,
    count_single,
    instant_runoff,
    pairwise,
    plurality,
    ranked_pairs,
    schulze,
)


def _p(names: str, ballots: list[tuple[str, int]]) -> Profile:
    ix = {c: i for i, c in enumerate(names)}
    return Profile.from_rankings(
        list(names), [tuple(ix[c] for c in r) for r, _ in ballots], weights=[w for _, w in ballots]
    )


# Wikipedia's Schulze example (45 voters, 5 candidates): E wins.
SCHULZE = _p(
    "ABCDE",
    [("ACBED", 5), ("ADECB", 5), ("BEDAC", 8), ("CABED", 3), ("CAEBD", 7), ("CBADE", 2),
     ("DCEBA", 7), ("EBADC", 8)],
)  # fmt: skip


def test_schulze_elects_e_in_the_classic_example() -> None:
    assert schulze(SCHULZE).winner == "E"


def test_ranked_pairs_locks_the_largest_margins_first() -> None:
    # Tennessee capital example: Nashville wins under ranked pairs.
    p = _p("MNCK", [("MNCK", 42), ("NCKM", 26), ("CKNM", 15), ("KCNM", 17)])
    assert ranked_pairs(p).winner == "N"


def test_irv_transfers_until_a_majority() -> None:
    p = _p("MNCK", [("MNCK", 42), ("NCKM", 26), ("CKNM", 15), ("KCNM", 17)])
    result = instant_runoff(p)
    assert result.winner == "K"
    assert [r.eliminated for r in result.rounds] == ["C", "N", None]


def test_plurality_and_borda_differ_where_they_should() -> None:
    p = _p("MNCK", [("MNCK", 42), ("NCKM", 26), ("CKNM", 15), ("KCNM", 17)])
    assert plurality(p).winner == "M"
    assert borda(p).winner == "N"


def test_approval_counts_every_ranked_candidate() -> None:
    assert approval(_p("AB", [("AB", 2), ("B", 2), ("A", 1)])).winner == "B"


def test_ranked_candidate_beats_unranked_in_pairwise_counts() -> None:
    assert pairwise(_p("ABC", [("A", 3)])) == [[0, 3, 3], [0, 0, 0], [0, 0, 0]]


def test_exact_tie_is_broken_by_lot_and_recorded() -> None:
    result = plurality(_p("AB", [("A", 2), ("B", 2)]), seed=1)
    (tie,) = result.ties
    assert set(tie.tied) == {"A", "B"}
    assert tie.method.startswith("lot")


def test_unknown_method_is_a_rule_error() -> None:
    with pytest.raises(RuleError):
        count_single(_p("AB", [("A", 1)]), "dictator")
