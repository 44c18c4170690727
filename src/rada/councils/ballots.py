"""Votes and secret ballots, what a valid choice is under each rule, and the count.

An open vote names its voter (a roll call). A secret ballot is stored without identity and
keyed by the hash of a receipt code that only the voter holds; the fact that someone took
part is recorded apart. The count hands the ballots to :mod:`rada.counting`, which counts
exactly.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from rada.councils.errors import CouncilError, InvalidChoice
from rada.councils.model import Electorate
from rada.councils.orders import BallotForm, Method
from rada.councils.proposals import Decision, Outcome, Proposal
from rada.counting.ballots import Profile
from rada.counting.errors import CountingError
from rada.counting.formats.pabulib import PbInstance, PbProject, PbVote
from rada.counting.mes import equal_shares
from rada.counting.motions import MotionResult, MotionTally, decide_consensus, decide_motion
from rada.counting.motions import decide_recall as count_recall
from rada.counting.single import approval, schulze
from rada.counting.stv import scottish_stv

MOTION_POSITIONS = ("yes", "no", "abstain")
CONSENSUS_POSITIONS = ("agree", "abstain", "disagree", "block")
MAX_REASON = 2_000


@dataclass(frozen=True)
class Vote:
    """An open (roll-call) vote: who voted, how, with what weight, when."""

    proposal_id: int
    voter_id: int
    choice: Mapping[str, Any]
    weight: int
    cast_at: datetime
    record_index: int | None = None


@dataclass(frozen=True)
class SecretBallot:
    """A secret ballot: the choice and the receipt's hash; no voter, no time."""

    proposal_id: int
    receipt_hash: str
    choice: Mapping[str, Any]
    weight: int


@dataclass(frozen=True)
class Participation:
    """That a member took part in a secret vote (never how)."""

    proposal_id: int
    voter_id: int
    cast_at: datetime
    record_index: int | None = None


def new_receipt() -> tuple[str, str]:
    """A fresh receipt code for the voter, and the hash under which the ballot is stored."""
    code = "r" + secrets.token_urlsafe(16)  # never starts with "-" (a command-line option)
    return code, receipt_hash(code)


