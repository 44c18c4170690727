"""Sessions, CSRF tokens and sign-in rate limits for the web app (pages and API alike).

A browser session is a cookie holding ``person id, session id, issue time``, signed with
HMAC-SHA256 under a key derived from ``RADA_SECRET_KEY``; it is ``HttpOnly``,
``SameSite=Lax`` and, in production, ``Secure``. Each session has its own CSRF token (an HMAC
of the session id under a second derived key): every state-changing request authenticated by
the cookie must echo it in the ``X-CSRF-Token`` header or a ``csrf_token`` form field.
Requests that carry an API token (``Authorization: Bearer rada_...``) need no CSRF token:
browsers never add that header by themselves.

Pages use three helpers::

    from rada.web.security import csrf_token, end_session, start_session

    csrf_token(request)                        # for <input name="csrf_token"> in a form
    start_session(request, response, person.id)  # after checking the password
    end_session(request, response)             # sign out

and :func:`check_csrf` (awaited) before acting on a form post.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from rada.config import Settings, check_production
from rada.councils.text import Message, msg

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "CsrfError",
    "Security",
    "Session",
    "SignInLimiter",
    "check_csrf",
    "csrf_token",
    "end_session",
    "request_session",
    "security_of",
    "start_session",
]

SESSION_COOKIE = "rada_session"
#: How long a browser session lasts before the person signs in again (14 days).
SESSION_SECONDS = 14 * 24 * 3600
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(secret: str, purpose: str) -> bytes:
    """A key for one purpose, so that a session signature can never pass as a CSRF token."""
    return hmac.new(secret.encode("utf-8"), f"rada/{purpose}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Session:
    """A verified browser session."""

    person_id: int
    session_id: str
    issued_at: int


class SessionCodec:
    """Signs and verifies session cookies, and derives each session's CSRF token."""

    def __init__(self, secret: str, *, lifetime: int = SESSION_SECONDS) -> None:
        self._signing = _derive(secret, "session")
        self._csrf = _derive(secret, "csrf")
        self.lifetime = lifetime

    def encode(self, session: Session) -> str:
        """The cookie value for ``session``: ``payload.signature``, both URL-safe base64."""
        payload = json.dumps(
            {"p": session.person_id, "s": session.session_id, "t": session.issued_at},
            separators=(",", ":"),
        ).encode()
        body = _b64(payload)
        return f"{body}.{_b64(self._sign(body))}"

    def decode(self, value: str, *, now: float) -> Session | None:
        """The session in a cookie value, or None when it is forged, malformed or expired."""
        body, dot, signature = value.partition(".")
        if not dot:
            return None
        try:
            given = _unb64(signature)
            if not hmac.compare_digest(given, self._sign(body)):
                return None
            data = json.loads(_unb64(body))
            session = Session(int(data["p"]), str(data["s"]), int(data["t"]))
        except (ValueError, KeyError, TypeError):
            return None
        # A minute of grace for clocks of several servers that disagree slightly.
        if not session.issued_at - 60 <= now < session.issued_at + self.lifetime:
            return None
        return session

    def csrf_for(self, session: Session) -> str:
        """The CSRF token of ``session`` (stable for the session's life, unguessable)."""
        return _b64(hmac.new(self._csrf, session.session_id.encode(), hashlib.sha256).digest())

    def _sign(self, body: str) -> bytes:
        return hmac.new(self._signing, body.encode("ascii"), hashlib.sha256).digest()


