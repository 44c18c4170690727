"""What happened: one past-tense event per kind of change in the councils' domain.

The use cases return these events; :mod:`rada.services.recording` is the one place that turns
each into an entry of the public record, and :mod:`rada.store.projection` the one place that
turns entries back into table rows. So each event carries everything the tables hold about
its change: a database rebuilt from the record alone equals the live one, and an audit can
name every row that differs (docs/record.md, "The tables are a projection of the record").

Every event names the council it concerns (``council``; None for a person's registration,
which belongs to no council), when it happened (``at``, the entry's time) and who did it
(``by``, the entry's author; None for what the count or the engine did). ``links`` are the
record indexes of earlier entries it answers or refers to; they are the entry's links, not
part of its body. Each class's ``event_name`` is the body's ``event`` field; ``entry_kind`` the
entry's kind. ``redactable`` lists the fields that hold what was said (free text, a vote's choice):
an adopted redaction removes those and keeps the rest, so that the projection keeps its
shape (the post, the vote, the proposal) while its content is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

__all__ = [
    "AdoptionProposed",
    "AffiliationReweighed",
    "BallotCounted",
    "CouncilAffiliated",
    "CouncilDisaffiliated",
    "CouncilFounded",
    "CycleOpened",
    "DelegateRecalled",
    "DelegateSeated",
    "DiscussionOpened",
    "Event",
    "MemberJoined",
    "MembershipEnded",
    "OfficeEnded",
    "OfficeFilled",
    "PersonRegistered",
    "PlanAdopted",
    "PlanNotAdopted",
    "PostEdited",
    "PostWritten",
    "PrioritiesClosed",
    "PrioritiesGiven",
    "ProposalDecided",
    "ProposalOpened",
    "ProposalRevised",
    "Redacted",
    "RedactionAlreadyDone",
    "RoleGranted",
    "RoundPlanned",
    "RoundReviewed",
    "TookPart",
    "VoteCast",
    "VoteRevealed",
    "VotingOpened",
]


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something that happened in a council, at ``at``, done by ``by``."""

    entry_kind: ClassVar[str]
    event_name: ClassVar[str]
    redactable: ClassVar[tuple[str, ...]] = ()
    #: Whether the record writes this event's entry in a form of its own (a redaction).
    own_form: ClassVar[bool] = False

    council: int | None
    at: datetime
    by: int | None
    links: tuple[int, ...] = field(default=(), compare=False)


# -- people and councils ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PersonRegistered(Event):
    """Someone made an account. Their e-mail address and password stay out of the record."""

    entry_kind = "person"
    event_name = "registered"

    person: int
    name: str


@dataclass(frozen=True, kw_only=True)
class CouncilFounded(Event):
    """A council was founded; its founder convenes it (membership ``membership``)."""

    entry_kind = "council"
    event_name = "founded"

    name: str
    slug: str
    kind: str
    description: str
    orders: dict[str, Any]
    convenor: dict[str, Any]
    membership: int
    roles: list[str]


@dataclass(frozen=True, kw_only=True)
class CouncilAffiliated(Event):
    """A council joined a federation (``council``) with its delegates' count and weight: by
    its own decision on ``proposal`` (None in records written before joining needed
    consent), when it ``represented`` that many members."""

    entry_kind = "council"
    event_name = "affiliated"

    member: dict[str, Any]
    delegates: int
    weight: int
    proposal: int | None = None
    represented: int | None = None


@dataclass(frozen=True, kw_only=True)
class CouncilDisaffiliated(Event):
    """A council left a federation (``council``) by its own decision on ``proposal``."""

    entry_kind = "council"
    event_name = "disaffiliated"

    member: dict[str, Any]
    proposal: int


@dataclass(frozen=True, kw_only=True)
class AffiliationReweighed(Event):
    """The weight of a member council's delegates in a federation (``council``) was taken
    again, from the members it represents, when it elected them."""

    entry_kind = "council"
    event_name = "reweighed"

    member: dict[str, Any]
    weight: int
    represented: int


# -- memberships and offices -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MemberJoined(Event):
    """A person joined a council (membership ``membership``)."""

    entry_kind = "membership"
    event_name = "joined"

    membership: int
    person: dict[str, Any]
    roles: list[str]
    weight: int
    delegate_of: int | None


@dataclass(frozen=True, kw_only=True)
class DelegateSeated(MemberJoined):
    """An elected delegate of council ``delegate_of`` took their seat in a federation."""

    event_name = "seated"


