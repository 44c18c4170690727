"""Search: what is public (proposals, posts, decisions, councils), by words (docs/search.md).

No account is needed: only what anyone may read is indexed. A query is words, never a search
language; an empty one, or one over 200 characters, is refused with the reason (422).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from rada.services.councils import get_council
from rada.services.searching import MAX_LIMIT, MAX_OFFSET, parse_query, search
from rada.web.api.deps import ApiDep
from rada.web.api.errors import ApiRoute
from rada.web.api.schemas import SearchHitPublic, SearchPage
from rada.web.search_view import views

router = APIRouter(tags=["search"], route_class=ApiRoute)


@router.get("/search", summary="Search what is public")
def search_public(
    api: ApiDep,
    q: Annotated[
        str,
        Query(
            description="Words to find (at most 200 characters and 12 words; case and "
            "diacritics do not matter; the last word may be unfinished). Quotes, operators "
            "and other signs are ignored."
        ),
    ],
    council: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
            description="Only what belongs to this council (its short name).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Hits per page.")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Hits to skip.")] = 0,
) -> SearchPage:
    """Proposals, posts, decisions and councils holding every word of ``q``, best first,
    each with a snippet whose matches are marked."""
    with api.uow() as uow:
        within = None if council is None else get_council(uow, council).id
        results = search(uow, q, limit=limit, offset=offset, council=within)
        hits = [SearchHitPublic.of(h) for h in views(uow, results)]
    return SearchPage(
        query=q,
        terms=list(parse_query(q).terms),
        hits=hits,
        limit=limit,
        offset=offset,
        has_more=results.has_more,
        next_offset=offset + limit if results.has_more else None,
    )
