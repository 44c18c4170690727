"""``rada witness``: act as a C2SP tlog-witness for other logs.

    rada witness init [--name NAME]          create this witness's key (type 0x04)
    rada witness pubkey                      print its verifier key, for logs to configure
    rada witness serve --port P --logs FILE  answer POST /add-checkpoint

The witness keeps the latest checkpoint it cosigned for each log in the instance's database
(``RADA_DATABASE_URL``), and its key in ``RADA_DATA_DIR``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rada.cli._options import JsonOption

app = typer.Typer(
    help="Witness other logs: cosign their checkpoints only if they never fork or roll back.",
    no_args_is_help=True,
)


@app.command()
def init(
    name: Annotated[
        str | None,
        typer.Option(help="The witness's key name (default: the host name and a random suffix)."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Create this witness's key in the data directory (once: a witness keeps its key)."""
    from rada.cli._output import message, print_json
    from rada.config import load_settings
    from rada.store.witness_keys import create_witness_key

    settings = load_settings()
    signer = create_witness_key(settings.data_dir, name=name)
    if json:
        print_json({"name": signer.name, "public_key": signer.verifier.vkey()})
    else:
        typer.echo(signer.verifier.vkey())
        message("created the witness key; give the line above to the logs this witness serves")


@app.command()
def pubkey(json: JsonOption = False) -> None:
    """Print the witness's verifier key."""
    from rada.cli._output import print_json
    from rada.config import load_settings
    from rada.store.witness_keys import load_witness_key

    verifier = load_witness_key(load_settings().data_dir).verifier
    if json:
        print_json(
            {"name": verifier.name, "key_id": verifier.key_id.hex(), "public_key": verifier.vkey()}
        )
    else:
        typer.echo(verifier.vkey())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8001,
    log: Annotated[
        list[str] | None,
        typer.Option(help="A log's verifier key to witness (repeatable)."),
    ] = None,
    logs: Annotated[
        Path | None,
        typer.Option(help="A file of log verifier keys, one a line ('#' starts a comment)."),
    ] = None,
) -> None:
    """Answer tlog-witness add-checkpoint requests for the configured logs.

    The logs are those given by --log, in the --logs file and in RADA_WITNESS_LOGS.
    """
    import os

    import uvicorn

    from rada.cli._output import message
    from rada.config import load_settings, parse_log_keys
    from rada.record.errors import NoteError
    from rada.store.engine import record_engine
    from rada.store.record_repository import RecordRepository
    from rada.store.witness_keys import load_witness_key

    settings = load_settings()
    cosigner = load_witness_key(settings.data_dir)
    texts = [settings.witness_logs, "\n".join(log or [])]
    if logs is not None:
        texts.append(logs.read_text("utf-8"))
    try:
        keys = [key for text in texts for key in parse_log_keys(text)]
    except ValueError as exc:
        raise NoteError(str(exc), hint="a log's key is its `rada record pubkey` line") from exc
    if not keys:
        raise NoteError(
            "no log to witness", hint="pass --log KEY or --logs FILE, or set RADA_WITNESS_LOGS"
        )
    engine = record_engine(settings.database_url)
    RecordRepository(engine).create_schema()
    engine.dispose()
    # The server process builds the app from the settings: hand it every log named here.
    os.environ["RADA_WITNESS_LOGS"] = "\n".join(dict.fromkeys(keys))
    message(
        f"witness {cosigner.verifier.vkey()} at http://{host}:{port}/add-checkpoint "
        f"for {len(set(keys))} log(s); Ctrl-C stops it"
    )
    uvicorn.run(
        "rada.web.witness:create_witness_app",
        factory=True,
        host=host,
        port=port,
        log_level="warning",
    )
