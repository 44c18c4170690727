"""The ports the use cases need: repositories and a unit of work, as Protocols.

The store implements them on SQLAlchemy; the service tests implement them in memory. The
services import only these, never a concrete adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from rada.councils.ballots import Participation, SecretBallot, Vote
from rada.councils.cycle import Cycle
from rada.councils.model import (
    Affiliation,
    ApiToken,
    Council,
    Invitation,
    Membership,
    Office,
    Person,
)
from rada.councils.notices import AccountSettings, Notice, NoticeKind
from rada.councils.proposals import Post, Proposal, Stage
from rada.planning.economy import Economy
from rada.planning.plan import Plan
from rada.record.encoding import Entry


class People(Protocol):
    def add(self, person: Person) -> Person:
        """Store a new person; assigns ``person.id``. Raises Conflict for a taken e-mail."""

    def get(self, person_id: int) -> Person | None: ...

    def by_email(self, email: str) -> Person | None: ...

    def all(self) -> list[Person]: ...

    def emails(self, person_ids: Sequence[int]) -> dict[int, str]:
        """The addresses of those of the people that exist, by id."""

    def of_ids(self, person_ids: Sequence[int]) -> dict[int, Person]:
        """Those of the people with these ids that exist, by id."""

    def save(self, person: Person) -> None:
        """Store a person's changed name or address. Raises Conflict for a taken e-mail."""


class Credentials(Protocol):
    """Secrets kept apart from the domain: password hashes and API-token hashes."""

    def set_password(self, person_id: int, password_hash: str) -> None: ...

    def password_hash(self, person_id: int) -> str | None: ...

    def add_token(
        self, person_id: int, token_hash: str, *, name: str, created_at: datetime
    ) -> None: ...

    def token_owner(self, token_hash: str) -> int | None:
        """The owner of the API token (by hash), unless it is unknown or revoked."""

    def token_owners(self, token_hashes: Sequence[str]) -> dict[str, int]:
        """The owners of those of the API tokens (by hash) that are valid (not revoked)."""

    def tokens_of(self, person_id: int) -> list[ApiToken]:
        """The person's API tokens, revoked ones too, newest first (ties by id)."""

    def revoke_token(self, person_id: int, token_id: str, *, at: datetime) -> ApiToken | None:
        """Revoke the person's token with this id (a prefix of its hash) at ``at``, unless
        already revoked; the token as it now is, or None when the person has no such token."""


class Councils(Protocol):
    def add(self, council: Council) -> Council:
        """Store a new council; assigns ``council.id``. Raises Conflict for a taken slug."""

    def save(self, council: Council) -> None: ...

    def get(self, council_id: int) -> Council | None: ...

    def by_slug(self, slug: str) -> Council | None: ...

    def all(self) -> list[Council]: ...

    def add_affiliation(self, affiliation: Affiliation) -> None: ...

    def save_affiliation(self, affiliation: Affiliation) -> None: ...

    def remove_affiliation(self, federation_id: int, member_id: int) -> None: ...

    def affiliations(self, federation_id: int) -> list[Affiliation]: ...

    def affiliated_to(self, member_id: int) -> list[Affiliation]: ...


class Memberships(Protocol):
    def add(self, membership: Membership) -> Membership: ...

    def save(self, membership: Membership) -> None: ...

    def of(self, council_id: int, person_id: int) -> Membership | None:
        """The person's active membership of the council, if any."""

    def of_people(self, council_id: int, person_ids: Sequence[int]) -> dict[int, Membership]:
        """The active memberships of the council held by any of ``person_ids``, by person."""

    def for_council(self, council_id: int, *, active: bool = True) -> list[Membership]: ...

    def member_ids(self, council_id: int, *, voting: bool = False) -> list[int]:
        """The people with an active seat in the council (those whose seat carries a vote,
        when ``voting``), by membership id; cheaper than :meth:`for_council` for ten
        thousand members."""

    def for_person(self, person_id: int, *, active: bool = True) -> list[Membership]: ...


class Offices(Protocol):
    def add(self, office: Office) -> Office: ...

    def save(self, office: Office) -> None: ...

    def for_council(self, council_id: int, *, active: bool = True) -> list[Office]: ...


class Invitations(Protocol):
    def add(self, invitation: Invitation) -> Invitation: ...

    def by_code_hash(self, code_hash: str) -> Invitation | None: ...

    def accept(self, invitation_id: int, *, at: datetime) -> None: ...


