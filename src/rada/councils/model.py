"""People, councils, memberships and offices: who belongs where, and in what role.

Plain classes, free of storage and the web: the store maps them onto tables from outside and
the services decide when to load and save them.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from rada.councils.errors import CouncilError, InvalidStandingOrders, NotAllowed
from rada.councils.orders import (
    ROLE_NAMES,
    CouncilKind,
    DecisionRule,
    ProposalKind,
    Role,
    StandingOrders,
)
from rada.councils.text import Message, msg

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


#: The largest whole number anything takes (weights, counts): JSON's exact integers.
MAX_INT = 2**53 - 1
#: The largest id of anything stored (a person, council, proposal, post, cycle, notice): the
#: store keeps ids in 32-bit integer columns, which PostgreSQL will not compare with a larger
#: number, so every id a request names is bounded by this.
MAX_ID = 2**31 - 1
#: The most a proposal's structured details may hold, as JSON.
MAX_DETAILS_BYTES = 16_384
_DEPTH = 8
# C0 controls but tab, line feed and carriage return; and lone surrogates (which JSON can
# carry and UTF-8, so neither database, cannot).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def storable(text: str) -> bool:
    """Whether ``text`` holds none of the characters Rada refuses to store
    (:func:`check_characters`): text that does can name nothing stored, and a database
    cannot even compare it (PostgreSQL refuses a NUL, either database a lone surrogate).

    >>> storable("bakery-north"), storable("bakery" + chr(0)), storable(chr(0xD800))
    (True, False, False)
    """
    return _FORBIDDEN.search(text) is None


def check_characters(text: str, what: Message) -> str:
    """Refuse text with a NUL or another control character (tab and line breaks aside) or a
    lone surrogate, naming where: the same refusal on SQLite and PostgreSQL."""
    found = _FORBIDDEN.search(text)
    if found is not None:
        code = format(ord(found.group()), "04X")
        raise CouncilError(
            msg(
                "%(what)s holds the character U+%(code)s at position %(position)s, "
                "which Rada does not store",
                what=what,
                code=code,
                position=found.start() + 1,
            ),
            hint=msg("remove control characters and unpaired surrogates"),
        )
    return text


def check_json(value: Any, what: Message, *, limit: int = MAX_DETAILS_BYTES) -> Any:
    """Structured data (a proposal's details, a ballot's choice) that is safe to keep: at
    most :data:`_DEPTH` levels and ``limit`` bytes of JSON, text without forbidden characters,
    whole numbers within :data:`MAX_INT`, no NaN or infinity."""

    def walk(item: Any, depth: int) -> None:
        if depth > _DEPTH:
            raise CouncilError(msg("%(what)s is nested too deeply", what=what))
        if isinstance(item, str):
            check_characters(item, what)
        elif isinstance(item, bool) or item is None:
            return
        elif isinstance(item, int):
            if abs(item) > MAX_INT:
                raise CouncilError(
                    msg("%(what)s holds a number beyond %(limit)s", what=what, limit=MAX_INT)
                )
        elif isinstance(item, float):
            if not math.isfinite(item) or abs(item) > MAX_INT:
                raise CouncilError(
                    msg("%(what)s holds a number that is not finite or too large", what=what)
                )
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                walk(str(key), depth + 1)
                walk(inner, depth + 1)
        elif isinstance(item, list | tuple):
            for inner in item:
                walk(inner, depth + 1)
        else:
            raise CouncilError(msg("%(what)s holds a value JSON cannot say", what=what))

    walk(value, 0)
    size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    if size > limit:
        raise CouncilError(
            msg(
                "%(what)s takes %(size)s bytes; at most %(limit)s",
                what=what,
                size=size,
                limit=limit,
            )
        )
    return value


#: The most characters a name or a title may have.
MAX_NAME = 200


def check_name(name: str, what: Message, *, longest: int = MAX_NAME) -> str:
    """A stripped, non-empty name of at most ``longest`` characters, in Unicode's composed
    form (NFC, so that "č" typed two ways is one name); ``what`` names it in the error."""
    check_characters(name, what)
    cleaned = unicodedata.normalize("NFC", " ".join(name.split()))
    if not cleaned:
        raise CouncilError(msg("%(what)s must not be empty", what=what))
    if len(cleaned) > longest:
        raise CouncilError(
            msg(
                "%(what)s is %(length)s characters long; at most %(longest)s",
                what=what,
                length=len(cleaned),
                longest=longest,
            )
        )
    return cleaned


def check_slug(slug: str) -> str:
    """A short web name: lower-case letters, digits and single hyphens."""
    if not _SLUG.match(slug) or len(slug) > 64:
        raise CouncilError(
            msg("%(slug)r is not a valid short name", slug=slug),
            hint=msg("use lower-case letters, digits and hyphens, e.g. 'bakery-north'"),
        )
    return slug


def check_email(email: str) -> str:
    """A normalised e-mail address (trimmed, lower-case)."""
    cleaned = email.strip().lower()
    check_characters(cleaned, msg("an e-mail address"))
    if not _EMAIL.match(cleaned) or len(cleaned) > 254:
        raise CouncilError(msg("%(email)r is not an e-mail address", email=email))
    return cleaned


@dataclass
class Person:
    """Someone with an account. ``id`` is 0 until the store assigns one."""

    name: str
    email: str
    joined_at: datetime
    id: int = 0

    def __post_init__(self) -> None:
        self.name = check_name(self.name, msg("a person's name"), longest=120)
        self.email = check_email(self.email)


@dataclass
class Council:
    """A workplace council, federation, union or congress, with its standing orders."""

    name: str
    slug: str
    kind: CouncilKind
    orders: StandingOrders
    created_at: datetime
    description: str = ""
    id: int = 0
    record_index: int | None = None

    def __post_init__(self) -> None:
        self.name = check_name(self.name, msg("a council's name"))
        self.slug = check_slug(self.slug)
        self.description = self.description.strip()

    def check_roll_call(self) -> None:
        """Refuse standing orders that would give delegates a secret ballot (a new federation's
        or congress's; older ones are read as :meth:`rule_for` says)."""
        if not self.delegates_vote:
            return
        secret = sorted(k.value for k, rule in self.orders.rules.items() if rule.secret)
        if secret:
            raise InvalidStandingOrders(
                msg(
                    "in a federation or the congress delegates vote by roll call, so %(kinds)s "
                    "cannot be decided by secret ballot",
                    kinds=", ".join(secret),
                ),
                hint=msg("the members who send a delegate must see how they voted"),
            )

    @property
    def delegates_vote(self) -> bool:
        """Whether its voting members are delegates of other councils (a federation or the
        congress), who vote by roll call: see :meth:`rule_for`."""
        return self.kind in (CouncilKind.FEDERATION, CouncilKind.CONGRESS)

    def rule_for(self, kind: ProposalKind) -> DecisionRule:
        """The rule a new proposal of ``kind`` is decided by. In a federation or the congress
        every vote is a roll call, whatever the standing orders say: a delegate votes under the
        mandate of the council that sent them, whose members must see how they voted (and may
        recall them for it). A secret ballot of weighted delegates would not be secret anyway:
        a weight-tagged ballot names a delegate whose weight is theirs alone."""
        rule = self.orders.rule_for(kind)
        if self.delegates_vote and rule.secret:
            return replace(rule, secret=False, live_tally=False)
        return rule

    def may_hold(self, kind: ProposalKind) -> bool:
        """Whether proposals of ``kind`` belong in this kind of council."""
        if kind is ProposalKind.TARGET_REVIEW:
            return self.kind is CouncilKind.WORKPLACE
        if kind is ProposalKind.PLAN_ADOPTION:
            return self.kind in (CouncilKind.CONGRESS, CouncilKind.FEDERATION)
        if kind in (ProposalKind.AFFILIATION, ProposalKind.DISAFFILIATION):
            return self.kind is not CouncilKind.CONGRESS  # the congress belongs to no one
        return True


#: The most delegates one council may send to a federation or the congress.
MAX_DELEGATES = 100


def delegate_weight(represented: int, delegates: int) -> int:
    """The weight of each of a council's delegates: the members the council represents,
    shared among its delegate seats and rounded up (at least 1), so that together its
    delegates carry at least the members they speak for and never more than one vote per
    seat beyond that.

    Examples
    --------
    >>> delegate_weight(5, 1), delegate_weight(5, 2), delegate_weight(0, 3)
    (5, 3, 1)
    """
    return max(1, -(-represented // delegates))


@dataclass(frozen=True)
class Affiliation:
    """A council that sends delegates to a federation or congress, and their votes' weight
    (:func:`delegate_weight` of the members it represents; never chosen by whoever asks)."""

    federation_id: int
    member_id: int
    delegates: int = 1
    weight: int = 1

    def __post_init__(self) -> None:
        if self.federation_id == self.member_id:
            raise InvalidStandingOrders(msg("a council cannot be affiliated to itself"))
        if not 1 <= self.delegates <= MAX_DELEGATES:
            raise InvalidStandingOrders(
                msg(
                    "an affiliated council sends from 1 to %(limit)s delegates",
                    limit=MAX_DELEGATES,
                )
            )
        if self.weight < 1:
            raise InvalidStandingOrders(msg("a delegate's vote weighs at least 1"))


@dataclass
class Membership:
    """A person's place in a council.

    A ``member`` or ``delegate`` votes; a ``convenor`` schedules discussion and votes. A
    federation's convenor may hold that role alone, as a secretary without a vote.

    In a federation or congress the members are delegates: ``delegate_of`` names the council
    that elected them and ``weight`` is the weight the standing orders give their vote. A
    membership that has ended (``ended_at``) keeps its history but carries no rights.
    """

    council_id: int
    person_id: int
    roles: frozenset[Role]
    since: datetime
    weight: int = 1
    delegate_of: int | None = None
    ended_at: datetime | None = None
    end_reason: str = ""
    id: int = 0

    def __post_init__(self) -> None:
        self.roles = frozenset(self.roles)
        if not self.roles:
            raise CouncilError(msg("a membership carries at least one role"))
        if (Role.DELEGATE in self.roles) != (self.delegate_of is not None):
            raise CouncilError(msg("a delegate's membership names the council that sent them"))
        if self.weight < 1:
            raise CouncilError(msg("a member's vote weighs at least 1"))

    @property
    def active(self) -> bool:
        """Whether the membership still carries rights."""
        return self.ended_at is None

    @property
    def votes(self) -> bool:
        """Whether this membership carries a vote (a convenor alone has none)."""
        return self.active and bool(self.roles & {Role.MEMBER, Role.DELEGATE})

    @property
    def convenor(self) -> bool:
        """Whether this member convenes the council."""
        return self.active and Role.CONVENOR in self.roles

    def grant(self, role: Role) -> None:
        """Add a role (only convenor may be granted; delegates are elected)."""
        if role is not Role.CONVENOR:
            raise NotAllowed(
                msg(
                    "the %(role)s role is not granted but elected or joined",
                    role=ROLE_NAMES[role],
                )
            )
        self.roles = self.roles | {role}

    def end(self, *, at: datetime, reason: str) -> None:
        """End the membership (recall, resignation): rights stop, history stays."""
        if not self.active:
            raise CouncilError(msg("this membership has already ended"))
        self.ended_at = at
        self.end_reason = check_name(reason, msg("the reason a membership ended"))


@dataclass
class Office:
    """A post filled by election, such as a workplace's manager; recallable at any time."""

    council_id: int
    person_id: int
    post: str
    since: datetime
    appointed_by: int  # the proposal that elected them
    ended_at: datetime | None = None
    ended_by: int | None = None  # the recall proposal
    id: int = 0

    @property
    def active(self) -> bool:
        """Whether the person still holds the post."""
        return self.ended_at is None


@dataclass(frozen=True)
class Invitation:
    """An invitation to join a council; the code is shown once and stored only as a hash."""

    council_id: int
    email: str
    code_hash: str
    invited_by: int
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None
    id: int = 0


#: How many hex digits of a token's hash name an API token (its public id).
API_TOKEN_ID_LENGTH = 12
#: What a token id looks like: that many lower-case hex digits.
API_TOKEN_ID_PATTERN = f"^[0-9a-f]{{{API_TOKEN_ID_LENGTH}}}$"


@dataclass(frozen=True)
class ApiToken:
    """An API token as its owner sees it: never the token, nor its full hash.

    ``id`` is the first :data:`API_TOKEN_ID_LENGTH` hex digits of the token's SHA-256 hash:
    enough to name it, useless for finding the token. A revoked token is kept, with the time
    it was revoked, and no longer signs anyone in.
    """

    id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the token still signs its owner in."""
        return self.revoked_at is None


@dataclass
class Electorate:
    """Who may vote on a council's proposals, and with what weight (the active memberships)."""

    weights: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, memberships: list[Membership]) -> Electorate:
        """The electorate made by these memberships (ended ones left out)."""
        weights: dict[int, int] = {}
        for m in memberships:
            if m.votes:
                weights[m.person_id] = weights.get(m.person_id, 0) + m.weight
        return cls(weights)

    @property
    def total(self) -> int:
        """The electorate's whole weight."""
        return sum(self.weights.values())

    def weight_of(self, person_id: int) -> int:
        """A person's weight; 0 for someone outside the electorate."""
        return self.weights.get(person_id, 0)
