"""The record, results and numbers for people (issue 15), on the demo federation.

A reader in Prague opens the public record: its entries read as sentences in their language
("Nora Horáková voted yes on proposal 72: …"), each linking the proposal it is about; the page
says in plain words what an entry, a checkpoint and a proof are; times carry the reader's
zone. A member checks the receipt of their secret ballot with a form that posts the code, so
that it is in no address. The count's tables write numbers as the language does (a decimal
comma in Czech) and on a phone scroll inside their box, keeping their key column in place,
while the page itself never scrolls sideways. At desktop and phone sizes, in English and
Czech, with axe-core on every page.

The module serves a copy of the demo (``built_demo``) to which it adds one decided secret
election in the agriculture council, whose count transfers fractions of votes, and keeps one
voter's receipt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from tests.browser.conftest import BuiltDemo, copy_demo, page_overflow, wider_than_the_screen
from tests.browser.server import running_server

from rada.bootstrap import open_database
from rada.config import Settings
from rada.councils.orders import ProposalKind
from rada.services import proposals as ps

pytestmark = pytest.mark.browser

Screenshot = Callable[[Page, str], Path]
Accessible = Callable[[Page], None]
NewTab = Callable[..., Page]

VIEWS = [("desktop", "en"), ("phone", "cs"), ("desktop", "cs"), ("phone", "en")]
ZONE = "Europe/Prague"
#: How the reader's zone is named (its short name where the language has one, else its IANA
#: name), and how a vote reads, by language.
ZONE_NAME = re.compile(r" (Europe/Prague|CET|CEST|SEČ|SELČ)$")  # no \b: JavaScript's is ASCII-only
VOTED = {
    "en": re.compile(r"^.+ voted (yes|no) on proposal (\d+): (.+)\.$"),
    "cs": re.compile(r"^.+ hlasuje \((pro|proti)\): návrh (\d+): (.+)\.$"),
}
PLAIN = {
    "en": ("In plain words", "A checkpoint", "A proof"),
    "cs": ("Jednoduše řečeno", "Kontrolní bod", "Důkaz"),
}
RECEIPT_OK = {
    "en": re.compile(r"^Your ballot was counted as cast\. Your ballot: 1\. \w+"),
    "cs": re.compile(r"^Váš hlas byl sečten[^.]*\. Váš hlasovací lístek: 1\. \w+"),
}


@dataclass(frozen=True)
class Seeded:
    data_dir: Path
    election: int
    receipt: str


def seed(data_dir: Path, built: BuiltDemo) -> Seeded:
    """A decided secret election of two managers in the agriculture council: four of its five
    members put Milan first, so his surplus passes on at a half of a vote each."""
    people = built.demo.people["agriculture"]
    council = built.demo.councils["agriculture"]
    convenor, a, b, c, d = people
    now = datetime.now(UTC)
    database = open_database(Settings(data_dir=data_dir))
    try:
        with database.unit_of_work() as uow:
            election = ps.open_proposal(
                uow,
                council=council,
                kind=ProposalKind.APPOINTMENT,
                title="Elect two farm managers",
                text="Two seats, counted by STV.",
                by=convenor,
                now=now - timedelta(days=5),
                details={"post": "manager"},
                candidates=[a, b, c],
                seats=2,
            )
            ps.open_voting(uow, proposal_id=election.id, by=convenor, now=now - timedelta(days=3))
            key = {o.person_id: o.key for o in election.options}
            rankings = {
                convenor: [a, b],
                a: [a, b],
                b: [a, b],
                c: [a, c],
                d: [c, b],
            }
            receipts = {
                voter: ps.cast_vote(
                    uow,
                    proposal_id=election.id,
                    by=voter,
                    choice={"ranking": [key[p] for p in ranking]},
                    now=now - timedelta(days=2),
                )
                for voter, ranking in rankings.items()
            }
            ps.close_vote(uow, proposal_id=election.id, by=convenor, now=now - timedelta(days=1))
            uow.commit()
    finally:
        database.dispose()
    receipt = receipts[d]
    assert receipt is not None
    return Seeded(data_dir, election.id, receipt)


@pytest.fixture(scope="module")
def seeded(built_demo: BuiltDemo, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return seed(copy_demo(built_demo, tmp_path_factory.mktemp("record-journey")), built_demo)


@pytest.fixture(scope="module")
def server(seeded: Seeded) -> Iterator[str]:
    """A running Rada on the seeded copy of the demo (replaces the shared fixture here)."""
    with running_server(seeded.data_dir) as base:
        yield base


def _fits(page: Page) -> None:
    overflow = page_overflow(page)
    assert overflow <= 0, f"{page.url} is {overflow}px too wide: {wider_than_the_screen(page)}"


def _key_column_stays(table: Locator, size: str) -> None:
    """On a phone a table scrolls inside its box and its row headers stay in place."""
    if size != "phone":
        return
    position = table.locator("tbody th").first.evaluate("th => getComputedStyle(th).position")
    assert position == "sticky"
    box = table.locator("xpath=ancestor::div[contains(@class, 'table-scroll')][1]")
    assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto"


def _decimals(texts: list[str], language: str) -> None:
    """Some of ``texts`` have a fraction, written with the language's decimal mark only."""
    mark, other = (",", ".") if language == "cs" else (".", ",")
    assert any(re.search(rf"\d{re.escape(mark)}\d", t) for t in texts), texts
    assert not any(re.search(rf"\d{re.escape(other)}\d", t) for t in texts), texts


