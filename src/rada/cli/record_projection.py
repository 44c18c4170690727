"""``rada record rebuild`` and ``rada record audit``: the tables as a projection of the record.

``rebuild`` builds a fresh database from the record alone (this instance's, or an export);
``audit`` compares the live tables with what the record says and names every difference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rada.cli.record import JsonOption

#: How many differences the human-readable audit lists (``--json`` lists every one).
SHOWN = 50


def rebuild(
    into: Annotated[
        str,
        typer.Option(
            "--into",
            help="The new, empty database to build (sqlite:///PATH or postgresql+psycopg://...).",
        ),
    ],
    export: Annotated[
        Path | None,
        typer.Option(
            "--from-export",
            help="Rebuild from an export (`rada record export`) instead of this instance's "
            "record; verify it first with `rada record verify`.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Build a fresh database from the public record alone; its councils, proposals, votes,
    posts and cycles equal the live ones (accounts' addresses and passwords are not on the
    record: rebuilt people have placeholder addresses and no password)."""
    from rada.bootstrap import open_database
    from rada.config import load_settings
    from rada.store.database import Database
    from rada.store.rebuild import export_checkpoints, export_entries, rebuild

    target = Database(into)
    try:
        target.upgrade()
        if export is not None:
            stored = export_entries(export)
            written = rebuild(
                target.engine, stored, export_checkpoints(export), lambda i: stored[i]
            )
        else:
            source = open_database(load_settings())
            repository = source.record
            notes = [(int(n.split("\n")[1]), n) for n in repository.checkpoints()]
            written = rebuild(target.engine, lambda: repository.entries(), notes, repository.entry)
    finally:
        target.dispose()
    if as_json:
        typer.echo(json.dumps({"into": into, "rows": written}, indent=2))
        return
    size = written.pop("record_entries")
    rows = ", ".join(f"{n} {table}" for table, n in written.items() if n)
    typer.echo(f"rebuilt {size} record entries into {into}: {rows}")


def audit(as_json: JsonOption = False) -> None:
    """Compare the live tables with the record and name every difference (exit 5 if any)."""
    from rada.bootstrap import open_database
    from rada.config import load_settings
    from rada.record.errors import TamperError
    from rada.store.audit import audit_database
    from rada.store.audit_log import save_audit
    from rada.store.projection import ProjectionError

    database = open_database(load_settings())
    try:
        report = audit_database(database.engine, database.record)
    except ProjectionError as exc:
        raise TamperError(
            f"the record cannot be replayed, so the tables cannot be checked: {exc}",
            index=None,
            hint="an entry no version of Rada writes, or one out of order: run "
            "`rada record verify` on an export",
        ) from exc
    save_audit(database.engine, report)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        for difference in report.differences[:SHOWN]:
            typer.echo(str(difference))
        if len(report.differences) > SHOWN:
            typer.echo(f"... and {len(report.differences) - SHOWN} more (--json lists them all)")
    if not report.ok:
        # Exit 5, as for a record that does not verify: the tables are not what was recorded.
        count = len(report.differences)
        raise TamperError(
            f"{count} difference{'' if count == 1 else 's'} between the tables and the record "
            f"of {report.size} entries",
            index=None,
            hint="each line above names the table, row, column, recorded and found values",
        )
    if not as_json:
        typer.echo(
            f"audited {report.size} entries: the tables are what the record says "
            f"({report.seconds:.2f} s)"
        )
