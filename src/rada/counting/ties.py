"""Tie-breaking shared by the rules, and the note every broken tie leaves in the record."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class TieBreak:
    """Where a tie was broken and how.

    Attributes
    ----------
    round : int
        The round (stage) at which the tie arose.
    purpose : str
        What was being decided, e.g. ``"exclusion"`` or ``"surplus order"``.
    tied : tuple of str
        The tied candidates or projects.
    chosen : str
        The one the tie-break picked.
    method : str
        How: e.g. ``"votes at stage 2"``, ``"lot (seed 0)"``, ``"lower cost"``.
    """

    round: int
    purpose: str
    tied: tuple[str, ...]
    chosen: str
    method: str

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        return {
            "round": self.round,
            "purpose": self.purpose,
            "tied": list(self.tied),
            "chosen": self.chosen,
            "method": self.method,
        }


def by_lot(tied: Sequence[int], *, seed: int) -> int:
    """Draw one of ``tied`` by lot, reproducibly from ``seed``.

    The draw is ``random.Random(seed).choice`` over the tied in ascending order, so it depends
    on the seed and on who is tied, never on the order they are listed in.

    Examples
    --------
    >>> [by_lot([3, 1, 2], seed=s) for s in range(6)]
    [2, 1, 1, 1, 1, 3]
    >>> by_lot([2, 3, 1], seed=5)
    3
    """
    return random.Random(seed).choice(sorted(tied))


def look_back(
    tied: Sequence[int],
    history: Sequence[Sequence[int]],
    *,
    prefer: Literal["highest", "lowest"],
) -> tuple[list[int], int | None]:
    """Narrow a tie by the most recent earlier stage at which the tied totals differ.

    ``history`` holds the totals at the end of each earlier stage, oldest first. At the most
    recent stage where the candidates still tied were unequal, keep those with the highest (or
    lowest) total; repeat with older stages until one remains. Returns the survivors and the
    1-based stage that decided (``None`` when the totals were equal at every stage).

    Examples
    --------
    >>> look_back([0, 1], [[5, 3], [7, 7]], prefer="lowest")
    ([1], 1)
    """
    pick: Callable[[list[int]], int] = max if prefer == "highest" else min
    remaining = list(tied)
    decided: int | None = None
    for stage in range(len(history) - 1, -1, -1):
        totals = history[stage]
        values = [totals[c] for c in remaining]
        if len(set(values)) > 1:
            best = pick(values)
            remaining = [c for c in remaining if totals[c] == best]
            decided = stage + 1
            if len(remaining) == 1:
                break
    return remaining, decided


def break_tie(
    tied: Sequence[int],
    history: Sequence[Sequence[int]],
    *,
    prefer: Literal["highest", "lowest"],
    seed: int,
    draw: int,
    names: Sequence[str],
    round: int,
    purpose: str,
    stage_words: str,
) -> tuple[int, TieBreak]:
    """Break a tie the way every rule here does, and say how.

    First :func:`look_back` through ``history`` (the totals at the end of each earlier stage)
    to the most recent stage at which the tied differed; if they were equal at every stage,
    draw :func:`by_lot` with the seed ``seed + draw`` (a different draw at each stage).

    Parameters
    ----------
    tied : sequence of int
        At least two candidates.
    history : sequence of sequence of int
        Totals by candidate at the end of each earlier stage, oldest first (may be empty).
    prefer : {"highest", "lowest"}
        Keep the candidate with the highest or lowest earlier total.
    seed, draw : int
        The count's seed, recorded in the method, and what is added to it for this draw.
    names : sequence of str
        Candidate names, for the record.
    round, purpose : int, str
        Where the tie arose and what it decides, for the record.
    stage_words : str
        How the method names a deciding stage: ``"fewest votes in round"`` gives
        ``"fewest votes in round 2"``.

    Returns
    -------
    (int, TieBreak)
        The chosen candidate and the record of the tie (tied names in ascending order).

    Examples
    --------
    >>> chosen, record = break_tie([0, 1], [[5, 3], [7, 7]], prefer="lowest", seed=0, draw=2,
    ...     names="AB", round=3, purpose="exclusion", stage_words="lowest votes at stage")
    >>> chosen, record.tied, record.chosen, record.method
    (1, ('A', 'B'), 'B', 'lowest votes at stage 1')
    >>> break_tie([0, 1], [], prefer="lowest", seed=0, draw=3, names="AB",
    ...           round=1, purpose="exclusion", stage_words="")[1].method
    'lot (seed 0)'
    """
    survivors, stage = look_back(tied, history, prefer=prefer)
    if len(survivors) == 1:
        chosen, method = survivors[0], f"{stage_words} {stage}"
    else:
        chosen, method = by_lot(survivors, seed=seed + draw), f"lot (seed {seed})"
    record = TieBreak(round, purpose, tuple(names[c] for c in sorted(tied)), names[chosen], method)
    return chosen, record
