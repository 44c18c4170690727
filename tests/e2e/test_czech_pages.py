"""The plan, a product and the planning cycle read in Czech hold no English: not the pages' own
words, not the planning library's, not the shipped economy's names; and their numbers are
written the Czech way, with units, never in scientific notation."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rada.config import Settings
from rada.councils.orders import CouncilKind, ProposalKind
from rada.services import accounts
from rada.services import councils as cs
from rada.services import planning_cycle as pc
from rada.services import proposals as ps
from rada.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CZECH = {"accept": "text/html", "accept-language": "cs"}

#: Words a Czech page may hold in Latin letters though English has them too: names and codes.
ALLOWED = {"rada", "gbp", "ons", "stv", "gnu", "affero", "general", "public", "license", "uk"}


def _english_words() -> set[str]:
    """Every word of the pages' and the domain's English messages, of the shipped economy's
    English names and a few small ones, less those that Czech writes too (in the catalogue's
    translations or the Czech names of the products)."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    english: set[str] = {"the", "of", "and", "in", "to", "an", "is", "for", "by", "per"}
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, options_map):
        for text in message if isinstance(message, tuple) else (message,):
            english |= _words(re.sub(r"%\(\w+\)[sr]", " ", text))
    data = ROOT / "src" / "rada" / "data" / "uk-2010"
    with (data / "products.csv").open(encoding="utf-8") as handle:
        english |= {w for row in csv.reader(handle) for w in _words(row[1])}
    english.add("compensation")
    po = ROOT / "src" / "rada" / "web" / "locale" / "cs" / "LC_MESSAGES" / "rada.po"
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    czech: set[str] = set()
    for entry in catalogue:
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for text in strings:
            czech |= _words(re.sub(r"%\(\w+\)[sr]", " ", text))
    with (data / "labels.cs.csv").open(encoding="utf-8") as handle:
        czech |= {w for row in csv.reader(handle) for w in _words(row[1])}
    return english - czech - ALLOWED


def _words(text: str) -> set[str]:
    """The words of ``text`` written in ASCII letters only (Czech words mostly are not)."""
    return {w.casefold() for w in re.findall(r"[^\W\d_]+", text) if w.isascii() and len(w) > 1}


def _read(html: str) -> str:
    """What a reader gets of a page: its text and the labels read aloud, without scripts, the
    products' codes ("23OTHER", "NPISH_72") and commands to type ("rada record replay-cycle
    1"), which no language translates."""
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    html = re.sub(r'<span class="code">[^<]*</span>', " ", html)
    html = re.sub(r"<code>[^<]*</code>", " ", html)
    said = re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', html)
    return unescape(" ".join([re.sub(r"<[^>]+>", " ", html), *said]))


def _english_in(html: str, english: set[str]) -> list[str]:
    """The English words of a page; codes (a technique's "33OTHER", "NPISH_86") are not."""
    text = _read(html)
    return sorted({w for w in re.findall(r"\b[^\W\d_]+\b", text) if w.casefold() in english})


@dataclass
class World:
    app: FastAPI
    cycle: int
    wanda: int


def _signed_in(world: World, email: str) -> TestClient:
    client = TestClient(world.app)
    form = re.search(r'name="csrf_token" value="([^"]*)"', client.get("/sign-in").text)
    assert form is not None
    answer = client.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": form.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture(scope="module")
