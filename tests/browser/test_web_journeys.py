"""Journeys through the plan and record pages in Chromium: what a reader does and sees."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.browser

Screenshot = Callable[[Page, str], Path]
Accessible = Callable[[Page], None]


def test_reader_searches_the_plan_and_reads_why_a_target_is_not_met(
    page: Page, screenshot: Screenshot, accessible: Accessible
) -> None:
    page.goto("/plan")
    expect(page.get_by_role("heading", level=1)).to_have_text("The plan")
    expect(page.locator("#years tbody tr")).to_have_count(5)
    page.wait_for_function("document.getElementById('plan-chart').dataset.ready === 'true'")
    chart = page.evaluate(
        "() => window.radaPlanChart.data.datasets.map(d => [d.label, d.data.length])"
    )
    assert chart == [
        ["Labour used", 5],
        ["Labour supply", 5],
        ["Fulfilment, per cent of targets", 5],
    ]
    expect(page.locator("#product-table .count")).to_have_text("Showing 127 products of 127.")
    screenshot(page, "plan")
    accessible(page)

    page.get_by_label("Search products by name or code").fill("fish")
    expect(page.locator("#product-table .count")).to_have_text("Showing 2 products of 127.")
    expect(page).to_have_url(re.compile(r"/plan\?q=fish$"))
    names = page.locator("#product-table tbody th a").all_inner_texts()
    assert names
    assert all("fish" in name.lower() for name in names)
    screenshot(page, "search")

    page.locator("#product-table tbody th a").first.click()
    expect(page).to_have_url(re.compile(r"/plan/products/03$"))
    expect(page.get_by_role("heading", name="Why is this target not met?")).to_be_visible()
    year_three = page.locator("article.explanation").nth(2)
    expect(year_three).to_contain_text("97.1%, as for every good in year 3")
    expect(year_three).to_contain_text("Compensation of employees in year 3 is used to the full")
    screenshot(page, "product")
    accessible(page)


def test_the_plan_fits_a_phone_and_the_keyboard_reaches_the_content(
    browser: object, server: str, screenshot: Screenshot, accessible: Accessible
) -> None:
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    try:
        phone.goto("/plan?lang=cs")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Plán")
        overflow = phone.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the page itself scrolls sideways on a phone"
        phone.keyboard.press("Tab")
        skip = phone.get_by_role("link", name="Přeskočit na obsah")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        phone.keyboard.press("Enter")
        expect(phone.locator("main")).to_be_focused()
        screenshot(phone, "phone")
        accessible(phone)
    finally:
        context.close()


def _verify(page: Page, index: int) -> str:
    page.get_by_role("button", name=f"Verify entry {index}").click()
    result = page.locator(f"#verify-{index}")
    expect(result).to_have_attribute("data-outcome", re.compile("verified|failed"))
    return result.inner_text()


def test_reader_verifies_entries_in_the_browser_against_the_signed_checkpoint(
    page: Page, screenshot: Screenshot, accessible: Accessible
) -> None:
    page.goto("/record")
    expect(page.get_by_role("heading", level=1)).to_have_text("The public record")
    expect(page.locator("li.entry")).to_have_count(6)
    expect(page.locator("#entry-0")).to_contain_text("removed by decision 3")
    expect(page.locator("#checkpoint-note")).to_contain_text("browser.test/rada\n5\n")
    accessible(page)

    text = _verify(page, 1)
    assert page.locator("#verify-1").get_attribute("data-outcome") == "verified", text
    assert "Verified in your browser." in text
    assert "The entry's bytes hash to the leaf hash the log stores." in text
    assert "root of the tree of size 5" in text
    assert "The checkpoint's Ed25519 signature verifies with the key browser.test/rada+" in text
    assert page.locator("#verify-1").get_attribute("data-complete") == "true"

    redacted = _verify(page, 0)
    assert "Verified in your browser." in redacted
    assert "The content is redacted" in redacted

    unsigned = _verify(page, 5)
    assert "No signed checkpoint covers this entry yet" in unsigned
    assert page.locator("#verify-5").get_attribute("data-complete") == "false"
    screenshot(page, "verified")
    accessible(page)


def _flip(text: str, at: int = 0) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _forge_signature(note: str) -> str:
    text, signature = note.rsplit(" ", 1)
    return f"{text} {_flip(signature.strip(), at=20)}\n"


TAMPERING = {
    "proof": (
        lambda data: {**data, "proof": [_flip(data["proof"][0]), *data["proof"][1:]]},
        "The inclusion proof does not lead to the root the server sent.",
    ),
    "content": (
        lambda data: {
            **data,
            "content": base64.b64encode(
                base64.b64decode(data["content"]).replace(b"bakery", b"casino")
            ).decode(),
        },
        "The entry's bytes do not hash to the leaf hash the server sent.",
    ),
    "signature": (
        lambda data: {**data, "checkpoint": _forge_signature(data["checkpoint"])},
        "The checkpoint's signature does not verify with the key",
    ),
}


@pytest.mark.parametrize("part", sorted(TAMPERING))
def test_a_tampered_proof_fails_verification_in_the_browser(
    page: Page, screenshot: Screenshot, part: str
) -> None:
    change, message = TAMPERING[part]

    def tamper(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=json.dumps(change(response.json())))

    page.route("**/record/entries/1/proof", tamper)
    page.goto("/record")
    text = _verify(page, 1)
    assert page.locator("#verify-1").get_attribute("data-outcome") == "failed", text
    assert text.startswith("Verification failed:")
    assert message in text
    screenshot(page, f"tampered-{part}")


def test_verification_speaks_czech(page: Page, accessible: Accessible) -> None:
    page.goto("/record?lang=cs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Veřejný rejstřík")
    page.get_by_role("button", name="Ověřit záznam 2").click()
    expect(page.locator("#verify-2")).to_contain_text("Ověřeno ve vašem prohlížeči.")
    expect(page.locator("#verify-2")).to_contain_text("Podpis Ed25519 kontrolního bodu je platný")
    accessible(page)
