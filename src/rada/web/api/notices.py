"""One's own notices, settings and what waits: ``/me/notices``, ``/me/settings``, ``/me/waiting``.

Everything here is the caller's own: nobody else's notice is ever listed, counted or marked
(an id of someone else's notice is ignored when marking, as an unknown one is).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from rada.councils.model import MAX_ID
from rada.councils.notices import Mail, Notice, NoticeKind
from rada.councils.proposals import Proposal, Stage
from rada.councils.text import msg
from rada.services import notices as service
from rada.services.notifying import settings_of
from rada.services.waiting import since_last_visit, waiting_for
from rada.web.api.deps import ApiDep, ParticipantDep
from rada.web.api.errors import ApiError, ApiRoute

__all__ = ["router"]

router = APIRouter(tags=["notices"], route_class=ApiRoute)


class NoticePublic(BaseModel):
    """A notice: what kind, of what, when, whether read, and what its words need."""

    id: int
    kind: NoticeKind
    created_at: datetime
    read_at: datetime | None
    council_id: int | None
    proposal_id: int | None
    post_id: int | None
    record_index: int | None
    params: dict[str, Any]

    @classmethod
    def of(cls, notice: Notice) -> NoticePublic:
        return cls(
            id=notice.id,
            kind=notice.kind,
            created_at=notice.created_at,
            read_at=notice.read_at,
            council_id=notice.council_id,
            proposal_id=notice.proposal_id,
            post_id=notice.post_id,
            record_index=notice.record_index,
            params=dict(notice.params),
        )


class NoticePage(BaseModel):
    notices: list[NoticePublic]
    unread: int
    next_before: int | None = Field(
        description="Send as ``before`` for the next (older) page; null when this page is "
        "not full (the last)."
    )


class NoticeCount(BaseModel):
    unread: int


class MarkRead(BaseModel):
    """Which notices to mark read: ``ids`` (at most 100), or ``all``."""

    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, max_length=service.MAX_PAGE
    )
    all: bool = False


class Marked(BaseModel):
    marked: int
    unread: int


class SettingsBody(BaseModel):
    """One's settings, replaced whole: null language or zone means the browser's; a kind
    left out of ``mail`` takes its default."""

    language: str | None = Field(default=None, max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    mail: dict[str, str] = Field(default_factory=dict, max_length=len(NoticeKind))


class SettingsPublic(BaseModel):
    language: str | None
    timezone: str | None
    mail: dict[NoticeKind, Mail] = Field(description="Every kind, with its default filled in.")
    last_seen_at: datetime | None


class WaitingProposal(BaseModel):
    id: int
    title: str
    council_slug: str
    stage: Stage
    when: datetime | None = Field(description="Closing time, or when the vote may open.")


class NewPostsPublic(BaseModel):
    proposal: WaitingProposal
    posts: int
    latest: datetime


class WaitingPublic(BaseModel):
    """What waits for the caller, and what changed since ``since`` (their previous visit)."""

    to_vote: list[WaitingProposal]
    to_open: list[WaitingProposal]
    to_close: list[WaitingProposal]
    discussions: list[WaitingProposal]
    since: datetime | None
    new_posts: list[NewPostsPublic]
    decisions: list[WaitingProposal]


def _proposal(proposal: Proposal, slug: str, when: datetime | None) -> WaitingProposal:
    return WaitingProposal(
        id=proposal.id, title=proposal.title, council_slug=slug, stage=proposal.stage, when=when
    )


@router.get("/me/notices", summary="One's notices, newest first")
def list_notices(
    api: ApiDep,
    caller: ParticipantDep,
    before: int | None = Query(default=None, ge=1, le=MAX_ID, description="A notice's id."),
    limit: int = Query(default=service.PAGE, ge=1, le=service.MAX_PAGE),
    unread: bool = False,
) -> NoticePage:
    """The caller's notices, newest first, ``limit`` at a time; ``before`` (the previous
    page's ``next_before``) goes on to older ones; ``unread=true`` lists only those unread."""
    with api.uow() as uow:
        page = service.list_notices(uow, caller.id, before=before, limit=limit, unread=unread)
        count = service.unread_count(uow, caller.id)
    # A full page may be followed by more (or by an empty page: the cursor cannot know).
    return NoticePage(
        notices=[NoticePublic.of(n) for n in page],
        unread=count,
        next_before=page[-1].id if len(page) == limit else None,
    )


