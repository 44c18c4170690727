"""An in-memory unit of work: the ports implemented on dictionaries.

It gives the service tests a fast, faithful stand-in for the database (the same uniqueness
rules, commit and rollback), and lets a throwaway instance run with no database at all. Its
record encodes and hashes entries exactly as the store does, so its leaf hashes are real.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any

from rada.councils.ballots import Participation, SecretBallot, Vote
from rada.councils.cycle import Cycle
from rada.councils.errors import AlreadyVoted, Conflict
from rada.councils.model import (
    API_TOKEN_ID_LENGTH,
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
from rada.councils.text import msg
from rada.record.encoding import (
    Entry,
    EntryKind,
    check_entry_size,
    decode_entry,
    encode_entry,
)
from rada.record.merkle import leaf_hash
from rada.record.redaction import Tombstone, redaction_entry
from rada.services.ports import (
    OutgoingMail,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from rada.services.searching import fold, matches, snippet


@dataclass
class StoredToken:
    """An API token's row: its owner, name and times (the token itself is not kept)."""

    person_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass
class MemoryState:
    """Everything a memory unit of work stores; commit replaces it, rollback forgets."""

    people: dict[int, Person] = field(default_factory=dict)
    passwords: dict[int, str] = field(default_factory=dict)
    tokens: dict[str, StoredToken] = field(default_factory=dict)  # by the token's hash
    councils: dict[int, Council] = field(default_factory=dict)
    affiliations: list[Affiliation] = field(default_factory=list)
    memberships: dict[int, Membership] = field(default_factory=dict)
    offices: dict[int, Office] = field(default_factory=dict)
    invitations: dict[int, Invitation] = field(default_factory=dict)
    proposals: dict[int, Proposal] = field(default_factory=dict)
    posts: dict[int, Post] = field(default_factory=dict)
    votes: dict[tuple[int, int, int], Vote] = field(default_factory=dict)
    ballots: dict[tuple[int, str], SecretBallot] = field(default_factory=dict)
    participations: dict[tuple[int, int], Participation] = field(default_factory=dict)
    cycles: dict[int, dict[str, object]] = field(default_factory=dict)
    entries: list[bytes] = field(default_factory=list)
    leaves: list[bytes] = field(default_factory=list)
    redacted: dict[int, int] = field(default_factory=dict)
    settings: dict[int, AccountSettings] = field(default_factory=dict)
    notices: dict[int, Notice] = field(default_factory=dict)
    digest_waiting: set[int] = field(default_factory=set)  # notice ids
    outbox: dict[int, OutgoingMail] = field(default_factory=dict)
    mail_state: dict[int, dict[str, Any]] = field(default_factory=dict)  # sent, given up...
    account_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    search: dict[tuple[str, int], SearchDocument] = field(default_factory=dict)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class _Repo:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def s(self) -> MemoryState:
        return self._uow.state


class _People(_Repo):
    def add(self, person: Person) -> Person:
        if self.by_email(person.email) is not None:
            raise Conflict(msg("an account for %(email)s exists", email=person.email))
        person.id = self.s.new_id()
        self.s.people[person.id] = copy.deepcopy(person)
        return person

    def get(self, person_id: int) -> Person | None:
        found = self.s.people.get(person_id)
        return copy.deepcopy(found)

    def by_email(self, email: str) -> Person | None:
        return next((copy.deepcopy(p) for p in self.s.people.values() if p.email == email), None)

    def all(self) -> list[Person]:
        return [copy.deepcopy(p) for p in self.s.people.values()]

    def of_ids(self, person_ids: Sequence[int]) -> dict[int, Person]:
        return {i: copy.deepcopy(self.s.people[i]) for i in person_ids if i in self.s.people}

    def emails(self, person_ids: Sequence[int]) -> dict[int, str]:
        return {i: self.s.people[i].email for i in person_ids if i in self.s.people}

    def save(self, person: Person) -> None:
        other = self.by_email(person.email)
        if other is not None and other.id != person.id:
            raise Conflict(msg("an account for %(email)s exists", email=person.email))
        self.s.people[person.id] = copy.deepcopy(person)


