"""Why a count by the Method of Equal Shares came out as it did, in the method's own terms.

:func:`~rada.counting.mes.equal_shares` says what was bought and what each supporter paid for
it. This module says why the rest was not: it replays the purchases of a count, in order, every
voter starting with the share the count gave them, and reports for every project what its
supporters had left of their shares when the count ended and what they had spent on the other
projects they supported. The method stops when no project not yet funded can be paid for by
its supporters' remaining money, so a project left out is one whose supporters had less left
than its cost; money stays unspent when that holds for every project that would fit in it (or
none would).

It reads a result and changes nothing: :class:`~rada.counting.budget.PbResult` and what the
command line prints stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from rada.counting.budget import PbProfile
from rada.counting.errors import RuleError
from rada.counting.formats.pabulib import PbInstance, as_profile
from rada.counting.mes import _payment

__all__ = ["ProjectStanding", "SharesExplained", "completion_raise", "explain_equal_shares"]

#: The note :func:`~rada.counting.mes.equal_shares` writes for its add1 completion.
_ADD1 = re.compile(r"^add1: each voter's share raised by (\d+) unit")


@dataclass(frozen=True)
class ProjectStanding:
    """Where one project stood when the count ended.

    Attributes
    ----------
    project : str
        The project's id.
    cost : Fraction
        What it costs.
    supporters : int
        The voters who approved it.
    shares : Fraction
        Their shares together, before anything was bought.
    left : Fraction
        What they had left of them when the count ended.
    paid : tuple of (str, Fraction)
        What they paid together towards each other project bought, in order of purchase
        (projects they paid nothing towards are left out).
    funded : bool
        Whether the count bought it.
    """

    project: str
    cost: Fraction
    supporters: int
    shares: Fraction
    left: Fraction
    paid: tuple[tuple[str, Fraction], ...]
    funded: bool

    @property
    def spent_elsewhere(self) -> Fraction:
        """What its supporters paid, together, for the other projects bought."""
        return sum((amount for _, amount in self.paid), Fraction(0))

    @property
    def covered(self) -> Fraction:
        """The part of its cost its supporters' remaining money covers (1 when free)."""
        return Fraction(1) if self.cost == 0 else min(self.left / self.cost, Fraction(1))


@dataclass(frozen=True)
class SharesExplained:
    """A count by the Method of Equal Shares, project by project, when it ended.

    Attributes
    ----------
    budget : Fraction
        The money to share out.
    voters : int
        The voters, each with an equal share.
    share : Fraction
        Each voter's share in the run explained: ``budget / voters``, plus ``raised``.
    raised : int
        The units the add1 completion added to each share (0 without a completion); with it,
        the shares together exceed the budget, and ``left`` is counted in them.
    purchases : tuple of (str, Fraction)
        Each project bought, in order, with the most a supporter paid for it.
    projects : tuple of ProjectStanding
        Every project, in the order of the election.
    """

    budget: Fraction
    voters: int
    share: Fraction
    raised: int
    purchases: tuple[tuple[str, Fraction], ...]
    projects: tuple[ProjectStanding, ...]

    @property
    def initial_share(self) -> Fraction:
        """Each voter's share before any completion: ``budget / voters``."""
        return self.share - self.raised

    @property
    def spent(self) -> Fraction:
        """The cost of the projects bought."""
        return sum((p.cost for p in self.projects if p.funded), Fraction(0))

    @property
    def unspent(self) -> Fraction:
        """The budget left unspent."""
        return self.budget - self.spent

    @property
    def unfunded(self) -> tuple[ProjectStanding, ...]:
        """The projects not bought, in the order of the election."""
        return tuple(p for p in self.projects if not p.funded)

    def within_unspent(self) -> tuple[ProjectStanding, ...]:
        """The projects not bought that would fit in the money left unspent."""
        return tuple(p for p in self.unfunded if p.cost <= self.unspent)

    def nearest(self) -> ProjectStanding | None:
        """Of the projects not bought that would fit in the money left, the one whose
        supporters' remaining money covered most of its cost (then more supporters, then the
        election's order); None when none would fit."""
        fitting = self.within_unspent()
        if not fitting:
            return None
        order = {p.project: i for i, p in enumerate(self.projects)}
        return max(fitting, key=lambda p: (p.covered, p.supporters, -order[p.project]))

    def most_supported(self) -> tuple[ProjectStanding, ...]:
        """The projects not bought that had as many supporters as any project had (several
        when tied; none when nobody supported anything)."""
        most = max((p.supporters for p in self.projects), default=0)
        if most == 0:
            return ()
        return tuple(p for p in self.unfunded if p.supporters == most)


