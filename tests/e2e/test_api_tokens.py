"""API tokens over HTTP: make them, list them, revoke them; a revoked token gets 401, on
``GET /me`` and on a vote alike, and nobody sees or revokes anyone else's.

The journeys run on the in-memory unit of work and on the real SQLite database.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from tests.e2e.test_api_journeys import (  # the instance fixture, shared
    API,
    Instance,
    Person,
    found_bakery,
    instance,
    memory_instance,
    ok,
    sign_up,
)

from rada.services.accounts import token_hash

__all__ = ["instance", "memory_instance"]


def _delete(person: Person, token_id: str, **headers: str) -> Any:
    return person.client.delete(
        f"{API}/me/tokens/{token_id}", headers={"X-CSRF-Token": person.csrf, **headers}
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _voting_motion(instance: Instance, ana: Person, bo: Person) -> int:
    proposal = ok(
        bo.post("/councils/bakery/proposals", {"kind": "motion", "title": "Oven", "text": "Buy."}),
        201,
    )
    instance.clock.advance(25)
    ok(ana.post(f"/proposals/{proposal['id']}/voting"))
    return int(proposal["id"])


def test_a_token_is_made_listed_revoked_and_then_refused(instance: Instance) -> None:
    ana, bo, _cy = found_bakery(instance)
    laptop = ok(bo.post("/me/tokens", {"name": "laptop"}), 201)
    assert re.fullmatch(r"[0-9a-f]{12}", laptop["id"])
    assert laptop["id"] == token_hash(laptop["token"])[:12]
    instance.clock.advance(1)
    phone = ok(bo.post("/me/tokens", {"name": "phone"}), 201)

    listing = bo.get("/me/tokens")
    listed = ok(listing)
    assert listed == [
        {
            "id": phone["id"],
            "name": "phone",
            "created_at": listed[0]["created_at"],
            "revoked_at": None,
        },
        {
            "id": laptop["id"],
            "name": "laptop",
            "created_at": listed[1]["created_at"],
            "revoked_at": None,
        },
    ]
    assert listed[0]["created_at"] > listed[1]["created_at"]
    for secret in (laptop["token"], phone["token"], token_hash(laptop["token"])):
        assert secret not in listing.text
    assert ok(instance.client().get(f"{API}/me", headers=_bearer(laptop["token"])))["id"] == bo.id
    # The list by token, too: the same answer.
    assert ok(instance.client().get(f"{API}/me/tokens", headers=_bearer(phone["token"]))) == listed

    pid = _voting_motion(instance, ana, bo)
    revoked = _delete(bo, laptop["id"])
    assert revoked.status_code == 204, revoked.text
    assert revoked.content == b""

    refused = instance.client().get(f"{API}/me", headers=_bearer(laptop["token"]))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert refused.json()["detail"] == "the API token is not valid"
    vote = {"choice": {"position": "yes"}}
    no_vote = instance.client().post(
        f"{API}/proposals/{pid}/votes", json=vote, headers=_bearer(laptop["token"])
    )
    assert no_vote.status_code == 401, no_vote.text
    # The other token still works, and the refused vote left the vote to cast.
    voted = instance.client().post(
        f"{API}/proposals/{pid}/votes", json=vote, headers=_bearer(phone["token"])
    )
    assert ok(voted, 201)["proposal_id"] == pid

    after = ok(bo.get("/me/tokens"))
    assert [(t["name"], t["revoked_at"] is None) for t in after] == [
        ("phone", True),
        ("laptop", False),
    ]
    revoked_at = after[1]["revoked_at"]
    instance.clock.advance(1)
    assert _delete(bo, laptop["id"]).status_code == 204  # again: nothing changes
    assert ok(bo.get("/me/tokens"))[1]["revoked_at"] == revoked_at


def test_nobody_sees_or_revokes_anyone_elses_token(instance: Instance) -> None:
    ana = sign_up(instance, "Ana Novak", "ana@bakery.example")
    bo = sign_up(instance, "Bo Berg", "bo@bakery.example")
    anas = ok(ana.post("/me/tokens", {"name": "ana's"}), 201)
    assert ok(bo.get("/me/tokens")) == []
    refused = _delete(bo, anas["id"])
    assert refused.status_code == 404
    assert refused.json() == {
        "detail": f"you have no API token '{anas['id']}'",
        "hint": "the ids of your tokens are in the list of your tokens",
    }
    by_token = instance.client().delete(
        f"{API}/me/tokens/{anas['id']}",
        headers=_bearer(ok(bo.post("/me/tokens", {}), 201)["token"]),
    )
    assert by_token.status_code == 404
    assert _delete(ana, "0123456789ab").status_code == 404  # unknown to everyone
    assert ok(instance.client().get(f"{API}/me", headers=_bearer(anas["token"])))["id"] == ana.id
    assert [t["revoked_at"] for t in ok(ana.get("/me/tokens"))] == [None]


def test_a_token_may_revoke_itself(memory_instance: Instance) -> None:
    ana = sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    token = ok(ana.post("/me/tokens", {"name": "script"}), 201)
    script = memory_instance.client()
    gone = script.delete(f"{API}/me/tokens/{token['id']}", headers=_bearer(token["token"]))
    assert gone.status_code == 204
    assert script.get(f"{API}/me/tokens", headers=_bearer(token["token"])).status_code == 401


def test_the_tokens_need_a_signed_in_caller(memory_instance: Instance) -> None:
    ana = sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    token = ok(ana.post("/me/tokens", {"name": "script"}), 201)
    stranger = TestClient(memory_instance.app)
    for response in (
        stranger.get(f"{API}/me/tokens"),
        stranger.delete(f"{API}/me/tokens/{token['id']}"),
    ):
        assert response.status_code == 401
        assert set(response.json()) == {"detail", "hint"}
    assert ok(ana.get("/me/tokens"))[0]["revoked_at"] is None


def test_a_cookie_revocation_needs_the_csrf_token(memory_instance: Instance) -> None:
    ana = sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    token = ok(ana.post("/me/tokens", {"name": "script"}), 201)
    path = f"{API}/me/tokens/{token['id']}"
    refused = ana.client.delete(path)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert ana.client.delete(path, headers={"X-CSRF-Token": "guess"}).status_code == 403
    cross_site = _delete(ana, token["id"], Origin="https://evil.example")
    assert cross_site.status_code == 403
    assert ok(ana.get("/me/tokens"))[0]["revoked_at"] is None  # reading needs no CSRF token
    assert _delete(ana, token["id"]).status_code == 204


def test_a_token_id_is_twelve_lowercase_hex_digits(memory_instance: Instance) -> None:
    ana = sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    token = ok(ana.post("/me/tokens", {"name": "script"}), 201)
    # An id of digits alone (about 1 in 280) has no capitals: issue until one has a letter.
    while token["id"].upper() == token["id"]:
        token = ok(ana.post("/me/tokens", {"name": "script"}), 201)
    for wrong in (
        token["id"].upper(),
        token["id"][:6],
        token["id"] + "0",
        token_hash(token["token"]),
        "0123456789az",
    ):
        response = _delete(ana, wrong)
        assert response.status_code == 422, wrong
    listed = ok(ana.get("/me/tokens"))
    assert listed
    assert all(t["revoked_at"] is None for t in listed)


def test_a_refusal_is_in_czech_when_asked(memory_instance: Instance) -> None:
    ana = sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    response = _delete(ana, "0123456789ab", **{"Accept-Language": "cs"})
    assert response.status_code == 404
    assert response.json() == {
        "detail": "nemáte žádný token API '0123456789ab'",
        "hint": "identifikátory svých tokenů najdete v seznamu svých tokenů",
    }