class _Credentials(_Repo):
    def set_password(self, person_id: int, password_hash: str) -> None:
        self.s.passwords[person_id] = password_hash

    def password_hash(self, person_id: int) -> str | None:
        return self.s.passwords.get(person_id)

    def add_token(
        self, person_id: int, token_hash: str, *, name: str, created_at: datetime
    ) -> None:
        self.s.tokens[token_hash] = StoredToken(person_id, name, created_at)

    def token_owner(self, token_hash: str) -> int | None:
        return self.token_owners([token_hash]).get(token_hash)

    def token_owners(self, token_hashes: Sequence[str]) -> dict[str, int]:
        found = {h: self.s.tokens.get(h) for h in token_hashes}
        return {h: t.person_id for h, t in found.items() if t is not None and t.revoked_at is None}

    def _mine(self, person_id: int) -> list[tuple[str, StoredToken]]:
        return sorted((h, t) for h, t in self.s.tokens.items() if t.person_id == person_id)

    def tokens_of(self, person_id: int) -> list[ApiToken]:
        tokens = [_api_token(h, t) for h, t in self._mine(person_id)]
        # Newest first, ties by id (the sort is stable, reversed or not), as the store does.
        return sorted(tokens, key=lambda t: t.created_at, reverse=True)

    def revoke_token(self, person_id: int, token_id: str, *, at: datetime) -> ApiToken | None:
        found = None
        for h, token in self._mine(person_id):
            if h[:API_TOKEN_ID_LENGTH] == token_id:
                if token.revoked_at is None:
                    token.revoked_at = at
                found = found or _api_token(h, token)
        return found


def _api_token(token_hash: str, token: StoredToken) -> ApiToken:
    return ApiToken(
        id=token_hash[:API_TOKEN_ID_LENGTH],
        name=token.name,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
    )


class _Councils(_Repo):
    def add(self, council: Council) -> Council:
        if self.by_slug(council.slug) is not None:
            raise Conflict(msg("the short name %(slug)r is taken", slug=council.slug))
        council.id = self.s.new_id()
        self.s.councils[council.id] = copy.deepcopy(council)
        return council

    def save(self, council: Council) -> None:
        self.s.councils[council.id] = copy.deepcopy(council)

    def get(self, council_id: int) -> Council | None:
        return copy.deepcopy(self.s.councils.get(council_id))

    def by_slug(self, slug: str) -> Council | None:
        return next((copy.deepcopy(c) for c in self.s.councils.values() if c.slug == slug), None)

    def all(self) -> list[Council]:
        return [copy.deepcopy(c) for c in self.s.councils.values()]

    def add_affiliation(self, affiliation: Affiliation) -> None:
        self.s.affiliations.append(affiliation)

    def save_affiliation(self, affiliation: Affiliation) -> None:
        key = (affiliation.federation_id, affiliation.member_id)
        self.s.affiliations = [
            affiliation if (a.federation_id, a.member_id) == key else a for a in self.s.affiliations
        ]

    def remove_affiliation(self, federation_id: int, member_id: int) -> None:
        self.s.affiliations = [
            a
            for a in self.s.affiliations
            if (a.federation_id, a.member_id) != (federation_id, member_id)
        ]

    def affiliations(self, federation_id: int) -> list[Affiliation]:
        return [a for a in self.s.affiliations if a.federation_id == federation_id]

    def affiliated_to(self, member_id: int) -> list[Affiliation]:
        return [a for a in self.s.affiliations if a.member_id == member_id]


