"""Standing orders: which decision rule applies to which kind of proposal, and who may propose."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from typing import Any

from rada.councils.errors import InvalidStandingOrders
from rada.councils.text import Message, joined, msg


class CouncilKind(StrEnum):
    """What kind of body a council is."""

    WORKPLACE = "workplace"
    FEDERATION = "federation"
    UNION = "union"
    CONGRESS = "congress"


class Role(StrEnum):
    """A member's roles. Every membership carries ``member`` or ``delegate``; a convenor
    schedules discussion and votes and has no power over anyone's speech or vote."""

    MEMBER = "member"
    DELEGATE = "delegate"
    CONVENOR = "convenor"


class ProposalKind(StrEnum):
    """What a proposal asks the council to decide."""

    MOTION = "motion"
    INVESTMENT = "investment"
    TARGET_REVIEW = "target-review"
    APPOINTMENT = "appointment"
    RECALL = "recall"
    PLAN_ADOPTION = "plan-adoption"
    REDACTION = "redaction"
    BUDGET = "budget"
    AFFILIATION = "affiliation"
    DISAFFILIATION = "disaffiliation"


#: Kinds added after councils were first founded: standing orders written before them read
#: them with :func:`consent_rule` (stored orders and the record keep no rule for them).
LATER_KINDS = (ProposalKind.AFFILIATION, ProposalKind.DISAFFILIATION)


class Method(StrEnum):
    """How the votes on a proposal are counted (the counting library does the count)."""

    SIMPLE_MAJORITY = "simple-majority"
    ABSOLUTE_MAJORITY = "absolute-majority"
    TWO_THIRDS = "two-thirds"
    CONSENSUS = "consensus"
    RECALL = "recall"
    STV = "stv"
    SCHULZE = "schulze"
    APPROVAL = "approval"
    EQUAL_SHARES = "equal-shares"


class BallotForm(StrEnum):
    """The shape of a vote: what the voter fills in."""

    MOTION = "motion"  # yes / no / abstain
    CONSENSUS = "consensus"  # agree / abstain / disagree / block (with a reason)
    RANKED = "ranked"  # options in order of preference
    APPROVAL = "approval"  # any set of options


FORM_OF: Mapping[Method, BallotForm] = {
    Method.SIMPLE_MAJORITY: BallotForm.MOTION,
    Method.ABSOLUTE_MAJORITY: BallotForm.MOTION,
    Method.TWO_THIRDS: BallotForm.MOTION,
    Method.RECALL: BallotForm.MOTION,
    Method.CONSENSUS: BallotForm.CONSENSUS,
    Method.STV: BallotForm.RANKED,
    Method.SCHULZE: BallotForm.RANKED,
    Method.APPROVAL: BallotForm.APPROVAL,
    Method.EQUAL_SHARES: BallotForm.APPROVAL,
}

# Elections choose among candidates and budgets among projects; every other kind is a yes/no
# question.
ELECTION_KINDS = frozenset({ProposalKind.APPOINTMENT})
ELECTION_METHODS = frozenset({Method.STV, Method.SCHULZE, Method.APPROVAL})
BUDGET_METHODS = frozenset({Method.EQUAL_SHARES})

HOUR = 3600

#: The names of the kinds of council, of proposal, of the roles and of the counting methods
#: in sentences (in English, the values themselves).
COUNCIL_KIND_NAMES: Mapping[CouncilKind, Message] = {
    CouncilKind.WORKPLACE: msg("workplace"),
    CouncilKind.FEDERATION: msg("federation"),
    CouncilKind.UNION: msg("union"),
    CouncilKind.CONGRESS: msg("congress"),
}
PROPOSAL_KIND_NAMES: Mapping[ProposalKind, Message] = {
    ProposalKind.MOTION: msg("motion"),
    ProposalKind.INVESTMENT: msg("investment"),
    ProposalKind.TARGET_REVIEW: msg("target-review"),
    ProposalKind.APPOINTMENT: msg("appointment"),
    ProposalKind.RECALL: msg("recall"),
    ProposalKind.PLAN_ADOPTION: msg("plan-adoption"),
    ProposalKind.REDACTION: msg("redaction"),
    ProposalKind.BUDGET: msg("budget"),
    ProposalKind.AFFILIATION: msg("affiliation"),
    ProposalKind.DISAFFILIATION: msg("disaffiliation"),
}
ROLE_NAMES: Mapping[Role, Message] = {
    Role.MEMBER: msg("member"),
    Role.DELEGATE: msg("delegate"),
    Role.CONVENOR: msg("convenor"),
}
METHOD_NAMES: Mapping[Method, Message] = {
    Method.SIMPLE_MAJORITY: msg("simple-majority"),
    Method.ABSOLUTE_MAJORITY: msg("absolute-majority"),
    Method.TWO_THIRDS: msg("two-thirds"),
    Method.CONSENSUS: msg("consensus"),
    Method.RECALL: msg("recall"),
    Method.STV: msg("stv"),
    Method.SCHULZE: msg("schulze"),
    Method.APPROVAL: msg("approval"),
    Method.EQUAL_SHARES: msg("equal-shares"),
}


