"""``rada record``: export, verify and prove the public record, and sign its checkpoints."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rada.config import Settings
    from rada.store.record_repository import RecordRepository

app = typer.Typer(
    help="The public record: append-only, signed, verifiable by anyone.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _print_json(value: dict[str, Any]) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _open() -> tuple[Settings, RecordRepository]:
    from rada.config import load_settings
    from rada.store.record_repository import RecordRepository, record_engine

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    repository = RecordRepository(record_engine(settings.database_url))
    repository.create_schema()
    return settings, repository


@app.command()
def checkpoint(
    origin: Annotated[
        str | None,
        typer.Option(help="The log's origin, used only when its key is first created."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Sign a checkpoint of the record as it is now and print it (a C2SP signed note)."""
    from rada.record import Checkpoint
    from rada.store.keys import load_or_create_signing_key

    settings, repository = _open()
    signer = load_or_create_signing_key(settings.data_dir, origin=origin)
    note = repository.add_checkpoint(signer)
    if as_json:
        head = Checkpoint.parse(note[: note.rfind("\n\n") + 1])
        _print_json(
            {"origin": head.origin, "size": head.size, "root": _b64(head.root), "note": note}
        )
    else:
        typer.echo(note, nl=False)


@app.command()
def pubkey(as_json: JsonOption = False) -> None:
    """Print the log's public key (a signed-note verifier key), creating the key if needed."""
    from rada.store.keys import load_or_create_signing_key

    settings, _ = _open()
    verifier = load_or_create_signing_key(settings.data_dir).verifier
    if as_json:
        _print_json(
            {
                "origin": verifier.name,
                "key_id": verifier.key_id.hex(),
                "public_key": verifier.vkey(),
            }
        )
    else:
        typer.echo(verifier.vkey())


@app.command()
def append(
    kind: Annotated[str, typer.Option(help="Entry kind: post, proposal, decision, ...")],
    body: Annotated[str, typer.Option(help="The entry's content, a JSON object.")] = "{}",
    author: Annotated[str | None, typer.Option(help="Who made it (none if anonymous).")] = None,
    link: Annotated[
        list[int] | None, typer.Option(help="Index of an earlier entry it answers (repeatable).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Append one entry to the record (for operators and tests; councils append through Rada)."""
    from datetime import UTC, datetime

    from rada.record import EncodingError, Entry, EntryKind

    try:
        entry_kind = EntryKind(kind)
    except ValueError as exc:
        raise EncodingError(
            f"unknown entry kind {kind!r}", hint=f"one of: {', '.join(k for k in EntryKind)}"
        ) from exc
    try:
        content = json.loads(body)
    except json.JSONDecodeError as exc:
        raise EncodingError(f"--body is not JSON: {exc}") from exc
    if not isinstance(content, dict):
        raise EncodingError("--body must be a JSON object")
    entry = Entry(entry_kind, datetime.now(UTC), content, author=author, links=tuple(link or ()))
    _, repository = _open()
    (index,) = repository.append([entry])
    leaf = repository.leaf_hash(index)
    if as_json:
        _print_json({"index": index, "leaf_hash": _b64(leaf)})
    else:
        typer.echo(f"appended entry {index}")


@app.command()
def prove(
    index: Annotated[int, typer.Argument(help="The entry to prove included.")],
    size: Annotated[int | None, typer.Option(help="Tree size (default: the whole log).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Print an inclusion proof of entry INDEX, checked before it is printed."""
    from rada.record import verify_inclusion

    _, repository = _open()
    found = repository.inclusion_proofs([index], size=size)
    tree_size, leaf, root, proof = found.size, found.leaf_hashes[0], found.root, found.proofs[0]
    verify_inclusion(leaf_hash=leaf, index=index, size=tree_size, proof=proof, root=root)
    result = {
        "index": index,
        "size": tree_size,
        "leaf_hash": _b64(leaf),
        "root": _b64(root),
        "proof": [_b64(p) for p in proof],
    }
    if as_json:
        _print_json(result)
    else:
        typer.echo(
            f"entry {index} of {tree_size}\nleaf {result['leaf_hash']}\nroot {result['root']}"
        )
        for step in proof:
            typer.echo(f"proof {_b64(step)}")


@app.command()
def consistency(
    size1: Annotated[int, typer.Argument(help="The older tree size.")],
    size: Annotated[
        int | None, typer.Option(help="The newer size (default: the whole log).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print a consistency proof from tree size SIZE1 to the log now, checked first."""
    from rada.record import verify_consistency

    _, repository = _open()
    size2 = repository.size() if size is None else size
    proof = repository.consistency_proof(size1, size2)
    root1, root2 = repository.root(size1), repository.root(size2)
    verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, proof=proof)
    result = {
        "size1": size1,
        "size2": size2,
        "root1": _b64(root1),
        "root2": _b64(root2),
        "proof": [_b64(p) for p in proof],
    }
    if as_json:
        _print_json(result)
    else:
        typer.echo(f"{size1} -> {size2}\nroot1 {result['root1']}\nroot2 {result['root2']}")
        for step in proof:
            typer.echo(f"proof {_b64(step)}")


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="Where to write the export.")],
    as_json: JsonOption = False,
) -> None:
    """Export every entry, leaf hash, checkpoint and the public key to DIRECTORY."""
    from itertools import takewhile

    from rada.record import write_export
    from rada.store.keys import load_or_create_signing_key

    settings, repository = _open()
    signer = load_or_create_signing_key(settings.data_dir)
    size = repository.size()
    root = repository.root(size)
    written = write_export(
        directory,
        origin=signer.name,
        public_key=signer.verifier.vkey(),
        root=root,
        entries=takewhile(lambda e: e.index < size, repository.entries()),
        checkpoints=repository.checkpoints(),
    )
    if as_json:
        _print_json({"directory": str(directory), "size": written, "root": _b64(root)})
    else:
        typer.echo(f"exported {written} entries to {directory}")


@app.command()
def verify(
    directory: Annotated[Path, typer.Argument(help="An export made by `rada record export`.")],
    key: Annotated[
        str | None,
        typer.Option(help="The log's public key (or a file holding it), obtained out of band."),
    ] = None,
    known: Annotated[
        Path | None,
        typer.Option(help="A checkpoint seen earlier; the export must extend it (no rollback)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute every leaf and root of an export and check every checkpoint."""
    from rada.record import TamperError, verify_export

    trusted = key
    if key is not None and Path(key).is_file():
        trusted = Path(key).read_text("utf-8").strip()
    known_note = known.read_text("utf-8") if known is not None else None
    try:
        report = verify_export(directory, trusted_key=trusted, known_checkpoint=known_note)
    except TamperError as exc:
        if as_json:
            _print_json({"ok": False, "error": str(exc), "index": exc.index})
        raise
    if as_json:
        _print_json(report.as_dict())
        return
    latest = max(report.checkpoints, default=None)
    typer.echo(
        f"verified {report.size} entries of {report.origin}; root {_b64(report.root)}; "
        f"{len(report.checkpoints)} checkpoints (latest at size {latest})"
    )
    for item in report.redacted:
        typer.echo(
            f"entry {item['index']}: redacted by decision {item['decision']} "
            f"(redaction entry {item['redaction']}): {item['reason']}; "
            "its content can no longer be checked, its leaf hash still is"
        )
    if report.key_from_export:
        typer.echo(
            "note: the public key was taken from the export itself; pass --key to check who signed",
            err=True,
        )
