"""Repositories for people, their credentials, councils, memberships, offices and invitations.

Each maps rows onto the domain's classes by hand (data mappers): the domain knows nothing of
the tables, and a loaded object is a fresh copy that the services save back explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from rada.councils.errors import Conflict
from rada.councils.model import (
    API_TOKEN_ID_LENGTH,
    Affiliation,
    ApiToken,
    Council,
    Invitation,
    Membership,
    Office,
    Person,
    storable,
)
from rada.councils.orders import CouncilKind, Role, StandingOrders
from rada.councils.text import msg
from rada.store.base import SqlRepository
from rada.store.councils_tables import (
    affiliations,
    api_tokens,
    councils,
    credentials,
    invitations,
    memberships,
    offices,
    people,
)

__all__ = [
    "SqlCouncils",
    "SqlCredentials",
    "SqlInvitations",
    "SqlMemberships",
    "SqlOffices",
    "SqlPeople",
]


# The most ids one statement names (SQLite allows 32,766 parameters, PostgreSQL 65,535).
_CHUNK = 5000


def _person(row: Row[Any]) -> Person:
    return Person(name=row.name, email=row.email, joined_at=row.joined_at, id=row.id)


class SqlPeople(SqlRepository):
    def add(self, person: Person) -> Person:
        """Store a new person; assigns ``person.id``. Raises Conflict for a taken e-mail."""
        values = {"name": person.name, "email": person.email, "joined_at": person.joined_at}
        try:
            with self.refusal():
                person.id = self.insert_id(people, values)
        except IntegrityError as error:
            if self.by_email(person.email) is None:
                raise
            raise Conflict(msg("an account for %(email)s exists", email=person.email)) from error
        return person

    def get(self, person_id: int) -> Person | None:
        row = self.conn.execute(select(people).where(people.c.id == person_id)).first()
        return None if row is None else _person(row)

    def by_email(self, email: str) -> Person | None:
        if not storable(email):  # typed by anyone: it finds nobody, and PostgreSQL refuses it
            return None
        row = self.conn.execute(select(people).where(people.c.email == email)).first()
        return None if row is None else _person(row)

    def all(self) -> list[Person]:
        return [_person(r) for r in self.conn.execute(select(people).order_by(people.c.id))]

    def emails(self, person_ids: Sequence[int]) -> dict[int, str]:
        ids = sorted(set(person_ids))
        found: dict[int, str] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = self.conn.execute(
                select(people.c.id, people.c.email).where(
                    people.c.id.in_(ids[start : start + _CHUNK])
                )
            )
            found.update((int(i), str(e)) for i, e in rows)
        return found

    def of_ids(self, person_ids: Sequence[int]) -> dict[int, Person]:
        """Those of the people that exist, by id (in chunks, within every database's limit
        on a statement's parameters)."""
        ids = sorted(set(person_ids))
        found: dict[int, Person] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = self.conn.execute(
                select(people).where(people.c.id.in_(ids[start : start + _CHUNK]))
            )
            found.update((r.id, _person(r)) for r in rows)
        return found

    def save(self, person: Person) -> None:
        try:
            with self.refusal():
                self.conn.execute(
                    update(people)
                    .where(people.c.id == person.id)
                    .values(name=person.name, email=person.email)
                )
        except IntegrityError as exc:
            raise Conflict(msg("an account for %(email)s exists", email=person.email)) from exc


class SqlCredentials(SqlRepository):
    def set_password(self, person_id: int, password_hash: str) -> None:
        changed = self.conn.execute(
            update(credentials)
            .where(credentials.c.person_id == person_id)
            .values(password_hash=password_hash)
        ).rowcount
        if not changed:
            self.conn.execute(
                insert(credentials).values(person_id=person_id, password_hash=password_hash)
            )

    def password_hash(self, person_id: int) -> str | None:
        found = self.conn.execute(
            select(credentials.c.password_hash).where(credentials.c.person_id == person_id)
        ).scalar()
        return None if found is None else str(found)

    def add_token(
        self, person_id: int, token_hash: str, *, name: str, created_at: datetime
    ) -> None:
        self.conn.execute(
            insert(api_tokens).values(
                token_hash=token_hash, person_id=person_id, name=name, created_at=created_at
            )
        )

    def token_owner(self, token_hash: str) -> int | None:
        found = self.conn.execute(
            select(api_tokens.c.person_id).where(
                api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None)
            )
        ).scalar()
        return None if found is None else int(found)

    def token_owners(self, token_hashes: Sequence[str]) -> dict[str, int]:
        if not token_hashes:
            return {}
        # On every vote's path: one query, by primary key.
        rows = self.conn.execute(
            select(api_tokens.c.token_hash, api_tokens.c.person_id).where(
                api_tokens.c.token_hash.in_(sorted(set(token_hashes))),
                api_tokens.c.revoked_at.is_(None),
            )
        )
        return {r.token_hash: int(r.person_id) for r in rows}

    def tokens_of(self, person_id: int) -> list[ApiToken]:
        rows = self.conn.execute(
            select(api_tokens)
            .where(api_tokens.c.person_id == person_id)
            .order_by(api_tokens.c.created_at.desc(), api_tokens.c.token_hash)
        )
        return [_api_token(r) for r in rows]

    def revoke_token(self, person_id: int, token_id: str, *, at: datetime) -> ApiToken | None:
        mine = and_(
            api_tokens.c.person_id == person_id,
            func.substr(api_tokens.c.token_hash, 1, API_TOKEN_ID_LENGTH) == token_id,
        )
        self.conn.execute(
            update(api_tokens).where(mine, api_tokens.c.revoked_at.is_(None)).values(revoked_at=at)
        )
        row = self.conn.execute(select(api_tokens).where(mine)).first()
        return None if row is None else _api_token(row)


