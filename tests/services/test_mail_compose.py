"""Mail in words: what the templates make of each purpose, in English and Czech."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rada.councils.notices import AccountSettings
from rada.mail.compose import Composer, Unsendable
from rada.services.ports import OutgoingMail
from rada.store.memory import MemoryUnitOfWork

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
COMPOSER = Composer(sender="Rada <rada@example.org>", public_url="https://rada.example.org/")


def _uow(language: str = "en") -> MemoryUnitOfWork:
    uow = MemoryUnitOfWork()
    uow.settings.save(AccountSettings(person_id=7, unsubscribe_key="key-7", language=language,
                                      verified_at=T0))  # fmt: skip
    return uow


def _digest(n: int, language: str, title: str = "Oven") -> OutgoingMail:
    items = [
        {"kind": "discussion", "params": {"title": f"{title} {i}"}, "proposal_id": i,
         "council_id": 1, "created_at": T0.isoformat()}
        for i in range(n)
    ]  # fmt: skip
    return OutgoingMail(
        address="dana@example.org", purpose="digest", language=language, created_at=T0,
        due_at=T0, person_id=7, payload={"notices": items}, id=42,
    )  # fmt: skip


def _parts(message: object) -> tuple[str, str]:
    from email.message import Message

    assert isinstance(message, Message)
    text, html = (part.get_payload(decode=True) for part in message.get_payload())  # type: ignore[union-attr]
    assert isinstance(text, bytes)
    assert isinstance(html, bytes)
    return text.decode(), html.decode()


@pytest.mark.parametrize(
    ("n", "words"),
    [(1, "1 nové oznámení"), (3, "3 nová oznámení"), (5, "5 nových oznámení")],
)
def test_czech_digests_count_in_czech(n: int, words: str) -> None:
    text, html = _parts(COMPOSER.compose(_uow("cs"), _digest(n, "cs")))
    assert f"Od posledního přehledu máte {words}." in text
    assert words in html


def test_a_title_is_text_in_the_plain_part_and_escaped_in_the_html_part() -> None:
    message = COMPOSER.compose(_uow(), _digest(1, "en", title="<script>x</script>"))
    text, html = _parts(message)
    assert "“<script>x</script> 0” is open for discussion" in text
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt; 0" in html
    assert 'href="https://rada.example.org/proposals/0"' not in html  # proposal 0 is no link
    assert "https://rada.example.org/unsubscribe/key-7/digest" in text


def test_the_message_id_is_the_same_for_every_attempt_and_differs_between_instances() -> None:
    first = COMPOSER.compose(_uow(), _digest(2, "en"))
    again = COMPOSER.compose(_uow(), _digest(2, "en"))
    other = Composer(sender="Rada <rada@example.org>", public_url="https://other.example.org")
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].startswith("<outbox.42.")
    assert other.compose(_uow(), _digest(2, "en"))["Message-ID"] != first["Message-ID"]


def test_a_czech_subject_is_encoded_for_the_wire_and_reads_back_as_written() -> None:
    from email import message_from_bytes, policy

    message = COMPOSER.compose(_uow("cs"), _digest(2, "cs"))
    assert message["Subject"].startswith("=?utf-8?")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Váš den v Radě: 2 oznámení"


@pytest.mark.parametrize(
    "mail",
    [
        OutgoingMail(address="a@b.org", purpose="teleport", language="en", created_at=T0,
                     due_at=T0),
        OutgoingMail(address="a@b.org", purpose="reset", language="en", created_at=T0,
                     due_at=T0, payload={}),
        OutgoingMail(address="a@b.org", purpose="notice/voting", language="en", created_at=T0,
                     due_at=T0, person_id=7, notice_id=999),
    ],
)  # fmt: skip
def test_a_mail_without_what_its_words_need_is_unsendable(mail: OutgoingMail) -> None:
    with pytest.raises(Unsendable):
        COMPOSER.compose(_uow(), mail)
