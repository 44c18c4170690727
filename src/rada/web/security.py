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
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from rada.config import Settings, check_production
from rada.councils.text import Message, msg
from rada.store.web_sessions import SessionStore

T = TypeVar("T")

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
    window, in the database (:class:`rada.store.web_sessions.SessionStore`): one limit for
    the whole instance, whatever the number of server processes, across restarts."""

    def __init__(
        self,
        *,
        attempts: int,
        window: float,
        store: Callable[[], SessionStore],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.attempts = attempts
        self.window = window
        self._store = store
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def retry_after(self, *keys: str) -> int | None:
        """Seconds until any of ``keys`` may try again, or None when all may try now."""
        return self._store().retry_after(
            keys, now=self._now(), attempts=self.attempts, window=self.window
        )

    def failed(self, *keys: str) -> None:
        """Count a failed attempt against each of ``keys``."""
        self._store().failed(keys, now=self._now(), window=self.window)

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures (a correct password for that e-mail address)."""
        self._store().succeeded(key)


class HashingBusy(Exception):
    """Every password-hashing slot stayed taken: the caller answers 503 with Retry-After."""

    retry_after = 2


class HashingGate:
    """Bounds how many password hashings (argon2id: some 50 ms of a core and 64 MiB each) run
    at once in this process, so that a burst of sign-ups or sign-ins cannot starve every
    other request: beyond the bound a request waits up to ``wait`` seconds for a slot, then
    is refused (:class:`HashingBusy`)."""

    def __init__(self, slots: int, *, wait: float = 2.0) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self.wait = wait

    def call(self, work: Callable[[], T]) -> T:
        """Run ``work`` (which hashes) in a slot; call it from a worker thread."""
        if not self._slots.acquire(timeout=self.wait):
            raise HashingBusy
        try:
            return work()
        finally:
            self._slots.release()


@dataclass
class Security:
    """The app's session codec, sign-in limiter and settings (on ``app.state.security``);
    sessions are kept in the database (``sessions``), so a sign-out holds in every process."""

    codec: SessionCodec
    limiter: SignInLimiter
    secure_cookies: bool
    sessions: Callable[[], SessionStore]
    hashing: HashingGate

    @classmethod
    def from_settings(cls, settings: Settings, *, store: Callable[[], SessionStore]) -> Security:
        """Build it, refusing production settings with a default or weak secret key."""
        check_production(settings)
        return cls(
            codec=SessionCodec(settings.secret_key.get_secret_value()),
            limiter=SignInLimiter(
                attempts=settings.signin_attempts,
                window=settings.signin_window_seconds,
                store=store,
            ),
            secure_cookies=settings.production,
            sessions=store,
            hashing=HashingGate(settings.hashing_concurrency),
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
    now = time.time()
    session = None if not value else security.codec.decode(value, now=now)
    if session is not None and not security.sessions().live(
        session.session_id, person_id=session.person_id, now=datetime.fromtimestamp(now, UTC)
    ):
        session = None  # signed out, revoked, or never started by this instance
    request.scope["rada.session"] = session
    return session


#: The cookie that ties a signed-out visitor's forms (sign-in, sign-up) to their browser.
PRESESSION_COOKIE = "rada_form"


def _presession(request: Request) -> str:
    """The signed-out browser's form secret: from its cookie, or new (then set by
    :func:`remember_presession` on the page that shows the form)."""
    value = request.scope.get("rada.presession") or request.cookies.get(PRESESSION_COOKIE)
    if not value or len(value) > 64:
        value = secrets.token_urlsafe(18)
        request.scope["rada.presession.new"] = True
    request.scope["rada.presession"] = value
    return str(value)


def csrf_token(request: Request) -> str:
    """The CSRF token to put in forms and the ``X-CSRF-Token`` header ("" when signed out:
    a request without a session cookie is not authenticated by one; a signed-out form takes
    :func:`form_token`)."""
    session = request_session(request)
    return "" if session is None else security_of(request).codec.csrf_for(session)


def form_token(request: Request) -> str:
    """The token of a form that a signed-out visitor sends (sign-in, sign-up), tied to a
    cookie of the browser's own, so that another site cannot sign someone in to an account
    of its choosing (login CSRF). Only the pages of such forms set that cookie; signed in,
    it is the session's token."""
    if request_session(request) is not None:
        return csrf_token(request)
    return security_of(request).codec.csrf_for(Session(0, "form:" + _presession(request), 0))


def remember_presession(request: Request, response: Response) -> None:
    """Set the signed-out browser's form cookie on a page that made one."""
    if request.scope.get("rada.presession.new"):
        response.set_cookie(
            PRESESSION_COOKIE,
            str(request.scope["rada.presession"]),
            max_age=24 * 3600,
            path="/",
            secure=security_of(request).secure_cookies,
            httponly=True,
            samesite="lax",
        )


def from_another_site(request: Request) -> bool:
    """Whether the browser says the request comes from another site's page (its ``Origin``,
    or without one its ``Referer``, names another host)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source == "null"
    return urlsplit(source).netloc != request.headers.get("host", request.url.netloc)


async def check_form(request: Request) -> None:
    """A page's form post: refused (CsrfError) when it comes from another site, or without
    the token of the session (signed in) or of the browser's form cookie (signed out)."""
    if request.method not in UNSAFE_METHODS:
        return
    if from_another_site(request):
        raise CsrfError(msg("this form was sent from another site"))
    if request_session(request) is not None:
        await check_csrf(request)
        return
    form = await request.form()
    given = form.get(CSRF_FIELD)
    cookie = request.cookies.get(PRESESSION_COOKIE)
    expected = security_of(request).codec.csrf_for(Session(0, "form:" + (cookie or ""), 0))
    if (
        not cookie
        or not isinstance(given, str)
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise CsrfError(msg("this form has no valid token: load it again"))


def start_session(request: Request, response: Response, person_id: int) -> str:
    """Sign ``person_id`` in: set a fresh session cookie on ``response`` (a new session id
    each time, so a planted cookie cannot be carried into a sign-in) and return its CSRF
    token."""
    security = security_of(request)
    session = Session(person_id, secrets.token_urlsafe(18), int(time.time()))
    issued = datetime.fromtimestamp(session.issued_at, UTC)
    security.sessions().start(
        session.session_id,
        person_id=person_id,
        issued=issued,
        expires=issued + timedelta(seconds=security.codec.lifetime),
    )
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
        security.sessions().revoke(session.session_id, now=datetime.now(UTC))
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
