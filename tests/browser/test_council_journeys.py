"""Members' journeys through the council pages in Chromium: sign in, open a proposal,
write in its discussion, vote and see the vote recorded; cast a participatory budget's ballot
with its live meter and read the result; rank candidates by keyboard, close the election and
read its stages.

The module runs its own server (overriding the shared ``server`` fixture) on a data
directory whose council, people and proposal are made through the use cases beforehand,
with times just before now, so that the proposal's vote is open when the journey starts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.bakery import PASSWORD, found_bakery
from tests.browser.conftest import page_overflow, sign_in
from tests.browser.server import running_server

from rada.bootstrap import open_database
from rada.config import Settings
from rada.councils.orders import ProposalKind
from rada.services import discussion
from rada.services import proposals as ps

pytestmark = pytest.mark.browser

Screenshot = Callable[[Page, str], Path]
Accessible = Callable[[Page], None]


def seed(data_dir: Path) -> dict[str, int]:
    """Ana convenes the bakery with Bo and Cy: a motion in its vote, with one post; a budget
    and an election of two seats in their votes, which Bo and Cy have voted in; an election
    of a treasurer in its vote, which nobody has voted in yet. Returns the proposals' ids."""
    database = open_database(Settings(data_dir=data_dir))
    now = datetime.now(UTC)
    try:
        with database.unit_of_work() as uow:
            ana, bo, cy, bakery = found_bakery(uow, now)
            oven = ps.open_proposal(
                uow,
                council=bakery.id,
                kind=ProposalKind.MOTION,
                title="A second oven",
                text="Buy a second, electric oven.",
                by=bo,
                now=now - timedelta(days=3),
            )
            discussion.write_post(
                uow,
                proposal_id=oven.id,
                text="Where would it go?",
                by=ana,
                now=now - timedelta(days=2),
            )
            ps.open_voting(uow, proposal_id=oven.id, by=ana, now=now - timedelta(hours=1))
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
                    {"key": "lamps", "label": "Lamps", "cost": "300"},
                    {"key": "trees", "label": "Trees", "cost": "250"},
                    {"key": "sign", "label": "A sign", "cost": "100"},
                ],
            )
            ps.open_voting(uow, proposal_id=budget.id, by=ana, now=now - timedelta(hours=1))
            for voter, approve in ((bo, ["benches", "sign"]), (cy, ["trees", "sign"])):
                ps.cast_vote(
                    uow,
                    proposal_id=budget.id,
                    by=voter,
                    choice={"approve": approve},
                    now=now - timedelta(minutes=30),
                )
            election = ps.open_proposal(
                uow,
                council=bakery.id,
                kind=ProposalKind.APPOINTMENT,
                title="Elect two managers",
                text="Two seats.",
                by=ana,
                now=now - timedelta(days=5),
                details={"post": "manager"},
                candidates=[ana, bo, cy],
                seats=2,
            )
            ps.open_voting(uow, proposal_id=election.id, by=ana, now=now - timedelta(hours=1))
            key = {o.person_id: o.key for o in election.options}
            for voter, ranking in ((bo, [bo, cy, ana]), (cy, [cy, bo, ana])):
                ps.cast_vote(
                    uow,
                    proposal_id=election.id,
                    by=voter,
                    choice={"ranking": [key[p] for p in ranking]},
                    now=now - timedelta(minutes=30),
                )
            treasurer = ps.open_proposal(
                uow,
                council=bakery.id,
                kind=ProposalKind.APPOINTMENT,
                title="Elect a treasurer",
                text="One seat, ranked on a phone.",
                by=ana,
                now=now - timedelta(days=5),
                details={"post": "manager"},
                candidates=[ana, bo, cy],
            )
            ps.open_voting(uow, proposal_id=treasurer.id, by=ana, now=now - timedelta(hours=1))
            uow.commit()
            return {
                "oven": oven.id,
                "budget": budget.id,
                "election": election.id,
                "treasurer": treasurer.id,
            }
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def proposal_id(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    data_dir = tmp_path_factory.mktemp("rada-councils")
    return data_dir, seed(data_dir)


@pytest.fixture(scope="module")
def server(proposal_id: tuple[Path, dict[str, int]]) -> Iterator[str]:
    """A running Rada on the seeded data directory (replaces the shared fixture here)."""
    with running_server(proposal_id[0]) as base:
        yield base


def test_member_signs_in_posts_and_votes(
    page: Page,
    proposal_id: tuple[Path, dict[str, int]],
    screenshot: Screenshot,
    accessible: Accessible,
) -> None:
    oven = proposal_id[1]["oven"]
    page.goto(f"/proposals/{oven}")
    expect(page.get_by_role("heading", level=1)).to_have_text("A second oven")
    expect(page.locator("#discussion")).to_contain_text("Where would it go?")
    expect(page.get_by_role("button", name="Cast my vote")).to_have_count(0)
    accessible(page)

    page.locator("#vote").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("E-mail address").fill("bo@bakery.example")
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_contain_text("wrong")
    screenshot(page, "sign-in-error")
    accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/proposals/{oven}$"))

    page.get_by_label("Write in the discussion").fill("By the window, <b>surely</b>.")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator("#discussion")).to_contain_text("By the window, <b>surely</b>.")

    page.get_by_label("Yes").check()
    _confirm(page, "ballot")  # a secret ballot is final: confirmed first
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#your-vote")).to_have_text("You voted: Yes")
    expect(page.locator("#tally")).to_contain_text("1 ballot")
    expect(page.get_by_role("button", name="Cast my vote")).to_have_count(0)
    screenshot(page, "voted")
    accessible(page)

    page.get_by_role("link", name="My councils").click()
    expect(page.locator("main")).to_contain_text("Bakery North")
    page.get_by_role("link", name="Bakery North").click()
    expect(page.locator("#members")).to_contain_text("Bo")
    screenshot(page, "council")
    accessible(page)


