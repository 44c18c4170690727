"""The mail worker: sends what waits in the outbox, and does the daily and minutely chores.

One round (:meth:`Worker.once`) claims a batch of due mails (holding them for a lease, so that
another worker leaves them alone), composes them, sends them over one SMTP connection and
records what happened in one short transaction:

- sent: marked sent (its payload, which may hold a secret link, emptied);
- a passing failure (the server down, a 4xx): tried again after 30 s × 2^(attempts − 1), at
  most an hour later, until :data:`GIVE_UP_AFTER` from its making or :data:`MAX_ATTEMPTS`;
- a permanent refusal (5xx): given up; when the server refused the address itself, the
  address is marked refused (``AccountSettings.refused_at``) and no notice is mailed to it
  again until it is confirmed anew;
- a mail that should not go out any more (its person unsubscribed since, its notice is
  gone): given up, saying why.

Delivery is at least once: a worker that dies after sending and before recording it leaves
the mail to be sent again when its lease ends, with the same ``Message-ID`` (see
:meth:`rada.mail.compose.Composer.message_id`), by which mail systems recognise the copy.

Without a mail server (``sender`` None, ``local`` true) each mail is delivered to the local
outbox instead: marked sent with its rendered words kept in its payload under ``"local"``,
which ``rada demo``'s ``/outbox`` page shows. Without either, mail waits.

Every :attr:`Worker.chores_every` seconds it also tells members of votes closing within a
day (:func:`rada.services.notifying.remind`) and, once the day's digest hour has passed in
each person's own time zone (UTC where they chose none), queues one digest mail per person
for the notices waiting for it since before that hour.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from rada.councils.notices import zone_or_utc
from rada.mail.compose import Composer, Prepared, Unsendable, digest_item
from rada.mail.smtp import Passing, Refused
from rada.services.notifying import remind
from rada.services.ports import OutgoingMail, UnitOfWork

__all__ = [
    "BACKOFF",
    "BACKOFF_CAP",
    "GIVE_UP_AFTER",
    "MAX_ATTEMPTS",
    "Round",
    "Sender",
    "Worker",
    "backoff",
]

log = logging.getLogger("rada.mail")
T = TypeVar("T")

#: The wait before the first retry; each further retry waits twice as long...
BACKOFF = timedelta(seconds=30)
#: ...but never more than this.
BACKOFF_CAP = timedelta(hours=1)
#: A mail still not sent this long after it was made is given up...
GIVE_UP_AFTER = timedelta(days=2)
#: ...and so is one tried this many times.
MAX_ATTEMPTS = 60


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try.

    >>> [int(backoff(n).total_seconds()) for n in (1, 2, 3, 8, 20)]
    [30, 60, 120, 3600, 3600]
    """
    return min(BACKOFF * (1 << min(max(attempts - 1, 0), 20)), BACKOFF_CAP)


class Sender(Protocol):
    """Sends one message to its ``To`` (raising :class:`~rada.mail.smtp.Refused` or
    :class:`~rada.mail.smtp.Passing`); ``close`` ends its connection, if it keeps one."""

    def send(self, message: Message) -> None: ...

    def close(self) -> None: ...


