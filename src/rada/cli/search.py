"""``rada search``: find what is public by words, and make the index again from the tables.

The index is kept in step as changes are recorded; ``reindex`` is for a database whose tables
were changed outside Rada, or restored from a backup taken without it (docs/search.md).
"""

from __future__ import annotations

from typing import Annotated

import typer

from rada.cli._options import JsonOption
from rada.cli._output import message, print_json, stdout
from rada.cli._session import unit_of_work

app = typer.Typer(help="Search what is public: proposals, posts, decisions, councils.",
                  no_args_is_help=True)  # fmt: skip


@app.command("find")
def find(
    words: Annotated[list[str], typer.Argument(help="Words to find (case and diacritics aside).")],
    council: Annotated[
        str | None, typer.Option(help="Only in this council (its short name).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many hits (1 to 50).")] = 20,
    offset: Annotated[int, typer.Option(help="How many hits to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Print the best hits for WORDS, each with where it is and a snippet."""
    from rada.services.councils import get_council
    from rada.services.searching import search

    with unit_of_work() as uow:
        within = None if council is None else get_council(uow, council).id
        results = search(uow, " ".join(words), limit=limit, offset=offset, council=within)
        hits = results.hits
        slugs = {c.id: c.slug for c in uow.councils.all()}
    if as_json:
        print_json(
            {
                "hits": [
                    {"kind": h.kind, "id": h.ref, "proposal_id": h.proposal,
                     "council": slugs.get(h.council) if h.council is not None else None,
                     "title": h.title, "snippet": "".join(t for t, _ in h.snippet)}
                    for h in hits
                ],
                "has_more": results.has_more,
            }
        )  # fmt: skip
        return
    for h in hits:
        council_slug = slugs.get(h.council) if h.council is not None else None
        place = f" in {council_slug}" if council_slug and h.kind != "council" else ""
        stdout.print(f"{h.kind} {h.ref}{place}: {h.title}", markup=False, highlight=False)
        text = "".join(f"[{t}]" if m else t for t, m in h.snippet)
        stdout.print(f"  {text}", markup=False, highlight=False)
    if not hits:
        message("nothing public holds all of these words")
    elif results.has_more:
        message(f"more with --offset {offset + limit}")


@app.command("reindex")
def reindex(as_json: JsonOption = False) -> None:
    """Make the search index again from the tables (one transaction)."""
    from rada.bootstrap import open_database
    from rada.config import load_settings
    from rada.store.engine import writing
    from rada.store.search_repository import reindex as make_again

    database = open_database(load_settings())
    with writing(database.engine) as conn:
        count = make_again(conn)
    if as_json:
        print_json({"documents": count})
    else:
        stdout.print(f"indexed {count} documents")
