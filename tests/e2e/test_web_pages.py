"""The plan and record pages over HTTP (FastAPI's TestClient): what they show, in two languages,
and proofs that verify with Rada's own verifier."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from rada.config import Settings
from rada.planning.explain import explain_plan
from rada.planning.generate import generate_economy
from rada.planning.optimal import solve_plan
from rada.record import Entry, EntryKind, Verifier, open_checkpoint, verify_inclusion
from rada.store.engine import record_engine
from rada.store.keys import load_or_create_signing_key
from rada.store.record_repository import RecordRepository
from rada.web.app import create_app

WHEN = datetime(2024, 5, 1, 12, tzinfo=UTC)
ORIGIN = "test.example.org/rada"


def _text(html: str) -> str:
    """The page's text, tags dropped and spaces collapsed (as a reader sees it)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url="")


def _fill_record(data_dir: Path, *, posts: int = 0) -> RecordRepository:
    """A small record: a post, a proposal, a vote, a decision that redacts the post, a
    checkpoint, then a post the checkpoint does not cover; ``posts`` more before it all."""
    data_dir.mkdir(parents=True, exist_ok=True)
    repository = RecordRepository(record_engine(_settings(data_dir).database_url))
    repository.create_schema()
    signer = load_or_create_signing_key(data_dir, origin=ORIGIN)
    extra = [
        Entry(EntryKind.POST, WHEN, {"text": f"filler {i}"}, author="eva") for i in range(posts)
    ]
    first = repository.append(
        [
            *extra,
            Entry(EntryKind.POST, WHEN, {"text": "my phone is 0123"}, author="ana"),
            Entry(EntryKind.PROPOSAL, WHEN, {"title": "Build a bakery"}, author="ben"),
        ]
    )[-1]
    repository.append([Entry(EntryKind.VOTE, WHEN, {"choice": "yes"}, author="ana")])
    decision = repository.append(
        [Entry(EntryKind.DECISION, WHEN, {"adopted": first}, author="council", links=(first,))]
    )[0]
    repository.redact(first - 1, decision=decision, reason="personal data", now=WHEN)
    repository.add_checkpoint(signer)
    repository.append([Entry(EntryKind.POST, WHEN, {"text": "after the checkpoint"}, author="eva")])
    return repository


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app on an empty record; the plan is solved once for the module."""
    with TestClient(create_app(_settings(tmp_path_factory.mktemp("empty")))) as test_client:
        yield test_client


@pytest.fixture
def record_client(tmp_path: Path) -> Iterator[TestClient]:
    """The app on the small record of :func:`_fill_record`."""
    _fill_record(tmp_path).engine.dispose()
    with TestClient(create_app(_settings(tmp_path))) as test_client:
        yield test_client


HTML = {"accept": "text/html"}


def test_front_page_leads_to_the_plan_and_the_record(client: TestClient) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert 'href="/plan"' in page.text
    assert 'href="/record"' in page.text
    assert '<a class="skip-link" href="#main">' in page.text


def test_plan_page_shows_each_years_fulfilment_and_labour(client: TestClient) -> None:
    plan = client.app.state.rada.planned().plan  # type: ignore[attr-defined]
    page = client.get("/plan", headers=HTML)
    assert page.status_code == 200
    years = page.text[page.text.index('id="years"') : page.text.index("</table>")]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(\d)</th>(.*?)</tr>", years, re.S)
    assert [int(year) for year, _ in rows] == [1, 2, 3, 4, 5]
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for _, row in rows]
    assert [c[0] for c in cells] == [f"{f * 100:.1f}%" for f in plan.fulfilment]
    assert [c[1] for c in cells] == [f"{round(v):,}" for v in plan.labour_used]
    assert [c[2] for c in cells] == [f"{round(v):,}" for v in plan.labour_supply]
    assert plan.fulfilment[0] == pytest.approx(1.0)
    assert plan.fulfilment[-1] < 0.95


def test_plan_page_shows_the_certificate_of_the_plan(client: TestClient) -> None:
    certificate = client.app.state.rada.planned().plan.certificate  # type: ignore[attr-defined]
    page = client.get("/plan", headers=HTML).text
    section = page[page.index('id="certificate"') : page.index('id="products-heading"')]
    cells = re.findall(r"<td>([^<]*)</td>", section)
    assert cells[0] == f"{certificate.upper_bound:,.9f}".rstrip("0")
    assert cells[1] == f"{certificate.lower_bound:,.9f}".rstrip("0")
    assert float(cells[2].replace("E", "e")) == pytest.approx(certificate.gap, rel=1e-3)
    assert certificate.gap <= 1e-9
    assert "No plan can reach a summed fulfilment above" in section
    czech = client.get("/plan?lang=cs", headers=HTML).text
    client.get("/plan?lang=en", headers=HTML)  # the client is shared: choose English again
    assert "Žádný plán nemůže dosáhnout součtu plnění nad" in czech


def test_plan_chart_data_is_the_solved_plan(client: TestClient) -> None:
    page = client.get("/plan", headers=HTML).text
    raw = re.search(r'<script type="application/json" id="plan-chart-data">(.*?)</script>', page)
    assert raw is not None
    data = json.loads(raw.group(1))
    fresh = solve_plan(client.app.state.rada.planned().economy)  # type: ignore[attr-defined]
    assert data["labels"] == [f"Year {y}" for y in range(1, 6)]
    assert data["fulfilment"] == pytest.approx([100 * f for f in fresh.fulfilment], abs=1e-3)
    assert data["labourUsed"] == pytest.approx(list(fresh.labour_used))
    assert data["labourSupply"] == pytest.approx(list(fresh.labour_supply))


def test_product_table_lists_every_product_with_five_years_of_figures(client: TestClient) -> None:
    page = client.get("/plan", headers=HTML).text
    assert "Showing 127 products of 127." in _text(page)
    table = page[page.index('class="numbers products"') :]
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S)
    assert first_row is not None
    assert 'href="/plan/products/01"' in first_row.group(1)
    assert len(re.findall(r"<td>", first_row.group(1))) == 15


def test_search_filters_the_products_on_the_server(client: TestClient) -> None:
    fragment = client.get("/plan/products", params={"q": "FISH"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="product-table">')
    assert "<html" not in fragment.text
    names = re.findall(r'href="/plan/products/([^"]+)">([^<]+)</a>', fragment.text)
    assert names
    assert all("fish" in unescape(name).lower() for _, name in names)
    assert f"Showing {len(names)} products of 127." in _text(fragment.text)
    assert fragment.headers["HX-Push-Url"] == "/plan?q=FISH"


def test_search_works_without_javascript_and_says_when_nothing_matches(
    client: TestClient,
) -> None:
    found = client.get("/plan", params={"q": "06-07"}, headers=HTML).text
    assert "Showing 1 product of 127." in _text(found)
    missing = client.get("/plan", params={"q": "unobtainium"}, headers=HTML).text
    assert "No product’s name or code contains “unobtainium”." in _text(missing).replace("'", "’")


def test_product_page_says_in_words_what_holds_the_target_back(client: TestClient) -> None:
    planned = client.app.state.rada.planned()  # type: ignore[attr-defined]
    expected = explain_plan(planned.plan, products=["01"], years=[3]).products[0]
    page = _text(client.get("/plan/products/01", headers=HTML).text)
    assert "Why is this target not met?" in page
    assert f"({expected.fulfilment:.1%}, as for every good in year 3)" in page
    (cause,) = expected.causes
    limit = f"{round(cause.constraint.limit):,}"
    assert (
        f"Compensation of employees in year 3 is used to the full ({limit} of {limit} GBP "
        "million)." in page
    )
    assert f"needs {cause.requirement:.4f} GBP million of it, directly and through its" in page
    assert "(100.0% of its shadow price)" in page


def test_an_unknown_product_is_not_found(client: TestClient) -> None:
    page = client.get("/plan/products/unobtainium", headers=HTML)
    assert page.status_code == 404
    assert "The plan has no product unobtainium." in _text(page.text)
    assert client.get("/plan/products/unobtainium").json() == {
        "detail": "The plan has no product unobtainium."
    }


def test_czech_is_chosen_by_parameter_then_remembered(client: TestClient) -> None:
    page = client.get("/plan/products/01", params={"lang": "cs"}, headers=HTML)
    assert '<html lang="cs">' in page.text
    text = _text(page.text)
    assert "Proč tento cíl není splněn?" in text
    assert "V roce 3 je plně vyčerpán zdroj „Náhrady zaměstnancům“" in text
    assert page.cookies["rada_lang"] == "cs"
    again = client.get("/plan", headers=HTML)
    assert "Zobrazeno 127 produktů z celkových 127." in _text(again.text)
    english = client.get("/plan", params={"lang": "en"}, headers=HTML)
    assert '<html lang="en">' in english.text


def test_czech_follows_accept_language_and_uses_czech_numbers(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path))) as fresh:
        page = fresh.get("/plan", headers={**HTML, "accept-language": "cs-CZ,cs;q=0.9,en;q=0.5"})
    text = _text(page.text)
    assert "Rok po roce" in text
    assert "Plnění" in text
    assert "98,5 %" in text
    assert "801 796" in text


def test_every_message_of_the_pages_and_the_domain_has_a_czech_translation() -> None:
    """Every message of the templates and the web modules, and every message the domain, its
    use cases and the store mark with ``msg``/``nmsg`` (``babel.cfg`` says where and how, as
    for ``pybabel extract``), has a Czech translation with the same placeholders; a plural has
    all three Czech forms; and the catalogue translates nothing else."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    with (root / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = list(extract_from_dir(root, method_map, options_map))
    messages = {message for _, _, message, _, _ in found}
    places = {str(Path(name).parent) for name, *_ in found}
    assert len(messages) > 600
    for area in ("councils", "services", "store", "web", "web/pages", "web/templates/councils"):
        assert any(p.startswith(f"src/rada/{area}") for p in places), area
    po = root / "src" / "rada" / "web" / "locale" / "cs" / "LC_MESSAGES" / "rada.po"
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = []
    for message in sorted(messages, key=str):
        text = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(text)
        strings = () if entry is None else entry.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(strings):
            untranslated.append(text)
            continue
        if isinstance(message, tuple):
            assert len(strings) == 3, text  # Czech: one, few (2-4), many
        placeholders = set(
            re.findall(
                r"%\(\w+\)[sr]", " ".join(entry.id) if isinstance(entry.id, tuple) else entry.id
            )
        )
        assert all(set(re.findall(r"%\(\w+\)[sr]", s)) == placeholders for s in strings), text
    assert untranslated == []
    # And the other way: no translation is kept of a message that no longer exists (until
    # 2026-12-06, 11 did, of wordings changed since; gettext's tools mark them obsolete).
    wanted = {message[0] if isinstance(message, tuple) else message for message in messages}
    kept = {entry.id[0] if isinstance(entry.id, tuple) else entry.id for entry in catalogue}
    assert sorted(kept - wanted - {""}) == []


