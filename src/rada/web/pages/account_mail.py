"""What an account proves by mail: confirming an address, choosing a new password, moving to
a new address, and following an invitation's link.

A link from a mail opens a page with one button; the token is spent only when the button is
pressed (a POST), so a mail scanner that fetches links does not use it up. A used, expired
or unknown link gets a page that says so (410) and what to do instead. Forms carry the CSRF
token of the session, or of the browser's form cookie when signed out.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from rada.councils.errors import Conflict, CouncilError
from rada.councils.model import Person
from rada.services import accounts
from rada.web.api.deps import api_context
from rada.web.i18n import chosen_language
from rada.web.page_kit import form_text, verified_form
from rada.web.security import HashingBusy, form_token, security_of
from rada.web.templating import error_text, gettext_for, render
from rada.web.viewer import signed_in

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _client(request: Request) -> str:
    return "ip:" + (request.client.host if request.client else "unknown")


def _to_sign_in(path: str) -> RedirectResponse:
    return RedirectResponse(f"/sign-in?next={quote(path, safe='/')}", status_code=303)


def _page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: object,
) -> HTMLResponse:
    return render(
        request,
        template,
        status_code=status_code,
        headers=headers,
        csrf=form_token(request),
        viewer=signed_in(request),
        **context,
    )


def _refused(request: Request, error: accounts.TokenRefused, *, retry: str) -> HTMLResponse:
    """The page for a link used already, expired or unknown: 410, and where to go instead."""
    return _page(
        request,
        "accounts/link.html",
        status_code=410,
        step="refused",
        error=error_text(request, error),
        retry=retry,
    )


# -- confirming an address ----------------------------------------------------------------


@router.get("/verify/{token}", name="verify_address")
def verify_form(request: Request, token: str) -> HTMLResponse:
    """The page a confirmation mail links to: one button confirms the address."""
    return _page(request, "accounts/link.html", step="verify", token=token[:200])


@router.post("/verify/{token}", name="verify_post")
async def verify(request: Request, token: str) -> Response:
    """Confirm the address with the link's token."""
    await verified_form(request)
    api = api_context(request)
    try:
        with api.uow() as uow:
            person = accounts.confirm_email(uow, token=token[:200], now=api.now())
            uow.commit()
    except accounts.TokenRefused as error:
        return _refused(request, error, retry="verification")
    return _page(request, "accounts/link.html", step="verified", email=person.email)


@router.post("/me/verification", name="verification")
async def send_verification(request: Request) -> Response:
    """Mail the signed-in person a new link to confirm their address (one every 5 minutes)."""
    await verified_form(request)
    person = signed_in(request)
    if person is None:
        return _to_sign_in("/me/councils")
    api = api_context(request)
    try:
        with api.uow() as uow:
            accounts.send_verification(
                uow, person_id=person.id, now=api.now(), links=api.links(),
                language=chosen_language(request),
            )  # fmt: skip
            uow.commit()
    except accounts.TooSoon as error:
        return _page(
            request, "accounts/link.html", status_code=429, step="too_soon",
            error=error_text(request, error), headers={"Retry-After": str(error.retry_after)},
        )  # fmt: skip
    except CouncilError as error:
        return _page(
            request, "accounts/link.html", status_code=400, step="too_soon",
            error=error_text(request, error),
        )  # fmt: skip
    return _page(request, "accounts/link.html", step="verification_sent", email=person.email)


# -- a forgotten password -----------------------------------------------------------------


@router.get("/reset", name="reset")
def reset_request_form(request: Request) -> HTMLResponse:
    """The form to ask for a link to choose a new password."""
    return _page(request, "accounts/reset.html", step="ask", values={}, errors={})


@router.post("/reset", name="reset_post")
async def request_reset(request: Request) -> Response:
    """Mail a link if the address has an account; the page says the same either way."""
    form = await verified_form(request)
    _ = gettext_for(request)
    email = form_text(form, "email", 320).strip()
    error = _("Enter your e-mail address.") if not email else ""
    if not error:
        api = api_context(request)
        try:
            with api.uow() as uow:
                accounts.request_reset(
                    uow, email=email, now=api.now(), links=api.links(),
                    language=chosen_language(request),
                )  # fmt: skip
                uow.commit()
        except CouncilError as refused:
            error = error_text(request, refused)
    if error:
        return _page(
            request, "accounts/reset.html", status_code=400, step="ask",
            values={"email": email}, errors={"email": error},
        )  # fmt: skip
    return _page(request, "accounts/reset.html", step="asked", values={}, errors={})


@router.get("/reset/{token}", name="reset_token")
def reset_form(request: Request, token: str) -> HTMLResponse:
    """The form a reset mail links to: the new password, twice."""
    return _page(request, "accounts/reset.html", step="choose", token=token[:200], errors={})


