"""Repositories for what people hear: settings, notices, the mail outbox and account tokens."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Row,
    String,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rada.councils.model import storable
from rada.councils.notices import AccountSettings, Mail, Notice, NoticeKind
from rada.services.ports import OutgoingMail
from rada.store.base import SqlRepository
from rada.store.councils_tables import JsonText, UtcDateTime
from rada.store.notices_tables import (
    account_settings,
    account_tokens,
    mail_choices,
    mail_outbox,
    notices,
)

__all__ = ["SqlAccountTokens", "SqlNotices", "SqlOutbox", "SqlSettings"]

# The longest error text kept with a mail (a server's answer can be long).
_ERROR_LENGTH = 1000
# The most ids one statement names (SQLite allows 32,766 parameters, PostgreSQL 65,535).
_CHUNK = 5000


def _array(dialect: str, values: Sequence[Any], type_: Any) -> Any:
    """A table of ``values`` (column ``value``) from one parameter: PostgreSQL unnests an
    array, SQLite reads a JSON array. Ten thousand ids this way cost one parameter, not ten
    thousand (which the driver and SQLAlchemy handle one by one)."""
    if dialect == "postgresql":
        return (
            func.unnest(bindparam("values", list(values), type_=postgresql.ARRAY(type_)))
            .table_valued("value")
            .render_derived()
        )
    return func.json_each(bindparam("values", json.dumps(list(values)))).table_valued("value")


def _ids(dialect: str, ids: Sequence[int]) -> Any:
    """``ids`` as a subquery for ``IN``."""
    source = _array(dialect, ids, Integer)
    return select(cast(source.c.value, Integer)).scalar_subquery()


def _settings(row: Row[Any], choices: dict[NoticeKind, Mail]) -> AccountSettings:
    return AccountSettings(
        person_id=row.person_id,
        unsubscribe_key=row.unsubscribe_key,
        language=row.language,
        timezone=row.timezone,
        mail=choices,
        verified_at=row.verified_at,
        refused_at=row.refused_at,
        last_seen_at=row.last_seen_at,
    )


class SqlSettings(SqlRepository):
    def get(self, person_id: int) -> AccountSettings | None:
        return self.of_people([person_id]).get(person_id)

    def of_people(self, person_ids: Sequence[int]) -> dict[int, AccountSettings]:
        """The settings of those of ``person_ids`` who have any, by person: two queries,
        the ids passed as one array whatever their number."""
        ids = sorted(set(person_ids))
        if not ids:
            return {}
        choices: dict[int, dict[NoticeKind, Mail]] = {}
        known = {k.value for k in NoticeKind}
        wanted = _ids(self.conn.dialect.name, ids)
        for row in self.conn.execute(
            select(mail_choices).where(mail_choices.c.person_id.in_(wanted))
        ):
            if row.kind in known:
                choices.setdefault(row.person_id, {})[NoticeKind(row.kind)] = Mail(row.mail)
        rows = self.conn.execute(
            select(account_settings).where(
                account_settings.c.person_id.in_(_ids(self.conn.dialect.name, ids))
            )
        )
        return {r.person_id: _settings(r, choices.get(r.person_id, {})) for r in rows}

    def save(self, settings: AccountSettings) -> None:
        values = {
            "unsubscribe_key": settings.unsubscribe_key,
            "language": settings.language,
            "timezone": settings.timezone,
            "verified_at": settings.verified_at,
            "refused_at": settings.refused_at,
            "last_seen_at": settings.last_seen_at,
        }
        done = self.conn.execute(
            update(account_settings)
            .where(account_settings.c.person_id == settings.person_id)
            .values(**values)
        )
        if done.rowcount == 0:
            self.conn.execute(
                insert(account_settings).values(person_id=settings.person_id, **values)
            )
        self.conn.execute(
            delete(mail_choices).where(mail_choices.c.person_id == settings.person_id)
        )
        if settings.mail:
            self.conn.execute(
                insert(mail_choices),
                [
                    {"person_id": settings.person_id, "kind": k.value, "mail": m.value}
                    for k, m in sorted(settings.mail.items())
                ],
            )

    def by_unsubscribe_key(self, key: str) -> AccountSettings | None:
        if not storable(key):  # from an address: it names nobody's settings
            return None
        person_id = self.conn.execute(
            select(account_settings.c.person_id).where(account_settings.c.unsubscribe_key == key)
        ).scalar()
        return None if person_id is None else self.get(int(person_id))


def _notice(row: Row[Any]) -> Notice:
    return Notice(
        person_id=row.person_id,
        kind=NoticeKind(row.kind),
        key=row.key,
        created_at=row.created_at,
        council_id=row.council_id,
        proposal_id=row.proposal_id,
        post_id=row.post_id,
        record_index=row.record_index,
        params=dict(row.params),
        read_at=row.read_at,
        id=row.id,
    )


class SqlNotices(SqlRepository):
    def add_many(
        self, notices_: Sequence[Notice], *, digest: Sequence[tuple[int, NoticeKind]] = ()
    ) -> list[Notice]:
        """Store the new notices, skipping those already stored: the notices of one event
        differ only by person, so each such group is one ``INSERT ... SELECT`` over the
        people's ids passed as one array (ten thousand members: one statement, not ten
        thousand rows of parameters), which returns the ids of the rows it made."""
        if not notices_:
            return []
        waiting = set(digest)
        groups: dict[tuple[Any, ...], list[Notice]] = {}
        for n in notices_:
            if n.id:
                continue
            shared = (
                n.kind.value, n.key, n.created_at, n.council_id, n.proposal_id, n.post_id,
                n.record_index, json.dumps(n.params, sort_keys=True),
                (n.person_id, n.kind) in waiting,
            )  # fmt: skip
            groups.setdefault(shared, []).append(n)
        ids: dict[tuple[int, str, str], int] = {}
        for (kind, key, *_), group in groups.items():
            for start in range(0, len(group), _CHUNK * 4):
                made = self._insert_group(group[start : start + _CHUNK * 4], waiting)
                ids.update(((person, kind, key), notice_id) for person, notice_id in made)
        added = []
        for n in notices_:
            notice_id = ids.get((n.person_id, n.kind.value, n.key))
            if notice_id is not None and not n.id:
                n.id = notice_id
                added.append(n)
        return added

    def _insert_group(self, group: list[Notice], waiting: set[tuple[int, NoticeKind]]) -> list[Any]:
        first = group[0]
        people_ids = sorted({n.person_id for n in group})
        postgres = self.conn.dialect.name == "postgresql"
        if postgres:
            source = (
                func.unnest(bindparam("people", people_ids, type_=postgresql.ARRAY(Integer)))
                .table_valued("value")
                .render_derived()
            )
        else:
            source = func.json_each(bindparam("people", json.dumps(people_ids))).table_valued(
                "value"
            )
        person = cast(source.c.value, Integer)
        values = select(
            person,
            literal(first.kind.value),
            literal(first.key),
            bindparam("created_at", first.created_at, type_=UtcDateTime),
            literal(first.council_id, type_=Integer),
            literal(first.proposal_id, type_=Integer),
            literal(first.post_id, type_=Integer),
            literal(first.record_index, type_=BigInteger),
            bindparam("params", first.params, type_=JsonText),
            literal("waiting" if (first.person_id, first.kind) in waiting else None, type_=String),
        ).where(source.c.value.is_not(None))  # a WHERE: SQLite's upsert after a SELECT needs one
        columns = ["person_id", "kind", "key", "created_at", "council_id", "proposal_id",
                   "post_id", "record_index", "params", "digest"]  # fmt: skip
        make = postgresql_insert if postgres else sqlite_insert
        statement = (
            make(notices)
            .from_select(columns, values)
            .on_conflict_do_nothing(
                index_elements=[notices.c.person_id, notices.c.kind, notices.c.key]
            )
            .returning(notices.c.person_id, notices.c.id)
        )
        return [(int(r.person_id), int(r.id)) for r in self.conn.execute(statement)]

    def for_person(
        self, person_id: int, *, limit: int = 50, before: int | None = None, unread: bool = False
    ) -> list[Notice]:
        query = select(notices).where(notices.c.person_id == person_id)
        if before is not None:
            query = query.where(notices.c.id < before)
        if unread:
            query = query.where(notices.c.read_at.is_(None))
        rows = self.conn.execute(query.order_by(notices.c.id.desc()).limit(limit))
        return [_notice(r) for r in rows]

    def unread_count(self, person_id: int) -> int:
        return int(
            self.conn.execute(
                select(func.count())
                .select_from(notices)
                .where(notices.c.person_id == person_id, notices.c.read_at.is_(None))
            ).scalar_one()
        )

    def mark_read(self, person_id: int, *, at: datetime, ids: Sequence[int] | None = None) -> int:
        query = update(notices).where(notices.c.person_id == person_id, notices.c.read_at.is_(None))
        if ids is not None:
            query = query.where(notices.c.id.in_(sorted(set(ids))))
        return int(self.conn.execute(query.values(read_at=at)).rowcount)

    def get(self, notice_id: int) -> Notice | None:
        row = self.conn.execute(select(notices).where(notices.c.id == notice_id)).first()
        return None if row is None else _notice(row)

    def waiting_for_digest(
        self, *, limit: int, before: datetime | None = None, after_person: int = 0
    ) -> dict[int, list[Notice]]:
        waiting = (notices.c.digest == "waiting") & (notices.c.person_id > after_person)
        if before is not None:
            waiting = waiting & (notices.c.created_at < before)
        people = (
            select(notices.c.person_id)
            .where(waiting)
            .group_by(notices.c.person_id)
            .order_by(notices.c.person_id)
            .limit(limit)
        ).scalar_subquery()
        rows = self.conn.execute(
            select(notices)
            .where(waiting, notices.c.person_id.in_(people))
            .order_by(notices.c.person_id, notices.c.id)
        )
        found: dict[int, list[Notice]] = {}
        for r in rows:
            found.setdefault(int(r.person_id), []).append(_notice(r))
        return found

    def digested(self, notice_ids: Sequence[int], *, at: datetime) -> int:
        """Mark notices digested in the UPDATE that checks they still wait: a worker that
        lost the race to another (PostgreSQL re-checks the condition once the other's
        transaction ends) sees fewer rows changed than it asked for."""
        ids = sorted(set(notice_ids))
        changed = 0
        for start in range(0, len(ids), _CHUNK):
            changed += self.conn.execute(
                update(notices)
                .where(notices.c.id.in_(ids[start : start + _CHUNK]), notices.c.digest == "waiting")
                .values(digest="sent", digested_at=at)
            ).rowcount
        return changed


def _mail(row: Row[Any]) -> OutgoingMail:
    return OutgoingMail(
        address=row.address,
        purpose=row.purpose,
        language=row.language,
        created_at=row.created_at,
        due_at=row.due_at,
        person_id=row.person_id,
        notice_id=row.notice_id,
        payload=dict(row.payload),
        attempts=row.attempts,
        id=row.id,
    )


class SqlOutbox(SqlRepository):
    def add_many(self, mails: Sequence[OutgoingMail]) -> None:
        """Queue the mails: those that differ only by person, address and notice (a
        decision's mail to each member) in one ``INSERT ... SELECT`` over arrays."""
        groups: dict[tuple[Any, ...], list[OutgoingMail]] = {}
        for m in mails:
            shared = (m.purpose, m.language, m.created_at, m.due_at, m.attempts,
                      json.dumps(m.payload, sort_keys=True))  # fmt: skip
            groups.setdefault(shared, []).append(m)
        for group in groups.values():
            for start in range(0, len(group), _CHUNK * 4):
                self._insert_group(group[start : start + _CHUNK * 4])

    def _insert_group(self, group: list[OutgoingMail]) -> None:
        first = group[0]
        person: Any
        address: Any
        notice: Any
        if self.conn.dialect.name == "postgresql":
            source = (
                func.unnest(
                    bindparam("people", [m.person_id for m in group],
                              type_=postgresql.ARRAY(Integer)),
                    bindparam("addresses", [m.address for m in group],
                              type_=postgresql.ARRAY(String)),
                    bindparam("notices", [m.notice_id for m in group],
                              type_=postgresql.ARRAY(Integer)),
                )
                .table_valued("person", "address", "notice")
                .render_derived()
            )  # fmt: skip
            person, address, notice = source.c.person, source.c.address, source.c.notice
        else:
            rows = [[m.person_id, m.address, m.notice_id] for m in group]
            source = func.json_each(bindparam("rows", json.dumps(rows))).table_valued("value")
            person, address, notice = (
                func.json_extract(source.c.value, f"$[{i}]") for i in range(3)
            )
        values = select(
            cast(person, Integer),
            cast(address, String),
            literal(first.purpose),
            cast(notice, Integer),
            bindparam("payload", first.payload, type_=JsonText),
            literal(first.language),
            bindparam("created_at", first.created_at, type_=UtcDateTime),
            bindparam("due_at", first.due_at, type_=UtcDateTime),
            literal(first.attempts, type_=Integer),
        )
        columns = ["person_id", "address", "purpose", "notice_id", "payload", "language",
                   "created_at", "due_at", "attempts"]  # fmt: skip
        self.conn.execute(insert(mail_outbox).from_select(columns, values))

    def claim(self, *, now: datetime, until: datetime, limit: int) -> list[OutgoingMail]:
        """Take due mails not held by another worker: on PostgreSQL rows another worker is
        taking are skipped (FOR UPDATE SKIP LOCKED); SQLite has one writer at a time."""
        due = (
            select(mail_outbox.c.id)
            .where(
                mail_outbox.c.sent_at.is_(None),
                mail_outbox.c.given_up_at.is_(None),
                mail_outbox.c.due_at <= now,
                or_(mail_outbox.c.claimed_until.is_(None), mail_outbox.c.claimed_until <= now),
            )
            .order_by(mail_outbox.c.due_at, mail_outbox.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = [int(i) for i in self.conn.execute(due).scalars()]
        if not ids:
            return []
        self.conn.execute(
            update(mail_outbox)
            .where(mail_outbox.c.id.in_(ids))
            .values(claimed_until=until, attempts=mail_outbox.c.attempts + 1)
        )
        rows = self.conn.execute(
            select(mail_outbox).where(mail_outbox.c.id.in_(ids)).order_by(mail_outbox.c.id)
        )
        return [_mail(r) for r in rows]

    def sent(
        self,
        mail_ids: Sequence[int],
        *,
        at: datetime,
        kept: Mapping[int, dict[str, Any]] | None = None,
    ) -> None:
        kept = kept or {}
        emptied = sorted(set(mail_ids) - set(kept))
        for start in range(0, len(emptied), _CHUNK):
            self.conn.execute(
                update(mail_outbox)
                .where(mail_outbox.c.id.in_(emptied[start : start + _CHUNK]))
                .values(sent_at=at, payload={}, claimed_until=None, last_error=None)
            )
        for mail_id in sorted(set(mail_ids) & set(kept)):
            self.conn.execute(
                update(mail_outbox)
                .where(mail_outbox.c.id == mail_id)
                .values(sent_at=at, payload=kept[mail_id], claimed_until=None, last_error=None)
            )

    def retry(self, mail_id: int, *, at: datetime, error: str) -> None:
        self.conn.execute(
            update(mail_outbox)
            .where(mail_outbox.c.id == mail_id)
            .values(due_at=at, claimed_until=None, last_error=error[:_ERROR_LENGTH])
        )

    def give_up(self, mail_id: int, *, at: datetime, error: str) -> None:
        self.conn.execute(
            update(mail_outbox)
            .where(mail_outbox.c.id == mail_id)
            .values(
                given_up_at=at, claimed_until=None, payload={}, last_error=error[:_ERROR_LENGTH]
            )
        )

    def waiting(self) -> int:
        return int(
            self.conn.execute(
                select(func.count())
                .select_from(mail_outbox)
                .where(mail_outbox.c.sent_at.is_(None), mail_outbox.c.given_up_at.is_(None))
            ).scalar_one()
        )

    def recent(self, *, limit: int) -> list[tuple[OutgoingMail, datetime | None, str | None]]:
        rows = self.conn.execute(select(mail_outbox).order_by(mail_outbox.c.id.desc()).limit(limit))
        return [(_mail(r), r.sent_at, r.last_error) for r in rows]


class SqlAccountTokens(SqlRepository):
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
        self.conn.execute(
            insert(account_tokens).values(
                token_hash=token_hash,
                person_id=person_id,
                purpose=purpose,
                email=email,
                created_at=created_at,
                expires_at=expires_at,
            )
        )

    def use(self, token_hash: str, *, purpose: str, at: datetime) -> tuple[int, str | None] | None:
        """Spend the token in one UPDATE, so that two requests with it cannot both succeed."""
        row = self.conn.execute(
            update(account_tokens)
            .where(
                account_tokens.c.token_hash == token_hash,
                account_tokens.c.purpose == purpose,
                account_tokens.c.used_at.is_(None),
                account_tokens.c.expires_at > at,
            )
            .values(used_at=at)
            .returning(account_tokens.c.person_id, account_tokens.c.email)
        ).first()
        return None if row is None else (int(row.person_id), row.email)

    def drop_unused(self, person_id: int, *, purpose: str, at: datetime) -> None:
        self.conn.execute(
            update(account_tokens)
            .where(
                account_tokens.c.person_id == person_id,
                account_tokens.c.purpose == purpose,
                account_tokens.c.used_at.is_(None),
            )
            .values(used_at=at)
        )

    def last_issued(self, person_id: int, *, purpose: str) -> datetime | None:
        latest: datetime | None = self.conn.execute(
            select(func.max(account_tokens.c.created_at)).where(
                account_tokens.c.person_id == person_id, account_tokens.c.purpose == purpose
            )
        ).scalar_one()
        return latest
