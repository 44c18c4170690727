"""Notifications and settings as a member meets them (issue 16): the header counts their
unread notices, the notifications page says each in words and marks the unread ones, one
followed leads to its proposal and is read from then on, and the settings page saves a mail
choice and a time zone. At desktop and phone sizes, in English and Czech, with axe-core on
every page, and no page wider than a phone.

Each view has its own member (Cy, Dan, Eva, Fay), so that what one reads and saves does not
change what another sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.bakery import PASSWORD, found_bakery
from tests.browser.conftest import page_overflow, sign_in, wider_than_the_screen
from tests.browser.server import running_server

from rada.bootstrap import open_database
from rada.config import Settings
from rada.councils.orders import ProposalKind
from rada.services import accounts, discussion
from rada.services import councils as cs
from rada.services import proposals as ps

pytestmark = pytest.mark.browser

Screenshot = Callable[[Page, str], Path]
Accessible = Callable[[Page], None]
NewTab = Callable[..., Page]

VIEWS = {("desktop", "en"): "cy", ("phone", "cs"): "dan", ("desktop", "cs"): "eva",
         ("phone", "en"): "fay"}  # fmt: skip
WORDS = {
    "en": {"unread": re.compile(r"\((\d+) unread\)"), "link": "Notifications",
           "opened": "was opened for discussion", "saved": "Your settings are saved.",
           "mark": "Mark all read", "never": "Never", "save": "Save the settings"},
    "cs": {"unread": re.compile(r"\((\d+) nepřečten[éáý]+\)"), "link": "Oznámení",
           "opened": "byl otevřen k diskusi", "saved": "Nastavení je uloženo.",
           "mark": "Označit vše jako přečtené", "never": "Nikdy", "save": "Uložit nastavení"},
}  # fmt: skip


def seed(data_dir: Path) -> None:
    """The bakery with Dan, Eva and Fay too; Bo proposes longer breaks (everyone else hears
    of the discussion), Ana opens the vote on Sundays and mentions everyone in a post."""
    database = open_database(Settings(data_dir=data_dir))
    now = datetime.now(UTC)
    try:
        with database.unit_of_work() as uow:
            ana, bo, _cy, bakery = found_bakery(uow, now)
            joined = now - timedelta(days=9)
            for name in ("Dan", "Eva", "Fay"):
                email = f"{name.lower()}@bakery.example"
                person = accounts.register(
                    uow, name=name, email=email, password=PASSWORD, now=joined
                )
                issued = cs.invite(uow, council=bakery.id, email=email, by=ana, now=joined)
                cs.accept_invitation(uow, code=issued.code, person_id=person.id, now=joined)
            sundays = ps.open_proposal(
                uow, council=bakery.id, kind=ProposalKind.MOTION, title="Open on Sundays",
                text="From May.", by=bo, now=now - timedelta(days=3),
            )  # fmt: skip
            ps.open_voting(uow, proposal_id=sundays.id, by=ana, now=now - timedelta(hours=2))
            ps.cast_vote(uow, proposal_id=sundays.id, by=bo, choice={"position": "yes"},
                         now=now - timedelta(hours=1))  # fmt: skip
            breaks = ps.open_proposal(
                uow, council=bakery.id, kind=ProposalKind.MOTION, title="Longer breaks",
                text="Twenty minutes.", by=bo, now=now - timedelta(hours=1),
            )  # fmt: skip
            discussion.write_post(
                uow, proposal_id=breaks.id, text="Agreed, @cy @dan @eva @fay: what do you say?",
                by=ana, now=now - timedelta(minutes=30),
            )  # fmt: skip
            uow.commit()
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running Rada on the seeded bakery (replaces the shared fixture here)."""
    data_dir = tmp_path_factory.mktemp("rada-notices")
    seed(data_dir)
    with running_server(data_dir) as base:
        yield base


def _fits(tab: Page) -> None:
    assert page_overflow(tab) == 0, wider_than_the_screen(tab)


