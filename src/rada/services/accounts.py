"""Accounts: sign-up, passwords (argon2id) and API tokens.

Passwords and tokens are kept as hashes only, apart from the domain's people. Rate limits on
sign-in belong to the entry point that sees the network.

A person lists their API tokens and revokes them by id: the first 12 hex digits of the
token's hash (:data:`~rada.councils.model.API_TOKEN_ID_LENGTH`), which name it without
revealing it. A revoked token is kept, with the time it was revoked, and signs no one in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime

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
from rada.services.ports import UnitOfWork
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


def register(uow: UnitOfWork, *, name: str, email: str, password: str, now: datetime) -> Person:
    """Create an account."""
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
