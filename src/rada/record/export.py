"""Exporting the record to a directory, and verifying such a directory independently.

An export directory holds:

- ``record.json``: ``{"format": "rada-record-export/1", "origin", "size", "root", "public_key"}``
  (``root`` in base64, ``public_key`` as a signed-note verifier key);
- ``key.pub``: the log's verifier key, one line;
- ``entries.jsonl``: one JSON object per entry, in index order: ``{"index", "leaf_hash",
  "content"}`` where ``content`` is the entry's canonical encoding as a string, or
  ``{"index", "leaf_hash", "tombstone"}`` for a redacted entry (content that is not even
  UTF-8, which only a damaged store can hold, is written as ``content_base64``);
- ``checkpoints/<size>.note``: every checkpoint the log signed, as C2SP signed notes, with
  the witnesses' cosignatures (c2sp.org/tlog-cosignature) the log gathered for it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rada.record.checkpoint import Checkpoint, open_checkpoint
from rada.record.errors import EncodingError, ExportError, NoteError, RecordError, TamperError
from rada.record.merkle import EMPTY_ROOT, HASH_SIZE, CompactRange
from rada.record.note import Verifier
from rada.record.redaction import Tombstone
from rada.record.verifier import EntryChecker
from rada.record.witness import CosignatureQuorumError, cosigned_by

__all__ = ["EXPORT_FORMAT", "StoredEntry", "VerifyReport", "verify_export", "write_export"]

EXPORT_FORMAT = "rada-record-export/1"
PROGRESS_EVERY = 10_000


@dataclass(frozen=True)
class StoredEntry:
    """An entry as the log stores it: its leaf hash and either its content or a tombstone."""

    index: int
    leaf_hash: bytes
    content: bytes
    redacted: bool = False


@dataclass
class VerifyReport:
    """What a verification found: the log's head, its checkpoints and its redactions."""

    origin: str
    size: int
    root: bytes
    checkpoints: list[int] = field(default_factory=list)
    redacted: list[dict[str, Any]] = field(default_factory=list)
    key_from_export: bool = True
    #: For each checkpoint size, the trusted witnesses whose valid cosignature it carries.
    cosigned: dict[int, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return {
            "ok": True,
            "origin": self.origin,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "checkpoints": self.checkpoints,
            "latest_checkpoint": max(self.checkpoints, default=None),
            "redacted": self.redacted,
            "key_from_export": self.key_from_export,
            "cosigned": {str(size): names for size, names in sorted(self.cosigned.items())},
        }


def _entry_line(entry: StoredEntry) -> str:
    record: dict[str, Any] = {
        "index": entry.index,
        "leaf_hash": base64.b64encode(entry.leaf_hash).decode(),
    }
    if entry.redacted:
        tombstone = Tombstone.decode(entry.content)
        record["tombstone"] = {
            "redaction": tombstone.redaction,
            "decision": tombstone.decision,
            "reason": tombstone.reason,
        }
    else:
        try:
            record["content"] = entry.content.decode("utf-8")
        except UnicodeDecodeError:
            # Never canonical, so verification will name it; the export must still be written.
            record["content_base64"] = base64.b64encode(entry.content).decode()
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def write_export(
    directory: Path,
    *,
    origin: str,
    public_key: str,
    root: bytes,
    entries: Iterable[StoredEntry],
    checkpoints: Iterable[str],
) -> int:
    """Write an export directory; return the number of entries written.

    Examples
    --------
    >>> import tempfile
    >>> from rada.record.merkle import EMPTY_ROOT
    >>> from rada.record.note import Signer
    >>> key = Signer.generate("example.org/log").verifier.vkey()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_export(Path(d), origin="example.org/log", public_key=key,
    ...                  root=EMPTY_ROOT, entries=[], checkpoints=[])
    0
    """
    directory.mkdir(parents=True, exist_ok=True)
    notes = directory / "checkpoints"
    notes.mkdir(exist_ok=True)
    size = 0
    # Entries are written as stored, gaps and all: judging them is the verifier's work.
    with (directory / "entries.jsonl").open("w", encoding="utf-8", newline="\n") as out:
        for entry in entries:
            out.write(_entry_line(entry))
            size += 1
    for note in checkpoints:
        checkpoint = Checkpoint.parse(note[: note.rfind("\n\n") + 1])
        (notes / f"{checkpoint.size:020d}.note").write_text(note, encoding="utf-8", newline="\n")
    (directory / "key.pub").write_text(public_key + "\n", encoding="utf-8")
    manifest = {
        "format": EXPORT_FORMAT,
        "origin": origin,
        "size": size,
        "root": base64.b64encode(root).decode(),
        "public_key": public_key,
    }
    (directory / "record.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return size


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "record.json"
    if not path.is_file():
        raise ExportError(
            f"{directory} is not a record export: record.json is missing",
            hint="make one with `rada record export DIR`",
        )
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path} is not valid JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != EXPORT_FORMAT:
        raise ExportError(f"{path} is not a {EXPORT_FORMAT} manifest")
    return manifest


def _read_checkpoints(
    directory: Path, log_key: Verifier, witnesses: Sequence[Verifier] = ()
) -> tuple[dict[int, set[bytes]], dict[int, list[str]]]:
    """Every checkpoint's roots by size, and which trusted witnesses cosigned each size."""
    found: dict[int, set[bytes]] = {}
    cosigned: dict[int, list[str]] = {}
    folder = directory / "checkpoints"
    for path in sorted(folder.glob("*.note")) if folder.is_dir() else []:
        try:
            note = path.read_text("utf-8")
            checkpoint = open_checkpoint(note, log_key)
            names = [w.name for w in cosigned_by(note, witnesses)] if witnesses else []
        except (RecordError, UnicodeDecodeError) as exc:
            raise TamperError(f"checkpoint {path.name} does not verify: {exc}", index=None) from exc
        found.setdefault(checkpoint.size, set()).add(checkpoint.root)
        known = cosigned.setdefault(checkpoint.size, [])
        known.extend(name for name in names if name not in known)
    return found, cosigned


_line_decoder = json.JSONDecoder()


def _parse_line(position: int, line: str) -> dict[str, Any]:
    try:
        # raw_decode for a line as written (JSON, then a newline); json.loads for the rest.
        try:
            record, end = _line_decoder.raw_decode(line)
        except json.JSONDecodeError:
            end = -1
        if end != len(line) - 1 or line[end] != "\n":
            record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TamperError(f"entry {position}: its line is not valid JSON", index=position) from exc
    if not isinstance(record, dict) or not isinstance(record.get("index"), int):
        raise TamperError(f"entry {position}: its line is not an entry", index=position)
    return record


def _leaf(position: int, record: dict[str, Any]) -> bytes:
    try:
        leaf = binascii.a2b_base64(record.get("leaf_hash", ""), strict_mode=True)
    except (binascii.Error, TypeError, ValueError):
        leaf = b""
    if len(leaf) != HASH_SIZE:
        raise TamperError(f"entry {position}: its leaf hash is malformed", index=position)
    return leaf


def _content(record: dict[str, Any]) -> bytes:
    if "content_base64" in record:
        try:
            return base64.b64decode(str(record["content_base64"]), validate=True)
        except binascii.Error as exc:
            raise EncodingError("its content is not base64") from exc
    return str(record.get("content", "")).encode("utf-8", errors="surrogateescape")


def _check_quorum(cosigned: dict[int, list[str]], quorum: int) -> None:
    """The latest checkpoint carries ``quorum`` of the trusted witnesses' cosignatures."""
    if quorum > 0:
        latest = max(cosigned, default=None)
        have = [] if latest is None else cosigned[latest]
        if len(have) < quorum:
            raise CosignatureQuorumError(
                f"the latest checkpoint (size {latest}) is cosigned by {len(have)} of the "
                f"trusted witnesses ({', '.join(have) or 'none'}); {quorum} are required",
                hint="a checkpoint the witnesses did not see may be a split view",
            )


def _check_entry(position: int, record: dict[str, Any], leaf: bytes, checker: EntryChecker) -> None:
    """The entry sits at its position, and its content or tombstone matches its leaf hash."""
    if record["index"] != position:
        what = "is missing" if record["index"] > position else "appears twice or out of order"
        raise TamperError(
            f"entry {position} {what} (found entry {record['index']} in its place)",
            index=position,
        )
    try:
        if "tombstone" in record:
            checker.tombstone(position, leaf, record["tombstone"])
        else:
            checker.content(position, leaf, _content(record))
    except EncodingError as exc:
        raise TamperError(f"entry {position}: {exc}", index=position) from exc


def verify_export(
    directory: Path,
    *,
    trusted_key: str | None = None,
    known_checkpoint: str | None = None,
    progress: Callable[[int], None] | None = None,
    witnesses: Sequence[Verifier] = (),
    quorum: int = 0,
) -> VerifyReport:
    """Recompute every leaf and root of an export and check it against its signed checkpoints.

    Parameters
    ----------
    directory
        An export directory (see the module's documentation).
    trusted_key
        The log's verifier key as obtained out of band; without it the key in the export is
        used, which proves integrity but not who signed.
    known_checkpoint
        A checkpoint note seen earlier (for instance by a cosigner); the export must extend it,
        which detects a rollback to an earlier state.
    progress
        Called with the number of entries checked so far, every 10,000 entries.
    witnesses
        Witnesses' verifier keys (type 0x04): every cosignature of theirs on a checkpoint
        must verify, and the latest checkpoint must carry ``quorum`` of them.
    quorum
        How many of ``witnesses`` must have cosigned the latest checkpoint.

    Returns
    -------
    VerifyReport
        When everything verifies; redacted entries are listed with their tombstones.

    Raises
    ------
    TamperError
        Naming the first entry that does not match, or the checkpoint that does not verify.
    CosignatureQuorumError
        If the latest checkpoint lacks the quorum of witnesses' cosignatures.
    ExportError
        If the directory is not an export.

    Examples
    --------
    >>> import tempfile
    >>> from rada.record.merkle import EMPTY_ROOT
    >>> from rada.record.note import Signer
    >>> key = Signer.generate("example.org/log").verifier.vkey()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = write_export(Path(d), origin="example.org/log", public_key=key,
    ...                      root=EMPTY_ROOT, entries=[], checkpoints=[])
    ...     verify_export(Path(d)).size
    0
    """
    manifest = _read_manifest(directory)
    try:
        log_key = Verifier.from_vkey(trusted_key or str(manifest.get("public_key", "")))
    except NoteError as exc:
        raise ExportError(f"the log's public key is malformed: {exc}") from exc
    checkpoints, cosigned = _read_checkpoints(directory, log_key, witnesses)
    _check_quorum(cosigned, quorum)
    if known_checkpoint is not None:
        try:
            known = open_checkpoint(known_checkpoint, log_key)
        except NoteError as exc:
            raise TamperError(f"the known checkpoint does not verify: {exc}", index=None) from exc
        checkpoints.setdefault(known.size, set()).add(known.root)
    entries_path = directory / "entries.jsonl"
    if not entries_path.is_file():
        raise ExportError(f"{entries_path} is missing")
    tree = CompactRange()
    checker = EntryChecker()
    last_checked = 0
    with entries_path.open("r", encoding="utf-8", errors="surrogateescape", newline="\n") as lines:
        for position, line in enumerate(lines):
            record = _parse_line(position, line)
            leaf = _leaf(position, record)
            _check_entry(position, record, leaf, checker)
            tree.push(leaf)
            signed = checkpoints.get(tree.size)
            if signed is not None:
                # More than one signed root for one size is a fork: one of them cannot match.
                if signed != {tree.root()}:
                    raise TamperError(
                        f"entry {last_checked}: entries {last_checked} to {position} do not "
                        f"reproduce the signed checkpoint of size {tree.size}",
                        index=last_checked,
                    )
                last_checked = tree.size
            if progress is not None and tree.size % PROGRESS_EVERY == 0:
                progress(tree.size)
    checker.finish()
    beyond = [size for size in checkpoints if size > tree.size]
    if beyond:
        raise TamperError(
            f"entry {tree.size} is missing: a checkpoint was signed for size {max(beyond)} but "
            f"the export holds {tree.size} entries (the log was rolled back or truncated)",
            index=tree.size,
        )
    if checkpoints.get(0, {EMPTY_ROOT}) != {EMPTY_ROOT}:
        raise TamperError("the signed empty checkpoint has a wrong root", index=None)
    if (
        manifest.get("size") != tree.size
        or manifest.get("root") != base64.b64encode(tree.root()).decode()
    ):
        raise TamperError("record.json's size or root does not match the entries", index=None)
    return VerifyReport(
        origin=log_key.name,
        size=tree.size,
        root=tree.root(),
        checkpoints=sorted(checkpoints),
        redacted=checker.redacted,
        key_from_export=trusted_key is None,
        cosigned={size: names for size, names in cosigned.items() if names},
    )
