"""Proposals and their lifecycle: draft -> discussion -> voting -> decided.

Every rule about stages and timing lives here: edits only before voting, discussion at least
as long as the standing orders ask, votes only while voting is open, a close only after the
period ends (or once everyone entitled has voted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from rada.councils.errors import CouncilError, NotAllowed, WrongStage
from rada.councils.model import (
    MAX_DELEGATES,
    MAX_INT,
    check_characters,
    check_json,
    check_name,
)
from rada.councils.orders import HOUR, METHOD_NAMES, PROPOSAL_KIND_NAMES, DecisionRule, ProposalKind
from rada.councils.text import Message, msg, nmsg

MAX_TEXT = 20_000
#: The most candidates or projects one ballot offers.
MAX_OPTIONS = 500


class Stage(StrEnum):
    """Where a proposal is in its life."""

    DRAFT = "draft"
    DISCUSSION = "discussion"
    VOTING = "voting"
    DECIDED = "decided"


class Outcome(StrEnum):
    """How a decided proposal ended."""

    ADOPTED = "adopted"
    REJECTED = "rejected"


#: The stages' names in sentences (in English, the values themselves).
STAGE_NAMES: Mapping[Stage, Message] = {
    Stage.DRAFT: msg("draft"),
    Stage.DISCUSSION: msg("discussion"),
    Stage.VOTING: msg("voting"),
    Stage.DECIDED: msg("decided"),
}


def check_text(text: str, what: Message) -> str:
    """Non-empty text of at most :data:`MAX_TEXT` characters, kept exactly as written."""
    if not text.strip():
        raise CouncilError(msg("%(what)s must not be empty", what=what))
    check_characters(text, what)
    if len(text) > MAX_TEXT:
        raise CouncilError(
            msg(
                "%(what)s is %(length)s characters long; at most %(longest)s",
                what=what,
                length=len(text),
                longest=MAX_TEXT,
            )
        )
    return text


@dataclass(frozen=True)
class Version:
    """One version of a text; earlier versions stay visible.

    A version removed by an adopted redaction keeps its place, with empty text and
    ``redacted_by`` naming the deciding proposal: a visible tombstone.
    """

    number: int
    text: str
    written_at: datetime
    record_index: int | None = None
    redacted_by: int | None = None


@dataclass(frozen=True)
class Option:
    """A choice on a ballot: a candidate (``person_id``), or a budget's project (``cost``)."""

    key: str
    label: str
    person_id: int | None = None
    cost: str | None = None


#: The largest amount (a cost, a budget, a capacity, a target) and the most decimal places
#: it may have (computed targets carry 16; more would only slow exact arithmetic down).
MAX_AMOUNT = Decimal(10) ** 15
AMOUNT_PLACES = 30


def _positive_amount(value: object, what: Message) -> str:
    return check_amount(value, what, positive=True)


def check_amount(value: object, what: str | Message, *, positive: bool) -> str:
    """An amount as its exact decimal text: above 0 (``positive``) or at least 0, at most
    :data:`MAX_AMOUNT`, with at most :data:`AMOUNT_PLACES` decimal places; else
    ``CouncilError`` naming ``what``. (A capacity of 27 digits, stored unchecked in a
    counter-proposal, left its page answering 500 until 2026-12-06: no page could write it.)"""
    text = str(value)
    if len(text) > 40:
        raise CouncilError(msg("%(what)s is not a number of at most 40 characters", what=what))
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise CouncilError(
            msg("%(what)s %(value)r is not a number", what=what, value=value)
        ) from error
    if positive and (not amount.is_finite() or amount <= 0):
        raise CouncilError(
            msg("%(what)s must be a positive amount, not %(value)r", what=what, value=value)
        )
    if not amount.is_finite() or amount < 0:
        raise CouncilError(
            msg(
                "%(where)s: a capacity is a number of at least 0, not %(value)r",
                where=what,
                value=value,
            )
        )
    if amount > MAX_AMOUNT or amount.as_tuple().exponent < -AMOUNT_PLACES:  # type: ignore[operator]
        raise CouncilError(
            msg(
                "%(what)s %(value)s is out of range: at most %(limit)s, with at most "
                "%(places)s decimal places",
                what=what,
                value=text,
                limit="10^15",
                places=AMOUNT_PLACES,
            )
        )
    return str(amount)


