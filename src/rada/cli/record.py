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
    from rada.store.engine import record_engine
    from rada.store.record_repository import RecordRepository

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
    from rada.store.witness_repository import CosignatureRepository

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
        checkpoints=CosignatureRepository(repository.engine).cosigned_checkpoints(),
    )
    if as_json:
        _print_json({"directory": str(directory), "size": written, "root": _b64(root)})
    else:
        typer.echo(f"exported {written} entries to {directory}")


PINNED_DIR = "pinned-logs"


def _pinned_path(data_dir: Path, origin: str) -> Path:
    from urllib.parse import quote

    return data_dir / PINNED_DIR / f"{quote(origin, safe='')}.vkey"


def _export_key(directory: Path) -> tuple[str, str]:
    """The origin and public key an export says it has (not yet trusted)."""
    from rada.record import ExportError

    try:
        manifest = json.loads((directory / "record.json").read_text("utf-8"))
        return str(manifest["origin"]), str(manifest["public_key"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExportError(
            f"{directory} is not a record export: its record.json is missing or malformed",
            hint="make one with `rada record export DIR`",
        ) from exc


def _read_key(value: str) -> str:
    return Path(value).read_text("utf-8").strip() if Path(value).is_file() else value.strip()


@app.command()
def verify(
    directory: Annotated[Path, typer.Argument(help="An export made by `rada record export`.")],
    key: Annotated[
        str | None,
        typer.Option(
            help="The log's public key (or a file holding it), obtained out of band; without "
            "it, the key pinned for the export's origin at the first verification."
        ),
    ] = None,
    known: Annotated[
        Path | None,
        typer.Option(help="A checkpoint seen earlier; the export must extend it (no rollback)."),
    ] = None,
    witness: Annotated[
        list[str] | None,
        typer.Option(
            help="A witness's verifier key (or a file holding it), repeatable: the latest "
            "checkpoint must carry its valid cosignature."
        ),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option(min=0, help="How many of the --witness keys must cosign (default: all)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute every leaf and root of an export and check every checkpoint.

    The log's key comes from --key, or else from the key pinned for the export's origin in
    the data directory; the first verification of an origin pins the export's own key (and
    says so). An export signed by any other key fails (exit 5).
    """
    from rada.config import load_settings
    from rada.record import NoteError, ProofError, TamperError, Verifier, verify_export

    origin, claimed = _export_key(directory)
    pin = _pinned_path(load_settings().data_dir, origin)
    source = "given"
    trusted = _read_key(key) if key is not None else None
    if trusted is None and pin.is_file():
        trusted, source = pin.read_text("ascii").strip(), "pinned"
    if trusted is None:
        trusted, source = claimed, "pinned now"
    if claimed != trusted:
        what = "the --key given" if source == "given" else f"the key pinned in {pin}"
        error = TamperError(
            f"the export is signed by {claimed}, not by {what} ({trusted})",
            index=None,
            hint="another key signing this origin is another log, or a forgery",
        )
        if as_json:
            _print_json({"ok": False, "error": str(error), "index": None})
        raise error
    try:
        witnesses = [Verifier.from_vkey(_read_key(w)) for w in witness or []]
    except NoteError as exc:
        raise NoteError(f"a --witness key is malformed: {exc}") from exc
    need = len(witnesses) if quorum is None else quorum
    if need > len(witnesses):
        raise NoteError(f"--quorum {need} is more than the {len(witnesses)} --witness keys")
    known_note = known.read_text("utf-8") if known is not None else None
    try:
        report = verify_export(
            directory,
            trusted_key=trusted,
            known_checkpoint=known_note,
            witnesses=witnesses,
            quorum=need,
        )
    except (TamperError, ProofError) as exc:
        if as_json:
            _print_json({"ok": False, "error": str(exc), "index": getattr(exc, "index", None)})
        raise
    if source == "pinned now":
        pin.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pin.write_text(trusted + "\n", "ascii")
        typer.echo(
            f"note: pinned the key of {origin} ({trusted}) at first use in {pin}; later "
            "verifications of this origin require it. Compare it with the key the log "
            "publishes elsewhere, or pass --key",
            err=True,
        )
    if as_json:
        _print_json({**report.as_dict(), "key_source": source})
        return
    latest = max(report.checkpoints, default=None)
    typer.echo(
        f"verified {report.size} entries of {report.origin}; root {_b64(report.root)}; "
        f"{len(report.checkpoints)} checkpoints (latest at size {latest})"
    )
    if witnesses and latest is not None:
        names = report.cosigned.get(latest, [])
        typer.echo(
            f"the latest checkpoint is cosigned by {len(names)} of {len(witnesses)} witnesses"
            f"{': ' + ', '.join(names) if names else ''}"
        )
    for item in report.redacted:
        typer.echo(
            f"entry {item['index']}: redacted by decision {item['decision']} "
            f"(redaction entry {item['redaction']}): {item['reason']}; "
            "its content can no longer be checked, its leaf hash still is"
        )
    if source == "pinned":
        typer.echo(f"note: checked with the key pinned for {origin} in {pin}", err=True)