def english() -> set[str]:
    return _english_words()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The shipped economy's plan, and a planning cycle of it in its second round: one
    workplace council contested its target with a lower capacity, the others accepted."""
    folder = tmp_path_factory.mktemp("czech")
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'rada.db'}")
    app = create_app(settings, clock=lambda: NOW)
    before = NOW - timedelta(days=3)
    with TestClient(app):
        economy = app.state.rada.planned().economy
        with app.state.api.uow() as uow:
            conv, wanda = (
                accounts.register(
                    uow, name=n, email=f"{n.lower()}@plan.example", password=PASSWORD, now=before
                ).id
                for n in ("Věra", "Wanda")
            )
            congress = cs.create_council(
                uow,
                name="Sjezd",
                slug="sjezd",
                kind=CouncilKind.CONGRESS,
                founder_id=conv,
                now=before,
            )
            councils = {
                group: cs.create_council(
                    uow,
                    name=f"Závodní rada č. {number}",
                    slug=f"zavod-{number}",
                    kind=CouncilKind.WORKPLACE,
                    founder_id=wanda,
                    now=before,
                ).id
                for number, group in enumerate(pc.product_groups(economy), start=1)
            }
            cycle = pc.start_cycle(
                uow,
                congress=congress.id,
                economy=economy,
                title="Plán 2027–2031",
                workplaces=councils,
                by=conv,
                now=before,
            )
            state = pc.get_cycle(uow, cycle.id)
            state.points[conv] = {g: (100 if g == "health-and-care" else 0) for g in state.groups}
            uow.cycles.save(state)
            pc.close_priorities(uow, cycle_id=cycle.id, by=conv, now=before)
            base = pc.horizon(economy, state.years)
            pc.plan_round(uow, cycle_id=cycle.id, base=base, by=conv, now=before)
            contesting = councils["health-and-care"]
            first = pc.get_cycle(uow, cycle.id)
            technique = sorted(first.workplace(contesting).capacity)[0]
            counter = ps.open_proposal(
                uow,
                council=contesting,
                kind=ProposalKind.TARGET_REVIEW,
                title="Napadáme náš cíl",
                text="Víc to nezvládneme.",
                by=wanda,
                now=before,
                details={
                    "product": "health-and-care",
                    "target": "1",
                    "cycle": cycle.id,
                    "round": 1,
                    "counter": {"capacity": {technique: "0.95"}},
                },
            )
            reviews = [(review, c) for c, review in first.current.reviews.items()]
            for proposal, council in [(counter.id, contesting), *reviews]:
                ps.open_voting(uow, proposal_id=proposal, by=wanda, now=NOW)
                position = "no" if proposal != counter.id and council == contesting else "yes"
                ps.cast_vote(
                    uow, proposal_id=proposal, by=wanda, choice={"position": position}, now=NOW
                )
                ps.close_vote(uow, proposal_id=proposal, by=wanda, now=NOW)
            pc.advance(uow, cycle_id=cycle.id, base=base, by=conv, now=NOW)
            uow.commit()
        yield World(app, cycle.id, wanda)


def test_the_plan_page_in_czech_holds_no_english(world: World, english: set[str]) -> None:
    page = TestClient(world.app).get("/plan", headers=CZECH).text
    assert '<html lang="cs">' in page
    assert _english_in(page, english) == []
    text = " ".join(_read(page).split())
    assert "Spojené království 2010" in text
    assert "Plán na 5 let: cíle spotřeby rostou o 2,5 % ročně, práce o 1,0 % ročně" in text
    assert "Produkty zemědělství a myslivosti a související služby" in text
    assert "Spotřebovaná práce (mil. GBP)" in text
    assert "Stínová cena práce (za mil. GBP)" in text
    assert "Množství v mil. GBP; stínové ceny za mil. GBP." in text


def test_a_product_page_in_czech_holds_no_english(world: World, english: set[str]) -> None:
    page = TestClient(world.app).get("/plan/products/86", headers=CZECH).text
    assert _english_in(page, english) == []
    text = " ".join(_read(page).split())
    assert "Zdravotní péče" in text
    assert "je plně vyčerpán zdroj „Náhrady zaměstnancům“" in text
    assert re.search(r"potřebuje 0,\d+ mil\. GBP", text)


def test_the_cycle_page_in_czech_holds_no_english(world: World, english: set[str]) -> None:
    signed_out = TestClient(world.app).get(f"/cycles/{world.cycle}", headers=CZECH).text
    member = _signed_in(world, "wanda@plan.example")
    signed_in = member.get(f"/cycles/{world.cycle}", headers=CZECH).text
    listing = member.get("/cycles", headers=CZECH).text
    for page in (signed_out, signed_in, listing):
        assert _english_in(page, english) == []
    text = " ".join(_read(signed_out).split())
    assert "Plán pokrývá 5 let. Nejvýše 3 kola posuzování." in text
    assert "1 delegát se zúčastnil." in text
    assert "pracoviště „Zdravotní péče“ pracuje na plnou ohlášenou kapacitu, 0,95násobek" in text
    assert "86: 0,95 Plnění v dalším kole: 95,0 %" in text  # the contest, as Czech writes it
    form = " ".join(_read(signed_in).split())
    assert "Kapacita Produkty zemědělství a myslivosti a související služby 0,9500" in form
    assert 'value="1,05"' in signed_in  # a declared capacity, as the reader writes it


def test_the_czech_plan_pages_write_numbers_the_czech_way(world: World) -> None:
    client = TestClient(world.app)
    pages = [
        client.get(path, headers=CZECH).text
        for path in ("/plan", "/plan/products/01", f"/cycles/{world.cycle}")
    ]
    for page in pages:
        text = _read(page)
        assert not re.search(r"\d[Ee][+-]?\d", text), "scientific notation"
        # (a product's name may end in its classification's codes, "– 20.11/13/15")
        assert not re.search(r"\b\d+\.\d+\b(?![/–])", text), "a decimal point in Czech"
    assert re.search(r"\b0,0000\d+", _read(pages[0]))  # shadow prices, in full
    assert "801\xa0796" in pages[0]


def test_a_capacity_is_read_as_czech_writes_it(world: World) -> None:
    """The form shows 1,05 and takes 0,9 back; a capacity left as shown is no change."""
    member = _signed_in(world, "wanda@plan.example")
    page = member.get(f"/cycles/{world.cycle}", headers=CZECH).text
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', page)
    council = re.search(r'name="council" value="(\d+)"', page)
    shown = re.findall(r'name="capacity-([^"]+)"[^>]*value="([^"]*)"', page)
    assert csrf is not None
    assert council is not None
    assert len(shown) > 1
    assert shown[0][1] == "1,05"
    (first, _), (second, kept) = shown[0], shown[1]
    made = member.post(
        f"/cycles/{world.cycle}/contest",
        headers=CZECH,
        data={
            "csrf_token": csrf.group(1),
            "council": council.group(1),
            "reason": "Stroje jsou staré.",
            f"capacity-{first}": "0,9",
            f"capacity-{second}": kept,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    proposal_id = int(made.headers["location"].rsplit("/", 1)[1])
    with world.app.state.api.uow() as uow:
        counter = ps.get_proposal(uow, proposal_id)
    assert counter.details["counter"] == {"capacity": {first: "0.9"}}
    assert counter.title == "Napadáme náš cíl v kole 2"
