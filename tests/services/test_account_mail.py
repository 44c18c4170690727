"""What accounts prove by mail: confirming an address, resetting a password, moving to a new
address, and invitations sent by mail; on the in-memory unit of work and the real databases.

Each link is read from the outbox, where the worker would take it from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from rada.councils.errors import Conflict, CouncilError
from rada.councils.notices import NoticeKind
from rada.councils.orders import CouncilKind
from rada.services import accounts
from rada.services import councils as cs
from rada.services.notifying import settings_of
from rada.services.ports import OutgoingMail, UnitOfWork

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
PASSWORD = "long enough pw"
LINKS = accounts.links_to("https://rada.example/")
Factory = Callable[[], UnitOfWork]


def _mails(uow: UnitOfWork) -> list[OutgoingMail]:
    """The outbox, oldest first."""
    return [m for m, _sent, _error in reversed(uow.outbox.recent(limit=100))]


def _token(mail: OutgoingMail) -> str:
    return str(mail.payload["link"]).rsplit("/", 1)[1]


def _sign_up(factory: Factory, email: str = "ana@bakery.coop", **kw: str) -> tuple[int, str]:
    """Ana signs up; her id and the token of the confirmation mail."""
    with factory() as uow:
        ana = accounts.register(
            uow, name="Ana Dvořák", email=email, password=PASSWORD, now=T0, links=LINKS, **kw
        )
        uow.commit()
        mail = _mails(uow)[-1]
    return ana.id, _token(mail)


def test_sign_up_mails_a_link_that_confirms_the_address_once(uow_factory: Factory) -> None:
    ana, token = _sign_up(uow_factory, language="cs")
    with uow_factory() as uow:
        (mail,) = _mails(uow)
        assert (mail.address, mail.purpose, mail.language, mail.person_id) == (
            "ana@bakery.coop", "verify", "cs", ana,
        )  # fmt: skip
        assert mail.payload["link"] == f"https://rada.example/verify/{token}"
        assert mail.payload["name"] == "Ana Dvořák"
        assert mail.payload["expires_at"] == (T0 + timedelta(hours=48)).isoformat()
        assert settings_of(uow, ana).verified_at is None
        assert len(token) >= 43  # 32 random bytes
    later = T0 + timedelta(hours=47)
    with uow_factory() as uow:
        assert accounts.confirm_email(uow, token=token, now=later).id == ana
        uow.commit()
    with uow_factory() as uow:
        assert settings_of(uow, ana).verified_at == later
        assert settings_of(uow, ana).mailable
        with pytest.raises(accounts.TokenRefused, match="used already or has expired"):
            accounts.confirm_email(uow, token=token, now=later)


def test_an_expired_or_unknown_link_is_refused_and_changes_nothing(uow_factory: Factory) -> None:
    ana, token = _sign_up(uow_factory)
    with uow_factory() as uow:
        late = T0 + timedelta(hours=48)
        for wrong, at in ((token, late), ("x" * 43, T0), ("\ud800", T0), ("x" * 10_000, T0)):
            with pytest.raises(accounts.TokenRefused):
                accounts.confirm_email(uow, token=wrong, now=at)
        assert settings_of(uow, ana).verified_at is None


def test_a_new_confirmation_replaces_the_old_and_waits_five_minutes(uow_factory: Factory) -> None:
    ana, first = _sign_up(uow_factory)
    with uow_factory() as uow:
        with pytest.raises(accounts.TooSoon) as soon:
            accounts.send_verification(
                uow, person_id=ana, now=T0 + timedelta(minutes=4), links=LINKS
            )
        assert soon.value.retry_after == 60
        accounts.send_verification(uow, person_id=ana, now=T0 + timedelta(minutes=5), links=LINKS)
        uow.commit()
        second = _token(_mails(uow)[-1])
    assert second != first
    with uow_factory() as uow:
        with pytest.raises(accounts.TokenRefused):
            accounts.confirm_email(uow, token=first, now=T0 + timedelta(minutes=6))
        accounts.confirm_email(uow, token=second, now=T0 + timedelta(minutes=6))
        uow.commit()
    with uow_factory() as uow, pytest.raises(CouncilError, match="confirmed already"):
        accounts.send_verification(uow, person_id=ana, now=T0 + timedelta(hours=1), links=LINKS)


def test_a_reset_answers_the_same_for_an_unknown_address_and_queues_nothing(
    uow_factory: Factory,
) -> None:
    _sign_up(uow_factory)
    with uow_factory() as uow:
        accounts.request_reset(uow, email="nobody@bakery.coop", now=T0, links=LINKS)
        uow.commit()
        assert [m.purpose for m in _mails(uow)] == ["verify"]
        with pytest.raises(CouncilError, match="is not an e-mail address"):
            accounts.request_reset(uow, email="not an address", now=T0, links=LINKS)


def test_a_reset_link_sets_the_password_once_and_expires_in_an_hour(uow_factory: Factory) -> None:
    ana, _ = _sign_up(uow_factory)
    with uow_factory() as uow:
        accounts.request_reset(uow, email=" ANA@bakery.coop ", now=T0, links=LINKS, language="cs")
        accounts.request_reset(uow, email="ana@bakery.coop", now=T0, links=LINKS)  # too soon
        uow.commit()
        resets = [m for m in _mails(uow) if m.purpose == "reset"]
    assert len(resets) == 1
    assert resets[0].payload["link"].startswith("https://rada.example/reset/")
    assert resets[0].payload["expires_at"] == (T0 + timedelta(hours=1)).isoformat()
    token = _token(resets[0])
    with uow_factory() as uow:
        with pytest.raises(CouncilError, match="at least 10"):  # the link is not spent
            accounts.reset_password(uow, token=token, new_password="short", now=T0)
        with pytest.raises(accounts.TokenRefused):
            accounts.reset_password(
                uow, token=token, new_password="a new long passphrase", now=T0 + timedelta(hours=1)
            )
    with uow_factory() as uow:
        accounts.reset_password(uow, token=token, new_password="a new long passphrase", now=T0)
        uow.commit()
    with uow_factory() as uow:
        assert accounts.authenticate(uow, email="ana@bakery.coop", password="a new long passphrase")
        with pytest.raises(accounts.BadCredentials):
            accounts.authenticate(uow, email="ana@bakery.coop", password=PASSWORD)
        assert settings_of(uow, ana).verified_at == T0  # the link proved the address too
        with pytest.raises(accounts.TokenRefused):
            accounts.reset_password(uow, token=token, new_password="yet another passphrase", now=T0)


def test_changing_the_address_confirms_the_new_one_and_stays_off_the_record(
    uow_factory: Factory,
) -> None:
    ana, _ = _sign_up(uow_factory)
    with uow_factory() as uow:
        with pytest.raises(accounts.BadCredentials):
            accounts.request_email_change(
                uow, person_id=ana, new_email="ana@new.coop", password="wrong", now=T0, links=LINKS
            )
        assert (
            accounts.request_email_change(
                uow,
                person_id=ana,
                new_email=" Ana@New.coop",
                password=PASSWORD,
                now=T0,
                links=LINKS,
            )
            == "ana@new.coop"
        )
        uow.commit()
        mail = _mails(uow)[-1]
        entries = 0
        while uow.record.read(entries) is not None:
            entries += 1
    assert (mail.address, mail.purpose) == ("ana@new.coop", "change-email")
    assert mail.payload["link"].startswith("https://rada.example/confirm-email/")
    with uow_factory() as uow:
        assert uow.people.get(ana).email == "ana@bakery.coop"  # not until confirmed
        moved = accounts.confirm_email_change(uow, token=_token(mail), now=T0)
        uow.commit()
    assert moved.email == "ana@new.coop"
    with uow_factory() as uow:
        assert uow.people.by_email("ana@new.coop").id == ana
        assert settings_of(uow, ana).verified_at == T0
        assert uow.record.read(entries) is None  # nothing new on the public record
        bodies = repr([uow.record.read(i).body for i in range(entries)])  # type: ignore[union-attr]
        assert "@" not in bodies  # no address was ever on it
        with pytest.raises(accounts.TokenRefused):
            accounts.confirm_email_change(uow, token=_token(mail), now=T0)


def test_an_address_taken_meanwhile_is_refused_at_confirmation(uow_factory: Factory) -> None:
    ana, _ = _sign_up(uow_factory)
    _sign_up(uow_factory, email="bo@bakery.coop")
    with uow_factory() as uow:
        with pytest.raises(CouncilError, match="your e-mail address already"):
            accounts.request_email_change(
                uow, person_id=ana, new_email="ana@bakery.coop", password=PASSWORD, now=T0,
                links=LINKS,
            )  # fmt: skip
        with pytest.raises(Conflict):
            accounts.request_email_change(
                uow, person_id=ana, new_email="bo@bakery.coop", password=PASSWORD, now=T0,
                links=LINKS,
            )  # fmt: skip
        accounts.request_email_change(
            uow, person_id=ana, new_email="shared@bakery.coop", password=PASSWORD, now=T0,
            links=LINKS,
        )  # fmt: skip
        uow.commit()
        token = _token(_mails(uow)[-1])
    _sign_up(uow_factory, email="shared@bakery.coop")
    with uow_factory() as uow, pytest.raises(Conflict, match="exists"):
        accounts.confirm_email_change(uow, token=token, now=T0)
    with uow_factory() as uow:
        assert uow.people.get(ana).email == "ana@bakery.coop"


def test_an_invitation_queues_one_mail_with_its_link_and_tells_an_account(
    uow_factory: Factory,
) -> None:
    with uow_factory() as uow:
        ana = accounts.register(uow, name="Ana Dvořák", email="ana@b.coop", password=PASSWORD,
                                now=T0)  # fmt: skip
        bo = accounts.register(uow, name="Bo Novák", email="bo@b.coop", password=PASSWORD, now=T0)
        bakery = cs.create_council(uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE,
                                   founder_id=ana.id, now=T0)  # fmt: skip
        for_bo = cs.invite(uow, council="bakery", email="bo@b.coop", by=ana.id, now=T0,
                           links=LINKS, language="cs")  # fmt: skip
        for_cy = cs.invite(uow, council="bakery", email="cy@b.coop", by=ana.id, now=T0, links=LINKS)
        uow.commit()
        mails = _mails(uow)
        assert [(m.address, m.purpose, m.person_id, m.language) for m in mails] == [
            ("bo@b.coop", "invitation", bo.id, "cs"),
            ("cy@b.coop", "invitation", None, "en"),
        ]
        assert mails[0].payload == {
            "link": f"https://rada.example/join?code={for_bo.code}",
            "code": for_bo.code,
            "council": "Bakery",
            "by": "Ana Dvořák",
            "expires_at": for_bo.invitation.expires_at.isoformat(),
        }
        assert mails[1].payload["link"].endswith(for_cy.code)
        (notice,) = uow.notices.for_person(bo.id)
        assert (notice.kind, notice.council_id) == (NoticeKind.INVITATION, bakery.id)
        uow.outbox.sent([mails[0].id], at=T0)
        uow.commit()
        assert _mails(uow)[0].payload == {}  # the code leaves the outbox once sent


def test_the_worker_delivers_each_link_once_and_the_link_from_the_inbox_works(
    uow_factory: Factory,
) -> None:
    """Through a real SMTP server (aiosmtpd): the sign-up, reset and invitation mails arrive
    once each, with links that work, and leave no secret in the outbox."""
    from tests.smtp_server import SmtpServer

    from rada.mail.compose import Composer
    from rada.mail.smtp import SmtpSender, parse_smtp_url
    from rada.mail.worker import Worker

    server = SmtpServer().start()
    try:
        ana, _ = _sign_up(uow_factory, language="cs")
        with uow_factory() as uow:
            cs.create_council(uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE,
                              founder_id=ana, now=T0)  # fmt: skip
            issued = cs.invite(uow, council="bakery", email="bo@b.coop", by=ana, now=T0,
                               links=LINKS)  # fmt: skip
            accounts.request_reset(uow, email="ana@bakery.coop", now=T0, links=LINKS)
            uow.commit()
        worker = Worker(
            uow_factory, Composer(sender="Rada <rada@example.org>", public_url="https://rada.example"),
            sender=SmtpSender(parse_smtp_url(server.url), timeout=5), clock=lambda: T0,
        )  # fmt: skip
        while worker.once().claimed:
            pass
        assert worker.once().claimed == 0  # nothing is sent twice
        bodies: dict[str, list[str]] = {}
        for message in server.inbox.messages:
            body = message.get_body(("plain",))
            assert body is not None
            bodies.setdefault(str(message["To"]), []).append(body.get_content())
        assert sorted(server.inbox.recipients) == ["ana@bakery.coop", "ana@bakery.coop",
                                                    "bo@b.coop"]  # fmt: skip
        assert f"https://rada.example/join?code={issued.code}" in bodies["bo@b.coop"][0]
        links = [
            word.rstrip(".,)")
            for text in bodies["ana@bakery.coop"]
            for word in text.split()
            if word.startswith("https://rada.example/")
        ]
        verify = next(link for link in links if "/verify/" in link)
        reset = next(link for link in links if "/reset/" in link)
        with uow_factory() as uow:
            assert all(m.payload.get("link") is None for m in _mails(uow))  # forgotten once sent
            accounts.confirm_email(uow, token=verify.rsplit("/", 1)[1], now=T0)
            accounts.reset_password(
                uow, token=reset.rsplit("/", 1)[1], new_password="a new long passphrase", now=T0
            )
            uow.commit()
    finally:
        server.stop()
