"""OpenAPI links: which value of an answer names the thing the next request acts on.

A client reading the OpenAPI document learns from them, for example, that the ``id`` of a
proposal just opened is the ``proposal_id`` of its discussion, vote and count, and that the
``code`` of an invitation is what the invited person accepts. The stateful fuzzing suite
(``tests/e2e/test_api_stateful.py``) follows them too. Operations are named by the ids that
FastAPI gives them (the handler's name, path and method); a link to an id that does not exist
fails that suite.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "COUNCIL_LINKS",
    "INVITATION_LINKS",
    "POST_LINKS",
    "PROPOSAL_LINKS",
    "VOTE_LINKS",
    "VOTING_LINKS",
    "answer",
]

_PROPOSAL = "$response.body#/id"


def _link(operation_id: str, description: str, **parameters: str) -> dict[str, Any]:
    return {"operationId": operation_id, "description": description, "parameters": parameters}


def _on_proposal(operation: str, description: str, path: str) -> dict[str, Any]:
    return _link(
        f"{operation}_api_v1_proposals__proposal_id_{path}",
        description,
        proposal_id=_PROPOSAL,
    )


def answer(description: str, links: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A documented answer with its links, for a route's ``responses``."""
    return {"description": description, "links": links}


#: From a council (just founded): what can be done in it next.
COUNCIL_LINKS: dict[str, dict[str, Any]] = {
    "ShowCouncil": _link(
        "show_council_api_v1_councils__slug__get",
        "The council, its members and offices.",
        slug="$response.body#/slug",
    ),
    "OpenProposal": _link(
        "open_proposal_api_v1_councils__slug__proposals_post",
        "Open a proposal in the council.",
        slug="$response.body#/slug",
    ),
    "ListProposals": _link(
        "list_proposals_api_v1_councils__slug__proposals_get",
        "The council's proposals.",
        slug="$response.body#/slug",
    ),
    "Invite": _link(
        "invite_api_v1_councils__slug__invitations_post",
        "Invite someone to the council (workplace councils and unions).",
        slug="$response.body#/slug",
    ),
    "ProposeAffiliation": _link(
        "propose_affiliation_api_v1_councils__slug__affiliations_post",
        "As a federation (or the congress), invite a council to join it.",
        slug="$response.body#/slug",
    ),
    "MakeConvenor": _link(
        "make_convenor_api_v1_councils__slug__convenors_post",
        "Make a member a convenor too.",
        slug="$response.body#/slug",
    ),
}

#: From a proposal (just opened, or moved on a stage): every step of its life.
PROPOSAL_LINKS: dict[str, dict[str, Any]] = {
    "ShowProposal": _on_proposal("show_proposal", "The proposal, every version.", "_get"),
    "ReviseProposal": _on_proposal(
        "revise_proposal", "A new version of its text (its author).", "_versions_post"
    ),
    "OpenDiscussion": _on_proposal(
        "open_discussion", "Put the draft to discussion.", "_discussion_post"
    ),
    "OpenVoting": _on_proposal(
        "open_voting", "Open the vote once the discussion has lasted.", "_voting_post"
    ),
    "ListPosts": _on_proposal("list_posts", "Its discussion.", "_posts_get"),
    "WritePost": _on_proposal("write_post", "Write in its discussion.", "_posts_post"),
    "CastVote": _on_proposal("cast_vote", "Vote on it.", "_votes_post"),
    "CloseVote": _on_proposal("close_vote", "Close the vote and count it.", "_close_post"),
    "ListVotes": _on_proposal("list_votes", "Its roll call, or its ballots.", "_votes_get"),
    "Tally": _on_proposal("tally", "Its count.", "_tally_get"),
}

#: From a proposal whose vote has just opened, or been counted.
VOTING_LINKS: dict[str, dict[str, Any]] = {
    name: PROPOSAL_LINKS[name]
    for name in ("ShowProposal", "CastVote", "CloseVote", "ListVotes", "Tally", "WritePost")
}

#: From a vote just cast: the proposal's count, and (for a secret ballot) the receipt.
VOTE_LINKS: dict[str, dict[str, Any]] = {
    "CheckReceipt": {
        **_link(
            "check_receipt_api_v1_proposals__proposal_id__receipts_post",
            "After the count, the published ballot the receipt names (secret ballots).",
            proposal_id="$response.body#/proposal_id",
        ),
        "requestBody": {"code": "$response.body#/receipt"},
    },
    "Tally": _link(
        "tally_api_v1_proposals__proposal_id__tally_get",
        "The proposal's count.",
        proposal_id="$response.body#/proposal_id",
    ),
    "CloseVote": _link(
        "close_vote_api_v1_proposals__proposal_id__close_post",
        "Close the vote and count it.",
        proposal_id="$response.body#/proposal_id",
    ),
}

#: From a post just written: answer it.
POST_LINKS: dict[str, dict[str, Any]] = {
    "Reply": {
        **_link(
            "write_post_api_v1_proposals__proposal_id__posts_post",
            "Answer the post, in the same thread.",
            proposal_id="$response.body#/proposal_id",
        ),
        "requestBody": {"reply_to": "$response.body#/id"},
    },
}

#: From an invitation just made: the invited person accepts its code.
INVITATION_LINKS: dict[str, dict[str, Any]] = {
    "AcceptInvitation": {
        **_link(
            "accept_invitation_api_v1_invitations_accept_post",
            "The person invited (signed in with the invited address) accepts the code.",
        ),
        "requestBody": {"code": "$response.body#/code"},
    },
}
