"""What the council commands share: the database, the clock, and who is acting.

A command that takes part in a council acts as a person, who proves it as on the web: with an
API token (``RADA_TOKEN``) or with their e-mail address (``--as``) and password
(``RADA_PASSWORD``, or asked at the terminal). Having the database file does not make anyone
a member.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rada.councils.model import Person
    from rada.services.accounts import Links
    from rada.services.ports import UnitOfWork

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this account (e-mail); the password comes from RADA_PASSWORD or a prompt. "
        "Without it, RADA_TOKEN names the account.",
    ),
]


def now() -> datetime:
    """The time a change is made."""
    return datetime.now(UTC)


def links() -> Links:
    """Links to the instance as people reach it (``RADA_PUBLIC_URL``), for the mail a change
    queues."""
    from rada.config import load_settings
    from rada.services.accounts import links_to

    return links_to(load_settings().public_url)


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """A unit of work on the configured database (upgraded to the current schema)."""
    from rada.bootstrap import open_database
    from rada.config import load_settings

    database = open_database(load_settings())
    with database.unit_of_work() as uow:
        yield uow


def acting(uow: UnitOfWork, email: str | None) -> Person:
    """The person the command acts for, after checking their password or token."""
    from rada.councils.errors import NotAllowed
    from rada.services import accounts

    if email is None:
        token = os.environ.get("RADA_TOKEN")
        if not token:
            raise NotAllowed(
                "this command acts as someone: say who",
                hint="pass --as EMAIL (password from RADA_PASSWORD or a prompt), "
                "or set RADA_TOKEN to an API token",
            )
        person = accounts.token_person(uow, token)
        if person is None:
            raise NotAllowed("RADA_TOKEN is not a valid API token")
        return person
    password = os.environ.get("RADA_PASSWORD")
    if password is None:
        password = typer.prompt(f"Password for {email}", hide_input=True, err=True)
    return accounts.authenticate(uow, email=email, password=password)
