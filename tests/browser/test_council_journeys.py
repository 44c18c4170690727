"""A member's journey through the council pages in Chromium: sign in, open a proposal,
write in its discussion, vote and see the vote recorded.

The module runs its own server (overriding the shared ``server`` fixture) on a data
directory whose council, people and proposal are made through the use cases beforehand,
with times just before now, so that the proposal's vote is open when the journey starts.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rada.bootstrap import open_database
from rada.config import Settings
from rada.councils.orders import CouncilKind, ProposalKind
from rada.services import accounts, discussion
from rada.services import councils as cs
from rada.services import proposals as ps

pytestmark = pytest.mark.browser

Screenshot = Callable[[Page, str], Path]
Accessible = Callable[[Page], None]

SRC = Path(__file__).resolve().parents[2] / "src"
PASSWORD = "correct horse battery"


def seed(data_dir: Path) -> int:
    """Ana convenes the bakery with Bo; a motion in its vote, with one post. Returns its id."""
    database = open_database(Settings(data_dir=data_dir))
    now = datetime.now(UTC)
    try:
        with database.unit_of_work() as uow:
            ana, bo = (
                accounts.register(
                    uow,
                    name=name,
                    email=f"{name.lower()}@bakery.example",
                    password=PASSWORD,
                    now=now - timedelta(days=10),
                ).id
                for name in ("Ana", "Bo")
            )
            bakery = cs.create_council(
                uow,
                name="Bakery North",
                slug="bakery-north",
                kind=CouncilKind.WORKPLACE,
                founder_id=ana,
                now=now - timedelta(days=10),
            )
            issued = cs.invite(
                uow,
                council=bakery.id,
                email="bo@bakery.example",
                by=ana,
                now=now - timedelta(days=9),
            )
            cs.accept_invitation(uow, code=issued.code, person_id=bo, now=now - timedelta(days=9))
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
            uow.commit()
            return oven.id
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def proposal_id(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    data_dir = tmp_path_factory.mktemp("rada-councils")
    return data_dir, seed(data_dir)


@pytest.fixture(scope="module")
def server(proposal_id: tuple[Path, int]) -> Iterator[str]:
    """A running Rada on the seeded data directory (replaces the shared fixture here)."""
    data_dir = proposal_id[0]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {
        **os.environ,
        "RADA_DATA_DIR": str(data_dir),
        "RADA_DATABASE_URL": "",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
    }
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "rada.web.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        f"the server did not start:\n{(data_dir / 'server.log').read_text()}"
                    )
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_member_signs_in_posts_and_votes(
    page: Page, proposal_id: tuple[Path, int], screenshot: Screenshot, accessible: Accessible
) -> None:
    oven = proposal_id[1]
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
