"""The mail worker against a real SMTP server on loopback (aiosmtpd): mail arrives with both
parts and its headers, a server that is down loses nothing and gets nothing twice, a
permanent refusal marks the address, two workers send each mail once; on the in-memory unit
of work, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from tests.smtp_server import SmtpServer

from rada.councils.notices import Mail, NoticeKind
from rada.councils.orders import CouncilKind, ProposalKind
from rada.mail.compose import Composer
from rada.mail.smtp import Passing, SmtpSender, parse_smtp_url
from rada.mail.worker import Worker, backoff
from rada.services import accounts
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.notifying import settings_of
from rada.services.ports import OutgoingMail, UnitOfWork
from rada.store.memory import MemoryUnitOfWork

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
VOTE = T0 + timedelta(days=2)  # when the vote opens, after the discussion
Factory = Callable[[], UnitOfWork]
PUBLIC = "https://rada.example.org"
COMPOSER = Composer(sender="Rada <rada@example.org>", public_url=PUBLIC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Bakery:
    uow: Factory
    people: dict[str, int]
    council: int


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    smtp = SmtpServer().start()
    yield smtp
    smtp.stop()


def _bakery(uow_factory: Factory, members: int = 3, *, language: str | None = None) -> Bakery:
    names = ["Ana Dvořák", "Bo Novák", "Cy Malá"] + [f"Member {i}" for i in range(members - 3)]
    with uow_factory() as uow:
        ids = {
            name.split()[0].lower() if i < 3 else f"m{i}": accounts.register(
                uow, name=name, email=f"{name.split()[0].lower()}{i}@bakery.coop",
                password="long enough pw", now=T0,
            ).id
            for i, name in enumerate(names)
        }  # fmt: skip
        people = list(ids.values())
        council = cs.create_council(
            uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE,
            founder_id=people[0], now=T0,
        )  # fmt: skip
        for person in people[1:]:
            email = uow.people.get(person).email  # type: ignore[union-attr]
            issued = cs.invite(uow, council=council.id, email=email, by=people[0], now=T0)
            cs.accept_invitation(uow, code=issued.code, person_id=person, now=T0)
        for person in people:
            settings = settings_of(uow, person)
            settings.verified_at = T0
            settings.language = language
            settings.timezone = "Europe/Prague"
            uow.settings.save(settings)
        uow.commit()
    return Bakery(uow_factory, ids, council.id)


def _vote_opened(b: Bakery) -> int:
    """Ana opens a motion for a vote: everyone else hears of it at once."""
    with b.uow() as uow:
        proposal = ps.open_proposal(
            uow, council=b.council, kind=ProposalKind.MOTION, title="Second oven",
            text="Buy a second oven.", by=b.people["ana"], now=T0,
        ).id  # fmt: skip
        ps.open_voting(uow, proposal_id=proposal, by=b.people["ana"], now=VOTE)
        uow.commit()
    return proposal


def _worker(b: Bakery, server: SmtpServer, clock: Clock, **options: object) -> Worker:
    sender = SmtpSender(parse_smtp_url(server.url), timeout=5)
    return Worker(b.uow, COMPOSER, sender=sender, clock=clock, **options)  # type: ignore[arg-type]


def _drain(worker: Worker) -> None:
    while worker.once().claimed:
        pass


def test_a_notice_arrives_with_both_parts_its_headers_and_a_one_click_unsubscribe(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory)
    proposal = _vote_opened(b)
    clock = Clock(VOTE + timedelta(minutes=1))
    done = _worker(b, server, clock).once()
    assert (done.claimed, done.sent) == (2, 2)
    assert sorted(server.inbox.recipients) == ["bo1@bakery.coop", "cy2@bakery.coop"]
    message = next(m for m in server.inbox.messages if m["To"] == "bo1@bakery.coop")
    assert message["Subject"] == "Vote open: Second oven"
    assert message["From"] == "Rada <rada@example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@example.org>")
    with b.uow() as uow:
        key = uow.settings.get(b.people["bo"]).unsubscribe_key  # type: ignore[union-attr]
    assert message["List-Unsubscribe"] == f"<{PUBLIC}/unsubscribe/{key}/voting>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "The vote on “Second oven” is open in your council" in text.get_content()
    assert f"{PUBLIC}/proposals/{proposal}" in text.get_content()
    assert f'href="{PUBLIC}/proposals/{proposal}"' in html.get_content()
    with b.uow() as uow:
        assert uow.outbox.waiting() == 0
        assert all(m.payload == {} for m, _, _ in uow.outbox.recent(limit=10))


def test_a_czech_reader_gets_czech_words_in_their_time_zone(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory, language="cs")
    _vote_opened(b)
    _drain(_worker(b, server, Clock(VOTE + timedelta(minutes=1))))
    message = server.inbox.messages[0]
    assert message["Subject"] == "Hlasování zahájeno: Second oven"
    body = message.get_body(("plain",))
    assert body is not None
    words = body.get_content()
    assert "Ve vaší radě je zahájeno hlasování o návrhu „Second oven“" in words
    assert "(Europe/Prague)" in words
    assert "2026" in words
    assert "Tento druh zpráv už neposílat" in words


def test_a_server_that_is_down_loses_nothing_and_gets_nothing_twice(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory, members=6)
    _vote_opened(b)
    server.stop()
    clock = Clock(VOTE + timedelta(minutes=1))
    worker = _worker(b, server, clock)
    done = worker.once()
    assert (done.claimed, done.sent, done.retried, done.server_down) == (5, 0, 5, True)
    assert worker.once().claimed == 0  # not due again before the backoff
    clock.now += backoff(1)
    assert worker.once().retried == 5  # still down: the next wait is twice as long
    server.start()
    clock.now += backoff(1)
    assert worker.once().claimed == 0
    clock.now += backoff(2)
    assert worker.once().sent == 5
    _drain(worker)
    assert sorted(server.inbox.recipients) == sorted(set(server.inbox.recipients))
    assert len(server.inbox.recipients) == 5
    ids = {m["Message-ID"] for m in server.inbox.messages}
    assert len(ids) == 5


def test_a_mail_not_sent_in_two_days_is_given_up(uow_factory: Factory, server: SmtpServer) -> None:
    b = _bakery(uow_factory)
    _vote_opened(b)
    server.stop()
    clock = Clock(VOTE + timedelta(days=2, minutes=1))
    done = _worker(b, server, clock).once()
    assert (done.retried, done.given_up) == (0, 2)
    with b.uow() as uow:
        assert uow.outbox.waiting() == 0
        assert all(
            "given up after 1 attempts" in (e or "") for _, _, e in uow.outbox.recent(limit=5)
        )


def test_a_permanent_refusal_gives_up_and_marks_the_address_refused(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory)
    server.inbox.refuse.add("bo1@bakery.coop")
    _vote_opened(b)
    done = _worker(b, server, Clock(VOTE + timedelta(minutes=1))).once()
    assert (done.sent, done.given_up, done.refused) == (1, 1, ["bo1@bakery.coop"])
    assert server.inbox.recipients == ["cy2@bakery.coop"]
    with b.uow() as uow:
        bo = uow.settings.get(b.people["bo"])
        assert bo is not None
        assert bo.refused_at is not None
        assert not bo.mailable
        assert uow.outbox.waiting() == 0
        refused = [e for m, _, e in uow.outbox.recent(limit=5) if m.address == "bo1@bakery.coop"]
        assert refused
        assert refused[0] is not None
        assert refused[0].startswith("550")


def test_a_mail_for_someone_who_unsubscribed_since_is_not_sent(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory)
    _vote_opened(b)
    with b.uow() as uow:
        cy = settings_of(uow, b.people["cy"])
        cy.mail[NoticeKind.VOTING] = Mail.NEVER
        uow.settings.save(cy)
        uow.commit()
    done = _worker(b, server, Clock(VOTE + timedelta(minutes=1))).once()
    assert (done.sent, done.given_up) == (1, 1)
    assert server.inbox.recipients == ["bo1@bakery.coop"]


def test_account_mail_carries_its_link_and_forgets_it_once_sent(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory)
    link = f"{PUBLIC}/reset/secret-token"
    with b.uow() as uow:
        uow.outbox.add_many([OutgoingMail(
            address="cy2@bakery.coop", purpose="reset", language="cs", created_at=T0,
            due_at=T0, person_id=b.people["cy"],
            payload={"link": link, "expires_at": (T0 + timedelta(hours=1)).isoformat()},
        )])  # fmt: skip
        uow.commit()
    _drain(_worker(b, server, Clock(T0)))
    (message,) = server.inbox.messages
    assert message["Subject"] == "Zvolte si nové heslo"
    assert "List-Unsubscribe" not in message
    body = message.get_body(("plain",))
    assert body is not None
    assert link in body.get_content()
    assert "Odkaz platí jednou, do 2. března 2026 10:00 (Europe/Prague)" in body.get_content()
    with b.uow() as uow:
        assert [m.payload for m, _, _ in uow.outbox.recent(limit=1)] == [{}]


def test_the_daily_digest_lists_the_days_notices_once(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory)
    with b.uow() as uow:  # discussions come in the digest by default
        for title in ("Second oven", "Night shift"):
            ps.open_proposal(uow, council=b.council, kind=ProposalKind.MOTION, title=title,
                             text="Text.", by=b.people["ana"], now=T0)  # fmt: skip
        uow.commit()
    clock = Clock(T0 + timedelta(hours=1))  # 09:00 UTC, after the 06:00 digest in Prague
    worker = _worker(b, server, clock)
    assert worker.digest() == 0  # the notices came after today's digest moment
    clock.now = T0 + timedelta(days=1)
    assert worker.digest() == 2  # Bo and Cy
    assert worker.digest() == 0
    _drain(worker)
    assert sorted(server.inbox.recipients) == ["bo1@bakery.coop", "cy2@bakery.coop"]
    message = server.inbox.messages[0]
    assert message["Subject"] == "Your day on Rada: 2 notices"
    assert message["List-Unsubscribe"].endswith("/digest>")
    body = message.get_body(("plain",))
    assert body is not None
    assert "“Night shift” is open for discussion" in body.get_content()


def test_the_digest_comes_at_the_digest_hour_of_each_persons_time_zone(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory)
    with b.uow() as uow:
        # Cy's zone as a direct edit of the database might leave it: not a zone (a folder of
        # the zone database, which zoneinfo cannot open); the digest treats it as UTC.
        for person, zone in (("bo", "America/Los_Angeles"), ("cy", "Europe")):
            settings = settings_of(uow, b.people[person])
            settings.timezone = zone
            uow.settings.save(settings)
        ps.open_proposal(uow, council=b.council, kind=ProposalKind.MOTION, title="Rye",
                         text="Text.", by=b.people["ana"], now=T0)  # fmt: skip
        uow.commit()
    # T0 is 08:00 UTC on 2 March: 00:00 in Los Angeles (UTC-8), 09:00 in Prague (UTC+1).
    clock = Clock(T0 + timedelta(hours=7))  # 15:00 UTC: 07:00 in Los Angeles
    worker = _worker(b, server, clock)
    assert worker.digest(people=1) == 1  # Bo's 06:00 has passed; Cy's (UTC) was before T0
    _drain(worker)
    assert server.inbox.recipients == ["bo1@bakery.coop"]
    clock.now = datetime(2026, 3, 3, 5, 59, tzinfo=UTC)
    assert worker.digest(people=1) == 0  # one minute before Cy's 06:00 UTC
    clock.now = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    assert worker.digest(people=1) == 1
    assert worker.digest(people=1) == 0
    _drain(worker)
    assert sorted(server.inbox.recipients) == ["bo1@bakery.coop", "cy2@bakery.coop"]


def test_two_workers_at_once_send_each_mail_once(uow_factory: Factory, server: SmtpServer) -> None:
    if isinstance(uow_factory(), MemoryUnitOfWork):
        pytest.skip("the in-memory unit of work serves one thread")
    b = _bakery(uow_factory, members=16)
    _vote_opened(b)
    clock = Clock(VOTE + timedelta(minutes=1))
    workers = [_worker(b, server, clock, batch=5) for _ in range(2)]
    errors: list[BaseException] = []

    def work(worker: Worker) -> None:
        try:
            _drain(worker)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(server.inbox.recipients) == 15
    assert len(set(server.inbox.recipients)) == 15


def test_without_a_server_mail_is_delivered_to_the_local_outbox(uow_factory: Factory) -> None:
    b = _bakery(uow_factory)
    _vote_opened(b)
    worker = Worker(b.uow, COMPOSER, local=True, clock=Clock(VOTE + timedelta(minutes=1)))
    assert worker.once().sent == 2
    with b.uow() as uow:
        kept = [m.payload["local"] for m, sent, _ in uow.outbox.recent(limit=5) if sent]
    assert len(kept) == 2
    assert kept[0]["headers"]["Subject"] == "Vote open: Second oven"
    assert "Second oven" in kept[0]["text"]
    assert "<html" in kept[0]["html"]


def test_the_worker_loop_sends_does_its_chores_and_stops_when_told(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory)
    _vote_opened(b)
    stop = threading.Event()
    worker = _worker(b, server, Clock(VOTE + timedelta(minutes=1)), idle=0.05)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    for _ in range(200):
        if len(server.inbox.recipients) == 4:
            break
        stop.wait(0.05)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    # Its chores: the discussion's opening, two days ago, comes in the daily digest.
    subjects = sorted(m["Subject"] for m in server.inbox.messages)
    assert subjects == sorted(["Vote open: Second oven", "Your day on Rada: 1 notice"] * 2)


@pytest.mark.parametrize("password", ["right pw", "wrong pw"])
def test_credentials_in_the_url_log_in_and_a_refused_login_only_delays(password: str) -> None:
    server = SmtpServer(login=("rada@example.org", "right pw")).start()
    try:
        sender = SmtpSender(parse_smtp_url(
            f"smtp://rada%40example.org:{password.replace(' ', '%20')}@127.0.0.1:{server.port}"
        ), timeout=5)  # fmt: skip
        mail = OutgoingMail(
            address="dana@example.org", purpose="verify", language="en", created_at=T0,
            due_at=T0, payload={"link": f"{PUBLIC}/verify/x"},
        )  # fmt: skip
        message = COMPOSER.compose(MemoryUnitOfWork(), mail)
        if password == "right pw":
            sender.send(message)
            assert server.inbox.recipients == ["dana@example.org"]
        else:
            with pytest.raises(Passing):  # a setting to fix: the mail waits, it is not refused
                sender.send(message)
            assert server.inbox.recipients == []
        sender.close()
        assert server.logins == ["rada@example.org"]
    finally:
        server.stop()


def test_members_who_have_not_voted_are_reminded_once_before_the_close(
    uow_factory: Factory, server: SmtpServer
) -> None:
    b = _bakery(uow_factory)
    proposal = _vote_opened(b)
    with b.uow() as uow:
        closes = uow.proposals.get(proposal).closes_at  # type: ignore[union-attr]
    assert closes is not None
    clock = Clock(closes - timedelta(hours=1))
    worker = _worker(b, server, clock)
    assert worker.remind() == 3  # the founder votes too
    assert worker.remind() == 0
    _drain(worker)
    closing = [m for m in server.inbox.messages if m["Subject"].startswith("Vote closing soon")]
    assert sorted(m["To"] for m in closing) == [
        "ana0@bakery.coop", "bo1@bakery.coop", "cy2@bakery.coop",
    ]  # fmt: skip
    body = closing[0].get_body(("plain",))
    assert body is not None
    assert "(Europe/Prague)" in body.get_content()