@pytest.mark.parametrize(("size", "language"), list(VIEWS), ids=lambda v: str(v))
def test_a_member_sees_the_count_reads_follows_one_and_changes_a_setting(
    new_tab: NewTab, screenshot: Screenshot, accessible: Accessible, size: str, language: str
) -> None:
    who, words = VIEWS[(size, language)], WORDS[language]
    tab = new_tab(size, language, timezone_id="Europe/Prague")
    sign_in(tab, f"{who}@bakery.example", PASSWORD)
    link = tab.locator("#notices-link")
    expect(link).to_be_visible()
    found = words["unread"].search(link.inner_text() or "")
    assert found is not None, link.inner_text()
    unread = int(found.group(1))
    assert unread == 4  # two discussions, a vote and a mention
    screenshot(tab, "home")
    accessible(tab)
    _fits(tab)

    link.click()
    tab.wait_for_url(re.compile(r"/notifications$"))
    items = tab.locator("#notices li")
    expect(items).to_have_count(4)
    expect(tab.locator("#notices li.unread")).to_have_count(4)
    expect(tab.get_by_text(words["opened"]).first).to_be_visible()
    expect(tab.get_by_role("button", name=words["mark"])).to_be_visible()
    screenshot(tab, "notifications")
    accessible(tab)
    _fits(tab)

    tab.locator("#notices li", has_text="Longer breaks").filter(has_text=words["opened"]).locator(
        "a"
    ).click()
    tab.wait_for_url(re.compile(r"/proposals/\d+"))
    expect(tab.locator("h1")).to_contain_text("Longer breaks")
    expect(tab.locator("#notices-link")).to_contain_text(f"({unread - 1} ")

    tab.goto("/settings")
    accessible(tab)
    _fits(tab)
    assert tab.locator("#timezone").input_value() == "Europe/Prague"  # the browser's, offered
    never = tab.locator("#mail-discussion-never")
    never.check()
    tab.locator("#language").select_option(language)
    tab.get_by_role("button", name=words["save"]).click()
    tab.wait_for_url(re.compile(r"/settings\?saved=1$"))
    expect(tab.locator("#settings-saved")).to_have_text(words["saved"])
    expect(tab.locator("#mail-discussion-never")).to_be_checked()
    expect(tab.locator("html")).to_have_attribute("lang", language)
    screenshot(tab, "settings")
    accessible(tab)
    _fits(tab)


@pytest.mark.parametrize(("size", "language"), list(VIEWS), ids=lambda v: str(v))
def test_a_councils_activity_leads_to_a_members_profile_and_open_votes(
    new_tab: NewTab, screenshot: Screenshot, accessible: Accessible, size: str, language: str
) -> None:
    tab = new_tab(size, language, timezone_id="Europe/Prague")
    tab.goto("/councils/bakery-north")
    tab.locator("#activity-link").click()
    tab.wait_for_url(re.compile(r"/councils/bakery-north/activity$"))
    lines = tab.locator("#activity li")
    assert lines.count() >= 8  # six seats, two proposals, a vote opened, a post
    screenshot(tab, "activity")
    accessible(tab)
    _fits(tab)
    tab.locator("#activity a", has_text="Bo").first.click()
    tab.wait_for_url(re.compile(r"/people/\d+$"))
    expect(tab.locator("h1")).to_have_text("Bo")
    votes = tab.locator("#votes tbody tr")
    expect(votes).to_have_count(1)
    expect(votes.first).to_contain_text("Open on Sundays")
    assert "@" not in tab.locator("main").inner_text()  # no address
    screenshot(tab, "profile")
    accessible(tab)
    _fits(tab)


def test_the_header_count_is_fetched_again_while_the_page_stays_open(
    new_tab: NewTab, accessible: Accessible
) -> None:
    """htmx asks for the count every 45 seconds: read elsewhere, the open page follows."""
    tab = new_tab("desktop", "en")
    tab.clock.install()
    sign_in(tab, "ana@bakery.example", PASSWORD)
    link = tab.locator("#notices-link")
    expect(link).to_contain_text("unread")
    other = tab.context.new_page()  # another tab of the same browser, signed in too
    other.goto("/notifications")
    other.get_by_role("button", name=WORDS["en"]["mark"]).click()
    other.wait_for_url(re.compile(r"/notifications$"))
    expect(link).to_contain_text("unread")  # not yet fetched again
    tab.clock.fast_forward("00:46")
    expect(tab.locator("#notices-link")).not_to_contain_text("unread")
    expect(tab.locator("#notices-link")).to_have_text("Notifications")
    accessible(tab)
