"""Search hits as the API and the pages show them: with their council and where they lead.

A hit names its council by id; this module reads each council once per page of hits and
gives each hit the path of the page that shows it (a proposal, a post's place in its
discussion, a decision, a council), so the API and the pages agree on both.
"""

from __future__ import annotations

from dataclasses import dataclass

from rada.councils.model import Council
from rada.services.ports import SearchHit, SearchResults, Segment, UnitOfWork

__all__ = ["HitView", "href_of", "views"]


@dataclass(frozen=True)
class HitView:
    """A hit with its council (None when it has none, or it is gone) and its page's path."""

    kind: str
    ref: int
    title: str
    snippet: tuple[Segment, ...]
    rank: float
    council: Council | None
    proposal: int | None
    href: str


def href_of(hit: SearchHit, council: Council | None) -> str:
    """The path of the page that shows ``hit``.

    >>> from rada.services.ports import SearchHit
    >>> href_of(SearchHit("post", 7, 1, 3, "Oven", (), 1.0), None)
    '/proposals/3#post-7'
    """
    if hit.kind == "council":
        return f"/councils/{council.slug}" if council is not None else "/councils"
    if hit.kind == "post":
        return f"/proposals/{hit.proposal}#post-{hit.ref}"
    if hit.kind == "decision":
        return f"/proposals/{hit.proposal}#decision"
    return f"/proposals/{hit.ref}"


def views(uow: UnitOfWork, results: SearchResults) -> list[HitView]:
    """The hits of ``results``, each with its council and path."""
    councils: dict[int, Council | None] = {}
    found = []
    for hit in results.hits:
        council = None
        if hit.council is not None:
            if hit.council not in councils:
                councils[hit.council] = uow.councils.get(hit.council)
            council = councils[hit.council]
        found.append(
            HitView(
                kind=hit.kind,
                ref=hit.ref,
                title=hit.title,
                snippet=hit.snippet,
                rank=hit.rank,
                council=council,
                proposal=hit.proposal,
                href=href_of(hit, council),
            )
        )
    return found
