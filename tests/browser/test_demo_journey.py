"""The demo leads somewhere (issue 15): ``rada demo``'s federation served as it is built, read
by a first-time visitor and by each account the README names.

Signed out, the front page says what Rada is, calls to sign in and links the public parts;
the planning cycle is reached from the navigation and from a council's page. Signed in as
each named account, "Waiting for you" lists something to do, and following it reaches a page
where that act is possible now: a vote to open, a vote to cast, a secret election, a budget,
and the cycle's target that waits for the council's answer. At desktop and phone sizes, in
English and Czech, with axe-core on every page.

The demo is built once per session (``built_demo``, about 15 s) and copied for this module.
Nothing is changed on it: the journeys stop where the act could be done.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import (
    BuiltDemo,
    copy_demo,
    page_overflow,
    sign_in,
    wider_than_the_screen,
)
from tests.browser.server import running_server

pytestmark = pytest.mark.browser

Screenshot = Callable[[Page, str], Path]
Accessible = Callable[[Page], None]
NewTab = Callable[..., Page]

#: The accounts the README names, what waits for each (the section of "Waiting for you" and
#: the title of the item to follow) and the act the page it leads to makes possible.
ACCOUNTS = {
    "member0@demo.rada": ("to-open", "Publish every round's plan in full", "open"),
    "member7@demo.rada": ("to-vote", "A second round of priorities next year", "motion"),
    "member11@demo.rada": ("to-vote", "Our delegate to the federation for next year", "ranked"),
    "member77@demo.rada": ("to-vote", "Our investment budget for 2028", "budget"),
}
#: Each account at both sizes and in both languages between them, two journeys each.
VIEWS = {
    "member0@demo.rada": [("desktop", "en"), ("phone", "cs")],
    "member7@demo.rada": [("desktop", "cs"), ("phone", "en")],
    "member11@demo.rada": [("desktop", "en"), ("phone", "cs")],
    "member77@demo.rada": [("desktop", "cs"), ("phone", "en")],
}
#: The first-time visitor's words, by language.
WORDS = {
    "en": {
        "title": "Rada: councils, a public record and an exact plan",
        "waiting": "Waiting for you",
        "sign_in": "Sign in",
        "cycles": "Planning cycles",
    },
    "cs": {
        "title": "Rada: rady, veřejný rejstřík a přesný plán",
        "waiting": "Čeká na vás",
        "sign_in": "Přihlaste se",
        "cycles": "Plánovací cykly",
    },
}


@pytest.fixture(scope="module")
def server(built_demo: BuiltDemo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running Rada on a copy of the demo (replaces the shared fixture here)."""
    with running_server(copy_demo(built_demo, tmp_path_factory.mktemp("demo-journey"))) as base:
        yield base


def _fits(page: Page) -> None:
    overflow = page_overflow(page)
    assert overflow <= 0, f"{page.url} is {overflow}px too wide: {wider_than_the_screen(page)}"


def _open_nav_link(page: Page, href: str) -> None:
    """Follow the main navigation's link to ``href`` (shown at every size)."""
    link = page.locator(f".site-nav a[href='{href}']")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(href)}$"))


def test_the_accounts_are_the_readmes(built_demo: BuiltDemo) -> None:
    """The journeys follow the accounts ``rada demo`` prints (and the README describes)."""
    assert [email for email, _ in built_demo.demo.accounts] == list(ACCOUNTS)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    assert f"`{built_demo.password}`" in readme


