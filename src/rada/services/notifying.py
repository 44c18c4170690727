"""Who hears of what: notices derived from the events being recorded, and the mail they cause.

:func:`notify` runs inside :func:`rada.services.recording.record`, in the transaction of the
change: the notices and the outbox's mails are committed with the change or not at all, and a
mail server that is down never slows a request (the worker sends later). Each notice is
unique per person, kind and key, so an event recorded twice tells nobody twice.

What concerns whom:

- a proposal opened for discussion, or for a vote, or decided: the council's members (a
  vote: those who vote), but not the one who did it;
- a reply: the author of the post replied to; a mention: the members of the council named;
- a vote cast by a delegate in a federation or the congress: the members of the council that
  sent them (a hidden vote when it is revealed at the count);
- a vote closing within 24 hours: the members who may vote and have not (:func:`remind`,
  which the worker runs);
- an invitation: the person with the invited address, if they have an account
  (:func:`notify_invitation`; the mail itself goes to the address in any case).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from rada.councils import events as ev
from rada.councils.notices import AccountSettings, Mail, Notice, NoticeKind, mentioned
from rada.councils.proposals import Stage
from rada.services.ports import OutgoingMail, UnitOfWork

__all__ = [
    "CLOSING_WITHIN",
    "notify",
    "notify_invitation",
    "remind",
    "settings_of",
    "unsubscribe",
]

#: A member who has not voted hears this long before the vote closes.
CLOSING_WITHIN = timedelta(hours=24)


def settings_of(uow: UnitOfWork, person_id: int) -> AccountSettings:
    """The person's settings, made (with a fresh unsubscribe key) and stored if they have none."""
    found = uow.settings.get(person_id)
    if found is None:
        found = AccountSettings(person_id=person_id, unsubscribe_key=secrets.token_urlsafe(24))
        uow.settings.save(found)
    return found


def _members(uow: UnitOfWork, council_id: int, *, voting: bool = False) -> list[int]:
    return uow.memberships.member_ids(council_id, voting=voting)


def _title(uow: UnitOfWork, proposal_id: int, cache: dict[int, tuple[str, int]]) -> tuple[str, int]:
    """A proposal's title and council (read once per call)."""
    if proposal_id not in cache:
        proposal = uow.proposals.get(proposal_id)
        cache[proposal_id] = ("", 0) if proposal is None else (proposal.title, proposal.council_id)
    return cache[proposal_id]


def _to_many(
    people: Iterable[int],
    kind: NoticeKind,
    key: str,
    event: ev.Event,
    index: int,
    *,
    proposal: int | None = None,
    post: int | None = None,
    params: dict[str, Any],
    leave_out: int | None = None,
) -> list[Notice]:
    return [
        Notice(
            person_id=person_id,
            kind=kind,
            key=key,
            created_at=event.at,
            council_id=event.council,
            proposal_id=proposal,
            post_id=post,
            record_index=index,
            params=params,
        )
        for person_id in people
        if person_id != leave_out
    ]


def _notices_of(
    uow: UnitOfWork, event: ev.Event, index: int, titles: dict[int, tuple[str, int]]
) -> list[Notice]:
    """The notices one recorded event causes."""
    if isinstance(event, ev.ProposalOpened | ev.DiscussionOpened | ev.VotingOpened):
        if isinstance(event, ev.ProposalOpened):
            if event.stage != Stage.DISCUSSION.value or event.council is None:
                return []
            titles[event.proposal] = (event.title, event.council)
        title, council = _title(uow, event.proposal, titles)
        if not council:
            return []
        voting = isinstance(event, ev.VotingOpened)
        kind = NoticeKind.VOTING if voting else NoticeKind.DISCUSSION
        params: dict[str, Any] = {"title": title}
        if isinstance(event, ev.VotingOpened):
            params["closes_at"] = event.closes_at.isoformat()
        return _to_many(
            _members(uow, council, voting=voting),
            kind,
            f"proposal/{event.proposal}/{kind.value}",
            event,
            index,
            proposal=event.proposal,
            params=params,
            leave_out=event.by,
        )
    if isinstance(event, ev.ProposalDecided):
        title, council = _title(uow, event.proposal, titles)
        if not council:
            return []
        return _to_many(
            _members(uow, council),
            NoticeKind.DECIDED,
            f"proposal/{event.proposal}/decided",
            event,
            index,
            proposal=event.proposal,
            params={"title": title, "outcome": str(event.decision.get("outcome", ""))},
            leave_out=event.by,
        )
    if isinstance(event, ev.PostWritten | ev.PostEdited):
        return _post_notices(uow, event, index, titles)
    if isinstance(event, ev.VoteCast | ev.VoteRevealed):
        return _delegate_notices(uow, event, index, titles)
    return []


