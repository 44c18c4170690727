"""Approval-based committee rules for electing delegations: PAV, sequential PAV, Equal Shares.

Every voter approves a set of candidates; a rule elects ``seats`` of them. All scores and money
are exact: PAV scores are integers in units of ``1 / lcm(1, ..., seats)`` and Equal Shares
holds money as :class:`fractions.Fraction`.

- ``pav``, proportional approval voting (Thiele 1895): the committee ``W`` of ``seats``
  candidates maximising ``sum over voters of H(|A_i & W|)``, with ``H(t) = 1 + 1/2 + ... + 1/t``.
  Finding it is NP-hard in general; :func:`pav` is exact, by branch and bound over the
  candidates in priority order, with the upper bound ``score(S) + the r largest marginal gains``
  (valid because the PAV score is submodular). It gives up with :class:`RuleError` after
  ``max_nodes`` search nodes (default 1,000,000: a council's elections, up to some 30 candidates
  and 10 seats, take far fewer).
- ``seq-pav``, *sequential* PAV: a greedy approximation of PAV, not PAV itself. Seats are filled
  one at a time, each by the candidate adding the most to the PAV score.
- ``equal-shares``, the Method of Equal Shares (Peters and Skowron 2020; "Rule X") with unit
  costs: each voter holds ``seats / voters``; a candidate costs 1 and is affordable when its
  supporters hold 1 between them; the next elected is the affordable candidate with the least
  per-voter price ``p`` (each supporter pays ``min(own money, p)``). The *completion*: when
  fewer than ``seats`` are elected, rerun with the total budget raised by one seat (each voter's
  share by ``1 / voters``) and stop at the first run electing exactly ``seats``; if a run would
  elect more, keep the one before and fill the remaining seats by approval count.

Ties, in every rule: more approvals first, then the candidate listed first in the file. For
``pav``, between optimal committees: the one whose members come first in that priority order
(compare the members' priority ranks, sorted, lexicographically). Every tie that decided
something is recorded in ``ties``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from rada.counting._json import json_number
from rada.counting.ballots import ApprovalProfile
from rada.counting.errors import RuleError
from rada.counting.ties import TieBreak

Rule = Literal["pav", "seq-pav", "equal-shares"]
RULES: tuple[Rule, ...] = ("pav", "seq-pav", "equal-shares")
PRIORITY = "more approvals, then file order"
MAX_NODES = 1_000_000
MAX_TIED_LISTED = 10


@dataclass(frozen=True)
class CommitteeRound:
    """One step of a committee count: a candidate elected, and why.

    ``score`` is the candidate's marginal PAV score (``pav``, ``seq-pav``) or its number of
    supporters (``equal-shares``); ``price`` is what each supporter paid (``equal-shares``).
    """

    number: int
    action: Literal["elected", "bought", "completion"]
    candidate: str
    score: Fraction
    price: Fraction | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        out: dict[str, object] = {
            "number": self.number,
            "action": self.action,
            "candidate": self.candidate,
            "score": json_number(self.score),
        }
        if self.price is not None:
            out["price"] = json_number(self.price)
        return out


@dataclass(frozen=True)
class CommitteeResult:
    """The elected committee, in order of election, with every round and tie."""

    rule: Rule
    candidates: tuple[str, ...]
    seats: int
    voters: int
    elected: tuple[str, ...]
    pav_score: Fraction
    rounds: tuple[CommitteeRound, ...]
    ties: tuple[TieBreak, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping with the stable keys ``rule``, ``seats``, ``elected``, ``rounds``
        and ``ties``."""
        return {
            "rule": self.rule,
            "seats": self.seats,
            "candidates": list(self.candidates),
            "voters": self.voters,
            "elected": list(self.elected),
            "pav_score": json_number(self.pav_score),
            "rounds": [r.to_dict() for r in self.rounds],
            "ties": [t.to_dict() for t in self.ties],
            "notes": list(self.notes),
        }


