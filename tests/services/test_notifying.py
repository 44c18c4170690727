"""Who hears of what: notices derived from recorded events, and the mail they queue, on the
in-memory unit of work and on the real databases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from rada.councils.notices import Mail, NoticeKind
from rada.councils.orders import CouncilKind, ProposalKind
from rada.services import accounts, ballot_box, discussion
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.notifying import remind, settings_of
from rada.services.ports import UnitOfWork

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
Factory = Callable[[], UnitOfWork]


@dataclass
class Bakery:
    uow: Factory
    ana: int  # convenor
    bo: int
    cy: int
    council: int

    def __call__(self) -> UnitOfWork:
        return self.uow()


@pytest.fixture
def bakery(uow_factory: Factory) -> Bakery:
    with uow_factory() as uow:
        ids = [
            accounts.register(
                uow, name=name, email=f"{name.split()[0].lower()}@bakery.coop",
                password="long enough pw", now=T0,
            ).id
            for name in ("Ana Dvořák", "Bo Novák", "Cy Malá")
        ]  # fmt: skip
        council = cs.create_council(
            uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE, founder_id=ids[0],
            now=T0,
        )  # fmt: skip
        for email, person in (("bo@bakery.coop", ids[1]), ("cy@bakery.coop", ids[2])):
            issued = cs.invite(uow, council=council.id, email=email, by=ids[0], now=T0)
            cs.accept_invitation(uow, code=issued.code, person_id=person, now=T0)
        for person in ids:  # addresses confirmed; Bo wants decisions at once, Cy no mail at all
            settings = settings_of(uow, person)
            settings.verified_at = T0
            if person == ids[1]:
                settings.mail[NoticeKind.DECIDED] = Mail.NOW
            if person == ids[2]:
                settings.mail = dict.fromkeys(NoticeKind, Mail.NEVER)
            uow.settings.save(settings)
        uow.commit()
    return Bakery(uow_factory, *ids, council.id)


def _motion(b: Bakery, uow: UnitOfWork) -> int:
    return ps.open_proposal(
        uow, council=b.council, kind=ProposalKind.MOTION, title="Second oven",
        text="Buy a second oven.", by=b.bo, now=T0,
    ).id  # fmt: skip


def _kinds(uow: UnitOfWork, person: int) -> list[str]:
    return [n.kind.value for n in reversed(uow.notices.for_person(person))]


def test_members_hear_of_a_discussion_a_vote_and_a_decision_but_not_of_their_own_acts(
    bakery: Bakery,
) -> None:
    with bakery() as uow:
        proposal = _motion(bakery, uow)
        ps.open_voting(uow, proposal_id=proposal, by=bakery.ana, now=T0 + timedelta(hours=48))
        for voter in (bakery.ana, bakery.bo, bakery.cy):
            at = T0 + timedelta(hours=49)
            ballot_box.cast_vote(
                uow, proposal_id=proposal, by=voter, choice={"position": "yes"}, now=at
            )
        ps.close_vote(uow, proposal_id=proposal, by=bakery.ana, now=T0 + timedelta(hours=50))
        uow.commit()
    with bakery() as uow:
        # Bo proposed it: no discussion notice; Ana opened the vote and closed it.
        assert _kinds(uow, bakery.bo) == ["voting", "decided"]
        assert _kinds(uow, bakery.ana) == ["discussion"]
        assert _kinds(uow, bakery.cy) == ["discussion", "voting", "decided"]
        assert uow.notices.unread_count(bakery.cy) == 3
        voting = uow.notices.for_person(bakery.cy)[1]
        assert voting.params["title"] == "Second oven"
        assert voting.params["closes_at"].startswith("2026-03")
        assert uow.notices.mark_read(bakery.cy, at=T0) == 3
        assert uow.notices.unread_count(bakery.cy) == 0
        uow.commit()


def test_mail_follows_each_persons_choice_and_never_goes_to_an_unconfirmed_address(
    bakery: Bakery,
) -> None:
    with bakery() as uow:
        settings = settings_of(uow, bakery.ana)
        settings.verified_at = None
        uow.settings.save(settings)
        proposal = _motion(bakery, uow)
        ps.open_voting(uow, proposal_id=proposal, by=bakery.ana, now=T0 + timedelta(hours=48))
        ps.close_vote(uow, proposal_id=proposal, by=bakery.ana, now=T0 + timedelta(days=9))
        uow.commit()
    with bakery() as uow:
        mails = uow.outbox.claim(now=T0 + timedelta(days=10), until=T0 + timedelta(days=11),
                                 limit=100)  # fmt: skip
        # Bo: the vote (at once by default) and the decision (his choice); Cy: never; Ana:
        # unconfirmed, so nothing though the discussion waits in the app.
        assert sorted((m.address, m.purpose) for m in mails) == [
            ("bo@bakery.coop", "notice/decided"),
            ("bo@bakery.coop", "notice/voting"),
        ]
        assert _kinds(uow, bakery.ana) == ["discussion"]
        digest = uow.notices.waiting_for_digest(limit=10)
        assert list(digest) == []  # Cy never; Ana unconfirmed; Bo proposed it himself
        uow.commit()


def test_a_reply_and_a_mention_reach_whom_they_name_once(bakery: Bakery) -> None:
    with bakery() as uow:
        proposal = _motion(bakery, uow)
        first = discussion.write_post(uow, proposal_id=proposal, text="Which oven?",
                                      by=bakery.cy, now=T0)  # fmt: skip
        reply = discussion.write_post(
            uow, proposal_id=proposal, text="A deck oven, @ana.dvorak and @nobody agree",
            by=bakery.bo, now=T0, reply_to=first.id,
        )  # fmt: skip
        discussion.edit_post(uow, post_id=reply.id, text="A deck oven, @Ana and @cy agree",
                             by=bakery.bo, now=T0 + timedelta(minutes=5))  # fmt: skip
        uow.commit()
    with bakery() as uow:
        assert _kinds(uow, bakery.cy) == ["discussion", "reply", "mention"]
        assert _kinds(uow, bakery.ana) == ["discussion", "mention"]  # once, though named twice
        mention = uow.notices.for_person(bakery.ana)[0]
        assert mention.post_id == reply.id
        assert mention.params["by"] == "Bo Novák"
        assert _kinds(uow, bakery.bo) == []


def test_a_vote_closing_within_a_day_is_recalled_to_those_who_have_not_voted_once(
    bakery: Bakery,
) -> None:
    with bakery() as uow:
        proposal = _motion(bakery, uow)
        opened = T0 + timedelta(hours=48)
        ps.open_voting(uow, proposal_id=proposal, by=bakery.ana, now=opened)
        ballot_box.cast_vote(uow, proposal_id=proposal, by=bakery.bo,
                             choice={"position": "yes"}, now=opened)  # fmt: skip
        closes = uow.proposals.get(proposal)
        assert closes is not None
        assert closes.closes_at is not None
        assert remind(uow, now=closes.closes_at - timedelta(days=2)) == []  # not yet
        first = remind(uow, now=closes.closes_at - timedelta(hours=20))
        again = remind(uow, now=closes.closes_at - timedelta(hours=10))
        uow.commit()
    assert sorted(n.person_id for n in first) == [bakery.ana, bakery.cy]
    assert again == []
