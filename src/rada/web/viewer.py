"""Who is reading: the pages' dependency alias for the signed-in person (as the API has
``ApiDep`` and ``ViewerDep``)::

    @router.get("/", name="home")
    def home(request: Request, reader: ReaderDep) -> HTMLResponse: ...

A page opens its own unit of work for its reads and closes it before it renders: a unit of work
holds the database's write lock on SQLite, and rendering looks up the reader again, so a unit
of work held across the page (a yield dependency) would wait on itself.

Its own module, below the pages and the templates alike, so that neither imports the other
to know who is signed in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from rada.councils.model import Person
from rada.web.api.deps import api_context
from rada.web.security import request_session

__all__ = ["ReaderDep", "signed_in"]


def signed_in(request: Request) -> Person | None:
    """The person whose session cookie the request carries, or None."""
    session = request_session(request)
    if session is None:
        return None
    with api_context(request).uow() as uow:
        return uow.people.get(session.person_id)


#: The signed-in person reading the page, or None.
ReaderDep = Annotated[Person | None, Depends(signed_in)]