@dataclass
class Round:
    """What one round did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    given_up: int = 0
    refused: list[str] = field(default_factory=list)  # addresses marked refused
    server_down: bool = False


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _local_copy(message: Message) -> dict[str, Any]:
    """What the local outbox keeps of a mail: its headers and both parts, as text."""
    parts: dict[str, str] = {}
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if part.get_content_maintype() == "text" and isinstance(payload, bytes):
            charset = part.get_content_charset() or "utf-8"
            parts[part.get_content_subtype()] = payload.decode(charset, "replace")
    headers = {k: str(make_header(decode_header(str(v)))) for k, v in message.items()}
    return {"headers": headers, "text": parts.get("plain", ""), "html": parts.get("html", "")}


class Worker:
    """Sends the outbox's mail through ``sender`` (or to the local outbox) and does the
    chores. ``unit_of_work`` makes a fresh unit of work; ``clock`` tells the time."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        composer: Composer,
        *,
        sender: Sender | None = None,
        local: bool = False,
        clock: Callable[[], datetime] = _utc_now,
        batch: int = 100,
        lease: timedelta = timedelta(minutes=10),
        digest_hour: int = 6,
        chores_every: float = 60.0,
        idle: float = 1.0,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.composer = composer
        self.sender = sender
        self.local = local and sender is None
        self.clock = clock
        self.batch = batch
        self.lease = lease
        self.digest_hour = digest_hour
        self.chores_every = chores_every
        self.idle = idle

    @property
    def delivers(self) -> bool:
        """Whether this worker takes mail out of the outbox at all."""
        return self.sender is not None or self.local

    # One round of sending.

    def once(self) -> Round:
        """Claim one batch of due mails, send them and record what happened."""
        done = Round()
        if not self.delivers:
            return done
        now = self.clock()
        prepared: list[Prepared] = []
        unsendable: dict[int, str] = {}
        with self.unit_of_work() as uow:  # claim, and read what the words need, at once
            mails = uow.outbox.claim(now=now, until=now + self.lease, limit=self.batch)
            people = uow.settings.of_people([m.person_id for m in mails if m.person_id])
            for mail in mails:
                try:
                    prepared.append(self.composer.prepare(uow, mail, settings=people))
                except Unsendable as error:
                    unsendable[mail.id] = str(error)
            uow.commit()
        done.claimed = len(mails)
        if not mails:
            return done
        # Rendered after the unit of work ends: on SQLite it holds the write lock.
        messages = {p.mail.id: self.composer.render(p, now=now) for p in prepared}
        outcome = self._deliver([m for m in mails if m.id in messages], messages, done)
        self._record(mails, outcome, unsendable, done)
        return done

    def _deliver(
        self, mails: list[OutgoingMail], messages: dict[int, Message], done: Round
    ) -> dict[int, tuple[str, str | dict[str, Any]]]:
        """Send each mail; what became of each: ``("sent", kept payload or "")``,
        ``("retry", error)``, ``("refused", error)`` or ``("give_up", error)``."""
        outcome: dict[int, tuple[str, str | dict[str, Any]]] = {}
        for position, mail in enumerate(mails):
            message = messages[mail.id]
            if self.sender is None:
                outcome[mail.id] = ("sent", {"local": _local_copy(message)})
                continue
            try:
                self.sender.send(message)
            except Refused as error:
                outcome[mail.id] = ("refused" if error.recipient else "give_up", str(error))
            except Passing as error:
                outcome[mail.id] = ("retry", str(error))
                if error.down:
                    # The server is unreachable: the rest of the batch waits too, untried.
                    done.server_down = True
                    for later in mails[position + 1 :]:
                        outcome[later.id] = ("retry", str(error))
                    break
            else:
                outcome[mail.id] = ("sent", "")
        return outcome

    def _record(
        self,
        mails: list[OutgoingMail],
        outcome: dict[int, tuple[str, str | dict[str, Any]]],
        unsendable: dict[int, str],
        done: Round,
    ) -> None:
        now = self.clock()
        with self.unit_of_work() as uow:
            sent = [m.id for m in mails if outcome.get(m.id, ("",))[0] == "sent"]
            kept = {i: v for i in sent if isinstance(v := outcome[i][1], dict)}
            uow.outbox.sent(sent, at=now, kept=kept)
            done.sent = len(sent)
            for mail in mails:
                if mail.id in unsendable:
                    uow.outbox.give_up(mail.id, at=now, error=unsendable[mail.id])
                    done.given_up += 1
                    continue
                what, error = outcome[mail.id]
                assert isinstance(error, str) or what == "sent"
                if what == "retry":
                    self._retry(uow, mail, str(error), now=now, done=done)
                elif what in ("refused", "give_up"):
                    uow.outbox.give_up(mail.id, at=now, error=str(error))
                    done.given_up += 1
                    if what == "refused" and self._refuse(uow, mail, now=now):
                        done.refused.append(mail.address)
            uow.commit()
        if done.given_up or done.retried:
            log.info("mail: %d sent, %d to retry, %d given up", done.sent, done.retried,
                     done.given_up)  # fmt: skip

    def _retry(
        self, uow: UnitOfWork, mail: OutgoingMail, error: str, *, now: datetime, done: Round
    ) -> None:
        if mail.attempts >= MAX_ATTEMPTS or now - mail.created_at >= GIVE_UP_AFTER:
            uow.outbox.give_up(mail.id, at=now, error=f"given up after {mail.attempts} "
                               f"attempts: {error}")  # fmt: skip
            done.given_up += 1
        else:
            uow.outbox.retry(mail.id, at=now + backoff(mail.attempts), error=error)
            done.retried += 1

    @staticmethod
    def _refuse(uow: UnitOfWork, mail: OutgoingMail, *, now: datetime) -> bool:
        """Mark the person's address refused, when the mail went to the address they have
        now (a mail to an address being changed to marks nothing)."""
        if mail.person_id is None:
            return False
        person = uow.people.get(mail.person_id)
        settings = uow.settings.get(mail.person_id)
        if person is None or settings is None or person.email != mail.address:
            return False
        if settings.refused_at is None:
            settings.refused_at = now
            uow.settings.save(settings)
        return True

    # The chores.

    def digest_cutoff(self, now: datetime, zone: str | None = None) -> datetime:
        """The latest digest moment at or before ``now``: the digest hour of the day in the
        IANA time zone ``zone`` (UTC when None or not a zone this machine knows, however it
        got into the database), in UTC.

        >>> worker = Worker(lambda: None, None)  # type: ignore[arg-type,return-value]
        >>> at = datetime(2026, 7, 1, 4, 30, tzinfo=UTC)
        >>> str(worker.digest_cutoff(at)), str(worker.digest_cutoff(at, "Europe/Prague"))
        ('2026-06-30 06:00:00+00:00', '2026-07-01 04:00:00+00:00')
        """
        place = ZoneInfo(zone_or_utc(zone))
        local = now.astimezone(place)
        today = local.replace(hour=self.digest_hour, minute=0, second=0, microsecond=0)
        if today > local:
            # Arithmetic on an aware time is on the clock: the hour the day before, with
            # that day's offset from UTC (across a change of summer time too).
            today -= timedelta(days=1)
        return today.astimezone(UTC)

    def digest(self, *, people: int = 500) -> int:
        """Queue one digest mail per person with notices waiting since before their latest
        digest moment (:meth:`digest_cutoff` in their time zone), marking those notices
        digested whether the person is mailable or not; how many mails were queued. Run
        again the same day, it finds nothing new."""
        now = self.clock()
        queued, after = 0, 0
        while True:
            with self.unit_of_work() as uow:
                found = uow.notices.waiting_for_digest(limit=people, before=now, after_person=after)
                if not found:
                    return queued
                after = max(found)
                settings = uow.settings.of_people(list(found))
                waiting = {}
                for person, notices in found.items():
                    zone = settings[person].timezone if person in settings else None
                    cutoff = self.digest_cutoff(now, zone)
                    due = [n for n in notices if n.created_at < cutoff]
                    if due:
                        waiting[person] = due
                if not waiting:
                    continue
                addresses = uow.people.of_ids(list(waiting))
                mails = [
                    OutgoingMail(
                        address=addresses[person].email,
                        purpose="digest",
                        language=settings[person].language or "en",
                        created_at=now,
                        due_at=now,
                        person_id=person,
                        payload={"notices": [digest_item(n) for n in notices]},
                    )
                    for person, notices in waiting.items()
                    if person in settings and settings[person].mailable and person in addresses
                ]
                ids = [n.id for notices in waiting.values() for n in notices]
                if uow.notices.digested(ids, at=now) != len(ids):
                    return queued  # another worker digested them first: leave it to it
                uow.outbox.add_many(mails)
                uow.commit()
                queued += len(mails)

    def remind(self) -> int:
        """Tell members of votes closing within a day; how many notices were new."""
        with self.unit_of_work() as uow:
            found = remind(uow, now=self.clock())
            uow.commit()
        return len(found)

    def chores(self) -> None:
        """The reminders and the digest."""
        self.remind()
        self.digest()

    # The loop.

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set: rounds back to back while mail is due, a pause of
        :attr:`idle` seconds when none is (or the server is down), the chores on their
        schedule. An error is logged and the loop goes on after a pause."""
        next_chores = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() >= next_chores:
                    next_chores = time.monotonic() + self.chores_every
                    self._safely(self.chores)
                done = self._safely(self.once)
                if done is None or done.claimed < self.batch or done.server_down:
                    if self.sender is not None:
                        self.sender.close()  # no connection held open while idle
                    stop.wait(self.idle)
        finally:
            if self.sender is not None:
                self.sender.close()

    @staticmethod
    def _safely(work: Callable[[], T]) -> T | None:
        try:
            return work()
        except Exception:
            log.exception("the mail worker failed (it goes on)")
            return None
