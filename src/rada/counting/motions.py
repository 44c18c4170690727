"""Motions: majorities, quorums, consensus with blocks, and recall votes.

A tally counts ``for``, ``against`` and ``abstain`` (and, for consensus, ``block``). What an
abstention does is part of the rule, never implicit: under ``simple`` majority abstentions are
not votes cast; under ``absolute`` majority the bar is a share of all members, so an abstention
weighs like a vote against; a *qualified* majority is a fraction of the votes cast (or, with
``of_members=True``, of all members). A tie never passes a motion: "more than half" is strict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from rada.counting.errors import RuleError

Majority = Literal["simple", "absolute", "qualified"]


@dataclass(frozen=True)
class MotionTally:
    """Votes on a motion; ``members`` is the body's size (needed for quorum and absolute)."""

    for_: int
    against: int
    abstain: int = 0
    members: int | None = None

    @property
    def cast(self) -> int:
        """Votes cast for or against (abstentions are not votes cast)."""
        return self.for_ + self.against

    @property
    def participating(self) -> int:
        """Members who took part, abstentions included."""
        return self.for_ + self.against + self.abstain


@dataclass(frozen=True)
class MotionResult:
    """Whether a motion passed, by what rule, and the record of how it was decided."""

    adopted: bool
    rule: str
    threshold: Fraction
    needed: Fraction
    quorum_met: bool
    reasons: tuple[str, ...] = field(default=())
    blocks: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        return {
            "adopted": self.adopted,
            "rule": self.rule,
            "threshold": str(self.threshold),
            "needed": str(self.needed),
            "quorum_met": self.quorum_met,
            "reasons": list(self.reasons),
            "blocks": [{"member": m, "reason": r} for m, r in self.blocks],
        }


def decide_motion(
    tally: MotionTally,
    *,
    majority: Majority = "simple",
    fraction: Fraction = Fraction(1, 2),
    of_members: bool = False,
    quorum: Fraction | int | None = None,
) -> MotionResult:
    """Decide a motion.

    Parameters
    ----------
    tally : MotionTally
        The votes.
    majority : {"simple", "absolute", "qualified"}
        ``simple``: more ``for`` than half the votes cast. ``absolute``: more than half of all
        members. ``qualified``: at least ``fraction`` of the votes cast (of all members with
        ``of_members``), e.g. 2/3 or 3/4.
    fraction : Fraction
        The qualified-majority share.
    of_members : bool
        Measure a qualified majority against all members rather than votes cast.
    quorum : Fraction or int, optional
        Minimum participation (abstentions count as present): a whole number of members, or a
        fraction of ``members``. Without a quorum the motion fails, whatever the votes.

    Returns
    -------
    MotionResult

    Raises
    ------
    RuleError
        When the rule needs ``members`` and the tally lacks it, or the fraction is not in (0, 1].

    Examples
    --------
    >>> decide_motion(MotionTally(10, 10, 5)).adopted
    False
    >>> decide_motion(MotionTally(20, 10), majority="qualified", fraction=Fraction(2, 3)).adopted
    True
    """
    reasons: list[str] = []
    quorum_met = True
    if quorum is not None:
        if isinstance(quorum, Fraction) and quorum.denominator != 1:
            members = _members(tally, "a fractional quorum")
            required = quorum * members
        else:
            required = Fraction(quorum)
        quorum_met = tally.participating >= required
        reasons.append(
            f"quorum {required}: {tally.participating} took part, "
            f"{'met' if quorum_met else 'not met'}"
        )
    if majority == "simple":
        threshold, base, strict = Fraction(1, 2), Fraction(tally.cast), True
        label = "simple majority of votes cast"
    elif majority == "absolute":
        threshold, base, strict = (
            Fraction(1, 2),
            Fraction(_members(tally, "absolute majority")),
            True,
        )
        label = "absolute majority of members"
    elif majority == "qualified":
        if not 0 < fraction <= 1:
            raise RuleError(f"a qualified majority must be in (0, 1], not {fraction}")
        base = Fraction(_members(tally, "of_members") if of_members else tally.cast)
        threshold, strict = fraction, False
        label = f"{fraction} of {'members' if of_members else 'votes cast'}"
    else:
        raise RuleError(f"unknown majority {majority!r}", hint="simple, absolute or qualified")
    needed = threshold * base
    passes = tally.for_ > needed if strict else tally.for_ >= needed and tally.for_ > 0
    reasons.append(
        f"{label}: {tally.for_} for, {tally.against} against, {tally.abstain} abstaining; "
        f"needs {'more than' if strict else 'at least'} {needed}"
    )
    if strict and tally.for_ == needed:
        reasons.append("an exact tie does not carry the motion")
    return MotionResult(
        passes and quorum_met, majority, threshold, needed, quorum_met, tuple(reasons)
    )