def _post_notices(
    uow: UnitOfWork,
    event: ev.PostWritten | ev.PostEdited,
    index: int,
    titles: dict[int, tuple[str, int]],
) -> list[Notice]:
    title, council = _title(uow, event.proposal, titles)
    if not council or event.by is None:
        return []
    key = f"post/{event.post}"
    params: dict[str, Any] = {"title": title}
    author = uow.people.get(event.by)
    params["by"] = author.name if author is not None else ""
    found: list[Notice] = []
    if isinstance(event, ev.PostWritten) and event.reply_to is not None:
        parent = uow.posts.get(event.reply_to)
        if parent is not None and parent.author_id != event.by:
            found += _to_many([parent.author_id], NoticeKind.REPLY, key, event, index,
                              proposal=event.proposal, post=event.post, params=params)  # fmt: skip
    if "@" in event.text:
        members = _members(uow, council)
        people = uow.people.of_ids(members)
        named = mentioned(event.text, [(p.id, p.name) for p in people.values()])
        found += _to_many(named, NoticeKind.MENTION, key, event, index, proposal=event.proposal,
                          post=event.post, params=params, leave_out=event.by)  # fmt: skip
    return found


def _delegate_notices(
    uow: UnitOfWork,
    event: ev.VoteCast | ev.VoteRevealed,
    index: int,
    titles: dict[int, tuple[str, int]],
) -> list[Notice]:
    if event.by is None or event.choice is None or event.council is None:
        return []
    council = uow.councils.get(event.council)
    if council is None or not council.delegates_vote:
        return []
    seat = uow.memberships.of(event.council, event.by)
    if seat is None or seat.delegate_of is None:
        return []
    title, _ = _title(uow, event.proposal, titles)
    delegate = uow.people.get(event.by)
    params = {
        "title": title,
        "by": delegate.name if delegate is not None else "",
        "federation": council.name,
        "choice": dict(event.choice),
    }
    return _to_many(
        _members(uow, seat.delegate_of),
        NoticeKind.DELEGATE,
        f"vote/{event.proposal}/{event.by}/{event.version}",
        event,
        index,
        proposal=event.proposal,
        params=params,
        leave_out=event.by,
    )


def _deliver(uow: UnitOfWork, notices: Sequence[Notice]) -> list[Notice]:
    """Store the notices; queue a mail for each one wanted at once, and mark those wanted in
    the daily digest. The notices that were new."""
    if not notices:
        return []
    people = sorted({n.person_id for n in notices})
    settings = uow.settings.of_people(people)
    digest = {
        (n.person_id, n.kind)
        for n in notices
        if n.person_id in settings
        and settings[n.person_id].mailable
        and settings[n.person_id].mail_for(n.kind) is Mail.DIGEST
    }
    added = uow.notices.add_many(notices, digest=sorted(digest))
    now_wanted = [
        n
        for n in added
        if n.person_id in settings
        and settings[n.person_id].mailable
        and settings[n.person_id].mail_for(n.kind) is Mail.NOW
    ]
    if now_wanted:
        addresses = uow.people.emails([n.person_id for n in now_wanted])
        uow.outbox.add_many(
            [
                OutgoingMail(
                    address=addresses[n.person_id],
                    purpose=f"notice/{n.kind.value}",
                    language=settings[n.person_id].language or "en",
                    created_at=n.created_at,
                    due_at=n.created_at,
                    person_id=n.person_id,
                    notice_id=n.id,
                )
                for n in now_wanted
                if n.person_id in addresses
            ]
        )
    return added