def _sign_in(page: Page, email: str, then: str) -> None:
    page.goto(f"/sign-in?next={then}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(then)}$"))


def test_cast_a_budget_ballot_and_see_the_result(
    page: Page,
    proposal_id: tuple[Path, dict[str, int]],
    screenshot: Screenshot,
    accessible: Accessible,
) -> None:
    budget = proposal_id[1]["budget"]
    _sign_in(page, "ana@bakery.example", f"/proposals/{budget}")
    expect(page.get_by_role("heading", level=1)).to_have_text("The yard's budget")
    meter = page.locator("#budget-meter")
    expect(meter).to_be_visible()
    expect(page.locator("#budget-chosen")).to_have_text("You support no project yet.")
    page.get_by_label("Benches").check()
    page.get_by_label("Lamps").check()
    expect(page.locator("#budget-chosen")).to_have_text(
        "Projects you support: 900 of the budget of 1,000."
    )
    page.get_by_label("Trees").check()
    expect(page.locator("#budget-chosen")).to_contain_text("That is 150 more than the budget")
    expect(meter).to_have_class(re.compile("over"))
    screenshot(page, "ballot-over-budget")
    accessible(page)
    page.get_by_label("Trees").uncheck()
    expect(meter).not_to_have_class(re.compile("over"))
    _confirm(page, "ballot")  # a secret ballot is final: confirmed first
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#receipt-code")).to_be_visible()
    receipt = page.locator("#receipt-code").inner_text()

    # Everyone has voted, so the convenor may count at once.
    _confirm(page, "close")  # closing counts the vote: confirmed first
    page.get_by_role("button", name="Close the vote and count").click()
    expect(page).to_have_url(re.compile(rf"/proposals/{budget}#decision$"))
    expect(page.locator("#stage")).to_contain_text("adopted")
    steps = page.locator("#budget-steps li")
    expect(steps.first).to_contain_text("A sign was funded: it costs 100")
    expect(page.locator("#budget-rounds")).to_contain_text("Each supporter paid (at most)")
    expect(page.locator("#budget-rounds tbody tr")).to_have_count(steps.count())
    expect(page.locator("#council-chart")).to_have_attribute("data-ready", "true")
    screenshot(page, "budget-result")
    accessible(page)
    page.get_by_label("Check your receipt code").fill(receipt)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator("#receipt-result")).to_contain_text("Benches, Lamps")


