"""A vote can be changed until the vote closes (issue 15, "Act where you are").

An open vote cast again is its next version: the roll call and the count take the latest, the
record keeps every one, each change linking the entry it replaces. A secret ballot is replaced
through its receipt: the old one is neither counted nor published, and nothing on the record
links the voter to either.

These run on the in-memory unit of work and on the real databases (see conftest.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.services.test_councils_services import (  # the world fixture, shared
    World,
    _adopt,
    _motion,
    _redaction,
    _vote_open,
    world,
)

from rada.councils.ballots import receipt_hash
from rada.councils.errors import AlreadyVoted, Conflict, InvalidChoice, NotAllowed, WrongStage
from rada.councils.orders import DecisionRule, Method, ProposalKind
from rada.councils.proposals import Outcome
from rada.record.encoding import Entry, EntryKind
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.ports import UnitOfWork

__all__ = ["world"]

YES, NO = {"position": "yes"}, {"position": "no"}


def _entries(uow: UnitOfWork) -> list[Entry]:
    out = []
    while (e := uow.record.read(len(out))) is not None:
        out.append(e)
    return out


def _with_motions(w: World, uow: UnitOfWork, rule: DecisionRule) -> None:
    council = cs.get_council(uow, w.bakery)
    council.orders = council.orders.with_rule(ProposalKind.MOTION, rule)
    uow.councils.save(council)


def _vote(uow: UnitOfWork, proposal: int, by: int, choice: dict[str, str], at: datetime) -> None:
    assert ps.cast_vote(uow, proposal_id=proposal, by=by, choice=choice, now=at) is None


def test_an_open_vote_changed_counts_its_last_choice_and_the_record_keeps_both(
    world: World,
) -> None:
    with world() as uow:
        motion = _motion(world, uow)
        at = _vote_open(world, uow, motion)
        _vote(uow, motion, world.ana, YES, at)
        _vote(uow, motion, world.bo, YES, at)
        _vote(uow, motion, world.cy, YES, at)
        _vote(uow, motion, world.cy, NO, at + timedelta(hours=1))
        _vote(uow, motion, world.bo, NO, at + timedelta(hours=2))
        uow.commit()
    with world() as uow:
        latest = {
            v.voter_id: (v.choice["position"], v.version) for v in uow.votes.for_proposal(motion)
        }
        assert latest == {world.ana: ("yes", 1), world.bo: ("no", 2), world.cy: ("no", 2)}
        history = uow.votes.history(motion)
        assert [(v.voter_id, v.version, v.choice["position"]) for v in history] == [
            (world.ana, 1, "yes"),
            (world.bo, 1, "yes"),
            (world.bo, 2, "no"),
            (world.cy, 1, "yes"),
            (world.cy, 2, "no"),
        ]
        # Each change is an entry of its own, linking the entry of the version it replaces.
        by_index = {v.record_index: v for v in history}
        for change in (v for v in history if v.version == 2):
            assert change.record_index is not None
            entry = uow.record.read(change.record_index)
            assert entry is not None
            assert (entry.body["event"], entry.body["version"]) == ("cast", 2)
            assert entry.body["choice"] == {"position": "no"}
            (earlier,) = [by_index[i] for i in entry.links if i in by_index]
            assert (earlier.voter_id, earlier.version) == (change.voter_id, 1)
        decided = ps.close_vote(uow, proposal_id=motion, by=None, now=at + timedelta(hours=72))
        assert decided.decision is not None
        assert decided.decision.tally == {"yes": 1, "no": 2, "abstain": 0}
        assert decided.outcome is Outcome.REJECTED


def test_the_same_choice_cast_again_is_stored_once_as_a_retry_after_a_lost_answer_is(
    world: World,
) -> None:
    with world() as uow:
        motion = _motion(world, uow)
        at = _vote_open(world, uow, motion)
        _vote(uow, motion, world.ana, YES, at)
        entries = len(_entries(uow))
        _vote(uow, motion, world.ana, YES, at + timedelta(seconds=1))
        assert len(_entries(uow)) == entries
        assert [v.version for v in uow.votes.history(motion)] == [1]
        _vote(uow, motion, world.ana, NO, at + timedelta(seconds=2))
        assert [v.version for v in uow.votes.history(motion)] == [1, 2]
        uow.commit()


def test_a_vote_cannot_be_changed_once_the_vote_has_closed(world: World) -> None:
    with world() as uow:
        motion = _motion(world, uow)
        at = _vote_open(world, uow, motion)
        for person in (world.ana, world.bo, world.cy):
            _vote(uow, motion, person, YES, at)
        with pytest.raises(WrongStage, match="closed"):
            _vote(uow, motion, world.bo, NO, at + timedelta(hours=72))
        ps.close_vote(uow, proposal_id=motion, by=None, now=at)
        with pytest.raises(WrongStage):
            _vote(uow, motion, world.bo, NO, at)
        assert [v.version for v in uow.votes.history(motion)] == [1, 1, 1]


def test_every_version_of_a_hidden_vote_is_revealed_and_the_last_counted(world: World) -> None:
    with world() as uow:
        hidden = DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, live_tally=False)
        _with_motions(world, uow, hidden)
        motion = _motion(world, uow)
        at = _vote_open(world, uow, motion)
        _vote(uow, motion, world.bo, YES, at)
        _vote(uow, motion, world.bo, NO, at)
        cast = [e for e in _entries(uow) if e.body.get("event") == "cast"]
        assert [e.body["choice"] for e in cast] == [None, None]  # not on the record yet
        assert len({e.body["commitment"] for e in cast}) == 2  # a commitment per version
        decided = ps.close_vote(uow, proposal_id=motion, by=None, now=at + timedelta(hours=72))
        assert decided.decision is not None
        assert decided.decision.tally == {"yes": 0, "no": 1, "abstain": 0}
        revealed = [e for e in _entries(uow) if e.body.get("event") == "revealed"]
        assert [(e.body["version"], e.body["choice"]) for e in revealed] == [(1, YES), (2, NO)]


def test_a_redaction_empties_one_version_of_a_changed_vote(world: World) -> None:
    with world() as uow:
        motion = _motion(world, uow)
        at = _vote_open(world, uow, motion)
        _vote(uow, motion, world.cy, {"position": "abstain"}, at)
        for person in (world.ana, world.bo, world.cy):
            _vote(uow, motion, person, YES, at)
        ps.close_vote(uow, proposal_id=motion, by=None, now=at)
        first = uow.votes.history(motion)[-2]
        assert (first.voter_id, first.version) == (world.cy, 1)
        assert first.record_index is not None
        redaction = _redaction(world, uow, first.record_index)
        _adopt(world, uow, redaction)
        uow.commit()
    with world() as uow:
        versions = {v.version: v for v in uow.votes.history(motion) if v.voter_id == world.cy}
        assert (versions[1].choice, versions[1].redacted_by) == ({}, redaction)
        assert (versions[2].choice, versions[2].redacted_by) == (YES, None)
        assert ps.get_proposal(uow, motion).outcome is Outcome.ADOPTED


def _secret_motion(w: World, uow: UnitOfWork) -> tuple[int, datetime]:
    secret = DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, secret=True)
    _with_motions(w, uow, secret)
    motion = _motion(w, uow)
    return motion, _vote_open(w, uow, motion)


def _ballot(
    uow: UnitOfWork, motion: int, by: int, choice: dict[str, str], at: datetime, **kw: str
) -> str:
    code = ps.cast_vote(uow, proposal_id=motion, by=by, choice=choice, now=at, **kw)
    assert isinstance(code, str)
    return code


def test_a_secret_ballot_is_replaced_through_its_receipt_and_only_the_new_one_counts(
    world: World,
) -> None:
    with world() as uow:
        motion, at = _secret_motion(world, uow)
        first = _ballot(uow, motion, world.bo, YES, at)
        _ballot(uow, motion, world.ana, NO, at)
        before = len(_entries(uow))
        second = _ballot(uow, motion, world.bo, NO, at, replace_receipt=first)
        assert second != first
        # Nothing on the record: a new entry could link Bo to the new ballot by its time.
        assert len(_entries(uow)) == before
        assert sorted(p.voter_id for p in uow.ballots.participants(motion)) == sorted(
            [world.ana, world.bo]
        )
        ballots = uow.ballots.for_proposal(motion)
        assert receipt_hash(second) in {b.receipt_hash for b in ballots}
        assert receipt_hash(first) not in {b.receipt_hash for b in ballots}
        assert [b.choice for b in ballots] == [NO, NO]
        third = _ballot(uow, motion, world.bo, YES, at, replace_receipt=second)
        decided = ps.close_vote(uow, proposal_id=motion, by=None, now=at + timedelta(hours=72))
        assert decided.decision is not None
        assert decided.decision.tally == {"yes": 1, "no": 1, "abstain": 0}
        published = [e for e in _entries(uow) if e.kind is EntryKind.BALLOT]
        assert {e.body["receipt"] for e in published} == {
            b.receipt_hash for b in uow.ballots.for_proposal(motion)
        }
        assert receipt_hash(third) in {e.body["receipt"] for e in published}
        assert len(published) == 2  # the replaced ballots are neither counted nor published


def test_a_secret_ballot_is_replaced_only_by_its_voter_with_its_current_receipt(
    world: World,
) -> None:
    with world() as uow:
        motion, at = _secret_motion(world, uow)
        code = _ballot(uow, motion, world.bo, YES, at)
        with pytest.raises(AlreadyVoted, match="already voted") as second:
            _ballot(uow, motion, world.bo, NO, at)
        assert "receipt" in (second.value.hint or "")
        with pytest.raises(NotAllowed, match="does not name a current ballot"):
            _ballot(uow, motion, world.bo, NO, at, replace_receipt="r-not-a-receipt")
        with pytest.raises(Conflict, match="no ballot to replace"):
            _ballot(uow, motion, world.cy, NO, at, replace_receipt=code)
        new = _ballot(uow, motion, world.bo, NO, at, replace_receipt=code)
        with pytest.raises(NotAllowed, match="does not name a current ballot"):
            _ballot(uow, motion, world.bo, YES, at, replace_receipt=code)  # replaced already
        with pytest.raises(WrongStage, match="closed"):
            _ballot(uow, motion, world.bo, YES, at + timedelta(hours=72), replace_receipt=new)
        assert [b.choice for b in uow.ballots.for_proposal(motion)] == [NO]


def test_an_open_vote_has_no_receipt_to_replace(world: World) -> None:
    with world() as uow:
        motion = _motion(world, uow)
        at = _vote_open(world, uow, motion)
        _vote(uow, motion, world.bo, YES, at)
        with pytest.raises(InvalidChoice, match="open vote: it has no receipts"):
            ps.cast_vote(
                uow, proposal_id=motion, by=world.bo, choice=NO, now=at, replace_receipt="r1"
            )


def test_a_ballot_replaced_meanwhile_fails_the_group_for_a_retry(world: World) -> None:
    """What the store does when another transaction replaced the same ballot between the
    check and the write: nothing is stored, and the group is written again."""
    from rada.councils.ballots import SecretBallot

    with world() as uow:
        motion, at = _secret_motion(world, uow)
        code = _ballot(uow, motion, world.bo, YES, at)
        uow.commit()
    old = receipt_hash(code)
    with world() as uow:
        uow.ballots.replace_many([(old, SecretBallot(motion, "a" * 64, NO, 1))])
        with pytest.raises(AlreadyVoted):
            uow.ballots.replace_many([(old, SecretBallot(motion, "b" * 64, NO, 1))])
        uow.rollback()
    with world() as uow:
        assert uow.ballots.current([(motion, old)]) == {(motion, old)}
        assert [b.receipt_hash for b in uow.ballots.for_proposal(motion)] == [old]


def test_the_audit_check_before_the_count_counts_current_ballots(world: World) -> None:
    with world() as uow:
        motion, at = _secret_motion(world, uow)
        code = _ballot(uow, motion, world.bo, YES, at)
        _ballot(uow, motion, world.bo, NO, at, replace_receipt=code)
        _ballot(uow, motion, world.cy, NO, at)
        proposal = ps.get_proposal(uow, motion)
        # One current ballot per participation: the count goes ahead.
        ps.check_ballots_recorded(uow, proposal, uow.ballots.for_proposal(motion))
        assert len(uow.ballots.participants(motion)) == 2