def test_record_page_works_on_an_empty_record(client: TestClient) -> None:
    page = client.get("/record", headers=HTML)
    assert page.status_code == 200
    text = _text(page.text)
    assert "The record holds 0 entries." in text
    assert "No checkpoint has been signed yet." in text
    assert "The record is empty" in text


def test_record_lists_entries_newest_first_and_shows_the_tombstone(
    record_client: TestClient,
) -> None:
    page = record_client.get("/record", headers=HTML).text
    assert re.findall(r'<li class="entry[^"]*" id="entry-(\d+)">', page) == [
        "5",
        "4",
        "3",
        "2",
        "1",
        "0",
    ]
    text = _text(page)
    assert "The record holds 6 entries." in text
    assert "1 entry was appended after this checkpoint" in text
    assert f"{ORIGIN} 5 " in text  # the checkpoint note: origin, then the tree size
    assert "my phone is 0123" not in text
    assert "This entry's content was removed by decision 3 (redaction entry 4)." in text.replace(
        "’", "'"
    )
    assert "Reason: personal data" in text
    assert '<li class="entry redacted" id="entry-0">' in page


def test_record_filters_by_kind_and_by_text(record_client: TestClient) -> None:
    posts = record_client.get("/record", params={"kind": "post"}, headers=HTML).text
    assert re.findall(r'id="entry-(\d+)-title"', posts) == ["5"]
    bakery = record_client.get("/record", params={"q": "bakery"}, headers=HTML).text
    assert re.findall(r'id="entry-(\d+)-title"', bakery) == ["1"]
    redacted = record_client.get("/record", params={"q": "personal data"}, headers=HTML).text
    assert re.findall(r'id="entry-(\d+)-title"', redacted) == ["4", "0"]
    assert record_client.get("/record", params={"kind": "gossip"}, headers=HTML).status_code == 400