class Proposals(Protocol):
    def add(self, proposal: Proposal) -> Proposal: ...

    def save(self, proposal: Proposal) -> None:
        """Store the proposal's new state and any versions added since it was loaded."""

    def get(self, proposal_id: int, *, for_update: bool = False) -> Proposal | None: ...

    def for_council(self, council_id: int, *, stage: Stage | None = None) -> list[Proposal]: ...

    def to_vote_on(self, proposal_ids: Sequence[int]) -> dict[int, Proposal]:
        """The proposals with these ids, by id, each held until the transaction ends so that
        it cannot be closed meanwhile (but others may vote on it too). The versions of their
        text are left out: a vote does not read them."""


class Posts(Protocol):
    def add(self, post: Post) -> Post: ...

    def save(self, post: Post) -> None:
        """Store versions added since the post was loaded (earlier versions never change,
        except a redaction's tombstone)."""

    def get(self, post_id: int) -> Post | None: ...

    def for_proposal(self, proposal_id: int) -> list[Post]: ...

    def version_by_record_index(self, record_index: int) -> tuple[Post, int] | None:
        """The post one of whose versions is record entry ``record_index``, and that version's
        number."""


class Votes(Protocol):
    """Open votes. A voter's vote has versions: 1 when first cast, the next for each change
    while voting is open. No version is ever rewritten (but for a redaction's tombstone);
    only a voter's latest version counts."""

    def add(self, vote: Vote) -> None:
        """Store an open vote (a version of it). Raises AlreadyVoted when that version is
        stored already; the database's unique key decides, even under concurrency."""

    def add_many(self, votes: Sequence[Vote]) -> None:
        """Store open votes together. Raises AlreadyVoted, storing none, when any of those
        versions is stored already."""

    def voted(self, keys: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
        """Which of these (proposal, voter) pairs have an open vote stored."""

    def latest(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Vote]:
        """The latest version of the vote of each of these (proposal, voter) pairs that has
        voted."""

    def set_record_index(
        self, proposal_id: int, voter_id: int, record_index: int, *, version: int = 1
    ) -> None: ...

    def redact(
        self, proposal_id: int, voter_id: int, *, by_proposal: int, version: int = 1
    ) -> None:
        """Empty one version's choice, as the adopted redaction ``by_proposal`` ordered."""

    def for_proposal(self, proposal_id: int) -> list[Vote]:
        """Each voter's latest version (what counts), in the order cast."""

    def history(self, proposal_id: int) -> list[Vote]:
        """Every version of every vote, by voter and version."""


class Ballots(Protocol):
    def add(self, ballot: SecretBallot, participation: Participation) -> None:
        """Store a secret ballot and, apart, that the voter took part. Raises AlreadyVoted."""

    def add_many(self, ballots: Sequence[tuple[SecretBallot, Participation]]) -> None:
        """Store secret ballots and participations together, the ballots in the order given.
        Raises AlreadyVoted, storing none, when any voter has taken part already."""

    def replace_many(self, replacements: Sequence[tuple[str, SecretBallot]]) -> None:
        """Mark each ballot (the new ballot's proposal, the old receipt hash) replaced and
        store the new ballot; nothing says whose either is. Raises AlreadyVoted when an old
        ballot is no longer current (replaced meanwhile)."""

    def current(self, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which of these (proposal, receipt hash) pairs name a ballot not replaced."""

    def took_part(self, keys: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
        """Which of these (proposal, voter) pairs have taken part in a secret vote."""

    def for_proposal(self, proposal_id: int) -> list[SecretBallot]:
        """The current ballots (not replaced), in receipt-hash order (an order that says
        nothing of who cast them)."""

    def participants(self, proposal_id: int) -> list[Participation]: ...


class Cycles(Protocol):
    def add(self, cycle: Cycle) -> Cycle: ...

    def save(self, cycle: Cycle) -> None: ...

    def get(self, cycle_id: int, *, for_update: bool = False) -> Cycle | None: ...

    def for_congress(self, congress_id: int) -> list[Cycle]: ...


class Settings(Protocol):
    """People's own settings (:class:`~rada.councils.notices.AccountSettings`)."""

    def get(self, person_id: int) -> AccountSettings | None: ...

    def of_people(self, person_ids: Sequence[int]) -> dict[int, AccountSettings]:
        """The settings of those of ``person_ids`` who have any, by person."""

    def save(self, settings: AccountSettings) -> None:
        """Store the settings and their mail choices (replacing the person's earlier ones)."""

    def by_unsubscribe_key(self, key: str) -> AccountSettings | None: ...


class Notices(Protocol):
    """What each person has been told of; at most one notice per person, kind and key."""

    def add_many(
        self, notices: Sequence[Notice], *, digest: Sequence[tuple[int, NoticeKind]] = ()
    ) -> list[Notice]:
        """Store the notices that are new (a person, kind and key not stored yet), assigning
        their ids; those already stored are left out, silently. Notices of a (person, kind)
        in ``digest`` wait for the daily digest. The new ones, in the order given."""

    def for_person(
        self, person_id: int, *, limit: int = 50, before: int | None = None, unread: bool = False
    ) -> list[Notice]:
        """The person's notices, newest first (by id), those with ids below ``before``."""

    def unread_count(self, person_id: int) -> int: ...

    def mark_read(self, person_id: int, *, at: datetime, ids: Sequence[int] | None = None) -> int:
        """Mark the person's notices read (all of them when ``ids`` is None); how many were
        unread."""

    def get(self, notice_id: int) -> Notice | None: ...

    def waiting_for_digest(
        self, *, limit: int, before: datetime | None = None, after_person: int = 0
    ) -> dict[int, list[Notice]]:
        """Notices waiting for a digest, by person in order of id (at most ``limit`` people,
        each with an id above ``after_person``), those created before ``before`` when it is
        given."""

    def digested(self, notice_ids: Sequence[int], *, at: datetime) -> int:
        """Mark the notices sent in a digest; how many of them were still waiting."""


@dataclass
class OutgoingMail:
    """A mail waiting in the outbox (or taken from it): to whom, what for, and what its words
    need. ``notice_id`` names the notice it tells of, if it does."""

    address: str
    purpose: str
    language: str
    created_at: datetime
    due_at: datetime
    person_id: int | None = None
    notice_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    id: int = 0


class Outbox(Protocol):
    """Mail to send, written in the transaction of the change that causes it."""

    def add_many(self, mails: Sequence[OutgoingMail]) -> None: ...

    def claim(self, *, now: datetime, until: datetime, limit: int) -> list[OutgoingMail]:
        """Take up to ``limit`` mails that are due and not held by another worker, oldest
        first, holding them until ``until``; their ``attempts`` counts this one."""

    def sent(
        self,
        mail_ids: Sequence[int],
        *,
        at: datetime,
        kept: Mapping[int, dict[str, Any]] | None = None,
    ) -> None:
        """Mark mails sent and empty their payloads (which may hold a secret link); a mail in
        ``kept`` keeps that payload instead (a mail delivered to the local outbox keeps its
        rendered words, for the outbox page)."""

    def retry(self, mail_id: int, *, at: datetime, error: str) -> None:
        """Let the mail be tried again at ``at`` (after a passing failure)."""

    def give_up(self, mail_id: int, *, at: datetime, error: str) -> None:
        """Stop trying the mail (after a refusal, or too many failures)."""

    def waiting(self) -> int:
        """How many mails are neither sent nor given up."""

    def recent(self, *, limit: int) -> list[tuple[OutgoingMail, datetime | None, str | None]]:
        """The latest mails, newest first, with when each was sent and its last error."""


class AccountTokens(Protocol):
    """Single-use tokens sent by mail, kept as hashes."""

    def add(
        self, token_hash: str, *, person_id: int, purpose: str, created_at: datetime,
        expires_at: datetime, email: str | None = None,
    ) -> None: ...  # fmt: skip

    def use(self, token_hash: str, *, purpose: str, at: datetime) -> tuple[int, str | None] | None:
        """Spend the token: its person and address, when it exists for ``purpose``, has not
        been used and has not expired at ``at``; None otherwise (and nothing changes)."""

    def drop_unused(self, person_id: int, *, purpose: str, at: datetime) -> None:
        """Spend the person's unused tokens for ``purpose`` (a new one replaces them)."""

    def last_issued(self, person_id: int, *, purpose: str) -> datetime | None:
        """When the person's latest token for ``purpose`` was made, used or not (None: never);
        it spaces out the mails a person can have sent."""


class Record(Protocol):
    """The public record, written in the same transaction as the change it records."""

    def append(self, entries: Sequence[Entry]) -> range: ...

    def read(self, index: int) -> Entry | None:
        """The entry at ``index``; None when there is none or it has been redacted."""

    def redact(
        self,
        target: int,
        *,
        decision: int,
        reason: str,
        now: datetime,
        kept: dict[str, Any] | None = None,
    ) -> int:
        """Replace entry ``target``'s content by a tombstone, as entry ``decision`` ordered,
        appending the redaction entry (with ``kept``: what of the target is not content)."""

    def redaction_of(self, index: int) -> int | None:
        """The index of the redaction entry that redacted entry ``index``, if any."""


@dataclass(frozen=True)
class SearchDocument:
    """What the search index holds of one public thing: a proposal (its title and latest
    text), a post (its latest text), a decision (its summary) or a council (its name and
    description). ``ref`` is the thing's id (a decision's is its proposal's); ``proposal`` the
    proposal a post or decision belongs to. Nothing secret is ever a document."""

    kind: str  # "proposal" | "post" | "decision" | "council"
    ref: int
    council: int | None
    title: str
    body: str
    proposal: int | None = None


@dataclass(frozen=True)
class SearchQuery:
    """A reader's query made safe: diacritic-folded, case-folded words (letters and digits
    only), all of which a document must contain; the last may be the start of a word."""

    terms: tuple[str, ...]
    prefix: bool = True


#: A piece of a snippet: its text, and whether it matched a word of the query. Pages escape
#: the text themselves and mark the matches; nothing from the database is taken as HTML.
Segment = tuple[str, bool]


@dataclass(frozen=True)
class SearchHit:
    """One document found: what it is, where it is, its title (for a post or decision, its
    proposal's), a snippet of its text around the first match, and its rank (higher first)."""

    kind: str
    ref: int
    council: int | None
    proposal: int | None
    title: str
    snippet: tuple[Segment, ...]
    rank: float


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, best first; ``has_more`` when another page follows."""

    hits: tuple[SearchHit, ...]
    has_more: bool


class Search(Protocol):
    """The full-text index of what is public (``docs/search.md``), kept in step with the
    record by :mod:`rada.services.indexing` in the transaction of each change."""

    def index(self, documents: Sequence[SearchDocument]) -> None:
        """Add the documents, replacing any of the same kind and ref."""

    def remove(self, kind: str, ref: int) -> None:
        """Forget a document (nothing happens when there is none)."""

    def search(
        self, query: SearchQuery, *, limit: int, offset: int, council: int | None = None
    ) -> SearchResults:
        """The documents that contain every term (of ``council`` only, when given), best
        first, ``limit`` of them after skipping ``offset``."""


class UnitOfWork(Protocol):
    """One transaction over every repository: commit makes all of it durable, or none."""

    @property
    def people(self) -> People: ...

    @property
    def credentials(self) -> Credentials: ...

    @property
    def councils(self) -> Councils: ...

    @property
    def memberships(self) -> Memberships: ...

    @property
    def offices(self) -> Offices: ...

    @property
    def invitations(self) -> Invitations: ...

    @property
    def proposals(self) -> Proposals: ...

    @property
    def posts(self) -> Posts: ...

    @property
    def votes(self) -> Votes: ...

    @property
    def ballots(self) -> Ballots: ...

    @property
    def cycles(self) -> Cycles: ...

    @property
    def record(self) -> Record: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def notices(self) -> Notices: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def account_tokens(self) -> AccountTokens: ...

    @property
    def search(self) -> Search: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Clock(Protocol):
    def __call__(self) -> datetime:
        """The current time, with its time zone."""


class PlanSolver(Protocol):
    """Solves a batch of economies' plans, the plans in the economies' order.

    A round of the planning cycle solves several independent plans at once (the replan, and
    the previous round once per contest, to say what each contest alone changes). By default
    they are solved one after another in this process (:func:`rada.services.planning_cycle.
    solve_each`); :func:`rada.bootstrap.plan_solver` gives a Dask cluster's instead when one
    is configured. A planning error (an infeasible plan) is raised, as by ``solve_plan``.
    """

    def __call__(self, economies: Sequence[Economy]) -> list[Plan]: ...
