"""Every request bounded, every refusal clean.

* :class:`BodyLimit` refuses a request body over ``RADA_MAX_BODY_BYTES`` (1 MiB by default)
  with 413, from its ``Content-Length`` before reading it, or as soon as a body sent without
  one (chunked) passes the limit; nothing past the limit is read.
* :func:`validation_error` answers a malformed request with 422 and the fields at fault,
  echoing at most a short excerpt of what was sent (never a 10 MB body back).
* :func:`server_error` answers anything unforeseen with the same error format (JSON for the
  API, a page for people), never the framework's bare text, and logs it.
* :class:`HeadAsGet` answers HEAD wherever GET is answered, with the same status and headers
  and no body (HTTP asks it of every server; the routes answered 405 until 2026-12-06).
"""

from __future__ import annotations

import html
import json
import logging
import math
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rada.web.i18n import chosen_language, translations

__all__ = ["EXCERPT", "BodyLimit", "HeadAsGet", "excerpt", "server_error", "validation_error"]

log = logging.getLogger("rada.web")

#: How many characters of a refused value an error answer echoes at most.
EXCERPT = 60


def _printable(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate (which JSON can carry and UTF-8 cannot)
    becomes U+FFFD, so that echoing it cannot break the answer."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def excerpt(value: Any) -> Any:
    """A refused value as an error may echo it: short strings and numbers as they are, longer
    text cut to :data:`EXCERPT` characters with its length, containers only by their size."""
    if isinstance(value, str):
        if len(value) <= EXCERPT:
            return _printable(value)
        return f"{_printable(value[:EXCERPT])}… ({len(value):,} characters)"
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # JSON has no NaN or infinity: "nan", "inf", "-inf" as text
    if isinstance(value, bool | int | float) or value is None:
        text = repr(value)
        return value if len(text) <= EXCERPT else f"{text[:EXCERPT]}… ({len(text):,} digits)"
    if isinstance(value, dict):
        return f"an object of {len(value):,} fields"
    if isinstance(value, list | tuple):
        return f"a list of {len(value):,} items"
    return excerpt(str(value))


def _too_large(limit: int) -> dict[str, Any]:
    return {
        "detail": f"the request is larger than {limit:,} bytes, the most this server takes",
        "hint": "send less: texts, details and files have limits of their own (docs/security.md)",
    }


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 (a plain ASGI middleware)."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.limit
            except ValueError:
                too_large = False  # the server refuses a malformed length itself
            if too_large:
                await self._refuse(send)
                return
        received = 0
        started = refused = False

        async def counted() -> Message:
            # Past the limit the server answers 413 itself and tells the app the client left:
            # the app stops reading, and whatever it answers then is dropped.
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit and not started:
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted, watched)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(_too_large(self.limit)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def validation_error(request: Request, exc: Exception) -> Response:
    """422 with each field at fault and an excerpt, at most, of what was sent."""
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        shown: dict[str, Any] = {
            "type": error.get("type"),
            "loc": [excerpt(part) for part in error.get("loc", ())],
            "msg": _printable(str(error.get("msg", ""))),
        }
        if "input" in error:
            shown["input"] = excerpt(error["input"])
        if "ctx" in error:
            shown["ctx"] = {k: excerpt(v) for k, v in error["ctx"].items()}
        errors.append(shown)
        if len(errors) == 20:
            break
    return JSONResponse({"detail": errors}, status_code=422, headers={"Cache-Control": "no-store"})


async def server_error(request: Request, exc: Exception) -> Response:
    """What nobody foresaw: logged with its traceback, answered without it."""
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = "the server failed to answer; the error is logged"
    hint = "try again; if it persists, tell the instance's operators what you did"
    if "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        "/api/"
    ):
        return HTMLResponse(
            _failure_page(request), status_code=500, headers={"Cache-Control": "no-store"}
        )
    return JSONResponse(
        {"detail": detail, "hint": hint}, status_code=500, headers={"Cache-Control": "no-store"}
    )


def _failure_page(request: Request) -> str:
    """The page of a 500 in the reader's language (it was English on a Czech page), built
    without templates, and in English where even the translations fail."""
    try:
        language = chosen_language(request)
        _ = translations(language).gettext
        words = (
            _("Something went wrong"),
            _("The server failed to answer; the error is logged."),
            _("Try again; if it persists, tell the instance's operators what you did."),
            _("Back to the front page"),
        )
    except Exception:  # the failure may be in the translations themselves
        language = "en"
        words = (
            "Something went wrong",
            "The server failed to answer; the error is logged.",
            "Try again; if it persists, tell the instance's operators what you did.",
            "Back to the front page",
        )
    title, detail, hint, home = (html.escape(word) for word in words)
    return (
        f"<!doctype html><html lang='{html.escape(language)}'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><h1>{title}</h1><p>{detail}</p><p>{hint}</p>"
        f"<p><a href='/'>{home}</a></p></body></html>"
    )


class HeadAsGet:
    """HEAD asked as GET, its answer sent without the body (its headers, ``Content-Length``
    included, are GET's, as HTTP wants). GET is safe: nothing changes for being asked."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