@router.get("/me/notices/count", summary="How many of one's notices are unread")
def count_notices(api: ApiDep, caller: ParticipantDep) -> NoticeCount:
    with api.uow() as uow:
        return NoticeCount(unread=service.unread_count(uow, caller.id))


@router.post("/me/notices/read", summary="Mark one's notices read")
def mark_read(body: MarkRead, api: ApiDep, caller: ParticipantDep) -> Marked:
    """Mark the notices of ``ids`` read, or all of them with ``all: true`` (one or the
    other). Ids of notices that are not the caller's are ignored."""
    if body.all == (body.ids is not None):
        raise ApiError(
            422,
            msg("give either the ids of the notices to mark read or all, not both"),
            hint=msg('for example {"ids": [12, 13]} or {"all": true}'),
        )
    with api.uow() as uow:
        marked = service.mark_read(uow, caller.id, now=api.now(), ids=body.ids)
        count = service.unread_count(uow, caller.id)
        uow.commit()
    return Marked(marked=marked, unread=count)


def _settings_public(api: ApiDep, person_id: int) -> SettingsPublic:
    with api.uow() as uow:
        settings = settings_of(uow, person_id)
        uow.commit()
    return SettingsPublic(
        language=settings.language,
        timezone=settings.timezone,
        mail={kind: settings.mail_for(kind) for kind in NoticeKind},
        last_seen_at=settings.last_seen_at,
    )


@router.get("/me/settings", summary="One's settings")
def get_settings(api: ApiDep, caller: ParticipantDep) -> SettingsPublic:
    """Language, time zone and each kind's mail (at once, daily digest, never)."""
    return _settings_public(api, caller.id)


@router.put("/me/settings", summary="Replace one's settings")
def put_settings(body: SettingsBody, api: ApiDep, caller: ParticipantDep) -> SettingsPublic:
    """Replace the settings whole. An unknown language, time zone, kind or choice is 422
    and changes nothing."""
    with api.uow() as uow:
        service.update_settings(
            uow, caller.id, language=body.language, timezone=body.timezone, mail=body.mail
        )
        uow.commit()
    return _settings_public(api, caller.id)


@router.get("/me/waiting", summary="What waits for one, and what changed since one's last visit")
def waiting(
    api: ApiDep,
    caller: ParticipantDep,
    since: datetime | None = Query(
        default=None, description="From when to count new posts and decisions (default: the "
        "last visit the home page noted)."
    ),
) -> WaitingPublic:  # fmt: skip
    """Open votes the caller has not cast (with their closing times), votes they may open or
    that wait to be counted, discussions going on, and, since ``since``, discussions with
    posts by others and decisions. Reading it does not count as a visit."""
    now = api.now()
    with api.uow() as uow:
        found = waiting_for(uow, caller.id, now=now)
        start = since if since is not None else settings_of(uow, caller.id).last_seen_at
        if start is not None and start.tzinfo is None:
            raise ApiError(422, msg("'since' needs a time zone, such as 2026-03-01T08:00Z"))
        new = since_last_visit(uow, caller.id, since=start, now=now)
        uow.commit()
    return WaitingPublic(
        to_vote=[_proposal(i.proposal, i.council.slug, i.when) for i in found.to_vote],
        to_open=[_proposal(i.proposal, i.council.slug, i.when) for i in found.to_open],
        to_close=[_proposal(i.proposal, i.council.slug, i.when) for i in found.to_close],
        discussions=[_proposal(i.proposal, i.council.slug, i.when) for i in found.discussions],
        since=new.since,
        new_posts=[
            NewPostsPublic(
                proposal=_proposal(d.proposal, d.council.slug, d.latest),
                posts=d.posts,
                latest=d.latest,
            )
            for d in new.discussions
        ],
        decisions=[_proposal(i.proposal, i.council.slug, i.when) for i in new.decisions],
    )