def _api_token(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.token_hash[:API_TOKEN_ID_LENGTH],
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _council(row: Row[Any]) -> Council:
    return Council(
        name=row.name,
        slug=row.slug,
        kind=CouncilKind(row.kind),
        orders=StandingOrders.from_dict(row.orders),
        created_at=row.created_at,
        description=row.description,
        id=row.id,
        record_index=row.record_index,
    )


def _council_values(council: Council) -> dict[str, Any]:
    return {
        "name": council.name,
        "slug": council.slug,
        "kind": council.kind.value,
        "orders": council.orders.to_dict(),
        "created_at": council.created_at,
        "description": council.description,
        "record_index": council.record_index,
    }


def _affiliation(row: Row[Any]) -> Affiliation:
    return Affiliation(
        federation_id=row.federation_id,
        member_id=row.member_id,
        delegates=row.delegates,
        weight=row.weight,
    )


class SqlCouncils(SqlRepository):
    def add(self, council: Council) -> Council:
        """Store a new council; assigns ``council.id``. Raises Conflict for a taken slug."""
        try:
            with self.refusal():
                council.id = self.insert_id(councils, _council_values(council))
        except IntegrityError as error:
            if self.by_slug(council.slug) is None:
                raise
            raise Conflict(msg("the short name %(slug)r is taken", slug=council.slug)) from error
        return council

    def save(self, council: Council) -> None:
        self.conn.execute(
            update(councils).where(councils.c.id == council.id).values(**_council_values(council))
        )

    def get(self, council_id: int) -> Council | None:
        row = self.conn.execute(select(councils).where(councils.c.id == council_id)).first()
        return None if row is None else _council(row)

    def by_slug(self, slug: str) -> Council | None:
        if not storable(slug):  # from an address: it names no council
            return None
        row = self.conn.execute(select(councils).where(councils.c.slug == slug)).first()
        return None if row is None else _council(row)

    def all(self) -> list[Council]:
        rows = self.conn.execute(select(councils).order_by(councils.c.id))
        return [_council(r) for r in rows]

    def add_affiliation(self, affiliation: Affiliation) -> None:
        try:
            with self.refusal():
                self.conn.execute(
                    insert(affiliations).values(
                        federation_id=affiliation.federation_id,
                        member_id=affiliation.member_id,
                        delegates=affiliation.delegates,
                        weight=affiliation.weight,
                    )
                )
        except IntegrityError as error:
            existing = self.affiliations(affiliation.federation_id)
            if not any(a.member_id == affiliation.member_id for a in existing):
                raise
            raise Conflict(msg("the council is already affiliated")) from error

    def save_affiliation(self, affiliation: Affiliation) -> None:
        self.conn.execute(
            update(affiliations)
            .where(
                affiliations.c.federation_id == affiliation.federation_id,
                affiliations.c.member_id == affiliation.member_id,
            )
            .values(delegates=affiliation.delegates, weight=affiliation.weight)
        )

    def remove_affiliation(self, federation_id: int, member_id: int) -> None:
        self.conn.execute(
            delete(affiliations).where(
                affiliations.c.federation_id == federation_id,
                affiliations.c.member_id == member_id,
            )
        )

    def affiliations(self, federation_id: int) -> list[Affiliation]:
        rows = self.conn.execute(
            select(affiliations)
            .where(affiliations.c.federation_id == federation_id)
            .order_by(affiliations.c.member_id)
        )
        return [_affiliation(r) for r in rows]

    def affiliated_to(self, member_id: int) -> list[Affiliation]:
        rows = self.conn.execute(
            select(affiliations)
            .where(affiliations.c.member_id == member_id)
            .order_by(affiliations.c.federation_id)
        )
        return [_affiliation(r) for r in rows]


def _membership(row: Row[Any]) -> Membership:
    return Membership(
        council_id=row.council_id,
        person_id=row.person_id,
        roles=frozenset(Role(r) for r in row.roles.split(",")),
        since=row.since,
        weight=row.weight,
        delegate_of=row.delegate_of,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        id=row.id,
    )


def _membership_values(membership: Membership) -> dict[str, Any]:
    return {
        "council_id": membership.council_id,
        "person_id": membership.person_id,
        "roles": ",".join(sorted(r.value for r in membership.roles)),
        "since": membership.since,
        "weight": membership.weight,
        "delegate_of": membership.delegate_of,
        "ended_at": membership.ended_at,
        "end_reason": membership.end_reason,
    }


class SqlMemberships(SqlRepository):
    def add(self, membership: Membership) -> Membership:
        """Store a new membership; Conflict when the person is already an active member."""
        try:
            with self.refusal():
                membership.id = self.insert_id(memberships, _membership_values(membership))
        except IntegrityError as error:
            if self.of(membership.council_id, membership.person_id) is None:
                raise
            raise Conflict(msg("already a member of this council")) from error
        return membership

    def save(self, membership: Membership) -> None:
        self.conn.execute(
            update(memberships)
            .where(memberships.c.id == membership.id)
            .values(**_membership_values(membership))
        )

    def of(self, council_id: int, person_id: int) -> Membership | None:
        """The person's active membership of the council, if any."""
        row = self.conn.execute(
            select(memberships).where(
                memberships.c.council_id == council_id,
                memberships.c.person_id == person_id,
                memberships.c.ended_at.is_(None),
            )
        ).first()
        return None if row is None else _membership(row)

    def of_people(self, council_id: int, person_ids: Sequence[int]) -> dict[int, Membership]:
        """The active memberships of the council held by any of ``person_ids``, by person."""
        if not person_ids:
            return {}
        rows = self.conn.execute(
            select(memberships).where(
                memberships.c.council_id == council_id,
                memberships.c.person_id.in_(list(person_ids)),
                memberships.c.ended_at.is_(None),
            )
        )
        return {row.person_id: _membership(row) for row in rows}

    def _where(self, condition: Any, active: bool) -> list[Membership]:
        if active:
            condition = and_(condition, memberships.c.ended_at.is_(None))
        rows = self.conn.execute(select(memberships).where(condition).order_by(memberships.c.id))
        return [_membership(r) for r in rows]

    def for_council(self, council_id: int, *, active: bool = True) -> list[Membership]:
        return self._where(memberships.c.council_id == council_id, active)

    def member_ids(self, council_id: int, *, voting: bool = False) -> list[int]:
        """Two columns, no objects: what telling ten thousand members needs."""
        rows = self.conn.execute(
            select(memberships.c.person_id, memberships.c.roles)
            .where(memberships.c.council_id == council_id, memberships.c.ended_at.is_(None))
            .order_by(memberships.c.id)
        )
        voters = {Role.MEMBER.value, Role.DELEGATE.value}
        return [
            int(person)
            for person, roles in rows
            if not voting or not voters.isdisjoint(roles.split(","))
        ]

    def for_person(self, person_id: int, *, active: bool = True) -> list[Membership]:
        return self._where(memberships.c.person_id == person_id, active)


def _office(row: Row[Any]) -> Office:
    return Office(
        council_id=row.council_id,
        person_id=row.person_id,
        post=row.post,
        since=row.since,
        appointed_by=row.appointed_by,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
        id=row.id,
    )


def _office_values(office: Office) -> dict[str, Any]:
    return {
        "council_id": office.council_id,
        "person_id": office.person_id,
        "post": office.post,
        "since": office.since,
        "appointed_by": office.appointed_by,
        "ended_at": office.ended_at,
        "ended_by": office.ended_by,
    }


class SqlOffices(SqlRepository):
    def add(self, office: Office) -> Office:
        office.id = self.insert_id(offices, _office_values(office))
        return office

    def save(self, office: Office) -> None:
        self.conn.execute(
            update(offices).where(offices.c.id == office.id).values(**_office_values(office))
        )

    def for_council(self, council_id: int, *, active: bool = True) -> list[Office]:
        query = select(offices).where(offices.c.council_id == council_id)
        if active:
            query = query.where(offices.c.ended_at.is_(None))
        return [_office(r) for r in self.conn.execute(query.order_by(offices.c.id))]


def _invitation(row: Row[Any]) -> Invitation:
    return Invitation(
        council_id=row.council_id,
        email=row.email,
        code_hash=row.code_hash,
        invited_by=row.invited_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        accepted_at=row.accepted_at,
        id=row.id,
    )


class SqlInvitations(SqlRepository):
    def add(self, invitation: Invitation) -> Invitation:
        new_id = self.insert_id(
            invitations,
            {
                "council_id": invitation.council_id,
                "email": invitation.email,
                "code_hash": invitation.code_hash,
                "invited_by": invitation.invited_by,
                "created_at": invitation.created_at,
                "expires_at": invitation.expires_at,
                "accepted_at": invitation.accepted_at,
            },
        )
        return replace(invitation, id=new_id)

    def by_code_hash(self, code_hash: str) -> Invitation | None:
        row = self.conn.execute(
            select(invitations).where(invitations.c.code_hash == code_hash)
        ).first()
        return None if row is None else _invitation(row)

    def accept(self, invitation_id: int, *, at: datetime) -> None:
        """Mark the invitation used; Conflict if it was used already (a code works once,
        even when two people race to use it)."""
        changed = self.conn.execute(
            update(invitations)
            .where(invitations.c.id == invitation_id, invitations.c.accepted_at.is_(None))
            .values(accepted_at=at)
        ).rowcount
        if not changed:
            raise Conflict(msg("this invitation has been used already"))
