"""The JSON API over HTTP, as people use it: sign up, found a council, invite, propose,
discuss, vote, close, and read the decision; a secret STV election checked by receipt;
and the security around it (CSRF, sign-in limits, production secrets, inert payloads).

The journeys run on the in-memory unit of work and on the real SQLite database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rada.config import DEVELOPMENT_SECRET_KEY, InsecureSettings, Settings
from rada.store.memory import MemoryState, MemoryUnitOfWork
from rada.web.app import create_app

API = "/api/v1"
PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, hours: float) -> None:
        self.now += timedelta(hours=hours)


@dataclass
class Instance:
    app: FastAPI
    clock: Clock

    def client(self) -> TestClient:
        """A browser of its own (its own cookie jar)."""
        return TestClient(self.app)


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    # The database is named outright, so that a RADA_DATABASE_URL in the environment
    # cannot point the tests at a real instance.
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'rada.db'}", **extra)


@pytest.fixture(params=["memory", "sqlite"])
def instance(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Instance]:
    """A Rada instance on the in-memory unit of work, or on an SQLite file in tmp_path."""
    clock = Clock()
    settings = _settings(tmp_path)
    if request.param == "memory":
        state = MemoryState()
        app = create_app(settings, uow_factory=lambda: MemoryUnitOfWork(state), clock=clock)
    else:
        pytest.importorskip("rada.store.database")
        app = create_app(settings, clock=clock)
    with TestClient(app):  # runs the lifespan, so the database is closed afterwards
        yield Instance(app, clock)


@pytest.fixture
def memory_instance(tmp_path: Path) -> Instance:
    state = MemoryState()
    clock = Clock()
    app = create_app(_settings(tmp_path), uow_factory=lambda: MemoryUnitOfWork(state), clock=clock)
    return Instance(app, clock)


class Person:
    """A signed-in browser: its client carries the session cookie, and every change the
    CSRF token."""

    def __init__(self, client: TestClient, csrf: str, person: dict[str, Any]) -> None:
        self.client = client
        self.csrf = csrf
        self.id: int = person["id"]
        self.name: str = person["name"]

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(API + path, **kw)

    def post(self, path: str, json: Any = None) -> Any:
        return self.client.post(API + path, json=json, headers={"X-CSRF-Token": self.csrf})

    def patch(self, path: str, json: Any = None) -> Any:
        return self.client.patch(API + path, json=json, headers={"X-CSRF-Token": self.csrf})


def sign_up(instance: Instance, name: str, email: str, **extra: Any) -> Person:
    client = instance.client()
    response = client.post(
        f"{API}/accounts", json={"name": name, "email": email, "password": PASSWORD, **extra}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Person(client, body["csrf_token"], body["person"])


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def found_bakery(instance: Instance) -> tuple[Person, Person, Person]:
    """Ana founds the bakery's council and invites Bo (who signs up, then accepts) and Cy
    (who signs up with the code)."""
    ana = sign_up(instance, "Ana Novak", "ana@bakery.example")
    council = ok(
        ana.post("/councils", {"name": "North Bakery", "slug": "bakery", "kind": "workplace"}),
        201,
    )
    assert [m["roles"] for m in council["members"]] == [["convenor", "member"]]
    bo = sign_up(instance, "Bo Berg", "bo@bakery.example")
    invitation = ok(ana.post("/councils/bakery/invitations", {"email": "bo@bakery.example"}), 201)
    joined = ok(bo.post("/invitations/accept", {"code": invitation["code"]}), 201)
    assert joined["council_slug"] == "bakery"
    assert joined["roles"] == ["member"]
    for_cy = ok(bo.post("/councils/bakery/invitations", {"email": "cy@bakery.example"}), 201)
    cy = sign_up(instance, "Cy Dvorak", "cy@bakery.example", invitation=for_cy["code"])
    me = ok(cy.get("/me"))
    assert me["email"] == "cy@bakery.example"
    assert [m["council_slug"] for m in me["memberships"]] == ["bakery"]
    return ana, bo, cy


def test_a_motion_from_sign_up_to_decision(instance: Instance) -> None:
    ana, bo, cy = found_bakery(instance)
    council = ok(ana.get("/councils/bakery"))
    assert {m["person"]["name"] for m in council["members"]} == {
        "Ana Novak",
        "Bo Berg",
        "Cy Dvorak",
    }
    assert all("email" not in m["person"] for m in council["members"])

    proposal = ok(
        bo.post(
            "/councils/bakery/proposals",
            {"kind": "motion", "title": "A second oven", "text": "Buy a second oven."},
        ),
        201,
    )
    pid = proposal["id"]
    assert proposal["stage"] == "discussion"
    revised = ok(bo.post(f"/proposals/{pid}/versions", {"text": "Buy a second, larger oven."}))
    assert [v["text"] for v in revised["versions"]] == [
        "Buy a second oven.",
        "Buy a second, larger oven.",
    ]

    first = ok(ana.post(f"/proposals/{pid}/posts", {"text": "Where would it go?"}), 201)
    reply = ok(
        bo.post(f"/proposals/{pid}/posts", {"text": "In the back room.", "reply_to": first["id"]}),
        201,
    )
    assert reply["parent_id"] == first["id"]
    edited = ok(ana.patch(f"/posts/{first['id']}", {"text": "Where would it go, exactly?"}))
    assert [v["number"] for v in edited["versions"]] == [1, 2]
    assert ok(bo.patch(f"/posts/{first['id']}", {"text": "gone"}), 403)["detail"]
    thread = ok(instance.client().get(f"{API}/proposals/{pid}/posts"))
    assert [p["text"] for p in thread] == ["Where would it go, exactly?", "In the back room."]
    assert [v["text"] for v in thread[0]["versions"]] == [
        "Where would it go?",
        "Where would it go, exactly?",
    ]

    early = ok(ana.post(f"/proposals/{pid}/voting"), 409)
    assert "24 hours" in early["detail"]
    instance.clock.advance(25)
    assert ok(bo.post(f"/proposals/{pid}/voting"), 403)["hint"] is None
    assert ok(ana.post(f"/proposals/{pid}/voting"))["stage"] == "voting"
    assert ok(bo.post(f"/proposals/{pid}/versions", {"text": "too late"}), 409)

    instance.clock.advance(1)
    assert ok(ana.post(f"/proposals/{pid}/votes", {"choice": {"position": "yes"}}), 201) == {
        "proposal_id": pid,
        "secret": False,
        "receipt": None,
    }
    ok(bo.post(f"/proposals/{pid}/votes", {"choice": {"position": "yes"}}), 201)
    # Voting again while the vote is open changes the vote: the tally takes the last choice.
    ok(bo.post(f"/proposals/{pid}/votes", {"choice": {"position": "no"}}), 201)
    assert ok(cy.get(f"/proposals/{pid}/tally"))["counts"] == {"yes": 1, "no": 1, "abstain": 0}
    ok(bo.post(f"/proposals/{pid}/votes", {"choice": {"position": "yes"}}), 201)
    receipt = {"choice": {"position": "no"}, "replace_receipt": "r-anything"}
    assert "no receipts" in ok(bo.post(f"/proposals/{pid}/votes", receipt), 422)["detail"]
    assert ok(cy.post(f"/proposals/{pid}/votes", {"choice": {"position": "maybe"}}), 422)["detail"]
    live = ok(cy.get(f"/proposals/{pid}/tally"))
    assert live["visible"]
    assert not live["final"]
    assert live["counts"] == {"yes": 2, "no": 0, "abstain": 0}
    assert ok(ana.post(f"/proposals/{pid}/close"), 409)["hint"]  # Cy has not voted yet
    ok(cy.post(f"/proposals/{pid}/votes", {"choice": {"position": "no"}}), 201)
    roll_call = ok(instance.client().get(f"{API}/proposals/{pid}/votes"))
    assert [(v["voter"]["name"], v["choice"], v["version"]) for v in roll_call["votes"]] == [
        ("Ana Novak", {"position": "yes"}, 1),
        ("Bo Berg", {"position": "yes"}, 3),
        ("Cy Dvorak", {"position": "no"}, 1),
    ]

    decided = ok(cy.post(f"/proposals/{pid}/close"))
    assert decided["stage"] == "decided"
    assert decided["outcome"] == "adopted"
    assert decided["decision"]["tally"] == {"yes": 2, "no": 1, "abstain": 0}
    assert decided["decision"]["summary"].startswith("Adopted")
    late = ok(bo.post(f"/proposals/{pid}/votes", {"choice": {"position": "no"}}), 409)
    assert "votes are not open" in late["detail"]
    public = ok(instance.client().get(f"{API}/proposals/{pid}"))
    assert public["decision"] == decided["decision"]
    final = ok(instance.client().get(f"{API}/proposals/{pid}/tally"))
    assert final["final"]
    assert final["counts"] == {"yes": 2, "no": 1, "abstain": 0}
    assert ok(ana.post(f"/proposals/{pid}/posts", {"text": "late"}), 409)
    listed = ok(instance.client().get(f"{API}/councils/bakery/proposals?stage=decided"))
    assert [p["id"] for p in listed] == [pid]
    assert ok(instance.client().get(f"{API}/councils/bakery/proposals?stage=voting")) == []


def test_errors_are_in_czech_when_the_client_asks_for_it(instance: Instance) -> None:
    ana, bo, _cy = found_bakery(instance)
    pid = ok(
        bo.post(
            "/councils/bakery/proposals",
            {"kind": "motion", "title": "A second oven", "text": "Buy a second oven."},
        ),
        201,
    )["id"]
    english = ana.post(f"/proposals/{pid}/voting")
    assert english.headers["content-language"] == "en"
    assert ok(english, 409)["detail"] == (
        "the discussion must last 24 hours; voting may open at 2026-03-02T09:00+00:00"
    )
    czech = ana.client.post(
        f"{API}/proposals/{pid}/voting",
        headers={"X-CSRF-Token": ana.csrf, "Accept-Language": "cs-CZ,cs;q=0.9,en;q=0.5"},
    )
    assert czech.headers["content-language"] == "cs"
    assert ok(czech, 409)["detail"] == (
        "diskuse musí trvat 24 hodin; hlasování lze otevřít od 2026-03-02T09:00+00:00"
    )
    nowhere = instance.client().get(f"{API}/councils/nowhere", headers={"Accept-Language": "cs"})
    assert ok(nowhere, 404) == {
        "detail": "rada 'nowhere' neexistuje",
        "hint": "vypíše je `rada council list`",
    }
    assert ok(instance.client().get(f"{API}/councils/nowhere"), 404) == {
        "detail": "there is no council 'nowhere'",
        "hint": "`rada council list` lists them",
    }
    anonymous = instance.client().post(
        f"{API}/councils",
        json={"name": "X", "slug": "x", "kind": "workplace"},
        headers={"Accept-Language": "cs"},
    )
    assert ok(anonymous, 401)["detail"] == "pro účast se přihlaste"


def test_a_secret_stv_election_is_checked_by_receipt_after_the_count(instance: Instance) -> None:
    ana, bo, cy = found_bakery(instance)
    # Cy votes from a script with an API token: no cookie, so no CSRF token either.
    token = ok(cy.post("/me/tokens", {"name": "script"}), 201)["token"]
    assert token.startswith("rada_")
    script = instance.client()
    bearer = {"Authorization": f"Bearer {token}"}

    election = ok(
        bo.post(
            "/councils/bakery/proposals",
            {
                "kind": "appointment",
                "title": "Manager for 2026",
                "text": "Elect the bakery's manager.",
                "details": {"post": "manager"},
                "candidates": [ana.id, bo.id, cy.id],
            },
        ),
        201,
    )
    eid = election["id"]
    assert election["rule"]["secret"]
    assert election["rule"]["method"] == "stv"
    keys = {o["person_id"]: o["key"] for o in election["options"]}
    instance.clock.advance(49)
    ok(ana.post(f"/proposals/{eid}/voting"))
    instance.clock.advance(1)

    receipts = {}
    for voter, ranking in ((ana, [bo.id, ana.id]), (bo, [bo.id])):
        cast = ok(
            voter.post(
                f"/proposals/{eid}/votes", {"choice": {"ranking": [keys[p] for p in ranking]}}
            ),
            201,
        )
        assert cast["secret"]
        assert cast["receipt"]
        receipts[voter.name] = cast["receipt"]
    cast = script.post(
        f"{API}/proposals/{eid}/votes", json={"choice": {"ranking": [keys[cy.id]]}}, headers=bearer
    )
    receipts["Cy Dvorak"] = ok(cast, 201)["receipt"]
    # Bo changes their mind: a second ballot is refused; one that names the first's receipt
    # replaces it, under a new receipt.
    bos = {"choice": {"ranking": [keys[bo.id], keys[cy.id]]}}
    again = ok(bo.post(f"/proposals/{eid}/votes", bos), 409)
    assert "receipt" in again["hint"]
    wrong = ok(bo.post(f"/proposals/{eid}/votes", {**bos, "replace_receipt": "r-wrong"}), 403)
    assert wrong["detail"] == "this receipt code does not name a current ballot on this proposal"
    first = receipts["Bo Berg"]
    replaced = ok(bo.post(f"/proposals/{eid}/votes", {**bos, "replace_receipt": first}), 201)
    assert replaced["secret"]
    assert replaced["receipt"] not in (None, first)
    receipts["Bo Berg"] = replaced["receipt"]

    hidden = ok(instance.client().get(f"{API}/proposals/{eid}/tally"))
    assert not hidden["visible"]
    assert hidden["counts"] is None
    assert hidden["ballots"] == 3
    before = ok(instance.client().get(f"{API}/proposals/{eid}/votes"))
    assert before["ballots"] is None
    assert before["votes"] == []
    assert {p["name"] for p in before["participants"]} == {"Ana Novak", "Bo Berg", "Cy Dvorak"}
    early = instance.client().get(f"{API}/proposals/{eid}/receipts/{receipts['Bo Berg']}")
    assert ok(early, 409)["detail"] == "the ballots are published after the count"

    decided = ok(ana.post(f"/proposals/{eid}/close"))
    assert decided["decision"]["elected"] == [keys[bo.id]]
    council = ok(instance.client().get(f"{API}/councils/bakery"))
    assert [(o["post"], o["person"]["name"]) for o in council["offices"]] == [
        ("manager", "Bo Berg")
    ]
    after = ok(instance.client().get(f"{API}/proposals/{eid}/votes"))
    assert len(after["ballots"]) == 3
    assert all("voter" not in b for b in after["ballots"])
    check = ok(
        instance.client().post(
            f"{API}/proposals/{eid}/receipts", json={"code": receipts["Ana Novak"]}
        )
    )
    assert check["counted"] is True
    assert check["ballot"]["choice"] == {"ranking": [keys[bo.id], keys[ana.id]]}
    assert check["ballot"]["receipt_hash"] in {b["receipt_hash"] for b in after["ballots"]}
    unknown = instance.client().get(f"{API}/proposals/{eid}/receipts/not-a-receipt")
    assert ok(unknown, 404)["hint"]
    # The replaced ballot was neither counted nor published; the new one was.
    assert ok(instance.client().get(f"{API}/proposals/{eid}/receipts/{first}"), 404)
    new = ok(instance.client().get(f"{API}/proposals/{eid}/receipts/{receipts['Bo Berg']}"))
    assert new["ballot"]["choice"] == bos["choice"]


def test_a_council_joins_a_federation_only_by_its_own_decision(instance: Instance) -> None:
    """Federations by consent: the federation invites, the invited council decides by its own
    standing orders, the weight comes from the members it represents; leaving likewise."""
    ana, bo, cy = found_bakery(instance)
    ok(ana.post("/councils", {"name": "Bakers", "slug": "bakers", "kind": "federation"}), 201)
    # Nobody gives the weight, and only the federation's convenor invites.
    refused = ok(
        ana.post("/councils/bakers/affiliations", {"member": "bakery", "weight": 1000}), 422
    )
    assert refused["detail"][0]["loc"] == ["body", "weight"]
    assert ok(bo.post("/councils/bakers/affiliations", {"member": "bakery"}), 403)["detail"]
    # Nor can a member of the bakery open an affiliation itself, nor the congress be invited.
    own = bo.post(
        "/councils/bakery/proposals",
        {"kind": "affiliation", "title": "Join", "text": "x", "details": {"federation": 1}},
    )
    assert "federation invites" in ok(own, 403)["detail"]
    invitation = ok(
        ana.post("/councils/bakers/affiliations", {"member": "bakery", "delegates": 2}), 201
    )
    assert invitation["kind"] == "affiliation"
    assert invitation["council_id"] == joined_id(instance, "bakery")
    assert invitation["title"] == "Join Bakers"
    assert invitation["details"]["delegates"] == 2
    again = ana.post("/councils/bakers/affiliations", {"member": "bakery"})
    assert "already puts this" in ok(again, 409)["detail"]
    # Until the bakery decides, it belongs to nothing, and cannot elect delegates there.
    assert ok(instance.client().get(f"{API}/councils/bakery"))["affiliated_to"] == []
    pid = invitation["id"]
    instance.clock.advance(25)
    ok(ana.post(f"/proposals/{pid}/voting"))
    for person, position in ((ana, "yes"), (bo, "yes"), (cy, "no")):
        ok(person.post(f"/proposals/{pid}/votes", {"choice": {"position": position}}), 201)
    decided = ok(ana.post(f"/proposals/{pid}/close"))
    assert decided["decision"]["outcome"] == "adopted"
    joined = ok(instance.client().get(f"{API}/councils/bakery"))["affiliated_to"]
    # Three members represented, shared between two delegate seats: 2 each (rounded up).
    assert joined == [{"federation": "bakers", "member": "bakery", "delegates": 2, "weight": 2}]

    # Bo is not a delegate: the federation's proposals are not his to open.
    refused = bo.post(
        "/councils/bakers/proposals", {"kind": "motion", "title": "Flour", "text": "Buy flour."}
    )
    assert ok(refused, 403)["detail"].startswith("in Bakers only these may propose")

    # Leaving: Cy, a member, puts it to the bakery; the bakery rejects it, and stays.
    leave = ok(
        cy.post(
            "/councils/bakery/proposals",
            {
                "kind": "disaffiliation",
                "title": "Leave Bakers",
                "text": "We decide alone.",
                "details": {"federation": joined_id(instance, "bakers")},
            },
        ),
        201,
    )
    instance.clock.advance(25)
    ok(ana.post(f"/proposals/{leave['id']}/voting"))
    for person, position in ((ana, "no"), (bo, "no"), (cy, "yes")):
        ok(person.post(f"/proposals/{leave['id']}/votes", {"choice": {"position": position}}), 201)
    assert ok(ana.post(f"/proposals/{leave['id']}/close"))["decision"]["outcome"] == "rejected"
    assert len(ok(instance.client().get(f"{API}/councils/bakery"))["affiliated_to"]) == 1
    # The federation's convenor asks again; this time the bakery agrees and leaves.
    parting = ok(ana.post("/councils/bakers/disaffiliations", {"member": "bakery"}), 201)
    assert parting["kind"] == "disaffiliation"
    instance.clock.advance(25)
    ok(ana.post(f"/proposals/{parting['id']}/voting"))
    for person in (ana, bo, cy):
        ok(person.post(f"/proposals/{parting['id']}/votes", {"choice": {"position": "yes"}}), 201)
    assert ok(ana.post(f"/proposals/{parting['id']}/close"))["decision"]["outcome"] == "adopted"
    assert ok(instance.client().get(f"{API}/councils/bakery"))["affiliated_to"] == []
    gone = ana.post("/councils/bakers/disaffiliations", {"member": "bakery"})
    assert "not affiliated" in ok(gone, 422)["detail"]


def joined_id(instance: Instance, slug: str) -> int:
    """A council's id, as the API shows it."""
    return int(ok(instance.client().get(f"{API}/councils/{slug}"))["id"])


