"""Approval committees: PAV (exact), sequential PAV and Equal Shares, with their properties."""

from __future__ import annotations

import itertools
import json
import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rada.cli.count import app
from rada.counting.ballots import ApprovalProfile
from rada.counting.committee import (
    RULES,
    count_committee,
    equal_shares_committee,
    pav,
    priority_order,
    seq_pav,
)
from rada.counting.errors import BallotFileError, RuleError
from rada.counting.formats.approval import parse_cat, read_approval

FEW = settings(max_examples=20, deadline=None)
# 4 x {A,B}, 3 x {A,C}, 2 x {B}, 3 x {C}: sequential PAV takes the most approved A first and
# then C (11.5); PAV's best committee leaves A out: {B, C} scores 4 + 3 + 2 + 3 = 12.
GREEDY_TRAP = ApprovalProfile.from_ballots(
    "ABC", [{0, 1}] * 4 + [{0, 2}] * 3 + [{1}] * 2 + [{2}] * 3
)


def _brute_force_pav(profile: ApprovalProfile, seats: int) -> tuple[Fraction, list[set[int]]]:
    """Every committee's PAV score, the reference the branch and bound must match."""
    best, winners = Fraction(-1), []
    for committee in itertools.combinations(range(len(profile.candidates)), seats):
        score = sum(
            (w * sum(Fraction(1, j) for j in range(1, len(b & set(committee)) + 1)))
            for b, w in zip(profile.ballots, profile.weights, strict=True)
        )
        if score > best:
            best, winners = score, [set(committee)]
        elif score == best:
            winners.append(set(committee))
    return best, winners


def test_pav_gives_a_cohesive_minority_its_seat() -> None:
    p = ApprovalProfile.from_ballots("ABC", [{0, 1}] * 3 + [{2}] * 2)
    assert pav(p, 2).elected == ("A", "C")


def test_sequential_pav_is_not_pav() -> None:
    exact, greedy = pav(GREEDY_TRAP, 2), seq_pav(GREEDY_TRAP, 2)
    assert set(exact.elected) == {"B", "C"}
    assert exact.pav_score == 12
    assert greedy.elected == ("A", "C")
    assert greedy.pav_score == Fraction(23, 2)
    assert [r.score for r in greedy.rounds] == [7, Fraction(9, 2)]
    assert not exact.ties
    assert not greedy.ties


def test_pav_rounds_add_up_to_the_committee_score() -> None:
    r = pav(GREEDY_TRAP, 2)
    assert sum(x.score for x in r.rounds) == r.pav_score


def test_exact_pav_matches_brute_force_on_generated_elections() -> None:
    for seed in range(30):
        rng = random.Random(seed)
        m, seats = rng.randint(3, 7), rng.randint(1, 4)
        ballots = [rng.sample(range(m), rng.randint(0, m)) for _ in range(rng.randint(1, 25))]
        p = ApprovalProfile.from_ballots([f"c{i}" for i in range(m)], ballots)
        if seats >= m:
            continue
        best, winners = _brute_force_pav(p, seats)
        r = pav(p, seats)
        chosen = {p.candidates.index(name) for name in r.elected}
        assert r.pav_score == best, f"seed {seed}"
        assert chosen in winners, f"seed {seed}"
        # The tie-break: the optimal committee whose members come first in priority order.
        rank = {c: i for i, c in enumerate(priority_order(p))}
        preferred = min(winners, key=lambda w: sorted(rank[c] for c in w))
        assert chosen == preferred, f"seed {seed}"
        assert bool(r.ties) == (len(winners) > 1), f"seed {seed}"


def test_pav_ties_are_recorded_with_the_committees() -> None:
    p = ApprovalProfile.from_ballots("ABC", [{0}, {1}, {2}])
    r = pav(p, 1)
    assert r.elected == ("A",)
    assert r.ties[0].tied == ("{A}", "{B}", "{C}")
    assert r.ties[0].chosen == "{A}"


def test_exact_pav_gives_up_beyond_its_node_limit() -> None:
    rng = random.Random(7)
    ballots = [rng.sample(range(16), rng.randint(1, 5)) for _ in range(60)]
    p = ApprovalProfile.from_ballots([str(i) for i in range(16)], ballots)
    with pytest.raises(RuleError, match="gave up after 50"):
        pav(p, 8, max_nodes=50)


def test_equal_shares_buys_seats_in_proportion() -> None:
    p = ApprovalProfile.from_ballots("ABCD", [{0, 1, 2}] * 4 + [{3}] * 2)
    r = equal_shares_committee(p, 3)
    assert set(r.elected) == {"A", "B", "D"}
    assert [x.price for x in r.rounds] == [Fraction(1, 4), Fraction(1, 4), Fraction(1, 2)]
    assert [t.chosen for t in r.ties] == ["A", "B"]


def test_equal_shares_raises_the_budget_until_every_seat_is_filled() -> None:
    # 2 seats, 5 voters: each holds 2/5. Nobody's group alone can afford 1 except A's 3 voters;
    # B's 2 voters need the budget raised to 3 (3/5 each) to buy B.
    p = ApprovalProfile.from_ballots("ABC", [{0}] * 3 + [{1}] * 2)
    r = equal_shares_committee(p, 2)
    assert r.elected == ("A", "B")
    assert all(x.action == "bought" for x in r.rounds)
    assert "raised by 1 seat(s)" in r.notes[1]


def test_equal_shares_completes_by_approvals_when_raising_overshoots() -> None:
    p = ApprovalProfile.from_ballots("ABCD", [{0, 1, 2, 3}] * 4)
    r = equal_shares_committee(p, 2)  # the first run already buys 2 of the 4 equal candidates
    assert r.elected == ("A", "B")
    q = ApprovalProfile.from_ballots("ABCD", [{0}] * 10 + [{1}] * 10 + [{2}] * 10 + [{3}])
    s = equal_shares_committee(q, 2)  # every raise jumps from 1 to 3 seats: completion fills
    assert len(s.elected) == 2
    assert s.rounds[-1].action == "completion"
    assert any(t.purpose == "completion" for t in s.ties)


