"""Participatory budgets as the rules see them: projects, merged ballots, and results.

The rules (:mod:`~rada.counting.pb`, :mod:`~rada.counting.mes`) and the pabulib reader
(:mod:`~rada.counting.formats.pabulib`) all import this module, and it imports none of them:
a rule is kept apart from the types it reads and returns, as pabutools keeps its rules apart
from ``BudgetAllocation``.

A :class:`PbProfile` holds each distinct ballot once with the number of voters who cast it, so
a count touches a ballot once however many voters cast it. Its ballots may be held as two
arrays (:class:`Ballots`: every ballot's projects end to end, and each ballot's length), as the
pabulib reader gives them, so that a count sums them with NumPy and no tuple is made unless one
is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from itertools import chain, islice, repeat
from typing import Protocol, overload

import numpy as np
import numpy.typing as npt

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


class Ballots(Sequence[tuple[int, ...]]):
    """Distinct ballots held as arrays; read as a sequence of tuples of project indices, which
    are made (once) only when a ballot is asked for.

    Examples
    --------
    >>> b = Ballots(np.array([2, 0, 1]), np.array([2, 0, 1]))
    >>> len(b), b[0], list(b), b == ((2, 0), (), (1,))
    (3, (2, 0), [(2, 0), (), (1,)], True)
    >>> Ballots.of(((1,), (0, 1))).sizes.tolist()
    [1, 2]
    """

    __slots__ = ("_tuples", "flat", "sizes")

    def __init__(self, flat: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]) -> None:
        #: Every ballot's project indices, one ballot after another.
        self.flat = flat
        #: How many projects each ballot names.
        self.sizes = sizes
        self._tuples: tuple[tuple[int, ...], ...] | None = None

    @classmethod
    def of(cls, ballots: Sequence[tuple[int, ...]]) -> Ballots:
        """``ballots`` as arrays (themselves when they already are)."""
        if isinstance(ballots, Ballots):
            return ballots
        sizes = np.fromiter(map(len, ballots), dtype=np.int64, count=len(ballots))
        flat = np.fromiter(chain.from_iterable(ballots), dtype=np.int64, count=int(sizes.sum()))
        return cls(flat, sizes)

    def _all(self) -> tuple[tuple[int, ...], ...]:
        if self._tuples is None:
            rest = iter(self.flat.tolist())
            self._tuples = tuple(map(tuple, map(islice, repeat(rest), self.sizes.tolist())))
        return self._tuples

    def __len__(self) -> int:
        return len(self.sizes)

    @overload
    def __getitem__(self, i: int) -> tuple[int, ...]: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[tuple[int, ...], ...]: ...
    def __getitem__(self, i: int | slice) -> tuple[int, ...] | tuple[tuple[int, ...], ...]:
        return self._all()[i]

    def __iter__(self) -> Iterator[tuple[int, ...]]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Ballots | tuple | list):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


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
    ballots : sequence of tuple of int
        Distinct ballots, each the chosen projects' indices in the order the voter gave them
        (a ranking for ordinal ballots): a tuple of tuples, or :class:`Ballots`.
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
    ballots: Sequence[tuple[int, ...]]
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

    @cached_property
    def arrays(self) -> Ballots:
        """The ballots as arrays (made once from tuples when they are tuples)."""
        return Ballots.of(self.ballots)


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