def test_stored_script_and_sql_come_back_as_inert_data(instance: Instance) -> None:
    ana, bo, _cy = found_bakery(instance)
    script = "<script>alert(1)</script>"
    sql = "'; DROP TABLE posts; --"
    proposal = ok(
        bo.post(
            "/councils/bakery/proposals",
            {"kind": "motion", "title": f"{script} {sql}", "text": f"{sql}\n{script}"},
        ),
        201,
    )
    pid = proposal["id"]
    for text in (script, sql, '"><img src=x onerror=alert(1)>'):
        ok(ana.post(f"/proposals/{pid}/posts", {"text": text}), 201)
    response = instance.client().get(f"{API}/proposals/{pid}/posts")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert [p["text"] for p in ok(response)] == [
        script,
        sql,
        '"><img src=x onerror=alert(1)>',
    ]
    shown = ok(instance.client().get(f"{API}/proposals/{pid}"))
    assert shown["title"] == f"{script} {sql}"
    assert shown["text"] == f"{sql}\n{script}"
    # Nothing was dropped: posts can still be written and read.
    ok(bo.post(f"/proposals/{pid}/posts", {"text": "still here"}), 201)
    assert len(ok(instance.client().get(f"{API}/proposals/{pid}/posts"))) == 4


def test_a_cookie_post_without_the_csrf_token_is_refused(memory_instance: Instance) -> None:
    ana = sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    body = {"name": "North Bakery", "slug": "bakery", "kind": "workplace"}
    refused = ana.client.post(f"{API}/councils", json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    wrong = ana.client.post(f"{API}/councils", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert ok(ana.post("/councils", body), 201)["slug"] == "bakery"
    assert ok(ana.get("/me"))["csrf_token"] == ana.csrf


def test_a_cross_site_post_is_refused_even_with_the_token(memory_instance: Instance) -> None:
    ana = sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    response = ana.client.post(
        f"{API}/councils",
        json={"name": "North Bakery", "slug": "bakery", "kind": "workplace"},
        headers={"X-CSRF-Token": ana.csrf, "Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "cross-site requests may not change anything"


def test_the_session_cookie_is_httponly_and_lax(memory_instance: Instance) -> None:
    client = memory_instance.client()
    response = client.post(
        f"{API}/accounts", json={"name": "Ana", "email": "ana@x.example", "password": PASSWORD}
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie


def test_signing_out_ends_the_session(memory_instance: Instance) -> None:
    ana = sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    stolen = dict(ana.client.cookies)
    ok(ana.post("/auth/sign-out"), 200)
    assert ana.get("/me").status_code == 401
    replay = memory_instance.client()
    replay.cookies.update(stolen)
    assert replay.get(f"{API}/me").status_code == 401
    again = memory_instance.client()
    signed_in = again.post(
        f"{API}/auth/sign-in", json={"email": "ana@bakery.example", "password": PASSWORD}
    )
    assert ok(signed_in)["person"]["name"] == "Ana Novak"
    assert again.get(f"{API}/me").status_code == 200


def test_a_forged_cookie_or_token_is_not_a_session(memory_instance: Instance) -> None:
    ana = sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    value = ana.client.cookies["rada_session"]
    payload, signature = value.split(".")
    forged = memory_instance.client()
    # A signature that already ends in "AA" (about 1 in 1,024) would be left as it is.
    ending = "BA" if signature.endswith("AA") else "AA"
    forged.cookies.set("rada_session", f"{payload}.{signature[:-2]}{ending}")
    assert forged.get(f"{API}/me").status_code == 401
    bad_token = memory_instance.client().get(
        f"{API}/me", headers={"Authorization": "Bearer rada_not-a-token"}
    )
    assert bad_token.status_code == 401
    assert bad_token.headers["www-authenticate"].startswith("Bearer")


def test_failed_sign_ins_are_limited_with_retry_after(memory_instance: Instance) -> None:
    sign_up(memory_instance, "Ana Novak", "ana@bakery.example")
    client = memory_instance.client()
    wrong = {"email": "ana@bakery.example", "password": "not the password"}
    statuses = [client.post(f"{API}/auth/sign-in", json=wrong).status_code for _ in range(5)]
    assert statuses == [401] * 5
    limited = client.post(
        f"{API}/auth/sign-in", json={"email": "ana@bakery.example", "password": PASSWORD}
    )
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "too many failed sign-ins" in limited.json()["detail"]
    # The limit is per address too: another account from the same client is refused.
    other = client.post(f"{API}/auth/sign-in", json={"email": "x@y.example", "password": "z"})
    assert other.status_code == 429


def test_sign_up_by_invitation_only(tmp_path: Path) -> None:
    state = MemoryState()
    app = create_app(
        _settings(tmp_path, open_signup=False), uow_factory=lambda: MemoryUnitOfWork(state)
    )
    refused = TestClient(app).post(
        f"{API}/accounts", json={"name": "Ana", "email": "ana@x.example", "password": PASSWORD}
    )
    assert refused.status_code == 403
    assert refused.json()["hint"] == "ask a member of a council for an invitation code"


def test_production_refuses_the_default_or_a_short_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RADA_SECRET_KEY"):
        Settings(data_dir=tmp_path, mode="production")
    with pytest.raises(ValueError, match="at least 32"):
        Settings(data_dir=tmp_path, mode="production", secret_key="short")
    settings = Settings(data_dir=tmp_path)
    settings.mode = "production"  # changed after reading: the app still refuses
    with pytest.raises(InsecureSettings, match="development default"):
        create_app(settings, uow_factory=lambda: MemoryUnitOfWork())
    assert DEVELOPMENT_SECRET_KEY not in str(settings.model_dump())


def test_production_reads_its_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RADA_MODE", "production")
    monkeypatch.setenv("RADA_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("RADA_DATA_DIR", str(tmp_path))
    state = MemoryState()
    app = create_app(uow_factory=lambda: MemoryUnitOfWork(state))
    response = TestClient(app, base_url="https://testserver").post(
        f"{API}/accounts", json={"name": "Ana", "email": "ana@x.example", "password": PASSWORD}
    )
    assert response.status_code == 201
    assert "secure" in response.headers["set-cookie"].lower()
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_production_refuses_a_predictable_secret_and_never_prints_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rada.config import ConfigurationError, load_settings

    monkeypatch.setenv("RADA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RADA_MODE", "production")
    for weak in ("a" * 32, "correcthorse" * 4, "0123456789abcdef" * 2):
        monkeypatch.setenv("RADA_SECRET_KEY", weak)
        with pytest.raises(ConfigurationError, match="too predictable") as refused:
            load_settings()
        assert weak not in str(refused.value)
    monkeypatch.setenv("RADA_SECRET_KEY", "short-secret")
    with pytest.raises(ConfigurationError, match="RADA_SECRET_KEY is 12 characters") as short:
        load_settings()
    assert "short-secret" not in str(short.value)
    monkeypatch.setenv("RADA_MODE", "development")
    monkeypatch.setenv("RADA_SIGNIN_ATTEMPTS", "many")
    with pytest.raises(ConfigurationError, match="RADA_SIGNIN_ATTEMPTS: Input should be"):
        load_settings()


def test_development_sends_no_hsts(memory_instance: Instance) -> None:
    assert "strict-transport-security" not in memory_instance.client().get("/").headers


def test_no_route_deletes_anything_said(memory_instance: Instance) -> None:
    """The one DELETE revokes one's own API token, and even that keeps the token's row."""
    from fastapi.routing import iter_route_contexts

    routes = {
        (method, route.path)
        for route in iter_route_contexts(memory_instance.app.routes)
        for method in (route.methods or ())
        if (route.path or "").startswith(API)
    }
    assert {path for method, path in routes if method == "DELETE"} == {
        f"{API}/me/tokens/{{token_id}}"
    }
    # The one PUT replaces one's own settings (language, zone, mail), nobody's speech.
    assert {path for method, path in routes if method == "PUT"} == {f"{API}/me/settings"}
