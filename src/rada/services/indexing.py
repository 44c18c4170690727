"""The search index kept in step with the record: documents derived from the events recorded.

:func:`index_events` runs inside :func:`rada.services.recording.record`, beside
:func:`rada.services.notifying.notify`, in the transaction of the change, so the index never
holds what was not committed nor misses what was. What it indexes is public already, on the
record: a proposal's title and latest text, a post's latest text, a decision's summary, a
council's name and description. Never a secret ballot, a vote's choice, an e-mail address or
an invitation code: no event it reads carries one, and the events that do (votes, ballots)
are passed over at the cost of one type check.

A redaction does not pass through :func:`record` (the record writes its own entry), so
:func:`reindex_redacted` is called by the redaction itself once the tables are emptied: the
document is made again from what is left, or removed when nothing is.
"""

from __future__ import annotations

from collections.abc import Sequence

from rada.councils import events as ev
from rada.services.ports import SearchDocument, UnitOfWork

__all__ = ["INDEXED", "index_events", "reindex_redacted"]

#: The events whose content the index holds.
INDEXED: tuple[type[ev.Event], ...] = (
    ev.CouncilFounded,
    ev.ProposalOpened,
    ev.ProposalRevised,
    ev.PostWritten,
    ev.PostEdited,
    ev.ProposalDecided,
)


def _document(uow: UnitOfWork, event: ev.Event) -> SearchDocument | None:
    if isinstance(event, ev.CouncilFounded):
        if event.council is None:
            return None
        return SearchDocument("council", event.council, event.council, event.name,
                              event.description)  # fmt: skip
    if isinstance(event, ev.ProposalOpened):
        return SearchDocument("proposal", event.proposal, event.council, event.title,
                              event.text)  # fmt: skip
    if isinstance(event, ev.ProposalRevised):
        proposal = uow.proposals.get(event.proposal)
        title = "" if proposal is None else proposal.title
        return SearchDocument("proposal", event.proposal, event.council, title, event.text)
    if isinstance(event, ev.PostWritten | ev.PostEdited):
        return SearchDocument("post", event.post, event.council, "", event.text,
                              proposal=event.proposal)  # fmt: skip
    if isinstance(event, ev.ProposalDecided):
        summary = str(event.decision.get("summary", ""))
        return SearchDocument("decision", event.proposal, event.council, "", summary,
                              proposal=event.proposal)  # fmt: skip
    return None


def index_events(uow: UnitOfWork, events: Sequence[ev.Event], indexes: Sequence[int]) -> None:
    """Index what the recorded ``events`` made public, in the caller's transaction."""
    del indexes  # the documents name what they are; the record's indexes are not needed
    documents = [
        document
        for event in events
        if isinstance(event, INDEXED) and (document := _document(uow, event)) is not None
    ]
    if documents:
        uow.search.index(documents)


def reindex_redacted(uow: UnitOfWork, event: ev.Event) -> None:
    """Make again the document whose content an adopted redaction of ``event``'s entry just
    removed from the tables (or forget it, when nothing of it is left)."""
    if isinstance(event, ev.PostWritten | ev.PostEdited):
        post = uow.posts.get(event.post)
        text = post.versions[-1].text if post is not None and post.versions else ""
        if text:
            uow.search.index([SearchDocument("post", event.post, event.council, "", text,
                                             proposal=event.proposal)])  # fmt: skip
        else:
            uow.search.remove("post", event.post)
    elif isinstance(event, ev.ProposalOpened | ev.ProposalRevised):
        proposal = uow.proposals.get(event.proposal)
        title = "" if proposal is None else proposal.title
        text = proposal.versions[-1].text if proposal is not None and proposal.versions else ""
        if title or text:
            uow.search.index([SearchDocument("proposal", event.proposal, event.council, title,
                                             text)])  # fmt: skip
        else:
            uow.search.remove("proposal", event.proposal)
