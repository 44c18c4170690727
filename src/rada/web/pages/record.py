"""The public record page, and the proofs its "verify" buttons check in the browser.

``/record`` lists entries, newest first, filtered by kind and text, with the latest signed
checkpoint. ``/record/entries/{index}/proof`` gives one entry's stored bytes and its inclusion
proof in the tree of the latest checkpoint that covers it, with that checkpoint and the log's
public key, so that ``static/js/verify.js`` can check all of it with Web Crypto without
trusting anything else the server says.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.record.encoding import EntryKind
from rada.record.errors import EntryNotFoundError
from rada.web.record_view import Filters, find_entries, latest_checkpoint
from rada.web.state import StateDep
from rada.web.templating import gettext_for, render

router = APIRouter(prefix="/record", tags=["record"])

_TEXT_LIMIT = 200


class InclusionProofPublic(BaseModel):
    """An entry's bytes and the proof that it is in a tree the log signed (hashes in base64)."""

    index: int = Field(description="The entry's position in the log")
    content: str = Field(
        description="The stored bytes, base64: the canonical entry, or a redacted entry's "
        "tombstone (whose leaf hash then stands in for the content)"
    )
    redacted: bool
    leaf_hash: str = Field(description="SHA-256(0x00 || entry bytes), as the log stores it")
    size: int = Field(description="Size of the tree the proof is for")
    root: str = Field(description="Root hash of that tree")
    proof: list[str] = Field(description="RFC 9162 inclusion proof, leaf to root")
    checkpoint: str | None = Field(
        description="The signed checkpoint note of that tree; null when no signed checkpoint "
        "covers the entry yet (the proof is then for the current, unsigned tree)"
    )
    public_key: str | None = Field(
        description="The log's signed-note verifier key, as the server publishes it"
    )


def _kind_names(_: Callable[[str], str]) -> dict[str, str]:
    """The kinds of entry in words (the record itself names them in English)."""
    return {
        EntryKind.COUNCIL: _("council"),
        EntryKind.POST: _("post"),
        EntryKind.PROPOSAL: _("proposal"),
        EntryKind.VOTE: _("vote"),
        EntryKind.PARTICIPATION: _("participation"),
        EntryKind.BALLOT: _("ballot"),
        EntryKind.DECISION: _("decision"),
        EntryKind.MEMBERSHIP: _("membership"),
        EntryKind.PLAN: _("plan"),
        EntryKind.REDACTION: _("redaction"),
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@router.get("", name="record", include_in_schema=False)
def record_page(
    request: Request,
    state: StateDep,
    kind: str = Query(default="", max_length=20),
    q: str = Query(default="", max_length=_TEXT_LIMIT),
    before: int | None = Query(default=None, ge=0),
    after: int | None = Query(default=None, ge=0),
) -> HTMLResponse:
    """Entries of the record, newest first, filtered and paged; the latest checkpoint."""
    kinds = [str(k) for k in EntryKind]
    if kind and kind not in kinds:
        _ = gettext_for(request)
        raise HTTPException(400, _("There is no kind of entry called %(kind)s.") % {"kind": kind})
    repository = state.record()
    filters = Filters(kind=EntryKind(kind) if kind else None, text=q, before=before, after=after)
    page = find_entries(repository, filters)
    checkpoint = latest_checkpoint(repository)
    _ = gettext_for(request)
    messages = {
        "checking": _("Checking…"),
        "ok": _("Verified in your browser."),
        "failed": _("Verification failed:"),
        "leaf": _("The entry's bytes hash to the leaf hash the log stores."),
        "leafRedacted": _(
            "The content is redacted: the stored leaf hash stands in for it, so the proof "
            "still shows the entry is in the log, but what it said cannot be checked."
        ),
        "leafMismatch": _("The entry's bytes do not hash to the leaf hash the server sent."),
        "indexMismatch": _("The entry's bytes name another position in the log."),
        "proof": _(
            "The inclusion proof leads from the leaf hash to the root of the tree of size %(size)s."
        ),
        "proofFailed": _("The inclusion proof does not lead to the root the server sent."),
        "checkpointRoot": _("That root and size are the ones in the signed checkpoint."),
        "checkpointMismatch": _("The checkpoint names another root or size than the proof."),
        "signature": _("The checkpoint's Ed25519 signature verifies with the key %(key)s."),
        "signatureFailed": _("The checkpoint's signature does not verify with the key %(key)s."),
        "noSignature": _("The checkpoint carries no signature by the key %(key)s."),
        "noEd25519": _(
            "This browser cannot check Ed25519 signatures, so the checkpoint's signature was "
            "not checked; everything else was."
        ),
        "unsigned": _(
            "No signed checkpoint covers this entry yet: it was checked against the current "
            "root, which the server has not signed."
        ),
        "noKey": _("The server publishes no public key, so no signature could be checked."),
        "keyMalformed": _("The public key is malformed or its key ID does not match it."),
        "network": _("The proof could not be fetched."),
        "malformed": _("The server's answer is malformed."),
        "compareKey": _(
            "Compare the key with the one the instance publishes elsewhere: a server that "
            "lies could send its own."
        ),
    }
    return render(
        request,
        "record/index.html",
        page=page,
        kinds=kinds,
        kind_names=_kind_names(_),
        kind=kind,
        query=q,
        checkpoint=checkpoint,
        public_key=state.public_key(),
        verify_messages=json.dumps(messages, ensure_ascii=False),
    )


@router.get("/entries/{index}/proof", name="record_proof", response_model=InclusionProofPublic)
def entry_proof(
    state: StateDep, index: int = Path(ge=0, description="The entry's index")
) -> InclusionProofPublic:
    """One entry's bytes and inclusion proof, in the latest signed tree that holds it."""
    repository = state.record()
    checkpoint = latest_checkpoint(repository)
    note, size = None, None
    if checkpoint is not None and index < checkpoint[1].size:
        note, size = checkpoint[0], checkpoint[1].size
    try:
        stored = repository.entry(index)
        proofs = repository.inclusion_proofs([index], size=size)
    except EntryNotFoundError as exc:
        raise HTTPException(404, f"the record has no entry {index}") from exc
    return InclusionProofPublic(
        index=index,
        content=_b64(stored.content),
        redacted=stored.redacted,
        leaf_hash=_b64(proofs.leaf_hashes[0]),
        size=proofs.size,
        root=_b64(proofs.root),
        proof=[_b64(h) for h in proofs.proofs[0]],
        checkpoint=note,
        public_key=state.public_key(),
    )
