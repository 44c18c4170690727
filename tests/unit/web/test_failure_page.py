"""The page of a 500 speaks the reader's language: it was English on a Czech page."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.requests import Request

from rada.web.limits import server_error


def _request(language: str) -> Request:
    headers = [(b"accept", b"text/html"), (b"accept-language", language.encode())]
    return Request({"type": "http", "method": "GET", "path": "/plan", "query_string": b"",
                    "headers": headers})  # fmt: skip


@pytest.mark.parametrize(
    ("language", "said"),
    [("cs", "Něco se pokazilo"), ("en", "Something went wrong")],
)
def test_the_failure_page_is_in_the_readers_language(language: str, said: str) -> None:
    # On a thread of its own: a browser test's fixture may keep an event loop running on
    # this one, where asyncio.run refuses to start another.
    with ThreadPoolExecutor(1) as thread:
        page = thread.submit(asyncio.run, server_error(_request(language), RuntimeError("boom")))
    response = page.result()
    assert response.status_code == 500
    text = bytes(response.body).decode()
    assert f"<html lang='{language}'>" in text
    assert f"<h1>{said}</h1>" in text
    assert "boom" not in text  # nothing of the error itself
