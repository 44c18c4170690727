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
import re
from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.record.encoding import EntryKind
from rada.record.errors import EntryNotFoundError
from rada.store.audit import WHOLE_ROW
from rada.store.audit_log import last_audit
from rada.store.record_repository import MAX_INDEX
from rada.web.api.deps import api_context
from rada.web.record_view import Filters, find_entries, latest_checkpoint
from rada.web.record_words import Names, sentence
from rada.web.state import StateDep
from rada.web.templating import gettext_for, ngettext_for, render

router = APIRouter(prefix="/record", tags=["record"])

_TEXT_LIMIT = 200
_PERSON = re.compile(r"person/[0-9]{1,18}")


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
        EntryKind.PERSON: _("person"),
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
        # The checkpoint this browser remembers (static/js/log-check.js).
        "logChecking": _("Checking the log's latest checkpoint…"),
        "logNone": _("The log has not signed a checkpoint yet."),
        "logOk": _("This browser's view of the log is consistent."),
        "logFailed": _("Warning: this checkpoint must not be trusted."),
        "logIncomplete": _("Checked as far as this browser can; see below."),
        "logSigned": _("The checkpoint of size %(size)s is signed by the log's key."),
        "logFirst": _(
            "This browser had not seen this log before: it now remembers the checkpoint of "
            "size %(size)s and will check that every later one extends it."
        ),
        "logSame": _("It is the checkpoint this browser saw last time."),
        "logExtends": _(
            "It extends the checkpoint of size %(old)s this browser saw before: the "
            "consistency proof holds."
        ),
        "logRollback": _(
            "The log went back from size %(old)s, which this browser saw, to %(size)s: "
            "entries were removed or you are shown another copy of the log."
        ),
        "logFork": _(
            "This browser saw another tree of the same size %(size)s: the log has forked "
            "(a split view)."
        ),
        "logInconsistent": _(
            "The checkpoint does not extend the one of size %(old)s this browser saw: the "
            "log's history was rewritten or forked."
        ),
        # Filled in by the browser, which knows no plural forms: said without agreement.
        "logWitnessed": _(
            "Cosigned by witnesses: %(count)s of %(total)s known (%(names)s); the quorum is "
            "%(quorum)s."
        ),
        "logUnwitnessed": _(
            "Too few witnesses cosigned it: %(count)s of %(total)s known, and the quorum is "
            "%(quorum)s. A checkpoint the witnesses did not see may be shown to you alone."
        ),
        "logBadCosignature": _("The cosignature of the witness %(name)s does not verify."),
        "logNoWitnesses": _("This log names no witnesses, so no cosignature was checked."),
        "logNoEd25519": _(
            "This browser cannot check Ed25519 signatures: neither the log's signature nor "
            "the witnesses' cosignatures were checked, only the tree's consistency."
        ),
        "logNotKept": _("This checkpoint was not remembered: the one seen before is kept."),
        "logForget": _("Forget the remembered checkpoint"),
    }
    with api_context(request).uow() as uow:
        names = Names(uow, _)
        ngettext = ngettext_for(request)
        sentences = {
            e.index: sentence(e.kind, e.author, e.fields, names, _, ngettext)
            for e in page.entries
            if e.fields
        }
        # A person by name, as the sentence names them ("person/21" stays in the entry as
        # stored).
        authors = {
            e.index: names.person(e.author.removeprefix("person/"))
            for e in page.entries
            if e.author and _PERSON.fullmatch(e.author)
        }
    return render(
        request,
        "record/index.html",
        page=page,
        sentences=sentences,
        authors=authors,
        kinds=kinds,
        kind_names=_kind_names(_),
        kind=kind,
        query=q,
        checkpoint=checkpoint,
        audit=last_audit(repository.engine),
        whole_row=WHOLE_ROW,
        public_key=state.public_key(),
        verify_messages=json.dumps(messages, ensure_ascii=False),
        # "<" escaped: the JSON sits in a <script> element.
        witnesses=json.dumps(
            [{"url": url, "key": key} for url, key in state.settings.witness_endpoints]
        ).replace("<", "\\u003c"),
        quorum=state.settings.quorum,
    )


@router.get("/entries/{index}/proof", name="record_proof", response_model=InclusionProofPublic)
def entry_proof(
    state: StateDep,
    index: int = Path(ge=0, le=MAX_INDEX, description="The entry's index"),
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


class ConsistencyProofPublic(BaseModel):
    """A consistency proof between two tree sizes of the log (hashes in base64); the reader
    checks it against the roots of checkpoints it holds, so no root is sent."""

    size1: int = Field(description="The older tree size")
    size2: int = Field(description="The newer tree size")
    proof: list[str] = Field(description="RFC 9162 consistency proof from size1 to size2")


@router.get("/consistency", name="record_consistency", response_model=ConsistencyProofPublic)
def consistency_proof(
    state: StateDep,
    size1: int = Query(ge=1, description="The older tree size"),
    size2: int = Query(ge=1, description="The newer tree size"),
) -> ConsistencyProofPublic:
    """The proof that the tree of ``size2`` entries extends that of ``size1``."""
    if size1 > size2:
        raise HTTPException(400, f"size1 {size1} is above size2 {size2}")
    repository = state.record()
    try:
        proof = repository.consistency_proof(size1, size2)
    except EntryNotFoundError as exc:
        raise HTTPException(404, f"the record does not hold {size2} entries") from exc
    return ConsistencyProofPublic(size1=size1, size2=size2, proof=[_b64(h) for h in proof])
