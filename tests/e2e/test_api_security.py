"""The pieces under the API's security: signed sessions and the sign-in limiter."""

from __future__ import annotations

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


def test_the_limiter_lets_people_try_again_once_the_window_moves_on() -> None:
    now = [0.0]
    limiter = SignInLimiter(attempts=3, window=60, clock=lambda: now[0])
    for second in (0, 10, 20):
        now[0] = second
        assert limiter.retry_after("ip:a", "email:x") is None
        limiter.failed("ip:a", "email:x")
    now[0] = 30
    assert limiter.retry_after("ip:a") == 30  # the first failure expires at 60
    assert limiter.retry_after("email:x", "ip:b") == 30
    assert limiter.retry_after("ip:b") is None
    now[0] = 60
    assert limiter.retry_after("ip:a") is None
    limiter.failed("ip:a")
    assert limiter.retry_after("ip:a") == 10
    limiter.succeeded("email:x")
    assert limiter.retry_after("email:x") is None
