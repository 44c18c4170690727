"""Use cases for discussion: write a post or reply, and edit one's own post.

There is no use case that deletes a post: nobody, convenor or operator included, can remove
speech except by an adopted redaction proposal, which leaves a visible tombstone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from rada.councils.errors import NotAllowed, NotFound, WrongStage
from rada.councils.events import PostEdited, PostWritten
from rada.councils.proposals import STAGE_NAMES, Post, Version, check_text
from rada.councils.text import msg
from rada.services.councils import get_council
from rada.services.ports import UnitOfWork
from rada.services.proposals import get_proposal
from rada.services.recording import links_to, record_one


def write_post(
    uow: UnitOfWork,
    *,
    proposal_id: int,
    text: str,
    by: int,
    now: datetime,
    reply_to: int | None = None,
) -> Post:
    """Write a post in a proposal's discussion (members of its council, while it is open)."""
    proposal = get_proposal(uow, proposal_id)
    council = get_council(uow, proposal.council_id)
    membership = uow.memberships.of(council.id, by)
    if membership is None:
        raise NotAllowed(
            msg(
                "only members of %(council)s may take part in its discussions", council=council.name
            )
        )
    if not proposal.allows_posts():
        raise WrongStage(
            msg(
                "the discussion is closed: the proposal is %(stage)s",
                stage=STAGE_NAMES[proposal.stage],
            )
        )
    answered = None
    if reply_to is not None:
        parent = uow.posts.get(reply_to)
        if parent is None or parent.proposal_id != proposal.id:
            raise NotFound(msg("there is no post %(post)s in this discussion", post=reply_to))
        answered = parent.versions[0].record_index
    links = links_to(proposal.record_index, answered)
    post = Post(
        proposal.id, by, now, [Version(1, check_text(text, msg("a post")), now)], parent_id=reply_to
    )
    uow.posts.add(post)
    index = record_one(
        uow,
        PostWritten(
            council=council.id,
            at=now,
            by=by,
            links=links,
            proposal=proposal.id,
            post=post.id,
            reply_to=reply_to,
            version=1,
            text=post.text,
        ),
    )
    post.versions[0] = replace(post.versions[0], record_index=index)
    uow.posts.save(post)
    return post


def edit_post(uow: UnitOfWork, *, post_id: int, text: str, by: int, now: datetime) -> Post:
    """A new version of one's own post; the earlier versions stay visible."""
    post = uow.posts.get(post_id)
    if post is None:
        raise NotFound(msg("there is no post %(post)s", post=post_id))
    proposal = get_proposal(uow, post.proposal_id)
    version = post.write(text, by=by, now=now)
    links = links_to(post.versions[0].record_index)
    index = record_one(
        uow,
        PostEdited(
            council=proposal.council_id,
            at=now,
            by=by,
            links=links,
            proposal=proposal.id,
            post=post.id,
            version=version.number,
            text=version.text,
        ),
    )
    post.versions[-1] = replace(version, record_index=index)
    uow.posts.save(post)
    return post
