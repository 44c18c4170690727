"""Votes and secret ballots, what a valid choice is under each rule, and the count.

An open vote names its voter (a roll call). A secret ballot is stored without identity and
keyed by the hash of a receipt code that only the voter holds; the fact that someone took
part is recorded apart. The count hands the ballots to :mod:`rada.counting`, which counts
exactly.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from rada.councils.errors import CouncilError, InvalidChoice
from rada.councils.model import Electorate
from rada.councils.orders import METHOD_NAMES, BallotForm, Method
from rada.councils.proposals import Decision, Outcome, Proposal
from rada.councils.text import Joined, Message, joined, msg, nmsg
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
    #: The adopted redaction proposal that emptied the choice (a tombstone), if any.
    redacted_by: int | None = None
    #: Under a hidden tally, the secret that the record's commitment to the choice is made
    #: with (see :func:`commit_choice`); published with the choice at the count.
    salt: str | None = None
    #: 1 for the vote first cast; each change while voting is open adds the next version,
    #: and only a voter's latest version counts. Earlier versions are kept as they were.
    version: int = 1


@dataclass(frozen=True)
class SecretBallot:
    """A secret ballot: the choice and the receipt's hash; no voter, no time."""

    proposal_id: int
    receipt_hash: str
    choice: Mapping[str, Any]
    weight: int
    #: Whether its holder replaced it with a new ballot while voting was open (through its
    #: receipt); a replaced ballot is neither counted nor published.
    replaced: bool = False


@dataclass(frozen=True)
class Participation:
    """That a member took part in a secret vote (never how)."""

    proposal_id: int
    voter_id: int
    cast_at: datetime
    record_index: int | None = None


def new_salt() -> str:
    """A fresh secret for committing to a hidden vote's choice (128 bits, hex)."""
    return secrets.token_hex(16)


def commit_choice(choice: Mapping[str, Any], salt: str) -> str:
    """The commitment to a vote's choice that the record holds while the tally is hidden:
    SHA-256 of the salt and the choice's JSON (sorted keys, no spaces), hex. It says nothing of
    the choice until the salt is published at the count; then anyone can check that the choice
    counted is the one committed to when the vote was cast.

    Examples
    --------
    >>> commit_choice({"position": "no"}, "00" * 16)[:16]
    'f406bb6f680bddf3'
    """
    data = json.dumps(dict(choice), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(salt.encode("ascii") + data.encode("utf-8")).hexdigest()


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
            raise InvalidChoice(
                msg(
                    "a vote on this motion is one of %(positions)s",
                    positions=", ".join(MOTION_POSITIONS),
                )
            )
        return {"position": position}
    if form is BallotForm.CONSENSUS:
        position = choice.get("position")
        if position not in CONSENSUS_POSITIONS or set(choice) - {"position", "reason"}:
            raise InvalidChoice(
                msg("a position is one of %(positions)s", positions=", ".join(CONSENSUS_POSITIONS))
            )
        reason = choice.get("reason") or ""
        if not isinstance(reason, str) or len(reason) > MAX_REASON:
            raise InvalidChoice(
                nmsg(
                    "a reason is text of at most %(n)s character",
                    "a reason is text of at most %(n)s characters",
                    MAX_REASON,
                )
            )
        if position == "block" and not reason.strip():
            raise InvalidChoice(
                msg("a block must give its reason"), hint=msg("say what would resolve it")
            )
        return (
            {"position": position, "reason": reason.strip()}
            if reason.strip()
            else {"position": position}
        )
    keys = {o.key for o in proposal.options}
    if form is BallotForm.RANKED:
        ranking = choice.get("ranking")
        if not isinstance(ranking, list) or not ranking or set(choice) - {"ranking"}:
            raise InvalidChoice(
                msg("a ranked ballot lists at least one candidate, first choice first")
            )
        _check_keys(ranking, keys)
        return {"ranking": list(ranking)}
    approved = choice.get("approve")
    if not isinstance(approved, list) or set(choice) - {"approve"}:
        raise InvalidChoice(msg("an approval ballot lists the candidates approved"))
    _check_keys(approved, keys)
    return {"approve": sorted(approved)}


def _check_keys(chosen: Sequence[object], keys: set[str]) -> None:
    unknown = [k for k in chosen if k not in keys]
    if unknown:
        raise InvalidChoice(msg("%(key)r is not a candidate on this ballot", key=unknown[0]))
    if len(set(map(str, chosen))) != len(chosen):
        raise InvalidChoice(msg("a candidate may appear only once on a ballot"))


def _quorum_line(
    proposal: Proposal, electorate: Electorate, took_part: int
) -> tuple[bool, Message | None]:
    quorum = proposal.rule.quorum
    if quorum is None:
        return True, None
    required = quorum * electorate.total
    met = took_part >= required
    line = msg(
        "quorum %(required)s of %(total)s: %(took_part)s took part",
        required=required,
        total=electorate.total,
        took_part=took_part,
    )
    return met, line


def running_tally(
    proposal: Proposal, choices: Sequence[tuple[Mapping[str, Any], int]]
) -> dict[str, Any]:
    """The counts so far, for a live tally: positions for motions and consensus, first
    preferences or approvals for elections."""
    counts: dict[str, int] = {}
    form = proposal.rule.form
    # A vote emptied by an adopted redaction shows in no column (the decision recorded at the
    # count stands); the number of such votes is given apart.
    redacted = sum(1 for choice, _ in choices if not choice)
    choices = [(choice, weight) for choice, weight in choices if choice]
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
    return {
        "counts": counts,
        "ballots": len(choices),
        "weight": sum(w for _, w in choices),
        "redacted": redacted,
    }


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
    rejected, whatever the votes. The decision's ``summary`` is English text (what the record
    keeps); its ``message`` is the same sentence as a translatable message.
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
        raise CouncilError(msg("the count failed: %(error)s", error=str(error))) from error
    if quorum_line is not None:
        decision.detail["quorum"] = str(quorum_line)
    if not quorum_met:
        decision.outcome = Outcome.REJECTED
        decision.elected = ()
        _summarise(
            decision, msg("Rejected: the quorum was not met (%(quorum)s).", quorum=quorum_line)
        )
    decision.method = method.value
    return decision