@router.post("/reset/{token}", name="reset_token_post")
async def reset(request: Request, token: str) -> Response:
    """Set the new password; every session of the account ends, and the page asks to sign in."""
    form = await verified_form(request)
    _ = gettext_for(request)
    new, again = form_text(form, "new", 1024), form_text(form, "again", 1024)
    token = token[:200]

    def choose(
        status: int, errors: dict[str, str], headers: dict[str, str] | None = None
    ) -> HTMLResponse:
        return _page(
            request, "accounts/reset.html", status_code=status, headers=headers, step="choose",
            token=token, errors=errors,
        )  # fmt: skip

    if not new:
        return choose(400, {"new": _("Choose a password.")})
    if new != again:
        return choose(400, {"again": _("The two passwords are not the same.")})
    api = api_context(request)
    security = security_of(request)
    now = api.now()

    def work() -> Person:
        with api.uow() as uow:
            person = accounts.reset_password(uow, token=token, new_password=new, now=now)
            uow.commit()
            return person

    try:
        person = await run_in_threadpool(security.hashing.call, work)
    except HashingBusy as busy:
        return choose(
            503, {"new": _("The server is busy checking passwords: try again.")},
            headers={"Retry-After": str(busy.retry_after)},
        )  # fmt: skip
    except accounts.TokenRefused as error:
        return _refused(request, error, retry="reset")
    except CouncilError as error:
        return choose(400, {"new": error_text(request, error)})
    security.sessions().revoke_person(person.id, now=now)
    return _page(request, "accounts/reset.html", step="done", errors={})


# -- a new address ------------------------------------------------------------------------


@router.get("/me/email", name="email")
def email_form(request: Request) -> Response:
    """The form to move one's account to a new address (signed in only)."""
    person = signed_in(request)
    if person is None:
        return _to_sign_in("/me/email")
    return _page(request, "accounts/email.html", person=person, values={}, errors={})


@router.post("/me/email", name="email_post")
async def change_email(request: Request) -> Response:
    """Mail a link to the new address, given the current password."""
    form = await verified_form(request)
    _ = gettext_for(request)
    person = signed_in(request)
    if person is None:
        return _to_sign_in("/me/email")
    values = {"email": form_text(form, "email", 320).strip()}
    password = form_text(form, "password", 1024)

    def again(
        status: int,
        errors: dict[str, str],
        *,
        headers: dict[str, str] | None = None,
        notice: str = "",
        sent: str = "",
    ) -> HTMLResponse:
        return _page(
            request, "accounts/email.html", status_code=status, headers=headers, person=person,
            values=values, errors=errors, notice=notice, sent=sent,
        )  # fmt: skip

    if not values["email"]:
        return again(400, {"email": _("Enter your e-mail address.")})
    security = security_of(request)
    keys = (_client(request), "email:" + person.email)
    wait = security.limiter.retry_after(*keys)
    if wait is not None:
        notice = _("Too many failed attempts. Try again in %(seconds)s seconds.") % {
            "seconds": wait
        }
        return again(429, {}, notice=notice, headers={"Retry-After": str(wait)})
    api = api_context(request)

    def work() -> str:
        with api.uow() as uow:
            address = accounts.request_email_change(
                uow, person_id=person.id, new_email=values["email"], password=password,
                now=api.now(), links=api.links(), language=chosen_language(request),
            )  # fmt: skip
            uow.commit()
            return address

    try:
        address = await run_in_threadpool(security.hashing.call, work)
    except HashingBusy as busy:
        notice = _("The server is busy checking passwords: try again in a moment.")
        return again(503, {}, notice=notice, headers={"Retry-After": str(busy.retry_after)})
    except accounts.BadCredentials:
        security.limiter.failed(*keys)
        return again(403, {"password": _("The current password is wrong.")})
    except accounts.TooSoon as error:
        headers = {"Retry-After": str(error.retry_after)}
        return again(429, {}, notice=error_text(request, error), headers=headers)
    except CouncilError as error:
        return again(
            409 if isinstance(error, Conflict) else 400, {"email": error_text(request, error)}
        )
    return again(200, {}, sent=address)


@router.get("/confirm-email/{token}", name="confirm_email")
def confirm_email_form(request: Request, token: str) -> HTMLResponse:
    """The page a mail to a new address links to: one button moves the account to it."""
    return _page(request, "accounts/link.html", step="confirm_email", token=token[:200])


@router.post("/confirm-email/{token}", name="confirm_email_post")
async def confirm_email(request: Request, token: str) -> Response:
    """Move the account to the address the link went to."""
    await verified_form(request)
    api = api_context(request)
    try:
        with api.uow() as uow:
            person = accounts.confirm_email_change(uow, token=token[:200], now=api.now())
            uow.commit()
    except accounts.TokenRefused as error:
        return _refused(request, error, retry="email")
    except Conflict as error:
        return _page(
            request, "accounts/link.html", status_code=409, step="taken",
            error=error_text(request, error),
        )  # fmt: skip
    return _page(request, "accounts/link.html", step="email_changed", email=person.email)


# -- an invitation's link -----------------------------------------------------------------


@router.get("/join", name="join")
def join(request: Request, code: str = "") -> HTMLResponse:
    """An invitation's link: signed in, a button joins the council; signed out, the ways to
    sign up or in with the code carried along."""
    code = code.strip()[:200]
    here = "/join?" + urlencode({"code": code})
    return _page(
        request,
        "accounts/join.html",
        code=code,
        sign_up="/sign-up?" + urlencode({"invitation": code}),
        sign_in="/sign-in?" + urlencode({"next": here}),
    )