def test_run_an_election_and_read_the_stages(
    page: Page,
    proposal_id: tuple[Path, dict[str, int]],
    screenshot: Screenshot,
    accessible: Accessible,
) -> None:
    election = proposal_id[1]["election"]
    _sign_in(page, "ana@bakery.example", f"/proposals/{election}")
    order = page.locator("#rank-order")
    expect(order).to_have_text("You have not ranked anyone yet.")
    # By keyboard: each rank box follows the one before in the tab order.
    first = page.get_by_label("Ana", exact=True)
    expect(first).to_have_attribute("inputmode", "numeric")
    first.focus()
    page.keyboard.type("1")
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    expect(order).to_contain_text("Two candidates have the same rank")
    expect(page.get_by_label("Bo", exact=True)).to_have_attribute("aria-invalid", "true")
    screenshot(page, "ranked-duplicate")
    page.keyboard.press("Backspace")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("2")
    expect(order).to_have_text("Your order: 1. Ana; 2. Cy; 3. Bo")
    accessible(page)
    _confirm(page, "ballot")  # a secret ballot is final: confirmed first
    page.get_by_label("Cy", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#receipt-code")).to_be_visible()

    _confirm(page, "close")  # closing counts the vote: confirmed first

    page.get_by_role("button", name="Close the vote and count").click()
    expect(page.locator("#stage")).to_contain_text("adopted")
    table = page.locator("#stv-rounds")
    expect(table).to_contain_text("The count, stage by stage")
    assert table.locator("tbody tr").count() > 1
    expect(page.locator("#council-chart")).to_have_attribute("data-ready", "true")
    expect(page.locator("#decision")).to_contain_text("Elected:")
    screenshot(page, "election-stages")
    accessible(page)

    # On a phone-sized screen the stage table scrolls in its own region, not the page.
    page.set_viewport_size({"width": 375, "height": 800})
    # (The chart redraws itself for the narrower box a frame or two later.)
    page.wait_for_function(
        "() => document.documentElement.scrollWidth <= window.innerWidth", timeout=5000
    )
    screenshot(page, "election-stages-phone")


def test_rank_candidates_by_touch_on_a_phone(
    browser: Browser,
    server: str,
    proposal_id: tuple[Path, dict[str, int]],
    screenshot: Screenshot,
    accessible: Accessible,
) -> None:
    """A phone: a touch screen and no mouse. Each rank box is tapped, the number typed on the
    on-screen keyboard (which sends text, not key presses), and the ballot cast by a tap."""
    treasurer = proposal_id[1]["treasurer"]
    context = browser.new_context(
        base_url=server,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/sign-in?next=/proposals/{treasurer}")
        page.get_by_label("E-mail address").tap()
        page.keyboard.insert_text("cy@bakery.example")
        page.get_by_label("Password").tap()
        page.keyboard.insert_text(PASSWORD)
        page.get_by_role("button", name="Sign in").tap()
        expect(page).to_have_url(re.compile(rf"/proposals/{treasurer}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Elect a treasurer")

        order = page.locator("#rank-order")
        expect(order).to_have_text("You have not ranked anyone yet.")
        for name, rank in (("Cy", "1"), ("Ana", "2"), ("Bo", "3")):
            box = page.get_by_label(name, exact=True)
            box.tap()
            expect(box).to_be_focused()
            page.keyboard.insert_text(rank)
        expect(order).to_have_text("Your order: 1. Cy; 2. Ana; 3. Bo")
        # The page fits the phone: nothing to scroll sideways to reach a box or the button.
        assert page_overflow(page) <= 0
        screenshot(page, "ranked-by-touch")
        accessible(page)

        _confirm(page, "ballot")  # a secret ballot is final: confirmed first

        page.get_by_role("button", name="Cast my vote").tap()
        expect(page.locator("#receipt-code")).to_be_visible()
        expect(page.locator("#your-vote")).to_have_text("You have voted.")
        expect(page.locator("#tally-hidden")).to_contain_text("1 member has voted so far.")
        expect(page.get_by_role("button", name="Cast my vote")).to_have_count(0)
        screenshot(page, "ranked-by-touch-cast")
    finally:
        context.close()

    # The ballot is in the store as ranked: Cy first, then Ana, then Bo.
    database = open_database(Settings(data_dir=proposal_id[0]))
    try:
        with database.unit_of_work() as uow:
            proposal = uow.proposals.get(treasurer)
            assert proposal is not None
            ballots = uow.ballots.for_proposal(treasurer)
    finally:
        database.dispose()
    label = {o.key: o.label for o in proposal.options}
    assert [[label[k] for k in b.choice["ranking"]] for b in ballots] == [["Cy", "Ana", "Bo"]]


def _confirm(page: Page, what: str) -> None:
    """Tick the confirmation an irreversible act asks for (a secret ballot, a close)."""
    box = page.locator(f"#confirm-{what}")
    if box.count():
        box.check()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_vote_forms_speak_czech_and_fit_the_screen(
    new_tab: Callable[..., Page],
    proposal_id: tuple[Path, dict[str, int]],
    screenshot: Screenshot,
    accessible: Accessible,
    size: str,
) -> None:
    """Ana, who has voted on neither, finds the motion's and the secret election's ballots in
    Czech, whole on the screen; nothing is cast."""
    ids = proposal_id[1]
    page = new_tab(size, "cs")
    sign_in(page, "ana@bakery.example", PASSWORD, f"/proposals/{ids['oven']}")
    expect(page.locator("html")).to_have_attribute("lang", "cs")
    form = page.locator("form.vote-form")
    expect(form.locator("legend")).to_have_text("Vaše stanovisko")
    expect(form.locator("input[name=position]")).not_to_have_count(0)
    expect(form.locator("button[type=submit]")).to_have_text("Odevzdat hlas")
    assert page_overflow(page) <= 0
    screenshot(page, "motion")
    accessible(page)

    page.goto(f"/proposals/{ids['treasurer']}")
    form = page.locator("form.vote-form")
    expect(form.locator("legend")).to_have_text("Seřaďte kandidáty")
    expect(form.locator("input[name^='rank-']")).to_have_count(3)
    expect(form.locator("#confirm-ballot")).to_be_visible()  # secret: confirmed first
    assert page_overflow(page) <= 0
    screenshot(page, "election")
    accessible(page)