def _summarise(decision: Decision, message: Message) -> Decision:
    """Give the decision its summary: the message, and its English text."""
    decision.message = message
    decision.summary = str(message)
    return decision


#: How the counting library words each reason of a motion's result, as messages. The library
#: writes English only; :func:`_motion_decision` checks that these say exactly the same.
_MAJORITIES: Mapping[str, Message] = {
    "simple": msg("simple majority of votes cast"),
    "absolute": msg("absolute majority of members"),
}


def _motion_reasons(
    result: MotionResult, counts: Mapping[str, int], *, recall: bool
) -> list[Message]:
    """The reasons of a motion or recall's result (no quorum of the library's own)."""
    majority = "absolute" if recall else result.rule
    rule = _MAJORITIES.get(majority) or msg("%(fraction)s of votes cast", fraction=result.threshold)
    figures = {
        "rule": rule,
        "yes": counts["yes"],
        "no": counts["no"],
        "abstain": counts["abstain"],
        "needed": result.needed,
    }
    strict = majority in _MAJORITIES
    reasons = [msg("recall")] if recall else []
    if strict:
        reasons.append(
            msg(
                "%(rule)s: %(yes)s for, %(no)s against, %(abstain)s abstaining; "
                "needs more than %(needed)s",
                **figures,
            )
        )
        if counts["yes"] == result.needed:
            reasons.append(msg("an exact tie does not carry the motion"))
    else:
        reasons.append(
            msg(
                "%(rule)s: %(yes)s for, %(no)s against, %(abstain)s abstaining; "
                "needs at least %(needed)s",
                **figures,
            )
        )
    return reasons


