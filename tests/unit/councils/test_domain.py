"""The councils' domain: standing orders, the proposal lifecycle, ballots and the count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from rada.councils.ballots import check_choice, count, everyone_voted, receipt_hash
from rada.councils.errors import (
    CouncilError,
    InvalidChoice,
    InvalidStandingOrders,
    NotAllowed,
    WrongStage,
)
from rada.councils.model import Electorate, Membership, Person
from rada.councils.orders import (
    CouncilKind,
    DecisionRule,
    Method,
    ProposalKind,
    Role,
    StandingOrders,
    default_orders,
)
from rada.councils.proposals import Option, Outcome, Post, Proposal, Stage, Version

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def motion(rule: DecisionRule | None = None, **kw: object) -> Proposal:
    p = Proposal(
        council_id=1,
        kind=ProposalKind.MOTION,
        title="Buy a second oven",
        author_id=7,
        rule=rule or DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24),
        created_at=T0,
        **kw,  # type: ignore[arg-type]
    )
    p.write("We bake more than one oven can.", by=7, now=T0)
    return p


def election(method: Method = Method.STV, seats: int = 2) -> Proposal:
    return Proposal(
        council_id=1,
        kind=ProposalKind.APPOINTMENT,
        title="Delegates to the federation",
        author_id=7,
        rule=DecisionRule(method, secret=True, live_tally=False),
        created_at=T0,
        details={"post": "delegate", "to_council": 9},
        options=tuple(Option(k, k.upper()) for k in ("a", "b", "c")),
        seats=seats,
    )


def voting(p: Proposal) -> Proposal:
    p.open_discussion(now=T0)
    p.open_voting(now=T0 + timedelta(hours=p.rule.discussion_hours))
    return p


def test_default_orders_cover_every_kind_and_guard_redaction() -> None:
    orders = default_orders(CouncilKind.WORKPLACE)
    assert set(orders.rules) == set(ProposalKind)
    redaction = orders.rule_for(ProposalKind.REDACTION)
    assert redaction.method is Method.TWO_THIRDS
    assert redaction.quorum == Fraction(1, 2)
    assert orders.rule_for(ProposalKind.APPOINTMENT).secret
    assert default_orders(CouncilKind.CONGRESS).rule_for(ProposalKind.PLAN_ADOPTION).method is (
        Method.TWO_THIRDS
    )


def test_standing_orders_round_trip_through_json() -> None:
    orders = default_orders(CouncilKind.UNION).with_rule(
        ProposalKind.MOTION, DecisionRule(Method.CONSENSUS, fallback=Fraction(3, 4))
    )
    assert StandingOrders.from_dict(orders.to_dict()) == orders


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quorum": Fraction(3, 2)}, "quorum"),
        ({"voting_hours": 0}, "voting period"),
        ({"discussion_hours": -1}, "discussion"),
        ({"fallback": Fraction(2, 3)}, "fallback"),
    ],
)
def test_contradictory_rules_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidStandingOrders, match=message):
        DecisionRule(Method.SIMPLE_MAJORITY, **change)  # type: ignore[arg-type]


def test_an_election_needs_an_election_method() -> None:
    orders = default_orders(CouncilKind.WORKPLACE)
    with pytest.raises(InvalidStandingOrders, match="appointment proposals need an election"):
        orders.with_rule(ProposalKind.APPOINTMENT, DecisionRule(Method.SIMPLE_MAJORITY))


def test_malformed_orders_name_the_problem() -> None:
    with pytest.raises(InvalidStandingOrders, match="unknown decision method 'dice'"):
        StandingOrders.from_dict({"rules": {"motion": {"method": "dice"}}})


def test_people_and_councils_validate_names_and_addresses() -> None:
    with pytest.raises(CouncilError, match="not an e-mail address"):
        Person(name="Ana", email="ana-at-example", joined_at=T0)
    assert Person(name="  Ana   Novak ", email=" Ana@Example.ORG", joined_at=T0).email == (
        "ana@example.org"
    )


def test_a_delegate_membership_names_who_sent_them() -> None:
    with pytest.raises(CouncilError, match="names the council"):
        Membership(council_id=2, person_id=1, roles=frozenset({Role.DELEGATE}), since=T0)


def test_a_lone_convenor_has_no_vote() -> None:
    convenor = Membership(2, 1, frozenset({Role.CONVENOR}), since=T0)
    member = Membership(2, 3, frozenset({Role.MEMBER}), since=T0, weight=2)
    assert Electorate.of([convenor, member]).weights == {3: 2}


def test_only_the_author_revises_and_only_before_voting() -> None:
    p = motion()
    with pytest.raises(NotAllowed):
        p.write("hijacked", by=8, now=T0)
    p.open_discussion(now=T0)
    p.write("Second version", by=7, now=T0 + timedelta(hours=1))
    assert [v.number for v in p.versions] == [1, 2]
    assert p.versions[0].text == "We bake more than one oven can."
    p.open_voting(now=T0 + timedelta(hours=24))
    with pytest.raises(WrongStage, match="fixed once voting opens"):
        p.write("Third", by=7, now=T0 + timedelta(hours=25))


def test_voting_waits_for_the_discussion_period() -> None:
    p = motion()
    p.open_discussion(now=T0)
    with pytest.raises(WrongStage, match="must last 24 hours"):
        p.open_voting(now=T0 + timedelta(hours=23, minutes=59))
    p.open_voting(now=T0 + timedelta(hours=24))
    assert p.stage is Stage.VOTING
    assert p.closes_at == T0 + timedelta(hours=24 + 72)


def test_votes_only_while_voting_is_open() -> None:
    p = motion()
    with pytest.raises(WrongStage, match="votes are not open"):
        p.check_voting_open(now=T0)
    voting(p)
    assert p.closes_at is not None
    p.check_voting_open(now=p.closes_at - timedelta(seconds=1))
    with pytest.raises(WrongStage, match="voting closed"):
        p.check_voting_open(now=p.closes_at)


def test_a_vote_closes_early_only_when_everyone_has_voted() -> None:
    p = voting(motion())
    assert p.voting_at is not None
    with pytest.raises(WrongStage, match="voting is open until") as refused:
        p.check_may_close(now=p.voting_at, everyone_voted=False)
    assert refused.value.hint is not None
    assert "every member entitled" in refused.value.hint
    p.check_may_close(now=p.voting_at, everyone_voted=True)
    assert everyone_voted(Electorate({1: 1, 2: 1}), {1, 2})
    assert not everyone_voted(Electorate({1: 1, 2: 1}), {1})
    assert not everyone_voted(Electorate({}), set())


@pytest.mark.parametrize(
    ("choice", "error"),
    [
        ({"position": "maybe"}, "one of yes, no, abstain"),
        ({"position": "yes", "extra": 1}, "one of yes, no, abstain"),
    ],
)
def test_motion_choices_are_checked(choice: dict[str, object], error: str) -> None:
    with pytest.raises(InvalidChoice, match=error):
        check_choice(motion(), choice)


def test_a_block_must_give_its_reason() -> None:
    p = motion(DecisionRule(Method.CONSENSUS))
    with pytest.raises(InvalidChoice, match="block must give its reason"):
        check_choice(p, {"position": "block", "reason": "  "})
    assert check_choice(p, {"position": "block", "reason": " unsafe "}) == {
        "position": "block",
        "reason": "unsafe",
    }


def test_ranked_ballots_name_known_candidates_once() -> None:
    p = election()
    with pytest.raises(InvalidChoice, match="'z' is not a candidate"):
        check_choice(p, {"ranking": ["a", "z"]})
    with pytest.raises(InvalidChoice, match="only once"):
        check_choice(p, {"ranking": ["a", "a"]})
    with pytest.raises(InvalidChoice, match="at least one"):
        check_choice(p, {"ranking": []})


def test_simple_majority_with_weights_and_quorum() -> None:
    p = voting(motion(DecisionRule(Method.SIMPLE_MAJORITY, quorum=Fraction(1, 2))))
    members = Electorate({1: 1, 2: 1, 3: 1, 4: 1, 5: 3})
    yes, no = {"position": "yes"}, {"position": "no"}
    adopted = count(p, [(yes, 3), (no, 1), (no, 1)], members)
    assert adopted.outcome is Outcome.ADOPTED
    assert adopted.tally == {"yes": 3, "no": 2, "abstain": 0}
    short = count(p, [(yes, 1), (no, 1)], members)
    assert short.outcome is Outcome.REJECTED
    assert "quorum was not met" in short.summary


def test_a_tie_never_passes_a_motion() -> None:
    p = voting(motion())
    decision = count(
        p, [({"position": "yes"}, 1), ({"position": "no"}, 1)], Electorate({1: 1, 2: 1})
    )
    assert decision.outcome is Outcome.REJECTED


def test_one_block_stops_consensus_and_is_named() -> None:
    p = voting(motion(DecisionRule(Method.CONSENSUS)))
    choices = [({"position": "agree"}, 1), ({"position": "block", "reason": "unsafe"}, 1)]
    decision = count(p, choices, Electorate({1: 1, 2: 1}), voters=["person/1", "person/2"])
    assert decision.outcome is Outcome.REJECTED
    assert decision.detail["blocks"] == [{"member": "person/2", "reason": "unsafe"}]


def test_recall_needs_a_majority_of_all_members() -> None:
    p = voting(motion(DecisionRule(Method.RECALL)))
    members = Electorate(dict.fromkeys(range(10), 1))
    five = [({"position": "yes"}, 1)] * 5 + [({"position": "no"}, 1)] * 2
    assert count(p, five, members).outcome is Outcome.REJECTED
    six = [({"position": "yes"}, 1)] * 6
    assert count(p, six, members).outcome is Outcome.ADOPTED


def test_stv_election_counts_exactly() -> None:
    p = voting(election(seats=2))
    ballots = [({"ranking": ["a", "b"]}, 1)] * 6 + [({"ranking": ["b"]}, 1)] * 2
    ballots += [({"ranking": ["c"]}, 1)] * 3
    decision = count(p, ballots, Electorate(dict.fromkeys(range(11), 1)))
    assert decision.elected == ("a", "b")
    assert decision.detail["quota"] == 4
    assert decision.tally == {"a": 6, "b": 2, "c": 3}


def test_schulze_fills_one_seat() -> None:
    p = voting(election(Method.SCHULZE, seats=1))
    ballots = [({"ranking": ["a", "b", "c"]}, 3), ({"ranking": ["b", "c", "a"]}, 2)]
    ballots += [({"ranking": ["c", "a", "b"]}, 1)]
    assert count(p, ballots, Electorate(dict.fromkeys(range(6), 1))).elected == ("a",)
    with pytest.raises(CouncilError, match="use STV"):
        election(Method.SCHULZE, seats=2)


def test_receipts_hash_to_hex() -> None:
    assert receipt_hash(" abc ") == receipt_hash("abc")
    assert len(receipt_hash("abc")) == 64


def test_posts_keep_every_version_and_only_the_author_edits() -> None:
    post = Post(3, 7, T0, [Version(1, "first", T0)])
    post.write("second", by=7, now=T0 + timedelta(minutes=5))
    assert [v.text for v in post.versions] == ["first", "second"]
    with pytest.raises(NotAllowed, match="nobody may delete"):
        post.write("censored", by=8, now=T0)


@pytest.mark.parametrize(
    ("kind", "details", "error"),
    [
        (ProposalKind.INVESTMENT, {"cost": "-5"}, "positive amount"),
        (ProposalKind.INVESTMENT, {}, "is not a number"),
        (ProposalKind.RECALL, {"post": "king", "person": 1}, "'manager' or 'delegate'"),
        (ProposalKind.REDACTION, {"entry": 3}, "give its reason"),
        (ProposalKind.TARGET_REVIEW, {"target": "1"}, "names the product"),
    ],
)
def test_kind_details_are_checked(
    kind: ProposalKind, details: dict[str, object], error: str
) -> None:
    with pytest.raises(CouncilError, match=error):
        Proposal(1, kind, "t", 7, DecisionRule(Method.SIMPLE_MAJORITY), T0, details=details)


def test_orders_written_before_federations_by_consent_read_the_consent_rule() -> None:
    from rada.councils.orders import LATER_KINDS, consent_rule

    written = default_orders(CouncilKind.WORKPLACE).to_dict()
    for kind in LATER_KINDS:
        del written["rules"][kind.value]
    read = StandingOrders.from_dict(written)
    assert read.rule_for(ProposalKind.AFFILIATION) == consent_rule()
    assert read.rule_for(ProposalKind.DISAFFILIATION).quorum == Fraction(1, 2)
    assert not consent_rule().secret


def test_an_affiliation_names_its_federation_and_delegates_and_no_weight() -> None:
    from rada.councils.proposals import check_details

    assert check_details(ProposalKind.AFFILIATION, {"federation": 3, "delegates": 2}) == {
        "federation": 3,
        "delegates": 2,
    }
    with pytest.raises(CouncilError, match="weight"):
        check_details(ProposalKind.AFFILIATION, {"federation": 3, "delegates": 1, "weight": 50})
    with pytest.raises(CouncilError, match="from 1 to 100"):
        check_details(ProposalKind.AFFILIATION, {"federation": 3, "delegates": 101})
    with pytest.raises(CouncilError, match="'federation'"):
        check_details(ProposalKind.DISAFFILIATION, {"federation": "food"})


def test_a_counter_proposal_declares_bounded_capacities() -> None:
    """A target review's counter went unchecked into the record: a 27-digit capacity left
    its proposal's page and API answering 500 (no page could write it)."""
    from rada.councils.cycle import check_capacity
    from rada.councils.proposals import check_details

    base = {"product": "01", "target": "1"}
    fine = check_details(ProposalKind.TARGET_REVIEW, {**base, "counter": {"capacity": {"t": 0}}})
    assert fine["counter"] == {"capacity": {"t": "0"}}
    for beyond in ("1" + "0" * 26, "1e999999", "1e-999999"):
        with pytest.raises(CouncilError, match="out of range: at most 10\\^15"):
            check_details(
                ProposalKind.TARGET_REVIEW, {**base, "counter": {"capacity": {"t": beyond}}}
            )
        with pytest.raises(CouncilError, match="out of range"):
            check_capacity(beyond, "t")
    for bad in ({"t": "-1"}, {"t": "lots"}, ["t"]):
        with pytest.raises(CouncilError):
            check_details(ProposalKind.TARGET_REVIEW, {**base, "counter": {"capacity": bad}})
    with pytest.raises(CouncilError, match="declares capacities by technique"):
        check_details(ProposalKind.TARGET_REVIEW, {**base, "counter": "all of it"})