@pytest.mark.parametrize(("size", "language"), VIEWS)
def test_the_record_reads_as_sentences_in_the_readers_zone_and_leads_to_the_proposals(
    new_tab: NewTab, screenshot: Screenshot, accessible: Accessible, size: str, language: str
) -> None:
    page = new_tab(size, language, timezone_id=ZONE)
    page.goto("/")  # the browser tells its zone on its first page
    page.goto("/record?kind=vote")
    expect(page.locator("html")).to_have_attribute("lang", language)
    plain = page.locator("#in-plain-words")
    words = PLAIN[language]
    expect(plain.get_by_role("heading", level=2)).to_have_text(words[0])
    expect(plain.locator("dt")).to_contain_text(list(words[1:]))
    expect(plain.locator("dd")).to_have_count(3)

    entries = page.locator("li.entry")
    expect(entries.first).to_be_visible()
    sentence = entries.first.locator(".sentence")
    text = sentence.evaluate("p => p.firstChild.textContent.trim()")  # less the link
    said = VOTED[language].match(text)
    assert said is not None, text
    times = entries.first.locator("dl.facts time")
    expect(times).to_have_text(ZONE_NAME)
    author = entries.first.locator("dl.facts dd").nth(1)  # a name, not "person/21"
    expect(author).not_to_have_text(re.compile(r"person/\d"))
    # The entries come before the checkpoint's details.
    entries_at = page.locator("#entries-heading").evaluate("h => h.offsetTop")
    assert entries_at < page.locator("#checkpoint-heading").evaluate("h => h.offsetTop")
    _fits(page)
    screenshot(page, "record")
    accessible(page)

    number, title = said.group(2), said.group(3)
    sentence.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/proposals/{number}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    _fits(page)
    screenshot(page, "proposal")
    accessible(page)


@pytest.mark.parametrize(("size", "language"), VIEWS)
def test_a_receipt_is_checked_by_a_form_that_keeps_the_code_out_of_the_address(
    new_tab: NewTab,
    seeded: Seeded,
    screenshot: Screenshot,
    accessible: Accessible,
    size: str,
    language: str,
) -> None:
    page = new_tab(size, language, timezone_id=ZONE)
    page.goto(f"/proposals/{seeded.election}")
    rounds = page.locator("#stv-rounds")
    expect(rounds).to_be_visible()
    _decimals(rounds.locator("td").all_inner_texts(), language)
    _key_column_stays(rounds, size)
    _fits(page)
    form = page.locator("#receipt-form")
    expect(form).to_have_attribute("method", "post")
    form.locator("input[name=code]").fill(seeded.receipt)
    with page.expect_request(re.compile(r"/receipt$")) as sent:
        form.locator("button[type=submit]").click()
    assert sent.value.method == "POST"
    assert seeded.receipt in (sent.value.post_data or "")  # in the body, not the address
    result = page.locator("#receipt-result")
    expect(result).to_have_text(RECEIPT_OK[language])
    expect(result).not_to_have_class(re.compile("notice-error"))
    assert seeded.receipt not in page.url
    assert "?" not in page.url
    _fits(page)
    screenshot(page, "receipt")
    accessible(page)


@pytest.mark.parametrize(("size", "language"), VIEWS)
def test_a_budgets_count_is_in_numbers_for_people(
    new_tab: NewTab, screenshot: Screenshot, accessible: Accessible, size: str, language: str
) -> None:
    page = new_tab(size, language, timezone_id=ZONE)
    page.goto("/councils/public-union")
    page.locator("main a").filter(has_text="Our investment budget for 2027").first.click()
    steps = page.locator("#budget-rounds")
    expect(steps).to_be_visible()
    _decimals(steps.locator("td").all_inner_texts(), language)
    _key_column_stays(steps, size)
    _fits(page)
    screenshot(page, "budget")
    accessible(page)


def test_a_proposal_links_back_to_its_entries_in_the_record(
    new_tab: NewTab, seeded: Seeded
) -> None:
    page = new_tab("desktop", "en")
    page.goto(f"/proposals/{seeded.election}")
    expect(page.locator("main a[href^='/record']")).not_to_have_count(0, timeout=1_000)