def test_record_pages_through_older_and_newer_entries(tmp_path: Path) -> None:
    _fill_record(tmp_path, posts=40).engine.dispose()
    with TestClient(create_app(_settings(tmp_path))) as app:
        first = app.get("/record", headers=HTML).text
        shown = [int(i) for i in re.findall(r'id="entry-(\d+)-title"', first)]
        assert shown == list(range(45, 25, -1))
        older = re.search(r'rel="next" href="([^"]+)"', first)
        assert older is not None
        assert "before=26" in older.group(1)
        second = app.get(unescape(older.group(1)), headers=HTML).text
        assert [int(i) for i in re.findall(r'id="entry-(\d+)-title"', second)] == list(
            range(25, 5, -1)
        )
        newer = re.search(r'rel="prev" href="([^"]+)"', second)
        assert newer is not None
        assert "after=25" in newer.group(1)
        back = app.get(unescape(newer.group(1)), headers=HTML).text
        assert [int(i) for i in re.findall(r'id="entry-(\d+)-title"', back)] == shown
        filtered = app.get("/record", params={"q": "filler 3", "before": 30}, headers=HTML).text
        assert re.findall(r'id="entry-(\d+)-title"', filtered) == ["3"]


def test_every_proof_verifies_with_rada_and_the_checkpoint_signature(
    record_client: TestClient, tmp_path: Path
) -> None:
    key = Verifier.from_vkey((tmp_path / "record-signing.pub").read_text().strip())
    for index in range(5):
        proof = record_client.get(f"/record/entries/{index}/proof").json()
        assert proof["index"] == index
        assert proof["size"] == 5
        content = base64.b64decode(proof["content"])
        leaf = base64.b64decode(proof["leaf_hash"])
        if proof["redacted"]:
            assert index == 0
            assert b'"redacted"' in content
        else:
            assert hashlib.sha256(b"\x00" + content).digest() == leaf
        root = base64.b64decode(proof["root"])
        verify_inclusion(
            leaf_hash=leaf,
            index=index,
            size=proof["size"],
            proof=[base64.b64decode(h) for h in proof["proof"]],
            root=root,
        )
        checkpoint = open_checkpoint(proof["checkpoint"], key)
        assert (checkpoint.size, checkpoint.root) == (5, root)
        assert proof["public_key"] == key.vkey()


