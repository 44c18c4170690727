"""Single-winner rules: plurality, approval, instant-runoff, Schulze, ranked pairs and Borda.

All take a :class:`~rada.counting.ballots.Profile` of (possibly partial) rankings. A candidate
ranked anywhere is preferred to every unranked one; unranked candidates are tied with each other.
Under approval, a ballot approves every candidate it ranks. Borda gives a candidate ranked at
position ``i`` (from 0) among ``m`` candidates ``m - 1 - i`` points and an unranked one 0.
A tie the rule itself cannot resolve is broken by lot from ``seed``; the result records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rada.counting.ballots import Profile
from rada.counting.errors import RuleError
from rada.counting.ties import TieBreak, break_tie

METHODS = ("plurality", "approval", "irv", "schulze", "ranked-pairs", "borda")


@dataclass(frozen=True)
class SingleRound:
    """One round: each candidate's score, and who was eliminated (instant-runoff)."""

    number: int
    scores: dict[str, int]
    eliminated: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        return {"number": self.number, "scores": self.scores, "eliminated": self.eliminated}


@dataclass(frozen=True)
class SingleResult:
    """The winner of a single-winner count, with its rounds and any broken ties."""

    method: str
    winner: str
    rounds: tuple[SingleRound, ...]
    ties: tuple[TieBreak, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping with the stable keys ``winner`` and ``rounds``."""
        return {
            "method": self.method,
            "winner": self.winner,
            "rounds": [r.to_dict() for r in self.rounds],
            "ties": [t.to_dict() for t in self.ties],
            "notes": list(self.notes),
        }


def _need_candidates(profile: Profile) -> None:
    if not profile.candidates:
        raise RuleError("there are no candidates")


def _top(
    profile: Profile, scores: list[int], *, method: str, seed: int, ties: list[TieBreak], rnd: int
) -> int:
    best = max(scores)
    tied = [c for c, s in enumerate(scores) if s == best]
    if len(tied) == 1:
        return tied[0]
    # No earlier stage to look back to: the lot decides.
    chosen, record = break_tie(
        tied,
        [],
        prefer="highest",
        seed=seed,
        draw=0,
        names=profile.candidates,
        round=rnd,
        purpose=f"{method} winner",
        stage_words="",
    )
    ties.append(record)
    return chosen


def _scored(profile: Profile, scores: list[int], method: str, seed: int) -> SingleResult:
    ties: list[TieBreak] = []
    winner = _top(profile, scores, method=method, seed=seed, ties=ties, rnd=1)
    table = dict(zip(profile.candidates, scores, strict=True))
    return SingleResult(method, profile.candidates[winner], (SingleRound(1, table),), tuple(ties))


def plurality(profile: Profile, *, seed: int = 0) -> SingleResult:
    """The candidate with the most first preferences.

    Examples
    --------
    >>> plurality(Profile.from_rankings(["A", "B"], [(0,), (1, 0), (1,)])).winner
    'B'
    """
    _need_candidates(profile)
    return _scored(profile, profile.first_preferences(), "plurality", seed)


def approval(profile: Profile, *, seed: int = 0) -> SingleResult:
    """The candidate approved (ranked) by the most voters.

    Examples
    --------
    >>> approval(Profile.from_rankings(["A", "B"], [(0, 1), (1,), (0,), (0,)])).winner
    'A'
    """
    _need_candidates(profile)
    scores = [0] * len(profile.candidates)
    for ranking, weight in zip(profile.rankings, profile.weights, strict=True):
        for c in ranking:
            scores[c] += weight
    return _scored(profile, scores, "approval", seed)


def borda(profile: Profile, *, seed: int = 0) -> SingleResult:
    """The candidate with the highest Borda score (``m - 1 - position``; unranked score 0).

    Examples
    --------
    >>> borda(Profile.from_rankings(["A", "B", "C"], [(0, 1, 2), (1, 2, 0), (1, 0, 2)])).winner
    'B'
    """
    _need_candidates(profile)
    m = len(profile.candidates)
    scores = [0] * m
    for ranking, weight in zip(profile.rankings, profile.weights, strict=True):
        for position, c in enumerate(ranking):
            scores[c] += (m - 1 - position) * weight
    return _scored(profile, scores, "borda", seed)


def instant_runoff(profile: Profile, *, seed: int = 0) -> SingleResult:
    """Instant-runoff: eliminate the last candidate until one holds a majority of live ballots.

    A tie for last place looks back to the most recent round where the tied differed (fewest
    there goes), then lot.

    Examples
    --------
    >>> p = Profile.from_rankings(["A", "B", "C"], [(0,)] * 4 + [(1, 2)] * 3 + [(2, 1)] * 2)
    >>> instant_runoff(p).winner
    'B'
    """
    _need_candidates(profile)
    names = profile.candidates
    live = set(range(len(names)))
    rounds: list[SingleRound] = []
    history: list[list[int]] = []
    ties: list[TieBreak] = []
    while True:
        scores = [0] * len(names)
        for ranking, weight in zip(profile.rankings, profile.weights, strict=True):
            top = next((c for c in ranking if c in live), None)
            if top is not None:
                scores[top] += weight
        active = sum(scores)
        leader = max(live, key=lambda c: scores[c])
        if 2 * scores[leader] > active or len(live) == 1:
            rounds.append(SingleRound(len(rounds) + 1, {names[c]: scores[c] for c in sorted(live)}))
            break
        low = min(scores[c] for c in live)
        tied = [c for c in sorted(live) if scores[c] == low]
        loser = tied[0]
        if len(tied) > 1:
            loser, record = break_tie(
                tied,
                history,
                prefer="lowest",
                seed=seed,
                draw=len(rounds),
                names=names,
                round=len(rounds) + 1,
                purpose="elimination",
                stage_words="fewest votes in round",
            )
            ties.append(record)
        rounds.append(
            SingleRound(len(rounds) + 1, {names[c]: scores[c] for c in sorted(live)}, names[loser])
        )
        history.append(scores)
        live.remove(loser)
    return SingleResult("irv", names[leader], tuple(rounds), tuple(ties))


def pairwise(profile: Profile) -> list[list[int]]:
    """``d[i][j]``: voters ranking ``i`` above ``j`` (a ranked candidate beats an unranked one).

    Examples
    --------
    >>> pairwise(Profile.from_rankings(["A", "B", "C"], [(0, 1), (2,)]))
    [[0, 1, 1], [0, 0, 1], [1, 1, 0]]
    """
    m = len(profile.candidates)
    d = [[0] * m for _ in range(m)]
    for ranking, weight in zip(profile.rankings, profile.weights, strict=True):
        ranked = set(ranking)
        unranked = [c for c in range(m) if c not in ranked]
        for position, i in enumerate(ranking):
            for j in ranking[position + 1 :]:
                d[i][j] += weight
            for j in unranked:
                d[i][j] += weight
    return d


def schulze(profile: Profile, *, seed: int = 0) -> SingleResult:
    """The Schulze (beat-path) winner, path strength by winning votes.

    Examples
    --------
    >>> p = Profile.from_rankings(["A", "B", "C"], [(0, 1, 2)] * 3 + [(1, 2, 0)] * 2 + [(2, 0, 1)])
    >>> schulze(p).winner
    'A'
    """
    _need_candidates(profile)
    d = pairwise(profile)
    m = len(d)
    p = [[d[i][j] if d[i][j] > d[j][i] else 0 for j in range(m)] for i in range(m)]
    for k in range(m):
        for i in range(m):
            if i == k:
                continue
            for j in range(m):
                if j not in (i, k):
                    p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
    wins = [sum(1 for j in range(m) if j != i and p[i][j] >= p[j][i]) for i in range(m)]
    best = [1 if w == m - 1 else 0 for w in wins]
    ties: list[TieBreak] = []
    winner = _top(profile, best, method="schulze", seed=seed, ties=ties, rnd=1)
    table = {profile.candidates[i]: wins[i] for i in range(m)}
    return SingleResult(
        "schulze", profile.candidates[winner], (SingleRound(1, table),), tuple(ties)
    )


def ranked_pairs(profile: Profile, *, seed: int = 0) -> SingleResult:
    """Tideman's ranked pairs: lock majorities largest margin first unless they make a cycle.

    Pairs with equal margins are taken in an order fixed by lot (recorded as a tie when it
    matters).

    Examples
    --------
    >>> p = Profile.from_rankings(["A", "B", "C"], [(0, 1, 2)] * 3 + [(1, 2, 0)] * 2 + [(2, 0, 1)])
    >>> ranked_pairs(p).winner
    'A'
    """
    _need_candidates(profile)
    d = pairwise(profile)
    m = len(d)
    import random

    priority = list(range(m))
    random.Random(seed).shuffle(priority)
    ties: list[TieBreak] = []
    winner, sources = _ranked_pairs_winner(d, priority)
    margins = [d[i][j] - d[j][i] for i in range(m) for j in range(m) if d[i][j] > d[j][i]]
    if len(set(margins)) < len(margins):
        other, _ = _ranked_pairs_winner(d, priority[::-1])
        if other != winner:  # the order of equal-margin pairs decided the winner
            ties.append(
                TieBreak(
                    1,
                    "pair order",
                    tuple(profile.candidates[c] for c in sorted({winner, other})),
                    profile.candidates[winner],
                    f"lot (seed {seed})",
                )
            )
    if len(sources) > 1:
        ties.append(
            TieBreak(
                1,
                "ranked-pairs winner",
                tuple(profile.candidates[c] for c in sources),
                profile.candidates[winner],
                f"lot (seed {seed})",
            )
        )
    table = {profile.candidates[i]: sum(d[i][j] - d[j][i] for j in range(m)) for i in range(m)}
    return SingleResult(
        "ranked-pairs", profile.candidates[winner], (SingleRound(1, table),), tuple(ties)
    )


def _ranked_pairs_winner(d: list[list[int]], priority: list[int]) -> tuple[int, list[int]]:
    """Lock pairs by margin (equal margins in ``priority`` order); the winner and all sources."""
    m = len(d)
    rank = {c: r for r, c in enumerate(priority)}
    pairs = [(d[i][j] - d[j][i], i, j) for i in range(m) for j in range(m) if d[i][j] > d[j][i]]
    pairs.sort(key=lambda t: (-t[0], rank[t[1]], rank[t[2]]))
    locked: dict[int, set[int]] = {c: set() for c in range(m)}

    def reaches(a: int, b: int) -> bool:
        stack, seen = [a], {a}
        while stack:
            x = stack.pop()
            if x == b:
                return True
            for y in locked[x] - seen:
                seen.add(y)
                stack.append(y)
        return False

    for _, i, j in pairs:
        if not reaches(j, i):
            locked[i].add(j)
    beaten = {j for i in locked for j in locked[i]}
    sources = [c for c in range(m) if c not in beaten]
    return min(sources, key=lambda c: rank[c]), sources


def count_single(profile: Profile, method: str, *, seed: int = 0) -> SingleResult:
    """Count with the method named (one of :data:`METHODS`).

    Examples
    --------
    >>> count_single(Profile.from_rankings(["A", "B"], [(0,), (0,), (1,)]), "plurality").winner
    'A'
    """
    rules = {
        "plurality": plurality,
        "approval": approval,
        "irv": instant_runoff,
        "schulze": schulze,
        "ranked-pairs": ranked_pairs,
        "borda": borda,
    }
    if method not in rules:
        raise RuleError(f"unknown method {method!r}", hint=f"use one of {', '.join(METHODS)}")
    return rules[method](profile, seed=seed)