def notify(uow: UnitOfWork, events: Sequence[ev.Event], indexes: Sequence[int]) -> list[Notice]:
    """Tell whom the recorded ``events`` (at record ``indexes``) concern, in the caller's
    transaction; the notices that were new."""
    titles: dict[int, tuple[str, int]] = {}
    found: list[Notice] = []
    for event, index in zip(events, indexes, strict=True):
        found += _notices_of(uow, event, index, titles)
    return _deliver(uow, found)


def notify_invitation(
    uow: UnitOfWork, *, person_id: int, council_id: int, council_name: str, by_name: str,
    invitation_id: int, now: datetime,
) -> list[Notice]:  # fmt: skip
    """Tell someone with an account that they were invited (the mail with the code goes to
    the address apart, whoever holds it)."""
    notice = Notice(
        person_id=person_id,
        kind=NoticeKind.INVITATION,
        key=f"invitation/{invitation_id}",
        created_at=now,
        council_id=council_id,
        params={"council": council_name, "by": by_name},
    )
    return uow.notices.add_many([notice])


def remind(uow: UnitOfWork, *, now: datetime) -> list[Notice]:
    """Tell each member who may vote and has not that a vote closes within
    :data:`CLOSING_WITHIN` (once per vote); the notices that were new."""
    found: list[Notice] = []
    for council in uow.councils.all():
        for proposal in uow.proposals.for_council(council.id, stage=Stage.VOTING):
            closes = proposal.closes_at
            if closes is None or not now < closes <= now + CLOSING_WITHIN:
                continue
            voters = _members(uow, council.id, voting=True)
            if proposal.rule.secret:
                done = {v for _, v in uow.ballots.took_part([(proposal.id, v) for v in voters])}
            else:
                done = {v for _, v in uow.votes.voted([(proposal.id, v) for v in voters])}
            found += [
                Notice(
                    person_id=v,
                    kind=NoticeKind.CLOSING,
                    key=f"proposal/{proposal.id}/closing",
                    created_at=now,
                    council_id=council.id,
                    proposal_id=proposal.id,
                    params={"title": proposal.title, "closes_at": closes.isoformat()},
                )
                for v in voters
                if v not in done
            ]
    return _deliver(uow, found)


#: What an unsubscribe link may name besides a kind of notice: the daily digest (every kind
#: now in it), or all mail of notices.
UNSUBSCRIBE_ALL = "all"
UNSUBSCRIBE_DIGEST = "digest"


def unsubscribe(uow: UnitOfWork, *, key: str, what: str) -> list[NoticeKind] | None:
    """Stop mail of ``what`` (a kind of notice, ``digest`` or ``all``) for the person whose
    unsubscribe key ``key`` is: those kinds become :attr:`Mail.NEVER`. The kinds turned off
    (none when they were off already); None when no one has that key or ``what`` names
    nothing (a link that is not known)."""
    settings = uow.settings.by_unsubscribe_key(key) if key else None
    if settings is None:
        return None
    if what == UNSUBSCRIBE_ALL:
        kinds = list(NoticeKind)
    elif what == UNSUBSCRIBE_DIGEST:
        kinds = [k for k in NoticeKind if settings.mail_for(k) is Mail.DIGEST]
    elif what in {k.value for k in NoticeKind}:
        kinds = [NoticeKind(what)]
    else:
        return None
    changed = [k for k in kinds if settings.mail_for(k) is not Mail.NEVER]
    if changed:
        settings.mail.update(dict.fromkeys(changed, Mail.NEVER))
        uow.settings.save(settings)
    return changed
