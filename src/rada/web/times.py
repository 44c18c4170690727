"""Times for people: in the reader's time zone, which is named, formatted for their language.

The browser tells its zone (``static/js/timezone.js`` sets the ``rada_tz`` cookie from
``Intl.DateTimeFormat().resolvedOptions().timeZone``); until it has, and for a zone that is not
a known IANA name, times are in UTC. A signed-in person's saved zone wins over the cookie
(``rada.web.preferences`` puts it in the request's scope as :data:`SAVED_ZONE`). Templates
write ``{{ when(t) }}`` (a ``<time>`` element with the exact instant in ``datetime``) or
``{{ when(t, date_only=True) }}``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_datetime, format_skeleton
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.requests import Request

from rada.web.i18n import chosen_language

__all__ = ["SAVED_ZONE", "TZ_COOKIE", "format_when", "reader_zone", "when", "zone_name"]

#: The cookie that carries the reader's IANA time zone name (at most 64 characters).
TZ_COOKIE = "rada_tz"
#: The request scope's key for the zone the signed-in reader saved, if any.
SAVED_ZONE = "rada.saved_zone"
_NAME = re.compile(r"[A-Za-z0-9_+\-/]{1,64}")


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def reader_zone(request: Request) -> tzinfo:
    """The reader's time zone: the one they saved, else the one their browser set in the
    cookie; UTC until then."""
    name = request.scope.get(SAVED_ZONE) or request.cookies.get(TZ_COOKIE, "")
    if _NAME.fullmatch(name) and name in _known():
        return ZoneInfo(name)
    return UTC


def zone_name(moment: datetime, zone: tzinfo, language: str) -> str:
    """The zone as people know it: its short name where the language has one (CET, SEČ,
    EST), else its IANA name."""
    if zone is UTC:
        return "UTC"
    short = format_datetime(moment, "z", tzinfo=zone, locale=language)
    return short if short[:1].isalpha() else str(zone)


def format_when(moment: datetime, zone: tzinfo, language: str, *, date_only: bool = False) -> str:
    """``moment`` in ``zone``, as ``language`` writes dates: "Dec 5, 2026 06:33 CET",
    "5. 12. 2026 6:33 SEČ"; with ``date_only``, the day alone (in that zone)."""
    day = format_skeleton("yMMMd", moment, tzinfo=zone, locale=language)
    if date_only:
        return day
    clock = format_skeleton("Hm", moment, tzinfo=zone, locale=language)
    return f"{day} {clock} {zone_name(moment, zone, language)}"


@pass_context
def when(context: Context, moment: datetime | None, *, date_only: bool = False) -> Markup:
    """A ``<time>`` element for templates: the reader's zone and language, the exact instant
    in its ``datetime`` attribute."""
    if moment is None:
        return Markup("")
    request: Request = context["request"]
    text = format_when(moment, reader_zone(request), chosen_language(request), date_only=date_only)
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat(), escape(text))
