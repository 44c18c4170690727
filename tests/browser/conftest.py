"""A real Rada server and Debian's Chromium, driven by Playwright.

The server is the real app under uvicorn, in its own process, on a free loopback port, with a
fresh data directory (SQLite) holding a small signed record. Chromium is Debian's
(``/usr/bin/chromium``), never a browser downloaded by Playwright: when it is missing and the
tests run as root it is installed with apt-get, otherwise the tests are skipped, saying why.

Each journey saves screenshots under ``tests/browser/artifacts/`` (ignored by git) and runs
axe-core (vendored in ``vendor/axe-core``) on each page it visits.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from tests.browser.server import running_server
from tests.debian import apt_install

from rada.demo.federation import Demo
from rada.record import Entry, EntryKind, Signer
from rada.store.engine import record_engine
from rada.store.keys import PRIVATE_KEY_FILE, load_or_create_signing_key
from rada.store.record_repository import RecordRepository

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
AXE = HERE / "vendor" / "axe-core" / "axe.min.js"
ORIGIN = "browser.test/rada"
WHEN = datetime(2024, 5, 1, 12, tzinfo=UTC)
#: The journeys' two screen sizes: a laptop and a phone (an iPhone 12-15's CSS pixels).
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
#: The browser's language for each of the pages' languages (sent as Accept-Language).
LOCALES = {"en": "en-GB", "cs": "cs-CZ"}


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed first if missing and we may."""
    why = apt_install(["chromium"], present=CHROMIUM.exists)
    if why is not None:
        pytest.skip(
            f"the browser tests drive Debian's Chromium at {CHROMIUM}, which is missing "
            f"and could not be installed ({why}); run `apt-get install chromium` as root"
        )
    return CHROMIUM


