"""Search over HTTP: the API's ``/api/v1/search`` and the ``/search`` page, on SQLite and
PostgreSQL, with the data made through the use cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rada.config import Settings
from rada.councils.orders import CouncilKind, ProposalKind
from rada.services import accounts, discussion
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.web.app import create_app

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
XSS = '<script>alert("x")</script>'


@dataclass
class World:
    client: TestClient
    ids: dict[str, int]


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=store_url,
        audit_interval_seconds=0,
        checkpoint_interval_seconds=0,
    )
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.api.uow() as uow:
            ana = accounts.register(
                uow, name="Ana", email="ana@pekarna.example", password="long enough pw", now=NOW
            ).id
            bakery = cs.create_council(
                uow, name="Pekárna Sever", slug="pekarna", kind=CouncilKind.WORKPLACE,
                founder_id=ana, now=NOW, description="Chléb a rohlíky",
            )  # fmt: skip
            other = cs.create_council(
                uow, name="Dairy", slug="dairy", kind=CouncilKind.WORKPLACE,
                founder_id=ana, now=NOW, description="Milk and přehled of cheese",
            )  # fmt: skip
            oven = ps.open_proposal(
                uow, council=bakery.id, kind=ProposalKind.MOTION, title="Druhá pec",
                text=f"Přehled nákladů na pec. {XSS}", by=ana, now=NOW,
            )  # fmt: skip
            post = discussion.write_post(
                uow, proposal_id=oven.id, text=f"Souhlasím s přehledem {XSS}", by=ana, now=NOW
            )
            uow.commit()
        yield World(client, {"bakery": bakery.id, "dairy": other.id, "oven": oven.id,
                             "post": post.id})  # fmt: skip


def test_the_api_finds_with_and_without_diacritics_and_marks_the_matches(world: World) -> None:
    found = world.client.get("/api/v1/search", params={"q": "prehled"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["terms"] == ["prehled"]
    kinds = {(h["kind"], h["id"]) for h in body["hits"]}
    # "prehled" is unfinished: it finds "přehledem" too.
    assert kinds == {("proposal", world.ids["oven"]), ("post", world.ids["post"]),
                     ("council", world.ids["dairy"])}  # fmt: skip
    hit = next(h for h in body["hits"] if h["kind"] == "post")
    assert hit["href"] == f"/proposals/{world.ids['oven']}#post-{world.ids['post']}"
    assert hit["title"] == "Druhá pec"
    assert hit["council"] == {"id": world.ids["bakery"], "slug": "pekarna", "name": "Pekárna Sever"}
    assert {"text": "přehledem", "match": True} in hit["snippet"]
    within = world.client.get("/api/v1/search", params={"q": "přehled", "council": "dairy"})
    assert [h["kind"] for h in within.json()["hits"]] == ["council"]


def test_the_api_pages_and_refuses_clearly(world: World) -> None:
    first = world.client.get("/api/v1/search", params={"q": "prehled", "limit": 2}).json()
    assert first["has_more"]
    assert first["next_offset"] == 2
    rest = world.client.get("/api/v1/search", params={"q": "prehled", "offset": 2}).json()
    assert len(rest["hits"]) == 1
    assert not rest["has_more"]
    for q, reason in (("", "no word"), ('"*" :', "no word"), ("x" * 201, "at most 200")):
        refused = world.client.get("/api/v1/search", params={"q": q})
        assert refused.status_code == 422, q
        assert reason in refused.json()["detail"]
    unknown = world.client.get("/api/v1/search", params={"q": "pec", "council": "nowhere"})
    assert unknown.status_code == 404
    for hostile in ("NEAR(pec, 2)", "pec*", "'; DROP TABLE x; --", "pec & | !", "\x00pec"):
        answer = world.client.get("/api/v1/search", params={"q": hostile})
        assert answer.status_code in (200, 422), (hostile, answer.text)


def test_the_search_page_shows_marked_escaped_hits_with_links(world: World) -> None:
    page = world.client.get("/search", params={"q": "prehled"})
    assert page.status_code == 200
    html = page.text
    assert "<mark>Přehled</mark>" in html
    assert f'href="/proposals/{world.ids["oven"]}#post-{world.ids["post"]}"' in html
    assert XSS not in html
    assert "&lt;script&gt;" in html
    assert 'role="search"' in html  # the header's box, on every page
    home = world.client.get("/")
    assert 'id="site-search-q"' in home.text


def test_the_search_page_refuses_clearly_and_pages(world: World) -> None:
    refused = world.client.get("/search", params={"q": "x" * 201})
    assert refused.status_code == 422
    assert "at most 200" in refused.text
    nowhere = world.client.get("/search", params={"q": "pec", "council": "nowhere"})
    assert nowhere.status_code == 404
    empty = world.client.get("/search")
    assert empty.status_code == 200
    assert "<ol" not in empty.text
    czech = world.client.get("/search", params={"q": '"*"', "lang": "cs"})
    assert czech.status_code == 422
    assert "Hledat" in czech.text
