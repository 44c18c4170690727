"""The pieces under the API's security: signed sessions and the sign-in limiter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rada.store.database import Database
from rada.store.web_sessions import SessionStore
from rada.web.security import SESSION_SECONDS, Session, SessionCodec, SignInLimiter


def test_a_session_cookie_verifies_until_it_expires() -> None:
    codec = SessionCodec("a" * 40)
    session = Session(person_id=7, session_id="abc", issued_at=1_000_000)
    value = codec.encode(session)
    assert codec.decode(value, now=1_000_000 + 10) == session
    assert codec.decode(value, now=1_000_000 + SESSION_SECONDS) is None


def test_a_cookie_signed_with_another_key_or_altered_is_refused() -> None:
    session = Session(person_id=7, session_id="abc", issued_at=1_000_000)
    value = SessionCodec("a" * 40).encode(session)
    other = SessionCodec("b" * 40)
    assert other.decode(value, now=1_000_001) is None
    body, signature = value.split(".")
    tampered = SessionCodec("a" * 40).encode(Session(8, "abc", 1_000_000)).split(".")[0]
    assert SessionCodec("a" * 40).decode(f"{tampered}.{signature}", now=1_000_001) is None
    for junk in ("", ".", "x.y", body, "!!!.???"):
        assert SessionCodec("a" * 40).decode(junk, now=1_000_001) is None


def test_csrf_tokens_differ_per_session_and_per_key() -> None:
    codec = SessionCodec("a" * 40)
    one, two = Session(1, "s1", 0), Session(1, "s2", 0)
    assert codec.csrf_for(one) != codec.csrf_for(two)
    assert codec.csrf_for(one) != SessionCodec("b" * 40).csrf_for(one)
    assert codec.csrf_for(one) == SessionCodec("a" * 40).csrf_for(one)


def test_the_limiter_lets_people_try_again_once_the_window_moves_on(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'rada.db'}")
    database.upgrade()
    store = SessionStore(database.engine)
    now = [1_000_000.0]
    limiter = SignInLimiter(attempts=3, window=60, store=lambda: store, clock=lambda: now[0])
    for second in (0, 10, 20):
        now[0] = 1_000_000 + second
        assert limiter.retry_after("ip:a", "email:x") is None
        limiter.failed("ip:a", "email:x")
    now[0] = 1_000_030
    assert limiter.retry_after("ip:a") == 30  # the first failure expires at 60
    assert limiter.retry_after("email:x", "ip:b") == 30
    assert limiter.retry_after("ip:b") is None
    # Another process on the same database sees the same failures.
    other = SignInLimiter(attempts=3, window=60, store=lambda: SessionStore(database.engine))
    other._clock = lambda: now[0]
    assert other.retry_after("ip:a") == 30
    now[0] = 1_000_060
    assert limiter.retry_after("ip:a") is None
    limiter.failed("ip:a")
    assert limiter.retry_after("ip:a") == 10
    limiter.succeeded("email:x")
    assert limiter.retry_after("email:x") is None
    database.dispose()


def test_a_signed_out_session_stays_out_in_every_process_and_after_a_restart(
    tmp_path: Path, store_url: str
) -> None:
    """Two apps on one database stand for two workers, or one worker before and after a
    restart: a cookie signed out in one is refused by the other (SQLite and PostgreSQL)."""
    from fastapi.testclient import TestClient

    from rada.config import Settings
    from rada.web.app import create_app

    settings = Settings(
        data_dir=tmp_path,
        database_url=store_url,
        audit_interval_seconds=0,
        checkpoint_interval_seconds=0,
    )
    body = {"name": "Ana", "email": "ana@b.coop", "password": "long enough password"}
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        made = first.post("/api/v1/accounts", json=body)
        assert made.status_code == 201
        cookie = made.cookies.get("rada_session") or first.cookies.get("rada_session")
        assert cookie
        second.cookies.set("rada_session", cookie)
        assert second.get("/api/v1/me").status_code == 200
        csrf = made.json()["csrf_token"]
        assert first.post("/api/v1/auth/sign-out", headers={"X-CSRF-Token": csrf}).status_code in (
            200,
            204,
        )
        assert second.get("/api/v1/me").status_code == 401
    with TestClient(create_app(settings)) as restarted:
        restarted.cookies.set("rada_session", cookie)
        assert restarted.get("/api/v1/me").status_code == 401


def test_password_hashing_is_bounded_and_a_busy_server_says_when_to_come_back(
    tmp_path: Path,
) -> None:
    import threading

    from fastapi.testclient import TestClient

    from rada.config import Settings
    from rada.web.app import create_app
    from rada.web.security import HashingBusy, HashingGate

    gate = HashingGate(1, wait=0.1)
    inside, release = threading.Event(), threading.Event()

    def slow() -> int:
        inside.set()
        release.wait(5)
        return 1

    holder = threading.Thread(target=gate.call, args=(slow,))
    holder.start()
    inside.wait(5)
    with pytest.raises(HashingBusy):
        gate.call(lambda: 2)
    release.set()
    holder.join()
    assert gate.call(lambda: 3) == 3

    settings = Settings(
        data_dir=tmp_path, audit_interval_seconds=0, checkpoint_interval_seconds=0,
        hashing_concurrency=1,
    )  # fmt: skip
    app = create_app(settings)
    with TestClient(app) as client:
        app.state.security.hashing.wait = 0.1
        slots = app.state.security.hashing._slots
        assert slots.acquire(timeout=1)
        try:
            body = {"name": "Ana", "email": "ana@b.coop", "password": "long enough password"}
            busy = client.post("/api/v1/accounts", json=body)
            assert busy.status_code == 503
            assert busy.headers["retry-after"] == "2"
            page = client.get("/sign-in")
            token = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
            assert token is not None
            form = {"email": "a@b.coop", "password": "whatever pw", "csrf_token": token.group(1)}
            assert client.post("/sign-in", data=form).status_code == 503
        finally:
            slots.release()
        assert client.post("/api/v1/accounts", json=body).status_code == 201


def test_a_person_changes_their_password_and_their_other_sessions_end(
    tmp_path: Path, store_url: str
) -> None:
    from fastapi.testclient import TestClient

    from rada.config import Settings
    from rada.web.app import create_app

    settings = Settings(
        data_dir=tmp_path,
        database_url=store_url,
        audit_interval_seconds=0,
        checkpoint_interval_seconds=0,
    )
    old, new = "long enough password", "another long password"
    app = create_app(settings)
    with TestClient(app) as here, TestClient(app) as elsewhere:
        made = here.post(
            "/api/v1/accounts", json={"name": "A", "email": "a@b.coop", "password": old}
        )
        csrf = {"X-CSRF-Token": made.json()["csrf_token"]}
        signed = elsewhere.post("/api/v1/auth/sign-in", json={"email": "a@b.coop", "password": old})
        assert signed.status_code == 200
        wrong = here.post(
            "/api/v1/me/password", json={"current": "not it at all", "new": new}, headers=csrf
        )
        assert wrong.status_code == 403
        done = here.post("/api/v1/me/password", json={"current": old, "new": new}, headers=csrf)
        assert done.status_code == 204, done.text
        assert here.get("/api/v1/me").status_code == 200  # this session stays
        assert elsewhere.get("/api/v1/me").status_code == 401  # the others end
        fresh = TestClient(app)
        assert (
            fresh.post(
                "/api/v1/auth/sign-in", json={"email": "a@b.coop", "password": old}
            ).status_code
            == 401
        )
        assert (
            fresh.post(
                "/api/v1/auth/sign-in", json={"email": "a@b.coop", "password": new}
            ).status_code
            == 200
        )
