"""Accounts: sign-up, passwords (argon2id), API tokens, and what is proven by mail.

Passwords and tokens are kept as hashes only, apart from the domain's people. Rate limits on
sign-in belong to the entry point that sees the network.

Mail proves that a person holds an address: a new account's address is confirmed by a link
(``verify``, 48 hours), a forgotten password is replaced through one (``reset``, 1 hour), and
a new address takes effect only once a link sent to it is followed (``change-email``, 48
hours, the token carrying the new address). Each link holds ``secrets.token_urlsafe(32)``,
stored only as its SHA-256; it works once, before it expires, and a newer one of the same
purpose replaces the older. The mail is queued in the outbox in the transaction of the change
(the worker sends it later), and at most one mail of a purpose goes to a person every
:data:`MAIL_EVERY`. The services take the links' base as an argument (:func:`links_to`):
only the entry points read the settings.

None of this is on the public record: an address or a password is nobody else's business.

A person lists their API tokens and revokes them by id: the first 12 hex digits of the
token's hash (:data:`~rada.councils.model.API_TOKEN_ID_LENGTH`), which name it without
revealing it. A revoked token is kept, with the time it was revoked, and signs no one in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rada.councils.errors import Conflict, CouncilError, NotAllowed, NotFound
from rada.councils.events import PersonRegistered
from rada.councils.model import (
    API_TOKEN_ID_LENGTH,
    API_TOKEN_ID_PATTERN,
    ApiToken,
    Person,
    check_email,
    check_name,
)
from rada.councils.text import msg, nmsg
from rada.services.notifying import settings_of
from rada.services.ports import OutgoingMail, UnitOfWork
from rada.services.recording import record_one

MIN_PASSWORD = 10
_HASHER = PasswordHasher()  # argon2id, with the library's current recommended parameters
# Verifying against this keeps a sign-in for an unknown address as slow as for a known one.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")
_TOKEN_ID = re.compile(API_TOKEN_ID_PATTERN)


class BadCredentials(NotAllowed):
    """The e-mail address or password is wrong (which one is not said)."""


def _encodable(password: str) -> bool:
    """Whether the password is text UTF-8 can carry (no lone surrogate)."""
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def hash_password(password: str) -> str:
    """The argon2id hash of a password, after checking it is long enough."""
    if not _encodable(password):
        raise CouncilError(msg("a password must be text (it holds an unpaired surrogate)"))
    if len(password) < MIN_PASSWORD:
        raise CouncilError(
            nmsg(
                "a password needs at least %(n)s character",
                "a password needs at least %(n)s characters",
                MIN_PASSWORD,
            )
        )
    if too_common(password):
        raise CouncilError(
            msg("this password is among those tried first when guessing: choose another"),
            hint=msg("a few unrelated words make a password both long and easy to remember"),
        )
    return _HASHER.hash(password)


#: Fewer guesses than this, by zxcvbn's estimate, and a password is refused.
MIN_GUESSES = 10**6


def too_common(password: str) -> bool:
    """Whether a password is among the common or easily guessed ones (NIST SP 800-63B: check
    new passwords against a list of commonly used ones): zxcvbn matches it against its lists
    of the most used passwords, words, names, keyboard patterns, dates and repeats, and
    estimates the guesses an attacker needs. Only the first 100 characters are looked at
    (zxcvbn's time grows with the length; a longer password is not common)."""
    from zxcvbn import zxcvbn

    return float(zxcvbn(password[:100])["guesses"]) < MIN_GUESSES


def register(
    uow: UnitOfWork,
    *,
    name: str,
    email: str,
    password: str,
    now: datetime,
    links: Links | None = None,
    language: str | None = None,
) -> Person:
    """Create an account, its address not yet confirmed; with ``links`` (the entry points
    pass them) a mail asks the person to confirm it, in ``language``."""
    if uow.people.by_email(check_email(email)) is not None:
        raise Conflict(
            msg("an account with this e-mail address exists"), hint=msg("sign in instead")
        )
    password_hash = hash_password(password)
    person = uow.people.add(Person(name=name, email=email, joined_at=now))
    uow.credentials.set_password(person.id, password_hash)
    # The name is public (it signs what the person says); the address and password are not.
    record_one(
        uow,
        PersonRegistered(council=None, at=now, by=person.id, person=person.id, name=person.name),
    )
    settings_of(uow, person.id)
    if links is not None:
        _mail_token(uow, person, Purpose.VERIFY, now=now, links=links, language=language)
    return person


def authenticate(uow: UnitOfWork, *, email: str, password: str) -> Person:
    """The person with this e-mail address and password; BadCredentials otherwise."""
    try:
        person = uow.people.by_email(check_email(email))
    except CouncilError:
        person = None
    stored = None if person is None else uow.credentials.password_hash(person.id)
    if not _encodable(password):
        password, stored = "", None  # no account has such a password: refused as any other
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise BadCredentials(msg("the e-mail address or password is wrong")) from None
    if person is None or stored is None:
        raise BadCredentials(msg("the e-mail address or password is wrong"))
    if _HASHER.check_needs_rehash(stored):
        uow.credentials.set_password(person.id, _HASHER.hash(password))
    return person


def change_password(uow: UnitOfWork, *, person_id: int, current: str, new: str) -> None:
    """A person changes their own password, proving the current one first (a stolen session
    alone cannot lock its owner out). The caller ends the person's other sessions."""
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound(msg("there is no person %(person)s", person=person_id))
    authenticate(uow, email=person.email, password=current)
    if new == current:
        raise CouncilError(msg("the new password is the same as the current one"))
    uow.credentials.set_password(person_id, hash_password(new))


def token_hash(token: str) -> str:
    """API tokens are long random strings, so a fast hash suffices to store them."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_id(token: str) -> str:
    """The public id of an API token: the first 12 hex digits of its hash."""
    return token_hash(token)[:API_TOKEN_ID_LENGTH]


def issue_token(uow: UnitOfWork, *, person_id: int, name: str, now: datetime) -> str:
    """A new API token for scripts; shown once, stored as a hash. Its name (what it is for)
    is at most 120 characters; an empty one is called "token"."""
    label = check_name(name, msg("a token's name"), longest=120) if name.strip() else "token"
    token = "rada_" + secrets.token_urlsafe(32)
    uow.credentials.add_token(person_id, token_hash(token), name=label, created_at=now)
    return token


def token_people_ids(uow: UnitOfWork, tokens: Sequence[str]) -> dict[str, int]:
    """The owners' ids of those of ``tokens`` that are valid, by token (one lookup)."""
    hashed = {token_hash(t): t for t in tokens}
    return {hashed[h]: person for h, person in uow.credentials.token_owners(list(hashed)).items()}


def token_person(uow: UnitOfWork, token: str) -> Person | None:
    """The owner of an API token, if it is valid."""
    owner = uow.credentials.token_owner(token_hash(token))
    return None if owner is None else uow.people.get(owner)


def list_tokens(uow: UnitOfWork, person_id: int) -> list[ApiToken]:
    """The person's own API tokens, revoked ones too, newest first (never the tokens)."""
    return uow.credentials.tokens_of(person_id)


def revoke_token(uow: UnitOfWork, *, person_id: int, token_id: str, now: datetime) -> ApiToken:
    """Revoke one of the person's API tokens: once committed, it signs no one in.

    Revoking a token already revoked changes nothing (so a retried request succeeds) and
    returns it with the time it was first revoked. NotFound when the person has no token with
    this id: someone else's token is "not found" too, so an id tells nobody whose it is.
    """
    found = None
    if _TOKEN_ID.match(token_id):
        found = uow.credentials.revoke_token(person_id, token_id, at=now)
    if found is None:
        raise NotFound(
            msg("you have no API token %(id)r", id=token_id),
            hint=msg("the ids of your tokens are in the list of your tokens"),
        )
    return found


# -- what is proven by mail --------------------------------------------------------------------

#: A path on this instance (``/verify/...``) made into the absolute address a mail links to.
Links = Callable[[str], str]


def links_to(public_url: str) -> Links:
    """Links under ``public_url`` (the instance's address as people reach it)."""
    base = public_url.rstrip("/")
    return lambda path: base + path


class Purpose(StrEnum):
    """What a token sent by mail is for (the outbox's mail has the same ``purpose``)."""

    VERIFY = "verify"
    RESET = "reset"
    CHANGE_EMAIL = "change-email"


#: How long each kind of link works.
LIFETIMES: dict[Purpose, timedelta] = {
    Purpose.VERIFY: timedelta(hours=48),
    Purpose.RESET: timedelta(hours=1),
    Purpose.CHANGE_EMAIL: timedelta(hours=48),
}

#: The path of each kind of link (the token follows it).
PATHS: dict[Purpose, str] = {
    Purpose.VERIFY: "/verify/",
    Purpose.RESET: "/reset/",
    Purpose.CHANGE_EMAIL: "/confirm-email/",
}

#: At most one mail of a purpose goes to a person in this time (a button pressed twice, or
#: someone else asking for resets of an address they do not hold, mails nobody twice).
MAIL_EVERY = timedelta(minutes=5)


class TokenRefused(CouncilError):
    """A link from a mail that is unknown, used already or expired (which, is not said)."""


class TooSoon(CouncilError):
    """A mail of this purpose went to the person less than :data:`MAIL_EVERY` ago."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            nmsg(
                "a mail was sent a moment ago; you may ask again in %(n)s second",
                "a mail was sent a moment ago; you may ask again in %(n)s seconds",
                retry_after,
            ),
            hint=msg("look in your spam folder too"),
        )
        self.retry_after = retry_after


def _refused() -> TokenRefused:
    return TokenRefused(
        msg("this link has been used already or has expired"),
        hint=msg("ask for a new one: each link works once, and only for a while"),
    )


def _spend(uow: UnitOfWork, token: str, purpose: Purpose, now: datetime) -> tuple[int, str] | None:
    """Spend a token from a mail: its person and address, or None when it does not work
    (text that is no token at all, a lone surrogate included, is simply not found)."""
    if not _encodable(token) or len(token) > 200:
        return None
    used = uow.account_tokens.use(token_hash(token), purpose=purpose.value, at=now)
    return None if used is None or used[1] is None else (used[0], used[1])


def _mail_token(
    uow: UnitOfWork,
    person: Person,
    purpose: Purpose,
    *,
    now: datetime,
    links: Links,
    language: str | None,
    address: str | None = None,
) -> None:
    """Make a token for ``purpose`` (replacing the person's unused ones) and queue the mail
    with its link to ``address`` (the person's own by default)."""
    token = secrets.token_urlsafe(32)
    expires = now + LIFETIMES[purpose]
    uow.account_tokens.drop_unused(person.id, purpose=purpose.value, at=now)
    uow.account_tokens.add(
        token_hash(token), person_id=person.id, purpose=purpose.value, created_at=now,
        expires_at=expires, email=address or person.email,
    )  # fmt: skip
    chosen = settings_of(uow, person.id).language
    uow.outbox.add_many(
        [
            OutgoingMail(
                address=address or person.email,
                purpose=purpose.value,
                language=chosen or language or "en",
                created_at=now,
                due_at=now,
                person_id=person.id,
                # The link holds the token in plain text until the mail is sent: the outbox
                # empties a mail's payload once it is sent or given up.
                payload={
                    "link": links(PATHS[purpose] + token),
                    "name": person.name,
                    "email": address or person.email,
                    "expires_at": expires.isoformat(),
                },
            )
        ]
    )


def _wait(uow: UnitOfWork, person_id: int, purpose: Purpose, now: datetime) -> int | None:
    """Seconds until another mail of ``purpose`` may go to the person, or None when it may."""
    last = uow.account_tokens.last_issued(person_id, purpose=purpose.value)
    if last is None or now >= last + MAIL_EVERY:
        return None
    return max(1, int((last + MAIL_EVERY - now).total_seconds() + 0.999))


def send_verification(
    uow: UnitOfWork, *, person_id: int, now: datetime, links: Links, language: str | None = None
) -> None:
    """Send the person a new link to confirm their address (the earlier one stops working).
    TooSoon within :data:`MAIL_EVERY` of the last; refused when it is confirmed already."""
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound(msg("there is no person %(person)s", person=person_id))
    if settings_of(uow, person_id).verified_at is not None:
        raise CouncilError(msg("your e-mail address is confirmed already"))
    wait = _wait(uow, person_id, Purpose.VERIFY, now)
    if wait is not None:
        raise TooSoon(wait)
    _mail_token(uow, person, Purpose.VERIFY, now=now, links=links, language=language)


def _confirmed(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    settings = settings_of(uow, person_id)
    settings.verified_at, settings.refused_at = now, None
    uow.settings.save(settings)


def confirm_email(uow: UnitOfWork, *, token: str, now: datetime) -> Person:
    """Confirm a person's address with the link mailed to it; the person. TokenRefused for a
    link used already, expired, unknown, or sent to an address the person no longer has."""
    used = _spend(uow, token, Purpose.VERIFY, now)
    person = None if used is None else uow.people.get(used[0])
    if used is None or person is None or person.email != used[1]:
        raise _refused()
    _confirmed(uow, person.id, now)
    return person


def request_reset(
    uow: UnitOfWork, *, email: str, now: datetime, links: Links, language: str | None = None
) -> None:
    """Mail a link to choose a new password to ``email``, if it has an account.

    The caller answers the same either way, and either way no password is hashed, so the
    answer's time says little more than its words (an account costs two small writes more).
    A second request within :data:`MAIL_EVERY` sends nothing. Only an address that is not
    an address at all is refused (CouncilError): that says nothing of any account.
    """
    person = uow.people.by_email(check_email(email))
    if person is None or _wait(uow, person.id, Purpose.RESET, now) is not None:
        return
    _mail_token(uow, person, Purpose.RESET, now=now, links=links, language=language)


def reset_password(uow: UnitOfWork, *, token: str, new_password: str, now: datetime) -> Person:
    """Set a new password with a reset link; the person. The new password is checked before
    the link is spent, so a refused password leaves the link working. The link proves the
    address too, so it is confirmed. The caller ends the person's browser sessions."""
    password_hash = hash_password(new_password)
    used = _spend(uow, token, Purpose.RESET, now)
    person = None if used is None else uow.people.get(used[0])
    if used is None or person is None or person.email != used[1]:
        raise _refused()
    uow.credentials.set_password(person.id, password_hash)
    if settings_of(uow, person.id).verified_at is None:
        _confirmed(uow, person.id, now)
    return person


def request_email_change(
    uow: UnitOfWork,
    *,
    person_id: int,
    new_email: str,
    password: str,
    now: datetime,
    links: Links,
    language: str | None = None,
) -> str:
    """Mail a link to ``new_email``; the address changes when it is followed. The password
    is asked first (BadCredentials), so a session left open cannot move the account to
    another address. The new address, normalised."""
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound(msg("there is no person %(person)s", person=person_id))
    authenticate(uow, email=person.email, password=password)
    address = check_email(new_email)
    if address == person.email:
        raise CouncilError(msg("this is your e-mail address already"))
    if uow.people.by_email(address) is not None:
        raise Conflict(msg("an account with this e-mail address exists"))
    wait = _wait(uow, person_id, Purpose.CHANGE_EMAIL, now)
    if wait is not None:
        raise TooSoon(wait)
    _mail_token(
        uow, person, Purpose.CHANGE_EMAIL, now=now, links=links, language=language,
        address=address,
    )  # fmt: skip
    return address


def confirm_email_change(uow: UnitOfWork, *, token: str, now: datetime) -> Person:
    """Move the account to the address the link was mailed to, confirmed; the person.
    TokenRefused for a link used, expired or unknown; Conflict (leaving the link unspent,
    as the transaction rolls back) when another account took the address meanwhile."""
    used = _spend(uow, token, Purpose.CHANGE_EMAIL, now)
    person = None if used is None else uow.people.get(used[0])
    if used is None or person is None:
        raise _refused()
    person.email = used[1]
    try:
        uow.people.save(person)
    except Conflict:
        raise Conflict(
            msg("an account with this e-mail address exists"),
            hint=msg("the address was taken after you asked for the change"),
        ) from None
    # A confirmation or reset link sent to the old address no longer proves anything.
    for purpose in (Purpose.VERIFY, Purpose.RESET):
        uow.account_tokens.drop_unused(person.id, purpose=purpose.value, at=now)
    _confirmed(uow, person.id, now)
    return person
