"""A person's own notices and settings, what changed since their last visit, a council's
activity and a person's profile, on the in-memory unit of work and on the real databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.services.bakery import T0, Bakery, Factory, found_bakery, open_motion

from rada.councils.errors import CouncilError, NotFound
from rada.councils.notices import Mail, NoticeKind
from rada.councils.orders import DecisionRule, Method, ProposalKind
from rada.services import ballot_box, discussion
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.activity import Happened, council_activity, profile
from rada.services.notices import (
    list_notices,
    mark_read,
    unread_count,
    update_settings,
    visit,
)
from rada.services.ports import UnitOfWork
from rada.services.waiting import since_last_visit

DECIDED_AT = T0 + timedelta(hours=48 + 72 + 1)  # a motion's vote lasts 72 hours


@pytest.fixture
def bakery(uow_factory: Factory) -> Bakery:
    return found_bakery(uow_factory)


def _decided(
    b: Bakery, uow: UnitOfWork, title: str, *, cast: dict[int, str], post_by: int | None = None
) -> int:
    proposal = open_motion(b, uow, title)
    if post_by is not None:
        discussion.write_post(uow, proposal_id=proposal, text="Good", by=post_by,
                              now=T0 + timedelta(hours=1))  # fmt: skip
    ps.open_voting(uow, proposal_id=proposal, by=b.ana, now=T0 + timedelta(hours=48))
    for voter, position in cast.items():
        ballot_box.cast_vote(uow, proposal_id=proposal, by=voter, choice={"position": position},
                             now=T0 + timedelta(hours=49))  # fmt: skip
    ps.close_vote(uow, proposal_id=proposal, by=b.ana, now=DECIDED_AT)
    return proposal


def test_a_person_reads_pages_of_their_own_notices_and_marks_only_their_own_read(
    bakery: Bakery,
) -> None:
    with bakery() as uow:
        for n in range(3):
            open_motion(bakery, uow, f"Oven {n}")
        uow.commit()
    with bakery() as uow:
        first = list_notices(uow, bakery.cy, limit=2)
        rest = list_notices(uow, bakery.cy, limit=2, before=first[-1].id)
        assert [n.params["title"] for n in first + rest] == ["Oven 2", "Oven 1", "Oven 0"]
        anas = list_notices(uow, bakery.ana)
        # Someone else's notice, named by its id, is not marked.
        assert mark_read(uow, bakery.cy, now=T0, ids=[anas[0].id]) == 0
        assert unread_count(uow, bakery.ana) == 3
        assert mark_read(uow, bakery.cy, now=T0, ids=[first[0].id]) == 1
        assert unread_count(uow, bakery.cy) == 2
        assert [n.id for n in list_notices(uow, bakery.cy, unread=True)] == [
            first[1].id,
            rest[0].id,
        ]
        assert mark_read(uow, bakery.cy, now=T0) == 2
        assert unread_count(uow, bakery.cy) == 0
        uow.commit()


@pytest.mark.parametrize(("limit", "before"), [(0, None), (101, None), (10, 0)])
def test_a_page_of_notices_out_of_bounds_is_refused(
    bakery: Bakery, limit: int, before: int | None
) -> None:
    with bakery() as uow, pytest.raises(CouncilError):
        list_notices(uow, bakery.cy, limit=limit, before=before)


def test_settings_are_replaced_whole_and_bad_ones_change_nothing(bakery: Bakery) -> None:
    with bakery() as uow:
        saved = update_settings(uow, bakery.bo, language="cs", timezone="Europe/Prague",
                                mail={"decided": "now", "discussion": "never"})  # fmt: skip
        uow.commit()
    assert saved.mail_for(NoticeKind.DECIDED) is Mail.NOW
    bad: list[dict[str, object]] = [
        {"language": "de", "timezone": None, "mail": {}},
        {"language": None, "timezone": "Mars/Olympus", "mail": {}},
        {"language": None, "timezone": None, "mail": {"weather": "now"}},
        {"language": None, "timezone": None, "mail": {"voting": "hourly"}},
    ]
    for given in bad:
        with bakery() as uow, pytest.raises(CouncilError):
            update_settings(uow, bakery.bo, **given)  # type: ignore[arg-type]
    with bakery() as uow:
        stored = uow.settings.get(bakery.bo)
        assert stored is not None
        assert (stored.language, stored.timezone) == ("cs", "Europe/Prague")
        assert stored.mail == {NoticeKind.DECIDED: Mail.NOW, NoticeKind.DISCUSSION: Mail.NEVER}
        update_settings(uow, bakery.bo, language=None, timezone=None, mail={})
        uow.commit()
    with bakery() as uow:
        stored = uow.settings.get(bakery.bo)
        assert stored is not None
        assert (stored.language, stored.timezone, stored.mail) == (None, None, {})
        assert stored.mail_for(NoticeKind.VOTING) is Mail.NOW  # the default again


def test_a_visit_is_written_at_most_every_few_minutes_and_gives_the_one_before(
    bakery: Bakery,
) -> None:
    with bakery() as uow:
        assert visit(uow, bakery.cy, now=T0) is None
        assert visit(uow, bakery.cy, now=T0 + timedelta(minutes=2)) == T0
        assert visit(uow, bakery.cy, now=T0 + timedelta(hours=3)) == T0
        uow.commit()
    with bakery() as uow:
        assert visit(uow, bakery.cy, now=T0 + timedelta(hours=4)) == T0 + timedelta(hours=3)


def test_since_the_last_visit_are_others_posts_and_the_decisions(bakery: Bakery) -> None:
    with bakery() as uow:
        decided = _decided(bakery, uow, "Flour", cast={bakery.ana: "yes", bakery.bo: "yes"})
        talked = open_motion(bakery, uow, "Rye")
        later = T0 + timedelta(hours=60)
        discussion.write_post(uow, proposal_id=talked, text="Early", by=bakery.bo, now=T0)
        for at, by in ((later, bakery.bo), (later + timedelta(hours=1), bakery.ana)):
            discussion.write_post(uow, proposal_id=talked, text="Yes", by=by, now=at)
        discussion.write_post(uow, proposal_id=talked, text="Mine", by=bakery.cy, now=later)
        uow.commit()
    with bakery() as uow:
        now = DECIDED_AT + timedelta(hours=1)
        seen = since_last_visit(uow, bakery.cy, since=T0 + timedelta(hours=24), now=now)
        assert [(d.proposal.id, d.posts) for d in seen.discussions] == [(talked, 2)]
        assert seen.discussions[0].latest == later + timedelta(hours=1)
        assert [i.proposal.id for i in seen.decisions] == [decided]
        assert since_last_visit(uow, bakery.cy, since=DECIDED_AT, now=now).empty


def test_a_councils_activity_is_newest_first_in_pages(bakery: Bakery) -> None:
    with bakery() as uow:
        _decided(bakery, uow, "Flour", cast={bakery.ana: "yes"}, post_by=bakery.cy)
        uow.commit()
    with bakery() as uow:
        first = council_activity(uow, "bakery", limit=3)
        assert [h.what for h in first.happenings] == [
            Happened.DECIDED,
            Happened.VOTING,
            Happened.POST,
        ]
        assert first.happenings[0].detail == "adopted"
        assert first.happenings[2].person is not None
        assert first.happenings[2].person.name == "Cy Malá"
        assert first.more
        rest = council_activity(uow, "bakery", offset=3, limit=10)
        assert [h.what for h in rest.happenings] == [Happened.DISCUSSION] + [Happened.JOINED] * 3
        assert not rest.more
        with pytest.raises(NotFound):
            council_activity(uow, "nowhere")
        with pytest.raises(CouncilError):
            council_activity(uow, "bakery", limit=1000)


def test_a_profile_shows_seats_and_open_votes_but_no_secret_or_hidden_choice(
    bakery: Bakery,
) -> None:
    with bakery() as uow:
        open_vote = _decided(bakery, uow, "Open", cast={bakery.bo: "no"})
        council = cs.get_council(uow, bakery.council)
        for rule in (
            DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, secret=True),
            DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, live_tally=False),
        ):
            council.orders = council.orders.with_rule(ProposalKind.MOTION, rule)
            uow.councils.save(council)
            hidden = open_motion(bakery, uow, "Not shown")
            ps.open_voting(uow, proposal_id=hidden, by=bakery.ana, now=T0 + timedelta(hours=48))
            yes, at = {"position": "yes"}, T0 + timedelta(hours=49)
            ballot_box.cast_vote(uow, proposal_id=hidden, by=bakery.bo, choice=yes, now=at)
        uow.commit()
    with bakery() as uow:
        bo = profile(uow, bakery.bo)
        assert bo.person.name == "Bo Novák"
        assert [(s.council.slug, sorted(s.membership.roles)) for s in bo.seats] == [
            ("bakery", ["member"])
        ]
        assert [(v.proposal.id, v.choice) for v in bo.votes] == [(open_vote, {"position": "no"})]
        assert profile(uow, bakery.cy).votes == []
        with pytest.raises(NotFound):
            profile(uow, 999)
