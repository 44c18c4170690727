"""A person's own notices and settings: reading and marking notices, and choosing the
language, time zone and mail of each kind of notice.

Every function here acts for ``person_id`` alone: a notice of someone else is never listed,
counted or marked (marking another's notice by its id changes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from rada.councils.errors import CouncilError
from rada.councils.notices import (
    AccountSettings,
    Mail,
    Notice,
    NoticeKind,
    check_language,
    check_timezone,
)
from rada.councils.text import msg
from rada.services.notifying import settings_of
from rada.services.ports import UnitOfWork

__all__ = [
    "MAX_PAGE",
    "PAGE",
    "SEEN_EVERY",
    "list_notices",
    "mark_read",
    "unread_count",
    "update_settings",
    "visit",
]

#: Notices on a page unless asked otherwise, and the most one page holds.
PAGE = 20
MAX_PAGE = 100
#: A visit is written down at most this often: a page loaded again within it counts as the
#: same visit (and shows what changed since the one before).
SEEN_EVERY = timedelta(minutes=5)


def _check_page(limit: int, before: int | None) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise CouncilError(
            msg("a page holds 1 to %(most)s notices, not %(limit)s", most=MAX_PAGE, limit=limit)
        )
    if before is not None and before < 1:
        raise CouncilError(msg("'before' is a notice's id, a positive number"))


def list_notices(
    uow: UnitOfWork,
    person_id: int,
    *,
    before: int | None = None,
    limit: int = PAGE,
    unread: bool = False,
) -> list[Notice]:
    """The person's notices, newest first; those with ids below ``before`` (the id of the
    last one of the previous page); with ``unread``, only those not yet read."""
    _check_page(limit, before)
    return uow.notices.for_person(person_id, limit=limit, before=before, unread=unread)


def unread_count(uow: UnitOfWork, person_id: int) -> int:
    """How many of the person's notices are unread."""
    return uow.notices.unread_count(person_id)


def mark_read(
    uow: UnitOfWork, person_id: int, *, now: datetime, ids: Sequence[int] | None = None
) -> int:
    """Mark the person's notices read: those of ``ids`` (others' ids are ignored), or all of
    them when ``ids`` is None; how many were unread."""
    if ids is not None and len(ids) > MAX_PAGE:
        raise CouncilError(
            msg("at most %(most)s notices are marked at once", most=MAX_PAGE),
            hint=msg("mark all of them read instead"),
        )
    return uow.notices.mark_read(person_id, at=now, ids=ids)


def _mail_choices(mail: Mapping[str, str]) -> dict[NoticeKind, Mail]:
    """The mail choices, each kind and choice checked (unknown ones refused, by name)."""
    kinds = ", ".join(k.value for k in NoticeKind)
    ways = ", ".join(m.value for m in Mail)
    chosen: dict[NoticeKind, Mail] = {}
    for kind, way in mail.items():
        try:
            notice_kind = NoticeKind(kind)
        except ValueError:
            raise CouncilError(
                msg("%(kind)r is not a kind of notice", kind=str(kind)[:40]),
                hint=msg("the kinds are %(kinds)s", kinds=kinds),
            ) from None
        try:
            chosen[notice_kind] = Mail(way)
        except ValueError:
            raise CouncilError(
                msg("%(way)r is not a way to hear of notices", way=str(way)[:40]),
                hint=msg("choose one of %(ways)s", ways=ways),
            ) from None
    return chosen


def update_settings(
    uow: UnitOfWork,
    person_id: int,
    *,
    language: str | None,
    timezone: str | None,
    mail: Mapping[str, str],
) -> AccountSettings:
    """Replace the person's language, time zone and mail choices (None: the browser's
    language and zone; a kind not in ``mail``: its default). Everything is checked before
    anything is stored: an unknown language, zone, kind or choice changes nothing."""
    checked_language = None if language is None else check_language(language)
    checked_zone = None if timezone is None else check_timezone(timezone)
    chosen = _mail_choices(mail)
    settings = settings_of(uow, person_id)
    settings.language = checked_language
    settings.timezone = checked_zone
    settings.mail = chosen
    uow.settings.save(settings)
    return settings


def visit(uow: UnitOfWork, person_id: int, *, now: datetime) -> datetime | None:
    """Note that the person visits now; when their previous visit was (None: never), which
    is what "since your last visit" counts from. Loads within :data:`SEEN_EVERY` of the
    last one written belong to that visit and write nothing."""
    settings = settings_of(uow, person_id)
    previous = settings.last_seen_at
    if previous is None or now - previous >= SEEN_EVERY:
        settings.last_seen_at = now
        uow.settings.save(settings)
    return previous
