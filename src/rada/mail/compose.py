"""Mail in words: each outbox mail rendered as an e-mail with a plain-text and an HTML part.

The words come from Jinja2 templates in ``templates/<language>/`` (English and Czech), one pair
(``.txt`` and ``.html``) per kind of mail and one file of sentences (``_words.jinja``) that
both parts share. Times are said in the person's time zone (their settings; UTC without one)
and named; dates and numbers as their language writes them (Babel). Links are absolute, from
the instance's public address.

What a mail's ``purpose`` is and what its payload must hold:

- ``notice/<kind>``: one notice (its id in ``notice_id``); the words come from the notice's
  params, read from the store when the mail is composed;
- ``digest``: the notices of the day, ``payload["notices"]``, each a dict with ``kind``,
  ``params``, ``proposal_id``, ``council_id`` and ``created_at`` (written by the worker);
- ``invitation``, ``verify``, ``reset``, ``change-email``: account mail, with the secret
  ``payload["link"]`` and, where the words use them, ``name`` (the addressee), ``council``
  and ``by`` (an invitation), ``code`` (an invitation code to type in) and ``expires_at``
  (ISO text).

Every mail has a ``Message-ID`` made from its outbox id and the instance, the same each time
it is composed, so a mail sent again after a crash can be recognised as the same one.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import format_datetime as rfc2822_date
from email.utils import parseaddr
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from rada.councils.notices import AccountSettings, Mail, Notice, NoticeKind, zone_or_utc
from rada.services.ports import OutgoingMail, UnitOfWork

__all__ = [
    "ACCOUNT_PURPOSES",
    "LANGUAGES",
    "Composer",
    "Prepared",
    "Unsendable",
    "digest_item",
]

#: The languages mail is written in (English when a mail names another).
LANGUAGES = ("en", "cs")
#: The account mails: each carries a secret link in its payload.
ACCOUNT_PURPOSES = ("invitation", "verify", "reset", "change-email")

_TEMPLATES = Path(__file__).parent / "templates"


class Unsendable(Exception):
    """A mail that should not go out (any more): its notice is gone, its person no longer
    wants it, or its purpose is unknown. The worker gives it up with this reason."""


@cache
def _environment(language: str, *, html: bool) -> Environment:
    """The templates of one language, for one part. Two environments, because the parts
    share their sentences (``_words.jinja``): escaped for HTML in one, as written in the
    other (a macro's output counts as safe markup wherever autoescaping is on at all)."""
    env = Environment(
        # The language's sentences (_words.jinja) first, then the parts every language shares.
        loader=FileSystemLoader([_TEMPLATES / language, _TEMPLATES]),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    locale = Locale.parse(language)

    def plural(n: int, **forms: str) -> str:
        """The form of a word that ``n`` needs (Czech: one, few, other)."""
        form = locale.plural_form(n)
        return forms.get(form, forms["other"])

    env.globals["plural"] = plural
    env.filters["number"] = lambda n: format_decimal(n, locale=language)
    return env


#: The environments of a language and its sentences, as text and as HTML, for one time zone,
#: and how that zone's times are said.
_Sentences = tuple[Environment, Environment, Any, Any, Callable[[str], str]]


@cache
def _sentences(language: str, zone: str) -> _Sentences:
    """The sentences (``_words.jinja``) made once per language and zone, not per mail: they
    need no more than the zone (for ``when``), and making them cost as much as the rest."""
    text_env, html_env = _environment(language, html=False), _environment(language, html=True)

    def when(iso: str) -> str:
        return _when(datetime.fromisoformat(iso), zone, language)

    words = text_env.get_template("_words.jinja").make_module({"when": when})
    html_words = html_env.get_template("_words.jinja").make_module({"when": when})
    return text_env, html_env, words, html_words, when


def _when(moment: datetime, zone_name: str, language: str) -> str:
    """A moment as the person's language writes it, in their zone, named: ``3. března 2026
    9:00 (Europe/Prague)``."""
    zone = zoneinfo.ZoneInfo(zone_name)
    local = moment.astimezone(zone)
    day = format_date(local, "long", locale=language)
    hour = format_time(local, "short", tzinfo=zone, locale=language)
    return f"{day} {hour} ({zone_name})"


def digest_item(notice: Notice) -> dict[str, Any]:
    """What a digest mail's payload keeps of one notice."""
    return {
        "kind": notice.kind.value,
        "params": notice.params,
        "proposal_id": notice.proposal_id,
        "council_id": notice.council_id,
        "created_at": notice.created_at.isoformat(),
    }


@dataclass(frozen=True)
class Prepared:
    """A mail ready to be put in words: what was read for it, and which template."""

    mail: OutgoingMail
    zone: str
    template: str  # notice, digest or account
    context: dict[str, Any]
    unsubscribe: str | None


@dataclass(frozen=True)
class _Words:
    """What the templates of one mail are given."""

    subject: str
    text: str
    html: str


class Composer:
    """Renders outbox mail for one instance: its sender (``RADA_MAIL_FROM``) and public
    address (``RADA_PUBLIC_URL``)."""

    def __init__(self, *, sender: str, public_url: str) -> None:
        self.sender = sender
        self.public_url = public_url.rstrip("/")
        host = urlsplit(self.public_url).hostname or "localhost"
        _, address = parseaddr(sender)
        self.domain = address.rpartition("@")[2] or host
        # The instance in each Message-ID: two instances sending from one domain differ.
        self.instance = hashlib.sha256(self.public_url.encode()).hexdigest()[:12]

    def message_id(self, mail_id: int) -> str:
        """The mail's Message-ID: the same for every attempt at sending it."""
        return f"<outbox.{mail_id}.{self.instance}@{self.domain}>"

    def link(self, path: str) -> str:
        return self.public_url + path

    def compose(
        self,
        uow: UnitOfWork,
        mail: OutgoingMail,
        *,
        now: datetime | None = None,
        settings: Mapping[int, AccountSettings] | None = None,
    ) -> Message:
        """The mail as an e-mail; raises :class:`Unsendable` when it should not go out.
        ``settings`` holds the people's settings when the caller read them for a batch."""
        return self.render(self.prepare(uow, mail, settings=settings), now=now)

    def prepare(
        self,
        uow: UnitOfWork,
        mail: OutgoingMail,
        *,
        settings: Mapping[int, AccountSettings] | None = None,
    ) -> Prepared:
        """Read what the mail's words need and decide whether it may go out (raising
        :class:`Unsendable` when not): the part that needs the store. :meth:`render` then
        needs none, so a worker renders outside its transaction (on SQLite a unit of work
        holds the database's write lock)."""
        if settings is None and mail.person_id is not None:
            settings = uow.settings.of_people([mail.person_id])
        person = (settings or {}).get(mail.person_id or 0)
        zone = zone_or_utc(person.timezone if person is not None else None)
        if mail.purpose.startswith("notice/"):
            kind, notice = self._notice(uow, mail, person)
            unsubscribe = self._unsubscribe(person, kind.value)
            link = self._notice_link(uow, notice)
            context: dict[str, Any] = {"kind": kind.value, "p": notice.params, "link": link,
                                       "unsubscribe_url": unsubscribe}  # fmt: skip
            return Prepared(mail, zone, "notice", context, unsubscribe)
        if mail.purpose == "digest":
            if person is None or not person.mailable:
                raise Unsendable("the address is not confirmed, or was refused")
            unsubscribe = self._unsubscribe(person, "digest")
            items = [
                {**item, "p": item["params"], "link": self._item_link(uow, item)}
                for item in mail.payload.get("notices", [])
            ]
            if not items:
                raise Unsendable("a digest of nothing")
            context = {"items": items, "unsubscribe_url": unsubscribe}
            return Prepared(mail, zone, "digest", context, unsubscribe)
        if mail.purpose in ACCOUNT_PURPOSES:
            payload = mail.payload
            if not isinstance(payload.get("link"), str):
                raise Unsendable(f"a {mail.purpose} mail without its link")
            p = {"name": "", "council": "", "by": "", "code": "", "expires_at": "", **payload}
            context = {"purpose": mail.purpose, "p": p, "link": payload["link"]}
            return Prepared(mail, zone, "account", context, None)
        raise Unsendable(f"no words for mail of purpose {mail.purpose!r}")

    def render(self, prepared: Prepared, *, now: datetime | None = None) -> Message:
        """The prepared mail in its language's words, as an e-mail (no store needed)."""
        mail = prepared.mail
        language = mail.language if mail.language in LANGUAGES else "en"
        envs = _sentences(language, prepared.zone)
        context: dict[str, Any] = {
            "language": language,
            "when": envs[4],
            "notifications_url": self.link("/notifications"),
            "settings_url": self.link("/settings"),
            **prepared.context,
        }
        words = self._render(envs, prepared.template, context)
        return self._message(mail, words, unsubscribe=prepared.unsubscribe, now=now)

    def _notice(
        self, uow: UnitOfWork, mail: OutgoingMail, settings: AccountSettings | None
    ) -> tuple[NoticeKind, Notice]:
        try:
            kind = NoticeKind(mail.purpose.removeprefix("notice/"))
        except ValueError:
            raise Unsendable(f"no such kind of notice: {mail.purpose!r}") from None
        notice = uow.notices.get(mail.notice_id) if mail.notice_id is not None else None
        if notice is None:
            raise Unsendable("the notice is gone")
        if settings is None or not settings.mailable:
            raise Unsendable("the address is not confirmed, or was refused")
        if settings.mail_for(kind) is not Mail.NOW:
            raise Unsendable("the person no longer wants this kind of mail at once")
        return kind, notice

    def _unsubscribe(self, settings: AccountSettings | None, what: str) -> str:
        assert settings is not None
        return self.link(f"/unsubscribe/{quote(settings.unsubscribe_key, safe='')}/{what}")

    def _notice_link(self, uow: UnitOfWork, notice: Notice) -> str:
        return self._item_link(
            uow, {"proposal_id": notice.proposal_id, "council_id": notice.council_id}
        )

    def _item_link(self, uow: UnitOfWork, item: Mapping[str, Any]) -> str:
        if item.get("proposal_id"):
            return self.link(f"/proposals/{int(item['proposal_id'])}")
        if item.get("council_id"):
            council = uow.councils.get(int(item["council_id"]))
            if council is not None:
                return self.link(f"/councils/{quote(council.slug, safe='')}")
        return self.link("/notifications")

    @staticmethod
    def _render(envs: _Sentences, name: str, context: dict[str, Any]) -> _Words:
        text_env, html_env, words, html_words, _ = envs
        context = {**context, "words": words}
        macro: Callable[..., str]
        args: tuple[Any, ...]
        if name == "notice":
            macro, args = getattr(words, "subject"), (context["kind"], context["p"])  # noqa: B009
        elif name == "digest":
            macro, args = getattr(words, "digest_subject"), (len(context["items"]),)  # noqa: B009
        else:
            macro, args = getattr(words, "account_subject"), (context["purpose"], context["p"])  # noqa: B009
        subject = macro(*args)
        context["subject"] = " ".join(str(subject).split())[:200]
        return _Words(
            subject=context["subject"],
            text=text_env.get_template(f"{name}.txt").render(context),
            html=html_env.get_template(f"{name}.html").render({**context, "words": html_words}),
        )

    def _message(
        self, mail: OutgoingMail, words: _Words, *, unsubscribe: str | None, now: datetime | None
    ) -> Message:
        # Built with the classic (compat32) classes: the modern policy parses every header
        # it is given again, which cost more than rendering and sending together.
        message = MIMEMultipart("alternative", policy=_UNFOLDED)
        message["From"] = _header(self.sender)
        message["To"] = mail.address
        message["Subject"] = _header(words.subject)
        message["Date"] = rfc2822_date(now or datetime.now(UTC))
        message["Message-ID"] = self.message_id(mail.id)
        message["Auto-Submitted"] = "auto-generated"
        if unsubscribe is not None:
            # RFC 8058: a mail client may unsubscribe with one POST to this address.
            message["List-Unsubscribe"] = f"<{unsubscribe}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        for subtype, body in (("plain", words.text), ("html", words.html)):
            part = MIMENonMultipart("text", subtype, policy=_UNFOLDED)
            part.set_payload(body, _UTF8)
            message.attach(part)
        return message


# Headers up to SMTP's own limit on one line: a folded List-Unsubscribe can reach a client
# with a space before its "<".
_UNFOLDED = compat32.clone(max_line_length=998)
# Quoted-printable: text that stays readable in the raw mail, as spam filters like it.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP


def _header(value: str) -> str:
    """A header's value, encoded (RFC 2047) when it is not ASCII."""
    return value if value.isascii() else Header(value, "utf-8").encode()