@dataclass(frozen=True)
class DecisionRule:
    """How one kind of proposal is decided.

    ``quorum`` is the share of the electorate's weight that must take part; ``fallback`` is
    the consensus rule's fallback majority; ``live_tally`` shows the running count during the
    vote (never for a secret ballot).
    """

    method: Method
    quorum: Fraction | None = None
    discussion_hours: int = 0
    voting_hours: int = 72
    secret: bool = False
    fallback: Fraction | None = None
    live_tally: bool = True

    def __post_init__(self) -> None:
        if self.quorum is not None and not 0 < self.quorum <= 1:
            raise InvalidStandingOrders(
                msg("a quorum is a share in (0, 1], not %(quorum)s", quorum=self.quorum)
            )
        if self.fallback is not None and not Fraction(1, 2) <= self.fallback <= 1:
            raise InvalidStandingOrders(
                msg(
                    "a consensus fallback is a share in [1/2, 1], not %(fallback)s",
                    fallback=self.fallback,
                )
            )
        if self.discussion_hours < 0:
            raise InvalidStandingOrders(msg("the discussion period cannot be negative"))
        if self.voting_hours <= 0:
            raise InvalidStandingOrders(msg("the voting period must be at least an hour"))
        if self.fallback is not None and self.method is not Method.CONSENSUS:
            raise InvalidStandingOrders(msg("only the consensus rule takes a fallback"))

    @property
    def form(self) -> BallotForm:
        """What a ballot under this rule looks like."""
        return FORM_OF[self.method]

    @property
    def shows_live_tally(self) -> bool:
        """Whether the running count may be shown while the vote is open."""
        return self.live_tally and not self.secret

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (fractions as strings, so nothing is rounded)."""
        return {
            "method": self.method.value,
            "quorum": None if self.quorum is None else str(self.quorum),
            "discussion_hours": self.discussion_hours,
            "voting_hours": self.voting_hours,
            "secret": self.secret,
            "fallback": None if self.fallback is None else str(self.fallback),
            "live_tally": self.live_tally,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecisionRule:
        """Read :meth:`to_dict`'s mapping back; unknown methods and bad shares are refused."""
        try:
            method = Method(data["method"])
        except (KeyError, ValueError) as error:
            raise InvalidStandingOrders(
                msg("unknown decision method %(method)r", method=data.get("method"))
            ) from error
        return cls(
            method=method,
            quorum=_fraction(data.get("quorum"), msg("quorum")),
            discussion_hours=int(data.get("discussion_hours", 0)),
            voting_hours=int(data.get("voting_hours", 72)),
            secret=bool(data.get("secret", False)),
            fallback=_fraction(data.get("fallback"), msg("fallback")),
            live_tally=bool(data.get("live_tally", True)),
        )


def _fraction(value: object, what: Message) -> Fraction | None:
    if value is None:
        return None
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError) as error:
        raise InvalidStandingOrders(
            msg("%(what)s %(value)r is not a number like 1/2 or 0.5", what=what, value=value)
        ) from error


