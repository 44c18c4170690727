"""The democratic planning cycle: priorities, rounds of review and replanning, adoption.

A cycle belongs to a congress. Its delegates distribute points over product groups (the
priorities); the mean of their shares sets the plan ray. Each workplace council then reviews
the target the engine computed for it, accepting it or contesting it with a counter-proposal
(a revised capacity) adopted by its own vote; the engine replans with the contests, round
after round, until every target is accepted or the round limit is reached; the congress then
adopts the plan (or not) by its standing orders.

This module holds the cycle's state and rules only; the numbers come from the planning
engine, which the use cases call (``rada.services.planning_cycle``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Any

from rada.councils.errors import AlreadyVoted, CouncilError, InvalidChoice, WrongStage
from rada.councils.model import check_name
from rada.councils.proposals import check_amount
from rada.councils.text import Message, msg, nmsg

POINTS = 100


class CycleStage(StrEnum):
    """Where a planning cycle is."""

    PRIORITIES = "priorities"
    REVIEW = "review"
    ADOPTION = "adoption"
    ADOPTED = "adopted"
    REJECTED = "rejected"


class Review(StrEnum):
    """How a workplace council answered its target in a round."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    CONTESTED = "contested"


#: The stages' names in sentences (in English, the values themselves).
CYCLE_STAGE_NAMES: Mapping[CycleStage, Message] = {
    CycleStage.PRIORITIES: msg("priorities"),
    CycleStage.REVIEW: msg("review"),
    CycleStage.ADOPTION: msg("adoption"),
    CycleStage.ADOPTED: msg("adopted"),
    CycleStage.REJECTED: msg("rejected"),
}
REVIEW_NAMES: Mapping[Review, Message] = {
    Review.PENDING: msg("pending"),
    Review.ACCEPTED: msg("accepted"),
    Review.CONTESTED: msg("contested"),
}


def check_capacity(value: object, where: str | Message) -> str:
    """A capacity: a non-negative decimal number, as its exact text; ``where`` says whose
    (a technique's code, or a message) in the error."""
    try:
        Decimal(str(value))
    except InvalidOperation as error:
        raise CouncilError(
            msg("%(where)s: %(value)r is not a number", where=where, value=value)
        ) from error
    # At least 0 and within the bounds of every amount: the domain's one check of amounts.
    return check_amount(value, where, positive=False)


