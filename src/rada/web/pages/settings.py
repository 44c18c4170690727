"""The signed-in person's settings: the language and time zone of the pages and of the mail
they get, and how they hear of each kind of notice by e-mail (at once, in a daily digest,
never).

A saved language wins over the browser's ``Accept-Language``; saving also sets the language
cookie, so that a language picked earlier with the switcher does not hide the new choice. A
saved zone wins over the one the browser reports; until one is saved, the form offers the
browser's.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import quote
from zoneinfo import available_timezones

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from rada.councils.errors import CouncilError
from rada.councils.model import Person
from rada.councils.notices import AccountSettings, NoticeKind
from rada.services import notices as service
from rada.services.notifying import settings_of
from rada.web.api.deps import api_context
from rada.web.i18n import COOKIE, LANGUAGES, language_names
from rada.web.notice_words import describe_kinds, describe_mail
from rada.web.page_kit import address_state, form_text, redirect, verified_form
from rada.web.templating import error_text, gettext_for, render
from rada.web.times import TZ_COOKIE
from rada.web.viewer import signed_in

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_COOKIE_AGE = 365 * 24 * 3600


@cache
def zones() -> list[str]:
    """The time zones offered: UTC, then every IANA area/city name, sorted."""
    return ["UTC", *sorted(z for z in available_timezones() if "/" in z and z.isascii())]


def _sign_in_first(request: Request) -> RedirectResponse:
    path = str(request.app.url_path_for("sign_in"))
    return RedirectResponse(f"{path}?next={quote(request.url.path, safe='/')}", status_code=303)


def _page(
    request: Request,
    person: Person,
    settings: AccountSettings,
    *,
    status_code: int = 200,
    error: str = "",
    saved: bool = False,
) -> HTMLResponse:
    _ = gettext_for(request)
    browser_zone = request.cookies.get(TZ_COOKIE, "")
    zone = settings.timezone or (browser_zone if browser_zone in zones() else "")
    return render(
        request,
        "accounts/settings.html",
        status_code=status_code,
        section="settings",
        viewer=person,
        settings=settings,
        zone=zone,
        zones=zones(),
        languages=LANGUAGES,
        language_names=language_names(),
        kinds=describe_kinds(_),
        ways=describe_mail(_),
        error=error,
        saved=saved,
        address_state=address_state(settings),
    )


@router.get("/settings", name="settings")
def settings_page(request: Request, saved: bool = False) -> Response:
    """The reader's settings."""
    person = signed_in(request)
    if person is None:
        return _sign_in_first(request)
    with api_context(request).uow() as uow:
        settings = settings_of(uow, person.id)
        uow.commit()
    return _page(request, person, settings, saved=saved)


@router.post("/settings", name="settings_post")
async def save_settings(request: Request) -> Response:
    """Save the settings (all at once: language, zone and each kind's mail) and come back to
    the page, now in the language chosen; anything unknown is refused and nothing changes."""
    form = await verified_form(request)
    person = signed_in(request)
    if person is None:
        return _sign_in_first(request)
    language = form_text(form, "language", 8) or None
    zone = form_text(form, "timezone", 80) or None
    mail = {kind.value: form_text(form, f"mail-{kind.value}", 20) for kind in NoticeKind}
    mail = {k: v for k, v in mail.items() if v}
    api = api_context(request)

    def save() -> AccountSettings:
        with api.uow() as uow:
            saved = service.update_settings(
                uow, person.id, language=language, timezone=zone, mail=mail
            )
            uow.commit()
            return saved

    try:
        await run_in_threadpool(save)
    except CouncilError as error:
        with api.uow() as uow:
            current = settings_of(uow, person.id)
        return _page(request, person, current, status_code=422, error=error_text(request, error))
    response = redirect(request, "settings")
    response.headers["location"] += "?saved=1"
    if language is None:
        response.delete_cookie(COOKIE)
    else:
        response.set_cookie(COOKIE, language, max_age=_COOKIE_AGE, samesite="lax", httponly=True)
    return response