@pytest.mark.parametrize(
    ("size", "language"), [("desktop", "en"), ("phone", "cs"), ("desktop", "cs"), ("phone", "en")]
)
def test_signed_out_the_front_page_says_what_rada_is_and_leads_to_the_public_parts(
    new_tab: NewTab, screenshot: Screenshot, accessible: Accessible, size: str, language: str
) -> None:
    words = WORDS[language]
    page = new_tab(size, language)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])
    expect(page.locator("main .lead")).to_be_visible()
    call = page.locator("#sign-in-call a.button")
    expect(call).to_have_text(words["sign_in"])
    expect(call).to_have_attribute("href", "/sign-in")
    expect(call).to_be_in_viewport()  # the call to act is seen without scrolling
    background = call.evaluate("a => getComputedStyle(a).backgroundColor")
    assert background not in ("transparent", "rgba(0, 0, 0, 0)"), "the call looks like a button"
    for part in ("/councils", "/cycles", "/plan", "/record"):
        expect(page.locator(f"main .cards a[href='{part}']")).to_have_count(1)
    _fits(page)
    screenshot(page, "home")
    accessible(page)

    # The cycle from the navigation: the list, then the cycle itself.
    _open_nav_link(page, "/cycles")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["cycles"])
    page.locator("main a[href='/cycles/1']").first.click()
    expect(page).to_have_url(re.compile(r"/cycles/1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("The plan for 2027-31")
    _fits(page)
    screenshot(page, "cycle")
    accessible(page)

    # The cycle from a council's page.
    _open_nav_link(page, "/councils")
    page.locator("main a[href='/councils/manufacturing']").first.click()
    expect(page).to_have_url(re.compile(r"/councils/manufacturing$"))
    _fits(page)
    screenshot(page, "council")
    accessible(page)
    page.locator("main a[href='/cycles/1']").first.click()
    expect(page).to_have_url(re.compile(r"/cycles/1$"))


def _act_is_possible(page: Page, act: str) -> None:
    """The proposal page lets the signed-in account do ``act`` now."""
    if act == "open":
        button = page.locator("#action-voting button[type=submit]")
        expect(button).to_be_enabled()
        return
    form = page.locator("form.vote-form")
    expect(form).to_be_visible()
    expect(form.locator("button[type=submit]")).to_be_enabled()
    if act == "motion":
        expect(form.locator("input[name=position]")).not_to_have_count(0)
    elif act == "ranked":
        expect(form.locator("input[name^='rank-']")).to_have_count(2)
        expect(form.locator("#confirm-ballot")).to_be_visible()  # secret: confirmed first
    elif act == "budget":
        expect(form.locator("input[name=approve]")).to_have_count(4)
        expect(form.locator("#abstain")).to_be_visible()


@pytest.mark.parametrize(
    ("email", "size", "language"),
    [(email, size, language) for email, views in VIEWS.items() for size, language in views],
)
def test_each_demo_account_finds_something_to_do_and_can_do_it(
    new_tab: NewTab,
    built_demo: BuiltDemo,
    screenshot: Screenshot,
    accessible: Accessible,
    email: str,
    size: str,
    language: str,
) -> None:
    section, title, act = ACCOUNTS[email]
    page = new_tab(size, language)
    sign_in(page, email, built_demo.password)
    expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[language]["waiting"])
    expect(page.locator("#nothing-waits")).to_have_count(0)
    item = page.locator(f"#{section} ul.waiting > li").filter(has_text=title)
    expect(item).to_have_count(1)
    if section == "to-open":  # listed once: not again among the discussions
        expect(page.locator("#discussions li").filter(has_text=title)).to_have_count(0)
    expect(page.locator(f"#{section}")).to_be_in_viewport()  # the first thing on the page
    _fits(page)
    screenshot(page, "waiting")
    accessible(page)

    item.get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    _act_is_possible(page, act)
    _fits(page)
    screenshot(page, act)
    accessible(page)

    if email == "member11@demo.rada":
        # The manufacturing council's target waits for its answer: from the front page to
        # the review of the target, and from there to the cycle, where the target is.
        page.goto("/")
        target = page.locator("#to-open ul.waiting > li").filter(has_text="round 1")
        target.locator("a[href^='/proposals/']").click()
        _act_is_possible(page, "open")
        page.locator("main a[href='/cycles/1']").first.click()
        expect(page).to_have_url(re.compile(r"/cycles/1$"))
        expect(page.locator("#your-target")).to_contain_text("manufacturing")
        expect(page.locator("#your-target form.contest-form").first).to_be_visible()
        _fits(page)
        screenshot(page, "your-target")
        accessible(page)