@dataclass(frozen=True)
class Workplace:
    """A workplace council in the cycle: its product group and the techniques it runs, with
    the capacity it has declared for each (activity per year, exact decimal text)."""

    council_id: int
    group: str
    capacity: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {"council": self.council_id, "group": self.group, "capacity": dict(self.capacity)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Workplace:
        """Read :meth:`to_dict`'s mapping back."""
        return cls(int(data["council"]), str(data["group"]), dict(data["capacity"]))


@dataclass
class Round:
    """One round: the plan computed, the review proposal opened in each workplace council,
    and each council's answer."""

    number: int
    fulfilment: list[str]
    targets: dict[int, dict[str, list[str]]]
    reviews: dict[int, int]  # council -> its review proposal
    answers: dict[int, Review] = field(default_factory=dict)
    counters: dict[int, dict[str, str]] = field(default_factory=dict)
    record_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "number": self.number,
            "fulfilment": self.fulfilment,
            "targets": {str(k): v for k, v in self.targets.items()},
            "reviews": {str(k): v for k, v in self.reviews.items()},
            "answers": {str(k): v.value for k, v in self.answers.items()},
            "counters": {str(k): v for k, v in self.counters.items()},
            "record_index": self.record_index,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Round:
        """Read :meth:`to_dict`'s mapping back."""
        return cls(
            number=int(data["number"]),
            fulfilment=list(data["fulfilment"]),
            targets={int(k): v for k, v in data["targets"].items()},
            reviews={int(k): int(v) for k, v in data["reviews"].items()},
            answers={int(k): Review(v) for k, v in data["answers"].items()},
            counters={int(k): dict(v) for k, v in data["counters"].items()},
            record_index=data.get("record_index"),
        )


@dataclass
class Cycle:
    """A planning cycle of a congress."""

    congress_id: int
    title: str
    economy: str
    years: int
    round_limit: int
    groups: dict[str, tuple[str, ...]]
    workplaces: list[Workplace]
    created_at: datetime
    convenor_id: int
    stage: CycleStage = CycleStage.PRIORITIES
    points: dict[int, dict[str, int]] = field(default_factory=dict)
    weights: dict[str, str] = field(default_factory=dict)
    rounds: list[Round] = field(default_factory=list)
    adoption: int | None = None
    id: int = 0
    record_index: int | None = None

    def __post_init__(self) -> None:
        self.title = check_name(self.title, msg("a cycle's title"))
        if self.years < 1:
            raise CouncilError(msg("a plan covers at least one year"))
        if self.round_limit < 1:
            raise CouncilError(msg("a cycle allows at least one round of review"))
        if not self.groups:
            raise CouncilError(msg("a cycle needs product groups to set priorities over"))
        councils = [w.council_id for w in self.workplaces]
        if len(set(councils)) != len(councils):
            raise CouncilError(msg("a workplace council appears twice in the cycle"))

    def workplace(self, council_id: int) -> Workplace:
        """The workplace entry of a council."""
        for w in self.workplaces:
            if w.council_id == council_id:
                return w
        raise CouncilError(
            msg("council %(council)s has no workplace in this cycle", council=council_id)
        )

    @property
    def current(self) -> Round:
        """The latest round."""
        if not self.rounds:
            raise WrongStage(msg("no plan has been computed in this cycle yet"))
        return self.rounds[-1]

    def give_points(self, person_id: int, points: Mapping[str, int]) -> dict[str, int]:
        """A participant's distribution of :data:`POINTS` points over the product groups."""
        if self.stage is not CycleStage.PRIORITIES:
            raise WrongStage(
                msg(
                    "priorities are closed: the cycle is in %(stage)s",
                    stage=CYCLE_STAGE_NAMES[self.stage],
                )
            )
        if person_id in self.points:
            raise AlreadyVoted(msg("you have already given your points in this cycle"))
        unknown = sorted(set(points) - set(self.groups))
        if unknown:
            raise InvalidChoice(
                msg("%(group)r is not a product group of this cycle", group=unknown[0])
            )
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in points.values()):
            raise InvalidChoice(msg("points are whole numbers of at least 0"))
        if sum(points.values()) != POINTS:
            raise InvalidChoice(
                msg(
                    "the points add up to %(total)s; distribute exactly %(points)s",
                    total=sum(points.values()),
                    points=POINTS,
                )
            )
        clean = {g: int(points.get(g, 0)) for g in self.groups}
        self.points[person_id] = clean
        return clean

    def close_priorities(self) -> dict[str, Fraction]:
        """Aggregate the points by the stated rule: each group's weight is the mean, over
        participants, of the share of their points it received (exact fractions)."""
        if self.stage is not CycleStage.PRIORITIES:
            raise WrongStage(
                msg(
                    "priorities are closed: the cycle is in %(stage)s",
                    stage=CYCLE_STAGE_NAMES[self.stage],
                )
            )
        if not self.points:
            raise CouncilError(
                msg("nobody has given points yet"), hint=msg("wait for the delegates")
            )
        n = len(self.points)
        weights = {
            g: sum((Fraction(p[g], POINTS) for p in self.points.values()), Fraction(0)) / n
            for g in self.groups
        }
        self.weights = {g: str(w) for g, w in weights.items()}
        self.stage = CycleStage.REVIEW
        return weights

    def start_round(self, new: Round) -> None:
        """Record a newly computed round; its reviews are pending."""
        if self.stage is not CycleStage.REVIEW:
            raise WrongStage(
                msg("the cycle is in %(stage)s, not review", stage=CYCLE_STAGE_NAMES[self.stage])
            )
        if self.rounds and len(self.rounds) >= self.round_limit:
            raise WrongStage(
                nmsg(
                    "the congress allowed %(n)s round",
                    "the congress allowed %(n)s rounds",
                    self.round_limit,
                )
            )
        new.answers = dict.fromkeys(new.reviews, Review.PENDING)
        self.rounds.append(new)

    def answer(self, council_id: int, review: Review, counter: Mapping[str, str] | None) -> None:
        """Set a council's answer in the current round; a counter revises its capacities
        for the next round."""
        current = self.current
        if council_id not in current.reviews:
            raise CouncilError(
                msg("council %(council)s reviews no target in this round", council=council_id)
            )
        current.answers[council_id] = review
        if counter:
            workplace = self.workplace(council_id)
            unknown = sorted(set(counter) - set(workplace.capacity))
            if unknown:
                raise CouncilError(
                    msg(
                        "%(technique)r is not one of this workplace's techniques",
                        technique=unknown[0],
                    )
                )
            current.counters[council_id] = {
                k: check_capacity(v, msg("capacity of %(technique)s", technique=k))
                for k, v in counter.items()
            }

    def settled(self) -> bool:
        """Whether every council has answered in the current round."""
        return all(r is not Review.PENDING for r in self.current.answers.values())

    def all_accepted(self) -> bool:
        """Whether every council accepted its target in the current round."""
        return all(r is Review.ACCEPTED for r in self.current.answers.values())

    def apply_counters(self) -> None:
        """Carry the current round's counter-proposals into the declared capacities."""
        counters = self.current.counters
        self.workplaces = [
            Workplace(w.council_id, w.group, {**w.capacity, **counters.get(w.council_id, {})})
            for w in self.workplaces
        ]

    def to_adoption(self, proposal_id: int) -> None:
        """The plan goes to the congress for adoption."""
        if self.stage is not CycleStage.REVIEW:
            raise WrongStage(
                msg("the cycle is in %(stage)s, not review", stage=CYCLE_STAGE_NAMES[self.stage])
            )
        self.stage = CycleStage.ADOPTION
        self.adoption = proposal_id

    def conclude(self, adopted: bool) -> None:
        """The congress has decided."""
        if self.stage is not CycleStage.ADOPTION:
            raise WrongStage(
                msg(
                    "the cycle is in %(stage)s, not adoption",
                    stage=CYCLE_STAGE_NAMES[self.stage],
                )
            )
        self.stage = CycleStage.ADOPTED if adopted else CycleStage.REJECTED

    def to_dict(self) -> dict[str, Any]:
        """The whole cycle as JSON (the store keeps it so)."""
        return {
            "congress": self.congress_id,
            "title": self.title,
            "economy": self.economy,
            "years": self.years,
            "round_limit": self.round_limit,
            "groups": {g: list(p) for g, p in self.groups.items()},
            "workplaces": [w.to_dict() for w in self.workplaces],
            "created_at": self.created_at.isoformat(),
            "convenor": self.convenor_id,
            "stage": self.stage.value,
            "points": {str(k): v for k, v in self.points.items()},
            "weights": self.weights,
            "rounds": [r.to_dict() for r in self.rounds],
            "adoption": self.adoption,
            "record_index": self.record_index,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, id: int = 0) -> Cycle:
        """Read :meth:`to_dict`'s mapping back."""
        return cls(
            congress_id=int(data["congress"]),
            title=data["title"],
            economy=data["economy"],
            years=int(data["years"]),
            round_limit=int(data["round_limit"]),
            groups={g: tuple(p) for g, p in data["groups"].items()},
            workplaces=[Workplace.from_dict(w) for w in data["workplaces"]],
            created_at=datetime.fromisoformat(data["created_at"]),
            convenor_id=int(data["convenor"]),
            stage=CycleStage(data["stage"]),
            points={int(k): dict(v) for k, v in data["points"].items()},
            weights=dict(data["weights"]),
            rounds=[Round.from_dict(r) for r in data["rounds"]],
            adoption=data.get("adoption"),
            id=id,
            record_index=data.get("record_index"),
        )