class _Memberships(_Repo):
    def add(self, membership: Membership) -> Membership:
        if self.of(membership.council_id, membership.person_id) is not None:
            raise Conflict(msg("already a member"))
        membership.id = self.s.new_id()
        self.s.memberships[membership.id] = copy.deepcopy(membership)
        return membership

    def save(self, membership: Membership) -> None:
        self.s.memberships[membership.id] = copy.deepcopy(membership)

    def of(self, council_id: int, person_id: int) -> Membership | None:
        return next(
            (
                copy.deepcopy(m)
                for m in self.s.memberships.values()
                if m.council_id == council_id and m.person_id == person_id and m.active
            ),
            None,
        )

    def of_people(self, council_id: int, person_ids: Sequence[int]) -> dict[int, Membership]:
        wanted = set(person_ids)
        return {
            m.person_id: copy.deepcopy(m)
            for m in self.s.memberships.values()
            if m.council_id == council_id and m.person_id in wanted and m.active
        }

    def for_council(self, council_id: int, *, active: bool = True) -> list[Membership]:
        return [
            copy.deepcopy(m)
            for m in self.s.memberships.values()
            if m.council_id == council_id and (m.active or not active)
        ]

    def member_ids(self, council_id: int, *, voting: bool = False) -> list[int]:
        return [
            m.person_id
            for _, m in sorted(self.s.memberships.items())
            if m.council_id == council_id and m.active and (m.votes or not voting)
        ]

    def for_person(self, person_id: int, *, active: bool = True) -> list[Membership]:
        return [
            copy.deepcopy(m)
            for m in self.s.memberships.values()
            if m.person_id == person_id and (m.active or not active)
        ]


class _Offices(_Repo):
    def add(self, office: Office) -> Office:
        office.id = self.s.new_id()
        self.s.offices[office.id] = copy.deepcopy(office)
        return office

    def save(self, office: Office) -> None:
        self.s.offices[office.id] = copy.deepcopy(office)

    def for_council(self, council_id: int, *, active: bool = True) -> list[Office]:
        return [
            copy.deepcopy(o)
            for o in self.s.offices.values()
            if o.council_id == council_id and (o.active or not active)
        ]


class _Invitations(_Repo):
    def add(self, invitation: Invitation) -> Invitation:
        stored = replace(invitation, id=self.s.new_id())
        self.s.invitations[stored.id] = stored
        return stored

    def by_code_hash(self, code_hash: str) -> Invitation | None:
        return next((i for i in self.s.invitations.values() if i.code_hash == code_hash), None)

    def accept(self, invitation_id: int, *, at: datetime) -> None:
        self.s.invitations[invitation_id] = replace(
            self.s.invitations[invitation_id], accepted_at=at
        )


class _Proposals(_Repo):
    def add(self, proposal: Proposal) -> Proposal:
        proposal.id = self.s.new_id()
        self.s.proposals[proposal.id] = copy.deepcopy(proposal)
        return proposal

    def save(self, proposal: Proposal) -> None:
        stored = self.s.proposals[proposal.id]
        if proposal.versions[: len(stored.versions) - 1] != stored.versions[:-1]:
            raise AssertionError("earlier versions of a proposal never change")
        self.s.proposals[proposal.id] = copy.deepcopy(proposal)

    def get(self, proposal_id: int, *, for_update: bool = False) -> Proposal | None:
        return copy.deepcopy(self.s.proposals.get(proposal_id))

    def to_vote_on(self, proposal_ids: Sequence[int]) -> dict[int, Proposal]:
        return {
            i: dataclasses.replace(copy.deepcopy(self.s.proposals[i]), versions=[])
            for i in proposal_ids
            if i in self.s.proposals
        }

    def for_council(self, council_id: int, *, stage: Stage | None = None) -> list[Proposal]:
        return [
            copy.deepcopy(p)
            for p in self.s.proposals.values()
            if p.council_id == council_id and (stage is None or p.stage is stage)
        ]


class _Posts(_Repo):
    def add(self, post: Post) -> Post:
        post.id = self.s.new_id()
        self.s.posts[post.id] = copy.deepcopy(post)
        return post

    def save(self, post: Post) -> None:
        self.s.posts[post.id] = copy.deepcopy(post)

    def get(self, post_id: int) -> Post | None:
        return copy.deepcopy(self.s.posts.get(post_id))

    def for_proposal(self, proposal_id: int) -> list[Post]:
        return [copy.deepcopy(p) for p in self.s.posts.values() if p.proposal_id == proposal_id]

    def version_by_record_index(self, record_index: int) -> tuple[Post, int] | None:
        for post in self.s.posts.values():
            for version in post.versions:
                if version.record_index == record_index:
                    return copy.deepcopy(post), version.number
        return None


