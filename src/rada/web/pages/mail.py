"""Mail's own pages: one-click unsubscribe, and the local outbox of an instance without a
mail server.

``/unsubscribe/{key}/{what}`` is the address in every notice mail's ``List-Unsubscribe``
header. GET shows one button; POST (the button, or a mail client's RFC 8058 one-click POST
with ``List-Unsubscribe=One-Click``) turns that kind of mail off. The POST takes no CSRF
token, by design: a mail client sends it without cookies, and the secret key in the address
is what proves the right to it; it can only turn mail off. An unknown key is 404.

``/outbox`` shows the mail delivered to the local outbox (see docs/mail.md), so a demo's
visitor can read the confirmation links mailed to them. It exists only in development mode
with no ``RADA_SMTP_URL``: anywhere else it is 404, as the mail it would show holds other
people's secret links.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.councils.notices import NoticeKind
from rada.services.notifying import unsubscribe
from rada.web.api.deps import api_context
from rada.web.notice_words import describe_kinds
from rada.web.templating import gettext_for, render

__all__ = ["OUTBOX_SHOWS", "router"]

router = APIRouter(include_in_schema=False)

#: How many of the latest mails the local outbox page shows.
OUTBOX_SHOWS = 50

_LINK = re.compile(r"(https?://[^\s<>\"]+)")


def _what_words(request: Request, what: str) -> str | None:
    """What the link turns off, in words; None when it names nothing."""
    _ = gettext_for(request)
    if what == "all":
        return _("all mail about notices")
    if what == "digest":
        return _("the daily digest")
    if what in {k.value for k in NoticeKind}:
        return _("mail of this kind: %(kind)s") % {"kind": describe_kinds(_)[NoticeKind(what)]}
    return None


def _unknown(request: Request) -> HTTPException:
    _ = gettext_for(request)
    return HTTPException(
        404,
        _(
            "This unsubscribe link is not known: it may be mistyped, or its account was "
            "closed. Sign in and choose your mail in your settings."
        ),
    )


@router.get("/unsubscribe/{key}/{what}", name="unsubscribe")
def unsubscribe_form(request: Request, key: str, what: str) -> HTMLResponse:
    """One button that turns the named mail off."""
    words = _what_words(request, what)
    with api_context(request).uow() as uow:
        known = uow.settings.by_unsubscribe_key(key) is not None
    if words is None or not known:
        raise _unknown(request)
    return render(request, "mail/unsubscribe.html", key=key, what=what, words=words, done=None)


@router.post("/unsubscribe/{key}/{what}", name="unsubscribe_post")
def unsubscribe_now(request: Request, key: str, what: str) -> HTMLResponse:
    """Turn the named mail off (RFC 8058 one-click: no token, no cookie needed)."""
    words = _what_words(request, what)
    with api_context(request).uow() as uow:
        changed = unsubscribe(uow, key=key, what=what)
        uow.commit()
    if words is None or changed is None:
        raise _unknown(request)
    return render(request, "mail/unsubscribe.html", key=key, what=what, words=words, done=True)


def _local_outbox_open(request: Request) -> bool:
    settings = api_context(request).settings
    return not settings.production and not settings.smtp_url.get_secret_value()


def _with_links(text: str) -> list[tuple[str, bool]]:
    """The text in pieces, each a link or not, so the template escapes it and links the
    addresses in it."""
    return [(piece, bool(n % 2)) for n, piece in enumerate(_LINK.split(text)) if piece]


@router.get("/outbox", name="outbox")
def outbox(request: Request) -> HTMLResponse:
    """The mail delivered to the local outbox, newest first (development without SMTP)."""
    if not _local_outbox_open(request):
        raise HTTPException(404)
    with api_context(request).uow() as uow:
        recent = uow.outbox.recent(limit=OUTBOX_SHOWS)
        waiting = uow.outbox.waiting()
    mails: list[dict[str, Any]] = []
    for mail, sent_at, _error in recent:
        local = mail.payload.get("local")
        if sent_at is None or not isinstance(local, dict):
            continue
        headers = local.get("headers", {})
        mails.append(
            {
                "id": mail.id,
                "to": mail.address,
                "subject": headers.get("Subject", ""),
                "sent_at": sent_at,
                "unsubscribe": headers.get("List-Unsubscribe", "").strip("<>"),
                "pieces": _with_links(str(local.get("text", ""))),
            }
        )
    return render(request, "mail/outbox.html", mails=mails, waiting=waiting)
