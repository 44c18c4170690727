"""Browser sessions and failed sign-ins, kept in the database so that every server process
(``rada serve --workers N``) and every restart sees the same: a signed-out or revoked session
stays out, and a sign-in limit is one limit for the whole instance.

Sessions are kept by the SHA-256 of their id, so the table alone lets nobody sign in; failed
sign-ins by the SHA-256 of the key they count against (a client address, an e-mail address)
and their time.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from rada.store.councils_tables import signin_failures, web_sessions

__all__ = ["SessionStore"]


def _hash(text: str) -> str:
    """A session id or a failed sign-in's key as kept: its SHA-256. Whatever was typed fits
    the column and either database (PostgreSQL refuses a NUL in text, and the address of a
    key can be longer than the column), and the addresses people mistyped are not kept."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class SessionStore:
    """Sessions and failed sign-ins of one instance, in its database."""

    #: Failed sign-ins older than this many windows are deleted as new ones are counted.
    PRUNE_AFTER_WINDOWS = 2

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- sessions --------------------------------------------------------------------------

    def start(
        self, session_id: str, *, person_id: int, issued: datetime, expires: datetime
    ) -> None:
        """Keep a new session until ``expires``."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(web_sessions).values(
                    session_hash=_hash(session_id),
                    person_id=person_id,
                    issued_at=issued,
                    expires_at=expires,
                )
            )

    def live(self, session_id: str, *, person_id: int, now: datetime) -> bool:
        """Whether the session was started for ``person_id``, is not revoked and not expired."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(web_sessions.c.person_id, web_sessions.c.expires_at).where(
                    web_sessions.c.session_hash == _hash(session_id),
                    web_sessions.c.revoked_at.is_(None),
                )
            ).first()
        return row is not None and row.person_id == person_id and row.expires_at > now

    def revoke(self, session_id: str, *, now: datetime) -> None:
        """End a session (sign-out): refused from now on, by every process."""
        with self.engine.begin() as conn:
            conn.execute(
                update(web_sessions)
                .where(
                    web_sessions.c.session_hash == _hash(session_id),
                    web_sessions.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )

    def revoke_person(self, person_id: int, *, now: datetime, keep: str | None = None) -> int:
        """End every session of a person (a changed password), but ``keep``; how many."""
        condition = [web_sessions.c.person_id == person_id, web_sessions.c.revoked_at.is_(None)]
        if keep is not None:
            condition.append(web_sessions.c.session_hash != _hash(keep))
        with self.engine.begin() as conn:
            return int(
                conn.execute(update(web_sessions).where(*condition).values(revoked_at=now)).rowcount
            )

    # -- failed sign-ins -------------------------------------------------------------------

    def retry_after(
        self, keys: Sequence[str], *, now: datetime, attempts: int, window: float
    ) -> int | None:
        """Seconds until every key may try again (``attempts`` failures per ``window``
        seconds), or None when all may try now."""
        since = now - timedelta(seconds=window)
        waits = []
        with self.engine.connect() as conn:
            for key in keys:
                times = (
                    conn.execute(
                        select(signin_failures.c.at)
                        .where(signin_failures.c.key == _hash(key), signin_failures.c.at > since)
                        .order_by(signin_failures.c.at.desc())
                        .limit(attempts)
                    )
                    .scalars()
                    .all()
                )
                if len(times) >= attempts:
                    oldest = times[-1]
                    waits.append((oldest + timedelta(seconds=window) - now).total_seconds())
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, keys: Sequence[str], *, now: datetime, window: float) -> None:
        """Count a failed sign-in against each key (and forget those long past)."""
        with self.engine.begin() as conn:
            conn.execute(insert(signin_failures), [{"key": _hash(k), "at": now} for k in keys])
            old = now - timedelta(seconds=window * self.PRUNE_AFTER_WINDOWS)
            conn.execute(delete(signin_failures).where(signin_failures.c.at < old))

    def succeeded(self, key: str) -> None:
        """Forget a key's failures (the right password for that address)."""
        with self.engine.begin() as conn:
            conn.execute(delete(signin_failures).where(signin_failures.c.key == _hash(key)))

    def count(self) -> int:
        """How many sessions were ever started (for tests and the operator)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(web_sessions)).scalar_one())