class SignInLimiter:
    """Counts failed sign-ins per key (a client address, an e-mail address) in a sliding
    window, in this process's memory.

    With several server processes each counts its own failures, so the effective limit is
    the per-process limit times the number of processes; run one process, or put a limit at
    the proxy, where that matters.
    """

    #: Beyond this many tracked keys, keys whose failures have all expired are swept.
    SWEEP_AT = 10_000

    def __init__(
        self, *, attempts: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> int | None:
        """Seconds until any of ``keys`` may try again, or None when all may try now."""
        now = self._clock()
        waits = []
        with self._lock:
            for key in keys:
                failures = self._recent(key, now)
                if len(failures) >= self.attempts:
                    waits.append(failures[-self.attempts] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, *keys: str) -> None:
        """Count a failed attempt against each of ``keys``."""
        now = self._clock()
        with self._lock:
            if len(self._failures) > self.SWEEP_AT:
                for key in list(self._failures):
                    if not self._recent(key, now):
                        del self._failures[key]
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures (a correct password for that e-mail address)."""
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures


class RevokedSessions:
    """Session ids signed out before their cookie expired, in this process's memory."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, session: Session, *, lifetime: int) -> None:
        """Refuse ``session`` from now on, until its cookie would have expired anyway."""
        with self._lock:
            now = time.time()
            self._until = {s: t for s, t in self._until.items() if t > now}
            self._until[session.session_id] = session.issued_at + lifetime

    def __contains__(self, session_id: object) -> bool:
        with self._lock:
            return session_id in self._until


@dataclass
class Security:
    """The app's session codec, sign-in limiter and settings (on ``app.state.security``)."""

    codec: SessionCodec
    limiter: SignInLimiter
    secure_cookies: bool
    revoked: RevokedSessions = field(default_factory=RevokedSessions)

    @classmethod
    def from_settings(cls, settings: Settings) -> Security:
        """Build it, refusing production settings with a default or short secret key."""
        check_production(settings)
        return cls(
            codec=SessionCodec(settings.secret_key.get_secret_value()),
            limiter=SignInLimiter(
                attempts=settings.signin_attempts, window=settings.signin_window_seconds
            ),
            secure_cookies=settings.production,
        )


def security_of(request: Request) -> Security:
    """The app's :class:`Security`."""
    security: Security = request.app.state.security
    return security


def request_session(request: Request) -> Session | None:
    """The request's verified, unrevoked session, if its cookie carries one."""
    cached = request.scope.get("rada.session", False)
    if cached is not False:
        assert cached is None or isinstance(cached, Session)
        return cached
    security = security_of(request)
    value = request.cookies.get(SESSION_COOKIE)
    session = None if not value else security.codec.decode(value, now=time.time())
    if session is not None and session.session_id in security.revoked:
        session = None
    request.scope["rada.session"] = session
    return session


def csrf_token(request: Request) -> str:
    """The CSRF token to put in forms and the ``X-CSRF-Token`` header ("" when signed out:
    a request without a session cookie is not authenticated by one, so needs no token)."""
    session = request_session(request)
    return "" if session is None else security_of(request).codec.csrf_for(session)


def start_session(request: Request, response: Response, person_id: int) -> str:
    """Sign ``person_id`` in: set a fresh session cookie on ``response`` (a new session id
    each time, so a planted cookie cannot be carried into a sign-in) and return its CSRF
    token."""
    security = security_of(request)
    session = Session(person_id, secrets.token_urlsafe(18), int(time.time()))
    response.set_cookie(
        SESSION_COOKIE,
        security.codec.encode(session),
        max_age=security.codec.lifetime,
        path="/",
        secure=security.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    request.scope["rada.session"] = session
    return security.codec.csrf_for(session)


def end_session(request: Request, response: Response) -> None:
    """Sign out: revoke the request's session and delete its cookie."""
    security = security_of(request)
    session = request_session(request)
    if session is not None:
        security.revoked.revoke(session, lifetime=security.codec.lifetime)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=security.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    request.scope["rada.session"] = None


class CsrfError(Exception):
    """A state-changing request authenticated by the session cookie lacks its CSRF token."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


async def check_csrf(request: Request) -> None:
    """Refuse (CsrfError) an unsafe request that relies on the session cookie unless it
    carries the session's CSRF token in the header or the ``csrf_token`` form field."""
    if request.method not in UNSAFE_METHODS:
        return
    session = request_session(request)
    if session is None:
        return
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else ""
    expected = security_of(request).codec.csrf_for(session)
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfError(
            msg(
                "this request needs the session's CSRF token in the %(header)s header "
                "or the %(field)s form field",
                header=CSRF_HEADER,
                field=CSRF_FIELD,
            )
        )