class _Votes(_Repo):
    # Keyed by (proposal, voter, version): every version is kept, as the store keeps it.
    def add(self, vote: Vote) -> None:
        self.add_many([vote])

    def add_many(self, votes: Sequence[Vote]) -> None:
        keys = [(v.proposal_id, v.voter_id, v.version) for v in votes]
        if len(set(keys)) < len(keys) or any(key in self.s.votes for key in keys):
            raise AlreadyVoted(msg("you have already voted on this proposal"))
        for key, vote in zip(keys, votes, strict=True):
            self.s.votes[key] = vote

    def voted(self, keys: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
        return set(self.latest(keys))

    def latest(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Vote]:
        wanted = set(keys)
        found: dict[tuple[int, int], Vote] = {}
        for (p, v, _), vote in sorted(self.s.votes.items()):
            if (p, v) in wanted:
                found[p, v] = vote
        return found

    def set_record_index(
        self, proposal_id: int, voter_id: int, record_index: int, *, version: int = 1
    ) -> None:
        key = (proposal_id, voter_id, version)
        self.s.votes[key] = replace(self.s.votes[key], record_index=record_index)

    def redact(
        self, proposal_id: int, voter_id: int, *, by_proposal: int, version: int = 1
    ) -> None:
        key = (proposal_id, voter_id, version)
        if key in self.s.votes and self.s.votes[key].redacted_by is None:
            self.s.votes[key] = replace(self.s.votes[key], choice={}, redacted_by=by_proposal)

    def for_proposal(self, proposal_id: int) -> list[Vote]:
        latest: dict[int, Vote] = {}
        for vote in self.history(proposal_id):
            latest[vote.voter_id] = vote
        return sorted(latest.values(), key=lambda v: (v.cast_at, v.voter_id))

    def history(self, proposal_id: int) -> list[Vote]:
        return [v for (p, _, _), v in sorted(self.s.votes.items()) if p == proposal_id]


class _Ballots(_Repo):
    def add(self, ballot: SecretBallot, participation: Participation) -> None:
        self.add_many([(ballot, participation)])

    def add_many(self, ballots: Sequence[tuple[SecretBallot, Participation]]) -> None:
        keys = [(x.proposal_id, x.voter_id) for _, x in ballots]
        if len(set(keys)) < len(keys) or self.took_part(keys):
            raise AlreadyVoted(msg("you have already voted on this proposal"))
        for ballot, participation in ballots:
            self.s.participations[participation.proposal_id, participation.voter_id] = participation
            self.s.ballots[(ballot.proposal_id, ballot.receipt_hash)] = ballot

    def replace_many(self, replacements: Sequence[tuple[str, SecretBallot]]) -> None:
        olds = [(new.proposal_id, old) for old, new in replacements]
        if len(set(olds)) < len(olds) or self.current(olds) != set(olds):
            raise AlreadyVoted(msg("this ballot has been replaced already"))
        for key, (_, new) in zip(olds, replacements, strict=True):
            self.s.ballots[key] = replace(self.s.ballots[key], replaced=True)
            self.s.ballots[(new.proposal_id, new.receipt_hash)] = new

    def current(self, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        return {k for k in keys if k in self.s.ballots and not self.s.ballots[k].replaced}

    def took_part(self, keys: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
        return {key for key in keys if key in self.s.participations}

    def for_proposal(self, proposal_id: int) -> list[SecretBallot]:
        return [
            b for (p, _), b in sorted(self.s.ballots.items()) if p == proposal_id and not b.replaced
        ]

    def participants(self, proposal_id: int) -> list[Participation]:
        return [x for (p, _), x in self.s.participations.items() if p == proposal_id]


class _Cycles(_Repo):
    # Kept as the JSON mapping the store keeps, so both adapters round-trip alike.
    def add(self, cycle: Cycle) -> Cycle:
        cycle.id = self.s.new_id()
        self.s.cycles[cycle.id] = cycle.to_dict()
        return cycle

    def save(self, cycle: Cycle) -> None:
        self.s.cycles[cycle.id] = cycle.to_dict()

    def get(self, cycle_id: int, *, for_update: bool = False) -> Cycle | None:
        data = self.s.cycles.get(cycle_id)
        return None if data is None else Cycle.from_dict(copy.deepcopy(data), id=cycle_id)

    def for_congress(self, congress_id: int) -> list[Cycle]:
        return [
            Cycle.from_dict(copy.deepcopy(d), id=i)
            for i, d in self.s.cycles.items()
            if d["congress"] == congress_id
        ]


class _Record(_Repo):
    def append(self, entries: Sequence[Entry]) -> range:
        start = len(self.s.entries)
        encoded = [
            check_entry_size(encode_entry(e, index=start + i), index=start + i)
            for i, e in enumerate(entries)
        ]
        for data in encoded:
            self.s.entries.append(data)
            self.s.leaves.append(leaf_hash(data))
        return range(start, len(self.s.entries))

    def read(self, index: int) -> Entry | None:
        if not 0 <= index < len(self.s.entries) or index in self.s.redacted:
            return None
        return decode_entry(self.s.entries[index])[1]

    def redaction_of(self, index: int) -> int | None:
        return self.s.redacted.get(index)

    def redact(
        self,
        target: int,
        *,
        decision: int,
        reason: str,
        now: datetime,
        kept: dict[str, Any] | None = None,
    ) -> int:
        if target in self.s.redacted:
            raise Conflict(msg("entry %(entry)s is already redacted", entry=target))
        order = self.read(decision)
        if order is None or order.kind is not EntryKind.DECISION:
            raise Conflict(msg("entry %(entry)s is not a decision", entry=decision))
        entry = redaction_entry(
            target=target,
            target_leaf_hash=self.s.leaves[target],
            decision=decision,
            reason=reason,
            time=now,
            kept=kept,
        )
        (index,) = self.append([entry])
        self.s.entries[target] = Tombstone(
            redaction=index, decision=decision, reason=reason
        ).encode()
        self.s.redacted[target] = index
        return index


class _Settings(_Repo):
    def get(self, person_id: int) -> AccountSettings | None:
        return copy.deepcopy(self.s.settings.get(person_id))

    def of_people(self, person_ids: Sequence[int]) -> dict[int, AccountSettings]:
        return {i: copy.deepcopy(self.s.settings[i]) for i in person_ids if i in self.s.settings}

    def save(self, settings: AccountSettings) -> None:
        for other in self.s.settings.values():
            if other.person_id != settings.person_id and (
                other.unsubscribe_key == settings.unsubscribe_key
            ):
                raise Conflict(msg("that unsubscribe key is taken"))
        self.s.settings[settings.person_id] = copy.deepcopy(settings)

    def by_unsubscribe_key(self, key: str) -> AccountSettings | None:
        return next(
            (copy.deepcopy(v) for v in self.s.settings.values() if v.unsubscribe_key == key),
            None,
        )


class _Notices(_Repo):
    def add_many(
        self, notices: Sequence[Notice], *, digest: Sequence[tuple[int, NoticeKind]] = ()
    ) -> list[Notice]:
        taken = {(n.person_id, n.kind, n.key) for n in self.s.notices.values()}
        added = []
        for n in notices:
            if (n.person_id, n.kind, n.key) in taken or n.id:
                continue
            taken.add((n.person_id, n.kind, n.key))
            n.id = self.s.new_id()
            self.s.notices[n.id] = copy.deepcopy(n)
            if (n.person_id, n.kind) in set(digest):
                self.s.digest_waiting.add(n.id)
            added.append(n)
        return added

    def for_person(
        self, person_id: int, *, limit: int = 50, before: int | None = None, unread: bool = False
    ) -> list[Notice]:
        found = [
            copy.deepcopy(n)
            for i, n in sorted(self.s.notices.items(), reverse=True)
            if n.person_id == person_id
            and (before is None or i < before)
            and (not unread or n.read_at is None)
        ]
        return found[:limit]

    def unread_count(self, person_id: int) -> int:
        return sum(
            1 for n in self.s.notices.values() if n.person_id == person_id and n.read_at is None
        )

    def mark_read(self, person_id: int, *, at: datetime, ids: Sequence[int] | None = None) -> int:
        wanted = None if ids is None else set(ids)
        count = 0
        for n in self.s.notices.values():
            if (
                n.person_id == person_id
                and n.read_at is None
                and (wanted is None or n.id in wanted)
            ):
                n.read_at = at
                count += 1
        return count

    def get(self, notice_id: int) -> Notice | None:
        return copy.deepcopy(self.s.notices.get(notice_id))

    def waiting_for_digest(
        self, *, limit: int, before: datetime | None = None, after_person: int = 0
    ) -> dict[int, list[Notice]]:
        waiting = [
            n
            for n in (self.s.notices[i] for i in sorted(self.s.digest_waiting))
            if n.person_id > after_person and (before is None or n.created_at < before)
        ]
        people = sorted({n.person_id for n in waiting})[:limit]
        found: dict[int, list[Notice]] = {person: [] for person in people}
        for n in waiting:
            if n.person_id in found:
                found[n.person_id].append(copy.deepcopy(n))
        return found

    def digested(self, notice_ids: Sequence[int], *, at: datetime) -> int:
        waiting = self.s.digest_waiting & set(notice_ids)
        self.s.digest_waiting.difference_update(waiting)
        return len(waiting)


class _Outbox(_Repo):
    def add_many(self, mails: Sequence[OutgoingMail]) -> None:
        for m in mails:
            m.id = self.s.new_id()
            self.s.outbox[m.id] = copy.deepcopy(m)
            self.s.mail_state[m.id] = {"sent_at": None, "given_up_at": None, "until": None,
                                       "error": None}  # fmt: skip

    def _open(self, mail_id: int) -> bool:
        state = self.s.mail_state[mail_id]
        return state["sent_at"] is None and state["given_up_at"] is None

    def claim(self, *, now: datetime, until: datetime, limit: int) -> list[OutgoingMail]:
        due = sorted(
            (m for i, m in self.s.outbox.items()
             if self._open(i) and m.due_at <= now
             and (self.s.mail_state[i]["until"] is None or self.s.mail_state[i]["until"] <= now)),
            key=lambda m: (m.due_at, m.id),
        )[:limit]  # fmt: skip
        for m in due:
            m.attempts += 1
            self.s.mail_state[m.id]["until"] = until
        return [copy.deepcopy(m) for m in due]

    def sent(
        self,
        mail_ids: Sequence[int],
        *,
        at: datetime,
        kept: Mapping[int, dict[str, Any]] | None = None,
    ) -> None:
        for i in mail_ids:
            self.s.mail_state[i].update(sent_at=at, until=None, error=None)
            self.s.outbox[i].payload = copy.deepcopy((kept or {}).get(i, {}))

    def retry(self, mail_id: int, *, at: datetime, error: str) -> None:
        self.s.outbox[mail_id].due_at = at
        self.s.mail_state[mail_id].update(until=None, error=error[:1000])

    def give_up(self, mail_id: int, *, at: datetime, error: str) -> None:
        self.s.mail_state[mail_id].update(given_up_at=at, until=None, error=error[:1000])
        self.s.outbox[mail_id].payload = {}

    def waiting(self) -> int:
        return sum(1 for i in self.s.outbox if self._open(i))

    def recent(self, *, limit: int) -> list[tuple[OutgoingMail, datetime | None, str | None]]:
        return [
            (copy.deepcopy(m), self.s.mail_state[i]["sent_at"], self.s.mail_state[i]["error"])
            for i, m in sorted(self.s.outbox.items(), reverse=True)[:limit]
        ]


class _AccountTokens(_Repo):
    def add(
        self,
        token_hash: str,
        *,
        person_id: int,
        purpose: str,
        created_at: datetime,
        expires_at: datetime,
        email: str | None = None,
    ) -> None:
        if token_hash in self.s.account_tokens:
            raise Conflict(msg("that token exists"))
        self.s.account_tokens[token_hash] = {
            "person_id": person_id, "purpose": purpose, "email": email,
            "created_at": created_at, "expires_at": expires_at, "used_at": None,
        }  # fmt: skip

    def use(self, token_hash: str, *, purpose: str, at: datetime) -> tuple[int, str | None] | None:
        token = self.s.account_tokens.get(token_hash)
        if (
            token is None
            or token["purpose"] != purpose
            or token["used_at"] is not None
            or token["expires_at"] <= at
        ):
            return None
        token["used_at"] = at
        return int(token["person_id"]), token["email"]

    def drop_unused(self, person_id: int, *, purpose: str, at: datetime) -> None:
        for token in self.s.account_tokens.values():
            mine = token["person_id"] == person_id and token["purpose"] == purpose
            if mine and token["used_at"] is None:
                token["used_at"] = at

    def last_issued(self, person_id: int, *, purpose: str) -> datetime | None:
        times = [
            t["created_at"]
            for t in self.s.account_tokens.values()
            if t["person_id"] == person_id and t["purpose"] == purpose
        ]
        return max(times, default=None)


class _Search(_Repo):
    """Search by folded words, ranked by how often they occur (a title's count thrice)."""

    def index(self, documents: Sequence[SearchDocument]) -> None:
        for d in documents:
            self.s.search[(d.kind, d.ref)] = d

    def remove(self, kind: str, ref: int) -> None:
        self.s.search.pop((kind, ref), None)

    def search(
        self, query: SearchQuery, *, limit: int, offset: int, council: int | None = None
    ) -> SearchResults:
        found: list[tuple[float, SearchDocument]] = []
        for d in self.s.search.values():
            if council is not None and d.council != council:
                continue
            score = matches(f"{d.title}\n{d.body}", query)
            if score:
                found.append((score + 2 * matches(fold(d.title), query), d))
        found.sort(key=lambda pair: (-pair[0], pair[1].kind, pair[1].ref))
        page = found[offset : offset + limit]
        hits = []
        for rank, d in page:
            owner = self.s.search.get(("proposal", d.proposal)) if d.proposal else None
            title = owner.title if owner is not None else d.title
            hits.append(SearchHit(d.kind, d.ref, d.council, d.proposal, title,
                                  snippet(d.body or d.title, query), rank))  # fmt: skip
        return SearchResults(tuple(hits), has_more=len(found) > offset + limit)


class MemoryUnitOfWork:
    """A unit of work over a shared :class:`MemoryState` (pass the same state to see
    committed changes in a later unit of work)."""

    def __init__(self, state: MemoryState | None = None) -> None:
        self.committed = state or MemoryState()
        self.state = self.committed
        self.people = _People(self)
        self.credentials = _Credentials(self)
        self.councils = _Councils(self)
        self.memberships = _Memberships(self)
        self.offices = _Offices(self)
        self.invitations = _Invitations(self)
        self.proposals = _Proposals(self)
        self.posts = _Posts(self)
        self.votes = _Votes(self)
        self.ballots = _Ballots(self)
        self.cycles = _Cycles(self)
        self.record = _Record(self)
        self.settings = _Settings(self)
        self.notices = _Notices(self)
        self.outbox = _Outbox(self)
        self.account_tokens = _AccountTokens(self)
        self.search = _Search(self)

    def __enter__(self) -> MemoryUnitOfWork:
        self.state = copy.deepcopy(self.committed)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.committed.__dict__.update(copy.deepcopy(self.state).__dict__)

    def rollback(self) -> None:
        self.state = copy.deepcopy(self.committed)
