"""The use cases, end to end through a unit of work: every change lands in the record.

These run on the in-memory unit of work and on the real databases (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from rada.councils.errors import (
    Conflict,
    CouncilError,
    NotAllowed,
    NotFound,
    WrongStage,
)
from rada.councils.orders import CouncilKind, ProposalKind, Role
from rada.councils.proposals import Outcome, Stage
from rada.demo.federation import join_by_consent
from rada.record.encoding import EntryKind
from rada.services import accounts, discussion
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.ports import UnitOfWork

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
Factory = Callable[[], UnitOfWork]


@dataclass
class World:
    """A bakery with a convenor (ana) and members bo and cy; dan has an account only."""

    uow: Factory
    ana: int
    bo: int
    cy: int
    dan: int
    bakery: int

    def __call__(self) -> UnitOfWork:
        return self.uow()


def _kinds(uow: UnitOfWork, start: int = 0) -> list[tuple[str, str]]:
    out = []
    index = start
    while (e := uow.record.read(index)) is not None:
        out.append((e.kind.value, e.body["event"]))
        index += 1
    return out


@pytest.fixture
def world(uow_factory: Factory) -> World:
    with uow_factory() as uow:
        ids = [
            accounts.register(
                uow, name=name, email=f"{name}@bakery.coop", password="long enough pw", now=T0
            ).id
            for name in ("ana", "bo", "cy", "dan")
        ]
        bakery = cs.create_council(
            uow,
            name="Bakery North",
            slug="bakery-north",
            kind=CouncilKind.WORKPLACE,
            founder_id=ids[0],
            now=T0,
        )
        for name, person in zip(("bo", "cy"), ids[1:3], strict=True):
            issued = cs.invite(
                uow, council=bakery.id, email=f"{name}@bakery.coop", by=ids[0], now=T0
            )
            cs.accept_invitation(uow, code=issued.code, person_id=person, now=T0)
        uow.commit()
    return World(uow_factory, *ids, bakery.id)


def _motion(w: World, uow: UnitOfWork, by: int | None = None) -> int:
    return ps.open_proposal(
        uow,
        council=w.bakery,
        kind=ProposalKind.MOTION,
        title="Second oven",
        text="Buy a second oven.",
        by=by or w.bo,
        now=T0,
    ).id


def _vote_open(w: World, uow: UnitOfWork, proposal: int) -> datetime:
    at = T0 + timedelta(hours=48)
    ps.open_voting(uow, proposal_id=proposal, by=w.ana, now=at)
    return at


def test_founding_records_the_council_and_its_convenor(world: World) -> None:
    with world() as uow:
        council = cs.get_council(uow, "bakery-north")
        founder = uow.memberships.of(council.id, world.ana)
        assert founder is not None
        assert founder.roles == {Role.MEMBER, Role.CONVENOR}
        # Registrations ("person") come first; the council's own entries follow in order.
        assert [k for k in _kinds(uow) if k[0] != "person"][:3] == [
            ("council", "founded"),
            ("membership", "joined"),
            ("membership", "joined"),
        ]
        founded = uow.record.read(council.record_index or 0)
        assert founded is not None
        assert founded.body["event"] == "founded"
        assert founded.body["orders"]["rules"]["redaction"]["method"] == "two-thirds"


def test_a_taken_short_name_is_refused(world: World) -> None:
    with world() as uow, pytest.raises(Conflict, match="taken"):
        cs.create_council(
            uow,
            name="Other",
            slug="bakery-north",
            kind=CouncilKind.UNION,
            founder_id=world.dan,
            now=T0,
        )


def test_invitations_work_once_for_their_address(world: World) -> None:
    with world() as uow:
        issued = cs.invite(uow, council=world.bakery, email="dan@bakery.coop", by=world.bo, now=T0)
        with pytest.raises(NotAllowed, match="another e-mail"):
            cs.accept_invitation(uow, code=issued.code, person_id=world.ana, now=T0)
        cs.accept_invitation(uow, code=issued.code, person_id=world.dan, now=T0)
        with pytest.raises(Conflict, match="used already"):
            cs.accept_invitation(uow, code=issued.code, person_id=world.dan, now=T0)
        late = cs.invite(uow, council=world.bakery, email="eve@bakery.coop", by=world.bo, now=T0)
        with pytest.raises(CouncilError, match="expired"):
            cs.accept_invitation(
                uow, code=late.code, person_id=world.dan, now=T0 + timedelta(days=15)
            )


def test_outsiders_cannot_invite_propose_vote_or_post(world: World) -> None:
    with world() as uow:
        with pytest.raises(NotAllowed):
            cs.invite(uow, council=world.bakery, email="x@y.org", by=world.dan, now=T0)
        with pytest.raises(NotAllowed, match="may propose"):
            _motion(world, uow, by=world.dan)
        proposal = _motion(world, uow)
        with pytest.raises(NotAllowed):
            discussion.write_post(uow, proposal_id=proposal, text="hi", by=world.dan, now=T0)
        at = _vote_open(world, uow, proposal)
        with pytest.raises(NotAllowed, match="only members"):
            ps.cast_vote(
                uow, proposal_id=proposal, by=world.dan, choice={"position": "yes"}, now=at
            )


def test_only_a_convenor_opens_the_vote(world: World) -> None:
    with world() as uow:
        proposal = _motion(world, uow)
        with pytest.raises(NotAllowed, match="convenor"):
            ps.open_voting(uow, proposal_id=proposal, by=world.bo, now=T0 + timedelta(days=2))


def test_a_motion_from_proposal_to_decision(world: World) -> None:
    with world() as uow:
        proposal = _motion(world, uow)
        ps.revise_proposal(
            uow,
            proposal_id=proposal,
            text="Buy a second, smaller oven.",
            by=world.bo,
            now=T0 + timedelta(hours=1),
        )
        post = discussion.write_post(
            uow,
            proposal_id=proposal,
            text="Where would it go?",
            by=world.cy,
            now=T0 + timedelta(hours=2),
        )
        discussion.write_post(
            uow,
            proposal_id=proposal,
            text="By the window.",
            by=world.bo,
            now=T0 + timedelta(hours=3),
            reply_to=post.id,
        )
        discussion.edit_post(
            uow,
            post_id=post.id,
            text="Where would it go, exactly?",
            by=world.cy,
            now=T0 + timedelta(hours=4),
        )
        at = _vote_open(world, uow, proposal)
        for person, position in ((world.ana, "yes"), (world.bo, "yes"), (world.cy, "no")):
            assert (
                ps.cast_vote(
                    uow, proposal_id=proposal, by=person, choice={"position": position}, now=at
                )
                is None
            )
        decided = ps.close_vote(uow, proposal_id=proposal, by=world.ana, now=at)
        uow.commit()
    with world() as uow:
        stored = ps.get_proposal(uow, proposal)
        assert stored.stage is Stage.DECIDED
        assert stored.outcome is Outcome.ADOPTED
        assert decided.decision is not None
        assert decided.decision.tally == {"yes": 2, "no": 1, "abstain": 0}
        assert [v.text for v in stored.versions] == [
            "Buy a second oven.",
            "Buy a second, smaller oven.",
        ]
        (first, reply) = sorted(uow.posts.for_proposal(proposal), key=lambda p: p.id)
        assert [v.text for v in first.versions] == [
            "Where would it go?",
            "Where would it go, exactly?",
        ]
        assert reply.parent_id == first.id
        votes = uow.votes.for_proposal(proposal)
        assert {v.voter_id: v.choice["position"] for v in votes} == {
            world.ana: "yes",
            world.bo: "yes",
            world.cy: "no",
        }
        assert all(v.record_index is not None for v in votes)
        # After the world's registrations, founding and memberships:
        setup = ("person", "council", "membership")
        assert [k for k in _kinds(uow) if k[0] not in setup] == [
            ("proposal", "opened"),
            ("proposal", "revised"),
            ("post", "written"),
            ("post", "written"),
            ("post", "edited"),
            ("proposal", "voting"),
            ("vote", "cast"),
            ("vote", "cast"),
            ("vote", "cast"),
            ("decision", "decided"),
        ]


def test_a_second_open_vote_changes_the_first_and_counts_once(world: World) -> None:
    with world() as uow:
        proposal = _motion(world, uow)
        at = _vote_open(world, uow, proposal)
        ps.cast_vote(uow, proposal_id=proposal, by=world.bo, choice={"position": "yes"}, now=at)
        ps.cast_vote(uow, proposal_id=proposal, by=world.bo, choice={"position": "no"}, now=at)
        (vote,) = uow.votes.for_proposal(proposal)
        assert (vote.choice, vote.version) == ({"position": "no"}, 2)
        assert len(uow.votes.history(proposal)) == 2


def test_no_vote_before_voting_or_after_close(world: World) -> None:
    with world() as uow:
        proposal = _motion(world, uow)
        with pytest.raises(WrongStage):
            ps.cast_vote(uow, proposal_id=proposal, by=world.bo, choice={"position": "yes"}, now=T0)
        at = _vote_open(world, uow, proposal)
        with pytest.raises(WrongStage, match="closed"):
            ps.cast_vote(
                uow,
                proposal_id=proposal,
                by=world.bo,
                choice={"position": "yes"},
                now=at + timedelta(hours=72),
            )
        with pytest.raises(WrongStage, match="open until"):
            ps.close_vote(uow, proposal_id=proposal, by=world.ana, now=at)
        decided = ps.close_vote(uow, proposal_id=proposal, by=None, now=at + timedelta(hours=72))
        assert decided.outcome is Outcome.REJECTED  # nobody voted: the quorum was not met


def test_a_failed_change_leaves_no_record_entry(world: World) -> None:
    with world() as uow:
        size = len(_kinds(uow))
        _motion(world, uow)
        uow.rollback()
    with world() as uow:
        assert len(_kinds(uow)) == size


def test_secret_election_of_a_manager_with_receipts(world: World) -> None:
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
        receipts = {
            person: ps.cast_vote(
                uow, proposal_id=election.id, by=person, choice={"ranking": r}, now=at
            )
            for person, r in (
                (world.ana, [f"p{world.cy}"]),
                (world.bo, [f"p{world.bo}", f"p{world.cy}"]),
                (world.cy, [f"p{world.cy}"]),
            )
        }
        assert uow.votes.for_proposal(election.id) == []
        participation = [e for e in _kinds(uow) if e[0] == "participation"]
        assert len(participation) == 3
        assert [e for e in _kinds(uow) if e[0] == "ballot"] == []  # published only at the count
        decided = ps.close_vote(uow, proposal_id=election.id, by=world.ana, now=at)
        assert decided.decision is not None
        assert decided.decision.elected == (f"p{world.cy}",)
        (office,) = uow.offices.for_council(world.bakery)
        assert (office.person_id, office.post) == (world.cy, "manager")
        ballots = [uow.record.read(i) for i in range(60)]
        published = [e for e in ballots if e is not None and e.kind is EntryKind.BALLOT]
        assert len(published) == 3
        assert all(e.author is None for e in published)
        from rada.councils.ballots import receipt_hash

        mine = receipt_hash(str(receipts[world.bo]))
        assert [e.body["choice"] for e in published if e.body["receipt"] == mine] == [
            {"ranking": [f"p{world.bo}", f"p{world.cy}"]}
        ]
        uow.commit()


def test_recall_of_a_manager(world: World) -> None:
    test_secret_election_of_a_manager_with_receipts(world)
    with world() as uow:
        recall = ps.open_proposal(
            uow,
            council=world.bakery,
            kind=ProposalKind.RECALL,
            title="Recall the manager",
            text="She never answers.",
            by=world.bo,
            now=T0,
            details={"post": "manager", "person": world.cy},
        )
        at = _vote_open(world, uow, recall.id)
        for person in (world.ana, world.bo):
            ps.cast_vote(uow, proposal_id=recall.id, by=person, choice={"position": "yes"}, now=at)
        ps.close_vote(uow, proposal_id=recall.id, by=None, now=at + timedelta(hours=72))
        assert uow.offices.for_council(world.bakery) == []
        with pytest.raises(CouncilError, match="holds no office"):
            ps.open_proposal(
                uow,
                council=world.bakery,
                kind=ProposalKind.RECALL,
                title="Again",
                text="x",
                by=world.bo,
                now=T0,
                details={"post": "manager", "person": world.cy},
            )


def test_delegates_are_elected_into_the_federation_and_recalled(world: World) -> None:
    with world() as uow:
        fed = cs.create_council(
            uow,
            name="Food Federation",
            slug="food",
            kind=CouncilKind.FEDERATION,
            founder_id=world.dan,
            now=T0,
        )
        join_by_consent(
            uow,
            federation=fed.id,
            member=world.bakery,
            by=world.dan,
            voters=(world.ana, world.bo, world.cy),
            convenor=world.ana,
            at=T0 - timedelta(days=1),
        )
        election = ps.open_proposal(
            uow,
            council=world.bakery,
            kind=ProposalKind.APPOINTMENT,
            title="Our delegate",
            text="Who speaks for us?",
            by=world.ana,
            now=T0,
            details={"post": "delegate", "to_council": fed.id},
            candidates=[world.bo, world.cy],
        )
        at = _vote_open(world, uow, election.id)
        for person in (world.ana, world.bo, world.cy):
            ps.cast_vote(
                uow,
                proposal_id=election.id,
                by=person,
                choice={"ranking": [f"p{world.bo}"]},
                now=at,
            )
        ps.close_vote(uow, proposal_id=election.id, by=None, now=at)
        seat = uow.memberships.of(fed.id, world.bo)
        assert seat is not None
        assert (seat.roles, seat.delegate_of, seat.weight) == ({Role.DELEGATE}, world.bakery, 3)
        assert ps.electorate(uow, fed.id).weights == {world.bo: 3}
        recall = ps.open_proposal(
            uow,
            council=world.bakery,
            kind=ProposalKind.RECALL,
            title="Recall Bo",
            text="He voted against our mandate.",
            by=world.cy,
            now=T0,
            details={"post": "delegate", "person": world.bo, "to_council": fed.id},
        )
        at = _vote_open(world, uow, recall.id)
        for person in (world.ana, world.cy):
            ps.cast_vote(uow, proposal_id=recall.id, by=person, choice={"position": "yes"}, now=at)
        ps.close_vote(uow, proposal_id=recall.id, by=None, now=at + timedelta(hours=72))
        assert uow.memberships.of(fed.id, world.bo) is None
        assert ps.electorate(uow, fed.id).weights == {}


def test_only_an_adopted_redaction_removes_a_post_leaving_a_tombstone(world: World) -> None:
    with world() as uow:
        proposal = _motion(world, uow)
        post = discussion.write_post(
            uow, proposal_id=proposal, text="Cy's phone is 0800 123", by=world.bo, now=T0
        )
        target = post.versions[0].record_index
        assert target is not None
        with pytest.raises(NotAllowed, match="only a post's author"):
            discussion.edit_post(uow, post_id=post.id, text="", by=world.ana, now=T0)
        redaction = ps.open_proposal(
            uow,
            council=world.bakery,
            kind=ProposalKind.REDACTION,
            title="Remove a number",
            text="It is personal data.",
            by=world.cy,
            now=T0,
            details={"entry": target, "reason": "personal data"},
        )
        at = _vote_open(world, uow, redaction.id)
        for person in (world.ana, world.bo, world.cy):
            ps.cast_vote(
                uow, proposal_id=redaction.id, by=person, choice={"position": "yes"}, now=at
            )
        ps.close_vote(uow, proposal_id=redaction.id, by=None, now=at)
        uow.commit()
    with world() as uow:
        stored = uow.posts.get(post.id)
        assert stored is not None
        assert stored.versions[0].text == ""
        assert stored.versions[0].redacted_by == redaction.id
        assert uow.record.read(target) is None
        last = max(i for i in range(200) if uow.record.read(i) is not None)
        redaction_entry = uow.record.read(last)
        assert redaction_entry is not None
        assert redaction_entry.kind is EntryKind.REDACTION
        assert redaction_entry.body["target"] == target


def test_a_council_cannot_redact_another_councils_speech(world: World) -> None:
    with world() as uow:
        other = cs.create_council(
            uow,
            name="Dairy",
            slug="dairy",
            kind=CouncilKind.WORKPLACE,
            founder_id=world.dan,
            now=T0,
        )
        proposal = _motion(world, uow)
        post = discussion.write_post(uow, proposal_id=proposal, text="fine", by=world.bo, now=T0)
        with pytest.raises(NotAllowed, match="not one of Dairy's entries"):
            ps.open_proposal(
                uow,
                council=other.id,
                kind=ProposalKind.REDACTION,
                title="Remove",
                text="We dislike it.",
                by=world.dan,
                now=T0,
                details={"entry": post.versions[0].record_index, "reason": "dislike"},
            )


def test_sign_in_checks_the_password(world: World) -> None:
    with world() as uow:
        assert accounts.authenticate(uow, email="ANA@bakery.coop", password="long enough pw").id
        with pytest.raises(accounts.BadCredentials):
            accounts.authenticate(uow, email="ana@bakery.coop", password="wrong password")
        with pytest.raises(accounts.BadCredentials):
            accounts.authenticate(uow, email="nobody@bakery.coop", password="long enough pw")
        token = accounts.issue_token(uow, person_id=world.bo, name="script", now=T0)
        person = accounts.token_person(uow, token)
        assert person is not None
        assert person.id == world.bo
        assert accounts.token_person(uow, token + "x") is None


def test_unknown_things_are_not_found(world: World) -> None:
    with world() as uow:
        with pytest.raises(NotFound):
            cs.get_council(uow, "nowhere")
        with pytest.raises(NotFound):
            ps.get_proposal(uow, 999_999)


def test_a_participatory_budget_by_equal_shares(world: World) -> None:
    projects = [
        {"key": "oven", "label": "A second oven", "cost": "60"},
        {"key": "bikes", "label": "Cargo bikes", "cost": "30"},
        {"key": "roof", "label": "Solar roof", "cost": "50"},
    ]
    with world() as uow:
        budget = ps.open_proposal(
            uow,
            council=world.bakery,
            kind=ProposalKind.BUDGET,
            title="This year's investment",
            text="Share out 90 over these projects.",
            by=world.ana,
            now=T0,
            details={"budget": "90"},
            projects=projects,
        )
        at = _vote_open(world, uow, budget.id)
        ballots = {world.ana: ["oven", "bikes"], world.bo: ["oven"], world.cy: ["oven", "roof"]}
        for person, approve in ballots.items():
            assert ps.cast_vote(
                uow, proposal_id=budget.id, by=person, choice={"approve": approve}, now=at
            )
        decided = ps.close_vote(uow, proposal_id=budget.id, by=world.ana, now=at)
    assert decided.decision is not None
    # Each voter holds 30. The oven (60) has three supporters, who pay 20 each. Ana alone
    # cannot pay 30 for the bikes from her 10 left, nor cy 50 for the roof; the "add1"
    # completion raises the shares until ana can buy the bikes (90 in all, the whole budget).
    from fractions import Fraction

    from rada.counting.formats.pabulib import PbInstance, PbProject, PbVote
    from rada.counting.mes import equal_shares

    reference = equal_shares(
        PbInstance(
            {"budget": "90", "vote_type": "approval"},
            tuple(PbProject(p["key"], Fraction(p["cost"])) for p in projects),
            tuple(PbVote(str(i), tuple(v)) for i, v in enumerate(ballots.values())),
        )
    )
    assert decided.decision.elected == reference.selected == ("oven", "bikes")
    first = decided.decision.detail["rounds"][0]
    assert (first["project"], first["cost"]) == ("oven", 60)
    assert decided.decision.detail["cost"] == 90


def test_a_hidden_tally_is_not_leaked_by_the_record(world: World) -> None:
    from rada.councils.orders import DecisionRule, Method

    with world() as uow:
        council = cs.get_council(uow, world.bakery)
        hidden = DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, live_tally=False)
        council.orders = council.orders.with_rule(ProposalKind.MOTION, hidden)
        uow.councils.save(council)
        proposal = _motion(world, uow)
        at = _vote_open(world, uow, proposal)
        ps.cast_vote(uow, proposal_id=proposal, by=world.bo, choice={"position": "no"}, now=at)
        cast = [uow.record.read(i) for i in range(80)]
        (vote,) = [e for e in cast if e is not None and e.kind is EntryKind.VOTE]
        assert vote.body["choice"] is None  # how Bo voted is not on the record yet
        assert vote.body["hidden"] is True
        ps.close_vote(uow, proposal_id=proposal, by=None, now=at + timedelta(hours=72))
        entries = [uow.record.read(i) for i in range(80)]
        revealed = [e for e in entries if e is not None and e.body.get("event") == "revealed"]
        assert [(e.author, e.body["choice"]) for e in revealed] == [
            (f"person/{world.bo}", {"position": "no"})
        ]


def _adopt(w: World, uow: UnitOfWork, proposal: int, at: datetime | None = None) -> None:
    """Open the vote, everyone says yes, close it."""
    at = at or _vote_open(w, uow, proposal)
    for person in (w.ana, w.bo, w.cy):
        ps.cast_vote(uow, proposal_id=proposal, by=person, choice={"position": "yes"}, now=at)
    ps.close_vote(uow, proposal_id=proposal, by=None, now=at)


def _redaction(w: World, uow: UnitOfWork, entry: int, title: str = "Remove it") -> int:
    return ps.open_proposal(
        uow,
        council=w.bakery,
        kind=ProposalKind.REDACTION,
        title=title,
        text="It is personal data.",
        by=w.cy,
        now=T0,
        details={"entry": entry, "reason": "personal data"},
    ).id


def _decided_motion(w: World, uow: UnitOfWork) -> int:
    proposal = _motion(w, uow)
    at = _vote_open(w, uow, proposal)
    for person, position in ((w.ana, "yes"), (w.bo, "yes"), (w.cy, "no")):
        ps.cast_vote(uow, proposal_id=proposal, by=person, choice={"position": position}, now=at)
    ps.close_vote(uow, proposal_id=proposal, by=None, now=at)
    return proposal


def test_an_adopted_redaction_of_a_vote_empties_it_where_people_see_it(world: World) -> None:
    with world() as uow:
        motion = _decided_motion(world, uow)
        (cy_vote,) = [v for v in uow.votes.for_proposal(motion) if v.voter_id == world.cy]
        assert cy_vote.record_index is not None
        redaction = _redaction(world, uow, cy_vote.record_index)
        _adopt(world, uow, redaction)
        uow.commit()
    with world() as uow:
        votes = {v.voter_id: v for v in uow.votes.for_proposal(motion)}
        assert votes[world.cy].choice == {}
        assert votes[world.cy].redacted_by == redaction
        assert votes[world.bo].choice == {"position": "yes"}
        assert uow.record.read(cy_vote.record_index) is None
        # The decision it took part in stands: the count is on the record, unchanged.
        assert ps.get_proposal(uow, motion).outcome is Outcome.ADOPTED


def test_an_adopted_redaction_of_a_proposal_empties_its_title_and_text(world: World) -> None:
    with world() as uow:
        motion = ps.get_proposal(uow, _motion(world, uow))
        assert motion.record_index is not None
        redaction = _redaction(world, uow, motion.record_index)
        _adopt(world, uow, redaction)
        uow.commit()
    with world() as uow:
        redacted = ps.get_proposal(uow, motion.id)
        assert redacted.title == ""
        assert redacted.versions[0].text == ""
        assert redacted.versions[0].redacted_by == redaction
        assert redacted.stage is Stage.DISCUSSION  # its shape and stage stay


def test_the_trail_of_a_redaction_cannot_be_redacted(world: World) -> None:
    with world() as uow:
        post = discussion.write_post(
            uow, proposal_id=_motion(world, uow), text="0800 123", by=world.bo, now=T0
        )
        assert post.versions[0].record_index is not None
        first = _redaction(world, uow, post.versions[0].record_index)
        _adopt(world, uow, first)
        decided = ps.get_proposal(uow, first)
        decision_entry = max(
            i
            for i in range(300)
            if (e := uow.record.read(i)) is not None
            and e.kind is EntryKind.DECISION
            and e.body.get("proposal") == first
        )
        with pytest.raises(NotAllowed, match="trail of a redaction"):
            _redaction(world, uow, decision_entry, "Hide the redaction")
        redaction_entry = max(
            i for i in range(300) if (e := uow.record.read(i)) and e.kind is EntryKind.REDACTION
        )
        with pytest.raises(NotAllowed, match="trail of a redaction"):
            _redaction(world, uow, redaction_entry, "Hide the redaction")
        assert decided.outcome is Outcome.ADOPTED


def test_a_second_redaction_of_an_entry_closes_as_already_redacted(world: World) -> None:
    with world() as uow:
        post = discussion.write_post(
            uow, proposal_id=_motion(world, uow), text="0800 123", by=world.bo, now=T0
        )
        target = post.versions[0].record_index
        assert target is not None
        first, second = _redaction(world, uow, target), _redaction(world, uow, target, "Again")
        _adopt(world, uow, first)
        _adopt(world, uow, second)
        assert ps.get_proposal(uow, second).stage is Stage.DECIDED
        notes = [
            e
            for i in range(300)
            if (e := uow.record.read(i)) is not None and e.body.get("event") == "already-redacted"
        ]
        assert [(n.body["proposal"], n.body["target"]) for n in notes] == [(second, target)]
        with pytest.raises(Conflict, match="already redacted"):
            _redaction(world, uow, target, "A third time")


def test_a_vote_is_redacted_only_once_counted(world: World) -> None:
    with world() as uow:
        motion = _motion(world, uow)
        at = _vote_open(world, uow, motion)
        ps.cast_vote(uow, proposal_id=motion, by=world.bo, choice={"position": "no"}, now=at)
        (vote,) = uow.votes.for_proposal(motion)
        assert vote.record_index is not None
        with pytest.raises(WrongStage, match="not yet decided"):
            _redaction(world, uow, vote.record_index)


def test_decisions_and_memberships_are_not_redactable(world: World) -> None:
    with world() as uow:
        council = cs.get_council(uow, world.bakery)
        assert council.record_index is not None
        with pytest.raises(NotAllowed, match="what was done, not what was said"):
            _redaction(world, uow, council.record_index)


def _slip_ballot(uow: UnitOfWork, proposal: int) -> None:
    """What an operator with database access might do: add a ballot row and nothing else."""
    from rada.councils.ballots import SecretBallot
    from rada.store.memory import MemoryUnitOfWork

    forged = SecretBallot(proposal, "0" * 64, {"position": "no"}, 1)
    if isinstance(uow, MemoryUnitOfWork):
        uow.state.ballots[(proposal, forged.receipt_hash)] = forged
        return
    from sqlalchemy import insert

    from rada.store.councils_tables import secret_ballots

    uow.connection.execute(  # type: ignore[attr-defined]
        insert(secret_ballots).values(
            proposal_id=proposal, receipt_hash=forged.receipt_hash, choice=forged.choice, weight=1
        )
    )


def test_ballots_slipped_into_the_table_stop_the_count(world: World) -> None:
    from rada.councils.errors import RecordMismatch
    from rada.councils.orders import DecisionRule, Method

    with world() as uow:
        council = cs.get_council(uow, world.bakery)
        secret = DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, secret=True)
        council.orders = council.orders.with_rule(ProposalKind.MOTION, secret)
        uow.councils.save(council)
        motion = _motion(world, uow)
        at = _vote_open(world, uow, motion)
        for person in (world.ana, world.bo):
            ps.cast_vote(uow, proposal_id=motion, by=person, choice={"position": "yes"}, now=at)
        _slip_ballot(uow, motion)
        with pytest.raises(RecordMismatch, match="3 secret ballots but the record shows 2"):
            ps.close_vote(uow, proposal_id=motion, by=None, now=at + timedelta(hours=100))
        assert ps.get_proposal(uow, motion).stage is Stage.VOTING


def test_a_delegates_vote_is_a_roll_call_their_council_can_read(world: World) -> None:
    """The imperative mandate: in a federation a delegate's vote names them, even on an
    election the standing orders would hold by secret ballot; members' own stay secret."""
    from rada.councils.errors import InvalidStandingOrders
    from rada.councils.orders import default_orders

    with world() as uow:
        with pytest.raises(InvalidStandingOrders, match="vote by roll call"):
            cs.create_council(
                uow, name="Secretive", slug="secretive", kind=CouncilKind.FEDERATION,
                founder_id=world.dan, now=T0, orders=default_orders(CouncilKind.WORKPLACE),
            )  # fmt: skip
        fed = cs.create_council(
            uow, name="Food Federation", slug="food", kind=CouncilKind.FEDERATION,
            founder_id=world.dan, now=T0,
        )  # fmt: skip
        join_by_consent(
            uow, federation=fed.id, member=world.bakery, by=world.dan,
            voters=(world.ana, world.bo, world.cy), convenor=world.ana, at=T0 - timedelta(days=1),
        )  # fmt: skip
        ours = ps.open_proposal(
            uow, council=world.bakery, kind=ProposalKind.APPOINTMENT, title="Our delegate",
            text="Who speaks for us?", by=world.ana, now=T0,
            details={"post": "delegate", "to_council": fed.id}, candidates=[world.bo],
        )  # fmt: skip
        assert ours.rule.secret  # the bakery's members vote in secret
        at = _vote_open(world, uow, ours.id)
        for person in (world.ana, world.bo, world.cy):
            ps.cast_vote(
                uow, proposal_id=ours.id, by=person, choice={"ranking": [f"p{world.bo}"]}, now=at
            )
        ps.close_vote(uow, proposal_id=ours.id, by=None, now=at)
        theirs = ps.open_proposal(
            uow, council=fed.id, kind=ProposalKind.APPOINTMENT, title="Federation secretary",
            text="Elect one.", by=world.bo, now=T0,
            details={"post": "manager"}, candidates=[world.bo, world.dan],
        )  # fmt: skip
        assert not theirs.rule.secret
        assert theirs.rule.method.value == "stv"
        voting = T0 + timedelta(hours=48)
        ps.open_voting(uow, proposal_id=theirs.id, by=world.dan, now=voting)
        ps.cast_vote(
            uow, proposal_id=theirs.id, by=world.bo, choice={"ranking": [f"p{world.dan}"]},
            now=voting,
        )  # fmt: skip
        (vote,) = uow.votes.for_proposal(theirs.id)
        assert (vote.voter_id, vote.weight) == (world.bo, 3)
        assert uow.ballots.for_proposal(theirs.id) == []
        cast = uow.record.read(vote.record_index or 0)
        assert cast is not None
        assert cast.author == f"person/{world.bo}"
        assert len(cast.body["commitment"]) == 64  # how, published at the count
        ps.close_vote(uow, proposal_id=theirs.id, by=None, now=voting + timedelta(hours=100))
        revealed = [
            e
            for i in range(400)
            if (e := uow.record.read(i)) is not None and e.body.get("event") == "revealed"
        ]
        assert [(e.author, e.body["choice"], e.body["weight"]) for e in revealed] == [
            (f"person/{world.bo}", {"ranking": [f"p{world.dan}"]}, 3)
        ]


