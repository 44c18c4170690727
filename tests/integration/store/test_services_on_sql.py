"""The use cases run unchanged on the SQL unit of work: a council's whole cycle, from founding
to a redaction, leaves a record that verifies and a database that kept every post."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.store.world import NOW, later

from rada.councils.orders import CouncilKind, ProposalKind
from rada.councils.proposals import Outcome
from rada.record.encoding import EntryKind
from rada.services import accounts, councils, discussion, proposals
from rada.store.unit_of_work import SqlUnitOfWork


def test_a_motion_is_discussed_voted_and_a_post_redacted(
    sql_uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    with sql_uow_factory() as uow:
        ids = [
            accounts.register(
                uow,
                name=name,
                email=f"{name.lower()}@example.org",
                password="a long enough password",
                now=NOW,
            ).id
            for name in ("Ana", "Bob", "Cyril")
        ]
        bakery = councils.create_council(
            uow,
            name="Bakery",
            slug="bakery",
            kind=CouncilKind.WORKPLACE,
            founder_id=ids[0],
            now=NOW,
        )
        for other in ids[1:]:
            issued = councils.invite(
                uow,
                council=bakery.id,
                email=f"{'bob' if other == ids[1] else 'cyril'}@example.org",
                by=ids[0],
                now=NOW,
            )
            councils.accept_invitation(uow, code=issued.code, person_id=other, now=NOW)
        uow.commit()
    with sql_uow_factory() as uow:
        motion = proposals.open_proposal(
            uow,
            council=bakery.id,
            kind=ProposalKind.MOTION,
            title="Second oven",
            text="We buy a second oven.",
            by=ids[0],
            now=NOW,
        )
        post = discussion.write_post(
            uow, proposal_id=motion.id, text="My phone number is 555", by=ids[1], now=later(1)
        )
        proposals.open_voting(uow, proposal_id=motion.id, by=ids[0], now=later(24))
        for voter in ids:
            proposals.cast_vote(
                uow, proposal_id=motion.id, by=voter, choice={"position": "yes"}, now=later(25)
            )
        decided = proposals.close_vote(uow, proposal_id=motion.id, by=ids[0], now=later(26))
        assert decided.outcome is Outcome.ADOPTED
        uow.commit()
    post_index = post.versions[0].record_index
    assert post_index is not None
    with sql_uow_factory() as uow:
        redaction = proposals.open_proposal(
            uow,
            council=bakery.id,
            kind=ProposalKind.REDACTION,
            title="Remove a phone number",
            text="Personal data.",
            by=ids[0],
            now=later(30),
            details={"entry": post_index, "reason": "personal data"},
        )
        proposals.open_voting(uow, proposal_id=redaction.id, by=ids[0], now=later(80))
        for voter in ids:
            proposals.cast_vote(
                uow, proposal_id=redaction.id, by=voter, choice={"position": "yes"}, now=later(81)
            )
        proposals.close_vote(uow, proposal_id=redaction.id, by=ids[0], now=later(82))
        uow.commit()
    with sql_uow_factory() as uow:
        kept = uow.posts.get(post.id)
        assert kept is not None
        assert kept.versions[0].text == ""
        assert kept.versions[0].redacted_by == redaction.id
        assert uow.record.read(post_index) is None
        assert len(uow.votes.for_proposal(motion.id)) == 3
        decision = uow.proposals.get(redaction.id)
        assert decision is not None
        assert decision.outcome is Outcome.ADOPTED
        readable = [uow.record.read(i) for i in range(100)]
        kinds = {e.kind for e in readable if e is not None}
        assert {EntryKind.VOTE, EntryKind.DECISION, EntryKind.REDACTION} <= kinds
        assert EntryKind.POST not in kinds  # the one post, redacted
