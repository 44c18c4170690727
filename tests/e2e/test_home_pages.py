"""The front page and joining by code, as a person meets them: signed out, what Rada is and
its public parts; signed in, what waits for you; and an invitation code given after sign-up."""

from __future__ import annotations

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

from rada.services import councils as cs
from rada.services import proposals as ps


@pytest.fixture
def site(world: World) -> World:  # noqa: F811
    """The council pages' world: the bakery, its people and proposals."""
    return world


def test_signed_out_the_front_page_says_what_rada_is_and_where_to_go(site: World) -> None:
    page = html(site.client().get("/"))
    assert 'id="sign-in-call"' in page
    for path in ("/sign-in", "/sign-up", "/councils", "/cycles", "/plan", "/record"):
        assert f'href="{path}' in page, path
    assert "Waiting for you" not in page


def test_signed_in_the_front_page_lists_what_waits_soonest_first(site: World) -> None:
    # Bo has not voted on the oven (Cy has); Ana convenes, so the talk's vote is hers to open
    # once its discussion has lasted its 24 hours.
    bo, _csrf = signed_in(site, "bo")
    page = html(bo.get("/"))
    assert "Waiting for you" in page
    to_vote = page.split('id="to-vote"')[1].split("</section>")[0]
    assert "A second oven" in to_vote
    assert f'href="/proposals/{site.ids["oven"]}"' in to_vote
    assert 'id="to-open"' not in page  # Bo convenes nothing
    assert "Longer breaks" in page.split('id="discussions"')[1]
    cy, _ = signed_in(site, "cy")
    assert "A second oven" not in html(cy.get("/")).split('id="discussions"')[0]
    ana, _ = signed_in(site, "ana")
    assert 'id="to-open"' not in html(ana.get("/"))  # the talk opened 5 hours ago
    with site.app.state.api.uow() as uow:
        talk = ps.get_proposal(uow, site.ids["talk"])
        assert talk.discussion_at is not None
        assert talk.discussion_at + timedelta(hours=24) > NOW
    czech = html(bo.get("/?lang=cs"))
    assert "Čeká na vás" in czech
    dan, _ = signed_in(site, "dan")
    assert 'id="nothing-waits"' in html(dan.get("/"))


def test_an_invitation_code_can_be_given_after_sign_up(site: World) -> None:
    dan, csrf = signed_in(site, "dan")
    page = html(dan.get("/me/councils"))
    assert 'id="join"' in page
    empty = html(dan.post("/me/councils", data={"csrf_token": csrf, "invitation": ""}), 400)
    assert 'id="invitation-error"' in empty
    wrong = html(dan.post("/me/councils", data={"csrf_token": csrf, "invitation": "nope"}), 400)
    assert "not known" in wrong
    assert 'value="nope"' in wrong
    with site.app.state.api.uow() as uow:
        issued = cs.invite(
            uow, council="bakery-north", email="dan@bakery.example", by=site.ids["ana"], now=NOW
        )
        uow.commit()
    refused = dan.post("/me/councils", data={"invitation": issued.code})
    assert refused.status_code == 403  # no CSRF token, no join
    joined = html(dan.post("/me/councils", data={"csrf_token": csrf, "invitation": issued.code}))
    assert 'id="joined"' in joined
    assert "Bakery North" in joined.split("<tbody>")[1]
    again = dan.post(
        "/me/councils", data={"csrf_token": csrf_of(joined), "invitation": issued.code}
    )
    assert "already" in html(again, 400)


def test_a_refusals_moments_are_said_in_the_readers_zone_and_language() -> None:
    """No raw timestamp reaches a person: a domain message's moments are formatted for the
    reader (the command line and the record keep the exact ISO form)."""
    from datetime import UTC, datetime

    from starlette.requests import Request

    from rada.councils.text import msg
    from rada.web.templating import say

    closed = msg("voting closed at %(closed)s", closed=datetime(2026, 12, 5, 5, 33, tzinfo=UTC))
    assert str(closed) == "voting closed at 2026-12-05T05:33+00:00"

    def reader(cookie: str, language: str) -> Request:
        headers = [(b"cookie", cookie.encode()), (b"accept-language", language.encode())]
        return Request({"type": "http", "headers": headers, "query_string": b"", "path": "/"})

    assert say(reader("", "en"), closed) == "voting closed at Dec 5, 2026 05:33 UTC"
    prague = say(reader("rada_tz=Europe/Prague", "cs"), closed)
    assert prague == "hlasování skončilo 5. 12. 2026 6:33 SEČ", prague
