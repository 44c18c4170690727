"""What accounts prove by mail, over HTTP: the API's and the pages' ways to confirm an
address, choose a new password, move to a new address, and follow an invitation's link.

The links are read from the outbox (where the mail worker takes them from). The journeys run
on the in-memory unit of work and on the real SQLite database.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from tests.e2e.test_api_journeys import (  # the instance fixture, shared
    API,
    PASSWORD,
    Instance,
    found_bakery,
    instance,
    memory_instance,
    ok,
    sign_up,
)

from rada.services.ports import OutgoingMail

__all__ = ["instance", "memory_instance"]

HTML = {"accept": "text/html"}
NEW_PASSWORD = "a brand new passphrase"


def _outbox(instance: Instance) -> list[OutgoingMail]:
    """Every mail queued, oldest first."""
    with instance.app.state.api.uow() as uow:
        return [m for m, _sent, _error in reversed(uow.outbox.recent(limit=100))]


def _last(instance: Instance, purpose: str, address: str) -> OutgoingMail:
    found = [m for m in _outbox(instance) if m.purpose == purpose and m.address == address]
    assert found, (purpose, address)
    return found[-1]


def _token(mail: OutgoingMail) -> str:
    return str(mail.payload["link"]).rsplit("/", 1)[1]


def _text(page: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert found, page
    return found.group(1)


def _form(client: TestClient, path: str, data: dict[str, str] | None = None) -> Any:
    """Load the page at ``path`` (for its form's token) and post the form back to it."""
    page = client.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    return client.post(path, data={**(data or {}), "csrf_token": _csrf(page.text)}, headers=HTML)


# -- the API ------------------------------------------------------------------------------


def test_an_address_is_confirmed_once_by_the_token_mailed_to_it(instance: Instance) -> None:
    ana = sign_up(instance, "Ana Novak", "ana@bakery.example")
    mail = _last(instance, "verify", "ana@bakery.example")
    assert mail.payload["link"].startswith("http://127.0.0.1:8000/verify/")
    assert ok(ana.get("/me"))["email_confirmed"] is False
    anyone = instance.client()
    confirmed = ok(anyone.post(f"{API}/accounts/verify", json={"token": _token(mail)}))
    assert confirmed["email"] == "ana@bakery.example"
    assert ok(ana.get("/me"))["email_confirmed"] is True
    again = anyone.post(f"{API}/accounts/verify", json={"token": _token(mail)})
    assert again.status_code == 410
    assert again.json() == {
        "detail": "this link has been used already or has expired",
        "hint": "ask for a new one: each link works once, and only for a while",
    }
    refused = ana.post("/me/verification")
    assert refused.status_code == 422
    assert refused.json()["detail"] == "your e-mail address is confirmed already"


def test_another_confirmation_mail_waits_five_minutes(instance: Instance) -> None:
    bo = sign_up(instance, "Bo Berg", "bo@bakery.example")
    soon = bo.post("/me/verification")
    assert soon.status_code == 429
    assert soon.headers["retry-after"] == "300"
    instance.clock.advance(5 / 60)
    assert ok(bo.post("/me/verification"), 202)["detail"]
    assert [m.purpose for m in _outbox(instance)] == ["verify", "verify"]


def test_a_reset_answers_alike_mails_once_and_its_token_works_once(instance: Instance) -> None:
    ana = sign_up(instance, "Ana Novak", "ana@bakery.example")
    anyone = instance.client()
    asked = [
        anyone.post(f"{API}/accounts/reset-requests", json={"email": email})
        for email in ("nobody@bakery.example", "ANA@bakery.example", "ana@bakery.example")
    ]
    assert [a.status_code for a in asked] == [202, 202, 202]
    assert asked[0].json() == asked[1].json() == asked[2].json()
    assert [m.purpose for m in _outbox(instance)] == ["verify", "reset"]  # once, to Ana
    bad = anyone.post(f"{API}/accounts/reset-requests", json={"email": "no address"})
    assert bad.status_code == 422
    token = _token(_last(instance, "reset", "ana@bakery.example"))

    weak = anyone.post(f"{API}/accounts/reset", json={"token": token, "password": "password1"})
    assert weak.status_code == 422  # and the token still works:
    done = anyone.post(f"{API}/accounts/reset", json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204, done.text
    assert ana.get("/me").status_code == 401  # every session of the account ended
    reused = anyone.post(f"{API}/accounts/reset", json={"token": token, "password": NEW_PASSWORD})
    assert reused.status_code == 410
    signed_in = anyone.post(
        f"{API}/auth/sign-in", json={"email": "ana@bakery.example", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 200


def test_a_reset_link_expires_after_an_hour(instance: Instance) -> None:
    sign_up(instance, "Ana Novak", "ana@bakery.example")
    anyone = instance.client()
    anyone.post(f"{API}/accounts/reset-requests", json={"email": "ana@bakery.example"})
    token = _token(_last(instance, "reset", "ana@bakery.example"))
    instance.clock.advance(1)
    late = anyone.post(f"{API}/accounts/reset", json={"token": token, "password": NEW_PASSWORD})
    assert late.status_code == 410


def test_a_new_address_takes_effect_once_confirmed(instance: Instance) -> None:
    ana = sign_up(instance, "Ana Novak", "ana@bakery.example")
    sign_up(instance, "Bo Berg", "bo@bakery.example")
    wrong = ana.post("/me/email", {"email": "ana@new.example", "password": "not it at all"})
    assert wrong.status_code == 403
    taken = ana.post("/me/email", {"email": "bo@bakery.example", "password": PASSWORD})
    assert taken.status_code == 409
    asked = ok(ana.post("/me/email", {"email": "Ana@New.example", "password": PASSWORD}), 202)
    assert asked["email"] == "ana@new.example"
    assert ok(ana.get("/me"))["email"] == "ana@bakery.example"  # not yet
    mail = _last(instance, "change-email", "ana@new.example")
    assert "/confirm-email/" in mail.payload["link"]
    anyone = instance.client()
    moved = ok(anyone.post(f"{API}/accounts/email-confirmations", json={"token": _token(mail)}))
    assert moved["email"] == "ana@new.example"
    me = ok(ana.get("/me"))
    assert (me["email"], me["email_confirmed"]) == ("ana@new.example", True)
    again = anyone.post(f"{API}/accounts/email-confirmations", json={"token": _token(mail)})
    assert again.status_code == 410


def test_an_invitation_by_the_api_is_mailed_with_its_join_link(instance: Instance) -> None:
    ana, _bo, _cy = found_bakery(instance)
    issued = ok(ana.post("/councils/bakery/invitations", {"email": "dan@bakery.example"}), 201)
    mail = _last(instance, "invitation", "dan@bakery.example")
    assert mail.payload["link"] == f"http://127.0.0.1:8000/join?code={issued['code']}"
    assert (mail.payload["council"], mail.payload["by"]) == ("North Bakery", "Ana Novak")
    assert len([m for m in _outbox(instance) if m.purpose == "invitation"]) == 3


# -- the pages ----------------------------------------------------------------------------


def _sign_up_page(instance: Instance, email: str) -> TestClient:
    client = instance.client()
    made = _form(client, "/sign-up", {"name": "Ana Novak", "email": email, "password": PASSWORD})
    assert made.status_code == 200, made.text  # the redirect to one's councils, followed
    return client


def test_the_pages_confirm_an_address_and_send_the_link_again(
    memory_instance: Instance,
) -> None:
    instance = memory_instance
    client = _sign_up_page(instance, "ana@bakery.example")
    councils = client.get("/me/councils", headers=HTML)
    assert "Your e-mail address is not confirmed" in _text(councils.text)
    soon = client.post("/me/verification", data={"csrf_token": _csrf(councils.text)})
    assert soon.status_code == 429
    assert "you may ask again in 300 seconds" in _text(soon.text)
    instance.clock.advance(0.1)
    sent = client.post("/me/verification", data={"csrf_token": _csrf(councils.text)})
    assert "A new link is on its way to ana@bakery.example" in _text(sent.text)
    first, second = [m for m in _outbox(instance) if m.purpose == "verify"]

    stranger = instance.client()
    old = _form(stranger, f"/verify/{_token(first)}")
    assert old.status_code == 410
    assert "this link has been used already or has expired" in _text(old.text)
    page = stranger.get(f"/verify/{_token(second)}", headers=HTML)
    assert "Confirm my address" in page.text  # a GET spends nothing
    done = _form(stranger, f"/verify/{_token(second)}")
    assert done.status_code == 200
    assert "ana@bakery.example is confirmed" in _text(done.text)
    after = client.get("/me/councils", headers=HTML)
    assert "not confirmed" not in _text(after.text)


def test_every_page_about_mail_says_why_none_reaches_the_reader(
    memory_instance: Instance,
) -> None:
    instance = memory_instance
    client = _sign_up_page(instance, "ana@bakery.example")
    pages = ("/me/councils", "/settings", "/notifications")
    for path in pages:
        text = _text(client.get(path, headers=HTML).text)
        assert "Your e-mail address is not confirmed" in text, path
        assert "A link to confirm ana@bakery.example was mailed to it" in text, path
        assert "Send the link again" in text, path
    done = _form(
        instance.client(), f"/verify/{_token(_last(instance, 'verify', 'ana@bakery.example'))}"
    )
    assert done.status_code == 200
    for path in pages:
        assert "not confirmed" not in _text(client.get(path, headers=HTML).text), path
    # A mail server refuses the address for good (the worker records it so).
    with instance.app.state.api.uow() as uow:
        person = uow.people.by_email("ana@bakery.example")
        assert person is not None
        settings = uow.settings.get(person.id)
        assert settings is not None
        settings.refused_at = settings.verified_at
        uow.settings.save(settings)
        uow.commit()
    for path in pages:
        text = _text(client.get(path, headers=HTML).text)
        assert "Mail to your address is refused" in text, path
        assert "A mail server refused ana@bakery.example for good" in text, path
    czech = _text(client.get("/settings?lang=cs", headers=HTML).text)
    assert "Pošta na vaši adresu je odmítána" in czech


def test_the_pages_reset_a_password_saying_the_same_for_any_address(
    memory_instance: Instance,
) -> None:
    instance = memory_instance
    client = _sign_up_page(instance, "ana@bakery.example")
    stranger = instance.client()
    sign_in = stranger.get("/sign-in", headers=HTML)
    assert 'href="/reset"' in sign_in.text
    answers = [
        _form(stranger, "/reset", {"email": email})
        for email in ("nobody@bakery.example", "ana@bakery.example")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert _text(answers[0].text) == _text(answers[1].text)
    assert "If an account has this address" in _text(answers[0].text)
    invalid = _form(stranger, "/reset", {"email": "not an address"})
    assert invalid.status_code == 400
    assert "is not an e-mail address" in _text(invalid.text)

    path = "/reset/" + _token(_last(instance, "reset", "ana@bakery.example"))
    differ = _form(stranger, path, {"new": NEW_PASSWORD, "again": NEW_PASSWORD + "!"})
    assert differ.status_code == 400
    assert "The two passwords are not the same." in _text(differ.text)
    done = _form(stranger, path, {"new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert done.status_code == 200
    assert "Your password is changed" in _text(done.text)
    assert "Signed in as" not in _text(client.get("/me/councils", headers=HTML).text)
    reused = _form(stranger, path, {"new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert reused.status_code == 410
    assert 'href="/reset"' in reused.text
    czech = stranger.get(path, params={"lang": "cs"}, headers=HTML)
    assert "Nastavit nové heslo" in _text(czech.text)
    refused = stranger.post(
        path, data={"csrf_token": _csrf(czech.text), "new": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    assert "tento odkaz už byl použit, nebo mu vypršela platnost" in _text(refused.text)


def test_the_pages_change_the_address_with_the_password_and_a_link(
    memory_instance: Instance,
) -> None:
    instance = memory_instance
    client = _sign_up_page(instance, "ana@bakery.example")
    wrong = _form(client, "/me/email", {"email": "ana@new.example", "password": "wrong one"})
    assert wrong.status_code == 403
    assert "The current password is wrong." in _text(wrong.text)
    asked = _form(client, "/me/email", {"email": "ana@new.example", "password": PASSWORD})
    assert asked.status_code == 200
    assert "A link is on its way to ana@new.example" in _text(asked.text)
    path = "/confirm-email/" + _token(_last(instance, "change-email", "ana@new.example"))
    moved = _form(instance.client(), path)
    assert moved.status_code == 200
    assert "Your account now uses ana@new.example" in _text(moved.text)
    assert _form(instance.client(), path).status_code == 410


def test_an_invitations_link_joins_signed_in_or_leads_to_sign_up(
    memory_instance: Instance,
) -> None:
    instance = memory_instance
    ana, _bo, _cy = found_bakery(instance)
    code = ok(ana.post("/councils/bakery/invitations", {"email": "ana@other.example"}), 201)["code"]
    signed_out = instance.client().get(f"/join?code={code}", headers=HTML)
    assert f'href="/sign-up?invitation={code}"' in signed_out.text
    assert "/sign-in?next=%2Fjoin%3Fcode%3D" in signed_out.text
    client = _sign_up_page(instance, "ana@other.example")
    page = client.get(f"/join?code={code}", headers=HTML)
    assert f'value="{code}"' in page.text
    joined = client.post("/me/councils", data={"csrf_token": _csrf(page.text), "invitation": code})
    assert "You have joined North Bakery." in _text(joined.text)
