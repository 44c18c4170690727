"""The council pages over HTTP (FastAPI's TestClient): signing in, out and up; one's
councils; a council; a proposal with its discussion, vote, tally, decision and receipts.

The data is made through the use cases, with explicit times, in the app's own SQLite
database; the app's clock stands still at ``NOW``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rada.config import Settings
from rada.councils.orders import CouncilKind, ProposalKind
from rada.services import accounts, discussion
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.ports import UnitOfWork
from rada.web.app import create_app

PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass
class World:
    app: FastAPI
    ids: dict[str, int]
    receipt: str

    def client(self) -> TestClient:
        return TestClient(self.app)


def _ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def seed(uow: UnitOfWork) -> tuple[dict[str, int], str]:
    """Ana (convenor), Bo and Cy in the bakery; Dan has an account only. A motion in its
    vote, a motion in discussion with a post and a reply, and a decided secret STV
    election (Ana's receipt is returned)."""
    ids = {
        name: accounts.register(
            uow, name=name.title(), email=f"{name}@bakery.example", password=PASSWORD, now=_ago(200)
        ).id
        for name in ("ana", "bo", "cy", "dan")
    }
    bakery = cs.create_council(
        uow,
        name="Bakery North",
        slug="bakery-north",
        kind=CouncilKind.WORKPLACE,
        founder_id=ids["ana"],
        now=_ago(200),
        description="The bakery's workers.",
    )
    for name in ("bo", "cy"):
        issued = cs.invite(
            uow, council=bakery.id, email=f"{name}@bakery.example", by=ids["ana"], now=_ago(199)
        )
        cs.accept_invitation(uow, code=issued.code, person_id=ids[name], now=_ago(199))
    oven = ps.open_proposal(
        uow,
        council=bakery.id,
        kind=ProposalKind.MOTION,
        title="A second oven",
        text="Buy a second oven.",
        by=ids["bo"],
        now=_ago(72),
    )
    ps.revise_proposal(
        uow, proposal_id=oven.id, text="Buy a second, electric oven.", by=ids["bo"], now=_ago(60)
    )
    ps.open_voting(uow, proposal_id=oven.id, by=ids["ana"], now=_ago(2))
    ps.cast_vote(uow, proposal_id=oven.id, by=ids["cy"], choice={"position": "no"}, now=_ago(1))
    talk = ps.open_proposal(
        uow,
        council=bakery.id,
        kind=ProposalKind.MOTION,
        title="Longer breaks",
        text="Twenty minutes.",
        by=ids["cy"],
        now=_ago(5),
    )
    first = discussion.write_post(uow, proposal_id=talk.id, text=XSS, by=ids["bo"], now=_ago(4))
    discussion.edit_post(uow, post_id=first.id, text=XSS + " (edited)", by=ids["bo"], now=_ago(3))
    discussion.write_post(
        uow, proposal_id=talk.id, text="Agreed.", by=ids["ana"], now=_ago(2), reply_to=first.id
    )
    election = ps.open_proposal(
        uow,
        council=bakery.id,
        kind=ProposalKind.APPOINTMENT,
        title="Elect a manager",
        text="One seat.",
        by=ids["ana"],
        now=_ago(150),
        details={"post": "manager"},
        candidates=[ids["bo"], ids["cy"]],
    )
    leak = discussion.write_post(
        uow, proposal_id=election.id, text="Bo's phone is 0123", by=ids["cy"], now=_ago(149)
    )
    ps.open_voting(uow, proposal_id=election.id, by=ids["ana"], now=_ago(100))
    options = {o.person_id: o.key for o in election.options}
    receipt = ""
    for voter, first_choice in (("ana", "bo"), ("bo", "bo"), ("cy", "cy")):
        second = "cy" if first_choice == "bo" else "bo"
        code = ps.cast_vote(
            uow,
            proposal_id=election.id,
            by=ids[voter],
            choice={"ranking": [options[ids[first_choice]], options[ids[second]]]},
            now=_ago(99),
        )
        if voter == "ana":
            assert code is not None
            receipt = code
    ps.close_vote(uow, proposal_id=election.id, by=ids["ana"], now=_ago(98))
    # A post redacted by an adopted redaction proposal leaves a tombstone in its place.
    redaction = ps.open_proposal(
        uow,
        council=bakery.id,
        kind=ProposalKind.REDACTION,
        title="Remove the phone number",
        text="It is personal data.",
        by=ids["bo"],
        now=_ago(148),
        details={"entry": leak.versions[0].record_index, "reason": "personal data"},
    )
    ps.open_voting(uow, proposal_id=redaction.id, by=ids["ana"], now=_ago(97))
    for voter in ("ana", "bo", "cy"):
        ps.cast_vote(
            uow,
            proposal_id=redaction.id,
            by=ids[voter],
            choice={"position": "yes"},
            now=_ago(96),
        )
    ps.close_vote(uow, proposal_id=redaction.id, by=ids["ana"], now=_ago(95))
    ids["redaction"] = redaction.id
    ids.update(oven=oven.id, talk=talk.id, election=election.id, first_post=first.id)
    return ids, receipt


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'rada.db'}",
        signin_attempts=3,
    )
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app):
        with app.state.api.uow() as uow:
            ids, receipt = seed(uow)
            uow.commit()
        yield World(app, ids, receipt)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def form_token(client: TestClient, path: str) -> str:
    """The token of a signed-out form, as its page gives it (with its cookie)."""
    return csrf_of(client.get(path).text)


def post_form(client: TestClient, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """Post a signed-out form (sign-in, sign-up) as a browser does: after loading its page."""
    token = form_token(client, path)
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kw)


