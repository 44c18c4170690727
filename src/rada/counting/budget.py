"""Participatory budgets as the rules see them: projects, merged ballots, and results.

The rules (:mod:`~rada.counting.pb`, :mod:`~rada.counting.mes`) and the pabulib reader
(:mod:`~rada.counting.formats.pabulib`) all import this module, and it imports none of them:
a rule is kept apart from the types it reads and returns, as pabutools keeps its rules apart
from ``BudgetAllocation``.

A :class:`PbProfile` holds each distinct ballot once with the number of voters who cast it, so
a count touches a ballot once however many voters cast it, and a file of hundreds of thousands
of votes is held in a few thousand tuples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

from rada.counting._json import json_number
from rada.counting.ballots import BallotProblem
from rada.counting.errors import RuleError
from rada.counting.ties import TieBreak


@dataclass(frozen=True)
class PbProject:
    """A project: its id, exact cost, and every column of its row as written."""

    id: str
    cost: Fraction
    fields: Mapping[str, str] = field(default_factory=dict)


class PbMeta:
    """What a pabulib file's META section says, read the same way by an instance and by a
    profile of merged ballots."""

    meta: Mapping[str, str]

    @property
    def budget(self) -> Fraction:
        """The total funds (META ``budget``)."""
        return Fraction(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        """``approval``, ``cumulative``, ``ordinal``, ``choose-1`` or ``scoring``."""
        return self.meta.get("vote_type", "approval")

    @property
    def rule(self) -> str | None:
        """The rule that produced the file's ``selected`` column, if named."""
        return self.meta.get("rule")


@dataclass(frozen=True)
class PbProfile(PbMeta):
    """A participatory-budgeting election with identical ballots merged.

    Attributes
    ----------
    meta : mapping of str to str
        The file's META section (``budget``, ``vote_type``, ``rule``, ...).
    projects : tuple of PbProject
        The projects in file order; a ballot refers to them by index.
    ballots : tuple of tuple of int
        Distinct ballots, each the chosen projects' indices in the order the voter gave them
        (a ranking for ordinal ballots).
    points : tuple of tuple of int, or None
        Each ballot's points (cumulative and scoring files), position by position.
    weights : tuple of int
        How many voters cast each ballot.
    problems : tuple of BallotProblem
        Votes that broke the rules and what was kept of them.

    Examples
    --------
    >>> p = PbProfile({"budget": "10"}, (PbProject("a", Fraction(6)),), ((0,), ()), None, (2, 1))
    >>> p.voters, p.budget
    (3, Fraction(10, 1))
    """

    meta: Mapping[str, str]
    projects: tuple[PbProject, ...]
    ballots: tuple[tuple[int, ...], ...]
    points: tuple[tuple[int, ...], ...] | None
    weights: tuple[int, ...]
    problems: tuple[BallotProblem, ...] = ()

    def __post_init__(self) -> None:
        if len(self.ballots) != len(self.weights) or (
            self.points is not None and len(self.points) != len(self.ballots)
        ):
            raise RuleError("a budget profile needs one weight (and points) per ballot")

    @property
    def voters(self) -> int:
        """The number of voters."""
        return sum(self.weights)


def merge_votes(
    projects: Sequence[PbProject],
    votes: Iterable[tuple[Sequence[str], Sequence[int] | None]],
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...] | None, tuple[int, ...]]:
    """Merge votes given as (project ids, points or None) into distinct ballots with weights.

    Returns the ballots, their points (None when no vote has points) and the weights, in
    order of first appearance.

    Examples
    --------
    >>> ps = [PbProject("a", Fraction(1)), PbProject("b", Fraction(1))]
    >>> merge_votes(ps, [(["b", "a"], None), (["a"], None), (["b", "a"], None)])
    (((1, 0), (0,)), None, (2, 1))
    """
    index = {p.id: i for i, p in enumerate(projects)}
    merged: dict[tuple[tuple[int, ...], tuple[int, ...] | None], int] = {}
    for ids, pts in votes:
        key = (tuple(index[pid] for pid in ids), None if pts is None else tuple(pts))
        merged[key] = merged.get(key, 0) + 1
    ballots = tuple(b for b, _ in merged)
    with_points = [p for _, p in merged]
    points: tuple[tuple[int, ...], ...] | None = None
    if any(p is not None for p in with_points):
        points = tuple(p or () for p in with_points)
    return ballots, points, tuple(merged.values())


class HasProjects(Protocol):
    """Anything that lists projects: a :class:`PbProfile` or a file's ``PbInstance``."""

    @property
    def projects(self) -> tuple[PbProject, ...]: ...


@dataclass(frozen=True)
class PbStep:
    """One step of a PB count: a project considered, and what happened to it."""

    number: int
    project: str
    score: Fraction
    cost: Fraction
    decision: str  # "funded", "skipped: does not fit", "stop: does not fit", "below threshold"
    remaining: Fraction
    price: Fraction | None = None  # Equal Shares: each supporter's payment (the max share)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        out: dict[str, object] = {
            "number": self.number,
            "project": self.project,
            "score": json_number(self.score),
            "cost": json_number(self.cost),
            "decision": self.decision,
            "remaining": json_number(self.remaining),
        }
        if self.price is not None:
            out["price"] = json_number(self.price)
        return out


@dataclass(frozen=True)
class PbResult:
    """The outcome of a PB count: the selected projects, their cost, and every step."""

    rule: str
    budget: Fraction
    selected: tuple[str, ...]
    cost: Fraction
    rounds: tuple[PbStep, ...]
    ties: tuple[TieBreak, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping with the stable keys ``selected`` and ``cost``."""
        return {
            "rule": self.rule,
            "budget": json_number(self.budget),
            "selected": list(self.selected),
            "cost": json_number(self.cost),
            "rounds": [s.to_dict() for s in self.rounds],
            "ties": [t.to_dict() for t in self.ties],
            "notes": list(self.notes),
        }


def total_cost(election: HasProjects, selected: Iterable[str]) -> Fraction:
    """The summed cost of ``selected``."""
    cost = {p.id: p.cost for p in election.projects}
    return sum((cost[pid] for pid in selected), Fraction(0))


def is_exhaustive(election: HasProjects, selected: Sequence[str], budget: Fraction) -> bool:
    """True when no unselected project fits in what is left of ``budget``."""
    left = budget - total_cost(election, selected)
    chosen = set(selected)
    return all(p.cost > left for p in election.projects if p.id not in chosen)
