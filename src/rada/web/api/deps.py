"""What the API's handlers share: the unit of work, the clock, and who is asking.

Handlers stay short with the dependency aliases: ``ApiDep`` (the unit-of-work factory and the
clock), ``ViewerDep`` (the person asking, or None when signed out) and ``ParticipantDep`` (a
signed-in person; a cookie-authenticated unsafe request must carry its CSRF token).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from rada.config import Settings
from rada.councils.model import Person
from rada.councils.text import msg
from rada.services.accounts import Links, links_to, token_people_ids, token_person
from rada.services.ports import UnitOfWork
from rada.store.database import Database
from rada.web.api.ballot_box import BallotBox
from rada.web.api.errors import ApiError
from rada.web.security import CsrfError, check_csrf, request_session

__all__ = [
    "ApiContext",
    "ApiDep",
    "Caller",
    "Claim",
    "ClaimDep",
    "ParticipantDep",
    "ViewerDep",
    "api_context",
    "utc_now",
]

UowFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC (the API's default clock)."""
    return datetime.now(UTC)


@dataclass
class ApiContext:
    """The API's per-app state (on ``app.state.api``): where units of work come from and
    what time it is. Without a factory, the database named by the settings is opened by
    :meth:`open` (the app does so at start-up) or on first use."""

    settings: Settings
    factory: UowFactory | None = None
    clock: Clock = utc_now
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _close: Callable[[], None] | None = field(default=None, repr=False)
    _database: Database | None = field(default=None, repr=False)
    _box: BallotBox | None = field(default=None, repr=False)

    def uow(self) -> UnitOfWork:
        """A new unit of work (enter it with ``with``)."""
        return self.open()()

    def open(self) -> UowFactory:
        """Where units of work come from, opening the settings' database if not yet open."""
        return self.factory or self._open()

    def _open(self) -> UowFactory:
        """Open the settings' database (migrated to the newest schema) once."""
        with self._lock:
            if self.factory is not None:
                return self.factory
            from rada.bootstrap import open_database

            database = open_database(self.settings)
            factory: UowFactory = database.unit_of_work
            self._close, self._database = database.dispose, database
            self.factory = factory
            return factory

    def database(self) -> Database | None:
        """The database this context opened from the settings (opening it if need be), which
        the whole app shares; None when units of work come from a given factory."""
        if self.factory is not None and self._database is None:
            return None
        self.open()
        return self._database

    def ballot_box(self) -> BallotBox:
        """This process's ballot box, which commits the votes that arrive together in one
        transaction (see :mod:`rada.web.api.ballot_box`)."""
        if self._box is None:
            with self._lock:
                if self._box is None:
                    self._box = BallotBox(self.uow, claimed_people)
        return self._box

    def close(self) -> None:
        """Release the database connections this context opened (none when given a factory)."""
        if self._close is not None:
            self._close()

    def now(self) -> datetime:
        """The time a change is made."""
        return self.clock()

    def links(self) -> Links:
        """Links to this instance as people reach it (``RADA_PUBLIC_URL``), for mail."""
        return links_to(self.settings.public_url)


def api_context(request: Request) -> ApiContext:
    """The app's :class:`ApiContext`."""
    context: ApiContext = request.app.state.api
    return context


ApiDep = Annotated[ApiContext, Depends(api_context)]


@dataclass(frozen=True)
class Caller:
    """A signed-in person, and how they proved it (``cookie`` or ``token``)."""

    person: Person
    via: str

    @property
    def id(self) -> int:
        """The person's id."""
        return self.person.id


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or ""


def _invalid_token() -> ApiError:
    return ApiError(
        401,
        msg("the API token is not valid"),
        hint=msg("create a new token at POST /api/v1/me/tokens"),
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _sign_in() -> ApiError:
    return ApiError(
        401,
        msg("sign in to take part"),
        hint=msg(
            "sign in at POST /api/v1/auth/sign-in, or send an API token as "
            "'Authorization: Bearer rada_...'"
        ),
        headers={"WWW-Authenticate": "Bearer"},
    )


def viewer(request: Request, api: ApiDep) -> Caller | None:
    """Who is asking: an API token wins over a session cookie; None when neither is sent.

    A token that is sent but not valid is refused (401) rather than ignored, so that a
    script with a revoked or mistyped token learns so at once.
    """
    token = _bearer(request)
    if token is not None:
        with api.uow() as uow:
            person = token_person(uow, token) if token else None
        if person is None:
            raise _invalid_token()
        return Caller(person, "token")
    session = request_session(request)
    if session is None:
        return None
    with api.uow() as uow:
        person = uow.people.get(session.person_id)
    return None if person is None else Caller(person, "cookie")


ViewerDep = Annotated[Caller | None, Depends(viewer)]


async def participant(request: Request, caller: ViewerDep) -> Caller:
    """A signed-in person; a request that relies on the session cookie must carry its CSRF
    token when it changes anything."""
    if caller is None:
        raise _sign_in()
    if caller.via == "cookie":
        await _check_csrf(request)
    return caller


async def _check_csrf(request: Request) -> None:
    try:
        await check_csrf(request)
    except CsrfError as error:
        raise ApiError(
            403,
            error.message,
            hint=msg("the token comes with sign-in and from GET /api/v1/me"),
        ) from error


ParticipantDep = Annotated[Caller, Depends(participant)]


@dataclass(frozen=True)
class Claim:
    """Who a request says it comes from, checked against the database only by
    :meth:`person_id`, inside the handler's own unit of work: a hot write (a vote) then
    costs one transaction, not one for the caller and another for the change. Either an API
    token, or a session cookie's person (whose CSRF token was already checked)."""

    token: str | None = None
    session_person: int | None = None

    def person_id(self, uow: UnitOfWork) -> int:
        """The signed-in person's id, looked up in ``uow``; 401 when the token is not valid
        or the session's person is gone."""
        (found,) = claimed_people(uow, [self])
        if isinstance(found, ApiError):
            raise found
        return found


def claimed_people(uow: UnitOfWork, claims: Sequence[Claim]) -> list[int | ApiError]:
    """Each claim's person id, or the ApiError that refuses it; the API tokens among them
    are looked up together, in one query."""
    owners = token_people_ids(uow, [c.token for c in claims if c.token is not None])
    found: list[int | ApiError] = []
    for c in claims:
        if c.token is not None:
            owner = owners.get(c.token)
            found.append(_invalid_token() if owner is None else owner)
            continue
        assert c.session_person is not None
        known = uow.people.get(c.session_person) is not None
        found.append(c.session_person if known else _sign_in())
    return found


async def claim(request: Request) -> Claim:
    """The caller's claim, as :func:`participant` would accept it, but not yet looked up:
    an empty token, no credentials at all, or a cookie without its CSRF token are refused
    at once."""
    token = _bearer(request)
    if token is not None:
        if not token:
            raise _invalid_token()
        return Claim(token=token)
    session = request_session(request)
    if session is None:
        raise _sign_in()
    await _check_csrf(request)
    return Claim(session_person=session.person_id)


ClaimDep = Annotated[Claim, Depends(claim)]