def test_an_entry_after_the_checkpoint_is_proved_against_the_unsigned_root(
    record_client: TestClient,
) -> None:
    proof = record_client.get("/record/entries/5/proof").json()
    assert proof["checkpoint"] is None
    assert proof["size"] == 6
    leaf = hashlib.sha256(b"\x00" + base64.b64decode(proof["content"])).digest()
    verify_inclusion(
        leaf_hash=leaf,
        index=5,
        size=6,
        proof=[base64.b64decode(h) for h in proof["proof"]],
        root=base64.b64decode(proof["root"]),
    )


def test_a_missing_entry_has_no_proof(record_client: TestClient) -> None:
    answer = record_client.get("/record/entries/6/proof")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "the record has no entry 6"}
    assert record_client.get("/record/entries/-1/proof").status_code == 422


def test_pages_refuse_inline_scripts_and_framing(client: TestClient) -> None:
    headers = client.get("/record", headers=HTML).headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    page = client.get("/plan", headers=HTML).text
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", page) == []


def test_a_search_reads_a_bounded_number_of_entries_then_offers_to_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("rada.web.record_view.SCAN_LIMIT", 10)
    _fill_record(tmp_path, posts=40).engine.dispose()
    with TestClient(create_app(_settings(tmp_path))) as app:
        first = app.get("/record", params={"q": "filler 3"}, headers=HTML).text
        found = [int(i) for i in re.findall(r'id="entry-(\d+)-title"', first)]
        assert found == [39, 38, 37, 36]  # entries 45 down to 36 read; "filler i" is entry i
        second = app.get("/record", params={"q": "filler 2", "before": 40}, headers=HTML).text
        assert re.findall(r'id="entry-(\d+)-title"', second) == []
        assert "Searched 10 entries, down to entry 30, without filling the page" in _text(second)
        older = re.search(r'rel="next" href="([^"]+)"', second)
        assert older is not None
        assert "before=30" in older.group(1)
        third = app.get(unescape(older.group(1)), headers=HTML).text
        assert [int(i) for i in re.findall(r'id="entry-(\d+)-title"', third)] == list(
            range(29, 19, -1)
        )


