"""What a member hears of: notices, and how each person wants to hear of each kind by e-mail.

A notice tells one person of one thing that concerns them: a proposal of their council opened
for discussion or for a vote, a vote closing soon that they have not cast, a decision, a reply
to their post, a mention of them, an invitation, how their delegate voted. Notices are derived
from the public record (each names the entry it comes from) and are not themselves on it: who
was told what is nobody else's business, and a notice is never a change of the councils'
state. ``key`` makes a notice unique for its person and kind, so replaying an event or
running two workers tells nobody twice.

A mention is ``@`` followed by a member's name written without spaces or with dots for them,
in any case (``@dana``, ``@DanaNovak``, ``@dana.novak``), or by their first name alone where
no other member of the council has it. A mention that names no member is ignored: it is text.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from rada.councils.errors import CouncilError
from rada.councils.text import msg

__all__ = [
    "DEFAULT_MAIL",
    "LANGUAGES",
    "MAX_MENTIONS",
    "AccountSettings",
    "Mail",
    "Notice",
    "NoticeKind",
    "check_language",
    "check_timezone",
    "handles",
    "mentioned",
    "zone_or_utc",
]


class NoticeKind(StrEnum):
    """What a notice tells of."""

    DISCUSSION = "discussion"  # a proposal of your council opened for discussion
    VOTING = "voting"  # a vote opened in your council
    CLOSING = "closing"  # a vote you have not cast closes within 24 hours
    DECIDED = "decided"  # a proposal of your council was decided
    REPLY = "reply"  # someone replied to your post
    MENTION = "mention"  # someone mentioned you
    INVITATION = "invitation"  # you were invited to a council
    DELEGATE = "delegate"  # your council's delegate voted in a federation or the congress


class Mail(StrEnum):
    """How a person hears of a kind of notice by e-mail."""

    NOW = "now"  # a mail for each, at once
    DIGEST = "digest"  # one mail a day listing them
    NEVER = "never"  # in the app only


#: What each kind does by default: what needs an answer soon comes at once, the rest daily.
DEFAULT_MAIL: Mapping[NoticeKind, Mail] = {
    NoticeKind.DISCUSSION: Mail.DIGEST,
    NoticeKind.VOTING: Mail.NOW,
    NoticeKind.CLOSING: Mail.NOW,
    NoticeKind.DECIDED: Mail.DIGEST,
    NoticeKind.REPLY: Mail.NOW,
    NoticeKind.MENTION: Mail.NOW,
    NoticeKind.INVITATION: Mail.NOW,
    NoticeKind.DELEGATE: Mail.DIGEST,
}

#: At most this many people are told of one post's mentions (the rest are left as text).
MAX_MENTIONS = 20


@dataclass
class Notice:
    """One thing one person is told of. ``params`` holds what the words need (a title, a
    name, a closing time as ISO text); ``key`` is unique per person and kind."""

    person_id: int
    kind: NoticeKind
    key: str
    created_at: datetime
    council_id: int | None = None
    proposal_id: int | None = None
    post_id: int | None = None
    record_index: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    read_at: datetime | None = None
    id: int = 0

    @property
    def unread(self) -> bool:
        return self.read_at is None


def _fold(text: str) -> str:
    """Lower case without diacritics: ``"Nováková"`` → ``"novakova"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def handles(name: str) -> tuple[str, ...]:
    """The ways of mentioning someone called ``name``: the whole name joined and with dots.

    >>> handles("Dana Nováková")
    ('dananovakova', 'dana.novakova')
    """
    words = [_fold(w) for w in re.findall(r"[^\W_]+", name)]
    joined, dotted = "".join(words), ".".join(words)
    return (joined,) if joined == dotted else (joined, dotted)


_MENTION = re.compile(r"(?<![\w@])@([^\W_]+(?:[._][^\W_]+)*)")


def mentioned(text: str, people: Iterable[tuple[int, str]]) -> list[int]:
    """The people (id, name) that ``text`` mentions, in the order first mentioned, at most
    :data:`MAX_MENTIONS`; a first name counts only where it is nobody else's.

    >>> mentioned("thanks @dana and @Petr.Svoboda, not @nobody", [(1, "Dana Nováková"),
    ...     (2, "Petr Svoboda"), (3, "Petr Malý")])
    [1, 2]
    """
    by_handle: dict[str, int] = {}
    first_names: dict[str, set[int]] = {}
    for person_id, name in people:
        for handle in handles(name):
            by_handle.setdefault(handle, person_id)
        first = handles(name.split()[0])[0] if name.split() else ""
        if first:
            first_names.setdefault(first, set()).add(person_id)
    for first, ids in first_names.items():
        if len(ids) == 1:
            by_handle.setdefault(first, next(iter(ids)))
    found: list[int] = []
    for match in _MENTION.finditer(text):
        handle = _fold(match.group(1)).replace("_", ".")
        someone = by_handle.get(handle)
        if someone is not None and someone not in found:
            found.append(someone)
            if len(found) == MAX_MENTIONS:
                break
    return found


#: The languages Rada speaks to people in.
LANGUAGES = ("en", "cs")


@dataclass
class AccountSettings:
    """A person's own settings: the language and time zone mail and pages use for them, how
    they hear of each kind of notice, and the state of their address.

    ``timezone`` is an IANA name (None: the browser's, or UTC in mail); ``mail`` holds only
    the choices made, :meth:`mail_for` fills in the defaults. ``verified_at`` is when the
    address was confirmed (no notice is mailed to an address not confirmed); ``refused_at``
    when a mail server refused it for good (no mail goes to it until it is changed or
    confirmed again). ``unsubscribe_key`` names the person in one-click unsubscribe links.
    """

    person_id: int
    unsubscribe_key: str
    language: str | None = None
    timezone: str | None = None
    mail: dict[NoticeKind, Mail] = field(default_factory=dict)
    verified_at: datetime | None = None
    refused_at: datetime | None = None
    last_seen_at: datetime | None = None

    def mail_for(self, kind: NoticeKind) -> Mail:
        return self.mail.get(kind, DEFAULT_MAIL[kind])

    @property
    def mailable(self) -> bool:
        """Whether notices may be mailed: the address is confirmed and not refused."""
        return self.verified_at is not None and self.refused_at is None


def check_language(language: str) -> str:
    """A language Rada speaks."""
    if language not in LANGUAGES:
        raise CouncilError(
            msg("%(language)r is not a language Rada speaks", language=language),
            hint=msg("choose one of %(languages)s", languages=", ".join(LANGUAGES)),
        )
    return language


def check_timezone(name: str) -> str:
    """An IANA time zone name (``Europe/Prague``)."""
    if len(name) > 64 or name not in _zones():
        raise CouncilError(
            msg("%(zone)r is not a time zone", zone=name[:64]),
            hint=msg("use an IANA name such as Europe/Prague or UTC"),
        )
    return name


def zone_or_utc(name: str | None) -> str:
    """``name`` if it is a time zone this machine knows, else ``"UTC"``: for a stored zone,
    which a direct edit of the database may have made anything (``"Europe"``, a path).

    >>> zone_or_utc("Europe/Prague"), zone_or_utc("Europe"), zone_or_utc(None)
    ('Europe/Prague', 'UTC', 'UTC')
    """
    return name if name and name in _zones() else "UTC"


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}
