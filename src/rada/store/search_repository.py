"""The search port on SQLite's FTS5 and PostgreSQL's full-text search (``docs/search.md``).

Both find the documents that hold every word of the query (the last also as a word's start)
without case or diacritics, and rank them: SQLite by ``bm25()`` over the FTS5 table
``search_fts``, PostgreSQL by ``ts_rank_cd()`` over ``tsv``. Both hold the text folded by
:func:`rada.services.searching.fold`, as the query's words are, so the two (and the memory
store) compare words alike: FTS5's own ``unicode61 remove_diacritics 2`` folding leaves
ligatures and compatibility forms (``ﬁ``, ``²``) as they are, and PostgreSQL has no Czech
dictionary by default while ``unaccent`` is an extension a server may lack. A title
weighs more than a body on both. The query's syntax is built here from folded words of
letters and digits only (:class:`~rada.services.ports.SearchQuery`), never from what a
reader typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select, text, tuple_
from sqlalchemy.engine import Connection

from rada.services.ports import SearchDocument, SearchHit, SearchQuery, SearchResults
from rada.services.searching import fold, snippet
from rada.store.base import SqlRepository
from rada.store.councils_tables import (
    councils,
    post_versions,
    posts,
    proposal_versions,
    proposals,
)
from rada.store.search_tables import search_documents

__all__ = ["SqlSearch", "fts5_query", "reindex", "tsquery"]

#: How many rows one INSERT statement carries when indexing many documents.
_CHUNK = 1_000

_COLUMNS = "kind, ref, council_id, proposal_id, title, body"
_VALUES = ":kind, :ref, :council_id, :proposal_id, :title, :body"
_UPDATE = (
    "council_id = excluded.council_id, proposal_id = excluded.proposal_id, "
    "title = excluded.title, body = excluded.body"
)
_SQLITE_UPSERT = text(
    f"INSERT INTO search_documents ({_COLUMNS}) VALUES ({_VALUES}) "
    f"ON CONFLICT (kind, ref) DO UPDATE SET {_UPDATE}"
)
# SQLite's FTS5 table holds the folded words (:func:`fold`, as the query's are), under the
# document's id; Rada keeps it in step with search_documents in the same transaction.
_FTS_DELETE = text("DELETE FROM search_fts WHERE rowid = :id")
_FTS_INSERT = text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)")
_POSTGRES_UPSERT = text(
    f"INSERT INTO search_documents ({_COLUMNS}, tsv) VALUES ({_VALUES}, "
    "setweight(to_tsvector('simple', :folded_title), 'A') || "
    "setweight(to_tsvector('simple', :folded_body), 'B')) "
    f"ON CONFLICT (kind, ref) DO UPDATE SET {_UPDATE}, tsv = excluded.tsv"
)

# The owner's title: a post's or a decision's proposal's.
_SELECT = (
    "SELECT d.kind, d.ref, d.council_id, d.proposal_id, d.title, d.body, p.title AS owner, "
    "found.score FROM found JOIN search_documents d ON d.id = found.id "
    "LEFT JOIN search_documents p ON p.kind = 'proposal' AND p.ref = d.proposal_id "
)


def fts5_query(query: SearchQuery) -> str:
    """The FTS5 ``MATCH`` expression for ``query``: each word quoted, the last a prefix.

    >>> fts5_query(SearchQuery(("prehled", "rozp")))
    '"prehled" "rozp"*'
    """
    *whole, last = query.terms
    quoted = [f'"{t}"' for t in whole] + [f'"{last}"' + ("*" if query.prefix else "")]
    return " ".join(quoted)


def tsquery(query: SearchQuery) -> str:
    """The ``to_tsquery('simple', …)`` text for ``query``: each word quoted, all required, the
    last a prefix.

    >>> tsquery(SearchQuery(("prehled", "rozp")))
    "'prehled' & 'rozp':*"
    """
    *whole, last = query.terms
    quoted = [f"'{t}'" for t in whole] + [f"'{last}'" + (":*" if query.prefix else "")]
    return " & ".join(quoted)


def _row(d: SearchDocument, postgres: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": d.kind, "ref": d.ref, "council_id": d.council, "proposal_id": d.proposal,
        "title": d.title, "body": d.body,
    }  # fmt: skip
    if postgres:
        row["folded_title"], row["folded_body"] = fold(d.title), fold(d.body)
    return row


def _index(conn: Connection, documents: Iterable[SearchDocument]) -> int:
    postgres = conn.dialect.name == "postgresql"
    statement = _POSTGRES_UPSERT if postgres else _SQLITE_UPSERT
    # One row per document: the last of a kind and ref wins (an edit in the same batch).
    unique = list({(d.kind, d.ref): d for d in documents}.values())
    for first in range(0, len(unique), _CHUNK):
        chunk = unique[first : first + _CHUNK]
        conn.execute(statement, [_row(d, postgres) for d in chunk])
        if not postgres:
            _fts_replace(conn, chunk)
    return len(unique)


def _ids(conn: Connection, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int]:
    c = search_documents.c
    found = conn.execute(select(c.kind, c.ref, c.id).where(tuple_(c.kind, c.ref).in_(keys)))
    return {(kind, ref): id_ for kind, ref, id_ in found}


def _fts_replace(conn: Connection, documents: Sequence[SearchDocument]) -> None:
    """Put the documents' folded words in SQLite's FTS5 table, under their rows' ids (what
    was there for them before goes)."""
    ids = _ids(conn, [(d.kind, d.ref) for d in documents])
    conn.execute(_FTS_DELETE, [{"id": i} for i in ids.values()])
    conn.execute(
        _FTS_INSERT,
        [{"id": ids[(d.kind, d.ref)], "title": fold(d.title), "body": fold(d.body)}
         for d in documents],
    )  # fmt: skip


def _search(
    conn: Connection, query: SearchQuery, *, limit: int, offset: int, council: int | None
) -> SearchResults:
    where = "" if council is None else "AND d.council_id = :council "
    if conn.dialect.name == "postgresql":
        found = (
            "WITH found AS (SELECT d.id, ts_rank_cd(d.tsv, q) AS score "
            "FROM search_documents d, to_tsquery('simple', :q) q "
            f"WHERE d.tsv @@ q {where}ORDER BY score DESC, d.id LIMIT :n OFFSET :o) "
        )
        order = "ORDER BY found.score DESC, d.id"
        match = tsquery(query)
    else:
        join = "" if council is None else "JOIN search_documents d ON d.id = search_fts.rowid "
        found = (
            "WITH found AS (SELECT search_fts.rowid AS id, -bm25(search_fts, 3.0, 1.0) AS score "
            f"FROM search_fts {join}WHERE search_fts MATCH :q {where}"
            "ORDER BY score DESC, search_fts.rowid LIMIT :n OFFSET :o) "
        )
        order = "ORDER BY found.score DESC, d.id"
        match = fts5_query(query)
    params = {"q": match, "n": limit + 1, "o": offset, "council": council}
    rows = conn.execute(text(found + _SELECT + order), params).all()
    hits = tuple(
        SearchHit(
            kind=r.kind,
            ref=r.ref,
            council=r.council_id,
            proposal=r.proposal_id,
            title=r.owner if r.owner is not None else r.title,
            snippet=snippet(r.body or r.title, query),
            rank=float(r.score),
        )
        for r in rows[:limit]
    )
    return SearchResults(hits, has_more=len(rows) > limit)


class SqlSearch(SqlRepository):
    """The search index, in the unit of work's transaction."""

    def index(self, documents: Sequence[SearchDocument]) -> None:
        _index(self.conn, documents)

    def remove(self, kind: str, ref: int) -> None:
        if self.conn.dialect.name != "postgresql":
            self.conn.execute(
                _FTS_DELETE, [{"id": i} for i in _ids(self.conn, [(kind, ref)]).values()]
            )
        self.conn.execute(
            delete(search_documents).where(
                search_documents.c.kind == kind, search_documents.c.ref == ref
            )
        )

    def search(
        self, query: SearchQuery, *, limit: int, offset: int, council: int | None = None
    ) -> SearchResults:
        return _search(self.conn, query, limit=limit, offset=offset, council=council)


