"""Every repository stores and loads the domain's objects unchanged, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from tests.integration.store.world import NOW, council, election, later, member, motion, person

from rada.councils.ballots import Participation, SecretBallot, Vote
from rada.councils.errors import AlreadyVoted, Conflict
from rada.councils.model import Affiliation, Invitation, Membership, Office, Person
from rada.councils.orders import (
    CouncilKind,
    DecisionRule,
    Method,
    ProposalKind,
    Role,
)
from rada.councils.proposals import Decision, Outcome, Post, Stage, Version
from rada.store.unit_of_work import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]


def test_a_person_comes_back_as_stored_with_an_aware_utc_time(
    sql_uow_factory: UowFactory,
) -> None:
    kyiv = timezone(timedelta(hours=3))
    with sql_uow_factory() as uow:
        ana = uow.people.add(Person("Ana Horak", "Ana@Example.org", NOW.astimezone(kyiv)))
        uow.commit()
    with sql_uow_factory() as uow:
        loaded = uow.people.get(ana.id)
        assert loaded == ana
        assert loaded is not None
        assert loaded.joined_at.tzinfo == UTC
        assert loaded.joined_at == NOW
        assert uow.people.by_email("ana@example.org") == ana
        assert uow.people.all() == [ana]
        assert uow.people.get(ana.id + 1) is None


def test_a_taken_email_is_a_conflict_and_the_transaction_goes_on(
    sql_uow_factory: UowFactory,
) -> None:
    with sql_uow_factory() as uow:
        person(uow, "Ana Horak")
        with pytest.raises(Conflict):
            person(uow, "Ana Horak")
        bob = person(uow, "Bob Novak")
        uow.commit()
    with sql_uow_factory() as uow:
        assert [p.name for p in uow.people.all()] == ["Ana Horak", bob.name]


def test_credentials_keep_one_password_and_many_tokens(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        ana = person(uow)
        assert uow.credentials.password_hash(ana.id) is None
        uow.credentials.set_password(ana.id, "argon2$first")
        uow.credentials.set_password(ana.id, "argon2$second")
        uow.credentials.add_token(ana.id, "tokenhash-1", name="laptop", created_at=NOW)
        uow.credentials.add_token(ana.id, "tokenhash-2", name="phone", created_at=NOW)
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.credentials.password_hash(ana.id) == "argon2$second"
        assert uow.credentials.token_owner("tokenhash-2") == ana.id
        assert uow.credentials.token_owner("unknown") is None


def test_a_council_keeps_its_standing_orders_exactly(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        bakery = council(uow)
        orders = bakery.orders.with_rule(
            ProposalKind.MOTION,
            DecisionRule(Method.CONSENSUS, quorum=Fraction(2, 7), fallback=Fraction(3, 4)),
        )
        bakery.orders, bakery.description, bakery.record_index = orders, "Bread.", 7
        uow.councils.save(bakery)
        uow.commit()
    with sql_uow_factory() as uow:
        loaded = uow.councils.get(bakery.id)
        assert loaded == bakery
        assert uow.councils.by_slug("bakery") == bakery
        assert uow.councils.all() == [bakery]
        assert loaded is not None
        assert loaded.orders.rule_for(ProposalKind.MOTION).quorum == Fraction(2, 7)


def test_a_taken_slug_is_a_conflict(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        council(uow, "bakery")
        with pytest.raises(Conflict):
            council(uow, "bakery")
        assert [c.slug for c in uow.councils.all()] == ["bakery"]


def test_affiliations_are_found_from_either_side(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        federation = council(uow, "food-federation", CouncilKind.FEDERATION)
        bakery, dairy = council(uow, "bakery"), council(uow, "dairy")
        first = Affiliation(federation.id, bakery.id, delegates=2, weight=3)
        second = Affiliation(federation.id, dairy.id)
        uow.councils.add_affiliation(first)
        uow.councils.add_affiliation(second)
        with pytest.raises(Conflict):
            uow.councils.add_affiliation(first)
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.councils.affiliations(federation.id) == [first, second]
        assert uow.councils.affiliated_to(bakery.id) == [first]
        assert uow.councils.affiliated_to(federation.id) == []


def test_memberships_keep_roles_history_and_one_active_seat(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        ana, bakery = person(uow), council(uow)
        federation = council(uow, "federation", CouncilKind.FEDERATION)
        seat = uow.memberships.add(
            Membership(
                federation.id,
                ana.id,
                frozenset({Role.DELEGATE, Role.CONVENOR}),
                since=NOW,
                weight=3,
                delegate_of=bakery.id,
            )
        )
        home = member(uow, bakery.id, ana.id)
        with pytest.raises(Conflict):
            member(uow, bakery.id, ana.id)
        home.end(at=later(1), reason="resigned")
        uow.memberships.save(home)
        again = member(uow, bakery.id, ana.id)
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.memberships.of(federation.id, ana.id) == seat
        assert uow.memberships.of(bakery.id, ana.id) == again
        assert uow.memberships.for_council(bakery.id) == [again]
        assert uow.memberships.for_council(bakery.id, active=False) == [home, again]
        assert uow.memberships.for_person(ana.id) == [seat, again]
        assert uow.memberships.for_person(ana.id, active=False) == [seat, home, again]


def test_offices_end_and_stay_listed_when_asked(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        ana, bakery = person(uow), council(uow)
        vote = election(uow, bakery, ana.id, ana.id)
        office = uow.offices.add(Office(bakery.id, ana.id, "manager", NOW, appointed_by=vote.id))
        assert uow.offices.for_council(bakery.id) == [office]
        office.ended_at, office.ended_by = later(5), vote.id
        uow.offices.save(office)
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.offices.for_council(bakery.id) == []
        assert uow.offices.for_council(bakery.id, active=False) == [office]


def test_an_invitation_is_accepted_once(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        ana, bakery = person(uow), council(uow)
        invitation = uow.invitations.add(
            Invitation(bakery.id, "bob@example.org", "codehash", ana.id, NOW, later(24 * 14))
        )
        assert invitation.id != 0
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.invitations.by_code_hash("codehash") == invitation
        uow.invitations.accept(invitation.id, at=later(2))
        with pytest.raises(Conflict):
            uow.invitations.accept(invitation.id, at=later(3))
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.invitations.by_code_hash("codehash") == replace(invitation, accepted_at=later(2))
        assert uow.invitations.by_code_hash("other") is None


def test_a_proposal_keeps_its_state_versions_and_decision(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        ana, bakery = person(uow), council(uow)
        proposal = motion(uow, bakery, ana.id)
        proposal.record_index = 4
        proposal.versions[0] = replace(proposal.versions[0], record_index=4)
        uow.proposals.save(proposal)
        proposal.open_discussion(now=later(1))
        proposal.write("We buy a second, bigger oven.", by=ana.id, now=later(2))
        uow.proposals.save(proposal)
        uow.commit()
    with sql_uow_factory() as uow:
        loaded = uow.proposals.get(proposal.id, for_update=True)
        assert loaded == proposal
        assert loaded is not None
        loaded.open_voting(now=later(30))
        decision = Decision(Outcome.ADOPTED, "simple-majority", "Adopted.", {"yes": 2, "no": 1})
        loaded.decide(decision, now=later(31))
        uow.proposals.save(loaded)
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.proposals.get(proposal.id) == loaded
        assert uow.proposals.for_council(bakery.id) == [loaded]
        assert uow.proposals.for_council(bakery.id, stage=Stage.DECIDED) == [loaded]
        assert uow.proposals.for_council(bakery.id, stage=Stage.VOTING) == []
        assert uow.proposals.get(proposal.id + 100) is None


def test_an_election_keeps_its_candidates_and_seats(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        ana, bob, bakery = person(uow), person(uow, "Bob Novak"), council(uow)
        proposal = election(uow, bakery, ana.id, ana.id, bob.id)
        uow.commit()
    with sql_uow_factory() as uow:
        loaded = uow.proposals.get(proposal.id)
        assert loaded == proposal
        assert loaded is not None
        assert loaded.rule.secret
        assert [o.person_id for o in loaded.options] == [ana.id, bob.id]


def test_posts_keep_every_version_and_a_redaction_tombstone(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        ana, bakery = person(uow), council(uow)
        proposal = motion(uow, bakery, ana.id)
        first = uow.posts.add(Post(proposal.id, ana.id, NOW, [Version(1, "I agree", NOW)]))
        first.versions[0] = replace(first.versions[0], record_index=10)
        uow.posts.save(first)
        reply = uow.posts.add(
            Post(proposal.id, ana.id, NOW, [Version(1, "me too", NOW)], parent_id=first.id)
        )
        first.write("I agree, with a caveat", by=ana.id, now=later(1))
        first.versions[-1] = replace(first.versions[-1], record_index=11)
        uow.posts.save(first)
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.posts.get(first.id) == first
        assert uow.posts.for_proposal(proposal.id) == [first, reply]
        found = uow.posts.version_by_record_index(11)
        assert found == (first, 2)
        post, number = found
        post.versions[number - 1] = replace(
            post.versions[number - 1], text="", redacted_by=proposal.id
        )
        uow.posts.save(post)
        uow.commit()
    with sql_uow_factory() as uow:
        loaded = uow.posts.get(first.id)
        assert loaded is not None
        assert [v.text for v in loaded.versions] == ["I agree", ""]
        assert loaded.versions[1].redacted_by == proposal.id
        assert uow.posts.version_by_record_index(99) is None


def test_an_open_vote_is_stored_once_with_its_record_index(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        ana, bob, bakery = person(uow), person(uow, "Bob Novak"), council(uow)
        proposal = motion(uow, bakery, ana.id)
        vote = Vote(proposal.id, ana.id, {"position": "yes"}, 2, later(1))
        uow.votes.add(vote)
        uow.votes.add(Vote(proposal.id, bob.id, {"position": "no"}, 1, later(2)))
        with pytest.raises(AlreadyVoted):
            uow.votes.add(replace(vote, choice={"position": "no"}))
        uow.votes.set_record_index(proposal.id, ana.id, 12)
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.votes.for_proposal(proposal.id) == [
            replace(vote, record_index=12),
            Vote(proposal.id, bob.id, {"position": "no"}, 1, later(2)),
        ]


def test_a_secret_ballot_is_kept_apart_from_who_took_part(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow:
        ana, bob, bakery = person(uow), person(uow, "Bob Novak"), council(uow)
        proposal = election(uow, bakery, ana.id, ana.id, bob.id)
        ballots = [
            SecretBallot(proposal.id, "f" * 64, {"ranking": ["p1"]}, 1),
            SecretBallot(proposal.id, "0" * 64, {"ranking": ["p2", "p1"]}, 2),
        ]
        took_part = [
            Participation(proposal.id, ana.id, later(1)),
            Participation(proposal.id, bob.id, later(2)),
        ]
        for ballot, participation in zip(ballots, took_part, strict=True):
            uow.ballots.add(ballot, participation)
        with pytest.raises(AlreadyVoted):
            uow.ballots.add(SecretBallot(proposal.id, "1" * 64, {"ranking": []}, 1), took_part[0])
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.ballots.for_proposal(proposal.id) == sorted(
            ballots, key=lambda b: b.receipt_hash
        )
        assert uow.ballots.participants(proposal.id) == took_part


def test_a_naive_time_is_refused(sql_uow_factory: UowFactory) -> None:
    with sql_uow_factory() as uow, pytest.raises(Exception, match="time zone"):
        uow.people.add(Person("Ana Horak", "ana@example.org", datetime(2024, 5, 1)))