def _counter(counter: object) -> dict[str, Any]:
    """A target review's counter-proposal: the capacities it declares, by technique."""
    if not isinstance(counter, dict):
        raise CouncilError(msg("a counter-proposal declares capacities by technique"))
    capacity = counter.get("capacity")
    if not isinstance(capacity, dict) or not all(isinstance(k, str) for k in capacity):
        raise CouncilError(msg("a counter-proposal declares capacities by technique"))
    return {
        **counter,
        "capacity": {
            k: check_amount(v, msg("capacity of %(technique)s", technique=k), positive=False)
            for k, v in capacity.items()
        },
    }


def _int_field(details: Mapping[str, Any], name: str, kind: ProposalKind) -> int:
    value = details.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INT:
        raise CouncilError(
            msg(
                "a %(kind)s proposal needs %(field)r as a whole number",
                kind=PROPOSAL_KIND_NAMES[kind],
                field=name,
            )
        )
    return value


def _check_post_details(kind: ProposalKind, details: Mapping[str, Any]) -> None:
    """Check an appointment's or a recall's details: the post, its council, the person."""
    post = details.get("post")
    if post not in ("manager", "delegate"):
        raise CouncilError(msg("the post must be 'manager' or 'delegate', not %(post)r", post=post))
    if post == "delegate":
        _int_field(details, "to_council", kind)
    if kind is ProposalKind.RECALL:
        _int_field(details, "person", kind)


def _check_federation_details(kind: ProposalKind, details: Mapping[str, Any]) -> None:
    """Check an affiliation's or a disaffiliation's details: the federation, the delegates."""
    _int_field(details, "federation", kind)
    if "weight" in details:
        raise CouncilError(
            msg(
                "the weight of a council's delegates is not proposed: it comes from the "
                "members the council represents"
            )
        )
    if kind is ProposalKind.AFFILIATION:
        delegates = _int_field(details, "delegates", kind)
        if not 1 <= delegates <= MAX_DELEGATES:
            raise CouncilError(
                msg(
                    "an affiliated council sends from 1 to %(limit)s delegates",
                    limit=MAX_DELEGATES,
                )
            )