def test_a_labour_price_zero_but_for_the_certificate_s_margin_shows_as_zero(
    tmp_path: Path,
) -> None:
    economy = generate_economy(products=40, years=3, seed=1)
    with TestClient(create_app(_settings(tmp_path), economy=economy)) as generated:
        plan = generated.app.state.rada.planned().plan  # type: ignore[attr-defined]
        page = generated.get("/plan", headers=HTML)
    assert page.status_code == 200
    labour = economy.resource_index[economy.labour]
    free = plan.labour_used < plan.labour_supply * (1 - 1e-6)
    # Not scarce: the certified price is the top-up's margin, about 1e-15, not zero.
    assert free.any()
    assert (plan.resource_prices[free, labour] < 1e-12).all()
    years = page.text[page.text.index('id="years"') : page.text.index("</table>")]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(\d)</th>(.*?)</tr>", years, re.S)
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for _, row in rows]
    for y in np.flatnonzero(free):
        assert cells[y][3] == "0"


@pytest.mark.parametrize("path", ["/", "/plan", "/plan/products", "/cycles", "/api/v1/cycles"])
def test_head_is_answered_wherever_get_is(client: TestClient, path: str) -> None:
    """HTTP asks every server to answer HEAD where it answers GET; every page answered 405."""
    got = client.get(path, headers=HTML)
    head = client.head(path, headers=HTML)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


@pytest.mark.parametrize("path", ["/cycles/abc", "/cycles/0", "/cycles/99999999999999999999"])
def test_an_address_a_page_cannot_take_is_a_page_in_the_readers_language(
    client: TestClient, path: str
) -> None:
    """A browser that followed such an address got the API's 422 JSON, in English."""
    page = client.get(path, params={"lang": "cs"}, headers=HTML)
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "Adresa nebo formulář obsahuje hodnotu" in page.text
    api = client.get(path)  # not a browser: the fields at fault, as JSON
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"][-1] == "cycle_id"
