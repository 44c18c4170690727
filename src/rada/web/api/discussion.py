"""Discussion: a proposal's thread with every version of every post; write, reply, edit.

There is no route that deletes a post, for anyone: speech leaves the record only by an
adopted redaction proposal, which leaves a visible tombstone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from rada.councils.errors import NotFound
from rada.councils.model import MAX_ID
from rada.councils.text import msg
from rada.services import discussion as service
from rada.services.proposals import get_proposal
from rada.web.api.deps import ApiDep, ParticipantDep
from rada.web.api.errors import ApiRoute
from rada.web.api.links import POST_LINKS, answer
from rada.web.api.lookup import People
from rada.web.api.proposals import ProposalId
from rada.web.api.schemas import PostCreate, PostEdit, PostPublic

router = APIRouter(tags=["discussion"], route_class=ApiRoute)

PostId = Annotated[int, Path(ge=1, le=MAX_ID, description="The post's id.")]


@router.get("/proposals/{proposal_id}/posts", summary="A proposal's discussion")
def list_posts(proposal_id: ProposalId, api: ApiDep) -> list[PostPublic]:
    """Every post in the discussion, oldest first, each with all its versions (public)."""
    with api.uow() as uow:
        get_proposal(uow, proposal_id)
        people = People(uow)
        posts = sorted(uow.posts.for_proposal(proposal_id), key=lambda p: (p.created_at, p.id))
        return [PostPublic.of(p, people(p.author_id)) for p in posts]


@router.post(
    "/proposals/{proposal_id}/posts",
    status_code=201,
    summary="Write a post or reply",
    responses={201: answer("The post written", POST_LINKS)},
)
def write_post(
    proposal_id: ProposalId, body: PostCreate, api: ApiDep, caller: ParticipantDep
) -> PostPublic:
    """Write in the discussion (members of the proposal's council, while it is in
    discussion or voting); ``reply_to`` answers another post of the same thread."""
    with api.uow() as uow:
        post = service.write_post(
            uow,
            proposal_id=proposal_id,
            text=body.text,
            by=caller.id,
            now=api.now(),
            reply_to=body.reply_to,
        )
        uow.commit()
    return PostPublic.of(post, caller.person)


@router.get("/posts/{post_id}", summary="A post with every version")
def show_post(post_id: PostId, api: ApiDep) -> PostPublic:
    """A post with every version (public)."""
    with api.uow() as uow:
        post = uow.posts.get(post_id)
        if post is None:
            raise NotFound(msg("there is no post %(post)s", post=post_id))
        return PostPublic.of(post, People(uow)(post.author_id))


@router.patch("/posts/{post_id}", summary="Edit one's own post")
def edit_post(post_id: PostId, body: PostEdit, api: ApiDep, caller: ParticipantDep) -> PostPublic:
    """Add a version to one's own post; earlier versions stay visible. Nobody may edit
    another's post."""
    with api.uow() as uow:
        post = service.edit_post(uow, post_id=post_id, text=body.text, by=caller.id, now=api.now())
        uow.commit()
    return PostPublic.of(post, caller.person)
