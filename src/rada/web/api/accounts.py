"""Accounts: sign up, sign in and out, one's own view, API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.requests import Request
from starlette.responses import Response

from rada.councils.model import Person
from rada.councils.text import msg, nmsg
from rada.services import accounts
from rada.services.councils import accept_invitation
from rada.web.api.deps import ApiDep, ParticipantDep
from rada.web.api.errors import ApiError, ApiRoute
from rada.web.api.lookup import Councils, People
from rada.web.api.schemas import (
    TOKEN_ID,
    Accepted,
    AccountCreate,
    EmailChange,
    EmailChangeRequested,
    EmailConfirmed,
    Me,
    MembershipPublic,
    PasswordChange,
    PasswordReset,
    PersonPublic,
    ResetRequest,
    SessionPublic,
    SignedOut,
    SignIn,
    TokenCreate,
    TokenFromMail,
    TokenIssued,
    TokenPublic,
)
from rada.web.i18n import chosen_language
from rada.web.security import (
    HashingBusy,
    csrf_token,
    end_session,
    request_session,
    security_of,
    start_session,
)

router = APIRouter(tags=["accounts"], route_class=ApiRoute)

TokenId = Annotated[
    str,
    Path(pattern=TOKEN_ID, description="The token's id (12 hex digits, from GET /me/tokens)."),
]


# The sign-up, sign-in and sign-out routes are named apart from the pages' routes of the same
# names: ``url_for`` takes the first route of a name, and the API's routes come first.
@router.post(
    "/accounts",
    status_code=201,
    summary="Sign up (and sign in)",
    name="api_sign_up",
)
def sign_up(
    body: AccountCreate, request: Request, response: Response, api: ApiDep
) -> SessionPublic:
    """Create an account and start a browser session. With an invitation code the account
    joins that council at once; when the instance does not allow open sign-up
    (``RADA_OPEN_SIGNUP=false``) the code is required."""
    if not api.settings.open_signup and not body.invitation:
        raise ApiError(
            403,
            msg("this instance admits new accounts by invitation only"),
            hint=msg("ask a member of a council for an invitation code"),
        )
    now = api.now()

    def register() -> Person:
        with api.uow() as uow:
            person = accounts.register(
                uow, name=body.name, email=body.email, password=body.password, now=now,
                links=api.links(), language=chosen_language(request),
            )  # fmt: skip
            if body.invitation:
                accept_invitation(uow, code=body.invitation, person_id=person.id, now=now)
            uow.commit()
            return person

    person = _hashing(request, register)
    token = start_session(request, response, person.id)
    return SessionPublic(person=PersonPublic.of(person), csrf_token=token)


def _hashing(request: Request, work: Callable[[], Person]) -> Person:
    """Run work that hashes a password in one of the process's hashing slots (503 when they
    stay taken)."""
    try:
        return security_of(request).hashing.call(work)
    except HashingBusy as busy:
        raise ApiError(
            503,
            msg("the server is checking many passwords at once; try again in a moment"),
            headers={"Retry-After": str(busy.retry_after)},
        ) from busy


def _client(request: Request) -> str:
    return "ip:" + (request.client.host if request.client else "unknown")


@router.post(
    "/auth/sign-in",
    summary="Sign in: a session cookie and its CSRF token",
    name="api_sign_in",
)
def sign_in(body: SignIn, request: Request, response: Response, api: ApiDep) -> SessionPublic:
    """Check the password and start a browser session (an ``HttpOnly`` cookie). Failed
    attempts are limited per client address and per e-mail address; past the limit the
    answer is 429 with ``Retry-After``."""
    limiter = security_of(request).limiter
    keys = (_client(request), "email:" + body.email.strip().lower())
    wait = limiter.retry_after(*keys)
    if wait is not None:
        raise ApiError(
            429,
            nmsg(
                "too many failed sign-ins; try again in %(n)s second",
                "too many failed sign-ins; try again in %(n)s seconds",
                wait,
            ),
            hint=msg("if you have forgotten your password, ask for a link to choose a new one"),
            headers={"Retry-After": str(wait)},
        )

    def authenticate() -> Person:
        with api.uow() as uow:
            person = accounts.authenticate(uow, email=body.email, password=body.password)
            uow.commit()  # a password hashed with outdated parameters is rehashed
            return person

    try:
        person = _hashing(request, authenticate)
    except accounts.BadCredentials as error:
        limiter.failed(*keys)
        raise ApiError(401, error.message) from error
    limiter.succeeded(keys[1])
    token = start_session(request, response, person.id)
    return SessionPublic(person=PersonPublic.of(person), csrf_token=token)


@router.post(
    "/auth/sign-out",
    summary="Sign out: end the browser session",
    name="api_sign_out",
)
def sign_out(request: Request, response: Response, caller: ParticipantDep) -> SignedOut:
    """End the session of the cookie sent (API tokens are not affected)."""
    end_session(request, response)
    return SignedOut(signed_out=True)


@router.get("/me", summary="The signed-in person, with their memberships")
def me(request: Request, api: ApiDep, caller: ParticipantDep) -> Me:
    """One's own account: name, e-mail address, memberships and (for a cookie session) the
    CSRF token to send with changes."""
    with api.uow() as uow:
        people, councils = People(uow), Councils(uow)
        memberships = [
            MembershipPublic.of(m, people(m.person_id), councils(m.council_id))
            for m in uow.memberships.for_person(caller.id)
        ]
        settings = uow.settings.get(caller.id)
    person = caller.person
    return Me(
        id=person.id,
        name=person.name,
        email=person.email,
        joined_at=person.joined_at,
        email_confirmed=settings is not None and settings.verified_at is not None,
        memberships=memberships,
        csrf_token=csrf_token(request) if caller.via == "cookie" else None,
    )


@router.post("/me/password", status_code=204, summary="Change one's password")
def change_password(
    body: PasswordChange, request: Request, api: ApiDep, caller: ParticipantDep
) -> Response:
    """Change the caller's password, given the current one. Every other browser session of
    the caller ends (this one stays signed in); API tokens are kept (revoke them apart).
    A wrong current password is 403, and counts against the sign-in limits."""
    limiter = security_of(request).limiter
    keys = (_client(request), "email:" + caller.person.email)
    wait = limiter.retry_after(*keys)
    if wait is not None:
        raise ApiError(
            429,
            msg("too many failed attempts; try again later"),
            headers={"Retry-After": str(wait)},
        )

    def change() -> Person:
        with api.uow() as uow:
            accounts.change_password(uow, person_id=caller.id, current=body.current, new=body.new)
            uow.commit()
            return caller.person

    try:
        _hashing(request, change)
    except accounts.BadCredentials as error:
        limiter.failed(*keys)
        raise ApiError(403, msg("the current password is wrong")) from error
    session = request_session(request)
    security_of(request).sessions().revoke_person(
        caller.id, now=api.now(), keep=None if session is None else session.session_id
    )
    return Response(status_code=204)


@router.post("/me/tokens", status_code=201, summary="Create an API token")
def create_token(body: TokenCreate, api: ApiDep, caller: ParticipantDep) -> TokenIssued:
    """A new API token for scripts, shown once; send it as ``Authorization: Bearer ...``."""
    with api.uow() as uow:
        token = accounts.issue_token(uow, person_id=caller.id, name=body.name, now=api.now())
        uow.commit()
    return TokenIssued(token=token, id=accounts.token_id(token), name=body.name.strip() or "token")


@router.get("/me/tokens", summary="One's API tokens")
def list_tokens(api: ApiDep, caller: ParticipantDep) -> list[TokenPublic]:
    """The caller's API tokens, newest first, revoked ones too (with the time each was
    revoked): each token's id, name and times, never the token itself."""
    with api.uow() as uow:
        tokens = accounts.list_tokens(uow, caller.id)
    return [TokenPublic.of(t) for t in tokens]