def completion_raise(notes: Iterable[str]) -> int | None:
    """How many units the add1 completion added to each voter's share, as the notes of an
    :func:`~rada.counting.mes.equal_shares` result say; None when they name no completion.

    Examples
    --------
    >>> completion_raise(["cost satisfaction; initial share per voter 10",
    ...                   "add1: each voter's share raised by 3 unit(s) to 13"])
    3
    >>> completion_raise(["cost satisfaction; initial share per voter 10"]) is None
    True
    """
    for note in notes:
        found = _ADD1.match(note)
        if found is not None:
            return int(found.group(1))
    return None


def explain_equal_shares(
    instance: PbInstance | PbProfile, bought: Sequence[str], *, raised: int = 0
) -> SharesExplained:
    """Replay a count by the Method of Equal Shares and say where every project stood.

    Parameters
    ----------
    instance : PbInstance or PbProfile
        The approval (or choose-1) election counted.
    bought : sequence of str
        The projects the count bought, in the order it bought them (``PbResult.selected``).
    raised : int
        The units its completion added to each voter's share (:func:`completion_raise`).

    Returns
    -------
    SharesExplained
        Every voter starts with ``budget / voters + raised``; each project in ``bought`` is
        paid for by its supporters, each paying the least equal amount that covers the cost
        (all they have if they have less), exactly as the count did.

    Raises
    ------
    RuleError
        For ballots other than approval or choose-1, for a project not in the election or
        bought twice, when a project in ``bought`` was not affordable at its turn, or when a
        project not bought still was at the end: then ``bought`` and ``raised`` do not
        describe a count by Equal Shares of this election.

    Examples
    --------
    Three voters share 30: each has 10. ``a`` (20) is bought by voters 1 and 2, who pay 10
    each; ``c`` (10) by voter 3. Nobody has money left for ``b``, which voter 1 supported.

    >>> from rada.counting.formats.pabulib import parse_pb
    >>> pb = parse_pb("META\\nkey;value\\nbudget;30\\nPROJECTS\\nproject_id;cost\\n"
    ...               "a;20\\nb;10\\nc;10\\nVOTES\\nvoter_id;vote\\n1;a,b\\n2;a\\n3;c")
    >>> why = explain_equal_shares(pb, ["a", "c"])
    >>> b = why.unfunded[0]
    >>> b.project, b.supporters, b.left, b.paid
    ('b', 1, Fraction(0, 1), (('a', Fraction(10, 1)),))
    """
    profile = as_profile(instance)
    if profile.vote_type not in ("approval", "choose-1"):
        raise RuleError(f"Equal Shares is explained for approval ballots, not {profile.vote_type}")
    ids = [p.id for p in profile.projects]
    index = {pid: j for j, pid in enumerate(ids)}
    costs = [p.cost for p in profile.projects]
    share = profile.budget / max(profile.voters, 1) + raised
    merged: dict[frozenset[int], int] = {}
    for ballot, weight in zip(profile.ballots, profile.weights, strict=True):
        merged[frozenset(ballot)] = merged.get(frozenset(ballot), 0) + weight
    ballots = list(merged)
    weights = [merged[b] for b in ballots]
    members = [[g for g, b in enumerate(ballots) if j in b] for j in range(len(ids))]
    money = [share] * len(ballots)
    paid: list[dict[int, Fraction]] = [{} for _ in ballots]  # per voter of group g
    purchases: list[tuple[str, Fraction]] = []
    done: set[int] = set()
    for pid in bought:
        j = index.get(pid)
        if j is None or j in done:
            raise RuleError(f"{pid!r} is not a project of this election, or is bought twice")
        holdings: dict[Fraction, int] = {}
        for g in members[j]:
            if money[g] > 0:
                holdings[money[g]] = holdings.get(money[g], 0) + weights[g]
        price = _payment(costs[j], sorted(holdings.items()))
        if price is None:
            raise RuleError(f"the supporters of {pid!r} could not pay for it at its turn")
        for g in members[j]:
            part = min(money[g], price)
            if part:
                money[g] -= part
                paid[g][j] = part
        done.add(j)
        purchases.append((pid, price))
    order = [index[pid] for pid, _ in purchases]
    standings = []
    for j, pid in enumerate(ids):
        group = members[j]
        supporters = sum(weights[g] for g in group)
        left = sum((weights[g] * money[g] for g in group), Fraction(0))
        if j not in done and left >= costs[j]:
            raise RuleError(f"{pid!r} could still be paid for by its supporters at the end")
        towards = (
            (k, sum((weights[g] * paid[g].get(k, Fraction(0)) for g in group), Fraction(0)))
            for k in order
            if k != j
        )
        standings.append(
            ProjectStanding(
                pid,
                costs[j],
                supporters,
                supporters * share,
                left,
                tuple((ids[k], amount) for k, amount in towards if amount),
                j in done,
            )
        )
    return SharesExplained(
        profile.budget,
        profile.voters,
        share,
        raised,
        tuple(purchases),
        tuple(standings),
    )