def receipt_hash(code: str) -> str:
    """The hash under which a receipt's ballot is published (SHA-256, hex).

    Examples
    --------
    >>> receipt_hash("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def check_choice(proposal: Proposal, choice: Mapping[str, Any]) -> dict[str, Any]:
    """The choice, validated against the proposal's rule and normalised.

    Shapes: ``{"position": "yes"|"no"|"abstain"}`` for motions;
    ``{"position": "agree"|"abstain"|"disagree"|"block", "reason": ...}`` for consensus (a
    block must say why); ``{"ranking": [key, ...]}`` for a ranked ballot (at least one
    preference, no repeats); ``{"approve": [key, ...]}`` for approval.
    """
    form = proposal.rule.form
    if form is BallotForm.MOTION:
        position = choice.get("position")
        if position not in MOTION_POSITIONS or set(choice) - {"position"}:
            raise InvalidChoice(f"a vote on this motion is one of {', '.join(MOTION_POSITIONS)}")
        return {"position": position}
    if form is BallotForm.CONSENSUS:
        position = choice.get("position")
        if position not in CONSENSUS_POSITIONS or set(choice) - {"position", "reason"}:
            raise InvalidChoice(f"a position is one of {', '.join(CONSENSUS_POSITIONS)}")
        reason = choice.get("reason") or ""
        if not isinstance(reason, str) or len(reason) > MAX_REASON:
            raise InvalidChoice(f"a reason is text of at most {MAX_REASON} characters")
        if position == "block" and not reason.strip():
            raise InvalidChoice("a block must give its reason", hint="say what would resolve it")
        return (
            {"position": position, "reason": reason.strip()}
            if reason.strip()
            else {"position": position}
        )
    keys = {o.key for o in proposal.options}
    if form is BallotForm.RANKED:
        ranking = choice.get("ranking")
        if not isinstance(ranking, list) or not ranking or set(choice) - {"ranking"}:
            raise InvalidChoice("a ranked ballot lists at least one candidate, first choice first")
        _check_keys(ranking, keys)
        return {"ranking": list(ranking)}
    approved = choice.get("approve")
    if not isinstance(approved, list) or set(choice) - {"approve"}:
        raise InvalidChoice("an approval ballot lists the candidates approved")
    _check_keys(approved, keys)
    return {"approve": sorted(approved)}


def _check_keys(chosen: Sequence[object], keys: set[str]) -> None:
    unknown = [k for k in chosen if k not in keys]
    if unknown:
        raise InvalidChoice(f"{unknown[0]!r} is not a candidate on this ballot")
    if len(set(map(str, chosen))) != len(chosen):
        raise InvalidChoice("a candidate may appear only once on a ballot")


def _quorum_line(
    proposal: Proposal, electorate: Electorate, took_part: int
) -> tuple[bool, str | None]:
    quorum = proposal.rule.quorum
    if quorum is None:
        return True, None
    required = quorum * electorate.total
    met = took_part >= required
    return met, f"quorum {required} of {electorate.total}: {took_part} took part"


def running_tally(
    proposal: Proposal, choices: Sequence[tuple[Mapping[str, Any], int]]
) -> dict[str, Any]:
    """The counts so far, for a live tally: positions for motions and consensus, first
    preferences or approvals for elections."""
    counts: dict[str, int] = {}
    form = proposal.rule.form
    if form in (BallotForm.MOTION, BallotForm.CONSENSUS):
        names = MOTION_POSITIONS if form is BallotForm.MOTION else CONSENSUS_POSITIONS
        counts = dict.fromkeys(names, 0)
        for choice, weight in choices:
            counts[choice["position"]] += weight
    else:
        counts = {o.key: 0 for o in proposal.options}
        for choice, weight in choices:
            chosen = choice["ranking"][:1] if form is BallotForm.RANKED else choice["approve"]
            for key in chosen:
                counts[key] += weight
    return {"counts": counts, "ballots": len(choices), "weight": sum(w for _, w in choices)}


def count(
    proposal: Proposal,
    choices: Sequence[tuple[Mapping[str, Any], int]],
    electorate: Electorate,
    *,
    voters: Sequence[str] = (),
) -> Decision:
    """Count the votes on ``proposal`` under its rule.

    ``choices`` pairs each vote's choice with its weight; ``voters`` names open voters in the
    same order (for the blocks of a consensus decision). Without the quorum the proposal is
    rejected, whatever the votes.
    """
    took_part = sum(weight for _, weight in choices)
    quorum_met, quorum_line = _quorum_line(proposal, electorate, took_part)
    tally = running_tally(proposal, choices)
    method = proposal.rule.method
    try:
        if proposal.rule.method is Method.EQUAL_SHARES:
            decision = _count_budget(proposal, choices, tally)
        elif proposal.rule.form is BallotForm.MOTION:
            decision = _count_motion(proposal, tally["counts"], electorate)
        elif proposal.rule.form is BallotForm.CONSENSUS:
            decision = _count_consensus(proposal, choices, voters)
        else:
            decision = _count_election(proposal, choices, tally)
    except CountingError as error:
        raise CouncilError(f"the count failed: {error}") from error
    if quorum_line is not None:
        decision.detail["quorum"] = quorum_line
    if not quorum_met:
        decision.outcome = Outcome.REJECTED
        decision.elected = ()
        decision.summary = f"Rejected: the quorum was not met ({quorum_line})."
    decision.method = method.value
    return decision


def _motion_decision(result: MotionResult, counts: Mapping[str, int]) -> Decision:
    outcome = Outcome.ADOPTED if result.adopted else Outcome.REJECTED
    words = "; ".join(result.reasons)
    return Decision(
        outcome,
        result.rule,
        f"{outcome.value.capitalize()}: {words}.",
        dict(counts),
        detail=result.to_dict(),
    )


def _count_motion(
    proposal: Proposal, counts: Mapping[str, int], electorate: Electorate
) -> Decision:
    tally = MotionTally(counts["yes"], counts["no"], counts["abstain"], members=electorate.total)
    method = proposal.rule.method
    if method is Method.RECALL:
        result = count_recall(tally)
    elif method is Method.ABSOLUTE_MAJORITY:
        result = decide_motion(tally, majority="absolute")
    elif method is Method.TWO_THIRDS:
        result = decide_motion(tally, majority="qualified", fraction=Fraction(2, 3))
    else:
        result = decide_motion(tally)
    return _motion_decision(result, counts)


def _count_consensus(
    proposal: Proposal,
    choices: Sequence[tuple[Mapping[str, Any], int]],
    voters: Sequence[str],
) -> Decision:
    names = list(voters) or [f"ballot {i + 1}" for i in range(len(choices))]
    positions = {
        name: (choice["position"], choice.get("reason"))
        for name, (choice, _) in zip(names, choices, strict=True)
    }
    result = decide_consensus(positions, fallback=proposal.rule.fallback)
    counts = dict.fromkeys(CONSENSUS_POSITIONS, 0)
    for choice, _ in choices:
        counts[choice["position"]] += 1
    return _motion_decision(result, counts)


def _count_election(
    proposal: Proposal,
    choices: Sequence[tuple[Mapping[str, Any], int]],
    tally: Mapping[str, Any],
) -> Decision:
    keys = [o.key for o in proposal.options]
    index = {k: i for i, k in enumerate(keys)}
    field_name = "ranking" if proposal.rule.form is BallotForm.RANKED else "approve"
    rankings = [[index[k] for k in choice[field_name]] for choice, _ in choices]
    weights = [w for _, w in choices]
    if not rankings:
        return Decision(
            Outcome.REJECTED,
            proposal.rule.method.value,
            "Nobody was elected: no valid ballots.",
            dict(tally["counts"]),
        )
    profile = Profile.from_rankings(keys, rankings, weights=weights, invalid="reject")
    label = {o.key: o.label for o in proposal.options}
    if proposal.rule.method is Method.STV:
        stv = scottish_stv(profile, proposal.seats)
        elected, detail = stv.elected, stv.to_dict()
    else:
        counter = schulze if proposal.rule.method is Method.SCHULZE else approval
        single = counter(profile)
        elected, detail = (single.winner,), single.to_dict()
    names = ", ".join(label[k] for k in elected)
    summary = f"Elected: {names} ({proposal.rule.method.value}, {profile.total} ballots)."
    return Decision(
        Outcome.ADOPTED,
        proposal.rule.method.value,
        summary,
        dict(tally["counts"]),
        tuple(elected),
        detail,
    )


def _count_budget(
    proposal: Proposal,
    choices: Sequence[tuple[Mapping[str, Any], int]],
    tally: Mapping[str, Any],
) -> Decision:
    """The Method of Equal Shares over the approval ballots, with what each voter paid."""
    budget = Fraction(proposal.details["budget"])
    projects = tuple(PbProject(o.key, Fraction(o.cost or "0")) for o in proposal.options)
    votes: list[PbVote] = []
    for number, (choice, weight) in enumerate(choices):
        # A vote of weight w counts as w voters with the same ballot.
        votes.extend(PbVote(f"{number}.{copy}", tuple(choice["approve"])) for copy in range(weight))
    instance = PbInstance({"budget": str(budget), "vote_type": "approval"}, projects, tuple(votes))
    result = equal_shares(instance)
    label = {o.key: o.label for o in proposal.options}
    names = ", ".join(label[k] for k in result.selected) or "no project"
    summary = (
        f"Funded: {names}, costing {result.cost} of {budget} "
        f"(Method of Equal Shares, {len(votes)} voters)."
    )
    outcome = Outcome.ADOPTED if result.selected else Outcome.REJECTED
    return Decision(
        outcome, "equal-shares", summary, dict(tally["counts"]), result.selected, result.to_dict()
    )


def everyone_voted(electorate: Electorate, voted: set[int]) -> bool:
    """Whether every member of the electorate has voted."""
    return bool(electorate.weights) and set(electorate.weights) <= voted


__all__ = [
    "CouncilError",
    "Participation",
    "SecretBallot",
    "Vote",
    "check_choice",
    "count",
    "everyone_voted",
    "new_receipt",
    "receipt_hash",
    "running_tally",
]
