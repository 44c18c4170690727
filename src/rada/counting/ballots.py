"""Ballots and profiles: rankings aggregated by weight before any count.

A *ranking* is a tuple of candidate indices, most preferred first. A :class:`Profile` holds the
candidate names and the distinct rankings with how many voters cast each one, so that a count
touches each distinct ballot once, however many voters cast it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rada.counting.errors import InvalidBallotError, RuleError

Ranking = tuple[int, ...]
InvalidPolicy = Literal["truncate", "reject"]


@dataclass(frozen=True)
class BallotProblem:
    """A ballot that broke the rules, what was wrong, and what the count did with it."""

    index: int
    reason: str
    action: str
    weight: int = 1
    line: int | None = None


@dataclass(frozen=True)
class Profile:
    """Candidates and aggregated strict rankings.

    Attributes
    ----------
    candidates : tuple of str
        Candidate names; a ranking refers to them by index.
    rankings : tuple of Ranking
        Distinct rankings, most preferred first; each may be partial (truncated).
    weights : tuple of int
        How many voters cast each ranking (same length as ``rankings``).
    problems : tuple of BallotProblem
        Ballots that were invalid under the rule and how they were counted.

    Examples
    --------
    >>> p = Profile.from_rankings(["A", "B"], [(0, 1), (1,), (0, 1)])
    >>> p.rankings, p.weights, p.total
    (((0, 1), (1,)), (2, 1), 3)
    """

    candidates: tuple[str, ...]
    rankings: tuple[Ranking, ...]
    weights: tuple[int, ...]
    problems: tuple[BallotProblem, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.rankings) != len(self.weights):
            raise RuleError("a profile needs exactly one weight per ranking")
        if len(set(self.candidates)) != len(self.candidates):
            raise RuleError("candidate names must be distinct")
        n = len(self.candidates)
        if _all_valid(self.rankings, self.weights, n):
            return
        for ranking, weight in zip(self.rankings, self.weights, strict=True):
            if weight <= 0:
                raise RuleError(f"ballot weights must be positive integers, not {weight}")
            if ranking and (
                len(set(ranking)) != len(ranking) or min(ranking) < 0 or max(ranking) >= n
            ):
                raise InvalidBallotError(f"ranking {ranking} is not a valid strict ranking")

    @property
    def total(self) -> int:
        """The number of valid ballots (voters)."""
        return sum(self.weights)

    @classmethod
    def checked(
        cls,
        candidates: tuple[str, ...],
        rankings: tuple[Ranking, ...],
        weights: tuple[int, ...],
        problems: tuple[BallotProblem, ...] = (),
    ) -> Profile:
        """A profile from a reader that has already checked what ``__post_init__`` checks.

        For readers that check a whole file at once (distinct names, one positive weight per
        ranking, each ranking strict over the candidates): checking hundreds of thousands of
        rankings a second time would cost as much as reading them. Anyone else builds a
        :class:`Profile` directly.
        """
        profile = object.__new__(cls)
        for name, value in (
            ("candidates", candidates),
            ("rankings", rankings),
            ("weights", weights),
            ("problems", problems),
        ):
            object.__setattr__(profile, name, value)
        return profile

    @classmethod
    def from_rankings(
        cls,
        candidates: Sequence[str],
        rankings: Iterable[Sequence[int]],
        *,
        weights: Iterable[int] | None = None,
        invalid: InvalidPolicy = "truncate",
    ) -> Profile:
        """Build a profile from individual ballots, validating and aggregating them.

        Parameters
        ----------
        candidates : sequence of str
            Candidate names.
        rankings : iterable of sequence of int
            Candidate indices, most preferred first.
        weights : iterable of int, optional
            The number of voters per ranking (default: one each).
        invalid : {"truncate", "reject"}
            What to do with a ballot naming an unknown candidate or one candidate twice:
            ``"truncate"`` counts its preferences up to the fault (a ballot whose first
            preference is faulty is void), ``"reject"`` raises :class:`InvalidBallotError`.

        Returns
        -------
        Profile

        Examples
        --------
        >>> p = Profile.from_rankings(["A", "B", "C"], [(0, 1, 0, 2)])
        >>> p.rankings, p.problems[0].reason
        (((0, 1),), 'candidate 1 (A) is ranked twice')
        """
        names = tuple(candidates)
        ws = list(weights) if weights is not None else None
        aggregated: dict[Ranking, int] = {}
        problems: list[BallotProblem] = []
        for index, raw in enumerate(rankings):
            weight = 1 if ws is None else ws[index]
            ranking, fault = clean_ranking(raw, len(names), names=names)
            if fault is not None:
                if invalid == "reject":
                    raise InvalidBallotError(f"ballot {index + 1}: {fault}")
                action = "void" if not ranking else f"counted up to preference {len(ranking)}"
                problems.append(BallotProblem(index, fault, action, weight))
            if ranking:
                aggregated[ranking] = aggregated.get(ranking, 0) + weight
        return cls(names, tuple(aggregated), tuple(aggregated.values()), tuple(problems))

    def first_preferences(self) -> list[int]:
        """Weighted first-preference counts, indexed by candidate."""
        counts = [0] * len(self.candidates)
        for ranking, weight in zip(self.rankings, self.weights, strict=True):
            if ranking:
                counts[ranking[0]] += weight
        return counts

    def renamed(self, names: Sequence[str]) -> Profile:
        """The same ballots with the candidates given new names (for neutrality checks)."""
        return Profile(tuple(names), self.rankings, self.weights, self.problems)


def _all_valid(rankings: Sequence[Ranking], weights: Sequence[int], n: int) -> bool:
    """True when every weight is positive and every ranking strict over ``range(n)``.

    The checks run over all rankings at once (a profile read from a file has hundreds of
    thousands); when one fails, the caller looks ranking by ranking to say which.
    """
    if weights and min(weights) <= 0:
        return False
    filled = [r for r in rankings if r]
    if not filled:
        return True
    return (
        sum(map(len, map(set, filled))) == sum(map(len, filled))
        and min(map(min, filled)) >= 0
        and max(map(max, filled)) < n
    )


def clean_ranking(
    raw: Sequence[int], n: int, *, names: Sequence[str] | None = None
) -> tuple[Ranking, str | None]:
    """Return the valid prefix of ``raw`` and the fault that ended it, if any.

    Examples
    --------
    >>> clean_ranking([2, 0, 7], 3)
    ((2, 0), 'preference 3 names unknown candidate 8')
    """
    if not raw or (len(set(raw)) == len(raw) and min(raw) >= 0 and max(raw) < n):
        return tuple(raw), None  # the common case, checked in one go
    seen: list[int] = []
    for position, c in enumerate(raw):
        if not 0 <= c < n:
            return tuple(seen), f"preference {position + 1} names unknown candidate {c + 1}"
        if c in seen:
            label = f"{c + 1} ({names[c]})" if names is not None else str(c + 1)
            return tuple(seen), f"candidate {label} is ranked twice"
        seen.append(c)
    return tuple(seen), None


def aggregate(
    rankings: Iterable[tuple[Ranking, int]],
) -> tuple[tuple[Ranking, ...], tuple[int, ...]]:
    """Merge identical rankings, summing their weights, in order of first appearance.

    Examples
    --------
    >>> aggregate([((0, 1), 2), ((1,), 1), ((0, 1), 3)])
    (((0, 1), (1,)), (5, 1))
    """
    merged: dict[Ranking, int] = {}
    for ranking, weight in rankings:
        merged[ranking] = merged.get(ranking, 0) + weight
    return tuple(merged), tuple(merged.values())


Approval = frozenset[int]


@dataclass(frozen=True)
class ApprovalProfile:
    """Candidates and aggregated approval ballots (the sets of candidates each voter approves).

    Attributes
    ----------
    candidates : tuple of str
        Candidate names; a ballot refers to them by index.
    ballots : tuple of frozenset of int
        Distinct approval sets (an empty set is a valid ballot that approves no one).
    weights : tuple of int
        How many voters cast each set (same length as ``ballots``).
    problems : tuple of BallotProblem
        Ballots that were invalid and how they were counted.

    Examples
    --------
    >>> p = ApprovalProfile.from_ballots(["A", "B", "C"], [{0, 1}, {2}, {1, 0}])
    >>> p.weights, p.total, p.approvals()
    ((2, 1), 3, [2, 2, 1])
    """

    candidates: tuple[str, ...]
    ballots: tuple[Approval, ...]
    weights: tuple[int, ...]
    problems: tuple[BallotProblem, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.ballots) != len(self.weights):
            raise RuleError("an approval profile needs exactly one weight per ballot")
        if len(set(self.candidates)) != len(self.candidates):
            raise RuleError("candidate names must be distinct")
        n = len(self.candidates)
        for ballot, weight in zip(self.ballots, self.weights, strict=True):
            if weight <= 0:
                raise RuleError(f"ballot weights must be positive integers, not {weight}")
            if any(not 0 <= c < n for c in ballot):
                raise InvalidBallotError(f"ballot {sorted(ballot)} names an unknown candidate")

    @property
    def total(self) -> int:
        """The number of voters."""
        return sum(self.weights)

    @classmethod
    def from_ballots(
        cls,
        candidates: Sequence[str],
        ballots: Iterable[Iterable[int]],
        *,
        weights: Iterable[int] | None = None,
        problems: Sequence[BallotProblem] = (),
    ) -> ApprovalProfile:
        """Build a profile from individual approval sets, merging identical ones.

        Examples
        --------
        >>> ApprovalProfile.from_ballots(["A", "B"], [[1], [1]], weights=[2, 3]).weights
        (5,)
        """
        ws = list(weights) if weights is not None else None
        merged: dict[Approval, int] = {}
        for index, raw in enumerate(ballots):
            key = frozenset(raw)
            merged[key] = merged.get(key, 0) + (1 if ws is None else ws[index])
        return cls(tuple(candidates), tuple(merged), tuple(merged.values()), tuple(problems))

    def approvals(self) -> list[int]:
        """How many voters approve each candidate, indexed by candidate."""
        counts = [0] * len(self.candidates)
        for ballot, weight in zip(self.ballots, self.weights, strict=True):
            for c in ballot:
                counts[c] += weight
        return counts

    def renamed(self, names: Sequence[str]) -> ApprovalProfile:
        """The same ballots with the candidates given new names (for neutrality checks)."""
        return ApprovalProfile(tuple(names), self.ballots, self.weights, self.problems)