def _latest(versions: Any, owner: str) -> Any:
    """The latest version's text of each proposal or post, by owner id."""
    key = versions.c[f"{owner}_id"]
    newest = (
        select(key.label("owner"), func.max(versions.c.number).label("number"))
        .group_by(key)
        .subquery()
    )
    return (
        select(key.label("owner"), versions.c.text)
        .join(newest, (newest.c.owner == key) & (newest.c.number == versions.c.number))
        .subquery()
    )


def documents_in(conn: Connection) -> Iterable[SearchDocument]:
    """Every document the tables hold: councils, proposals, decisions and posts."""
    named = select(councils.c.id, councils.c.name, councils.c.description)
    for council in conn.execute(named):
        yield SearchDocument(
            "council", council.id, council.id, council.name, council.description or ""
        )
    texts = _latest(proposal_versions, "proposal")
    found = select(
        proposals.c.id, proposals.c.council_id, proposals.c.title, proposals.c.decision,
        texts.c.text,
    ).outerjoin(texts, texts.c.owner == proposals.c.id)  # fmt: skip
    for p in conn.execute(found):
        if p.title or p.text:
            yield SearchDocument("proposal", p.id, p.council_id, p.title, p.text or "")
        if p.decision is not None:
            summary = str(p.decision.get("summary", ""))
            yield SearchDocument("decision", p.id, p.council_id, "", summary,
                                 proposal=p.id)  # fmt: skip
    texts = _latest(post_versions, "post")
    written = (
        select(posts.c.id, posts.c.proposal_id, proposals.c.council_id, texts.c.text)
        .join(proposals, proposals.c.id == posts.c.proposal_id)
        .join(texts, texts.c.owner == posts.c.id)
    )
    for w in conn.execute(written):
        if w.text:
            yield SearchDocument("post", w.id, w.council_id, "", w.text,
                                 proposal=w.proposal_id)  # fmt: skip


def reindex(conn: Connection) -> int:
    """Make the search index again from the tables (``rada search reindex``, a rebuild and
    migration 0011 run it); how many documents it holds."""
    if conn.dialect.name != "postgresql":
        conn.execute(text("DELETE FROM search_fts"))
    conn.execute(delete(search_documents))
    return _index(conn, list(documents_in(conn)))