def signed_in(world: World, who: str) -> tuple[TestClient, str]:
    """A client signed in as ``who``, and its CSRF token."""
    client = world.client()
    response = post_form(
        client,
        "/sign-in",
        data={"email": f"{who}@bakery.example", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/me/councils")
    return client, csrf_of(page.text)


def html(response: Any, status: int = 200) -> str:
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    return str(response.text)


# Accounts


def test_sign_in_redirects_to_my_councils_which_lists_roles(world: World) -> None:
    client = world.client()
    page = html(client.get("/sign-in"))
    assert 'name="password"' in page
    response = post_form(
        client,
        "/sign-in",
        data={"email": "ana@bakery.example", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/me/councils"
    mine = html(client.get("/me/councils"))
    assert "Bakery North" in mine
    assert "convenor" in mine
    assert "member" in mine
    assert "Sign out" in mine


def test_sign_in_goes_on_to_a_local_next_page_only(world: World) -> None:
    client = world.client()
    data = {"email": "bo@bakery.example", "password": PASSWORD}
    response = post_form(
        client, "/sign-in", data={**data, "next": "/councils/bakery-north"}, follow_redirects=False
    )
    assert response.headers["location"] == "/councils/bakery-north"
    other = post_form(
        world.client(), "/sign-in", data={**data, "next": "//evil.example/"}, follow_redirects=False
    )
    assert other.headers["location"] == "/me/councils"


def test_wrong_password_is_shown_next_to_the_field_then_rate_limited(world: World) -> None:
    client = world.client()
    data = {"email": "ana@bakery.example", "password": "not the password"}
    page = html(post_form(client, "/sign-in", data=data), 401)
    assert 'id="password-error"' in page
    assert 'aria-invalid="true"' in page
    assert 'value="ana@bakery.example"' in page
    for _ in range(2):
        post_form(client, "/sign-in", data=data)
    limited = post_form(client, "/sign-in", data={**data, "password": PASSWORD})
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert "Too many failed sign-ins" in limited.text


def test_missing_fields_are_named(world: World) -> None:
    page = html(post_form(world.client(), "/sign-in", data={"email": "", "password": ""}), 400)
    assert 'id="email-error"' in page
    assert 'id="password-error"' in page


def test_sign_out_needs_the_csrf_token_and_ends_the_session(world: World) -> None:
    client, csrf = signed_in(world, "ana")
    refused = client.post("/sign-out", headers={"accept": "text/html"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/me/councils", follow_redirects=False).status_code == 200
    done = client.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    again = client.get("/me/councils", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/sign-in?next=")


def test_sign_up_with_an_invitation_joins_the_council(world: World) -> None:
    with world.app.state.api.uow() as uow:
        issued = cs.invite(
            uow, council="bakery-north", email="eva@bakery.example", by=world.ids["ana"], now=NOW
        )
        uow.commit()
    client = world.client()
    form = html(client.get(f"/sign-up?invitation={issued.code}"))
    assert f'value="{issued.code}"' in form
    response = post_form(
        client,
        "/sign-up",
        data={
            "name": "Eva",
            "email": "eva@bakery.example",
            "password": PASSWORD,
            "invitation": issued.code,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    mine = html(client.get("/me/councils"))
    assert "Bakery North" in mine
    assert "Signed in as Eva" in mine


def test_sign_up_errors_are_shown_next_to_their_fields(world: World) -> None:
    client = world.client()
    short = html(
        post_form(
            client, "/sign-up", data={"name": "Fay", "email": "fay@x.example", "password": "short"}
        ),
        400,
    )
    assert 'id="password-error"' in short
    assert "at least 10 characters" in short
    taken = html(
        post_form(
            client,
            "/sign-up",
            data={"name": "Bo", "email": "bo@bakery.example", "password": PASSWORD},
        ),
        400,
    )
    assert 'id="email-error"' in taken
    bad_code = html(
        post_form(
            client,
            "/sign-up",
            data={
                "name": "Gus",
                "email": "gus@x.example",
                "password": PASSWORD,
                "invitation": "nonsense",
            },
        ),
        400,
    )
    assert 'id="invitation-error"' in bad_code


def test_sign_up_without_an_account_form_field_is_refused(world: World) -> None:
    page = html(post_form(world.client(), "/sign-up", data={}), 400)
    assert 'id="name-error"' in page
    assert 'id="email-error"' in page


# Councils


def test_council_page_is_readable_signed_out(world: World) -> None:
    page = html(world.client().get("/councils/bakery-north"))
    assert "Bakery North" in page
    for name in ("Ana", "Bo", "Cy"):
        assert f'<th scope="row">{name}</th>' in page
    assert "Dan" not in page
    assert "convenor" in page
    assert "A second oven" in page
    assert "Longer breaks" in page
    assert "Elect a manager" in page
    assert "adopted" in page
    # The upcoming vote with its closing time (72 hours after voting opened).
    # In UTC until the browser names its zone; then in that zone, named, in the reader's
    # language.
    closes = _ago(2) + timedelta(hours=72)
    assert f'<time datetime="{closes.isoformat()}">Mar 13, 2026 10:00 UTC</time>' in page
    prague = world.client()
    prague.cookies.set("rada_tz", "Europe/Prague")
    assert "Mar 13, 2026 11:00 Europe/Prague" in html(prague.get("/councils/bakery-north"))
    assert "13. 3. 2026 11:00 SEČ" in html(prague.get("/councils/bakery-north?lang=cs"))
    prague.cookies.set("rada_tz", "Mars/Olympus")
    assert "10:00 UTC" in html(prague.get("/councils/bakery-north?lang=en"))
    # The standing orders in words, and the office the election filled.
    assert "the single transferable vote" in page
    assert "Secret ballot" in page
    assert "manager: Bo" in page
    listing = html(world.client().get("/councils"))
    assert "Bakery North" in listing


def test_unknown_council_is_a_404_page(world: World) -> None:
    page = html(world.client().get("/councils/nowhere", headers={"accept": "text/html"}), 404)
    assert "nowhere" in page


# Proposals


def test_proposal_page_shows_versions_thread_and_live_tally(world: World) -> None:
    page = html(world.client().get(f"/proposals/{world.ids['oven']}"))
    assert "Buy a second, electric oven." in page
    assert "Every version of the text" in page
    assert "Buy a second oven." in page
    assert 'id="tally"' in page  # a motion's rule shows the running count
    assert "Took part: Cy" in page
    assert "Cast my vote" not in page  # signed out
    assert "Sign in</a> to vote" in page


def test_posts_are_escaped_and_their_versions_shown(world: World) -> None:
    page = html(world.client().get(f"/proposals/{world.ids['talk']}"))
    assert "<script>alert" not in page
    assert "onerror=alert(1)>" not in page
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in page
    assert "Every version of this post (2)" in page
    assert "replying to" in page


def test_member_posts_and_replies(world: World) -> None:
    client, csrf = signed_in(world, "cy")
    talk = world.ids["talk"]
    response = client.post(
        f"/proposals/{talk}/posts",
        data={"csrf_token": csrf, "text": "Fifteen would do."},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert re.search(rf"/proposals/{talk}#post-\d+$", response.headers["location"])
    reply = client.post(
        f"/proposals/{talk}/posts",
        data={"csrf_token": csrf, "text": "On second thoughts, 20.", "reply_to": "1"},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    page = html(client.get(f"/proposals/{talk}"))
    assert "Fifteen would do." in page
    assert "On second thoughts, 20." in page
    empty = html(client.post(f"/proposals/{talk}/posts", data={"csrf_token": csrf}), 400)
    assert 'id="post-error"' in empty


def test_posting_without_the_csrf_token_is_refused(world: World) -> None:
    client, _csrf = signed_in(world, "cy")
    response = client.post(
        f"/proposals/{world.ids['talk']}/posts",
        data={"text": "sneaky"},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 403
    assert "sneaky" not in html(client.get(f"/proposals/{world.ids['talk']}"))


def test_outsider_sees_no_vote_form_and_cannot_post_or_vote(world: World) -> None:
    client, csrf = signed_in(world, "dan")
    oven = world.ids["oven"]
    page = html(client.get(f"/proposals/{oven}"))
    assert "Cast my vote" not in page
    assert "Only members of this council vote" in page
    assert "Write in the discussion" not in page
    refused = client.post(f"/proposals/{oven}/vote", data={"csrf_token": csrf, "position": "yes"})
    assert refused.status_code == 422
    assert "only members" in refused.text
    post = client.post(f"/proposals/{oven}/posts", data={"csrf_token": csrf, "text": "hi"})
    assert post.status_code == 403


def test_member_votes_and_sees_the_vote_recorded(world: World) -> None:
    client, csrf = signed_in(world, "bo")
    oven = world.ids["oven"]
    page = html(client.get(f"/proposals/{oven}"))
    assert 'name="position" value="yes"' in page
    assert 'value="abstain"' in page
    response = client.post(
        f"/proposals/{oven}/vote",
        data={"csrf_token": csrf, "position": "yes"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("#vote")
    after = html(client.get(f"/proposals/{oven}"))
    assert "You voted: Yes" in after
    assert "Cast my vote" not in after
    # Voting again while the vote is open changes the vote (issue 15): the page shows the last.
    again = client.post(
        f"/proposals/{oven}/vote",
        data={"csrf_token": csrf, "position": "no"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert "You voted: No" in html(client.get(f"/proposals/{oven}"))


def test_vote_without_csrf_is_refused(world: World) -> None:
    client, _csrf = signed_in(world, "bo")
    response = client.post(
        f"/proposals/{world.ids['oven']}/vote",
        data={"position": "yes"},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 403


def test_decided_stv_election_shows_stages_and_checks_receipts(world: World) -> None:
    election = world.ids["election"]
    client = world.client()
    page = html(client.get(f"/proposals/{election}"))
    assert 'id="stv-rounds"' in page
    assert "The count, stage by stage" in page
    assert "Elected: Bo" in page
    assert 'id="receipt-form"' in page
    good = html(client.post(f"/proposals/{election}/receipt", data={"code": world.receipt}))
    assert "Your ballot was counted as cast." in good
    assert "1. Bo; 2. Cy" in good
    bad = html(client.post(f"/proposals/{election}/receipt", data={"code": "nope"}), 404)
    assert "No ballot of this proposal has this receipt." in bad
    # The code never goes in an address (a history, a proxy's log): no GET with it.
    assert client.get(f"/proposals/{election}/receipt?code={world.receipt}").status_code == 405


def test_secret_ballot_shows_its_receipt_once_and_hides_the_count(world: World) -> None:
    ids = world.ids
    with world.app.state.api.uow() as uow:
        vote = ps.open_proposal(
            uow,
            council="bakery-north",
            kind=ProposalKind.APPOINTMENT,
            title="Elect a delegate",
            text="One seat.",
            by=ids["ana"],
            now=_ago(60),
            details={"post": "manager"},
            candidates=[ids["ana"], ids["cy"]],
        )
        ps.open_voting(uow, proposal_id=vote.id, by=ids["ana"], now=_ago(1))
        uow.commit()
    client, csrf = signed_in(world, "cy")
    page = html(client.get(f"/proposals/{vote.id}"))
    assert "Hidden until the close" in page
    keys = re.findall(r'name="rank-([^"]+)"', page)
    assert len(keys) == 2
    duplicate = client.post(
        f"/proposals/{vote.id}/vote",
        data={"csrf_token": csrf, f"rank-{keys[0]}": "1", f"rank-{keys[1]}": "1"},
    )
    assert duplicate.status_code == 422
    assert "different rank" in duplicate.text
    cast = html(
        client.post(
            f"/proposals/{vote.id}/vote",
            data={
                "csrf_token": csrf,
                f"rank-{keys[0]}": "2",
                f"rank-{keys[1]}": "1",
                "confirm": "yes",
            },
        )
    )
    code = re.search(r'id="receipt-code">([^<]+)<', cast)
    assert code is not None
    assert "You have voted." in cast
    before = html(client.post(f"/proposals/{vote.id}/receipt", data={"code": code.group(1)}), 409)
    assert "published after the count" in before


def test_unknown_proposal_is_a_404(world: World) -> None:
    response = world.client().get("/proposals/999", headers={"accept": "text/html"})
    assert response.status_code == 404


def test_pages_are_in_czech(world: World) -> None:
    page = html(world.client().get(f"/proposals/{world.ids['oven']}?lang=cs"))
    assert "Diskuse" in page or "diskus" in page.lower()


CZECH = {"accept-language": "cs-CZ,cs;q=0.9,en;q=0.5"}


def test_a_refusal_is_said_in_the_readers_language(world: World) -> None:
    client, csrf = signed_in(world, "cy")
    oven, talk = world.ids["oven"], world.ids["talk"]
    # (A second vote is no refusal any more: it changes the vote while voting is open.)
    wrong = client.post(f"/proposals/{oven}/vote", data={"csrf_token": csrf, "position": "maybe"})
    assert "a vote on this motion is one of yes, no, abstain" in html(wrong, 422)
    again = client.post(
        f"/proposals/{oven}/vote", data={"csrf_token": csrf, "position": "maybe"}, headers=CZECH
    )
    page = html(again, 422)
    assert '<html lang="cs">' in page
    assert 'id="vote-error" role="alert">hlas o tomto návrhu je jeden z: ' in page
    assert "a vote on this motion" not in page
    early = client.post(f"/proposals/{talk}/vote", data={"csrf_token": csrf, "position": "yes"})
    assert "the proposal is in discussion; votes are not open" in html(early, 422)
    early = client.post(
        f"/proposals/{talk}/vote", data={"csrf_token": csrf, "position": "yes"}, headers=CZECH
    )
    assert "návrh je ve fázi „diskuse“; hlasování není otevřeno" in html(early, 422)


def test_a_decision_is_summed_up_in_the_readers_language(world: World) -> None:
    client = world.client()
    election, redaction = world.ids["election"], world.ids["redaction"]
    summary = re.compile(r'<span id="decision-summary">([^<]*)</span>')

    def said(path: str, **headers: str) -> str:
        found = summary.search(html(client.get(path, headers=headers)))
        assert found is not None
        return found.group(1)

    assert said(f"/proposals/{election}") == "Elected: Bo (stv, 3 ballots)."
    assert said(f"/proposals/{election}", **CZECH) == "Zvoleno: Bo (STV, 3 hlasovací lístky)."
    assert said(f"/proposals/{redaction}") == (
        "Adopted: 2/3 of votes cast: 3 for, 0 against, 0 abstaining; needs at least 2."
    )
    assert said(f"/proposals/{redaction}", **CZECH) == (
        "Přijato: 2/3 odevzdaných hlasů: pro 3, proti 0, zdrželo se 0; je třeba alespoň 2."
    )
    # The stages of the count, as the counting library names them, are in Czech too.
    stages = html(client.get(f"/proposals/{election}", headers=CZECH))
    assert "<td>první preference" in stages
    assert "first preferences" not in stages
    # The record keeps the English summary, whatever the reader's language.
    record = html(client.get("/record", params={"kind": "decision", "q": "Elected"}, headers=CZECH))
    assert '"summary": "Elected: Bo (stv, 3 ballots)."' in unescape(record)
    assert "Zvoleni" not in record


def test_a_decision_counted_before_messages_were_kept_shows_its_english(world: World) -> None:
    settings = world.app.state.rada.settings
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE proposals SET decision_message = NULL")
    page = html(world.client().get(f"/proposals/{world.ids['election']}", headers=CZECH))
    assert '<span id="decision-summary">Elected: Bo (stv, 3 ballots).</span>' in page


def test_redacted_post_is_a_tombstone_naming_the_decision(world: World) -> None:
    page = html(world.client().get(f"/proposals/{world.ids['election']}"))
    assert "0123" not in page
    redaction = world.ids["redaction"]
    assert f"This version was removed by the decision on proposal {redaction}." in page
    assert f'href="/proposals/{redaction}"' in page


def test_consensus_vote_needs_a_reason_to_block(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'rada.db'}")
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app), app.state.api.uow() as uow:
        ana = accounts.register(
            uow, name="Ana", email="ana@bakery.example", password=PASSWORD, now=_ago(100)
        ).id
        from rada.councils.orders import DecisionRule, Method, default_orders

        orders = default_orders(CouncilKind.WORKPLACE).with_rule(
            ProposalKind.MOTION, DecisionRule(Method.CONSENSUS)
        )
        cs.create_council(
            uow,
            name="Co-op",
            slug="coop",
            kind=CouncilKind.WORKPLACE,
            founder_id=ana,
            now=_ago(100),
            orders=orders,
        )
        motion = ps.open_proposal(
            uow,
            council="coop",
            kind=ProposalKind.MOTION,
            title="Paint it red",
            text="Red.",
            by=ana,
            now=_ago(10),
        )
        ps.open_voting(uow, proposal_id=motion.id, by=ana, now=_ago(1))
        uow.commit()
    world = World(app, {}, "")
    client, csrf = signed_in(world, "ana")
    page = html(client.get(f"/proposals/{motion.id}"))
    for position in ("agree", "abstain", "disagree", "block"):
        assert f'value="{position}"' in page
    assert 'name="reason"' in page
    council = html(client.get("/councils/coop"))
    assert "consensus (a single block stops it)" in council
    refused = client.post(
        f"/proposals/{motion.id}/vote", data={"csrf_token": csrf, "position": "block"}
    )
    assert refused.status_code == 422
    assert 'id="vote-error"' in refused.text
    done = client.post(
        f"/proposals/{motion.id}/vote",
        data={"csrf_token": csrf, "position": "block", "reason": "Red <b>clashes</b>"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = html(client.get(f"/proposals/{motion.id}"))
    assert "You voted: Block (Red &lt;b&gt;clashes&lt;/b&gt;)" in after


# Participatory budgets

PROJECTS = [
    {"key": "bench", "label": "Benches", "cost": "600"},
    {"key": "lamps", "label": "Lamps", "cost": "300"},
    {"key": "trees", "label": "Trees", "cost": "250"},
    {"key": "sign", "label": "A <b>sign</b>", "cost": "100"},
]


def _budget(world: World, *, decided: bool) -> int:
    """A budget of 1,000 over four projects, in its vote or (everyone voted) counted."""
    ids = world.ids
    with world.app.state.api.uow() as uow:
        budget = ps.open_proposal(
            uow,
            council="bakery-north",
            kind=ProposalKind.BUDGET,
            title="The yard's budget",
            text="Share out 1000 for the yard.",
            by=ids["bo"],
            now=_ago(120),
            details={"budget": "1000"},
            projects=PROJECTS,
        )
        ps.open_voting(uow, proposal_id=budget.id, by=ids["ana"], now=_ago(60))
        if decided:
            for voter, approve in (
                ("ana", ["bench", "lamps"]),
                ("bo", ["bench", "sign"]),
                ("cy", ["trees", "sign"]),
            ):
                ps.cast_vote(
                    uow,
                    proposal_id=budget.id,
                    by=ids[voter],
                    choice={"approve": approve},
                    now=_ago(59),
                )
            ps.close_vote(uow, proposal_id=budget.id, by=ids["ana"], now=_ago(58))
        uow.commit()
    return budget.id


def test_budget_ballot_lists_projects_with_costs_and_a_meter(world: World) -> None:
    budget = _budget(world, decided=False)
    client, csrf = signed_in(world, "cy")
    page = html(client.get(f"/proposals/{budget}"))
    assert "Tick every project you support" in page
    assert 'data-cost="600"' in page
    assert 'Benches <span class="cost">— 600</span>' in page
    assert "A &lt;b&gt;sign&lt;/b&gt;" in page
    assert 'id="budget-meter"' in page
    assert "/static/js/budget-meter.js" in page
    assert "The budget is 1,000." in page
    czech = html(client.get(f"/proposals/{budget}?lang=cs"))
    assert "1\xa0000" in czech
    cast = html(
        client.post(
            f"/proposals/{budget}/vote",
            data={"csrf_token": csrf, "approve": ["bench", "trees"], "confirm": "yes"},
        )
    )
    assert 'id="receipt-code"' in cast  # budgets are secret ballots by default


def test_budget_result_explains_each_step_of_equal_shares(world: World) -> None:
    budget = _budget(world, decided=True)
    page = html(world.client().get(f"/proposals/{budget}"))
    assert "How the budget was shared out" in page
    assert 'id="budget-rounds"' in page
    # The project is the row's key (it stays in view on a phone); the step follows.
    steps = re.findall(r'<tr><th scope="row" class="text">([^<]*)</th><td>(\d+)</td>', page)
    assert steps, page
    # Every step names the project, its cost, what each supporter paid and the money left.
    words = re.search(r'<ol class="steps" id="budget-steps">(.*?)</ol>', page, re.S)
    assert words is not None
    assert (
        "Benches was funded: it costs 600; its supporters (2) shared the cost, each paying "
        "at most 300. 300 of the budget was left." in words.group(1)
    )
    assert "each paying at most" in words.group(1)
    assert "Lamps" not in words.group(1)
    assert "Not funded: Lamps (300)." in page
    assert "Funded: A &lt;b&gt;sign&lt;/b&gt;, Benches, Trees" in page
    assert 'id="council-chart"' in page
    assert 'id="council-chart-data"' in page
    assert "/static/js/council-charts.js" in page
    data = re.search(r'id="council-chart-data">(.*?)</script>', page, re.S)
    assert data is not None
    import json

    chart = json.loads(data.group(1))
    assert chart["kind"] == "budget"
    assert chart["labels"][3] == "A <b>sign</b>"
    assert "<b>" not in data.group(1)  # escaped for the script block
    assert chart["budget"] == 1000


def _counted_budget(
    world: World, projects: list[dict[str, str]], votes: dict[str, list[str]]
) -> int:
    """A budget of 1,000 over ``projects``, voted as ``votes`` says and counted."""
    ids = world.ids
    with world.app.state.api.uow() as uow:
        budget = ps.open_proposal(
            uow,
            council="bakery-north",
            kind=ProposalKind.BUDGET,
            title="The hall's budget",
            text="Share out 1000.",
            by=ids["bo"],
            now=_ago(120),
            details={"budget": "1000"},
            projects=projects,
        )
        ps.open_voting(uow, proposal_id=budget.id, by=ids["ana"], now=_ago(60))
        for voter, approve in votes.items():
            choice = {"approve": approve}
            ps.cast_vote(uow, proposal_id=budget.id, by=ids[voter], choice=choice, now=_ago(59))
        ps.close_vote(uow, proposal_id=budget.id, by=ids["ana"], now=_ago(58))
        uow.commit()
    return budget.id


def _paragraph(page: str, id_: str) -> str:
    found = re.search(rf'<p[^>]* id="{id_}">(.*?)</p>', page, re.S)
    assert found is not None, id_
    return unescape(found.group(1))


def test_budget_result_says_why_money_was_left_and_the_most_supported_project_lost(
    world: World,
) -> None:
    # Everyone supports the hall (300) and the roof (900); Cy the bench (301) too. Hall and
    # roof tie (3 supporters each): the cheaper hall goes first, each paying 100. Shares of
    # 1000/3 leave 700 for the roof (900); the add1 completion raises them by 66 units, to
    # 1198/3 = 399.33 (one unit more would buy the roof too: 1,200, over the budget), so the
    # roof's supporters keep 3 x 299.33 = 898, and Cy alone 299.33 for the bench (301).
    budget = _counted_budget(
        world,
        [
            {"key": "hall", "label": "The hall", "cost": "300"},
            {"key": "roof", "label": "A new roof", "cost": "900"},
            {"key": "bench", "label": "A bench", "cost": "301"},
        ],
        {"ana": ["hall", "roof"], "bo": ["hall", "roof"], "cy": ["hall", "roof", "bench"]},
    )
    page = html(world.client().get(f"/proposals/{budget}"))
    assert _paragraph(page, "budget-completion") == (
        "The count used the add1 completion: it raised each voter's share from 333.33 to "
        "399.33, one unit at a time, and kept the last result whose projects still fitted the "
        "budget. What supporters had left is counted in these raised shares."
    )
    assert _paragraph(page, "budget-unspent") == (
        "700 of 1,000 was left unspent: no project not yet funded could be paid for by what "
        "its supporters had left of their shares. Of those that would fit in it, the nearest "
        "was A bench (301): its 1 supporter had 299.33 left."
    )
    assert _paragraph(page, "budget-most-supported-1") == (
        "A new roof (900) had the most supporters (3) but was not funded: their shares came "
        "to 1,198 together, and 300 of them went on other projects they also supported (300 "
        "on The hall), leaving 898, less than its cost."
    )
    assert 'id="budget-most-supported-2"' not in page  # the hall, as supported, was funded
    czech = html(world.client().get(f"/proposals/{budget}", headers=CZECH))
    assert "z 333,33 na 399,33" in _paragraph(czech, "budget-completion")
    assert _paragraph(czech, "budget-unspent") == (
        "Z rozpočtu 1\xa0000 zůstalo 700 neutraceno: žádný dosud nefinancovaný projekt "
        "nemohli zaplatit jeho podporovatelé z toho, co jim zbylo z jejich podílů. Z projektů, "
        "které by se do této částky vešly, byl zaplacení nejblíže projekt A bench (301): "
        "jeho 1 podporovateli zbylo 299,33."
    )
    assert _paragraph(czech, "budget-most-supported-1") == (
        "Projekt A new roof (900) měl nejvíce podporovatelů (3), ale financován nebyl: jejich "
        "podíly dohromady činily 1\xa0198 a 300 z nich šlo na jiné projekty, které také "
        "podporovali (300 na The hall), takže jim zbylo 898, méně, než projekt stojí."
    )


def test_budget_result_says_when_nothing_left_would_have_fitted(world: World) -> None:
    budget = _budget(world, decided=True)
    page = html(world.client().get(f"/proposals/{budget}"))
    # Benches, Trees and the sign cost 950: the 50 left would not pay for the lamps (300).
    assert _paragraph(page, "budget-unspent") == (
        "50 of 1,000 was left unspent: every project not funded costs more than that."
    )
    assert "budget-most-supported" not in page  # the benches and the sign were funded
    czech = html(world.client().get(f"/proposals/{budget}", headers=CZECH))
    assert _paragraph(czech, "budget-unspent") == (
        "Z rozpočtu 1\xa0000 zůstalo 50 neutraceno: každý nefinancovaný projekt stojí víc."
    )


def test_budget_with_nothing_funded_says_why_the_most_supported_project_lost(
    world: World,
) -> None:
    budget = _counted_budget(
        world,
        [{"key": "tower", "label": "A tower", "cost": "2000"}],
        {"ana": ["tower"], "bo": ["tower"], "cy": []},
    )
    page = html(world.client().get(f"/proposals/{budget}"))
    assert "No project was funded." in page
    assert _paragraph(page, "budget-most-supported-1").startswith(
        "A tower (2,000) had the most supporters (2) but was not funded: even before anything "
        "was bought, their shares came to only "
    )


def test_stv_result_names_the_quota_each_stage_and_the_elected_once(world: World) -> None:
    # Two seats, three ballots: the quota is 3 // 3 + 1 = 2. Bo has two first preferences and
    # is elected at stage 1; Ana, with none, is excluded at stage 2, which leaves Cy as the
    # only candidate for the last seat: elected with 1 vote, below the quota (rule 52).
    ids = world.ids
    with world.app.state.api.uow() as uow:
        election = ps.open_proposal(
            uow,
            council="bakery-north",
            kind=ProposalKind.APPOINTMENT,
            title="Elect two managers",
            text="Two seats.",
            by=ids["ana"],
            now=_ago(150),
            details={"post": "manager"},
            candidates=[ids["ana"], ids["bo"], ids["cy"]],
            seats=2,
        )
        ps.open_voting(uow, proposal_id=election.id, by=ids["ana"], now=_ago(100))
        key = {o.person_id: o.key for o in election.options}
        for voter, ranking in (("ana", ["bo", "cy"]), ("bo", ["bo", "ana"]), ("cy", ["cy", "bo"])):
            ps.cast_vote(
                uow,
                proposal_id=election.id,
                by=ids[voter],
                choice={"ranking": [key[ids[name]] for name in ranking]},
                now=_ago(99),
            )
        ps.close_vote(uow, proposal_id=election.id, by=ids["ana"], now=_ago(98))
        uow.commit()
    page = html(world.client().get(f"/proposals/{election.id}"))
    assert _paragraph(page, "stv-elected") == "Elected, in order of election: Bo, Cy."
    assert _paragraph(page, "stv-quota") == (
        "The quota is 2: the valid ballots (3) divided by the seats plus one (2 + 1), rounded "
        "down, plus one. A candidate who reaches it is elected."
    )
    table = re.search(r'<table class="numbers" id="stv-result">(.*?)</table>', page, re.S)
    assert table is not None
    assert "The result (quota 2)" in table.group(1)
    rows = re.findall(
        r'<tr[^>]*><th scope="row" class="text">([^<]*)</th><td class="text">([^<]*)</td>'
        r"<td>([^<]*)</td><td>([^<]*)</td></tr>",
        table.group(1),
    )
    assert rows == [
        ("Bo", "Elected", "1", "2"),
        (
            "Cy",
            "Elected without reaching the quota: no more candidates were left than seats to fill",
            "2",
            "1",
        ),
        ("Ana", "Excluded, with the fewest votes", "2", "0"),
    ]
    # The stages say who was elected at each; the first preferences are called that.
    stages = re.search(r'<table class="numbers" id="stv-rounds">(.*?)</table>', page, re.S)
    assert stages is not None
    assert "first preferences; elected: Bo" in stages.group(1)
    assert "exclusion: Ana; elected: Cy" in stages.group(1)
    assert re.search(r'id="tally-caption">First preferences — 3 ballots<', page)
    assert "Final count" not in page
    czech = html(world.client().get(f"/proposals/{election.id}", headers=CZECH))
    assert _paragraph(czech, "stv-elected") == "Zvoleni v pořadí zvolení: Bo, Cy."
    assert "Výsledek (kvóta 2)" in czech
    assert "Vyřazen(a) s nejmenším počtem hlasů" in czech
    assert re.search(r'id="tally-caption">První preference — 3 hlasovací lístky<', czech)


def test_stv_result_has_a_chart_of_each_stage(world: World) -> None:
    page = html(world.client().get(f"/proposals/{world.ids['election']}"))
    data = re.search(r'id="council-chart-data">(.*?)</script>', page, re.S)
    assert data is not None
    import json

    chart = json.loads(data.group(1))
    assert chart["kind"] == "stv"
    assert [s["label"] for s in chart["series"]] == ["Bo", "Cy"]
    assert chart["labels"][0] == "Stage 1"
    assert chart["series"][0]["data"][0] == 2
    assert 'role="img"' in page


def test_ranked_ballot_is_typed_and_its_errors_name_the_candidates(world: World) -> None:
    ids = world.ids
    with world.app.state.api.uow() as uow:
        vote = ps.open_proposal(
            uow,
            council="bakery-north",
            kind=ProposalKind.APPOINTMENT,
            title="Elect a manager again",
            text="One seat.",
            by=ids["ana"],
            now=_ago(60),
            details={"post": "manager"},
            candidates=[ids["bo"], ids["cy"]],
        )
        ps.open_voting(uow, proposal_id=vote.id, by=ids["ana"], now=_ago(1))
        uow.commit()
    client, csrf = signed_in(world, "bo")
    page = html(client.get(f"/proposals/{vote.id}"))
    keys = re.findall(r'name="rank-([^"]+)"', page)
    for key in keys:
        assert f'<label for="rank-{key}">' in page
    assert 'inputmode="numeric"' in page
    assert 'type="number"' not in page
    assert 'aria-describedby="rank-hint"' in page
    assert "/static/js/ranked-ballot.js" in page
    same = html(
        client.post(
            f"/proposals/{vote.id}/vote",
            data={"csrf_token": csrf, f"rank-{keys[0]}": "1", f"rank-{keys[1]}": "1"},
        ),
        422,
    )
    assert "Bo, Cy all have rank 1: give each candidate a different rank." in same
    assert same.count('aria-invalid="true"') == 2
    wrong = html(
        client.post(
            f"/proposals/{vote.id}/vote", data={"csrf_token": csrf, f"rank-{keys[1]}": "x"}
        ),
        422,
    )
    assert "The rank of Cy, “x”, is not a whole number from 1 to 2." in wrong
    none = html(client.post(f"/proposals/{vote.id}/vote", data={"csrf_token": csrf}), 422)
    assert "Rank at least one candidate" in none


# Actions


def test_member_opens_a_motion_through_the_form(world: World) -> None:
    client, csrf = signed_in(world, "cy")
    council = html(client.get("/councils/bakery-north"))
    assert 'id="propose-link"' in council
    kinds = html(client.get("/councils/bakery-north/propose"))
    assert "?kind=budget" in kinds
    assert "?kind=motion" in kinds
    form = html(client.get("/councils/bakery-north/propose?kind=motion"))
    assert 'name="title"' in form
    missing = html(
        client.post(
            "/councils/bakery-north/propose",
            data={"csrf_token": csrf, "kind": "motion", "title": "", "text": ""},
        ),
        400,
    )
    assert 'id="title-error"' in missing
    assert 'id="text-error"' in missing
    done = client.post(
        "/councils/bakery-north/propose",
        data={"csrf_token": csrf, "kind": "motion", "title": "Fresh rye", "text": "Bake rye."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert re.fullmatch(r"/proposals/\d+", done.headers["location"])
    page = html(client.get(done.headers["location"]))
    assert "Fresh rye" in page
    assert "in discussion" in page
    refused = client.post(
        "/councils/bakery-north/propose",
        data={"kind": "motion", "title": "x", "text": "y"},
        headers={"accept": "text/html"},
    )
    assert refused.status_code == 403


def test_outsider_may_not_propose_and_signed_out_is_sent_to_sign_in(world: World) -> None:
    response = world.client().get(
        "/councils/bakery-north/propose?kind=motion", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=/councils/bakery-north/propose")
    client, csrf = signed_in(world, "dan")
    page = html(client.get("/councils/bakery-north/propose"), 403)
    assert 'id="not-allowed"' in page
    refused = html(
        client.post(
            "/councils/bakery-north/propose",
            data={"csrf_token": csrf, "kind": "motion", "title": "x", "text": "y"},
        ),
        403,
    )
    assert "only these may propose" in refused


def test_budget_is_opened_with_its_projects(world: World) -> None:
    client, csrf = signed_in(world, "bo")
    form = html(client.get("/councils/bakery-north/propose?kind=budget"))
    assert 'name="project-8-name"' in form
    assert 'name="project-9-name"' not in form
    data = {
        "csrf_token": csrf,
        "kind": "budget",
        "title": "Garden",
        "text": "Share 500.",
        "budget": "500",
        "rows": "8",
        "project-1-name": "Roses",
        "project-1-cost": "200",
        "project-2-name": "Pond",
        "project-2-cost": "",
    }
    more = html(client.post("/councils/bakery-north/propose", data={**data, "more": "1"}))
    assert 'name="project-12-name"' in more
    assert 'value="Roses"' in more
    missing = html(client.post("/councils/bakery-north/propose", data=data), 400)
    assert 'id="project-2-cost-error"' in missing
    done = client.post(
        "/councils/bakery-north/propose",
        data={**data, "project-2-cost": "350,50"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:3000]
    page = html(client.get(done.headers["location"]))
    assert "Roses (200)" in page
    assert "Pond (350.5)" in page


def test_appointment_is_opened_with_member_candidates(world: World) -> None:
    client, csrf = signed_in(world, "ana")
    form = html(client.get("/councils/bakery-north/propose?kind=appointment"))
    assert f'id="candidate-{world.ids["bo"]}"' in form
    none = html(
        client.post(
            "/councils/bakery-north/propose",
            data={
                "csrf_token": csrf,
                "kind": "appointment",
                "title": "Elect",
                "text": "Go.",
                "post": "manager",
            },
        ),
        400,
    )
    assert 'id="candidate-error"' in none
    done = client.post(
        "/councils/bakery-north/propose",
        data={
            "csrf_token": csrf,
            "kind": "appointment",
            "title": "Elect two",
            "text": "Go.",
            "post": "manager",
            "candidate": [str(world.ids["bo"]), str(world.ids["cy"])],
            "draft": "1",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = html(client.get(done.headers["location"]))
    assert "Candidates" in page
    assert "draft" in page
    assert "Open the discussion" in page
    proposal_id = int(done.headers["location"].rsplit("/", 1)[1])
    opened = client.post(
        f"/proposals/{proposal_id}/stage",
        data={"csrf_token": csrf, "step": "discussion"},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert "in discussion" in html(client.get(f"/proposals/{proposal_id}"))


def test_author_revises_the_text_and_others_cannot(world: World) -> None:
    talk = world.ids["talk"]
    client, csrf = signed_in(world, "cy")
    page = html(client.get(f"/proposals/{talk}"))
    assert "Revise the text" in page
    done = client.post(
        f"/proposals/{talk}/revise",
        data={"csrf_token": csrf, "text": "Twenty-five minutes."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = html(client.get(f"/proposals/{talk}"))
    assert "Twenty-five minutes." in after
    assert "Every version of the text (2)" in after
    other, other_csrf = signed_in(world, "bo")
    assert "Revise the text" not in html(other.get(f"/proposals/{talk}"))
    refused = html(
        other.post(f"/proposals/{talk}/revise", data={"csrf_token": other_csrf, "text": "No."}),
        403,
    )
    assert 'id="revise-error"' in refused
    assert "only the proposal&#39;s author" in refused


def test_author_edits_their_post_and_nobody_else_can(world: World) -> None:
    talk, post = world.ids["talk"], world.ids["first_post"]
    client, csrf = signed_in(world, "bo")
    page = html(client.get(f"/proposals/{talk}"))
    assert f'id="edit-{post}"' in page
    done = client.post(
        f"/proposals/{talk}/posts/{post}/edit",
        data={"csrf_token": csrf, "text": "Plain words now."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].endswith(f"#post-{post}")
    after = html(client.get(f"/proposals/{talk}"))
    assert "Plain words now." in after
    assert "Every version of this post (3)" in after
    other, other_csrf = signed_in(world, "cy")
    assert f'id="edit-{post}"' not in html(other.get(f"/proposals/{talk}"))
    refused = html(
        other.post(
            f"/proposals/{talk}/posts/{post}/edit", data={"csrf_token": other_csrf, "text": "x"}
        ),
        403,
    )
    assert f'id="edit-{post}-error"' in refused
    missing = other.post(
        f"/proposals/{talk}/posts/999/edit",
        data={"csrf_token": other_csrf, "text": "x"},
        headers={"accept": "text/html"},
    )
    assert missing.status_code == 404


def test_convenor_opens_and_closes_votes_when_the_domain_allows(world: World) -> None:
    """The buttons say when they can be used; one not yet possible is disabled with the
    reason, and a refusal says the same in words and times for people, never a timestamp."""
    ids = world.ids
    with world.app.state.api.uow() as uow:
        early = ps.open_proposal(
            uow,
            council="bakery-north",
            kind=ProposalKind.MOTION,
            title="Too early",
            text="Wait.",
            by=ids["bo"],
            now=_ago(1),
        )
        uow.commit()
    convenor, csrf = signed_in(world, "ana")
    page = html(convenor.get(f"/proposals/{world.ids['talk']}"))
    assert "Open the vote" in page
    waiting = html(convenor.get(f"/proposals/{early.id}"))
    button = re.search(r'<form[^>]*id="action-voting".*?</form>', waiting, re.S)
    assert button is not None
    assert " disabled>" in button.group(0)
    assert "Voting opens at" in button.group(0)
    assert "at the earliest" in button.group(0)
    too_soon = html(
        convenor.post(f"/proposals/{early.id}/stage", data={"csrf_token": csrf, "step": "voting"}),
        409,
    )
    assert 'id="stage-error"' in too_soon
    assert "at the earliest: the discussion lasts at least 24 hours" in too_soon
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", too_soon.split('id="stage-error"')[1][:300])
    member, member_csrf = signed_in(world, "bo")
    assert "Open the vote" not in html(member.get(f"/proposals/{world.ids['talk']}"))
    refused = html(
        member.post(
            f"/proposals/{world.ids['talk']}/stage",
            data={"csrf_token": member_csrf, "step": "voting"},
        ),
        403,
    )
    assert 'id="stage-error"' in refused
    # The oven's vote is open until 70 hours from now: nobody may close it before everyone
    # entitled has voted (Proposal.check_may_close), and the button says so beforehand.
    oven = ids["oven"]
    for client in (member, convenor):
        shown = html(client.get(f"/proposals/{oven}"))
        form = re.search(r'<form[^>]*id="action-close".*?</form>', shown, re.S)
        assert form is not None
        assert " disabled>" in form.group(0)
        assert "or as soon as every member entitled has voted" in form.group(0)
    not_all = html(
        convenor.post(
            f"/proposals/{oven}/stage", data={"csrf_token": csrf, "step": "close", "confirm": "y"}
        ),
        409,
    )
    assert "The vote closes at" in not_all
    assert "voting is open until" not in not_all
    for voter in ("ana", "bo"):
        with world.app.state.api.uow() as uow:
            ps.cast_vote(uow, proposal_id=oven, by=ids[voter], choice={"position": "yes"}, now=NOW)
            uow.commit()
    ready = html(convenor.get(f"/proposals/{oven}"))
    assert 'id="confirm-close"' in ready
    assert "required" in ready
    unconfirmed = html(
        convenor.post(f"/proposals/{oven}/stage", data={"csrf_token": csrf, "step": "close"}),
        400,
    )
    assert "Tick the box to confirm" in unconfirmed
    closed = convenor.post(
        f"/proposals/{oven}/stage",
        data={"csrf_token": csrf, "step": "close", "confirm": "yes"},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert closed.headers["location"].endswith("#decision")
    assert "Final count" in html(convenor.get(f"/proposals/{oven}"))


def test_member_closes_a_vote_whose_period_is_over(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'rada.db'}")
    later = NOW + timedelta(hours=100)
    app = create_app(settings, clock=lambda: later)
    with TestClient(app):
        with app.state.api.uow() as uow:
            ids, receipt = seed(uow)
            uow.commit()
        world = World(app, ids, receipt)
        member, csrf = signed_in(world, "bo")
        oven = ids["oven"]
        assert "Close the vote and count" in html(member.get(f"/proposals/{oven}"))
        done = member.post(
            f"/proposals/{oven}/stage",
            data={"csrf_token": csrf, "step": "close", "confirm": "yes"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert "rejected" in html(member.get(f"/proposals/{oven}"))


def test_member_invites_and_sees_the_code_once(world: World) -> None:
    client, csrf = signed_in(world, "bo")
    page = html(client.get("/councils/bakery-north"))
    assert 'id="invite-email"' in page
    empty = html(client.post("/councils/bakery-north/invite", data={"csrf_token": csrf}), 400)
    assert 'id="invite-error"' in empty
    bad = html(
        client.post(
            "/councils/bakery-north/invite", data={"csrf_token": csrf, "email": "not an address"}
        ),
        400,
    )
    assert 'id="invite-error"' in bad
    made = client.post(
        "/councils/bakery-north/invite", data={"csrf_token": csrf, "email": "eva@bakery.example"}
    )
    page = html(made)
    assert made.headers["cache-control"] == "no-store"
    code = re.search(r'id="invitation-code">([^<]+)<', page)
    assert code is not None
    assert f"/join?code={code.group(1)}" in page  # the link the mail carries too
    assert code.group(1) not in html(client.get("/councils/bakery-north"))
    joined = post_form(
        world.client(),
        "/sign-up",
        data={
            "name": "Eva",
            "email": "eva@bakery.example",
            "password": PASSWORD,
            "invitation": code.group(1),
        },
        follow_redirects=False,
    )
    assert joined.status_code == 303
    outsider, outsider_csrf = signed_in(world, "dan")
    assert 'id="invite-email"' not in html(outsider.get("/councils/bakery-north"))
    refused = html(
        outsider.post(
            "/councils/bakery-north/invite",
            data={"csrf_token": outsider_csrf, "email": "x@bakery.example"},
        ),
        403,
    )
    assert 'id="invite-error"' in refused


def test_replies_are_indented_and_every_page_knows_the_viewer(world: World) -> None:
    page = html(world.client().get(f"/proposals/{world.ids['talk']}"))
    assert 'class="post depth-0"' in page
    assert 'class="post depth-1"' in page
    css = world.client().get("/static/css/rada.css").text
    assert ".thread .depth-1" in css
    client, _csrf = signed_in(world, "bo")
    record = html(client.get("/record"))
    assert "Sign out" in record
    assert f'<a href="/people/{world.ids["bo"]}">Bo</a>' in record  # to their own profile
    assert "Sign out" not in html(world.client().get("/record"))


def test_signed_out_forms_need_their_token_and_this_sites_origin(world: World) -> None:
    """Login CSRF: another site must not sign a visitor in to an account of its choosing."""
    data = {"email": "ana@bakery.example", "password": PASSWORD}
    client = world.client()
    no_token = client.post("/sign-in", data=data, headers={"accept": "text/html"})
    assert no_token.status_code == 403
    token = form_token(client, "/sign-in")
    foreign = client.post(
        "/sign-in",
        data={**data, "csrf_token": token},
        headers={"origin": "https://evil.example", "accept": "text/html"},
    )
    assert foreign.status_code == 403
    referred = client.post(
        "/sign-up",
        data={"name": "Mal", "email": "m@x.example", "password": PASSWORD, "csrf_token": token},
        headers={"referer": "https://evil.example/page"},
    )
    assert referred.status_code == 403
    other_browser = world.client()  # a token from someone else's page is not this browser's
    stolen = other_browser.post("/sign-in", data={**data, "csrf_token": token})
    assert stolen.status_code == 403
    ok = client.post(
        "/sign-in",
        data={**data, "csrf_token": token},
        headers={"origin": "http://testserver"},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_a_member_changes_their_password_and_their_other_sessions_end(world: World) -> None:
    here, csrf = signed_in(world, "cy")
    elsewhere, _ = signed_in(world, "cy")
    form = html(here.get("/me/password"))
    assert 'autocomplete="new-password"' in form
    wrong = here.post(
        "/me/password", data={"current": "not the one", "new": "a new long one", "csrf_token": csrf}
    )
    assert wrong.status_code == 403
    assert 'id="current-error"' in wrong.text
    done = html(
        here.post(
            "/me/password",
            data={"current": PASSWORD, "new": "a new long one", "csrf_token": csrf},
        )
    )
    assert "Your password is changed" in done
    assert here.get("/me/councils", follow_redirects=False).status_code == 200
    assert elsewhere.get("/me/councils", follow_redirects=False).status_code == 303
    signed_out = world.client()
    assert signed_out.get("/me/password", follow_redirects=False).status_code == 303


def test_only_a_signed_out_form_sets_the_form_cookie(world: World) -> None:
    """A reader who never signs in gets no cookie: only the sign-in and sign-up pages set one."""
    reader = world.client()
    for path in ("/", "/councils", "/record"):
        assert "rada_form" not in reader.get(path).headers.get("set-cookie", ""), path
    assert "rada_form" in reader.get("/sign-in").headers.get("set-cookie", "")


def test_a_federation_invites_from_its_page_and_the_council_decides(world: World) -> None:
    """Federations by consent, in the pages: Dan founds a federation and invites the bakery
    from its page; the invitation is a proposal in the bakery that says what joining means;
    once joined, a member may put leaving to the bakery from the proposal form."""
    with world.app.state.api.uow() as uow:
        cs.create_council(
            uow, name="Food Federation", slug="food", kind=CouncilKind.FEDERATION,
            founder_id=world.ids["dan"], now=_ago(10),
        )  # fmt: skip
        uow.commit()
    # Only the federation's convenor sees the form; nobody else may invite.
    bo, bo_csrf = signed_in(world, "bo")
    assert 'id="affiliate-form"' not in html(bo.get("/councils/food"))
    refused = bo.post(
        "/councils/food/affiliate", data={"csrf_token": bo_csrf, "member": "bakery-north"}
    )
    assert 'id="affiliate-error"' in html(refused, 403)
    dan, csrf = signed_in(world, "dan")
    page = html(dan.get("/councils/food"))
    assert 'id="affiliate-form"' in page
    assert 'value="bakery-north"' in page
    wrong = dan.post(
        "/councils/food/affiliate",
        data={"csrf_token": csrf, "member": "bakery-north", "delegates": "1000"},
    )
    assert 'id="affiliate-delegates-error"' in html(wrong, 400)
    done = dan.post(
        "/councils/food/affiliate",
        data={"csrf_token": csrf, "member": "bakery-north", "delegates": "2"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    invitation = html(bo.get(done.headers["location"]))
    assert "Join Food Federation" in invitation
    assert "joining a federation" in invitation
    # Three members, two seats: each delegate's vote would weigh 2.
    assert "2: the 3 members this council represents today" in invitation
    assert "Bakery North joins Food Federation" in invitation
    czech = html(bo.get(done.headers["location"] + "?lang=cs"))
    assert "vstup do federace" in czech
    # The bakery has not decided, so it belongs to nothing, and leaving is not offered.
    kinds = html(bo.get("/councils/bakery-north/propose"))
    assert "?kind=affiliation" not in kinds
    assert "?kind=disaffiliation" not in kinds
    proposal_id = int(done.headers["location"].rsplit("/", 1)[1])
    with world.app.state.api.uow() as uow:
        later = NOW + timedelta(days=1)
        ps.open_voting(uow, proposal_id=proposal_id, by=world.ids["ana"], now=later)
        for name in ("ana", "bo", "cy"):
            ps.cast_vote(
                uow, proposal_id=proposal_id, by=world.ids[name],
                choice={"position": "yes"}, now=later,
            )  # fmt: skip
        ps.close_vote(uow, proposal_id=proposal_id, by=world.ids["ana"], now=later)
        uow.commit()
    assert "Bakery North" in html(dan.get("/councils/food"))
    assert 'value="bakery-north"' not in html(dan.get("/councils/food"))
    form = html(bo.get("/councils/bakery-north/propose?kind=disaffiliation"))
    assert 'name="federation"' in form
    food = re.search(r'<option value="(\d+)"[^>]*>Food Federation</option>', form)
    assert food is not None
    left = bo.post(
        "/councils/bakery-north/propose",
        data={
            "csrf_token": bo_csrf, "kind": "disaffiliation", "title": "Leave Food",
            "text": "We decide alone.", "federation": food.group(1),
        },
        follow_redirects=False,
    )  # fmt: skip
    assert left.status_code == 303
    assert "vystoupí z Food Federation" in html(
        bo.get(left.headers["location"])
    )  # Czech, as chosen


# What is being decided must be visible; act knowing what will happen (issue 15) -------------


def _decide(world: World, proposal_id: int, position: str = "yes") -> None:
    """Everyone entitled votes ``position`` and the convenor closes the vote."""
    with world.app.state.api.uow() as uow:
        for voter in ps.electorate(uow, ps.get_proposal(uow, proposal_id).council_id).weights:
            ps.cast_vote(
                uow, proposal_id=proposal_id, by=voter, choice={"position": position}, now=NOW
            )
        ps.close_vote(uow, proposal_id=proposal_id, by=world.ids["ana"], now=NOW)
        uow.commit()


def test_a_recall_names_who_from_which_office_and_warns_once_they_no_longer_hold_it(
    world: World,
) -> None:
    ids = world.ids
    with world.app.state.api.uow() as uow:
        manager = next(o.person_id for o in uow.offices.for_council(1))
        name = uow.people.get(manager).name  # type: ignore[union-attr]
        recalls = []
        for title in ("Recall the manager", "Recall the manager again"):
            recall = ps.open_proposal(
                uow,
                council="bakery-north",
                kind=ProposalKind.RECALL,
                title=title,
                text="The oven was never ordered.",
                by=ids["bo"],
                now=_ago(120),
                details={"post": "manager", "person": manager},
            )
            ps.open_voting(uow, proposal_id=recall.id, by=ids["ana"], now=_ago(60))
            recalls.append(recall.id)
        uow.commit()
    page = html(world.client().get(f"/proposals/{recalls[1]}"))
    assert f"<dt>Who is recalled</dt><dd>{name}</dd>" in page
    assert "<dt>From which office</dt><dd>Manager of Bakery North</dd>" in page
    assert "no longer holds this office" not in page
    _decide(world, recalls[0])
    page = html(world.client().get(f"/proposals/{recalls[1]}"))
    assert f"{name} no longer holds this office" in page
    czech = html(world.client().get(f"/proposals/{recalls[1]}?lang=cs"))
    assert "už tuto funkci nezastává" in czech
    api = world.client().get(f"/api/v1/proposals/{recalls[1]}").json()
    assert {"heading": "Who is recalled", "text": name, "href": None} in api["substance"]
    assert api["substance_warnings"]
    assert name in api["substance_warnings"][0]
    assert api["details"]["person"] == manager  # the existing fields stay


def test_an_investment_names_its_product_by_the_tables_label_never_its_code(
    world: World,
) -> None:
    client, csrf = signed_in(world, "ana")
    form = html(client.get("/councils/bakery-north/propose?kind=investment"))
    assert '<datalist id="products">' in form
    opened = client.post(
        "/councils/bakery-north/propose",
        data={
            "csrf_token": csrf,
            "kind": "investment",
            "title": "A second oven",
            "text": "Why:\n\n- bread runs out by noon\n- the old oven is *tired*",
            "cost": "12 500,5",
            "product": "products of agriculture, hunting and related services",
            "capacity": "0.2",
            "from_year": "2",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text[:3000]
    page = html(client.get(opened.headers["location"]))
    assert "<dt>Product</dt><dd>Products of agriculture, hunting and related services</dd>" in page
    assert "<dt>Cost</dt><dd>12,500.5</dd>" in page
    assert "<dt>When the capacity arrives</dt><dd>From year 2 of the plan</dd>" in page
    # The text keeps its list; the record keeps the source as written.
    assert "<li>the old oven is <em>tired</em></li>" in page
    proposal_id = int(opened.headers["location"].rsplit("/", 1)[1])
    api = client.get(f"/api/v1/proposals/{proposal_id}").json()
    assert api["text"].endswith("- the old oven is *tired*")
    assert api["details"]["product"] == "01"
    assert {
        "heading": "Product",
        "text": "Products of agriculture, hunting and related services",
        "href": None,
    } in api["substance"]


def test_a_target_review_for_an_unknown_product_is_refused_naming_the_known_ones(
    world: World,
) -> None:
    client, csrf = signed_in(world, "ana")
    refused = html(
        client.post(
            "/councils/bakery-north/propose",
            data={
                "csrf_token": csrf,
                "kind": "target-review",
                "title": "More unicorns",
                "text": "We can.",
                "product": "unicorns",
                "target": "3",
            },
        ),
        400,
    )
    message = re.search(r'<p[^>]*id="product-error" role="alert">([^<]*)</p>', refused)
    assert message is not None
    assert "There is no product “unicorns”" in unescape(message.group(1))
    assert "127 products" in message.group(1)
    assert "manufacturing" in message.group(1)
    assert 'aria-invalid="true"' in refused
    assert "/static/js/focus-alert.js" in refused


def test_an_empty_ballot_is_cast_only_as_an_explicit_abstention_and_confirmed(
    world: World,
) -> None:
    budget = _budget(world, decided=False)
    client, csrf = signed_in(world, "cy")
    page = html(client.get(f"/proposals/{budget}"))
    assert 'id="abstain"' in page
    assert 'id="confirm-ballot"' in page
    empty = html(client.post(f"/proposals/{budget}/vote", data={"csrf_token": csrf}), 422)
    assert "tick “I abstain” to cast an empty ballot" in unescape(empty)
    assert 'id="vote-error" role="alert"' in empty
    unconfirmed = html(
        client.post(f"/proposals/{budget}/vote", data={"csrf_token": csrf, "abstain": "yes"}),
        422,
    )
    assert "a secret ballot is changed only with the receipt code" in unconfirmed
    cast = html(
        client.post(
            f"/proposals/{budget}/vote",
            data={"csrf_token": csrf, "abstain": "yes", "confirm": "yes"},
        )
    )
    assert 'id="receipt-code"' in cast


def test_a_vote_is_changed_from_the_page_until_the_close(tmp_path: Path) -> None:
    """An open vote is changed by voting again (the form shows the last choice); a secret
    ballot is replaced by giving its receipt code, and the new receipt replaces the old."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'rada.db'}")
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app), app.state.api.uow() as uow:
        ids, _receipt = seed(uow)
        secret = ps.open_proposal(
            uow, council="bakery-north", kind=ProposalKind.APPOINTMENT, title="A treasurer",
            text="One seat.", by=ids["ana"], now=_ago(60), details={"post": "manager"},
            candidates=[ids["bo"], ids["cy"]],
        )  # fmt: skip
        ps.open_voting(uow, proposal_id=secret.id, by=ids["ana"], now=_ago(1))
        uow.commit()
    world = World(app, ids, "")
    client, csrf = signed_in(world, "bo")
    oven = f"/proposals/{ids['oven']}"
    client.post(f"{oven}/vote", data={"csrf_token": csrf, "position": "yes"})
    page = html(client.get(oven))
    assert 'id="change-vote"' in page
    assert re.search(r'id="position-yes" name="position" value="yes" checked', page)
    assert "Change my vote" in page
    client.post(f"{oven}/vote", data={"csrf_token": csrf, "position": "no"})
    assert "You voted: No" in html(client.get(oven))
    # The secret ballot: cast, then replaced only with its receipt code.
    ballot = f"/proposals/{secret.id}"
    first = html(
        client.post(
            f"{ballot}/vote",
            data={"csrf_token": csrf, f"rank-p{ids['bo']}": "1", "confirm": "yes"},
        )
    )
    code = re.search(r'id="receipt-code">([^<]+)<', first)
    assert code is not None
    page = html(client.get(ballot))
    assert 'name="replace_receipt"' in page
    change = {"csrf_token": csrf, f"rank-p{ids['cy']}": "1", "confirm": "yes"}
    wrong = client.post(f"{ballot}/vote", data={**change, "replace_receipt": "not-my-code"})
    assert wrong.status_code == 422
    replaced = html(
        client.post(
            f"{ballot}/vote",
            data={
                "csrf_token": csrf,
                f"rank-p{ids['cy']}": "1",
                "confirm": "yes",
                "replace_receipt": code.group(1),
            },
        )
    )
    new = re.search(r'id="receipt-code">([^<]+)<', replaced)
    assert new is not None
    assert new.group(1) != code.group(1)
    with app.state.api.uow() as uow:
        assert len(uow.ballots.for_proposal(secret.id)) == 1  # the old one is replaced


def test_every_error_of_the_propose_form_is_shown_at_once_with_the_right_numbers(
    world: World,
) -> None:
    client, csrf = signed_in(world, "cy")
    page = html(
        client.post(
            "/councils/bakery-north/propose",
            data={"csrf_token": csrf, "kind": "investment", "title": "x" * 1000, "text": ""},
        ),
        400,
    )
    title = re.search(r'id="title-error"[^>]*>([^<]+)<', page)
    assert title is not None
    assert title.group(1) == "The title is 1,000 characters long; at most 200."
    assert 'id="text-error"' in page
    assert 'id="cost-error"' in page  # the investment's cost, missing too: all at once
    czech = html(
        client.post(
            "/councils/bakery-north/propose?lang=cs",
            data={"csrf_token": csrf, "kind": "motion", "title": "y" * 1000, "text": "z"},
        ),
        400,
    )
    assert "Název má 1\u00a0000 znaků; nejvýše 200." in czech
