"""The API's one error format, ``{"detail": message, "hint": hint}``, and how domain errors map
onto HTTP statuses.

The mapping lives in the API's route class, so it applies to JSON routes only; pages
translate the same errors into pages of their own. ``detail`` and ``hint`` are in English
unless the client asks for Czech (``Accept-Language: cs``, or the pages' ``?lang=`` and
cookie), as a page chooses its language; the answer's ``Content-Language`` says which.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any
from urllib.parse import urlsplit

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from rada.councils.errors import (
    AlreadyVoted,
    Conflict,
    CouncilError,
    NotAllowed,
    NotFound,
    TooLarge,
    WrongStage,
)
from rada.councils.text import Message, msg, translate
from rada.web.i18n import chosen_language, translations

__all__ = ["ERROR_RESPONSES", "ApiError", "ApiRoute", "error_response", "status_of"]

#: What a domain error means over HTTP; any other CouncilError is 422 (the request asks for
#: something the rules do not allow in this form).
_STATUS: tuple[tuple[type[CouncilError], int], ...] = (
    (NotFound, 404),
    (NotAllowed, 403),
    (WrongStage, 409),
    (AlreadyVoted, 409),
    (Conflict, 409),
    (TooLarge, 413),
)

_ERROR_SCHEMA: dict[str, Any] = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "detail": {"type": "string"},
                    "hint": {"type": ["string", "null"]},
                },
                "required": ["detail", "hint"],
            }
        }
    }
}

#: The error responses every API operation documents in the OpenAPI schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {**_ERROR_SCHEMA, "description": text}
    for status, text in {
        401: "Not signed in, or the API token is not valid",
        403: "Not allowed, or a CSRF token is missing",
        404: "No such council, proposal, post or receipt, or no such API token of yours",
        409: "The proposal is at the wrong stage, already voted, or the name is taken",
        413: "The request body, a text or a record entry is over its limit",
    }.items()
}
#: A body that is not well-formed JSON is refused by FastAPI before the route runs.
ERROR_RESPONSES[400] = {
    "description": "The body is not well-formed JSON",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
            }
        }
    },
}
#: A 422 is either a rule of the domain refusing the request (the API's own body) or a body
#: that does not fit the schema (FastAPI's list of the fields at fault, see ``web/limits.py``).
ERROR_RESPONSES[422] = {
    "description": "Refused by the rules in this form, or a body that does not fit the schema",
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    _ERROR_SCHEMA["content"]["application/json"]["schema"],
                    {
                        "type": "object",
                        "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
                        "required": ["detail"],
                    },
                ]
            }
        }
    },
}


class ApiError(Exception):
    """An HTTP error with the API's body, for failures outside the domain (sign-in, CSRF);
    ``detail`` and ``hint`` are translated like a domain error's when they are messages."""

    def __init__(
        self,
        status: int,
        detail: str | Message,
        *,
        hint: str | Message | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.hint = hint
        self.headers = dict(headers or {})


def status_of(error: CouncilError) -> int:
    """The HTTP status for a domain error."""
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 422


def error_response(
    status: int,
    detail: str,
    hint: str | None,
    headers: Mapping[str, str] | None = None,
    *,
    language: str = "en",
) -> JSONResponse:
    """The API's error body."""
    return JSONResponse(
        {"detail": detail, "hint": hint},
        status_code=status,
        headers={"Cache-Control": "no-store", "Content-Language": language, **(headers or {})},
    )


def _translated_error(
    request: Request,
    status: int,
    detail: str | Message,
    hint: str | Message | None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The API's error body in the language the client asks for (English by default)."""
    language = chosen_language(request)
    catalogue = translations(language)
    return error_response(
        status,
        translate(detail, catalogue),
        None if hint is None else translate(hint, catalogue),
        headers,
        language=language,
    )


def _cross_site(request: Request) -> bool:
    """Whether a browser says the request comes from another site's page."""
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return urlsplit(origin).netloc != request.headers.get("host", request.url.netloc)


class ApiRoute(APIRoute):
    """A JSON route: domain errors become ``{"detail", "hint"}`` with their status, responses
    are never cached, and unsafe requests that a browser marks as coming from another site
    are refused before anything runs."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            if request.method not in ("GET", "HEAD", "OPTIONS") and _cross_site(request):
                return _translated_error(
                    request,
                    403,
                    msg("cross-site requests may not change anything"),
                    msg("send the request from Rada's own pages, or use an API token"),
                )
            try:
                response = await handler(request)
            except CouncilError as error:
                return _translated_error(
                    request, status_of(error), error.message, error.hint_message
                )
            except ApiError as error:
                return _translated_error(
                    request, error.status, error.detail, error.hint, error.headers
                )
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return route
