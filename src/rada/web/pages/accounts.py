"""Signing in, out and up, and the signed-in person's councils.

Forms post back to their own address with the session's CSRF token; a success redirects
(303) so that reloading the next page posts nothing twice, and a refusal shows the form again
with the message next to the field it concerns.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from rada.councils.errors import Conflict, CouncilError
from rada.councils.model import Person
from rada.services import accounts
from rada.services.councils import accept_invitation
from rada.web.api.deps import api_context
from rada.web.i18n import chosen_language
from rada.web.page_kit import (
    address_state,
    form_text,
    labels,
    redirect,
    safe_next,
    verified_form,
)
from rada.web.security import (
    HashingBusy,
    csrf_token,
    end_session,
    form_token,
    request_session,
    security_of,
    start_session,
)
from rada.web.templating import error_text, gettext_for, render
from rada.web.viewer import signed_in

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _client(request: Request) -> str:
    return "ip:" + (request.client.host if request.client else "unknown")


def _sign_in_page(
    request: Request,
    *,
    status_code: int = 200,
    email: str = "",
    next_path: str = "",
    errors: dict[str, str] | None = None,
    notice: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "accounts/sign_in.html",
        status_code=status_code,
        headers=headers,
        section="sign_in",
        csrf=form_token(request),
        email=email,
        next_path=next_path,
        errors=errors or {},
        notice=notice,
    )


@router.get("/sign-in", name="sign_in")
def sign_in_form(request: Request, next: str = "") -> HTMLResponse:
    """The sign-in form."""
    return _sign_in_page(request, next_path=safe_next(next) or "")


@router.post("/sign-in", name="sign_in_post")
async def sign_in(request: Request) -> Response:
    """Check the password, start a session and go on (or show the form with what is wrong)."""
    form = await verified_form(request)
    _ = gettext_for(request)
    email = form_text(form, "email", 320).strip()
    password = form_text(form, "password", 1024)
    next_path = safe_next(form_text(form, "next", 2000)) or ""
    errors = {}
    if not email:
        errors["email"] = _("Enter your e-mail address.")
    if not password:
        errors["password"] = _("Enter your password.")
    if errors:
        return _sign_in_page(
            request, status_code=400, email=email, next_path=next_path, errors=errors
        )
    limiter = security_of(request).limiter
    keys = (_client(request), "email:" + email.lower())
    wait = limiter.retry_after(*keys)
    if wait is not None:
        return _sign_in_page(
            request,
            status_code=429,
            email=email,
            next_path=next_path,
            notice=_(
                "Too many failed sign-ins. Try again in %(seconds)s seconds; if you have "
                "forgotten your password, ask for a link to choose a new one."
            )
            % {"seconds": wait},
            headers={"Retry-After": str(wait)},
        )
    api = api_context(request)

    def authenticate() -> Person:
        with api.uow() as uow:
            person = accounts.authenticate(uow, email=email, password=password)
            uow.commit()
            return person

    try:
        # In a worker thread and a hashing slot: argon2id must not hold up the event loop.
        person = await run_in_threadpool(security_of(request).hashing.call, authenticate)
    except HashingBusy as busy:
        return _busy_page(request, email, next_path, busy)
    except accounts.BadCredentials:
        limiter.failed(*keys)
        return _sign_in_page(
            request,
            status_code=401,
            email=email,
            next_path=next_path,
            errors={"password": _("The e-mail address or the password is wrong.")},
        )
    limiter.succeeded(keys[1])
    response: Response = (
        RedirectResponse(next_path, status_code=303)
        if next_path
        else redirect(request, "my_councils")
    )
    start_session(request, response, person.id)
    return response


def _busy_page(request: Request, email: str, next_path: str, busy: HashingBusy) -> Response:
    _ = gettext_for(request)
    return _sign_in_page(
        request,
        status_code=503,
        email=email,
        next_path=next_path,
        notice=_("The server is busy checking passwords: try again in a moment."),
        headers={"Retry-After": str(busy.retry_after)},
    )


@router.post("/sign-out", name="sign_out")
async def sign_out(request: Request) -> Response:
    """End the session and go to the front page."""
    await verified_form(request)
    response = redirect(request, "home")
    end_session(request, response)
    return response


def _sign_up_page(
    request: Request,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    api = api_context(request)
    return render(
        request,
        "accounts/sign_up.html",
        status_code=status_code,
        headers=headers,
        section="sign_up",
        csrf=form_token(request),
        values=values or {},
        errors=errors or {},
        invitation_only=not api.settings.open_signup,
    )


@router.get("/sign-up", name="sign_up")
def sign_up_form(request: Request, invitation: str = "") -> HTMLResponse:
    """The sign-up form (an invitation code in the address fills its field)."""
    return _sign_up_page(request, values={"invitation": invitation[:200]})


def _field_of(error: CouncilError) -> str:
    """Which field of the sign-up form a service's refusal concerns."""
    text = str(error).lower()
    if "password" in text:
        return "password"
    if "invitation" in text:
        return "invitation"
    if "e-mail" in text or isinstance(error, Conflict):
        return "email"
    return "name"


