"""The API's side of issue 16 over HTTP: one's notices, their count and marking them read,
one's settings, what waits, a person's profile and a council's activity; bad input refused
with the API's error body, never a 5xx, and nobody reaching another's notices."""

from __future__ import annotations

import pytest
from tests.e2e.test_council_pages import (  # noqa: F401 (world is the pages' fixture)
    World,
    signed_in,
    world,
)

API = "/api/v1"


@pytest.fixture
def site(world: World) -> World:  # noqa: F811
    return world


def test_notices_are_paged_counted_and_marked_read_by_their_owner_only(site: World) -> None:
    cy, csrf = signed_in(site, "cy")
    headers = {"X-CSRF-Token": csrf}
    count = cy.get(f"{API}/me/notices/count").json()["unread"]
    assert count >= 3
    first = cy.get(f"{API}/me/notices", params={"limit": 2}).json()
    assert len(first["notices"]) == 2
    assert first["unread"] == count
    assert first["notices"][0]["id"] > first["notices"][1]["id"]  # newest first
    assert {"kind", "params", "proposal_id", "read_at"} <= set(first["notices"][0])
    rest = cy.get(f"{API}/me/notices", params={"before": first["next_before"]}).json()
    assert rest["notices"][0]["id"] < first["notices"][1]["id"]
    with site.app.state.api.uow() as uow:
        anas = [n.id for n in uow.notices.for_person(site.ids["ana"])]
        ana_unread = uow.notices.unread_count(site.ids["ana"])
    mine = first["notices"][0]["id"]
    marked = cy.post(f"{API}/me/notices/read", json={"ids": [mine, *anas]}, headers=headers)
    assert marked.status_code == 200, marked.text
    assert marked.json() == {"marked": 1, "unread": count - 1}
    with site.app.state.api.uow() as uow:
        assert uow.notices.unread_count(site.ids["ana"]) == ana_unread  # untouched
    unread = cy.get(f"{API}/me/notices", params={"unread": "true", "limit": 100}).json()
    assert mine not in [n["id"] for n in unread["notices"]]
    assert cy.post(f"{API}/me/notices/read", json={"all": True}).status_code == 403  # no CSRF
    done = cy.post(f"{API}/me/notices/read", json={"all": True}, headers=headers).json()
    assert done["unread"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/me/notices?limit=0", None),
        ("get", "/me/notices?limit=101", None),
        ("get", "/me/notices?before=-3", None),
        ("get", "/me/notices?before=x", None),
        ("post", "/me/notices/read", {}),
        ("post", "/me/notices/read", {"ids": [1], "all": True}),
        ("post", "/me/notices/read", {"ids": list(range(101))}),
        ("post", "/me/notices/read", {"ids": "all"}),
        ("post", "/me/notices/read", {"ids": [10**30]}),
        ("post", "/me/notices/read", {"ids": [-1]}),
        ("put", "/me/settings", {"mail": {"weather": "now"}}),
        ("put", "/me/settings", {"mail": {"voting": "hourly"}}),
        ("put", "/me/settings", {"timezone": "Mars/Olympus"}),
        ("put", "/me/settings", {"language": "de"}),
        ("put", "/me/settings", {"language": 5}),
        ("get", "/me/waiting?since=yesterday", None),
        ("get", "/me/waiting?since=2026-03-01T08:00:00", None),
        ("get", "/people/0", None),
        ("get", "/people/abc", None),
        ("get", "/councils/bakery-north/activity?limit=1000", None),
        ("get", "/councils/bakery-north/activity?offset=-1", None),
    ],
)
def test_bad_input_is_refused_clearly(
    site: World, method: str, path: str, body: dict[str, object] | None
) -> None:
    bo, csrf = signed_in(site, "bo")
    kwargs: dict[str, object] = {"headers": {"X-CSRF-Token": csrf}}
    if body is not None:
        kwargs["json"] = body
    answer = getattr(bo, method)(API + path, **kwargs)
    assert answer.status_code in (400, 422), (answer.status_code, answer.text)
    assert "detail" in answer.json()


def test_settings_are_read_replaced_whole_and_refusals_change_nothing(site: World) -> None:
    bo, csrf = signed_in(site, "bo")
    headers = {"X-CSRF-Token": csrf}
    before = bo.get(f"{API}/me/settings").json()
    assert before["language"] is None
    assert before["mail"]["voting"] == "now"  # the default, filled in
    assert before["mail"]["discussion"] == "digest"
    body = {"language": "cs", "timezone": "Europe/Prague", "mail": {"voting": "never"}}
    saved = bo.put(f"{API}/me/settings", json=body, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["mail"]["voting"] == "never"
    refused = bo.put(f"{API}/me/settings", json={"mail": {"weather": "now"}}, headers=headers)
    assert refused.status_code == 422
    assert "weather" in refused.json()["detail"]
    assert bo.get(f"{API}/me/settings").json()["timezone"] == "Europe/Prague"
    assert site.client().get(f"{API}/me/settings").status_code == 401


def test_what_waits_names_open_votes_with_their_closing_times(site: World) -> None:
    bo, _ = signed_in(site, "bo")
    found = bo.get(f"{API}/me/waiting", params={"since": "2026-03-01T00:00:00Z"}).json()
    oven = [p for p in found["to_vote"] if p["id"] == site.ids["oven"]]
    assert oven
    assert oven[0]["when"] is not None
    assert [p["title"] for p in found["decisions"]] != []
    assert any(d["proposal"]["id"] == site.ids["talk"] for d in found["new_posts"])
    assert site.client().get(f"{API}/me/waiting").status_code == 401


def test_a_profile_and_an_activity_feed_are_public_and_keep_secrets(site: World) -> None:
    client = site.client()
    cy = client.get(f"{API}/people/{site.ids['cy']}").json()
    assert cy["name"] == "Cy"
    assert "email" not in cy
    assert [s["council_slug"] for s in cy["seats"]] == ["bakery-north"]
    votes = {v["proposal"]["id"]: v["choice"] for v in cy["open_votes"]}
    assert votes.get(site.ids["oven"]) == {"position": "no"}
    assert site.ids["election"] not in votes  # a secret ballot
    assert client.get(f"{API}/people/999999").status_code == 404
    page = client.get(f"{API}/councils/bakery-north/activity", params={"limit": 3}).json()
    assert len(page["happenings"]) == 3
    assert page["next_offset"] == 3
    times = [h["at"] for h in page["happenings"]]
    assert times == sorted(times, reverse=True)
    assert client.get(f"{API}/councils/nowhere/activity").status_code == 404
