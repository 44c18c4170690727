"""Who hears of what: notices derived from recorded events, and the mail they queue, on the
in-memory unit of work and on the real databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.services.bakery import T0, Bakery, Factory, found_bakery, open_motion

from rada.councils.notices import Mail, NoticeKind
from rada.services import ballot_box, discussion
from rada.services import proposals as ps
from rada.services.notifying import remind, settings_of
from rada.services.ports import UnitOfWork


@pytest.fixture
def bakery(uow_factory: Factory) -> Bakery:
    b = found_bakery(uow_factory)
    with b() as uow:
        for person in (b.ana, b.bo, b.cy):  # addresses confirmed; Bo wants decisions at once,
            settings = settings_of(uow, person)  # Cy no mail at all
            settings.verified_at = T0
            if person == b.bo:
                settings.mail[NoticeKind.DECIDED] = Mail.NOW
            if person == b.cy:
                settings.mail = dict.fromkeys(NoticeKind, Mail.NEVER)
            uow.settings.save(settings)
        uow.commit()
    return b


def _kinds(uow: UnitOfWork, person: int) -> list[str]:
    return [n.kind.value for n in reversed(uow.notices.for_person(person))]


def test_members_hear_of_a_discussion_a_vote_and_a_decision_but_not_of_their_own_acts(
    bakery: Bakery,
) -> None:
    with bakery() as uow:
        proposal = open_motion(bakery, uow)
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
        proposal = open_motion(bakery, uow)
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
        proposal = open_motion(bakery, uow)
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
        proposal = open_motion(bakery, uow)
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