@pytest.mark.parametrize(
    "password", ["password123", "qwertyuiop12", "iloveyou2024", "aaaaaaaaaaaa"]
)
def test_a_common_password_is_refused_at_sign_up(world: World, password: str) -> None:
    with world() as uow, pytest.raises(CouncilError, match="tried first when guessing"):
        accounts.register(uow, name="Eve", email="eve@b.coop", password=password, now=T0)


def test_an_event_over_the_records_limit_is_refused_and_nothing_is_kept(world: World) -> None:
    from rada.councils.errors import TooLarge
    from rada.councils.events import PostWritten
    from rada.record.encoding import MAX_ENTRY_BYTES
    from rada.services.recording import record

    with world() as uow:
        proposal = _motion(world, uow)
        before = _kinds(uow)
        huge = PostWritten(
            council=world.bakery, at=T0, by=world.bo, post=1, proposal=proposal,
            reply_to=None, version=1, text="x" * (MAX_ENTRY_BYTES + 1),
        )  # fmt: skip
        small = PostWritten(
            council=world.bakery, at=T0, by=world.bo, post=2, proposal=proposal,
            reply_to=None, version=1, text="fine",
        )  # fmt: skip
        with pytest.raises(TooLarge, match="an entry holds at most 8388608"):
            record(uow, [small, huge])
        assert _kinds(uow) == before  # not even the small one that came first
