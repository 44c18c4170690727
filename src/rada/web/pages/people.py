"""People's profiles and councils' activity: public pages, readable signed out.

A profile shows what the public record already shows of a person (name, seats, offices,
open votes), never their address, a secret ballot or a hidden vote before the count.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.councils.errors import NotFound
from rada.councils.model import MAX_ID
from rada.services.activity import ACTIVITY_PAGE, council_activity, profile
from rada.web.api.deps import api_context
from rada.web.page_kit import labels
from rada.web.templating import gettext_for, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/people/{person_id}", name="person")
def person_page(request: Request, person_id: int = Path(ge=1, le=MAX_ID)) -> HTMLResponse:
    """A person: name, councils with roles, offices, delegations and open votes."""
    _ = gettext_for(request)
    with api_context(request).uow() as uow:
        try:
            found = profile(uow, person_id)
        except NotFound as error:
            raise HTTPException(404, _("There is no such person.")) from error
    return render(
        request,
        "people/person.html",
        section="people",
        profile=found,
        labels=labels(_),
    )


@router.get("/councils/{slug}/activity", name="council_activity")
def activity_page(
    request: Request,
    slug: str = Path(min_length=1, max_length=64),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> HTMLResponse:
    """What happened in a council, newest first, a page at a time."""
    _ = gettext_for(request)
    with api_context(request).uow() as uow:
        try:
            activity = council_activity(uow, slug, offset=offset, limit=ACTIVITY_PAGE)
        except NotFound as error:
            raise HTTPException(
                404, _("There is no council called %(slug)s.") % {"slug": slug}
            ) from error
    return render(
        request,
        "people/activity.html",
        section="councils",
        activity=activity,
        page=ACTIVITY_PAGE,
        labels=labels(_),
    )