def _consensus_reasons(
    result: MotionResult,
    counts: Mapping[str, int],
    names: Mapping[str, str | Message],
    fallback: Fraction | None,
) -> list[Message]:
    """The reason of a consensus decision, as :func:`decide_consensus` words it."""
    positions = msg(
        "%(agree)s agree, %(abstain)s abstain, %(disagree)s disagree, %(block)s block", **counts
    )
    if result.blocks:
        blockers = joined(names.get(member, member) for member, _ in result.blocks)
        return [msg("%(positions)s; blocked by %(names)s", positions=positions, names=blockers)]
    if counts["disagree"] == 0 and counts["agree"] > 0:
        return [msg("%(positions)s; consensus", positions=positions)]
    if fallback is not None and counts["agree"] + counts["disagree"]:
        return [
            msg(
                "%(positions)s; no consensus, fallback %(fallback)s needs %(needed)s agreeing",
                positions=positions,
                fallback=fallback,
                needed=result.needed,
            )
        ]
    return [msg("%(positions)s; no consensus", positions=positions)]


def _motion_decision(
    result: MotionResult, counts: Mapping[str, int], reasons: Sequence[Message]
) -> Decision:
    outcome = Outcome.ADOPTED if result.adopted else Outcome.REJECTED
    words = "; ".join(result.reasons)
    decision = Decision(
        outcome,
        result.rule,
        f"{outcome.value.capitalize()}: {words}.",
        dict(counts),
        detail=result.to_dict(),
    )
    because = joined(reasons, "; ")
    message = (
        msg("Adopted: %(reasons)s.", reasons=because)
        if result.adopted
        else msg("Rejected: %(reasons)s.", reasons=because)
    )
    # The library's English is the record's; the message only stands beside it when it says
    # the same, word for word (else pages show the English).
    if str(message) == decision.summary:
        decision.message = message
    return decision


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
    reasons = _motion_reasons(result, counts, recall=method is Method.RECALL)
    return _motion_decision(result, counts, reasons)


def _count_consensus(
    proposal: Proposal,
    choices: Sequence[tuple[Mapping[str, Any], int]],
    voters: Sequence[str],
) -> Decision:
    names: dict[str, str | Message] = (
        {name: name for name in voters}
        if voters
        else {
            f"ballot {i + 1}": msg("ballot %(number)s", number=i + 1) for i in range(len(choices))
        }
    )
    positions = {
        name: (choice["position"], choice.get("reason"))
        for name, (choice, _) in zip(names, choices, strict=True)
    }
    result = decide_consensus(positions, fallback=proposal.rule.fallback)
    counts = dict.fromkeys(CONSENSUS_POSITIONS, 0)
    for choice, _ in choices:
        counts[choice["position"]] += 1
    reasons = _consensus_reasons(result, counts, names, proposal.rule.fallback)
    return _motion_decision(result, counts, reasons)


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
    method = proposal.rule.method
    if not rankings:
        return _summarise(
            Decision(Outcome.REJECTED, method.value, "", dict(tally["counts"])),
            msg("Nobody was elected: no valid ballots."),
        )
    profile = Profile.from_rankings(keys, rankings, weights=weights, invalid="reject")
    label = {o.key: o.label for o in proposal.options}
    if method is Method.STV:
        stv = scottish_stv(profile, proposal.seats)
        elected, detail = stv.elected, stv.to_dict()
    else:
        counter = schulze if method is Method.SCHULZE else approval
        single = counter(profile)
        elected, detail = (single.winner,), single.to_dict()
    summary = nmsg(
        "Elected: %(names)s (%(method)s, %(n)s ballot).",
        "Elected: %(names)s (%(method)s, %(n)s ballots).",
        int(profile.total),
        names=joined(label[k] for k in elected),
        method=METHOD_NAMES[method],
    )
    decision = Decision(
        Outcome.ADOPTED, method.value, "", dict(tally["counts"]), tuple(elected), detail
    )
    return _summarise(decision, summary)


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
    names: str | Message | Joined = (
        joined(label[k] for k in result.selected) if result.selected else msg("no project")
    )
    summary = nmsg(
        "Funded: %(names)s, costing %(cost)s of %(budget)s (Method of Equal Shares, %(n)s voter).",
        "Funded: %(names)s, costing %(cost)s of %(budget)s (Method of Equal Shares, %(n)s voters).",
        len(votes),
        names=names,
        cost=result.cost,
        budget=budget,
    )
    outcome = Outcome.ADOPTED if result.selected else Outcome.REJECTED
    decision = Decision(
        outcome, "equal-shares", "", dict(tally["counts"]), result.selected, result.to_dict()
    )
    return _summarise(decision, summary)


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