@dataclass(frozen=True, kw_only=True)
class RoleGranted(Event):
    """A member was given a role (convenor)."""

    entry_kind = "membership"
    event_name = "role-granted"

    membership: int
    person: int
    role: str


@dataclass(frozen=True, kw_only=True)
class MembershipEnded(Event):
    """A membership ended: a delegate replaced at an election, or seated in another role."""

    entry_kind = "membership"
    event_name = "ended"

    membership: int
    person: int
    reason: str
    delegate_of: int | None = None


@dataclass(frozen=True, kw_only=True)
class DelegateRecalled(MembershipEnded):
    """A delegate was recalled by the council that sent them (``delegate_of``)."""

    event_name = "recalled"


@dataclass(frozen=True, kw_only=True)
class OfficeFilled(Event):
    """A person took an office (manager), elected by ``proposal``."""

    entry_kind = "membership"
    event_name = "office-filled"

    office: int
    person: int
    post: str
    proposal: int


@dataclass(frozen=True, kw_only=True)
class OfficeEnded(Event):
    """An office ended: its holder was recalled or replaced, by ``proposal``."""

    entry_kind = "membership"
    event_name = "office-ended"

    office: int
    person: int
    post: str
    proposal: int


# -- proposals, votes and decisions ----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProposalOpened(Event):
    """A proposal was opened (as a draft, or straight to discussion); ``text`` is its first
    version."""

    entry_kind = "proposal"
    event_name = "opened"
    redactable = ("title", "text", "details.reason")

    proposal: int
    kind: str
    title: str
    text: str
    details: dict[str, Any]
    options: list[dict[str, Any]]
    seats: int
    rule: dict[str, Any]
    stage: str


@dataclass(frozen=True, kw_only=True)
class ProposalRevised(Event):
    """Its author wrote a new version of a proposal's text."""

    entry_kind = "proposal"
    event_name = "revised"
    redactable = ("text",)

    proposal: int
    version: int
    text: str


@dataclass(frozen=True, kw_only=True)
class DiscussionOpened(Event):
    """A draft was put to discussion."""

    entry_kind = "proposal"
    event_name = "discussion"

    proposal: int


@dataclass(frozen=True, kw_only=True)
class VotingOpened(Event):
    """The vote on a proposal opened; it closes at ``closes_at`` at the latest."""

    entry_kind = "proposal"
    event_name = "voting"

    proposal: int
    closes_at: datetime


@dataclass(frozen=True, kw_only=True)
class VoteCast(Event):
    """A member (``by``) voted openly. Where the standing orders hide the running count,
    ``choice`` is None and ``hidden`` true until :class:`VoteRevealed` at the count; then
    ``commitment`` binds the vote to its choice now (``commit_choice``), without saying it.

    ``version`` is 1 for the vote first cast; a member who changes their vote while voting is
    open casts the next version, whose entry links the entry of the one it replaces. Only the
    latest version counts; the record keeps them all."""

    entry_kind = "vote"
    event_name = "cast"
    redactable = ("choice",)

    proposal: int
    weight: int
    choice: dict[str, Any] | None
    hidden: bool = False
    commitment: str | None = None
    version: int = 1


@dataclass(frozen=True, kw_only=True)
class VoteRevealed(Event):
    """At the count, how a member (``by``) voted under a hidden tally, with the salt that
    opens the commitment made when the vote was cast. Every version of a changed vote is
    revealed, each opening its own commitment; only the latest was counted."""

    entry_kind = "vote"
    event_name = "revealed"
    redactable = ("choice",)

    proposal: int
    choice: dict[str, Any] | None
    weight: int
    salt: str | None = None
    version: int = 1


@dataclass(frozen=True, kw_only=True)
class TookPart(Event):
    """A member (``by``) cast a secret ballot; the ballot itself is published only at the
    count, apart from this, as :class:`BallotCounted`."""

    entry_kind = "participation"
    event_name = "took-part"

    proposal: int


@dataclass(frozen=True, kw_only=True)
class BallotCounted(Event):
    """An anonymous secret ballot, published at the count (no author, no cast time)."""

    entry_kind = "ballot"
    event_name = "counted"

    proposal: int
    receipt: str
    choice: dict[str, Any]
    weight: int