def _members(tally: MotionTally, what: str) -> int:
    if tally.members is None:
        raise RuleError(f"{what} needs the number of members", hint="give --members")
    if tally.members < tally.participating:
        raise RuleError(f"{tally.participating} voted but the body has {tally.members} members")
    return tally.members


Position = Literal["agree", "abstain", "disagree", "block"]


def decide_consensus(
    positions: dict[str, tuple[Position, str | None]],
    *,
    fallback: Fraction | None = None,
) -> MotionResult:
    """Decide a proposal by consensus (consent) with blocks.

    Parameters
    ----------
    positions : dict
        Each member's ``(position, reason)``. A block must carry a reason.
    fallback : Fraction, optional
        Without blocks, consensus needs every participant to agree or stand aside (abstain);
        with ``fallback`` the proposal also passes when at least that share of those
        expressing agree or disagree agree. One block stops it either way.

    Returns
    -------
    MotionResult
        ``blocks`` lists who blocked and why.

    Raises
    ------
    RuleError
        For a block with no reason or an unknown position.

    Examples
    --------
    >>> decide_consensus({"ana": ("agree", None), "bo": ("block", "unsafe")}).adopted
    False
    """
    blocks: list[tuple[str, str]] = []
    counts = {"agree": 0, "abstain": 0, "disagree": 0, "block": 0}
    for member, (position, reason) in positions.items():
        if position not in counts:
            raise RuleError(f"{member}: unknown position {position!r}")
        if position == "block":
            if not reason or not reason.strip():
                raise RuleError(f"{member} blocks without a reason", hint="a block must say why")
            blocks.append((member, reason.strip()))
        counts[position] += 1
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    if blocks:
        reasons = [f"{summary}; blocked by {', '.join(m for m, _ in blocks)}"]
        return MotionResult(
            False, "consensus", Fraction(1), Fraction(0), True, tuple(reasons), tuple(blocks)
        )
    expressing = counts["agree"] + counts["disagree"]
    if counts["disagree"] == 0 and counts["agree"] > 0:
        return MotionResult(
            True, "consensus", Fraction(1), Fraction(expressing), True, (f"{summary}; consensus",)
        )
    if fallback is not None and expressing:
        needed = fallback * expressing
        adopted = counts["agree"] >= needed
        reason = f"{summary}; no consensus, fallback {fallback} needs {needed} agreeing"
        return MotionResult(adopted, "consensus", fallback, needed, True, (reason,))
    return MotionResult(
        False, "consensus", Fraction(1), Fraction(expressing), True, (f"{summary}; no consensus",)
    )


def decide_recall(
    tally: MotionTally,
    *,
    fraction: Fraction = Fraction(1, 2),
    of_members: bool = True,
    quorum: Fraction | int | None = None,
) -> MotionResult:
    """Decide whether to recall a manager or delegate, under the council's standing orders.

    By default a recall needs more than half of all members (a minority cannot unseat a
    delegate by low turnout); standing orders may set another share, measure it against votes
    cast, or add a quorum.

    Examples
    --------
    >>> decide_recall(MotionTally(6, 2, 2, members=10)).adopted
    True
    >>> decide_recall(MotionTally(5, 2, 0, members=10)).adopted
    False
    """
    if fraction == Fraction(1, 2):
        result = decide_motion(
            tally, majority="absolute" if of_members else "simple", quorum=quorum
        )
    else:
        result = decide_motion(
            tally, majority="qualified", fraction=fraction, of_members=of_members, quorum=quorum
        )
    return MotionResult(
        result.adopted,
        "recall",
        result.threshold,
        result.needed,
        result.quorum_met,
        ("recall", *result.reasons),
    )
