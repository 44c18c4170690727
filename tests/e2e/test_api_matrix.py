"""Who may do what: every API endpoint against every kind of caller.

The world: the bakery (a workplace council) with Ana (convenor and member), Bo (member) and
Dee (member, and the bakery's delegate to the bakers' federation, which Ana convenes
without a vote); Eve convenes another council, the brewery; Olga has an account and no
membership. Each cell starts from a fresh copy of that world, calls one endpoint with the
caller's API token (or none) and checks the status.

The endpoints are read from the app, so a new endpoint without a row here fails
:func:`test_every_endpoint_is_in_the_matrix`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from rada.config import Settings
from rada.councils.orders import CouncilKind, ProposalKind, Role
from rada.demo.federation import join_by_consent
from rada.services import accounts, discussion
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.store.memory import MemoryState, MemoryUnitOfWork
from rada.web.app import create_app

API = "/api/v1"
PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=60)
ROLES = ("anonymous", "outsider", "member", "delegate", "convenor", "other")
#: Who plays each role.
PLAYERS = {
    "outsider": "olga",
    "member": "bo",
    "delegate": "dee",
    "convenor": "ana",
    "other": "eve",
}


@dataclass
class World:
    state: MemoryState
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    receipt: str = ""
    olga_code: str = ""


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def build_world() -> World:
    state = MemoryState()
    world = World(state)
    with MemoryUnitOfWork(state) as uow:
        people = {
            key: accounts.register(
                uow, name=key.capitalize(), email=f"{key}@example.org", password=PASSWORD, now=T0
            )
            for key in ("ana", "bo", "dee", "eve", "olga")
        }
        for key, person in people.items():
            world.ids[key] = person.id
            world.tokens[key] = accounts.issue_token(uow, person_id=person.id, name="t", now=T0)
        ana, bo, dee, eve = (people[k].id for k in ("ana", "bo", "dee", "eve"))
        bakery = cs.create_council(
            uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE, founder_id=ana, now=T0
        )
        federation = cs.create_council(
            uow, name="Bakers", slug="bakers", kind=CouncilKind.FEDERATION, founder_id=ana, now=T0
        )
        cs.create_council(
            uow, name="Brewery", slug="brewery", kind=CouncilKind.WORKPLACE, founder_id=eve, now=T0
        )
        for person in (bo, dee):
            issued = cs.invite(
                uow, council="bakery", email=people_email(people, person), by=ana, now=T0
            )
            cs.accept_invitation(uow, code=issued.code, person_id=person, now=T0)
        join_by_consent(
            uow,
            federation=federation.id,
            member=bakery.id,
            by=ana,
            voters=(ana, bo, dee),
            convenor=ana,
            at=T0 - timedelta(days=1),
        )
        cs.admit(
            uow,
            council=federation,
            person=people["dee"],
            roles=frozenset({Role.DELEGATE}),
            now=T0,
            by=None,
            delegate_of=bakery.id,
        )
        world.olga_code = cs.invite(
            uow, council="bakery", email="olga@example.org", by=ana, now=T0
        ).code

        def motion(council: str, by: int, *, discuss: bool = True) -> int:
            return ps.open_proposal(
                uow,
                council=council,
                kind=ProposalKind.MOTION,
                title="A motion",
                text="Text.",
                by=by,
                now=T0,
                discuss=discuss,
            ).id

        world.ids["draft"] = motion("bakery", bo, discuss=False)
        world.ids["discussion"] = motion("bakery", bo)
        world.ids["post"] = discussion.write_post(
            uow, proposal_id=world.ids["discussion"], text="Bo's post", by=bo, now=_at(1)
        ).id
        world.ids["voting"] = motion("bakery", bo)
        ps.open_voting(uow, proposal_id=world.ids["voting"], by=ana, now=_at(50))
        world.ids["all-voted"] = motion("bakery", bo)
        ps.open_voting(uow, proposal_id=world.ids["all-voted"], by=ana, now=_at(50))
        for voter in (ana, bo, dee):
            ps.cast_vote(
                uow,
                proposal_id=world.ids["all-voted"],
                by=voter,
                choice={"position": "yes"},
                now=_at(51),
            )
        world.ids["federation-discussion"] = motion("bakers", dee)
        world.ids["federation-voting"] = motion("bakers", dee)
        ps.open_voting(uow, proposal_id=world.ids["federation-voting"], by=ana, now=_at(50))
        election = ps.open_proposal(
            uow,
            council="bakery",
            kind=ProposalKind.APPOINTMENT,
            title="Manager",
            text="Elect a manager.",
            by=bo,
            now=T0,
            details={"post": "manager"},
            candidates=[ana, bo],
        )
        world.ids["election"] = election.id
        ps.open_voting(uow, proposal_id=election.id, by=ana, now=_at(48))
        receipts = [
            ps.cast_vote(
                uow,
                proposal_id=election.id,
                by=voter,
                choice={"ranking": [f"p{bo}"]},
                now=_at(49),
            )
            for voter in (ana, bo, dee)
        ]
        ps.close_vote(uow, proposal_id=election.id, by=ana, now=_at(50))
        assert receipts[0] is not None
        world.receipt = receipts[0]
        uow.commit()
    return world


def people_email(people: dict[str, Any], person_id: int) -> str:
    return next(p.email for p in people.values() if p.id == person_id)


@dataclass(frozen=True)
class Row:
    """One endpoint called one way, and the status each role gets."""

    method: str
    path: str  # the route's template, as the app declares it
    url: Callable[[World], str]
    expect: dict[str, int]
    body: Callable[[World], Any] | None = None
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}{' ' + self.note if self.note else ''}"


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, *, anonymous: int = 401, **exceptions: int) -> dict[str, int]:
    """``status`` for every signed-in role except those named; 401 when signed out."""
    cells = {role: exceptions.get(role, status) for role in ROLES}
    cells["anonymous"] = anonymous
    return cells


def only(allowed: dict[str, int], *, otherwise: int = 403) -> dict[str, int]:
    """``allowed`` for the roles named, ``otherwise`` for the other signed-in roles."""
    cells = {role: allowed.get(role, otherwise) for role in ROLES}
    cells["anonymous"] = 401
    return cells


def fixed(path: str) -> Callable[[World], str]:
    return lambda _world: API + path


def proposal(key: str, suffix: str = "") -> Callable[[World], str]:
    return lambda world: f"{API}/proposals/{world.ids[key]}{suffix}"


BAKERY_MEMBERS = {"member": 201, "delegate": 201, "convenor": 201}

ROWS = [
    Row("GET", "/cycles", fixed("/cycles"), everyone(200)),
    Row("GET", "/cycles/{cycle_id}", fixed("/cycles/999"), everyone(404)),
    Row(
        "POST",
        "/accounts",
        fixed("/accounts"),
        everyone(201),
        lambda _w: {"name": "New", "email": "new@example.org", "password": PASSWORD},
    ),
    Row(
        "POST",
        "/auth/sign-in",
        fixed("/auth/sign-in"),
        everyone(200),
        lambda _w: {"email": "ana@example.org", "password": PASSWORD},
    ),
    Row("POST", "/auth/sign-out", fixed("/auth/sign-out"), signed_in(200)),
    Row("GET", "/me", fixed("/me"), signed_in(200)),
    Row(
        "POST",
        "/me/password",
        fixed("/me/password"),
        signed_in(403),
        lambda _w: {"current": "not the password", "new": "another long password"},
        note="(a wrong current password: nobody changes a password without it)",
    ),
    Row("POST", "/me/tokens", fixed("/me/tokens"), signed_in(201), lambda _w: {"name": "x"}),
    Row("GET", "/me/tokens", fixed("/me/tokens"), signed_in(200)),
    Row(
        "DELETE",
        "/me/tokens/{token_id}",
        lambda w: f"{API}/me/tokens/{accounts.token_id(w.tokens['ana'])}",
        signed_in(404, convenor=204),
        note="(Ana's token: nobody else may revoke it, or learn that it exists)",
    ),
    Row("GET", "/councils", fixed("/councils"), everyone(200)),
    Row(
        "POST",
        "/councils",
        fixed("/councils"),
        signed_in(201),
        lambda _w: {"name": "Mill", "slug": "mill", "kind": "workplace"},
    ),
    Row("GET", "/councils/{slug}", fixed("/councils/bakery"), everyone(200)),
    Row(
        "POST",
        "/councils/{slug}/affiliations",
        fixed("/councils/bakers/affiliations"),
        only({"convenor": 201}),
        lambda _w: {"member": "brewery"},
    ),
    Row(
        "POST",
        "/councils/{slug}/disaffiliations",
        fixed("/councils/bakers/disaffiliations"),
        only({"convenor": 201, "member": 201, "delegate": 201}),
        lambda _w: {"member": "bakery"},
    ),
    Row(
        "POST",
        "/councils/{slug}/convenors",
        fixed("/councils/bakery/convenors"),
        only({"convenor": 200}),
        lambda w: {"person_id": w.ids["bo"]},
    ),
    Row(
        "POST",
        "/councils/{slug}/invitations",
        fixed("/councils/bakery/invitations"),
        only(BAKERY_MEMBERS),
        lambda _w: {"email": "new@example.org"},
    ),
    Row(
        "POST",
        "/invitations/accept",
        fixed("/invitations/accept"),
        only({"outsider": 201}),
        lambda w: {"code": w.olga_code},
        "(an invitation for Olga)",
    ),
    Row("GET", "/councils/{slug}/proposals", fixed("/councils/bakery/proposals"), everyone(200)),
    Row(
        "GET",
        "/councils/{slug}/proposals",
        fixed("/councils/bakery/proposals?stage=voting"),
        everyone(200),
        note="?stage=voting",
    ),
    Row(
        "POST",
        "/councils/{slug}/proposals",
        fixed("/councils/bakery/proposals"),
        only(BAKERY_MEMBERS),
        lambda _w: {"kind": "motion", "title": "T", "text": "Text."},
    ),
    Row(
        "POST",
        "/councils/{slug}/proposals",
        fixed("/councils/bakers/proposals"),
        only({"delegate": 201}),
        lambda _w: {"kind": "motion", "title": "T", "text": "Text."},
        "(in the federation: delegates propose)",
    ),
    Row("GET", "/proposals/{proposal_id}", proposal("discussion"), everyone(200)),
    Row(
        "POST",
        "/proposals/{proposal_id}/versions",
        proposal("discussion", "/versions"),
        only({"member": 200}),
        lambda _w: {"text": "Revised."},
        "(Bo's proposal)",
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/discussion",
        proposal("draft", "/discussion"),
        only({"member": 200, "convenor": 200}),
        note="(Bo's draft)",
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/voting",
        proposal("discussion", "/voting"),
        only({"convenor": 200}),
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/close",
        proposal("all-voted", "/close"),
        only({"member": 200, "delegate": 200, "convenor": 200}),
    ),
    Row("GET", "/proposals/{proposal_id}/posts", proposal("discussion", "/posts"), everyone(200)),
    Row(
        "POST",
        "/proposals/{proposal_id}/posts",
        proposal("discussion", "/posts"),
        only(BAKERY_MEMBERS),
        lambda _w: {"text": "A post."},
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/posts",
        proposal("discussion", "/posts"),
        only(BAKERY_MEMBERS),
        lambda w: {"text": "A reply.", "reply_to": w.ids["post"]},
        "(a reply)",
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/posts",
        proposal("federation-discussion", "/posts"),
        only({"delegate": 201, "convenor": 201}),
        lambda _w: {"text": "A post."},
        "(in the federation)",
    ),
    Row("GET", "/posts/{post_id}", lambda w: f"{API}/posts/{w.ids['post']}", everyone(200)),
    Row(
        "PATCH",
        "/posts/{post_id}",
        lambda w: f"{API}/posts/{w.ids['post']}",
        only({"member": 200}),
        lambda _w: {"text": "Edited."},
        "(Bo's post: nobody else may edit it)",
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/votes",
        proposal("voting", "/votes"),
        only(BAKERY_MEMBERS),
        lambda _w: {"choice": {"position": "yes"}},
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/votes",
        proposal("federation-voting", "/votes"),
        only({"delegate": 201}),
        lambda _w: {"choice": {"position": "yes"}},
        "(in the federation: the convenor has no vote)",
    ),
    Row("GET", "/proposals/{proposal_id}/votes", proposal("voting", "/votes"), everyone(200)),
    Row("GET", "/proposals/{proposal_id}/tally", proposal("voting", "/tally"), everyone(200)),
    Row(
        "POST",
        "/proposals/{proposal_id}/receipts",
        lambda w: f"{API}/proposals/{w.ids['election']}/receipts",
        everyone(200),
        lambda w: {"code": w.receipt},
    ),
    Row(
        "GET",
        "/proposals/{proposal_id}/receipts/{code}",
        lambda w: f"{API}/proposals/{w.ids['election']}/receipts/{w.receipt}",
        everyone(200),
    ),
    # One's own notices and settings: everyone signed in has their own, nobody another's.
    Row("GET", "/me/notices", fixed("/me/notices"), signed_in(200)),
    Row("GET", "/me/notices/count", fixed("/me/notices/count"), signed_in(200)),
    Row(
        "POST",
        "/me/notices/read",
        fixed("/me/notices/read"),
        signed_in(200),
        lambda _w: {"all": True},
    ),
    Row("GET", "/me/settings", fixed("/me/settings"), signed_in(200)),
    Row(
        "PUT",
        "/me/settings",
        fixed("/me/settings"),
        signed_in(200),
        lambda _w: {"language": "cs", "mail": {"voting": "never"}},
    ),
    Row("GET", "/me/waiting", fixed("/me/waiting"), signed_in(200)),
    Row("GET", "/people/{person_id}", lambda w: f"{API}/people/{w.ids['bo']}", everyone(200)),
    Row("GET", "/councils/{slug}/activity", fixed("/councils/bakery/activity"), everyone(200)),
    # Search: public words, for everyone alike.
    Row("GET", "/search", fixed("/search?q=bakery"), everyone(200)),
    # What accounts prove by mail: a link's token works for whoever holds it (a forged one is
    # 410 for everybody); a reset is asked for alike whether or not the address has an account.
    Row(
        "POST",
        "/accounts/reset-requests",
        fixed("/accounts/reset-requests"),
        everyone(202),
        lambda _w: {"email": "bo@example.org"},
    ),
    Row(
        "POST",
        "/accounts/reset",
        fixed("/accounts/reset"),
        everyone(410),
        lambda _w: {"token": "A" * 43, "password": "a new long passphrase"},
        "(a forged token)",
    ),
    Row(
        "POST",
        "/accounts/verify",
        fixed("/accounts/verify"),
        everyone(410),
        lambda _w: {"token": "A" * 43},
        "(a forged token)",
    ),
    Row(
        "POST",
        "/accounts/email-confirmations",
        fixed("/accounts/email-confirmations"),
        everyone(410),
        lambda _w: {"token": "A" * 43},
        "(a forged token)",
    ),
    Row("POST", "/me/verification", fixed("/me/verification"), signed_in(202)),
    Row(
        "POST",
        "/me/email",
        fixed("/me/email"),
        signed_in(202),
        lambda _w: {"email": "new-address@example.org", "password": PASSWORD},
    ),
]

#: Methods no route answers: nothing is deleted or replaced wholesale.
ABSENT = [
    Row("DELETE", "", lambda w: f"{API}/posts/{w.ids['post']}", everyone(405)),
    Row("PUT", "", lambda w: f"{API}/posts/{w.ids['post']}", everyone(405)),
    Row("DELETE", "", proposal("discussion"), everyone(405)),
    Row("DELETE", "", fixed("/councils/bakery"), everyone(405)),
]


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@dataclass
class Holder:
    state: MemoryState


@pytest.fixture(scope="module")
def harness(world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, Holder]:
    holder = Holder(world.state)
    data = Path(tmp_path_factory.mktemp("matrix"))
    # The matrix is about who may, not how often: the sign-in limits (which count wrong
    # passwords of every cell against the one test client) are set out of reach.
    settings = Settings(
        data_dir=data, database_url=f"sqlite:///{data / 'rada.db'}", signin_attempts=100_000
    )
    app = create_app(
        settings, uow_factory=lambda: MemoryUnitOfWork(holder.state), clock=lambda: NOW
    )
    return app, holder


def api_endpoints(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, (route.path or "")[len(API) :])
        for route in iter_route_contexts(app.routes)
        if (route.path or "").startswith(API + "/")
        for method in (route.methods or ())
        if method != "HEAD"
    }


def test_every_endpoint_is_in_the_matrix(harness: tuple[FastAPI, Holder]) -> None:
    app, _ = harness
    declared = api_endpoints(app)
    covered = {(row.method, row.path) for row in ROWS}
    assert declared - covered == set(), "add these endpoints to the authorization matrix"
    assert covered - declared == set(), "these rows name endpoints the app does not have"
    assert len(declared) >= 27


def test_no_route_deletes_what_was_said(harness: tuple[FastAPI, Holder]) -> None:
    """The one DELETE revokes one's own API token (a credential, whose row is kept)."""
    app, _ = harness
    endpoints = api_endpoints(app)
    assert {method for method, _ in endpoints} <= {"GET", "POST", "PATCH", "PUT", "DELETE"}
    assert {path for method, path in endpoints if method == "DELETE"} == {"/me/tokens/{token_id}"}
    # The one PUT replaces one's own settings, which are nobody's speech.
    assert {path for method, path in endpoints if method == "PUT"} == {"/me/settings"}


CELLS = [
    pytest.param(row, role, id=f"{row.name} as {role}") for row in ROWS + ABSENT for role in ROLES
]


@pytest.mark.parametrize(("row", "role"), CELLS)
def test_the_matrix(row: Row, role: str, world: World, harness: tuple[FastAPI, Holder]) -> None:
    app, holder = harness
    holder.state = copy.deepcopy(world.state)
    client = TestClient(app)
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {world.tokens[PLAYERS[role]]}"
    json = row.body(world) if row.body else None
    response = client.request(row.method, row.url(world), json=json, headers=headers)
    assert response.status_code == row.expect[role], response.text
    if response.status_code >= 400 and response.status_code != 405:
        body = response.json()
        assert set(body) == {"detail", "hint"}
