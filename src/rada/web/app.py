"""The web app factory.

    uvicorn --factory rada.web.app:create_app

Pages live in ``rada.web.pages`` (one module per area), each with its own ``router``; the
JSON API joins through :func:`routers`. Per-app state (the planned economy, the record) is on
``app.state.rada`` and built when first needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rada.config import Settings, load_settings
from rada.planning.economy import Economy
from rada.services.ports import UnitOfWork
from rada.web.api import install_api
from rada.web.auditing import Auditor
from rada.web.checkpointer import Checkpointer
from rada.web.limits import BodyLimit, HeadAsGet, server_error, validation_error
from rada.web.log import LogRoutes, LogServer
from rada.web.preferences import ReaderPreferences
from rada.web.serving import die_with_parent
from rada.web.state import AppState
from rada.web.templating import gettext_for, render
from rada.web.witness import WitnessApp

__all__ = ["SECURITY_HEADERS", "create_app", "routers"]

#: Sent with every response. Scripts and styles come from Rada itself only (no inline code),
#: so injected markup cannot run; no page may be framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def routers() -> list[APIRouter]:
    """Every router of the app, in the order they are matched."""
    from rada.web.pages import (
        account_mail,
        accounts,
        councils,
        cycles,
        home,
        mail,
        notifications,
        people,
        plan,
        proposals,
        propose,
        record,
        search,
        settings,
    )

    return [
        home.router,
        notifications.router,
        settings.router,
        people.router,
        plan.router,
        record.router,
        accounts.router,
        account_mail.router,
        councils.router,
        propose.router,
        proposals.router,
        cycles.router,
        search.router,
        mail.router,
    ]


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def _http_error(request: Request, exc: Exception) -> Response:
    """Errors as a page for people (browsers ask for HTML), as JSON for everything else."""
    assert isinstance(exc, StarletteHTTPException)
    if not _wants_html(request) or request.headers.get("hx-request"):
        return await http_exception_handler(request, exc)
    return render(
        request,
        "error.html",
        status_code=exc.status_code,
        headers=exc.headers,
        status=exc.status_code,
        detail=exc.detail,
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    """A malformed request as a page for people (a browser that followed an address with a
    year of "abc" got the API's JSON in English), as JSON with the fields at fault otherwise."""
    if not _wants_html(request) or request.headers.get("hx-request"):
        return await validation_error(request, exc)
    if request.url.path.startswith("/api/"):
        return await validation_error(request, exc)
    _ = gettext_for(request)
    return render(
        request,
        "error.html",
        status_code=422,
        headers={"Cache-Control": "no-store"},
        status=422,
        detail=_("The address or the form holds a value this page cannot take."),
    )


def create_app(
    settings: Settings | None = None,
    *,
    economy: Economy | None = None,
    uow_factory: Callable[[], UnitOfWork] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """Build the app.

    Parameters
    ----------
    settings
        Where the data lives; read from the ``RADA_*`` environment when not given.
    economy
        The economy the plan pages show; the shipped UK 2010 economy when not given.
    uow_factory
        Where councils' units of work come from; the settings' database when not given.
    clock
        The time changes are made at; ``datetime.now(UTC)`` when not given.
    """
    die_with_parent()  # a worker of `rada serve --workers N` ends with its master
    state = AppState(settings or load_settings(), economy=economy)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The database is opened (and its schema checked) before the server takes its first
        # connection: a worker that is still starting takes no requests, rather than making
        # its first ones wait (and, under ``--workers``, eat the CPU the others serve with).
        await asyncio.to_thread(_app.state.api.open)
        # An economy named in the settings is read before the first request, so that a file
        # that cannot be read stops the start (naming file and line), never a page with 500.
        if state.settings.economy is not None:
            await asyncio.to_thread(state.economy)
        # Checkpoints are signed and witnessed in the background, never on a request's path.
        background = []
        if state.settings.checkpoint_interval_seconds > 0:
            background.append(asyncio.create_task(Checkpointer(state).run()))
        # The tables are compared with the record at start-up and on a schedule.
        if state.settings.audit_interval_seconds > 0:
            background.append(asyncio.create_task(Auditor(state).run()))
        yield
        for task in background:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        state.close()
        _app.state.api.close()

    app = RadaApp(
        title="Rada",
        summary="Workers' councils, an uncensorable public record and exact economic planning",
        lifespan=lifespan,
    )
    app.state.rada = state
    install_api(app, state.settings, uow_factory=uow_factory, clock=clock)
    # One database for the whole app: the record pages, the checkpointer and the auditor read
    # it on the API's engine, not a second one.
    state.share_database(app.state.api.database)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for router in routers():
        app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, server_error)
    witness = _witness_app(state)
    if witness is not None:
        app.mount("/witness", witness, name="witness")

    # A signed-in reader's saved language, zone and unread count, read before anything else.
    app.add_middleware(ReaderPreferences)
    # The log's tiles are answered before routing (the cheapest path for the busiest URLs).
    app.add_middleware(LogRoutes, server=LogServer(state))
    app.state.max_body_bytes = state.settings.max_body_bytes
    app.state.production = state.settings.production
    return app


class RadaApp(FastAPI):
    """FastAPI, with the security headers and the body limit outside everything else: even
    the framework's own answers (a 500 from its outermost layer) carry the headers, and no
    layer reads more of a body than the limit."""

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        limit = getattr(self.state, "max_body_bytes", 1 << 20)
        production = getattr(self.state, "production", False)
        return SecurityHeaders(BodyLimit(HeadAsGet(inner), limit=limit), https_only=production)


def _witness_app(state: AppState) -> WitnessApp | None:
    """The witness, when this instance witnesses other logs (``RADA_WITNESS_LOGS`` is set and
    ``rada witness init`` made its key); None otherwise."""
    from rada.config import parse_log_keys
    from rada.record.note import Verifier
    from rada.store.witness_keys import WITNESS_KEY_FILE, load_witness_key
    from rada.store.witness_repository import WitnessRepository

    keys = parse_log_keys(state.settings.witness_logs)
    if not keys or not (state.settings.data_dir / WITNESS_KEY_FILE).is_file():
        return None
    return WitnessApp(
        lambda: WitnessRepository(state.record().engine),
        load_witness_key(state.settings.data_dir),
        [Verifier.from_vkey(key) for key in keys],
    )


_SECURITY_HEADERS_RAW = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response that lacks them: a plain ASGI
    middleware (Starlette's ``BaseHTTPMiddleware`` would run each request through an extra
    task and memory stream)."""

    def __init__(self, app: ASGIApp, *, https_only: bool = False) -> None:
        self.app = app
        self.headers = list(_SECURITY_HEADERS_RAW)
        if https_only:
            # Production serves over HTTPS only (its cookies are Secure): browsers are told to
            # come back only that way, for a year, subdomains included.
            self.headers.append(
                (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
