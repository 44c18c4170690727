"""Participatory budgeting: the greedy rules cities use and the Method of Equal Shares.

All money is exact (:class:`fractions.Fraction`). A project's *score* is computed from the
ballots: approval and choose-1 ballots give each chosen project one point; cumulative ballots
give their points; an ordinal ballot of at most ``k`` ranks gives ``k, k-1, ..., 1`` points
(``k`` is META ``max_length``, else the longest ballot), the rule Kraków used.

Rules, named as pabulib's META ``rule`` names them:

- ``greedy``: projects by score, highest first; fund each that still fits, skip the rest;
- ``greedy-no-skip``: the same, but stop at the first project that does not fit;
- ``greedy-threshold``: ``greedy`` over the projects whose score reaches the threshold
  (META ``min_project_score_threshold``, or given);
- ``equal-shares`` (``equalshares``, ``equalshares/add1``, ``equalshares/add1-comparison``):
  the Method of Equal Shares for approval ballots with cost utilities, completed by "add1".
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np

from rada.counting.budget import PbProfile, PbResult, PbStep, is_exhaustive, total_cost
from rada.counting.errors import RuleError
from rada.counting.formats.pabulib import PbInstance, as_profile
from rada.counting.mes import equal_shares
from rada.counting.ties import TieBreak

__all__ = [
    "GREEDY_RULES",
    "RULES",
    "PbResult",
    "PbStep",
    "count_pb",
    "greedy",
    "is_exhaustive",
    "scores",
    "total_cost",
]

GREEDY_RULES = ("greedy", "greedy-no-skip", "greedy-threshold")
RULES = (*GREEDY_RULES, "equal-shares")
RULE_ALIASES = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-threshold": "greedy-threshold",
    "equal-shares": "equal-shares",
    "equalshares": "equal-shares",
    "equalshares/add1": "equal-shares",
    "equalshares/add1-comparison": "equal-shares",
}
Progress = Callable[[int, str], None]


def scores(instance: PbInstance | PbProfile) -> dict[str, Fraction]:
    """Each project's score from the ballots (see the module docstring for the rule).

    Examples
    --------
    >>> from rada.counting.formats.pabulib import parse_pb
    >>> pb = parse_pb("META\\nkey;value\\nbudget;9\\nvote_type;ordinal\\nPROJECTS\\n"
    ...               "project_id;cost\\na;1\\nb;1\\nVOTES\\nvoter_id;vote\\n1;a,b\\n2;b")
    >>> {k: int(v) for k, v in scores(pb).items()}
    {'a': 2, 'b': 3}
    """
    profile = as_profile(instance)
    if profile.vote_type in ("cumulative", "scoring"):
        totals = _points_scores(profile)
    else:
        totals = _ranked_scores(profile, _points_per_rank(profile))
    return {p.id: Fraction(n) for p, n in zip(profile.projects, totals, strict=True)}


def _points_per_rank(profile: PbProfile) -> int | None:
    """k for ordinal ballots (points k, k - 1, ... by rank), None for one point each."""
    if profile.vote_type != "ordinal":
        return None
    longest = int(profile.arrays.sizes.max(initial=0))
    k = int(profile.meta.get("max_length", longest) or longest)
    return max(k, longest)


def _ranked_scores(profile: PbProfile, k: int | None) -> list[int]:
    """Each project's points from approval or choose-1 ballots (one each) or ordinal ballots
    (``k - rank``), summed with NumPy where every sum is exact in floats, else in Python."""
    arrays = profile.arrays
    most = (k or 1) * max(profile.weights, default=0) * len(arrays.flat)
    if most < 2**52:  # every partial sum is a whole number float64 holds exactly
        weights = np.repeat(np.asarray(profile.weights, dtype=np.int64), arrays.sizes)
        if k is not None:
            firsts = np.repeat(np.cumsum(arrays.sizes) - arrays.sizes, arrays.sizes)
            weights *= k - (np.arange(len(arrays.flat)) - firsts)
        totals = np.bincount(arrays.flat, weights=weights, minlength=len(profile.projects))
        return [int(t) for t in totals]
    exact = [0] * len(profile.projects)
    for ballot, weight in zip(profile.ballots, profile.weights, strict=True):
        for rank, j in enumerate(ballot):
            exact[j] += weight if k is None else (k - rank) * weight
    return exact


def _points_scores(profile: PbProfile) -> list[int]:
    """Each project's total of cumulative or scoring points."""
    totals = [0] * len(profile.projects)
    points = profile.points
    ballots = profile.ballots
    if points is None or any(len(p) != len(b) for p, b in zip(points, ballots, strict=True)):
        raise RuleError(
            f"{profile.vote_type} ballots need points",
            hint="the VOTES section needs a points column",
        )
    for ballot, pts, weight in zip(ballots, points, profile.weights, strict=True):
        for j, p in zip(ballot, pts, strict=True):
            totals[j] += p * weight
    return totals


