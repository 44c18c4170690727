"""Searching what is public: a reader's words made into a safe query, and snippets.

A query is words, never a search language: :func:`parse_query` keeps the letters and digits
of each word, folded (no case, no diacritics, so ``prehled`` finds ``přehled``), and refuses
an empty query or one over :data:`MAX_QUERY_LENGTH` characters. The stores build their own
query syntax (FTS5's ``MATCH``, PostgreSQL's ``tsquery``) from those folded words only, so
no operator, quote or column filter a reader types reaches the database.

A hit's snippet is made here, from the document's original text and the query's words, as
segments of plain text, each marked as a match or not (:func:`snippet`): a page escapes them
and marks the matches itself.
"""

from __future__ import annotations

import re
import unicodedata

from rada.councils.errors import CouncilError
from rada.councils.text import msg
from rada.services.ports import SearchQuery, SearchResults, Segment, UnitOfWork

__all__ = [
    "KINDS",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "BadQuery",
    "fold",
    "matches",
    "parse_query",
    "search",
    "snippet",
    "words",
]

#: The longest query taken, in characters.
MAX_QUERY_LENGTH = 200
#: The most words a query may have.
MAX_TERMS = 12
#: The most hits on one page, and how far into the hits a reader may page.
MAX_LIMIT = 50
MAX_OFFSET = 1_000
#: What the index holds.
KINDS = ("proposal", "post", "decision", "council")

#: A word: letters and digits (the same words SQLite's unicode61 tokenizer sees).
_WORD = re.compile(r"[^\W_]+")


class BadQuery(CouncilError):
    """A search query that cannot be run (empty, too long, too many words, out of bounds)."""


def fold(text: str) -> str:
    """``text`` without case and diacritics, as the index compares words.

    >>> fold("Přehled ÚČTŮ")
    'prehled uctu'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of ``text``.

    >>> words('"Rozpočet" NEAR/3 (dílny)* OR col:x')
    ['rozpocet', 'near', '3', 'dilny', 'or', 'col', 'x']
    """
    return _WORD.findall(fold(text))


def parse_query(text: str) -> SearchQuery:
    """The query a reader's ``text`` asks for; raises :class:`BadQuery` for one with no word,
    over :data:`MAX_QUERY_LENGTH` characters or over :data:`MAX_TERMS` words.

    >>> parse_query("  Přehled  rozpočtu ").terms
    ('prehled', 'rozpoctu')
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise BadQuery(
            msg(
                "the search is %(length)s characters long; it may be at most %(limit)s",
                length=len(text),
                limit=MAX_QUERY_LENGTH,
            ),
            hint=msg("search for fewer words"),
        )
    found = list(dict.fromkeys(words(text)))
    if not found:
        raise BadQuery(
            msg("the search has no word to look for"),
            hint=msg("type a word or two, letters or digits"),
        )
    if len(found) > MAX_TERMS:
        raise BadQuery(
            msg(
                "the search has %(count)s words; it may have at most %(limit)s",
                count=len(found),
                limit=MAX_TERMS,
            ),
            hint=msg("search for fewer words"),
        )
    # The last word may be unfinished (a reader still typing): it matches as a word's start.
    return SearchQuery(tuple(found), prefix=True)


def _hits(word: str, query: SearchQuery) -> bool:
    last = query.terms[-1]
    return word in query.terms or (query.prefix and word.startswith(last))


def matches(text: str, query: SearchQuery) -> int:
    """How many of ``text``'s words match the query (0 unless it has every term): the
    memory store's rank."""
    found = words(text)
    *whole, last = query.terms
    present = set(found)
    if not all(t in present for t in whole):
        return 0
    if not any(w == last or (query.prefix and w.startswith(last)) for w in found):
        return 0
    return sum(1 for w in found if _hits(w, query))


def snippet(text: str, query: SearchQuery, *, width: int = 200) -> tuple[Segment, ...]:
    """About ``width`` characters of ``text`` around its first match, as segments (text,
    whether it is a match); "…" marks what was cut.

    >>> snippet("Náš přehled rozpočtu na rok", parse_query("prehled"))
    (('Náš ', False), ('přehled', True), (' rozpočtu na rok', False))
    """
    text = " ".join(text.split())
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text) if _hits(fold(m.group()), query)]
    if spans and len(text) > width:
        start = max(0, spans[0][0] - width // 3)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < spans[0][0] else start
    else:
        start = 0
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    segments: list[Segment] = []
    at = start
    for s, e in spans:
        if s < start or e > end:
            continue
        if s > at:
            segments.append((text[at:s], False))
        segments.append((text[s:e], True))
        at = e
    if at < end:
        segments.append((text[at:end], False))
    if start > 0:
        segments.insert(0, ("…", False))
    if end < len(text):
        segments.append(("…", False))
    return tuple(segments)


def search(
    uow: UnitOfWork,
    text: str,
    *,
    limit: int = 20,
    offset: int = 0,
    council: int | None = None,
) -> SearchResults:
    """What is public and matches a reader's ``text``, best first (``docs/search.md``).
    Raises :class:`BadQuery` for a query :func:`parse_query` refuses, or a page out of
    bounds."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(msg("a page of results holds from 1 to %(limit)s hits", limit=MAX_LIMIT))
    if not 0 <= offset <= MAX_OFFSET:
        raise BadQuery(
            msg("results can be paged up to hit %(limit)s", limit=MAX_OFFSET),
            hint=msg("search for more words to find fewer hits"),
        )
    return uow.search.search(parse_query(text), limit=limit, offset=offset, council=council)
