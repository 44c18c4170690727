"""Participatory-budgeting rules on small budgets with known answers."""

from __future__ import annotations

from fractions import Fraction

import pytest

from rada.counting.errors import RuleError
from rada.counting.formats.pabulib import parse_pb
from rada.counting.mes import equal_shares
from rada.counting.pb import count_pb, greedy, scores


def _pb(budget: str, projects: str, votes: str, meta: str = "") -> str:
    return (
        f"META\nkey;value\nbudget;{budget}\n{meta}PROJECTS\nproject_id;cost\n{projects}\n"
        f"VOTES\nvoter_id;vote\n{votes}"
    )


SKIP = parse_pb(_pb("10", "a;8\nb;5\nc;2", "1;a,b,c\n2;a,b\n3;a"))


def test_greedy_skips_a_project_that_does_not_fit() -> None:
    result = greedy(SKIP)
    assert result.selected == ("a", "c")
    assert [s.decision for s in result.rounds] == ["funded", "skipped: does not fit", "funded"]


def test_greedy_no_skip_stops_at_the_first_misfit() -> None:
    assert greedy(SKIP, rule="greedy-no-skip").selected == ("a",)


def test_greedy_threshold_ignores_projects_below_minimum_support() -> None:
    text = _pb("20", "a;8\nb;5\nc;2", "1;a,b,c\n2;a,b\n3;a", "min_project_score_threshold;2\n")
    assert greedy(parse_pb(text), rule="greedy-threshold").selected == ("a", "b")


def test_greedy_threshold_without_a_threshold_is_a_rule_error() -> None:
    with pytest.raises(RuleError, match="minimum"):
        greedy(SKIP, rule="greedy-threshold")


def test_equal_scores_are_ordered_by_lower_cost_and_recorded() -> None:
    result = greedy(parse_pb(_pb("10", "a;8\nb;5", "1;a\n2;b")))
    assert result.selected == ("b",)
    assert result.ties[0].tied == ("b", "a")


def test_cumulative_scores_sum_points_and_ordinal_scores_count_down() -> None:
    cum = parse_pb(
        "META\nkey;value\nbudget;9\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;1\nb;1\n"
        "VOTES\nvoter_id;vote;points\n1;a,b;7,3\n2;b;5"
    )
    assert scores(cum) == {"a": 7, "b": 8}


def test_file_rule_is_used_when_none_is_given_and_unknown_rules_are_refused() -> None:
    pb = parse_pb(_pb("10", "a;8", "1;a", "rule;phragmen\n"))
    with pytest.raises(RuleError, match="phragmen"):
        count_pb(pb)


def test_equal_shares_gives_a_minority_its_share() -> None:
    # 3 voters, budget 30: two want a (20), one wants c (10). Greedy by votes would give a and
    # nothing else that fits beyond c too; MES funds a with the majority's money and c with the
    # minority's, b being beyond voter 1's remaining share.
    pb = parse_pb(_pb("30", "a;20\nb;10\nc;10", "1;a,b\n2;a\n3;c"))
    result = equal_shares(pb)
    assert result.selected == ("a", "c")
    assert result.rounds[0].price == 10


def test_equal_shares_refuses_ordinal_ballots() -> None:
    pb = parse_pb(_pb("10", "a;8", "1;a", "vote_type;ordinal\n"))
    with pytest.raises(RuleError, match="approval"):
        equal_shares(pb)


def test_add1_stops_before_overspending() -> None:
    pb = parse_pb(_pb("30", "a;20\nb;10\nc;10", "1;a,b\n2;a\n3;c"))
    assert equal_shares(pb).cost <= Fraction(30)
    assert equal_shares(pb, completion="none").selected == ("a", "c")
