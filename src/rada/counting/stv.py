"""Single transferable vote by the Scottish statutory rules (SSI 2007/42, Schedule 1, rules 45-52).

Votes are held as integers in units of 10**-5 of a vote, the statute's own precision, so every
figure in the record is exact. Meek STV lives in :mod:`rada.counting.meek`.

The statutory rules, as applied here:

- rule 46: quota = floor(valid papers / (seats + 1)) + 1;
- rule 47: a candidate whose votes equal or exceed the quota is deemed elected;
- rules 48-49: the largest surplus is transferred first. Every paper the elected candidate holds
  is sorted by its next available preference and passes on at the transfer value
  ``surplus * value_of_paper / candidate_total``, truncated to five decimal places (48(3)); the
  elected candidate is left with the quota. Equal surpluses: the candidate with more votes at the
  most recent preceding stage at which they differed goes first (49(2)), else by lot (49(3));
- rules 50-51: with no surplus to transfer, the candidate with fewest votes is excluded and each
  paper moves at the value it arrived with; ties look back to the most recent stage at which the
  tied candidates differed, else lot;
- rule 52: when the continuing candidates are no more than the vacancies, they are all elected
  and no further transfer is made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from rada.counting.ballots import Profile
from rada.counting.errors import RuleError
from rada.counting.ties import TieBreak, break_tie

UNIT = 100_000  # 10**5 units per vote: "to five decimal places" (rule 48(3))
Progress = Callable[[int, str], None]


def to_decimal(units: int, places: int = 5) -> Decimal:
    """Units of 10**-places votes as an exact Decimal with that many places."""
    return Decimal(units).scaleb(-places)


@dataclass(frozen=True)
class StvRound:
    """One stage of an STV count, as an official would publish it.

    ``transfers`` maps each candidate to the votes added (or, for the transferring candidate,
    removed) at this stage; ``totals`` is every candidate's total at its end. At each stage
    ``sum(transfers) + non_transferable + rounding_loss == 0`` (no vote appears or vanishes
    unaccounted).
    """

    number: int
    action: Literal["first preferences", "surplus", "exclusion", "iteration"]
    candidate: str | None
    transfer_values: tuple[Decimal, ...]
    transfers: dict[str, Decimal]
    non_transferable: Decimal
    rounding_loss: Decimal
    totals: dict[str, Decimal]
    elected: tuple[str, ...]
    excluded: tuple[str, ...]
    quota: Decimal | None = None
    keep_factors: dict[str, Decimal] | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping (exact decimals become numbers with the same digits)."""
        out: dict[str, object] = {
            "number": self.number,
            "action": self.action,
            "candidate": self.candidate,
            "transfer_values": [float(v) for v in self.transfer_values],
            "transfers": {k: float(v) for k, v in self.transfers.items()},
            "non_transferable": float(self.non_transferable),
            "rounding_loss": float(self.rounding_loss),
            "totals": {k: float(v) for k, v in self.totals.items()},
            "elected": list(self.elected),
            "excluded": list(self.excluded),
        }
        if self.quota is not None:
            out["quota"] = float(self.quota)
        if self.keep_factors is not None:
            out["keep_factors"] = {k: float(v) for k, v in self.keep_factors.items()}
        return out


