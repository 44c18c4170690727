"""Many votes in one transaction (the web layer's group commit): each vote is checked on its
own, refusals come back in place, and the record gets one entry per stored vote.

These run on the in-memory unit of work and on the real databases (see conftest.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.services.test_councils_services import (  # the world fixture, shared
    T0,
    World,
    _motion,
    _vote_open,
    world,
)

from rada.councils.ballots import Vote, receipt_hash
from rada.councils.errors import AlreadyVoted, InvalidChoice, NotAllowed, NotFound, WrongStage
from rada.councils.orders import ProposalKind
from rada.record.encoding import EntryKind
from rada.services import proposals as ps
from rada.services.ballot_box import VoteRequest, cast_votes

__all__ = ["world"]


def test_a_group_stores_the_allowed_votes_and_refuses_the_rest_in_place(world: World) -> None:
    with world() as uow:
        proposal = _motion(world, uow)
        other = _motion(world, uow)
        at = _vote_open(world, uow, proposal)
        ps.cast_vote(uow, proposal_id=proposal, by=world.cy, choice={"position": "no"}, now=at)
        size = uow.record.append([]).start
        outcomes = cast_votes(
            uow,
            [
                VoteRequest(proposal, world.bo, {"position": "yes"}, at),
                VoteRequest(proposal, world.bo, {"position": "no"}, at),  # a change, in-group
                VoteRequest(proposal, world.cy, {"position": "yes"}, at),  # a change
                VoteRequest(proposal, world.dan, {"position": "yes"}, at),  # not a member
                VoteRequest(proposal, world.ana, {"position": "maybe"}, at),
                VoteRequest(999_999, world.ana, {"position": "yes"}, at),
                VoteRequest(other, world.ana, {"position": "yes"}, at),  # not open yet
                VoteRequest(proposal, world.ana, {"position": "abstain"}, at),
            ],
        )
        uow.commit()
    kinds = [type(o) for o in outcomes]
    assert kinds == [
        type(None),
        type(None),
        type(None),
        NotAllowed,
        InvalidChoice,
        NotFound,
        WrongStage,
        type(None),
    ]
    with world() as uow:
        stored = {v.voter_id: v for v in uow.votes.for_proposal(proposal)}
        assert {p: (v.choice["position"], v.version) for p, v in stored.items()} == {
            world.bo: ("no", 2),
            world.cy: ("yes", 2),
            world.ana: ("abstain", 1),
        }
        # One entry per stored vote: each member's first request of the group in the order
        # asked, then their second ones (Ana's first was refused); each version points at its
        # own entry.
        history = {(v.voter_id, v.version): v for v in uow.votes.history(proposal)}
        order = [(world.bo, 1), (world.cy, 2), (world.bo, 2), (world.ana, 1)]
        for offset, (voter, version) in enumerate(order):
            entry = uow.record.read(size + offset)
            assert entry is not None
            assert entry.kind is EntryKind.VOTE
            assert entry.author == f"person/{voter}"
            assert entry.body["version"] == version
            assert history[voter, version].record_index == size + offset
        assert uow.record.read(size + len(order)) is None


def test_a_group_of_secret_ballots_gives_each_voter_a_receipt(world: World) -> None:
    with world() as uow:
        election = ps.open_proposal(
            uow,
            council=world.bakery,
            kind=ProposalKind.APPOINTMENT,
            title="Manager",
            text="Elect the manager for a year.",
            by=world.ana,
            now=T0,
            details={"post": "manager"},
            candidates=[world.bo, world.cy],
        )
        at = _vote_open(world, uow, election.id)
        ranking = {"ranking": [f"p{world.cy}", f"p{world.bo}"]}
        voters = (world.ana, world.bo, world.cy)
        outcomes = cast_votes(uow, [VoteRequest(election.id, p, ranking, at) for p in voters])
        again = cast_votes(uow, [VoteRequest(election.id, world.bo, ranking, at)])
        uow.commit()
    assert all(isinstance(code, str) for code in outcomes)
    assert isinstance(again[0], AlreadyVoted)
    with world() as uow:
        hashes = {b.receipt_hash for b in uow.ballots.for_proposal(election.id)}
        assert hashes == {receipt_hash(str(code)) for code in outcomes}
        assert {x.voter_id for x in uow.ballots.participants(election.id)} == set(voters)
        decided = ps.close_vote(uow, proposal_id=election.id, by=None, now=at + timedelta(hours=72))
        assert decided.decision is not None
        assert decided.decision.elected == (f"p{world.cy}",)


def test_a_vote_stored_meanwhile_fails_the_whole_group(world: World) -> None:
    """What the store does when a member's vote lands between the check and the write (from
    another process): the group's insert stores nothing and says so, for a retry."""
    with world() as uow:
        proposal = _motion(world, uow)
        at = _vote_open(world, uow, proposal)
        ps.cast_vote(uow, proposal_id=proposal, by=world.cy, choice={"position": "no"}, now=at)
        uow.commit()
    with world() as uow:
        votes = [
            Vote(proposal, world.bo, {"position": "yes"}, 1, at),
            Vote(proposal, world.cy, {"position": "yes"}, 1, at),
        ]
        with pytest.raises(AlreadyVoted):
            uow.votes.add_many(votes)
        uow.rollback()
        assert {v.voter_id for v in uow.votes.for_proposal(proposal)} == {world.cy}
        assert uow.votes.voted([(proposal, world.bo), (proposal, world.cy)]) == {
            (proposal, world.cy)
        }