@router.delete("/me/tokens/{token_id}", status_code=204, summary="Revoke an API token")
def revoke_token(token_id: TokenId, api: ApiDep, caller: ParticipantDep) -> Response:
    """Revoke one of the caller's API tokens: from now on a request with it gets 401. The
    token stays in the list, with the time it was revoked; revoking it again changes nothing
    (204). Anyone else's token, or an unknown id, is 404."""
    with api.uow() as uow:
        accounts.revoke_token(uow, person_id=caller.id, token_id=token_id, now=api.now())
        uow.commit()
    return Response(status_code=204)


# -- what is proven by mail ------------------------------------------------------------------


def _refused(error: accounts.TokenRefused) -> ApiError:
    return ApiError(410, error.message, hint=error.hint_message)


def _too_soon(error: accounts.TooSoon) -> ApiError:
    return ApiError(
        429, error.message, hint=error.hint_message,
        headers={"Retry-After": str(error.retry_after)},
    )  # fmt: skip


@router.post("/accounts/verify", summary="Confirm one's address with the link mailed to it")
def verify(body: TokenFromMail, api: ApiDep) -> EmailConfirmed:
    """Confirm the address a new account's mail went to (the token is the end of the
    mail's link). Only a confirmed address is sent notices. A token works once, for 48 hours;
    used, expired or unknown, it is 410."""
    now = api.now()
    try:
        with api.uow() as uow:
            person = accounts.confirm_email(uow, token=body.token, now=now)
            uow.commit()
    except accounts.TokenRefused as error:
        raise _refused(error) from error
    return EmailConfirmed(email=person.email, verified_at=now)


