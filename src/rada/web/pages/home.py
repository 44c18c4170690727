"""The front page: signed out, what Rada is and where to go; signed in, what waits for you
and what changed in your councils since your last visit (a visit is written down at most
every few minutes: :data:`rada.services.notices.SEEN_EVERY`)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.services.notices import visit
from rada.services.waiting import since_last_visit, waiting_for
from rada.web.api.deps import api_context
from rada.web.page_kit import labels
from rada.web.templating import gettext_for, render
from rada.web.viewer import ReaderDep

router = APIRouter(include_in_schema=False)


@router.get("/", name="home")
def home(request: Request, viewer: ReaderDep) -> HTMLResponse:
    """The front page: the votes, discussions and scheduling that wait for the signed-in
    person (soonest first), or, signed out, what Rada is and its public parts."""
    waiting = since = None
    if viewer is not None:
        api = api_context(request)
        now = api.now()
        with api.uow() as uow:
            waiting = waiting_for(uow, viewer.id, now=now)
            # The previous visit, read before this one is written, is what "since" means.
            previous = visit(uow, viewer.id, now=now)
            since = since_last_visit(uow, viewer.id, since=previous, now=now)
            uow.commit()
        # A discussion whose vote the reader may open is listed once, under the votes to
        # open, not again among the discussions.
        to_open = {item.proposal.id for item in waiting.to_open}
        waiting.discussions = [i for i in waiting.discussions if i.proposal.id not in to_open]
    return render(
        request,
        "home.html",
        section="home",
        viewer=viewer,
        waiting=waiting,
        since=since,
        labels=labels(gettext_for(request)),
    )
