"""A signed-in reader's saved choices, read once per request before anything else runs.

:class:`ReaderPreferences` is a plain ASGI middleware: for a request that carries a session
cookie (and is not for a static file) it reads, in one unit of work, the person's saved
language and time zone and how many of their notices are unread, and leaves them in the
request's scope, where :func:`rada.web.i18n.chosen_language`, :func:`rada.web.times.reader_zone`
and the header's unread count find them. Reading them up front, and not when first needed,
matters on SQLite: a page may ask for its language while it holds a unit of work, and a second
one opened then would wait on the first.
"""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from rada.web.api.deps import api_context
from rada.web.i18n import SAVED_LANGUAGE
from rada.web.security import SESSION_COOKIE, request_session
from rada.web.times import SAVED_ZONE

__all__ = ["UNREAD", "ReaderPreferences", "unread_of"]

#: The request scope's key for how many of the signed-in reader's notices are unread.
UNREAD = "rada.unread"


def _load(request: Request) -> None:
    session = request_session(request)
    if session is None:
        return
    with api_context(request).uow() as uow:
        settings = uow.settings.get(session.person_id)
        unread = uow.notices.unread_count(session.person_id)
    request.scope[UNREAD] = unread
    if settings is not None:
        request.scope[SAVED_LANGUAGE] = settings.language
        request.scope[SAVED_ZONE] = settings.timezone


def unread_of(request: Request) -> int | None:
    """How many of the signed-in reader's notices are unread (None: nobody is signed in)."""
    found = request.scope.get(UNREAD)
    return found if isinstance(found, int) else None


class ReaderPreferences:
    """Puts the signed-in reader's saved language, zone and unread count in the scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/static/"):
            request = Request(scope)
            if request.cookies.get(SESSION_COOKIE):
                await to_thread.run_sync(_load, request)
        await self.app(scope, receive, send)
