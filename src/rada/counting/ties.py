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

    Examples
    --------
    >>> by_lot([3, 1, 2], seed=0) in (1, 2, 3)
    True
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