@dataclass(frozen=True)
class StvResult:
    """The outcome of an STV count: who was elected, in order, and how."""

    rule: str
    candidates: tuple[str, ...]
    seats: int
    valid_votes: int
    quota: Decimal
    elected: tuple[str, ...]
    rounds: tuple[StvRound, ...]
    ties: tuple[TieBreak, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping with the stable keys ``elected``, ``quota`` and ``rounds``."""
        quota: object = int(self.quota) if self.quota == int(self.quota) else float(self.quota)
        return {
            "rule": self.rule,
            "seats": self.seats,
            "candidates": list(self.candidates),
            "valid_votes": self.valid_votes,
            "quota": quota,
            "elected": list(self.elected),
            "rounds": [r.to_dict() for r in self.rounds],
            "ties": [t.to_dict() for t in self.ties],
            "notes": list(self.notes),
        }


# A parcel entry: [ranking index, position of the current preference, papers, value in units].
_Entry = list[int]


class _ScottishCount:
    """The mutable state of one count; :func:`scottish_stv` drives it."""

    def __init__(self, profile: Profile, seats: int, *, withdrawn: Sequence[int], seed: int):
        self.profile = profile
        self.names = profile.candidates
        self.seats = seats
        self.seed = seed
        n = len(self.names)
        self.continuing = [c not in set(withdrawn) for c in range(n)]
        self.votes = [0] * n
        self.piles: list[list[_Entry]] = [[] for _ in range(n)]
        self.history: list[list[int]] = []
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.pending: list[int] = []
        self.rounds: list[StvRound] = []
        self.ties: list[TieBreak] = []
        self.quota = profile.total // (seats + 1) + 1  # rule 46
        continuing, piles, votes = self.continuing, self.piles, self.votes
        for i, (ranking, weight) in enumerate(zip(profile.rankings, profile.weights, strict=True)):
            pos, end = 0, len(ranking)
            while pos < end and not continuing[ranking[pos]]:
                pos += 1
            if pos < end:
                target = ranking[pos]
                piles[target].append([i, pos, weight, UNIT])
                votes[target] += weight * UNIT

    def _break(self, tied: list[int], *, purpose: str, prefer: Literal["highest", "lowest"]) -> int:
        if len(tied) == 1:
            return tied[0]
        chosen, record = break_tie(
            tied,
            self.history,
            prefer=prefer,
            seed=self.seed,
            draw=len(self.history),
            names=self.names,
            round=len(self.history) + 1,
            purpose=purpose,
            stage_words=f"{prefer} votes at stage",
        )
        self.ties.append(record)
        return chosen

    def _order(self, group: list[int], *, purpose: str) -> list[int]:
        """Order candidates by current votes, highest first, ties broken by rule 49(2)-(3)."""
        ordered: list[int] = []
        rest = list(group)
        while rest:
            top = max(self.votes[c] for c in rest)
            pick = self._break(
                [c for c in rest if self.votes[c] == top], purpose=purpose, prefer="highest"
            )
            ordered.append(pick)
            rest.remove(pick)
        return ordered

    def elect_reaching_quota(self) -> list[int]:
        """Rule 47: every continuing candidate at or above the quota is deemed elected."""
        reached = [
            c for c, on in enumerate(self.continuing) if on and self.votes[c] >= self.quota * UNIT
        ]
        newly = self._order(reached, purpose="order of election")
        for c in newly:
            self.continuing[c] = False
            self.elected.append(c)
            if self.votes[c] > self.quota * UNIT:
                self.pending.append(c)
        return newly

    def fill_last_vacancies(self) -> list[int]:
        """Rule 52: when no more continuing candidates than vacancies remain, elect them all."""
        remaining = [c for c, on in enumerate(self.continuing) if on]
        if not remaining or len(remaining) > self.seats - len(self.elected):
            return []
        ordered = self._order(remaining, purpose="order of election")
        for c in ordered:
            self.continuing[c] = False
            self.elected.append(c)
        return ordered

    def transfer(self, source: int, *, surplus: int | None) -> tuple[list[int], int, int, set[int]]:
        """Move ``source``'s papers on; return per-candidate gains, non-transferable and values."""
        gains = [0] * len(self.names)
        non_transferable = 0
        values: set[int] = set()
        total = self.votes[source]
        rankings, continuing, piles = self.profile.rankings, self.continuing, self.piles
        # Parcels arrived at a few distinct values: each new value is worked out once.
        revalued: dict[int, int] = {}
        # Each parcel moves to its next preference for a continuing candidate, if any.
        for entry in piles[source]:
            if surplus is not None:
                value = revalued.get(entry[3])
                if value is None:
                    # rule 48(3): truncate to 5 places
                    value = revalued[entry[3]] = surplus * entry[3] // total
                entry[3] = value
            else:
                values.add(entry[3])
            ranking = rankings[entry[0]]
            pos, end = entry[1] + 1, len(ranking)
            while pos < end and not continuing[ranking[pos]]:
                pos += 1
            entry[1] = pos
            amount = entry[2] * entry[3]
            if pos == end:
                non_transferable += amount
            else:
                target = ranking[pos]
                piles[target].append(entry)
                gains[target] += amount
        if surplus is not None:
            values = set(revalued.values())
        self.piles[source] = []
        moved = surplus if surplus is not None else total
        lost = moved - sum(gains) - non_transferable
        for c, gain in enumerate(gains):
            self.votes[c] += gain
        self.votes[source] -= moved
        return gains, non_transferable, lost, values

    def record(
        self,
        action: str,
        source: int | None,
        moved: tuple[list[int], int, int, set[int]] | None,
        *,
        elected: list[int],
        excluded: list[int],
    ) -> None:
        self.history.append(list(self.votes))
        transfers: dict[str, Decimal] = {}
        ntv = loss = 0
        values: tuple[Decimal, ...] = ()
        if moved is not None and source is not None:
            gains, ntv, loss, raw_values = moved
            transfers = {self.names[c]: to_decimal(g) for c, g in enumerate(gains) if g}
            transfers[self.names[source]] = -to_decimal(sum(gains) + ntv + loss)
            values = tuple(to_decimal(v) for v in sorted(raw_values, reverse=True))
        self.rounds.append(
            StvRound(
                number=len(self.history),
                action=action,  # type: ignore[arg-type]
                candidate=self.names[source] if source is not None else None,
                transfer_values=values,
                transfers=transfers,
                non_transferable=to_decimal(ntv),
                rounding_loss=to_decimal(loss),
                totals={
                    name: to_decimal(v) for name, v in zip(self.names, self.votes, strict=True)
                },
                elected=tuple(self.names[c] for c in elected),
                excluded=tuple(self.names[c] for c in excluded),
            )
        )


def scottish_stv(
    profile: Profile,
    seats: int,
    *,
    withdrawn: Sequence[int] = (),
    seed: int = 0,
    progress: Progress | None = None,
) -> StvResult:
    """Count an STV election by the Scottish statutory rules (SSI 2007/42, Schedule 1).

    Parameters
    ----------
    profile : Profile
        The valid ballots, aggregated.
    seats : int
        Vacancies to fill.
    withdrawn : sequence of int
        Candidates withdrawn before the count; their preferences are skipped.
    seed : int
        Seed for a decision by lot (rules 49(3), 51(2)(b)); the record says when one was made.
    progress : callable, optional
        Called as ``progress(stage, message)`` after each stage.

    Returns
    -------
    StvResult
        ``elected`` in order of election; ``quota``; one :class:`StvRound` per stage.

    Raises
    ------
    RuleError
        If ``seats`` is not positive.

    Examples
    --------
    >>> p = Profile.from_rankings(["A", "B", "C"], [(0, 1)] * 6 + [(1,)] * 2 + [(2,)] * 3)
    >>> r = scottish_stv(p, 2)
    >>> r.quota, r.elected
    (Decimal('4'), ('A', 'B'))
    >>> r.rounds[1].transfer_values, r.rounds[1].transfers
    ((Decimal('0.33333'),), {'B': Decimal('1.99998'), 'A': Decimal('-2.00000')})
    """
    if seats < 1:
        raise RuleError(f"an STV count needs at least one seat, not {seats}")
    count = _ScottishCount(profile, seats, withdrawn=withdrawn, seed=seed)
    newly = count.elect_reaching_quota()
    newly += count.fill_last_vacancies()
    count.record("first preferences", None, None, elected=newly, excluded=[])
    if progress is not None:
        progress(1, "first preferences counted")
    while len(count.elected) < seats and any(count.continuing):
        remaining = [c for c, on in enumerate(count.continuing) if on]
        if count.pending:  # rules 48-49: the largest surplus first
            top = max(count.votes[c] for c in count.pending)
            tied = [c for c in count.pending if count.votes[c] == top]
            source = count._break(tied, purpose="surplus order", prefer="highest")
            count.pending.remove(source)
            moved = count.transfer(source, surplus=count.votes[source] - count.quota * UNIT)
            action, excluded = "surplus", []
        else:  # rules 50-51: exclude the lowest
            low = min(count.votes[c] for c in remaining)
            tied = [c for c in remaining if count.votes[c] == low]
            source = count._break(tied, purpose="exclusion", prefer="lowest")
            count.continuing[source] = False
            count.excluded.append(source)
            moved = count.transfer(source, surplus=None)
            action, excluded = "exclusion", [source]
        newly = count.elect_reaching_quota()
        newly += count.fill_last_vacancies()
        count.record(action, source, moved, elected=newly, excluded=excluded)
        if progress is not None:
            progress(len(count.rounds), f"{action} of {profile.candidates[source]}")
    notes = [f"{p.reason}: {p.action} (weight {p.weight})" for p in profile.problems]
    if len(count.elected) < seats:
        notes.append(f"only {len(count.elected)} candidates could be elected to {seats} seats")
    return StvResult(
        rule="scottish",
        candidates=profile.candidates,
        seats=seats,
        valid_votes=profile.total,
        quota=Decimal(count.quota),
        elected=tuple(profile.candidates[c] for c in count.elected),
        rounds=tuple(count.rounds),
        ties=tuple(count.ties),
        notes=tuple(notes),
    )