@router.post(
    "/me/verification", status_code=202, summary="Mail a new link to confirm one's address"
)
def send_verification(request: Request, api: ApiDep, caller: ParticipantDep) -> Accepted:
    """Mail the caller a new link to confirm their address (the earlier link stops working).
    At most one such mail every 5 minutes (429 with ``Retry-After``); 422 when the address
    is confirmed already."""
    try:
        with api.uow() as uow:
            accounts.send_verification(
                uow, person_id=caller.id, now=api.now(), links=api.links(),
                language=chosen_language(request),
            )  # fmt: skip
            uow.commit()
    except accounts.TooSoon as error:
        raise _too_soon(error) from error
    return Accepted(detail="a link to confirm the address is on its way")


@router.post(
    "/accounts/reset-requests", status_code=202, summary="Ask for a link to choose a new password"
)
def request_reset(body: ResetRequest, request: Request, api: ApiDep) -> Accepted:
    """Mail a link to choose a new password, valid for an hour, if the address has an
    account. The answer is 202 with the same words whether or not it has one (and a second
    request within 5 minutes sends nothing more); only something that is not an e-mail
    address at all is refused (422)."""
    with api.uow() as uow:
        accounts.request_reset(
            uow, email=body.email, now=api.now(), links=api.links(),
            language=chosen_language(request),
        )  # fmt: skip
        uow.commit()
    return Accepted(
        detail="if an account has this address, a link to choose a new password is on its way"
    )


@router.post("/accounts/reset", status_code=204, summary="Choose a new password with a link")
def reset_password(body: PasswordReset, request: Request, api: ApiDep) -> Response:
    """Set a new password with the token of a reset mail. The token works once, for an hour
    (410 otherwise); a password that is too short or too common is 422 and leaves the token
    working. Every browser session of the account ends; API tokens are kept."""
    now = api.now()

    def reset() -> Person:
        with api.uow() as uow:
            person = accounts.reset_password(
                uow, token=body.token, new_password=body.password, now=now
            )
            uow.commit()
            return person

    try:
        person = _hashing(request, reset)
    except accounts.TokenRefused as error:
        raise _refused(error) from error
    security_of(request).sessions().revoke_person(person.id, now=now)
    return Response(status_code=204)


@router.post("/me/email", status_code=202, summary="Change one's address (confirmed by mail)")
def change_email(
    body: EmailChange, request: Request, api: ApiDep, caller: ParticipantDep
) -> EmailChangeRequested:
    """Ask to move the account to a new address, given the current password: a link goes to
    the new address, and the account moves when it is followed (``POST
    /accounts/email-confirmations``), within 48 hours. Until then the old address stays. A
    wrong password is 403 and counts against the sign-in limits; an address that has an
    account is 409; a second request within 5 minutes is 429."""
    limiter = security_of(request).limiter
    keys = (_client(request), "email:" + caller.person.email)
    wait = limiter.retry_after(*keys)
    if wait is not None:
        raise ApiError(
            429,
            msg("too many failed attempts; try again later"),
            headers={"Retry-After": str(wait)},
        )
    now = api.now()

    def ask() -> Person:
        with api.uow() as uow:
            accounts.request_email_change(
                uow, person_id=caller.id, new_email=body.email, password=body.password,
                now=now, links=api.links(), language=chosen_language(request),
            )  # fmt: skip
            uow.commit()
            return caller.person

    try:
        _hashing(request, ask)
    except accounts.BadCredentials as error:
        limiter.failed(*keys)
        raise ApiError(403, msg("the current password is wrong")) from error
    except accounts.TooSoon as error:
        raise _too_soon(error) from error
    return EmailChangeRequested(
        email=body.email.strip().lower(),
        expires_at=now + accounts.LIFETIMES[accounts.Purpose.CHANGE_EMAIL],
    )


@router.post(
    "/accounts/email-confirmations", summary="Move the account to the address a link went to"
)
def confirm_email_change(body: TokenFromMail, api: ApiDep) -> EmailConfirmed:
    """Follow the link mailed to a new address: the account moves to it, confirmed. The token
    works once, for 48 hours (410 otherwise); 409 when another account took the address
    meanwhile (the token then still works, should that account let the address go)."""
    now = api.now()
    try:
        with api.uow() as uow:
            person = accounts.confirm_email_change(uow, token=body.token, now=now)
            uow.commit()
    except accounts.TokenRefused as error:
        raise _refused(error) from error
    return EmailConfirmed(email=person.email, verified_at=now)
