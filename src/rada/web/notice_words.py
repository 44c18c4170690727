"""Notices as sentences, in the reader's language and time zone, with the place each leads to,
and each kind of notice described for the settings page.

A notice keeps what its words need in ``params`` (a title, a name, a closing time as ISO
text); the council's name is read from the tables. Unknown or missing params leave a sentence
shorter, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from rada.councils.notices import Notice, NoticeKind
from rada.web.times import format_when

__all__ = ["NoticeView", "describe_kinds", "describe_mail", "notice_view"]

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class NoticeView:
    """A notice as a page shows it: its sentence, where it leads (a path, or None) and its
    moment."""

    notice: Notice
    text: str
    target: str | None


def describe_kinds(_: Gettext) -> dict[NoticeKind, str]:
    """Each kind of notice, in words, for the settings page."""
    return {
        NoticeKind.DISCUSSION: _("A proposal of your council is opened for discussion"),
        NoticeKind.VOTING: _("A vote opens in your council"),
        NoticeKind.CLOSING: _("A vote you have not cast closes within a day"),
        NoticeKind.DECIDED: _("A proposal of your council is decided"),
        NoticeKind.REPLY: _("Someone replies to your post"),
        NoticeKind.MENTION: _("Someone mentions you in a discussion"),
        NoticeKind.INVITATION: _("You are invited to a council"),
        NoticeKind.DELEGATE: _("Your council's delegate votes in a federation or the congress"),
    }


def describe_mail(_: Gettext) -> dict[str, str]:
    """The ways of hearing of a kind by e-mail, in words."""
    return {"now": _("At once"), "digest": _("Daily digest"), "never": _("Never")}


def _moment(value: Any, zone: tzinfo, language: str) -> str:
    try:
        return format_when(datetime.fromisoformat(str(value)), zone, language)
    except ValueError:
        return ""


def _position(choice: Any, _: Gettext) -> str:
    words = {"yes": _("yes"), "no": _("no"), "abstain": _("abstain"), "agree": _("agree"),
             "disagree": _("disagree"), "block": _("block")}  # fmt: skip
    if isinstance(choice, Mapping) and "position" in choice:
        return words.get(str(choice["position"]), str(choice["position"]))
    return _("a ballot")


def _text(notice: Notice, council: str, _: Gettext, zone: tzinfo, language: str) -> str:
    p = notice.params
    title = str(p.get("title") or "") or _("a proposal")
    by = str(p.get("by") or "") or _("someone")
    words = {"title": title, "by": by, "council": council or str(p.get("council") or "")}
    kind = notice.kind
    if kind is NoticeKind.DISCUSSION:
        return _("“%(title)s” was opened for discussion in %(council)s.") % words
    if kind is NoticeKind.VOTING:
        closes = _moment(p.get("closes_at"), zone, language)
        return _("The vote on “%(title)s” opened; it closes %(closes)s.") % {
            **words,
            "closes": closes,
        }
    if kind is NoticeKind.CLOSING:
        closes = _moment(p.get("closes_at"), zone, language)
        return _("The vote on “%(title)s” closes %(closes)s and you have not voted.") % {
            **words,
            "closes": closes,
        }
    if kind is NoticeKind.DECIDED:
        outcome = {"adopted": _("adopted"), "rejected": _("rejected")}.get(
            str(p.get("outcome")), ""
        )
        if outcome:
            return _("“%(title)s” was decided: %(outcome)s.") % {**words, "outcome": outcome}
        return _("“%(title)s” was decided.") % words
    if kind is NoticeKind.REPLY:
        return _("%(by)s replied to your post on “%(title)s”.") % words
    if kind is NoticeKind.MENTION:
        return _("%(by)s mentioned you in the discussion of “%(title)s”.") % words
    if kind is NoticeKind.INVITATION:
        return _("%(by)s invited you to %(council)s.") % words
    return _("%(by)s, your delegate, voted %(choice)s on “%(title)s” in %(federation)s.") % {
        **words,
        "choice": _position(p.get("choice"), _),
        "federation": str(p.get("federation") or ""),
    }


def notice_view(
    notice: Notice,
    *,
    council: str,
    _: Gettext,
    zone: tzinfo,
    language: str,
    proposal_path: Callable[[int], str],
    invitations_path: str,
) -> NoticeView:
    """The notice in words, leading to its post, its proposal, or (an invitation) the page
    where a code is entered."""
    target: str | None = None
    if notice.proposal_id is not None:
        target = proposal_path(notice.proposal_id)
        if notice.post_id is not None:
            target += f"#post-{notice.post_id}"
    elif notice.kind is NoticeKind.INVITATION:
        target = invitations_path
    return NoticeView(notice, _text(notice, council, _, zone, language), target)