def check_details(kind: ProposalKind, details: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the kind-specific details of a proposal and return them normalised.

    - investment: ``cost`` (a positive amount); optional ``product``, ``capacity``,
      ``from_year`` for the capacity it adds to the plan;
    - target-review: ``product``, ``target`` and, for a contest, ``counter``;
    - appointment: ``post`` (``manager`` or ``delegate``), ``to_council`` for a delegate;
    - recall: ``person`` and ``post`` (and ``to_council`` for a delegate);
    - plan-adoption: ``plan``;
    - redaction: ``entry`` (the record index) and ``reason``;
    - budget: ``budget`` (the money to share out over the projects);
    - affiliation: ``federation`` (the council that invites) and ``delegates`` (how many the
      council will send); the weight of their votes is never part of the proposal, it comes
      from the members the council represents;
    - disaffiliation: ``federation`` (the council to leave).
    """
    out = dict(check_json(details, msg("a proposal's details")))
    if kind is ProposalKind.INVESTMENT:
        out["cost"] = _positive_amount(details.get("cost"), msg("an investment's cost"))
        if "capacity" in details:
            out["capacity"] = _positive_amount(details["capacity"], msg("the added capacity"))
        if "from_year" in details:
            out["from_year"] = _int_field(details, "from_year", kind)
    elif kind is ProposalKind.TARGET_REVIEW:
        if not isinstance(details.get("product"), str) or not details["product"]:
            raise CouncilError(msg("a target review names the product whose target it reviews"))
        out["target"] = _positive_amount(details.get("target"), msg("the target"))
        if "counter" in details:
            out["counter"] = _counter(details["counter"])
    elif kind in (ProposalKind.APPOINTMENT, ProposalKind.RECALL):
        _check_post_details(kind, details)
    elif kind is ProposalKind.PLAN_ADOPTION:
        if not isinstance(details.get("plan"), str | int):
            raise CouncilError(msg("a plan-adoption proposal names the plan it adopts"))
    elif kind is ProposalKind.BUDGET:
        out["budget"] = _positive_amount(details.get("budget"), msg("the budget"))
    elif kind in (ProposalKind.AFFILIATION, ProposalKind.DISAFFILIATION):
        _check_federation_details(kind, details)
    elif kind is ProposalKind.REDACTION:
        _int_field(details, "entry", kind)
        reason = details.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise CouncilError(msg("a redaction proposal must give its reason"))
    return out


@dataclass
class Decision:
    """How a vote came out: the outcome, the figures, and the steps in words.

    ``summary`` is the English sentence the record keeps; ``message`` is the same sentence as
    a translatable message, for pages in other languages (None for a decision counted before
    Rada kept it, or one whose words the count could not put as a message).
    """

    outcome: Outcome
    method: str
    summary: str
    tally: dict[str, Any]
    elected: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
    message: Message | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: what the public record keeps (the summary in English only)."""
        return {
            "outcome": self.outcome.value,
            "method": self.method,
            "summary": self.summary,
            "tally": self.tally,
            "elected": list(self.elected),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """Read :meth:`to_dict`'s mapping back."""
        return cls(
            Outcome(data["outcome"]),
            data["method"],
            data["summary"],
            dict(data["tally"]),
            tuple(data.get("elected", ())),
            dict(data.get("detail", {})),
        )


@dataclass
class Proposal:
    """A question put to a council, with the rule in force when it was opened."""

    council_id: int
    kind: ProposalKind
    title: str
    author_id: int
    rule: DecisionRule
    created_at: datetime
    versions: list[Version] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    seats: int = 1
    stage: Stage = Stage.DRAFT
    discussion_at: datetime | None = None
    voting_at: datetime | None = None
    closes_at: datetime | None = None
    decided_at: datetime | None = None
    decision: Decision | None = None
    id: int = 0
    record_index: int | None = None

    def __post_init__(self) -> None:
        if self.redacted:
            return  # its title, text and reason were emptied by an adopted redaction
        self.title = check_name(self.title, msg("a proposal's title"))
        self.details = check_details(self.kind, self.details)
        if len(self.options) > MAX_OPTIONS:
            raise CouncilError(msg("a ballot offers at most %(limit)s choices", limit=MAX_OPTIONS))
        self.options = tuple(
            replace(
                o,
                key=check_name(o.key, msg("a choice's key"), longest=64),
                label=check_name(o.label, msg("a choice's name")),
            )
            for o in self.options
        )
        if self.kind is ProposalKind.BUDGET:
            keys = [o.key for o in self.options]
            if not keys or len(set(keys)) != len(keys):
                raise CouncilError(msg("a budget needs at least one project, each named once"))
            for option in self.options:
                _positive_amount(option.cost, msg("project %(key)r's cost", key=option.key))
        elif self.rule.method.value in ("stv", "schulze", "approval"):
            keys = [o.key for o in self.options]
            if len(keys) < 1 or len(set(keys)) != len(keys):
                raise CouncilError(msg("an election needs at least one candidate, each named once"))
            if not 1 <= self.seats <= len(keys):
                raise CouncilError(
                    msg(
                        "%(seats)s seats cannot be filled from %(candidates)s candidates",
                        seats=self.seats,
                        candidates=len(keys),
                    )
                )
            if self.seats > 1 and self.rule.method.value != "stv":
                raise CouncilError(
                    msg(
                        "%(method)s fills one seat; use STV for more",
                        method=METHOD_NAMES[self.rule.method],
                    )
                )
        elif self.options:
            raise CouncilError(msg("only elections have candidates"))

    @property
    def redacted(self) -> bool:
        """Whether an adopted redaction emptied what it was opened with (title and text)."""
        return bool(self.versions) and self.versions[0].redacted_by is not None

    @property
    def text(self) -> str:
        """The current text."""
        return self.versions[-1].text if self.versions else ""

    @property
    def outcome(self) -> Outcome | None:
        """The outcome, once decided."""
        return None if self.decision is None else self.decision.outcome

    def option(self, key: str) -> Option:
        """The option called ``key``."""
        for option in self.options:
            if option.key == key:
                return option
        raise CouncilError(msg("%(key)r is not a candidate on this ballot", key=key))

    def write(self, text: str, *, by: int, now: datetime) -> Version:
        """A new version of the text, by its author, before voting opens."""
        if by != self.author_id:
            raise NotAllowed(msg("only the proposal's author may revise its text"))
        if self.stage not in (Stage.DRAFT, Stage.DISCUSSION):
            raise WrongStage(
                msg(
                    "the proposal is in %(stage)s; its text is fixed once voting opens",
                    stage=STAGE_NAMES[self.stage],
                )
            )
        version = Version(len(self.versions) + 1, check_text(text, msg("a proposal's text")), now)
        self.versions.append(version)
        return version

    def open_discussion(self, *, now: datetime) -> None:
        """Move the draft into discussion."""
        if self.stage is not Stage.DRAFT:
            raise WrongStage(
                msg(
                    "only a draft can be opened for discussion, not a %(stage)s",
                    stage=STAGE_NAMES[self.stage],
                )
            )
        self.stage = Stage.DISCUSSION
        self.discussion_at = now

    @property
    def voting_may_open_at(self) -> datetime | None:
        """When the discussion will have lasted as long as the standing orders ask, and the
        vote may open (None before the discussion opens)."""
        if self.discussion_at is None:
            return None
        return self.discussion_at + timedelta(seconds=self.rule.discussion_hours * HOUR)

    def open_voting(self, *, now: datetime) -> None:
        """Open the vote, once the discussion has lasted as long as the standing orders say."""
        if self.stage is not Stage.DISCUSSION:
            raise WrongStage(
                msg(
                    "voting opens after discussion, and this proposal is %(stage)s",
                    stage=STAGE_NAMES[self.stage],
                )
            )
        earliest = self.voting_may_open_at
        assert earliest is not None
        if now < earliest:
            raise WrongStage(
                nmsg(
                    "the discussion must last %(n)s hour; voting may open at %(earliest)s",
                    "the discussion must last %(n)s hours; voting may open at %(earliest)s",
                    self.rule.discussion_hours,
                    earliest=earliest,
                )
            )
        self.stage = Stage.VOTING
        self.voting_at = now
        self.closes_at = now + timedelta(seconds=self.rule.voting_hours * HOUR)

    def check_voting_open(self, *, now: datetime) -> None:
        """Refuse unless votes may be cast now."""
        if self.stage is not Stage.VOTING:
            raise WrongStage(
                msg(
                    "the proposal is in %(stage)s; votes are not open",
                    stage=STAGE_NAMES[self.stage],
                )
            )
        assert self.closes_at is not None
        if now >= self.closes_at:
            raise WrongStage(
                msg(
                    "voting closed at %(closed)s",
                    closed=self.closes_at,
                )
            )

    def check_may_close(self, *, now: datetime, everyone_voted: bool) -> None:
        """Refuse to close before the period ends, unless everyone entitled has voted."""
        if self.stage is not Stage.VOTING:
            raise WrongStage(
                msg("the proposal is in %(stage)s, not voting", stage=STAGE_NAMES[self.stage])
            )
        assert self.closes_at is not None
        if now < self.closes_at and not everyone_voted:
            raise WrongStage(
                msg(
                    "voting is open until %(closes)s",
                    closes=self.closes_at,
                ),
                hint=msg("a vote closes early only when every member entitled has voted"),
            )

    def decide(self, decision: Decision, *, now: datetime) -> None:
        """Record the count's decision."""
        if self.stage is not Stage.VOTING:
            raise WrongStage(
                msg("the proposal is in %(stage)s, not voting", stage=STAGE_NAMES[self.stage])
            )
        self.stage = Stage.DECIDED
        self.decided_at = now
        self.decision = decision

    def allows_posts(self) -> bool:
        """Whether the discussion thread is open."""
        return self.stage in (Stage.DISCUSSION, Stage.VOTING)


@dataclass
class Post:
    """A contribution to a proposal's discussion. Editing adds a version; nothing deletes."""

    proposal_id: int
    author_id: int
    created_at: datetime
    versions: list[Version] = field(default_factory=list)
    parent_id: int | None = None
    id: int = 0

    @property
    def redacted(self) -> bool:
        """Whether an adopted redaction emptied what it was opened with (title and text)."""
        return bool(self.versions) and self.versions[0].redacted_by is not None

    @property
    def text(self) -> str:
        """The current text."""
        return self.versions[-1].text

    def write(self, text: str, *, by: int, now: datetime) -> Version:
        """Add a version by the post's author."""
        if by != self.author_id:
            raise NotAllowed(msg("only a post's author may edit it; nobody may delete it"))
        version = Version(len(self.versions) + 1, check_text(text, msg("a post")), now)
        self.versions.append(version)
        return version