def test_fewer_candidates_than_seats_elects_everyone() -> None:
    p = ApprovalProfile.from_ballots("AB", [{1}])
    for rule in RULES:
        assert count_committee(p, 3, rule=rule).elected == ("B", "A")


def test_bad_seats_and_rules_are_refused() -> None:
    p = ApprovalProfile.from_ballots("AB", [{1}])
    with pytest.raises(RuleError):
        pav(p, 0)
    with pytest.raises(RuleError, match="unknown committee rule"):
        count_committee(p, 1, rule="phragmen")


@st.composite
def approval_elections(draw: st.DrawFn) -> tuple[ApprovalProfile, int]:
    m = draw(st.integers(2, 6))
    ballots = draw(st.lists(st.sets(st.integers(0, m - 1)), min_size=1, max_size=20))
    seats = draw(st.integers(1, m))
    return ApprovalProfile.from_ballots([f"C{i}" for i in range(m)], ballots), seats


def _individual(p: ApprovalProfile) -> list[frozenset[int]]:
    return [b for b, w in zip(p.ballots, p.weights, strict=True) for _ in range(w)]


@FEW
@given(approval_elections(), st.integers(0, 10**6))
def test_committee_rules_are_anonymous_and_fill_every_seat(
    election: tuple[ApprovalProfile, int], seed: int
) -> None:
    p, seats = election
    ballots = _individual(p)
    random.Random(seed).shuffle(ballots)
    shuffled = ApprovalProfile.from_ballots(p.candidates, ballots)
    for rule in RULES:
        a, b = count_committee(p, seats, rule=rule), count_committee(shuffled, seats, rule=rule)
        assert len(a.elected) == seats == len(set(a.elected))
        assert a.elected == b.elected


@FEW
@given(approval_elections(), st.integers(0, 10**6))
def test_renaming_candidates_renames_the_committee(
    election: tuple[ApprovalProfile, int], seed: int
) -> None:
    p, seats = election
    m = len(p.candidates)
    perm = list(range(m))
    random.Random(seed).shuffle(perm)
    names = [""] * m
    for c, new in enumerate(perm):
        names[new] = f"N{c}"
    renamed = ApprovalProfile.from_ballots(
        names, [{perm[c] for c in b} for b in p.ballots], weights=p.weights
    )
    for rule in RULES:
        a, b = count_committee(p, seats, rule=rule), count_committee(renamed, seats, rule=rule)
        if a.ties or b.ties:
            continue  # ties go to file order, which renaming changes
        assert {f"N{p.candidates.index(x)}" for x in a.elected} == set(b.elected)


CAT = (
    "# FILE NAME: tiny.cat\n# DATA TYPE: cat\n# NUMBER ALTERNATIVES: 3\n"
    "# NUMBER CATEGORIES: 2\n# CATEGORY NAME 1: approved\n# CATEGORY NAME 2: not\n"
    "# ALTERNATIVE NAME 1: Ann\n# ALTERNATIVE NAME 2: Bob\n# ALTERNATIVE NAME 3: Cat\n"
    "3: {1,2},3\n2: 3,{1,2}\n"
)


def test_cat_files_approve_the_first_category() -> None:
    e = parse_cat(CAT)
    assert e.profile.ballots == (frozenset({0, 1}), frozenset({2}))
    assert e.profile.weights == (3, 2)


@pytest.mark.parametrize(
    ("line", "fault"),
    [("3: {1,2,3", "never closed"), ("3: 1,4", "outside 1..3"), ("x: 1", "data line")],
)
def test_malformed_cat_lines_are_named(line: str, fault: str) -> None:
    with pytest.raises(BallotFileError, match=f"line 11: .*{fault}"):
        parse_cat(CAT.replace("2: 3,{1,2}\n", line + "\n"))


def test_toi_and_pb_files_read_as_approvals(tmp_path: Path) -> None:
    toi = tmp_path / "e.toi"
    toi.write_text("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 3\n2: {1,3}\n1: 2,1\n", "utf-8")
    assert read_approval(toi).profile.ballots == (frozenset({0, 2}), frozenset({0, 1}))
    pb = tmp_path / "e.pb"
    pb.write_text(
        "META\nkey;value\nbudget;9\nPROJECTS\nproject_id;cost\nx;5\ny;7\n"
        "VOTES\nvoter_id;vote\n1;y\n2;x,y\n",
        "utf-8",
    )
    election = read_approval(pb)
    assert election.profile.candidates == ("x", "y")
    assert "costs are ignored" in election.notes[0]
    with pytest.raises(BallotFileError, match="cannot read approval ballots"):
        read_approval(tmp_path / "e.soc")


def test_cli_committee_json_has_the_stable_keys(tmp_path: Path) -> None:
    path = tmp_path / "tiny.cat"
    path.write_text(CAT, encoding="utf-8")
    runner = CliRunner()
    for rule in RULES:
        result = runner.invoke(
            app, ["committee", str(path), "--seats", "2", "--rule", rule, "--json"]
        )
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert {"file", "rule", "seats", "elected", "rounds", "ties"} <= set(data)
        assert data["rule"] == rule
        assert data["seats"] == 2
        assert data["file"] == str(path)
        assert sorted(data["elected"]) == ["Ann", "Cat"]
    table = runner.invoke(app, ["committee", str(path), "--seats", "2"])
    assert table.exit_code == 0
    assert "Elected (5 voters): Ann; Cat" in table.output
