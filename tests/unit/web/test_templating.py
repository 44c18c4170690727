"""The page renderer keeps the templates' translation functions their own."""

from __future__ import annotations

import re

import pytest
from starlette.requests import Request

from rada.web.templating import render_string


def _request() -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    )


@pytest.mark.parametrize("name", ["_", "gettext", "ngettext"])
def test_a_context_that_hides_a_translation_function_is_refused(name: str) -> None:
    with pytest.raises(TypeError, match=re.escape(f"[{name!r}]")):
        render_string(_request(), "people/person.html", {name: lambda *a: ""})