@router.post("/sign-up", name="sign_up_post")
async def sign_up(request: Request) -> Response:
    """Create the account (joining the council of the invitation, if one is given)."""
    form = await verified_form(request)
    _ = gettext_for(request)
    api = api_context(request)
    values = {
        "name": form_text(form, "name", 500).strip(),
        "email": form_text(form, "email", 320).strip(),
        "invitation": form_text(form, "invitation", 200).strip(),
    }
    password = form_text(form, "password", 1024)
    errors = {}
    if not values["name"]:
        errors["name"] = _("Enter your name.")
    if not values["email"]:
        errors["email"] = _("Enter your e-mail address.")
    if not password:
        errors["password"] = _("Choose a password.")
    if not api.settings.open_signup and not values["invitation"]:
        errors["invitation"] = _("This instance admits new accounts by invitation only.")
    if not errors:
        now = api.now()

        def register() -> Person:
            with api.uow() as uow:
                made = accounts.register(
                    uow, name=values["name"], email=values["email"], password=password, now=now,
                    links=api.links(), language=chosen_language(request),
                )  # fmt: skip
                if values["invitation"]:
                    accept_invitation(uow, code=values["invitation"], person_id=made.id, now=now)
                uow.commit()
                return made

        try:
            person = await run_in_threadpool(security_of(request).hashing.call, register)
        except HashingBusy as busy:
            return _sign_up_page(
                request,
                status_code=503,
                values=values,
                errors={"password": _("The server is busy checking passwords: try again.")},
                headers={"Retry-After": str(busy.retry_after)},
            )
        except CouncilError as error:
            errors[_field_of(error)] = error_text(request, error)
    if errors:
        return _sign_up_page(request, status_code=400, values=values, errors=errors)
    response = redirect(request, "my_councils")
    start_session(request, response, person.id)
    return response


@router.get("/me/councils", name="my_councils")
def my_councils(request: Request) -> Response:
    """The councils the signed-in person belongs to, with their roles, and a form to join one
    with an invitation code (the sign-up page says a code may be given later: here)."""
    person = signed_in(request)
    if person is None:
        path = str(request.app.url_path_for("sign_in"))
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"{path}?next={target}", status_code=303)
    return _my_councils_page(request, person)


def _my_councils_page(
    request: Request,
    person: Person,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    joined: str = "",
) -> HTMLResponse:
    with api_context(request).uow() as uow:
        rows = []
        for membership in uow.memberships.for_person(person.id):
            council = uow.councils.get(membership.council_id)
            if council is not None:
                rows.append((council, membership))
        settings = uow.settings.get(person.id)
    rows.sort(key=lambda row: row[0].name.lower())
    return render(
        request,
        "accounts/my_councils.html",
        status_code=status_code,
        section="my_councils",
        person=person,
        rows=rows,
        labels=labels(gettext_for(request)),
        viewer=person,
        csrf=csrf_token(request),
        errors=errors or {},
        values=values or {},
        joined=joined,
        address_state=address_state(settings),
    )


@router.post("/me/councils", name="join_with_code")
async def join_with_code(request: Request) -> Response:
    """Join the council of an invitation code, signed in (the code works once, for the
    address it was made for, until it expires)."""
    form = await verified_form(request)
    _ = gettext_for(request)
    person = signed_in(request)
    if person is None:
        raise HTTPException(401, _("Sign in to take part."))
    code = form_text(form, "invitation", 200).strip()
    if not code:
        return _my_councils_page(
            request,
            person,
            status_code=400,
            errors={"invitation": _("Enter the invitation code.")},
        )
    api = api_context(request)
    try:
        with api.uow() as uow:
            membership = accept_invitation(uow, code=code, person_id=person.id, now=api.now())
            council = uow.councils.get(membership.council_id)
            uow.commit()
    except CouncilError as error:
        return _my_councils_page(
            request,
            person,
            status_code=400,
            errors={"invitation": error_text(request, error)},
            values={"invitation": code},
        )
    return _my_councils_page(request, person, joined=council.name if council else "")


def _password_page(
    request: Request,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    notice: str = "",
    done: bool = False,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "accounts/password.html",
        status_code=status_code,
        headers=headers,
        errors=errors or {},
        notice=notice,
        done=done,
    )


@router.get("/me/password", name="password")
def password_form(request: Request) -> Response:
    """The form to change one's password (signed in only)."""
    if signed_in(request) is None:
        return RedirectResponse(f"/sign-in?next={quote('/me/password')}", status_code=303)
    return _password_page(request)


@router.post("/me/password", name="password_post")
async def change_password(request: Request) -> Response:
    """Change the password, given the current one; the person's other sessions end."""
    form = await verified_form(request)
    _ = gettext_for(request)
    person = signed_in(request)
    if person is None:
        return RedirectResponse(f"/sign-in?next={quote('/me/password')}", status_code=303)
    current, new = form_text(form, "current", 1024), form_text(form, "new", 1024)
    security = security_of(request)
    keys = (_client(request), "email:" + person.email)
    wait = security.limiter.retry_after(*keys)
    if wait is not None:
        return _password_page(
            request,
            status_code=429,
            notice=_("Too many failed attempts. Try again in %(seconds)s seconds.")
            % {"seconds": wait},
            headers={"Retry-After": str(wait)},
        )
    api = api_context(request)

    def change() -> None:
        with api.uow() as uow:
            accounts.change_password(uow, person_id=person.id, current=current, new=new)
            uow.commit()

    try:
        await run_in_threadpool(security.hashing.call, change)
    except HashingBusy as busy:
        return _password_page(
            request,
            status_code=503,
            notice=_("The server is busy checking passwords: try again in a moment."),
            headers={"Retry-After": str(busy.retry_after)},
        )
    except accounts.BadCredentials:
        security.limiter.failed(*keys)
        return _password_page(
            request, status_code=403, errors={"current": _("The current password is wrong.")}
        )
    except CouncilError as error:
        return _password_page(request, status_code=400, errors={"new": error_text(request, error)})
    session = request_session(request)
    security.sessions().revoke_person(
        person.id, now=api.now(), keep=None if session is None else session.session_id
    )
    return _password_page(request, done=True)
