"""Notifications, settings, profiles, a council's activity and "since your last visit", as a
person meets them over HTTP (issue 16), bad input included: a clear refusal, never a 5xx."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.e2e.test_council_pages import (  # noqa: F401 (world is the pages' fixture)
    NOW,
    World,
    csrf_of,
    html,
    signed_in,
    world,
)

from rada.councils.notices import Mail, NoticeKind


@pytest.fixture
def site(world: World) -> World:  # noqa: F811
    """The council pages' world: the bakery, its people and proposals (Cy has heard of the
    oven's vote, the talk's discussion and the decisions)."""
    return world


def _unread(page: str) -> int:
    found = re.search(r"\((\d+) unread\)", page)
    return int(found.group(1)) if found else 0


def test_the_header_counts_unread_notices_and_the_fragment_refreshes_it(site: World) -> None:
    cy, _ = signed_in(site, "cy")
    page = html(cy.get("/"))
    header = page.split("</header>")[0]
    assert 'id="notices-link"' in header
    assert 'hx-get="/notifications/count"' in header
    assert 'hx-trigger="every 45s"' in header
    count = _unread(header)
    assert count > 0
    fragment = html(cy.get("/notifications/count", headers={"HX-Request": "true"}))
    assert fragment.startswith('\n<a id="notices-link"') or 'id="notices-link"' in fragment
    assert "<html" not in fragment
    assert _unread(fragment) == count
    assert "no-store" in cy.get("/notifications/count").headers["cache-control"]
    signed_out = html(site.client().get("/"))
    assert 'id="notices-link"' not in signed_out
    assert 'id="notices-link"' not in html(site.client().get("/notifications/count"))


def test_a_member_reads_follows_and_marks_all_notices_read(site: World) -> None:
    cy, csrf = signed_in(site, "cy")
    page = html(cy.get("/notifications"))
    assert 'id="notices"' in page
    assert "A second oven" in page
    assert "was opened for discussion in Bakery North" in page
    first = re.search(r'<a href="(/proposals/[^"]+)" hx-post="/notifications/(\d+)"', page)
    assert first is not None
    target, notice = first.group(1), first.group(2)
    before = _unread(page)
    # A GET goes there and changes nothing: prefetchers and link checkers mark nothing read.
    looked = cy.get(f"/notifications/{notice}", follow_redirects=False)
    assert (looked.status_code, looked.headers["location"]) == (303, target)
    assert _unread(html(cy.get("/notifications"))) == before
    assert cy.post(f"/notifications/{notice}", data={}).status_code == 403  # no CSRF token
    assert _unread(html(cy.get("/notifications"))) == before
    followed = cy.post(
        f"/notifications/{notice}", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert (followed.status_code, followed.headers["location"]) == (303, target)
    assert _unread(html(cy.get("/notifications"))) == before - 1
    by_htmx = cy.post(
        f"/notifications/{notice}", data={"csrf_token": csrf}, headers={"HX-Request": "true"}
    )
    assert (by_htmx.status_code, by_htmx.headers["hx-redirect"]) == (200, target)
    refused = cy.post("/notifications/read", data={})
    assert refused.status_code == 403  # no CSRF token, nothing marked
    done = cy.post("/notifications/read", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    after = html(cy.get("/notifications"))
    assert _unread(after) == 0
    assert "You have read all your notifications." in after
    czech = html(cy.get("/notifications?lang=cs"))
    assert "Oznámení" in czech


def test_nobody_sees_or_marks_anothers_notice(site: World) -> None:
    with site.app.state.api.uow() as uow:
        anas = uow.notices.for_person(site.ids["ana"])
    assert anas
    cy, csrf = signed_in(site, "cy")
    assert cy.get(f"/notifications/{anas[0].id}").status_code == 404
    marking = cy.post(f"/notifications/{anas[0].id}", data={"csrf_token": csrf})
    assert marking.status_code == 404
    with site.app.state.api.uow() as uow:
        assert uow.notices.unread_count(site.ids["ana"]) == len(
            [n for n in anas if n.read_at is None]
        )
    assert site.client().get("/notifications", follow_redirects=False).status_code == 303
    bad_ones = ("/notifications?before=0", "/notifications?before=x", "/notifications/x",
                "/notifications/-5", "/notifications/0", f"/notifications/{10**30}")  # fmt: skip
    for bad in bad_ones:
        assert cy.get(bad).status_code in (400, 404, 422), bad


def test_settings_are_saved_and_win_over_the_browser(site: World) -> None:
    bo, csrf = signed_in(site, "bo")
    bo.cookies.set("rada_tz", "America/New_York")
    page = html(bo.get("/settings"))
    assert '<option value="America/New_York" selected>' in page  # the browser's, offered
    assert 'name="mail-voting" value="now"' in page
    assert "A vote opens in your council" in page
    form = {
        "csrf_token": csrf,
        "language": "cs",
        "timezone": "Europe/Prague",
        **{f"mail-{k.value}": "digest" for k in NoticeKind},
        "mail-discussion": "never",
    }
    saved = bo.post("/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/settings?saved=1"
    with site.app.state.api.uow() as uow:
        stored = uow.settings.get(site.ids["bo"])
        assert stored is not None
        assert (stored.language, stored.timezone) == ("cs", "Europe/Prague")
        assert stored.mail_for(NoticeKind.DISCUSSION) is Mail.NEVER
        assert stored.mail_for(NoticeKind.VOTING) is Mail.DIGEST
    # Another browser of Bo's, asking for English, with its own zone: his choices win.
    other, _ = signed_in(site, "bo")
    other.cookies.set("rada_tz", "America/New_York")
    home = html(other.get("/", headers={"Accept-Language": "en"}))
    assert '<html lang="cs">' in home
    assert "SEČ" in home or "SELČ" in home
    # Not in the page's random CSRF token either, which holds "EST" about 1 time in 6,000.
    assert "EST" not in home.replace(csrf_of(home), "")
    again = html(other.get("/settings"))
    assert '<option value="Europe/Prague" selected>' in again


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("timezone", "Mars/Olympus", "is not a time zone"),
        ("language", "de", "is not a language Rada speaks"),
        ("mail-voting", "hourly", "is not a way to hear of notices"),
    ],
)
def test_bad_settings_are_refused_clearly_and_change_nothing(
    site: World, field: str, value: str, words: str
) -> None:
    bo, csrf = signed_in(site, "bo")
    refused = bo.post("/settings", data={"csrf_token": csrf, field: value})
    page = html(refused, 422)
    assert 'id="settings-error"' in page
    assert words in page
    with site.app.state.api.uow() as uow:
        stored = uow.settings.get(site.ids["bo"])
        assert stored is None or (stored.language, stored.timezone, stored.mail) == (
            None,
            None,
            {},
        )
    assert bo.post("/settings", data={"language": "cs"}).status_code == 403


def test_a_profile_shows_seats_and_open_votes_never_an_address_or_a_secret_ballot(
    site: World,
) -> None:
    page = html(site.client().get(f"/people/{site.ids['cy']}"))
    assert "<h1>Cy</h1>" in page
    assert "Bakery North" in page.split('id="seats"')[1]
    votes = page.split('id="votes"')[1]
    assert "A second oven" in votes  # Cy's open vote: no
    assert "<td>no" in votes
    assert "Elect a manager" not in votes  # a secret ballot
    assert "bakery.example" not in page
    assert site.client().get("/people/999999").status_code == 404
    assert site.client().get("/people/0").status_code in (400, 422)
    assert site.client().get("/people/abc").status_code in (400, 422)


def test_a_profile_renders_for_a_member_with_unread_notices_in_each_language(
    site: World,
) -> None:
    # The header's count is a plural ({% trans count=... %}): a page whose context hid the
    # templates' ngettext answered 500 only to a reader with something unread.
    cy, _ = signed_in(site, "cy")
    for lang, unread in (("en", "unread)"), ("cs", "nepřečten")):
        page = html(cy.get(f"/people/{site.ids['bo']}?lang={lang}"))
        header = page.split("</header>")[0]
        assert unread in header
        assert "<h1>Bo</h1>" in page


def test_a_councils_activity_lists_what_happened_newest_first(site: World) -> None:
    council = html(site.client().get("/councils/bakery-north"))
    assert 'href="/councils/bakery-north/activity" id="activity-link"' in council
    page = html(site.client().get("/councils/bakery-north/activity"))
    lines = page.split('id="activity"')[1].split("</ol>")[0]
    assert lines.index("The vote on") < lines.index("took a seat")
    assert "wrote in the discussion of" in lines
    assert 'href="/people/' in lines
    older = html(site.client().get("/councils/bakery-north/activity?offset=20"))
    assert "took a seat" in older or 'id="no-activity"' in older
    assert site.client().get("/councils/nowhere/activity").status_code == 404
    assert site.client().get("/councils/bakery-north/activity?offset=-1").status_code in (
        400,
        422,
    )
    assert "Aktivita" in html(site.client().get("/councils/bakery-north/activity?lang=cs"))


def test_the_front_page_says_what_changed_since_the_last_visit(site: World) -> None:
    cy, _ = signed_in(site, "cy")
    first = html(cy.get("/"))
    since = first.split('id="since-last-visit"')[1].split("</section>")[0]
    assert "In the past week" in since
    # Bo's and Ana's posts in the talk Cy opened; the election and the redaction decided.
    assert "Longer breaks" in since.split('id="new-posts"')[1]
    assert "2 new posts" in since
    decisions = since.split('id="new-decisions"')[1]
    assert "Elect a manager" in decisions
    again = html(cy.get("/")).split('id="since-last-visit"')[1].split("</section>")[0]
    assert "Since your last visit" in again
    assert 'id="nothing-new"' in again


def test_notifications_come_a_page_at_a_time_newest_first(site: World) -> None:
    from rada.councils.notices import Notice

    with site.app.state.api.uow() as uow:
        uow.notices.add_many(
            [
                Notice(person_id=site.ids["dan"], kind=NoticeKind.DECIDED, key=f"test/{n}",
                       created_at=NOW - timedelta(minutes=60 - n), params={"title": f"Motion {n}"})
                for n in range(25)
            ]
        )  # fmt: skip
        uow.commit()
    dan, _ = signed_in(site, "dan")
    first = html(dan.get("/notifications"))
    items = first.split('id="notices"')[1].split("</ol>")[0]
    assert items.count("<li") == 20
    assert items.index("Motion 24") < items.index("Motion 5")
    assert "Motion 4" not in items
    older = re.search(r'href="/notifications\?before=(\d+)" rel="next"', first)
    assert older is not None
    second = html(dan.get(f"/notifications?before={older.group(1)}"))
    rest = second.split('id="notices"')[1].split("</ol>")[0]
    assert rest.count("<li") == 5
    assert "Motion 4" in rest
    assert "Motion 0" in rest
    assert 'rel="next"' not in second