def fill_record(data_dir: Path) -> None:
    """Entries 0-5: a post (later redacted), a proposal, a vote, a decision, the redaction;
    a signed checkpoint of those five; then a post no checkpoint covers yet."""
    repository = RecordRepository(record_engine(f"sqlite:///{data_dir / 'rada.db'}"))
    repository.create_schema()
    # A fixed key whose base64 holds "+" and "/" (as about half of random keys' do), so the
    # page's parsing of the verifier key is tested on them every time.
    key = data_dir / PRIVATE_KEY_FILE
    key.write_text(Signer(ORIGIN, bytes([8]) * 32).private_key() + "\n", "ascii")
    key.chmod(0o600)
    signer = load_or_create_signing_key(data_dir, origin=ORIGIN)
    assert "+" in signer.verifier.vkey().split("+", 2)[2]
    repository.append(
        [
            Entry(EntryKind.POST, WHEN, {"text": "my phone is 0123"}, author="ana"),
            Entry(EntryKind.PROPOSAL, WHEN, {"title": "Build a bakery"}, author="ben"),
            Entry(EntryKind.VOTE, WHEN, {"choice": "yes"}, author="ana", links=(1,)),
            Entry(EntryKind.DECISION, WHEN, {"adopted": 1}, author="council", links=(1,)),
        ]
    )
    repository.redact(0, decision=3, reason="personal data", now=WHEN)
    repository.add_checkpoint(signer)
    repository.append([Entry(EntryKind.POST, WHEN, {"text": "after the checkpoint"}, author="eva")])
    repository.engine.dispose()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running Rada, on a fresh data directory with a small record."""
    data_dir = tmp_path_factory.mktemp("rada-data")
    fill_record(data_dir)
    with running_server(data_dir) as base:
        yield base


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    """Chromium, headless, launched once for the session."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh browser tab (desktop size, British English) on the server."""
    context = browser.new_context(
        base_url=server, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``screenshot(page, "step")`` saves the page under ``artifacts/<test>-<step>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(tab: Page, step: str) -> Path:
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
        path = ARTIFACTS / f"{name}-{step}.png"
        scrolled = tab.evaluate("() => [window.scrollX, window.scrollY]")
        tab.screenshot(path=str(path), full_page=True)
        # After a full-page screenshot of a scrolled page Chromium can leave its scroll state
        # stale, so that later clicks land beside their target; scrolling again resets it.
        tab.evaluate("([x, y]) => { window.scrollTo(0, 0); window.scrollTo(x, y); }", scrolled)
        print(f"screenshot: {path}")
        return path

    return save


def axe_violations(tab: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy (no
    # inline scripts) does not apply to, so the pages are tested with their real policy.
    tab.evaluate(AXE.read_text("utf-8"))
    found: list[dict[str, Any]] = tab.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.fixture
def accessible() -> Callable[[Page], None]:
    """``accessible(page)`` fails the test on any serious or critical axe-core violation."""

    def check(tab: Page) -> None:
        violations = axe_violations(tab)
        assert violations == [], f"axe-core on {tab.url}: {violations}"

    return check


@dataclass(frozen=True)
class BuiltDemo:
    """The demo federation as ``rada demo`` builds it, in a data directory to copy from."""

    data_dir: Path
    demo: Demo
    password: str


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> BuiltDemo:
    """The demo federation, built once per session (about 15 s) with a signed checkpoint of
    its record, as ``rada demo`` serves it. Copy it (:func:`copy_demo`) before changing it."""
    from rada.bootstrap import demo_economy, open_database
    from rada.config import Settings
    from rada.demo.federation import PASSWORD, build

    data_dir = tmp_path_factory.mktemp("rada-demo")
    database = open_database(Settings(data_dir=data_dir))
    try:
        with database.unit_of_work() as uow:
            made = build(uow, demo_economy(), now=datetime.now(UTC))
            uow.commit()
    finally:
        database.dispose()
    repository = RecordRepository(record_engine(f"sqlite:///{data_dir / 'rada.db'}"))
    repository.add_checkpoint(load_or_create_signing_key(data_dir))
    repository.engine.dispose()
    return BuiltDemo(data_dir, made, PASSWORD)


def copy_demo(built: BuiltDemo, into: Path) -> Path:
    """A copy of the built demo's data directory (database and keys) at ``into``."""
    shutil.copytree(built.data_dir, into, dirs_exist_ok=True)
    (into / "server.log").unlink(missing_ok=True)
    return into


@pytest.fixture
def new_tab(browser: Browser, server: str) -> Iterator[Callable[..., Page]]:
    """``new_tab(size, language, timezone_id=None)``: a fresh browser (its own cookies) on the
    server, at one of :data:`SIZES` (a phone is touch and mobile), asking for ``language``
    (``"en"`` or ``"cs"``) as its Accept-Language; closed after the test."""
    contexts: list[Any] = []

    def make(size: str, language: str, timezone_id: str | None = None) -> Page:
        phone = size == "phone"
        context = browser.new_context(
            base_url=server,
            viewport=SIZES[size],  # type: ignore[arg-type]
            is_mobile=phone,
            has_touch=phone,
            locale=LOCALES[language],
            timezone_id=timezone_id,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(tab: Page, email: str, password: str, then: str = "/") -> None:
    """Sign in through the form, whatever the page's language, and land on ``then``."""
    tab.goto(f"/sign-in?next={then}")
    tab.locator("input[name=email]").fill(email)
    tab.locator("input[name=password]").fill(password)
    tab.locator("form:has(input[name=password]) button[type=submit]").click()
    tab.wait_for_url(re.compile(rf"{re.escape(then)}(\?.*)?$"))


def page_overflow(tab: Page) -> int:
    """By how many CSS pixels the page itself is wider than the screen (0 when it is not).

    Measured against the viewport the tab was opened with: on an emulated phone Chromium
    widens ``window.innerWidth`` to content that overflows (as a phone zooms out), so that
    comparing with it would hide the overflow."""
    viewport = tab.viewport_size
    assert viewport is not None
    return int(tab.evaluate("() => document.scrollingElement.scrollWidth")) - viewport["width"]


def wider_than_the_screen(tab: Page) -> list[str]:
    """The outermost elements that reach past the screen's right edge, for a failure's
    message: tag, id and classes, and how far right they reach."""
    viewport = tab.viewport_size
    assert viewport is not None
    found: list[str] = tab.evaluate(
        """width => {
            const out = [];
            for (const e of document.body.querySelectorAll("*")) {
                const right = e.getBoundingClientRect().right + window.scrollX;
                if (right <= width + 1) continue;
                let clipped = false;  // inside a box that scrolls or clips, which fits
                for (let up = e.parentElement; up && !clipped; up = up.parentElement) {
                    clipped = getComputedStyle(up).overflowX !== "visible"
                        && up.getBoundingClientRect().right + window.scrollX <= width + 1;
                }
                if (clipped) continue;
                if (e.parentElement && out.some(o => o.el.contains(e))) continue;
                out.push({el: e, right});
            }
            return out.slice(0, 8).map(({el, right}) =>
                `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}` +
                `${el.className && typeof el.className === "string"
                    ? "." + el.className.trim().split(/\\s+/).join(".") : ""} ` +
                `to ${Math.round(right)}px`);
        }""",
        viewport["width"],
    )
    return found
