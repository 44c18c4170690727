"""Simulated planning cycles: generated councils that contest when their target exceeds the
capacity they believe in, and how the plan converges.

Each workplace council believes, for each of its techniques, in a capacity drawn once from
``belief`` (a range around the base year's level). In every round it compares its targets with
its beliefs: where a target exceeds what it believes, it contests with a counter-proposal naming
the capacities it believes in, and adopts it by its members' vote; otherwise it accepts. The
engine replans with the contests until every target is accepted or the round limit is reached,
and the congress adopts. Everything runs through the use cases on an in-memory unit of work.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from rada.councils.cycle import CycleStage
from rada.councils.orders import CouncilKind, ProposalKind
from rada.demo.federation import join_by_consent
from rada.planning.economy import Economy
from rada.services import accounts
from rada.services import councils as cs
from rada.services import planning_cycle as pc
from rada.services import proposals as ps
from rada.services.ports import UnitOfWork
from rada.store.memory import MemoryUnitOfWork

TOLERANCE = 1e-9


@dataclass(frozen=True)
class RoundReport:
    """One round: fulfilment by year, and how many councils accepted or contested."""

    number: int
    fulfilment: tuple[float, ...]
    accepted: int
    contested: int


@dataclass
class Simulation:
    """How a simulated cycle converged."""

    rounds: list[RoundReport] = field(default_factory=list)
    converged: bool = False
    adopted: bool = False
    record_entries: int = 0

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        return {
            "rounds": [
                {
                    "round": r.number,
                    "fulfilment": list(r.fulfilment),
                    "accepted": r.accepted,
                    "contested": r.contested,
                }
                for r in self.rounds
            ],
            "converged": self.converged,
            "adopted": self.adopted,
            "record_entries": self.record_entries,
        }


def _decide(uow: UnitOfWork, proposal: int, voters: list[int], position: str, at: datetime) -> None:
    ps.open_voting(uow, proposal_id=proposal, by=voters[0], now=at)
    for person in voters:
        ps.cast_vote(uow, proposal_id=proposal, by=person, choice={"position": position}, now=at)
    ps.close_vote(uow, proposal_id=proposal, by=voters[0], now=at)


def simulate(
    economy: Economy,
    *,
    rounds: int = 5,
    members: int = 3,
    seed: int = 1,
    belief: tuple[float, float] = (0.97, 1.08),
) -> Simulation:
    """Run a planning cycle of at most ``rounds`` rounds with generated councils."""
    rng = random.Random(seed)
    now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    uow = MemoryUnitOfWork()
    with uow:
        person = iter(range(10**6))
        emails: dict[int, str] = {}

        def register() -> int:
            n = next(person)
            made = accounts.register(
                uow, name=f"Member {n}", email=f"m{n}@sim.rada", password="simulated pw!", now=now
            )
            emails[made.id] = made.email
            return made.id

        convenor = register()
        congress = cs.create_council(
            uow,
            name="Congress",
            slug="congress",
            kind=CouncilKind.CONGRESS,
            founder_id=convenor,
            now=now,
        )
        groups = pc.product_groups(economy)
        councils: dict[str, int] = {}
        people: dict[int, list[int]] = {}
        for group in groups:
            crew = [register() for _ in range(members)]
            council = cs.create_council(
                uow, name=group, slug=group, kind=CouncilKind.WORKPLACE, founder_id=crew[0], now=now
            )
            for p in crew[1:]:
                issued = cs.invite(uow, council=council.id, email=emails[p], by=crew[0], now=now)
                cs.accept_invitation(uow, code=issued.code, person_id=p, now=now)
            joined = join_by_consent(
                uow,
                federation=congress.id,
                member=council.id,
                by=convenor,
                voters=crew,
                convenor=crew[0],
                at=now,
            )
            election = ps.open_proposal(
                uow,
                council=council.id,
                kind=ProposalKind.APPOINTMENT,
                title="Delegate",
                text="To the congress.",
                by=crew[0],
                now=joined,
                details={"post": "delegate", "to_council": congress.id},
                candidates=[crew[0]],
            )
            at = joined + timedelta(hours=48)
            ps.open_voting(uow, proposal_id=election.id, by=crew[0], now=at)
            for p in crew:
                ps.cast_vote(
                    uow, proposal_id=election.id, by=p, choice={"ranking": [f"p{crew[0]}"]}, now=at
                )
            ps.close_vote(uow, proposal_id=election.id, by=crew[0], now=at)
            councils[group], people[council.id] = council.id, crew
        at = now + timedelta(days=3)
        cycle = pc.start_cycle(
            uow,
            congress=congress.id,
            economy=economy,
            title="Simulated plan",
            workplaces=councils,
            by=convenor,
            now=at,
            round_limit=rounds,
        )
        names = list(groups)
        for delegates in people.values():
            chosen = rng.sample(names, k=3)
            pc.give_points(
                uow,
                cycle_id=cycle.id,
                by=delegates[0],
                now=at,
                points=dict(zip(chosen, (50, 30, 20), strict=True)),
            )
        pc.close_priorities(uow, cycle_id=cycle.id, by=convenor, now=at)
        beliefs = {
            t: rng.uniform(*belief)
            for w in pc.get_cycle(uow, cycle.id).workplaces
            for t in w.capacity
        }
        pc.plan_round(uow, cycle_id=cycle.id, base=economy, by=convenor, now=at)
        result = Simulation()
        while True:
            state = pc.get_cycle(uow, cycle.id)
            current = state.current
            contested = 0
            for council_id, review in current.reviews.items():
                crew = people[council_id]
                over = {
                    t: levels
                    for t, levels in current.targets[council_id].items()
                    if t in beliefs and max(float(v) for v in levels) > beliefs[t] + TOLERANCE
                }
                if not over:
                    _decide(uow, review, crew, "yes", at)
                    continue
                contested += 1
                counter = {
                    t: str(
                        Decimal(repr(beliefs[t])).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
                    )
                    for t in over
                }
                proposal = ps.open_proposal(
                    uow,
                    council=council_id,
                    kind=ProposalKind.TARGET_REVIEW,
                    title="We contest our target",
                    text="Our capacity is lower.",
                    by=crew[0],
                    now=at,
                    details={
                        "product": state.workplace(council_id).group,
                        "target": "1",
                        "cycle": cycle.id,
                        "round": current.number,
                        "counter": {"capacity": counter},
                    },
                )
                _decide(uow, proposal.id, crew, "yes", at)
                _decide(uow, review, crew, "no", at)
            result.rounds.append(
                RoundReport(
                    current.number,
                    tuple(float(f) for f in current.fulfilment),
                    len(current.reviews) - contested,
                    contested,
                )
            )
            state = pc.advance(uow, cycle_id=cycle.id, base=economy, by=convenor, now=at)
            if state.stage is CycleStage.ADOPTION:
                result.converged = contested == 0
                assert state.adoption is not None
                vote_at = at + timedelta(hours=48)
                delegates = [c[0] for c in people.values()]
                ps.open_voting(uow, proposal_id=state.adoption, by=convenor, now=vote_at)
                for d in delegates:
                    ps.cast_vote(
                        uow,
                        proposal_id=state.adoption,
                        by=d,
                        choice={"position": "yes"},
                        now=vote_at,
                    )
                ps.close_vote(uow, proposal_id=state.adoption, by=convenor, now=vote_at)
                done = pc.conclude(uow, cycle_id=cycle.id, by=convenor, now=vote_at)
                result.adopted = done.stage is CycleStage.ADOPTED
                break
        result.record_entries = len(uow.state.entries)
    return result