@dataclass(frozen=True)
class StandingOrders:
    """A council's standing orders: a rule per kind of proposal, and who may propose."""

    rules: Mapping[ProposalKind, DecisionRule]
    proposers: frozenset[Role] = field(default=frozenset({Role.MEMBER, Role.DELEGATE}))

    def __post_init__(self) -> None:
        missing = [PROPOSAL_KIND_NAMES[k] for k in ProposalKind if k not in self.rules]
        if missing:
            raise InvalidStandingOrders(
                msg("standing orders name no rule for %(kinds)s", kinds=joined(missing))
            )
        for kind, rule in self.rules.items():
            if kind in ELECTION_KINDS:
                wanted, methods = msg("an election method"), ELECTION_METHODS
            elif kind is ProposalKind.BUDGET:
                wanted, methods = msg("a budgeting method"), BUDGET_METHODS
            else:
                wanted, methods = msg("a yes/no method"), frozenset(FORM_OF) - ELECTION_METHODS
                methods -= BUDGET_METHODS
            if rule.method not in methods:
                raise InvalidStandingOrders(
                    msg(
                        "%(kind)s proposals need %(wanted)s, not %(method)s",
                        kind=PROPOSAL_KIND_NAMES[kind],
                        wanted=wanted,
                        method=METHOD_NAMES[rule.method],
                    )
                )
        if not self.proposers:
            raise InvalidStandingOrders(msg("standing orders must let someone propose"))

    def rule_for(self, kind: ProposalKind) -> DecisionRule:
        """The rule in force for ``kind``."""
        return self.rules[kind]

    def with_rule(self, kind: ProposalKind, rule: DecisionRule) -> StandingOrders:
        """These orders with one rule changed."""
        return replace(self, rules={**self.rules, kind: rule})

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "rules": {kind.value: self.rules[kind].to_dict() for kind in ProposalKind},
            "proposers": sorted(role.value for role in self.proposers),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StandingOrders:
        """Read :meth:`to_dict`'s mapping back."""
        try:
            rules = {ProposalKind(k): DecisionRule.from_dict(v) for k, v in data["rules"].items()}
            for kind in LATER_KINDS:
                rules.setdefault(kind, consent_rule())
            proposers = frozenset(Role(r) for r in data.get("proposers", ["member", "delegate"]))
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise InvalidStandingOrders(
                msg("standing orders are malformed: %(error)s", error=str(error))
            ) from error
        return cls(rules=rules, proposers=proposers)


def default_orders(kind: CouncilKind) -> StandingOrders:
    """Sensible standing orders for a new council of ``kind``.

    Motions pass by simple majority with a quorum of a third; recalls need more than half of
    all members; elections are secret STV; participatory budgets are counted by the Method of
    Equal Shares on secret approval ballots; redactions need two thirds with a half quorum, so
    that removing speech is never easy. A congress adopts a plan by two thirds. Joining or
    leaving a federation is decided by :func:`consent_rule`.

    Examples
    --------
    >>> default_orders(CouncilKind.WORKPLACE).rule_for(ProposalKind.APPOINTMENT).method.value
    'stv'
    """
    third, half = Fraction(1, 3), Fraction(1, 2)
    # Delegates vote by roll call (the imperative mandate); members' own ballots are secret.
    secret = kind not in (CouncilKind.FEDERATION, CouncilKind.CONGRESS)
    motion = DecisionRule(Method.SIMPLE_MAJORITY, quorum=third, discussion_hours=24)
    rules = {
        ProposalKind.MOTION: motion,
        ProposalKind.INVESTMENT: motion,
        ProposalKind.TARGET_REVIEW: DecisionRule(Method.SIMPLE_MAJORITY, quorum=third),
        ProposalKind.APPOINTMENT: DecisionRule(
            Method.STV, quorum=third, discussion_hours=48, secret=secret, live_tally=False
        ),
        ProposalKind.RECALL: DecisionRule(Method.RECALL, discussion_hours=48),
        ProposalKind.PLAN_ADOPTION: DecisionRule(
            Method.TWO_THIRDS if kind is CouncilKind.CONGRESS else Method.SIMPLE_MAJORITY,
            quorum=half,
            discussion_hours=48,
        ),
        ProposalKind.REDACTION: DecisionRule(Method.TWO_THIRDS, quorum=half, discussion_hours=48),
        ProposalKind.BUDGET: DecisionRule(
            Method.EQUAL_SHARES, discussion_hours=48, secret=secret, live_tally=secret
        ),
        ProposalKind.AFFILIATION: consent_rule(),
        ProposalKind.DISAFFILIATION: consent_rule(),
    }
    return StandingOrders(rules=rules)


def consent_rule() -> DecisionRule:
    """How a council decides by default to join a federation or to leave one: a simple
    majority of the votes cast, half of the members taking part, after a day's discussion, by
    open vote (who bound the council to a federation is no secret)."""
    return DecisionRule(
        Method.SIMPLE_MAJORITY, quorum=Fraction(1, 2), discussion_hours=24, voting_hours=72
    )
