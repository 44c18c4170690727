"""The record page says each entry as a sentence, in the reader's language, naming people,
councils and proposals and linking the proposal; the stored entry stays one click away."""

from __future__ import annotations

import re

import pytest
from tests.e2e.test_council_pages import (  # noqa: F401 (world is the pages' fixture)
    World,
    html,
    world,
)


@pytest.fixture
def site(world: World) -> World:  # noqa: F811
    """The council pages' world: the bakery, its people and proposals."""
    return world


def _sentences(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", s).strip()
        for s in re.findall(r'<p class="sentence">(.*?)</p>', page, flags=re.S)
    ]


def test_entries_read_as_sentences_that_link_their_proposal(site: World) -> None:
    client = site.client()
    said: list[str] = []
    for kind in ("person", "council", "proposal", "vote", "participation", "decision"):
        said += _sentences(html(client.get(f"/record?kind={kind}")))
    oven = site.ids["oven"]
    assert "Ana founded Bakery North." in said
    assert "Bo made an account." in said
    assert f"Bo opened proposal {oven}: A second oven in Bakery North. Go to the proposal" in said
    assert f"Cy voted no on proposal {oven}: A second oven. Go to the proposal" in said
    assert any(s.startswith("Ana took part in the secret ballot on proposal") for s in said)
    assert any(s.startswith(("Bo opened the vote", "Ana opened the vote")) for s in said)
    assert any("was adopted." in s for s in said)
    first = html(client.get("/record"))
    assert 'href="/proposals/' in first
    assert '<details class="stored">' in first
    assert 'id="in-plain-words"' in first
    czech = _sentences(html(client.get("/record?lang=cs")))
    assert any(s.startswith("Návrh ") and "byl přijat" in s for s in czech), czech[:5]
