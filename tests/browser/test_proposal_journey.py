"""A convenor's and a member's journey through proposals, knowing what they decide and when
they may act (issue 15): the substance of an investment and a recall, a text's list kept, the
convenor's buttons saying when they can be used (disabled with the reason), an empty budget
ballot refused unless it is an explicit abstention, the message focused next to the field,
and a secret ballot confirmed before it is cast; at desktop and phone sizes, in English and
Czech, with axe-core on every page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.bakery import PASSWORD, found_bakery
from tests.browser.server import running_server

from rada.bootstrap import open_database
from rada.config import Settings
from rada.councils.orders import ProposalKind
from rada.services import proposals as ps

pytestmark = pytest.mark.browser

Screenshot = Callable[[Page, str], Path]
Accessible = Callable[[Page], None]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def seed(data_dir: Path) -> dict[str, int]:
    """Ana convenes the bakery with Bo and Cy: an investment in discussion since an hour ago
    (its vote may not open yet), a budget in its vote, and a motion in its vote."""
    database = open_database(Settings(data_dir=data_dir))
    now = datetime.now(UTC)
    try:
        with database.unit_of_work() as uow:
            ana, bo, _cy, bakery = found_bakery(uow, now)
            oven = ps.open_proposal(
                uow,
                council=bakery.id,
                kind=ProposalKind.INVESTMENT,
                title="A second oven",
                text="Why:\n\n- bread runs out by noon\n- the old oven is *tired*",
                by=bo,
                now=now - timedelta(hours=1),
                details={"cost": "12500", "product": "10-7", "capacity": "0.2", "from_year": 2},
            )
            budget = ps.open_proposal(
                uow,
                council=bakery.id,
                kind=ProposalKind.BUDGET,
                title="The yard's budget",
                text="Share out 1000 for the yard.",
                by=bo,
                now=now - timedelta(days=5),
                details={"budget": "1000"},
                projects=[
                    {"key": "benches", "label": "Benches", "cost": "600"},
                    {"key": "trees", "label": "Trees", "cost": "250"},
                ],
            )
            ps.open_voting(uow, proposal_id=budget.id, by=ana, now=now - timedelta(hours=1))
            motion = ps.open_proposal(
                uow,
                council=bakery.id,
                kind=ProposalKind.MOTION,
                title="Open on Sundays",
                text="From May.",
                by=bo,
                now=now - timedelta(days=5),
            )
            ps.open_voting(uow, proposal_id=motion.id, by=ana, now=now - timedelta(hours=1))
            uow.commit()
            return {"oven": oven.id, "budget": budget.id, "motion": motion.id}
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    data_dir = tmp_path_factory.mktemp("rada-proposals")
    return data_dir, seed(data_dir)


@pytest.fixture(scope="module")
def server(seeded: tuple[Path, dict[str, int]]) -> Iterator[str]:
    """A running Rada on the seeded data directory (replaces the shared fixture here)."""
    with running_server(seeded[0]) as base:
        yield base


def _tab(browser: Browser, server: str, size: str) -> Page:
    context = browser.new_context(
        base_url=server,
        viewport=SIZES[size],  # type: ignore[arg-type]
        is_mobile=size == "phone",
        has_touch=size == "phone",
        locale="en-GB",
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def _sign_in(page: Page, email: str, then: str) -> None:
    page.goto(f"/sign-in?next={then}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(then)}$"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_convenor_sees_what_is_decided_and_when_the_vote_may_open(
    browser: Browser,
    server: str,
    seeded: tuple[Path, dict[str, int]],
    screenshot: Screenshot,
    accessible: Accessible,
    size: str,
) -> None:
    ids = seeded[1]
    page = _tab(browser, server, size)
    try:
        _sign_in(page, "ana@bakery.example", f"/proposals/{ids['oven']}")
        facts = page.locator("dl.facts")
        expect(facts).to_contain_text("Bakery and farinaceous products")
        expect(facts).not_to_contain_text("10-7")
        expect(facts).to_contain_text("From year 2 of the plan")
        expect(page.locator("#text-heading + .text li")).to_have_count(2)
        opens = page.locator("#action-voting")
        expect(opens.get_by_role("button", name="Open the vote")).to_be_disabled()
        expect(opens).to_contain_text("at the earliest: the discussion lasts at least")
        expect(opens).not_to_contain_text(re.compile(r"\d{4}-\d\d-\d\dT"))  # no raw timestamps
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= SIZES[size]["width"]
        screenshot(page, f"investment-{size}")
        accessible(page)
        page.goto(f"/proposals/{ids['oven']}?lang=cs")
        expect(page.locator("#action-voting")).to_contain_text("nejdřív")
        screenshot(page, f"investment-{size}-cs")
        accessible(page)
        page.goto(f"/proposals/{ids['motion']}?lang=en")
        close = page.locator("#action-close")
        expect(close.get_by_role("button", name="Close the vote and count")).to_be_disabled()
        expect(close).to_contain_text("or as soon as every member entitled has voted (0 of 3")
        screenshot(page, f"close-disabled-{size}")
        accessible(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cs"])
def test_member_casts_an_empty_budget_ballot_only_as_a_confirmed_abstention(
    browser: Browser,
    server: str,
    seeded: tuple[Path, dict[str, int]],
    screenshot: Screenshot,
    accessible: Accessible,
    language: str,
) -> None:
    ids = seeded[1]
    who = "bo@bakery.example" if language == "en" else "cy@bakery.example"
    page = _tab(browser, server, "phone" if language == "cs" else "desktop")
    try:
        _sign_in(page, who, f"/proposals/{ids['budget']}")
        page.goto(f"/proposals/{ids['budget']}?lang={language}")
        # The box must be ticked before the browser sends the ballot (no JavaScript needed).
        confirm = page.locator("#confirm-ballot")
        expect(confirm).to_have_attribute("required", "")
        confirm.check()
        page.locator(".vote-form button[type=submit]").click()
        error = page.locator("#vote-error")
        expect(error).to_be_visible()
        expect(error).to_have_attribute("role", "alert")
        expect(error).to_be_focused()
        expect(error).to_contain_text("Zdržuji se" if language == "cs" else "I abstain")
        screenshot(page, f"empty-ballot-refused-{language}")
        accessible(page)
        page.locator("#abstain").check()
        page.locator("#confirm-ballot").check()
        page.locator(".vote-form button[type=submit]").click()
        expect(page.locator("#receipt-code")).to_be_visible()
        screenshot(page, f"abstained-{language}")
        accessible(page)
    finally:
        page.context.close()