def _order(profile: PbProfile, score: dict[str, Fraction]) -> tuple[list[str], list[TieBreak]]:
    """Projects by score, highest first; equal scores by lower cost, then file order."""
    position = {p.id: i for i, p in enumerate(profile.projects)}
    cost = {p.id: p.cost for p in profile.projects}
    ordered = sorted(position, key=lambda pid: (-score[pid], cost[pid], position[pid]))
    ties: list[TieBreak] = []
    groups: dict[Fraction, list[str]] = {}
    for pid in ordered:
        groups.setdefault(score[pid], []).append(pid)
    for tied in groups.values():
        if len(tied) > 1:
            ties.append(
                TieBreak(0, "greedy order", tuple(tied), tied[0], "lower cost, then file order")
            )
    return ordered, ties


def greedy(
    instance: PbInstance | PbProfile,
    *,
    rule: str = "greedy",
    threshold: Fraction | int | None = None,
    budget: Fraction | int | None = None,
) -> PbResult:
    """Fund projects in order of score while they fit in the budget.

    Parameters
    ----------
    instance : PbInstance or PbProfile
        The election.
    rule : {"greedy", "greedy-no-skip", "greedy-threshold"}
        Skip a project that does not fit, stop at it, or skip projects below ``threshold``.
    threshold : Fraction or int, optional
        Minimum score for ``greedy-threshold`` (default: META ``min_project_score_threshold``).
    budget : Fraction or int, optional
        The funds (default: META ``budget``).

    Returns
    -------
    PbResult

    Raises
    ------
    RuleError
        For an unknown rule, or ``greedy-threshold`` without a threshold.

    Examples
    --------
    >>> from rada.counting.formats.pabulib import parse_pb
    >>> pb = parse_pb("META\\nkey;value\\nbudget;10\\nPROJECTS\\nproject_id;cost\\n"
    ...               "a;8\\nb;5\\nc;2\\nVOTES\\nvoter_id;vote\\n1;a,b,c\\n2;a,b\\n3;a")
    >>> greedy(pb).selected, greedy(pb, rule="greedy-no-skip").selected
    (('a', 'c'), ('a',))
    """
    if rule not in GREEDY_RULES:
        raise RuleError(
            f"unknown greedy rule {rule!r}", hint=f"use one of {', '.join(GREEDY_RULES)}"
        )
    profile = as_profile(instance)
    if rule == "greedy-threshold" and threshold is None:
        raw = profile.meta.get("min_project_score_threshold")
        if raw is None:
            raise RuleError(
                "greedy-threshold needs a minimum score",
                hint="give --threshold, or add min_project_score_threshold to META",
            )
        threshold = Fraction(raw)
    funds = profile.budget if budget is None else Fraction(budget)
    score = scores(profile)
    cost = {p.id: p.cost for p in profile.projects}
    ordered, ties = _order(profile, score)
    remaining = funds
    selected: list[str] = []
    steps: list[PbStep] = []
    for pid in ordered:
        if threshold is not None and rule == "greedy-threshold" and score[pid] < threshold:
            decision = "below threshold"
        elif cost[pid] <= remaining:
            remaining -= cost[pid]
            selected.append(pid)
            decision = "funded"
        elif rule == "greedy-no-skip":
            steps.append(
                PbStep(len(steps) + 1, pid, score[pid], cost[pid], "stop: does not fit", remaining)
            )
            break
        else:
            decision = "skipped: does not fit"
        steps.append(PbStep(len(steps) + 1, pid, score[pid], cost[pid], decision, remaining))
    return PbResult(rule, funds, tuple(selected), funds - remaining, tuple(steps), tuple(ties))


def count_pb(
    instance: PbInstance | PbProfile,
    *,
    rule: str | None = None,
    threshold: Fraction | int | None = None,
    progress: Progress | None = None,
) -> PbResult:
    """Count with the named rule, or the one the file names (META ``rule``).

    Raises
    ------
    RuleError
        When neither names a rule Rada implements.

    Examples
    --------
    >>> from rada.counting.formats.pabulib import parse_pb
    >>> pb = parse_pb("META\\nkey;value\\nbudget;10\\nrule;greedy\\nPROJECTS\\n"
    ...               "project_id;cost\\na;8\\nb;5\\nVOTES\\nvoter_id;vote\\n1;a,b\\n2;a")
    >>> count_pb(pb).selected
    ('a',)
    """
    named = rule if rule is not None else instance.rule
    if named is None:
        raise RuleError("the file names no rule", hint=f"choose one: {', '.join(RULES)}")
    canonical = RULE_ALIASES.get(named)
    if canonical is None:
        raise RuleError(
            f"Rada does not implement the rule {named!r}",
            hint=f"choose one with --rule: {', '.join(RULES)}",
        )
    if canonical == "equal-shares":
        return equal_shares(instance, progress=progress)
    return greedy(instance, rule=canonical, threshold=threshold)
