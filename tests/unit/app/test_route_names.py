"""Route names are unique across the pages and the API: ``url_for`` takes the first route of
a name, and the API's routes are matched (and so found) before the pages'."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rada.config import Settings
from rada.web.app import create_app


def _names(routes: object) -> list[str]:
    """The names of every route, through FastAPI's included routers."""
    names: list[str] = []
    for route in routes:  # type: ignore[attr-defined]
        inner = getattr(route, "original_router", None)
        if inner is not None:
            names += _names(inner.routes)
        elif getattr(route, "name", None):
            names.append(route.name)
    return names


def test_no_two_routes_share_a_name(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    names = _names(app.router.routes)
    assert "sign_in" in names
    assert "api_sign_in" in names
    assert [n for n, k in Counter(names).items() if k > 1] == []


def test_the_pages_sign_in_link_is_the_page(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    assert app.url_path_for("sign_in") == "/sign-in"
    assert app.url_path_for("api_sign_in") == "/api/v1/auth/sign-in"
