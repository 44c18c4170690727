"""The search page: what is public, found by words (docs/search.md); no account needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.councils.errors import CouncilError, NotFound
from rada.services.councils import get_council
from rada.services.searching import MAX_OFFSET, MAX_QUERY_LENGTH, search
from rada.web.api.deps import api_context
from rada.web.search_view import views
from rada.web.templating import error_text, gettext_for, render

__all__ = ["PAGE", "router"]

router = APIRouter(include_in_schema=False)

#: Hits on one page.
PAGE = 20


@router.get("/search", name="search")
def search_page(
    request: Request,
    q: str = Query(""),
    council: str = Query("", max_length=64),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> HTMLResponse:
    """The hits for ``q``, best first, twenty a page; an empty query shows the form only."""
    _ = gettext_for(request)
    kinds = {
        "proposal": _("Proposal"),
        "post": _("Discussion post"),
        "decision": _("Decision"),
        "council": _("Council"),
    }
    context: dict[str, Any] = {
        "query": q, "council": council, "offset": offset, "hits": [], "has_more": False,
        "error": None, "kinds": kinds, "page": PAGE, "max_length": MAX_QUERY_LENGTH,
        "within": None,
    }  # fmt: skip
    status = 200
    if q.strip():
        try:
            with api_context(request).uow() as uow:
                within = get_council(uow, council) if council else None
                results = search(uow, q, limit=PAGE, offset=offset,
                                 council=None if within is None else within.id)  # fmt: skip
                context.update(hits=views(uow, results), has_more=results.has_more,
                               within=within)  # fmt: skip
        except CouncilError as error:
            context["error"] = error_text(request, error)
            status = 404 if isinstance(error, NotFound) else 422
    return render(request, "search/index.html", status_code=status, section="search", **context)
