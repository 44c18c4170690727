"""What anyone can type into an address or a sign-in form finds nothing and answers 4xx, on
SQLite and PostgreSQL alike: a NUL (which PostgreSQL cannot even compare), a lone surrogate
(which neither database can encode), an e-mail address longer than the column that counts
failed sign-ins, an entry index past a 64-bit integer. Each once answered 500 on
PostgreSQL, where the crawls of the demo had run on SQLite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rada.config import Settings
from rada.web.app import create_app

PASSWORD = "long enough password"


@pytest.fixture
def client(tmp_path: Path, store_url: str) -> Iterator[TestClient]:
    """The app on a database of its own (SQLite, then PostgreSQL), with Ana's account and
    her council ``bakery-north``; signed out."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=store_url,
        audit_interval_seconds=0,
        checkpoint_interval_seconds=0,
        signin_attempts=4,
    )
    with TestClient(create_app(settings)) as client:
        made = client.post(
            "/api/v1/accounts", json={"name": "Ana", "email": "ana@b.coop", "password": PASSWORD}
        )
        assert made.status_code == 201, made.text
        council = client.post(
            "/api/v1/councils",
            json={"name": "North Bakery", "slug": "bakery-north", "kind": "workplace"},
            headers={"X-CSRF-Token": made.json()["csrf_token"]},
        )
        assert council.status_code == 201, council.text
        client.cookies.clear()
        yield client


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_council_address_holding_a_nul_names_no_council(client: TestClient, accept: str) -> None:
    headers = {"Accept": accept}
    assert client.get("/councils/bakery-north", headers=headers).status_code == 200
    assert client.get("/api/v1/councils/bakery-north").status_code == 200
    for slug in ("bakery-north%00", "%00", "bakery%00north"):
        for path in (f"/councils/{slug}", f"/councils/{slug}/activity"):
            assert client.get(path, headers=headers).status_code == 404, path
        for path in (f"/api/v1/councils/{slug}", f"/api/v1/councils/{slug}/proposals"):
            assert client.get(path).status_code == 404, path


def test_an_unsubscribe_address_holding_a_nul_is_not_known(client: TestClient) -> None:
    for method in ("GET", "POST"):
        answer = client.request(method, "/unsubscribe/abc%00def/digest")
        assert answer.status_code == 404, (method, answer.text)
        assert "not known" in answer.text


def test_an_entry_index_past_64_bits_is_refused_and_the_largest_is_not_found(
    client: TestClient,
) -> None:
    assert client.get(f"/record/entries/{2**63}/proof").status_code == 422
    assert client.get(f"/record/entries/{10**30}/proof").status_code == 422
    largest = client.get(f"/record/entries/{2**63 - 1}/proof")
    assert largest.status_code == 404
    assert "has no entry" in largest.json()["detail"]
    assert client.get("/record/entries/0/proof").status_code == 200  # the sign-up's entry


def _sign_in(client: TestClient, email_json: str, password: str = "wrong password!") -> int:
    """Sign in through the API with ``email_json`` (a JSON string literal, escapes and all)."""
    body = f'{{"email": {email_json}, "password": "{password}"}}'
    return client.post(
        "/api/v1/auth/sign-in", content=body, headers={"Content-Type": "application/json"}
    ).status_code


def test_hostile_addresses_at_sign_in_count_as_failures_and_the_limit_holds(
    client: TestClient,
) -> None:
    # A lone surrogate is no text: the API's schema refuses it, naming the field.
    assert _sign_in(client, '"ana@b.coop\\ud800"') == 422
    long_address = '"' + "a" * 310 + '@b.coop"'  # 317 characters: "email:" + it is 323
    hostile = ['"ana@b.coop\\u0000"', long_address, '"\\u0000"', '"ana@b.coop\\u0000x"']
    assert [_sign_in(client, email) for email in hostile] == [401, 401, 401, 401]
    # Four failures from this client: the limit (4) holds, whatever the address.
    assert _sign_in(client, '"ana@b.coop"', PASSWORD) == 429


def test_the_sign_in_form_takes_a_nul_as_a_wrong_address(client: TestClient) -> None:
    page = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    answer = client.post(
        "/sign-in",
        data={"email": "ana@b.coop\x00", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 401, answer.text
    answer = client.post(
        "/sign-in",
        data={"email": "ana@b.coop", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303


@pytest.mark.parametrize(
    "path",
    [
        "/people/{}",
        "/proposals/{}",
        "/cycles/{}",
        "/api/v1/people/{}",
        "/api/v1/proposals/{}",
        "/api/v1/cycles/{}",
    ],
)
def test_an_id_past_32_bits_is_refused_and_the_largest_is_not_found(
    client: TestClient, path: str
) -> None:
    """Ids are 32-bit columns, which PostgreSQL will not compare with a larger number: every
    address bounds them alike (MAX_ID)."""
    for accept in ("text/html", "application/json"):
        headers = {"Accept": accept}
        assert client.get(path.format(2**31), headers=headers).status_code == 422, accept
        assert client.get(path.format(3 * 10**9), headers=headers).status_code == 422, accept
        assert client.get(path.format(2**31 - 1), headers=headers).status_code == 404, accept


def test_a_tile_past_every_stored_index_is_not_held(client: TestClient) -> None:
    """A tile path may name any 64-bit index (C2SP tlog-tiles); the entries of one past
    2**63 / 256 lie beyond every index a column holds, and PostgreSQL refused the query."""
    for path in (
        "/log/tile/0/x018/x446/x744/x073/x709/x551/615",
        "/log/tile/entries/x036/x028/x797/x018/x963/968.p/3",
        "/log/tile/2/x009/x223/x372/x036/x854/x775/807",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, (path, answer.text)
        assert "does not hold" in answer.text