class _Pav:
    """PAV scores over the distinct ballots, as integers in units of ``1 / lcm(1..seats)``."""

    def __init__(self, profile: ApprovalProfile, seats: int) -> None:
        m = len(profile.candidates)
        self.unit = math.lcm(*range(1, seats + 1))
        # int64 holds every score while unit * voters stays below 2**62; beyond, Python ints.
        dtype: type = np.int64 if self.unit * max(profile.total, 1) < 2**62 else object
        self.member = np.zeros((len(profile.ballots), m), dtype=np.int64)
        for g, ballot in enumerate(profile.ballots):
            self.member[g, list(ballot)] = 1
        self.weights: npt.NDArray[Any] = np.array(profile.weights, dtype=dtype)
        # gain[t]: what one voter adds when a (t+1)-th approved candidate joins, in units.
        self.gain: npt.NDArray[Any] = np.array(
            [self.unit // (t + 1) for t in range(seats + 1)], dtype=dtype
        )
        self.approvals = [int(x) for x in self.member.T @ np.array(profile.weights)]
        self.seats = seats

    def marginals(self, held: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        """Each candidate's marginal score given ``held`` approved members per ballot."""
        per_ballot = self.weights * self.gain[np.minimum(held, self.seats)]
        gains: npt.NDArray[Any] = per_ballot @ self.member.astype(per_ballot.dtype)
        return gains

    def score(self, committee: Sequence[int]) -> int:
        """The PAV score of ``committee``, in units."""
        held = self.member[:, list(committee)].sum(axis=1)
        harmonic = np.cumsum(np.concatenate([[0], self.gain[:-1]])).astype(self.weights.dtype)
        return int((self.weights * harmonic[held]).sum())


def priority_order(profile: ApprovalProfile) -> list[int]:
    """Candidates in tie-break order: more approvals first, then file order.

    Examples
    --------
    >>> p = ApprovalProfile.from_ballots(["A", "B", "C"], [{1}, {2}, {1, 2}, {0}])
    >>> priority_order(p)
    [1, 2, 0]
    """
    approvals = profile.approvals()
    return sorted(range(len(profile.candidates)), key=lambda c: (-approvals[c], c))


def _check(profile: ApprovalProfile, seats: int) -> None:
    if seats < 1:
        raise RuleError(f"a committee needs at least one seat, not {seats}")


def _everyone(profile: ApprovalProfile, seats: int, rule: Rule) -> CommitteeResult | None:
    """When no more candidates stand than seats, all are elected (by priority order)."""
    if len(profile.candidates) > seats:
        return None
    pav = _Pav(profile, seats)
    order = priority_order(profile)
    rounds = tuple(
        CommitteeRound(i + 1, "completion", profile.candidates[c], Fraction(pav.approvals[c]))
        for i, c in enumerate(order)
    )
    return CommitteeResult(
        rule,
        profile.candidates,
        seats,
        profile.total,
        tuple(profile.candidates[c] for c in order),
        Fraction(pav.score(order), pav.unit),
        rounds,
        notes=(f"{len(order)} candidate(s) for {seats} seat(s): all are elected",),
    )


def _show(names: Sequence[str], committee: Sequence[int]) -> str:
    return "{" + ", ".join(names[c] for c in sorted(committee)) + "}"


def pav(profile: ApprovalProfile, seats: int, *, max_nodes: int = MAX_NODES) -> CommitteeResult:
    """Elect the committee with the highest PAV score, exactly (branch and bound).

    Parameters
    ----------
    profile : ApprovalProfile
        The approval ballots, aggregated.
    seats : int
        The committee size.
    max_nodes : int
        Give up after this many search nodes (see the module docstring).

    Returns
    -------
    CommitteeResult
        ``elected`` in priority order; each round gives a member's marginal PAV score over the
        members before it, so the rounds' scores sum to ``pav_score``.

    Raises
    ------
    RuleError
        If ``seats`` is not positive, or the search needs more than ``max_nodes`` nodes.

    Examples
    --------
    Lackner and Skowron (2023), Example 2.6 style: 2 seats, a majority of 3 for ``A`` and ``B``
    and a minority of 2 for ``C``. PAV gives the minority a seat; approval voting would not.

    >>> p = ApprovalProfile.from_ballots(["A", "B", "C"], [{0, 1}] * 3 + [{2}] * 2)
    >>> r = pav(p, 2)
    >>> r.elected, r.pav_score
    (('A', 'C'), Fraction(5, 1))
    """
    _check(profile, seats)
    trivial = _everyone(profile, seats, "pav")
    if trivial is not None:
        return trivial
    kernel = _Pav(profile, seats)
    order = priority_order(profile)
    best: list[int] = []
    best_score = -1
    optimal: list[list[int]] = []
    nodes = 0
    chosen: list[int] = []

    def search(pos: int, held: npt.NDArray[np.int64], score: int) -> None:
        nonlocal best, best_score, nodes
        nodes += 1
        if nodes > max_nodes:
            raise RuleError(
                f"exact PAV gave up after {max_nodes} search nodes",
                hint="use --rule seq-pav (sequential PAV), or raise max_nodes",
            )
        left = seats - len(chosen)
        if left == 0:
            if score > best_score:
                best, best_score, optimal[:] = list(chosen), score, [list(chosen)]
            elif score == best_score and len(optimal) < MAX_TIED_LISTED:
                optimal.append(list(chosen))
            return
        rest = order[pos:]
        if len(rest) < left:
            return
        gains = kernel.marginals(held)
        top = sorted((int(gains[c]) for c in rest), reverse=True)[:left]
        bound = score + sum(top)
        if bound < best_score or (bound == best_score and len(optimal) >= MAX_TIED_LISTED):
            return
        c = order[pos]
        chosen.append(c)
        search(pos + 1, held + kernel.member[:, c], score + int(gains[c]))
        chosen.pop()
        search(pos + 1, held, score)

    search(0, np.zeros(len(profile.ballots), dtype=np.int64), 0)
    rank = {c: i for i, c in enumerate(order)}
    elected = sorted(best, key=rank.__getitem__)
    rounds: list[CommitteeRound] = []
    for i, c in enumerate(elected):
        before = kernel.score(elected[:i])
        after = kernel.score(elected[: i + 1])
        rounds.append(
            CommitteeRound(
                i + 1, "elected", profile.candidates[c], Fraction(after - before, kernel.unit)
            )
        )
    ties: list[TieBreak] = []
    if len(optimal) > 1:
        more = "at least " if len(optimal) >= MAX_TIED_LISTED else ""
        ties.append(
            TieBreak(
                1,
                "optimal committee",
                tuple(_show(profile.candidates, w) for w in optimal),
                _show(profile.candidates, best),
                f"priority ({PRIORITY}) among the {more}{len(optimal)} committees with the "
                "highest PAV score",
            )
        )
    notes = (
        f"PAV score {_fraction_text(Fraction(best_score, kernel.unit))}",
        f"exact: branch and bound explored {nodes} node(s)",
    )
    return CommitteeResult(
        "pav",
        profile.candidates,
        seats,
        profile.total,
        tuple(profile.candidates[c] for c in elected),
        Fraction(best_score, kernel.unit),
        tuple(rounds),
        tuple(ties),
        notes,
    )


def seq_pav(profile: ApprovalProfile, seats: int) -> CommitteeResult:
    """Sequential PAV: fill each seat with the candidate adding the most to the PAV score.

    A greedy approximation of :func:`pav`, not PAV: the two can elect different committees.

    Parameters
    ----------
    profile : ApprovalProfile
        The approval ballots, aggregated.
    seats : int
        The committee size.

    Returns
    -------
    CommitteeResult
        One round per seat, with the candidate's marginal PAV score.

    Raises
    ------
    RuleError
        If ``seats`` is not positive.

    Examples
    --------
    >>> p = ApprovalProfile.from_ballots(["A", "B", "C"], [{0, 1}] * 3 + [{2}] * 2)
    >>> r = seq_pav(p, 2)
    >>> r.elected, [str(x.score) for x in r.rounds]
    (('A', 'C'), ['3', '2'])
    """
    _check(profile, seats)
    trivial = _everyone(profile, seats, "seq-pav")
    if trivial is not None:
        return trivial
    kernel = _Pav(profile, seats)
    rank = {c: i for i, c in enumerate(priority_order(profile))}
    held = np.zeros(len(profile.ballots), dtype=np.int64)
    elected: list[int] = []
    rounds: list[CommitteeRound] = []
    ties: list[TieBreak] = []
    total = 0
    for number in range(1, seats + 1):
        gains = kernel.marginals(held)
        open_ = [c for c in range(len(profile.candidates)) if c not in elected]
        top = max(int(gains[c]) for c in open_)
        tied = sorted((c for c in open_ if int(gains[c]) == top), key=rank.__getitem__)
        pick = tied[0]
        if len(tied) > 1:
            ties.append(
                TieBreak(
                    number,
                    "seat",
                    tuple(profile.candidates[c] for c in sorted(tied)),
                    profile.candidates[pick],
                    PRIORITY,
                )
            )
        elected.append(pick)
        held = held + kernel.member[:, pick]
        total += top
        rounds.append(
            CommitteeRound(number, "elected", profile.candidates[pick], Fraction(top, kernel.unit))
        )
    return CommitteeResult(
        "seq-pav",
        profile.candidates,
        seats,
        profile.total,
        tuple(profile.candidates[c] for c in elected),
        Fraction(total, kernel.unit),
        tuple(rounds),
        tuple(ties),
        ("sequential PAV: a greedy approximation of PAV",),
    )


def _price(holdings: dict[Fraction, int]) -> Fraction | None:
    """The least per-voter payment covering a cost of 1 from these holdings, or None.

    Examples
    --------
    >>> _price({Fraction(1, 4): 2, Fraction(1): 1})
    Fraction(1, 2)
    """
    amounts = sorted(a for a in holdings if a > 0)
    if sum(a * holdings[a] for a in amounts) < 1:
        return None
    need, voters = Fraction(1), sum(holdings[a] for a in amounts)
    for a in amounts:
        p = need / voters
        if a >= p:
            return p
        need -= a * holdings[a]
        voters -= holdings[a]
    return None  # pragma: no cover - unreachable once the supporters can afford the cost


def _equal_shares_run(
    profile: ApprovalProfile, share: Fraction, rank: dict[int, int], approvals: list[int]
) -> tuple[list[tuple[int, Fraction]], list[TieBreak]]:
    """One run of Equal Shares with unit costs: the candidates bought, in order, with prices."""
    money = [share] * len(profile.ballots)
    supporters = [
        [g for g, b in enumerate(profile.ballots) if c in b] for c in range(len(profile.candidates))
    ]
    open_ = {c for c in range(len(profile.candidates)) if approvals[c] > 0}
    bought: list[tuple[int, Fraction]] = []
    ties: list[TieBreak] = []
    while open_:
        prices: dict[int, Fraction] = {}
        for c in list(open_):
            holdings: dict[Fraction, int] = {}
            for g in supporters[c]:
                holdings[money[g]] = holdings.get(money[g], 0) + profile.weights[g]
            p = _price(holdings)
            if p is None:
                open_.discard(c)  # money only shrinks: never affordable again
            else:
                prices[c] = p
        if not prices:
            break
        low = min(prices.values())
        tied = sorted((c for c in prices if prices[c] == low), key=rank.__getitem__)
        pick = tied[0]
        if len(tied) > 1:
            ties.append(
                TieBreak(
                    len(bought) + 1,
                    "equal shares",
                    tuple(profile.candidates[c] for c in sorted(tied)),
                    profile.candidates[pick],
                    PRIORITY,
                )
            )
        for g in supporters[pick]:
            money[g] -= min(money[g], low)
        open_.discard(pick)
        bought.append((pick, low))
    return bought, ties


def equal_shares_committee(profile: ApprovalProfile, seats: int) -> CommitteeResult:
    """Elect a committee by the Method of Equal Shares with unit costs, then complete it.

    Parameters
    ----------
    profile : ApprovalProfile
        The approval ballots, aggregated.
    seats : int
        The committee size.

    Returns
    -------
    CommitteeResult
        Rounds ``"bought"`` (with each supporter's price) from the kept run, then
        ``"completion"`` rounds filled by approval count, if any.

    Raises
    ------
    RuleError
        If ``seats`` is not positive.

    Examples
    --------
    Peters and Skowron's example shape: 3 seats, 4 voters for ``A``, ``B``, ``C`` and 2 for
    ``D``. Each voter holds 1/2; the majority buys two seats at 1/4 each, the minority one at
    1/2 (``A`` before ``B`` and ``C``, equal in every way, by file order: a recorded tie).

    >>> p = ApprovalProfile.from_ballots(["A", "B", "C", "D"], [{0, 1, 2}] * 4 + [{3}] * 2)
    >>> r = equal_shares_committee(p, 3)
    >>> r.elected, [str(x.price) for x in r.rounds]
    (('A', 'B', 'D'), ['1/4', '1/4', '1/2'])
    """
    _check(profile, seats)
    trivial = _everyone(profile, seats, "equal-shares")
    if trivial is not None:
        return trivial
    n = max(profile.total, 1)
    approvals = profile.approvals()
    order = priority_order(profile)
    rank = {c: i for i, c in enumerate(order)}
    supported = sum(1 for a in approvals if a > 0)
    kept, ties = _equal_shares_run(profile, Fraction(seats, n), rank, approvals)
    raised = 0
    # Raise the total budget one seat at a time (pabutools' budget increase with step 1) until
    # a run fills every seat; a run electing more than the seats is not kept.
    while len(kept) < min(seats, supported) and seats + raised < seats * (n + 1):
        trial, trial_ties = _equal_shares_run(
            profile, Fraction(seats + raised + 1, n), rank, approvals
        )
        if len(trial) > seats:
            break
        raised += 1
        kept, ties = trial, trial_ties
    rounds = [
        CommitteeRound(i + 1, "bought", profile.candidates[c], Fraction(approvals[c]), price)
        for i, (c, price) in enumerate(kept)
    ]
    elected = [c for c, _ in kept]
    for c in order:
        if len(elected) == seats:
            break
        if c not in elected:
            elected.append(c)
            rounds.append(
                CommitteeRound(
                    len(rounds) + 1, "completion", profile.candidates[c], Fraction(approvals[c])
                )
            )
    filled = len(elected) - len(kept)
    if filled:
        ties.extend(_completion_ties(profile, elected[len(kept) :], elected, order, approvals))
    notes = [
        f"initial share per voter {_fraction_text(Fraction(seats, n))}",
        f"completion: total budget raised by {raised} seat(s), share "
        f"{_fraction_text(Fraction(seats + raised, n))}",
    ]
    if filled:
        notes.append(f"{filled} seat(s) filled by approval count ({PRIORITY})")
    pav_kernel = _Pav(profile, seats)
    return CommitteeResult(
        "equal-shares",
        profile.candidates,
        seats,
        profile.total,
        tuple(profile.candidates[c] for c in elected),
        Fraction(pav_kernel.score(elected), pav_kernel.unit),
        tuple(rounds),
        tuple(ties),
        tuple(notes),
    )


def _completion_ties(
    profile: ApprovalProfile,
    added: list[int],
    elected: list[int],
    order: list[int],
    approvals: list[int],
) -> list[TieBreak]:
    """A tie at the edge of the completion: equal approvals, some in and some left out."""
    last = added[-1]
    bought = set(elected) - set(added)
    tied = [c for c in order if approvals[c] == approvals[last] and c not in bought]
    if all(c in added for c in tied):
        return []
    inside = [c for c in tied if c in added]
    return [
        TieBreak(
            len(elected) - len(added) + 1,
            "completion",
            tuple(profile.candidates[c] for c in sorted(tied)),
            ", ".join(profile.candidates[c] for c in inside),
            "file order (equal approvals)",
        )
    ]


def _fraction_text(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x} (= {float(x):.6f})"


def count_committee(profile: ApprovalProfile, seats: int, *, rule: str) -> CommitteeResult:
    """Elect a committee by the named rule: ``pav``, ``seq-pav`` or ``equal-shares``.

    Raises
    ------
    RuleError
        For an unknown rule or a non-positive number of seats.

    Examples
    --------
    >>> p = ApprovalProfile.from_ballots(["A", "B", "C"], [{0, 1}] * 3 + [{2}] * 2)
    >>> count_committee(p, 2, rule="seq-pav").elected
    ('A', 'C')
    """
    if rule == "pav":
        return pav(profile, seats)
    if rule == "seq-pav":
        return seq_pav(profile, seats)
    if rule == "equal-shares":
        return equal_shares_committee(profile, seats)
    raise RuleError(f"unknown committee rule {rule!r}", hint=f"use one of {', '.join(RULES)}")
