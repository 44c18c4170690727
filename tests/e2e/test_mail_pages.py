"""Unsubscribing in one click (RFC 8058) and the local outbox, over HTTP."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from rada.config import Settings
from rada.councils.notices import Mail, NoticeKind
from rada.mail.compose import Composer
from rada.mail.worker import Worker
from rada.services import accounts
from rada.services.notifying import settings_of
from rada.services.ports import OutgoingMail
from rada.web.app import create_app

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
HTML = {"Accept": "text/html"}


@dataclass
class Site:
    app: FastAPI
    person: int
    key: str

    def client(self) -> TestClient:
        return TestClient(self.app)


def _site(tmp_path: Path, **options: object) -> Iterator[Site]:
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'rada.db'}",
        checkpoint_interval_seconds=0, audit_interval_seconds=0, **options,  # type: ignore[arg-type]
    )  # fmt: skip
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app):
        with app.state.api.uow() as uow:
            person = accounts.register(uow, name="Dana Nováková", email="dana@bakery.example",
                                       password="correct horse battery", now=NOW).id  # fmt: skip
            key = settings_of(uow, person).unsubscribe_key
            uow.commit()
        yield Site(app, person, key)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from _site(tmp_path)


def _mail(site: Site, kind: NoticeKind) -> Mail:
    with site.app.state.api.uow() as uow:
        return settings_of(uow, site.person).mail_for(kind)  # type: ignore[no-any-return]


def test_a_mail_clients_one_click_post_turns_that_kind_off_without_cookie_or_token(
    site: Site,
) -> None:
    client = site.client()
    page = client.get(f"/unsubscribe/{site.key}/voting", headers=HTML)
    assert page.status_code == 200
    assert f'action="/unsubscribe/{site.key}/voting"' in page.text
    assert 'name="csrf_token"' not in page.text
    assert _mail(site, NoticeKind.VOTING) is Mail.NOW  # a GET changes nothing
    done = TestClient(site.app).post(
        f"/unsubscribe/{site.key}/voting", content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded", **HTML},
    )  # fmt: skip
    assert done.status_code == 200
    assert "you will no longer get" in done.text
    assert _mail(site, NoticeKind.VOTING) is Mail.NEVER
    assert _mail(site, NoticeKind.REPLY) is Mail.NOW  # the other kinds stay as they were
    again = site.client().post(f"/unsubscribe/{site.key}/voting", headers=HTML)
    assert again.status_code == 200


def test_all_and_the_digest_turn_off_what_they_name(site: Site) -> None:
    client = site.client()
    assert client.post(f"/unsubscribe/{site.key}/digest").status_code == 200
    assert _mail(site, NoticeKind.DISCUSSION) is Mail.NEVER  # a digest kind by default
    assert _mail(site, NoticeKind.VOTING) is Mail.NOW  # a kind mailed at once
    assert client.post(f"/unsubscribe/{site.key}/all").status_code == 200
    assert all(_mail(site, kind) is Mail.NEVER for kind in NoticeKind)


@pytest.mark.parametrize("path", ["/unsubscribe/not-a-key/voting", "/unsubscribe/{key}/nothing"])
def test_an_unknown_unsubscribe_link_is_refused_clearly(site: Site, path: str) -> None:
    client = site.client()
    for method in ("GET", "POST"):
        answer = client.request(method, path.format(key=site.key), headers=HTML)
        assert answer.status_code == 404
        assert "This unsubscribe link is not known" in answer.text
    assert _mail(site, NoticeKind.VOTING) is Mail.NOW


def test_the_czech_page_says_it_in_czech(site: Site) -> None:
    page = site.client().get(f"/unsubscribe/{site.key}/voting?lang=cs", headers=HTML)
    assert "Zastavit tyto e-maily" in page.text


def test_the_local_outbox_shows_delivered_mail_with_its_links(site: Site) -> None:
    with site.app.state.api.uow() as uow:
        uow.outbox.add_many([OutgoingMail(
            address="dana@bakery.example", purpose="verify", language="en", created_at=NOW,
            due_at=NOW, person_id=site.person,
            payload={"link": "http://127.0.0.1:8000/verify/abc", "name": "Dana"},
        )])  # fmt: skip
        uow.commit()
    composer = Composer(sender="Rada <rada@localhost>", public_url="http://127.0.0.1:8000")
    Worker(site.app.state.api.uow, composer, local=True, clock=lambda: NOW).once()
    page = site.client().get("/outbox", headers=HTML)
    assert page.status_code == 200
    assert "Confirm your e-mail address" in page.text
    assert '<a href="http://127.0.0.1:8000/verify/abc">' in page.text


def test_there_is_no_outbox_page_with_a_mail_server(tmp_path: Path) -> None:
    for site in _site(tmp_path, smtp_url=SecretStr("smtp://127.0.0.1:2525")):
        assert site.client().get("/outbox", headers=HTML).status_code == 404


def test_there_is_no_outbox_page_in_production(tmp_path: Path) -> None:
    for site in _site(tmp_path, mode="production", secret_key=SecretStr(secrets.token_urlsafe(48))):
        assert site.client().get("/outbox", headers=HTML).status_code == 404
