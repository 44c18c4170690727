"""Meek STV (Hill, Wichmann and Woodall's Algorithm 123), in exact fixed-point arithmetic.

Every candidate has a *keep factor*: 1 while hopeful, 0 once excluded, and for an elected
candidate the share of each vote reaching them that they keep. A ballot of weight ``w`` gives
each candidate it reaches ``w * k`` and passes the rest on. Keep factors of the elected are
recomputed as ``k * quota / votes`` until the elected candidates' total surplus is below
``10**-5`` votes; then a hopeful candidate reaching the quota is elected, or else the lowest is
excluded.

Arithmetic is in integers of ``10**-9`` votes (Algorithm 123's nine places): a share taken by a
candidate and a keep factor are rounded up, so the votes handed on never exceed what a ballot
holds and no vote is created or lost; the quota is ``(votes for candidates) / (seats + 1)``
truncated, plus ``10**-9``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rada.counting.ballots import Profile
from rada.counting.errors import RuleError
from rada.counting.stv import Progress, StvResult, StvRound, to_decimal
from rada.counting.ties import TieBreak, break_tie

PLACES = 9
SCALE = 10**PLACES
OMEGA = 10**4  # 10**-5 votes: when the total surplus is below this, the iteration has converged
MAX_ITERATIONS = 1000


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _distribute(profile: Profile, keep: list[int]) -> tuple[list[int], int]:
    """Votes for each candidate and the exhausted remainder, in units of 10**-9."""
    votes = [0] * len(keep)
    excess = 0
    for ranking, weight in zip(profile.rankings, profile.weights, strict=True):
        w = weight * SCALE
        for c in ranking:
            k = keep[c]
            if k == 0:
                continue
            take = w if k == SCALE else _ceil_div(w * k, SCALE)
            votes[c] += take
            w -= take
            if w == 0:
                break
        excess += w
    return votes, excess


def _settle_keep_factors(
    profile: Profile, seats: int, keep: list[int], elected: list[int]
) -> tuple[list[int], int, int]:
    """Lower the elected candidates' keep factors (in place) until their surpluses vanish.

    Returns the votes, the exhausted excess and the quota of the last distribution.
    """
    iterations = 0
    while True:
        votes, excess = _distribute(profile, keep)
        quota = (sum(votes) // (seats + 1)) + 1
        surplus = sum(votes[c] - quota for c in elected if votes[c] > quota)
        if surplus < OMEGA or iterations >= MAX_ITERATIONS:
            break
        changed = False
        for c in elected:
            new = min(SCALE, _ceil_div(keep[c] * quota, votes[c])) if votes[c] else SCALE
            changed |= new != keep[c]
            keep[c] = new
        iterations += 1
        if not changed:
            break
    return votes, excess, quota


def meek_stv(
    profile: Profile,
    seats: int,
    *,
    withdrawn: Sequence[int] = (),
    seed: int = 0,
    progress: Progress | None = None,
) -> StvResult:
    """Count an STV election by Meek's method.

    Parameters
    ----------
    profile : Profile
        The valid ballots, aggregated.
    seats : int
        Vacancies to fill.
    withdrawn : sequence of int
        Candidates withdrawn before the count (keep factor 0 throughout).
    seed : int
        Seed for an exclusion decided by lot when totals tie at every stage.
    progress : callable, optional
        Called as ``progress(round, message)`` after each round.

    Returns
    -------
    StvResult
        One round per decision; each round carries its quota and keep factors.

    Examples
    --------
    >>> p = Profile.from_rankings(["A", "B", "C"], [(0, 1)] * 6 + [(1,)] * 2 + [(2,)] * 3)
    >>> meek_stv(p, 2).elected
    ('A', 'B')
    """
    if seats < 1:
        raise RuleError(f"an STV count needs at least one seat, not {seats}")
    names = profile.candidates
    n = len(names)
    out = set(withdrawn)
    keep = [0 if c in out else SCALE for c in range(n)]
    hopeful = [c not in out for c in range(n)]
    elected: list[int] = []
    rounds: list[StvRound] = []
    ties: list[TieBreak] = []
    history: list[list[int]] = []
    previous: tuple[list[int], int] | None = None

    def record(
        action: str,
        subject: int | None,
        votes: list[int],
        excess: int,
        quota: int,
        newly: list[int],
        gone: list[int],
    ) -> None:
        nonlocal previous
        transfers: dict[str, Decimal] = {}
        exhausted = excess
        if previous is not None:
            transfers = {
                names[c]: to_decimal(v - previous[0][c], PLACES)
                for c, v in enumerate(votes)
                if v != previous[0][c]
            }
            exhausted = excess - previous[1]
        previous = (votes, excess)
        history.append(votes)
        rounds.append(
            StvRound(
                number=len(rounds) + 1,
                action=action,  # type: ignore[arg-type]
                candidate=names[subject] if subject is not None else None,
                transfer_values=(),
                transfers=transfers,
                non_transferable=to_decimal(exhausted, PLACES),
                rounding_loss=Decimal(0),
                totals={names[c]: to_decimal(v, PLACES) for c, v in enumerate(votes)},
                elected=tuple(names[c] for c in newly),
                excluded=tuple(names[c] for c in gone),
                quota=to_decimal(quota, PLACES),
                keep_factors={names[c]: to_decimal(k, PLACES) for c, k in enumerate(keep)},
            )
        )
        if progress is not None:
            progress(len(rounds), action)

    def order(group: list[int], votes: list[int]) -> list[int]:
        return sorted(group, key=lambda c: (-votes[c], c))

    action: str = "first preferences"
    subject: int | None = None
    gone: list[int] = []
    while True:
        votes, excess, quota = _settle_keep_factors(profile, seats, keep, elected)
        newly = order([c for c in range(n) if hopeful[c] and votes[c] >= quota], votes)
        for c in newly:
            hopeful[c] = False
            elected.append(c)
        remaining = [c for c in range(n) if hopeful[c]]
        if remaining and len(elected) < seats and len(remaining) <= seats - len(elected):
            last = order(remaining, votes)
            for c in last:
                hopeful[c] = False
                elected.append(c)
            newly += last
        record(action, subject, votes, excess, quota, newly, gone)
        if len(elected) >= seats or not any(hopeful):
            break
        if newly:
            action, subject, gone = "iteration", None, []
            continue
        remaining = [c for c in range(n) if hopeful[c]]
        low = min(votes[c] for c in remaining)
        tied = [c for c in remaining if votes[c] == low]
        loser = tied[0]
        if len(tied) > 1:
            loser, tie = break_tie(
                tied,
                history[:-1],
                prefer="lowest",
                seed=seed,
                draw=len(rounds),
                names=names,
                round=len(rounds) + 1,
                purpose="exclusion",
                stage_words="lowest votes at round",
            )
            ties.append(tie)
        hopeful[loser] = False
        keep[loser] = 0
        action, subject, gone = "exclusion", loser, [loser]
    notes = [f"{p.reason}: {p.action} (weight {p.weight})" for p in profile.problems]
    final_quota = rounds[-1].quota
    assert final_quota is not None
    return StvResult(
        rule="meek",
        candidates=names,
        seats=seats,
        valid_votes=profile.total,
        quota=final_quota,
        elected=tuple(names[c] for c in elected),
        rounds=tuple(rounds),
        ties=tuple(ties),
        notes=tuple(notes),
    )
