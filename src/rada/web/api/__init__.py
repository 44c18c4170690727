"""The JSON API under ``/api/v1``: accounts, councils, proposals, discussion and votes.

:func:`install_api` joins it to an app (``rada.web.app.create_app`` calls it); the
endpoints, authentication and error format are described in ``docs/api.md``. Reading the
record (councils, proposals, decisions, posts, votes) needs no account; taking part does.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from rada.config import Settings
from rada.store.web_sessions import SessionStore
from rada.web.api.deps import ApiContext, Clock, UowFactory, utc_now
from rada.web.api.errors import ERROR_RESPONSES, ApiRoute
from rada.web.security import Security

__all__ = ["PREFIX", "api_router", "install_api"]

PREFIX = "/api/v1"


def api_router() -> APIRouter:
    """Every API route, under :data:`PREFIX`, with the API's error handling."""
    from rada.web.api import (
        accounts,
        councils,
        cycles,
        discussion,
        notices,
        people,
        proposals,
        search,
        votes,
    )

    router = APIRouter(prefix=PREFIX, route_class=ApiRoute, responses=ERROR_RESPONSES)
    # No two parts have paths in common, so their order decides only how soon a request
    # finds its route: votes, the busiest, are matched first (FastAPI tries routes in order).
    for part in (votes, proposals, discussion, councils, accounts, cycles, search, notices, people):
        router.include_router(part.router)
    return router


def _sessions(app: FastAPI) -> SessionStore:
    """The instance's session store, on the database of its public record (built once)."""
    store: SessionStore | None = getattr(app.state, "sessions", None)
    if store is None:
        store = app.state.sessions = SessionStore(app.state.rada.record().engine)
    return store


def install_api(
    app: FastAPI,
    settings: Settings,
    *,
    uow_factory: UowFactory | None = None,
    clock: Clock | None = None,
) -> None:
    """Join the API to ``app``: its routes, ``app.state.api`` (units of work and the clock)
    and ``app.state.security`` (sessions, CSRF and sign-in limits, which pages use too).

    Raises :class:`rada.config.InsecureSettings` for production settings with a default or
    short secret key. Without ``uow_factory`` the database named by the settings is opened
    when the app starts (or on first use, where the app is not started).
    """
    app.state.security = Security.from_settings(settings, store=lambda: _sessions(app))
    app.state.api = ApiContext(settings, factory=uow_factory, clock=clock or utc_now)
    app.include_router(api_router())
