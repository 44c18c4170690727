"""Every input bounded, every refusal clean (issue 14, "Bounded input" and "No 5xx"), over HTTP
on a real database: SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rada.config import Settings
from rada.web.app import create_app

API = "/api/v1"
PASSWORD = "long enough password"


@pytest.fixture
def client(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=store_url,
        audit_interval_seconds=0,
        checkpoint_interval_seconds=0,
    )
    app = create_app(settings)

    def boom() -> None:
        raise RuntimeError("what nobody foresaw")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _secure(response: Any) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def _sign_up(client: TestClient, name: str = "Ana Novak") -> dict[str, str]:
    made = client.post(
        f"{API}/accounts", json={"name": name, "email": "ana@b.coop", "password": PASSWORD}
    )
    assert made.status_code == 201, made.text
    return {"X-CSRF-Token": made.json()["csrf_token"]}


def _council(client: TestClient) -> dict[str, str]:
    headers = _sign_up(client)
    council = {"name": "Bakery", "slug": "bakery", "kind": "workplace"}
    made = client.post(f"{API}/councils", json=council, headers=headers)
    assert made.status_code == 201, made.text
    return headers


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    huge = b'{"name": "' + b"x" * (1 << 20) + b'"}'
    refused = client.post(f"{API}/accounts", content=huge, headers={"content-type": "x"})
    assert refused.status_code == 413
    assert "larger than 1,048,576 bytes" in refused.json()["detail"]
    _secure(refused)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 100_000

    streamed = client.post(f"{API}/accounts", content=chunks())
    assert streamed.status_code == 413


def test_a_refusal_echoes_only_an_excerpt(client: TestClient) -> None:
    body = {"name": "x" * 900_000, "email": "a@b.coop", "password": PASSWORD}
    refused = client.post(f"{API}/accounts", json=body)
    assert refused.status_code == 422
    assert len(refused.content) < 2_000
    (error,) = refused.json()["detail"]
    assert error["loc"] == ["body", "name"]
    assert error["input"].endswith("(900,000 characters)")


@pytest.mark.parametrize(
    "name", ["Ana\x00Novak", "Ana\ud800", "Ana\x07"], ids=["nul", "surrogate", "bell"]
)
def test_nul_controls_and_lone_surrogates_are_refused_alike(client: TestClient, name: str) -> None:
    body = json.dumps({"name": name, "email": "a@b.coop", "password": PASSWORD})
    refused = client.post(
        f"{API}/accounts", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert refused.status_code == 422, refused.text
    _secure(refused)


def test_a_lone_surrogate_in_a_password_is_refused_not_a_crash(client: TestClient) -> None:
    body = '{"email": "a@b.coop", "password": "pass\\udc00word"}'
    answer = client.post(
        f"{API}/auth/sign-in", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code in (401, 422), answer.text


def test_names_are_kept_in_composed_form(client: TestClient) -> None:
    made = client.post(
        f"{API}/accounts",
        json={"name": "Dvor\u030ca\u0301k", "email": "d@b.coop", "password": PASSWORD},
    )
    assert made.status_code == 201, made.text
    assert made.json()["person"]["name"] == "Dvořák"


def test_text_with_a_nul_is_refused_naming_where(client: TestClient) -> None:
    headers = _council(client)
    proposal = {"kind": "motion", "title": "Oven", "text": "Buy\x00 an oven."}
    refused = client.post(f"{API}/councils/bakery/proposals", json=proposal, headers=headers)
    assert refused.status_code == 422
    assert "U+0000 at position 4" in refused.json()["detail"]


@pytest.mark.parametrize("cost", ["1e20000", "NaN", "Infinity", "-5", "1e-40", "9" * 50])
def test_an_absurd_amount_is_refused_when_the_proposal_is_made(
    client: TestClient, cost: str
) -> None:
    headers = _council(client)
    proposal = {
        "kind": "investment",
        "title": "Oven",
        "text": "Buy an oven.",
        "details": {"cost": cost},
    }
    refused = client.post(f"{API}/councils/bakery/proposals", json=proposal, headers=headers)
    assert refused.status_code == 422, refused.text
    listed = client.get(f"{API}/councils/bakery/proposals")
    assert listed.status_code == 200
    assert listed.json() in ([], {"proposals": []}) or "Oven" not in listed.text


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_a_bare_nan_or_infinity_is_refused_naming_it(client: TestClient, token: str) -> None:
    """JSON has no NaN or infinity, but Python's reader takes them: a refusal that echoed one
    as a number could not itself be written as JSON, and answered 500 (a vote's choice)."""
    headers = {**_council(client), "Content-Type": "application/json"}
    for path, body in [
        (f"{API}/proposals/1/votes", f'{{"choice": {token}}}'),
        (f"{API}/accounts", f'{{"name": {token}, "email": "b@b.coop", "password": "{PASSWORD}"}}'),
    ]:
        refused = client.post(path, content=body, headers=headers)
        assert refused.status_code == 422, (path, refused.text)
        inputs = [error.get("input") for error in refused.json()["detail"]]
        assert repr(float(token.lower().replace("infinity", "inf"))) in inputs, inputs


def test_details_are_bounded(client: TestClient) -> None:
    headers = _council(client)
    proposal = {
        "kind": "motion",
        "title": "Oven",
        "text": "Buy an oven.",
        "details": {"notes": "n" * 20_000},
    }
    refused = client.post(f"{API}/councils/bakery/proposals", json=proposal, headers=headers)
    assert refused.status_code == 422
    assert "at most 16384" in refused.json()["detail"]


def test_the_longest_text_in_four_byte_characters_is_one_record_entry(client: TestClient) -> None:
    headers = _council(client)
    # 20,000 characters (the text limit) of four bytes each: an entry of some 80 KB, within
    # the record's limit (what is over it is refused before anything is stored: see
    # tests/services/test_councils_services.py).
    proposal = {"kind": "motion", "title": "Oven", "text": "\U0001f35e" * 20_000}
    made = client.post(f"{API}/councils/bakery/proposals", json=proposal, headers=headers)
    assert made.status_code == 201, made.text
    assert client.get(f"{API}/councils/bakery/proposals").status_code == 200


def test_ids_beyond_64_bits_are_refused(client: TestClient) -> None:
    answer = client.get(f"{API}/proposals/{2**70}")
    assert answer.status_code == 422
    page = client.get(f"/proposals/{2**70}", headers={"accept": "text/html"})
    assert page.status_code in (404, 422)


def test_what_nobody_foresaw_is_a_clean_500_with_the_headers(client: TestClient) -> None:
    answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/json")
    assert "what nobody foresaw" not in answer.text  # no internals leak
    _secure(answer)
    page = client.get("/boom", headers={"accept": "text/html"})
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    _secure(page)
