"""A member reviews and contests their council's target in Chromium.

The module runs its own server on a data directory holding a planning cycle of the UK 2010
economy in its first round of review, made through the use cases just before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import page_overflow, sign_in
from tests.browser.server import running_server

from rada.bootstrap import demo_economy, open_database
from rada.config import Settings
from rada.councils.orders import CouncilKind
from rada.services import accounts
from rada.services import councils as cs
from rada.services import planning_cycle as pc

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    data_dir = tmp_path_factory.mktemp("rada-cycle")
    database = open_database(Settings(data_dir=data_dir))
    base = demo_economy(years=2)
    before = datetime.now(UTC) - timedelta(hours=2)
    try:
        with database.unit_of_work() as uow:
            conv, wanda = (
                accounts.register(
                    uow, name=n.title(), email=f"{n}@plan.example", password=PASSWORD, now=before
                ).id
                for n in ("conv", "wanda")
            )
            congress = cs.create_council(
                uow,
                name="Congress",
                slug="congress",
                kind=CouncilKind.CONGRESS,
                founder_id=conv,
                now=before,
            )
            councils = {
                g: cs.create_council(
                    uow,
                    name=f"Workers of {g}",
                    slug=g,
                    kind=CouncilKind.WORKPLACE,
                    founder_id=wanda,
                    now=before,
                ).id
                for g in pc.product_groups(base)
            }
            made = pc.start_cycle(
                uow,
                congress=congress.id,
                economy=base,
                title="Plan 2027-28",
                workplaces=councils,
                by=conv,
                now=before,
            )
            state = pc.get_cycle(uow, made.id)
            state.points[conv] = {g: (100 if g == "education" else 0) for g in state.groups}
            uow.cycles.save(state)
            pc.close_priorities(uow, cycle_id=made.id, by=conv, now=before)
            pc.plan_round(uow, cycle_id=made.id, base=base, by=conv, now=before)
            uow.commit()
    finally:
        database.dispose()
    return data_dir, made.id


@pytest.fixture(scope="module")
def server(cycle: tuple[Path, int]) -> Iterator[str]:
    """A running Rada on the seeded data directory (replaces the shared fixture here)."""
    with running_server(cycle[0]) as base:
        yield base


def test_member_reviews_and_contests_a_target(
    page: Page,
    cycle: tuple[Path, int],
    screenshot: Callable[[Page, str], Path],
    accessible: Callable[[Page], None],
) -> None:
    cycle_id = cycle[1]
    page.goto(f"/cycles/{cycle_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan 2027-28")
    expect(page.locator("#weights")).to_contain_text("education")
    accessible(page)
    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("E-mail address").fill("wanda@plan.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/cycles/{cycle_id}$"))
    target = page.locator("#your-target")
    expect(target).to_contain_text("Workers of manufacturing")
    accessible(page)
    form = page.locator("form.contest-form").first
    capacity = form.locator("input[name^='capacity-']").first
    capacity.fill("0.9")
    form.get_by_label("Why the council contests").fill("The line cannot run faster.")
    screenshot(page, "contest-form")
    form.get_by_role("button", name="Contest with these capacities").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("We contest our target")
    page.get_by_role("button", name="Open the vote").click()
    page.get_by_label("Yes").check()
    _confirm(page, "ballot")  # a secret ballot is final: confirmed first
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#your-vote")).to_have_text("You voted: Yes")
    _confirm(page, "close")  # closing counts the vote: confirmed first
    page.get_by_role("button", name="Close the vote and count").click()
    expect(page.locator("body")).to_contain_text("Adopted")
    screenshot(page, "contest-adopted")
    accessible(page)


def _confirm(page: Page, what: str) -> None:
    """Tick the confirmation an irreversible act asks for (a secret ballot, a close)."""
    box = page.locator(f"#confirm-{what}")
    if box.count():
        box.check()


@pytest.mark.parametrize(
    ("size", "language"), [("phone", "cs"), ("desktop", "cs"), ("phone", "en")]
)
def test_the_cycle_and_the_councils_target_read_at_every_size_and_language(
    new_tab: Callable[..., Page],
    cycle: tuple[Path, int],
    screenshot: Callable[[Page, str], Path],
    accessible: Callable[[Page], None],
    size: str,
    language: str,
) -> None:
    """Wanda's council's target on the cycle's page, on a phone and in Czech (whether or not
    the journey above has contested it yet); nothing is changed."""
    cycle_id = cycle[1]
    page = new_tab(size, language)
    sign_in(page, "wanda@plan.example", PASSWORD, f"/cycles/{cycle_id}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    target = page.locator("#your-target")
    expect(target.get_by_role("heading", level=2)).to_have_text(
        "Cíl vaší rady" if language == "cs" else "Your council's target"
    )
    expect(target).to_contain_text("Workers of manufacturing")
    assert page_overflow(page) <= 0
    screenshot(page, "cycle")
    accessible(page)