@dataclass(frozen=True, kw_only=True)
class ProposalDecided(Event):
    """The vote closed and was counted: ``decision`` as the record keeps it, ``message`` its
    summary as a translatable message."""

    entry_kind = "decision"
    event_name = "decided"

    proposal: int
    kind: str
    electorate: int
    decision: dict[str, Any]
    message: dict[str, Any] | None = None


# -- discussion -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PostWritten(Event):
    """A member wrote a post in a proposal's discussion (or a reply to post ``reply_to``)."""

    entry_kind = "post"
    event_name = "written"
    redactable = ("text",)

    post: int
    proposal: int
    reply_to: int | None
    version: int
    text: str


@dataclass(frozen=True, kw_only=True)
class PostEdited(Event):
    """Its author wrote a new version of a post; the earlier ones stay."""

    entry_kind = "post"
    event_name = "edited"
    redactable = ("text",)

    post: int
    proposal: int
    version: int
    text: str


# -- redaction --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Redacted(Event):
    """An adopted decision (record entry ``decision``, proposal ``proposal``) ordered the
    content of entry ``target`` removed. The record keeps, in the redaction entry, what of
    the target is not content (``kept``: its kind, author, time, links and the body without
    its redactable fields), so that the projection keeps the target's shape."""

    entry_kind = "redaction"
    event_name = "redacted"
    own_form = True  # the record library's redaction entry: target, leaf hash, decision...

    proposal: int
    target: int
    decision: int
    reason: str
    kept: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class RedactionAlreadyDone(Event):
    """An adopted redaction found its target already redacted (by entry ``redaction``):
    nothing more to remove."""

    entry_kind = "decision"
    event_name = "already-redacted"

    proposal: int
    target: int
    redaction: int


# -- the planning cycle -----------------------------------------------------------------------
# Each carries the cycle's whole state after the change (``state``: what the store keeps),
# beside the figures the replay reads.


@dataclass(frozen=True, kw_only=True)
class _CycleEvent(Event):
    entry_kind = "plan"

    cycle: int
    state: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class CycleOpened(_CycleEvent):
    """A congress opened a planning cycle."""

    event_name = "cycle-opened"

    title: str
    economy: str
    years: int
    round_limit: int
    groups: dict[str, Any]
    workplaces: list[dict[str, Any]]
    #: The SHA-256 of the economy's figures (:func:`rada.planning.economy.fingerprint`), so
    #: that whoever replays the cycle knows they plan with the same economy; None in cycles
    #: opened before it was recorded.
    fingerprint: str | None = None


@dataclass(frozen=True, kw_only=True)
class PrioritiesGiven(_CycleEvent):
    """A delegate distributed their points over the product groups."""

    event_name = "priorities"

    points: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class PrioritiesClosed(_CycleEvent):
    """The priorities closed; their mean shares are the plan's weights."""

    event_name = "priorities-closed"

    participants: int
    rule: str
    weights: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class RoundPlanned(_CycleEvent):
    """The engine planned a round: everything it was given, and what it found."""

    event_name = "planned"

    round: int
    inputs: dict[str, Any]
    fulfilment: list[str]
    targets: dict[str, Any]
    digest: str
    effects: Any
    reviews: dict[str, Any]
    #: The plan's certificate of optimality (bounds, gap, largest violation as exact decimal
    #: text; None in rounds recorded before plans carried one).
    certificate: dict[str, Any] | None = None
    #: The plan and its certified prices, which anyone can check without a solver
    #: (:mod:`rada.planning.proof`); None in rounds recorded before, and where it would pass
    #: :data:`rada.services.planning_cycle.MAX_PROOF_BYTES`.
    proof: dict[str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class RoundReviewed(_CycleEvent):
    """Every workplace council answered its target in a round."""

    event_name = "reviewed"

    round: int
    answers: dict[str, Any]
    counters: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class AdoptionProposed(_CycleEvent):
    """The plan of a round was put to the congress, as proposal ``proposal``."""

    event_name = "put-to-congress"

    round: int
    proposal: int


@dataclass(frozen=True, kw_only=True)
class PlanAdopted(_CycleEvent):
    """The congress adopted the plan of round ``round`` (proposal ``proposal``)."""

    event_name = "adopted"

    round: int
    digest: str
    proposal: int


@dataclass(frozen=True, kw_only=True)
class PlanNotAdopted(PlanAdopted):
    """The congress did not adopt the plan; the cycle ends without one."""

    event_name = "not-adopted"
