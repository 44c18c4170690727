"""Use cases of the democratic planning cycle: the congress sets priorities, the engine plans,
workplace councils accept or contest their targets, the engine replans, the congress adopts.

Every step is a ``plan`` entry in the public record. A ``planned`` entry holds everything the
engine was given beyond the base economy (the ray's weights, every declared capacity, the
adopted investments), so :func:`replay` can recompute each round from the record alone and
check that it gives the recorded plan exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from rada.councils.cycle import (
    CYCLE_STAGE_NAMES,
    Cycle,
    CycleStage,
    Review,
    Round,
    Workplace,
    check_capacity,
)
from rada.councils.errors import CouncilError, NotAllowed, NotFound, WrongStage
from rada.councils.events import (
    AdoptionProposed,
    CycleOpened,
    PlanAdopted,
    PlanNotAdopted,
    PrioritiesClosed,
    PrioritiesGiven,
    RoundPlanned,
    RoundReviewed,
)
from rada.councils.orders import COUNCIL_KIND_NAMES, CouncilKind, ProposalKind
from rada.councils.proposals import Outcome, Proposal, Stage
from rada.councils.text import Message, msg, nmsg
from rada.planning.economy import CapitalStock, Economy, fingerprint
from rada.planning.errors import PlanningError
from rada.planning.explain import Constraint, explain_plan
from rada.planning.first_order import DEFAULT_GAP
from rada.planning.optimal import auto_gap, choose_solver, solve_plan
from rada.planning.plan import Plan
from rada.planning.proof import (
    PROOF_BOUND_RTOL,
    Checked,
    check_proof,
    decode_proof,
    encode_proof,
    proof_of,
)
from rada.planning.structure import FloatArray, compile_economy
from rada.record.encoding import MAX_ENTRY_BYTES, Entry, EntryKind
from rada.services.councils import get_council, require_convenor
from rada.services.ports import PlanSolver, UnitOfWork
from rada.services.proposals import record_opened
from rada.services.recording import links_to, record_one

#: The good that investment builds: construction (CPA 41-43 in national tables).
CONSTRUCTION = "41-43"
DEFAULT_SLACK = Decimal("0.05")
#: The most a round's proof may take in its ``planned`` entry (an entry holds at most 8 MiB):
#: WIOD 2011 over five years took 122 KiB, a generated economy of 10,000 products x 5 years
#: 1.5 MiB. A larger proof is left out, and that round can only be checked by solving it again.
MAX_PROOF_BYTES = 4 << 20
#: What a ``planned`` entry keeps free beside its figures and proof: its envelope (kind,
#: time, author, links) and the escapes its canonical form may add.
PROOF_MARGIN = 64 << 10

# CPA sections by two-digit division: a national table's products grouped as people know them.
_SECTIONS = [
    ((1, 3), "agriculture"), ((5, 9), "mining"), ((10, 33), "manufacturing"),
    ((35, 35), "energy"), ((36, 39), "water-and-waste"), ((41, 43), "construction"),
    ((45, 47), "trade"), ((49, 53), "transport"), ((55, 56), "hospitality"),
    ((58, 63), "information"), ((64, 66), "finance"), ((68, 68), "real-estate"),
    ((69, 75), "professional"), ((77, 82), "administrative"),
    ((84, 84), "public-administration"), ((85, 85), "education"), ((86, 88), "health-and-care"),
    ((90, 93), "arts-and-recreation"), ((94, 96), "other-services"), ((97, 98), "households"),
]  # fmt: skip

#: The sections' names in sentences (in English, the names themselves).
GROUP_NAMES: Mapping[str, Message] = {
    "agriculture": msg("agriculture"),
    "mining": msg("mining"),
    "manufacturing": msg("manufacturing"),
    "energy": msg("energy"),
    "water-and-waste": msg("water-and-waste"),
    "construction": msg("construction"),
    "trade": msg("trade"),
    "transport": msg("transport"),
    "hospitality": msg("hospitality"),
    "information": msg("information"),
    "finance": msg("finance"),
    "real-estate": msg("real-estate"),
    "professional": msg("professional"),
    "administrative": msg("administrative"),
    "public-administration": msg("public-administration"),
    "education": msg("education"),
    "health-and-care": msg("health-and-care"),
    "arts-and-recreation": msg("arts-and-recreation"),
    "other-services": msg("other-services"),
    "households": msg("households"),
}


def product_groups(economy: Economy) -> dict[str, tuple[str, ...]]:
    """The economy's products grouped by CPA section, from their codes (``NM_``/``NPISH_``
    prefixes of non-market products are ignored); codes that are not CPA stay on their own.

    Examples
    --------
    >>> from rada.planning.economy import Economy, Product, Resource, Technique
    >>> e = Economy((Product("01"), Product("10-1"), Product("NM_85")), (Resource("labour"),),
    ...     (Technique("01", {"01": 1.0}), Technique("10-1", {"10-1": 1.0}),
    ...      Technique("NM_85", {"NM_85": 1.0})), 1, {"01": (1.0,)}, {"labour": (1.0,)})
    >>> product_groups(e)
    {'agriculture': ('01',), 'manufacturing': ('10-1',), 'education': ('NM_85',)}
    """
    groups: dict[str, list[str]] = {}
    for product in economy.products:
        code = (
            product.id.split("_", 1)[1] if product.id.startswith(("NM_", "NPISH_")) else product.id
        )
        try:
            division = int(code[:2])
        except ValueError:
            groups.setdefault(product.id, []).append(product.id)
            continue
        name = next((n for (lo, hi), n in _SECTIONS if lo <= division <= hi), product.id)
        groups.setdefault(name, []).append(product.id)
    return {g: tuple(p) for g, p in groups.items()}


def _group_techniques(economy: Economy, products: Iterable[str]) -> list[str]:
    wanted = set(products)
    return [t.id for t in economy.techniques if set(t.outputs) & wanted]


def get_cycle(uow: UnitOfWork, cycle_id: int, *, for_update: bool = False) -> Cycle:
    """A cycle by id."""
    cycle = uow.cycles.get(cycle_id, for_update=for_update)
    if cycle is None:
        raise NotFound(msg("there is no planning cycle %(cycle)s", cycle=cycle_id))
    if cycle.stage is CycleStage.REVIEW and cycle.rounds:
        # The answers are the councils' own decisions: read them now, so that whoever looks
        # (a page, the API, the convenor advancing) sees each decision as soon as it is taken.
        collect_answers(uow, cycle)
    return cycle


def cycles_of(uow: UnitOfWork, council_id: int) -> list[Cycle]:
    """The planning cycles a council takes part in: a congress's own, and those in which a
    workplace council reviews its targets."""
    found = list(uow.cycles.for_congress(council_id))
    for council in uow.councils.all():
        if council.kind is CouncilKind.CONGRESS and council.id != council_id:
            found += [
                c
                for c in uow.cycles.for_congress(council.id)
                if any(w.council_id == council_id for w in c.workplaces)
            ]
    return found


def _step(
    cycle: Cycle, *, by: int | None, now: datetime, links: tuple[int | None, ...] = ()
) -> dict[str, Any]:
    """What every event of the cycle carries: the congress, when, by whom, the link to the
    cycle's opening, the cycle and its whole state after the change."""
    return {
        "council": cycle.congress_id,
        "at": now,
        "by": by,
        "links": links_to(cycle.record_index, *links),
        "cycle": cycle.id,
        "state": cycle.to_dict(),
    }


def start_cycle(
    uow: UnitOfWork,
    *,
    congress: int | str,
    economy: Economy,
    title: str,
    workplaces: Mapping[str, int],
    by: int,
    now: datetime,
    round_limit: int = 3,
    slack: Decimal = DEFAULT_SLACK,
) -> Cycle:
    """Open a planning cycle in a congress (by its convenor).

    ``workplaces`` names the workplace council of each product group; each declares, to
    begin with, a capacity of ``1 + slack`` times the base year's activity for each of its
    techniques (the councils revise them by contesting their targets).
    """
    body = get_council(uow, congress)
    if body.kind is not CouncilKind.CONGRESS:
        raise CouncilError(
            msg(
                "%(council)s is a %(kind)s; a congress runs the cycle",
                council=body.name,
                kind=COUNCIL_KIND_NAMES[body.kind],
            )
        )
    require_convenor(uow, body, by)
    groups = product_groups(economy)
    missing = sorted(set(groups) - set(workplaces))
    if missing:
        raise CouncilError(
            msg("no workplace council is named for the group %(group)r", group=missing[0])
        )
    unknown = sorted(set(workplaces) - set(groups))
    if unknown:
        raise CouncilError(
            msg("%(group)r is not a product group of this economy", group=unknown[0])
        )
    capacity = str(1 + slack)
    entries = []
    for group, council_id in workplaces.items():
        council = get_council(uow, council_id)
        if council.kind is not CouncilKind.WORKPLACE:
            raise CouncilError(msg("%(council)s is not a workplace council", council=council.name))
        techniques = _group_techniques(economy, groups[group])
        entries.append(Workplace(council.id, group, dict.fromkeys(techniques, capacity)))
    cycle = Cycle(
        congress_id=body.id,
        title=title,
        economy=economy.name or "economy",
        years=economy.years,
        round_limit=round_limit,
        groups=groups,
        workplaces=entries,
        created_at=now,
        convenor_id=by,
    )
    uow.cycles.add(cycle)
    # The state is the cycle's as stored; its own record index is this entry's, which the
    # projection fills in (an entry cannot hold its own index).
    cycle.record_index = record_one(
        uow,
        CycleOpened(
            **_step(cycle, by=by, now=now),
            title=cycle.title,
            economy=cycle.economy,
            years=cycle.years,
            round_limit=round_limit,
            groups={g: list(p) for g, p in cycle.groups.items()},
            workplaces=[w.to_dict() for w in cycle.workplaces],
            fingerprint=fingerprint(economy),
        ),
    )
    uow.cycles.save(cycle)
    return cycle


def give_points(
    uow: UnitOfWork, *, cycle_id: int, points: Mapping[str, int], by: int, now: datetime
) -> dict[str, int]:
    """A delegate of the congress distributes 100 points over the product groups (an open
    vote, like a roll call)."""
    cycle = get_cycle(uow, cycle_id, for_update=True)
    membership = uow.memberships.of(cycle.congress_id, by)
    if membership is None or not membership.votes:
        raise NotAllowed(msg("only the congress's delegates set the priorities"))
    clean = cycle.give_points(by, points)
    record_one(
        uow,
        PrioritiesGiven(
            **_step(cycle, by=by, now=now),
            points=dict(clean),
        ),
    )
    uow.cycles.save(cycle)
    return clean


def close_priorities(
    uow: UnitOfWork, *, cycle_id: int, by: int, now: datetime
) -> dict[str, Fraction]:
    """Close the priorities (the convenor): the mean shares become the plan ray's weights."""
    cycle = get_cycle(uow, cycle_id, for_update=True)
    require_convenor(uow, get_council(uow, cycle.congress_id), by)
    weights = cycle.close_priorities()
    record_one(
        uow,
        PrioritiesClosed(
            **_step(cycle, by=by, now=now),
            participants=len(cycle.points),
            rule="mean of each participant's share of points",
            weights=dict(cycle.weights),
        ),
    )
    uow.cycles.save(cycle)
    return weights


@dataclass(frozen=True)
class Investment:
    """An adopted investment: new capacity of a technique, built from construction."""

    proposal: int
    technique: str
    capacity: str
    cost: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "proposal": self.proposal,
            "technique": self.technique,
            "capacity": self.capacity,
            "cost": self.cost,
        }


def adopted_investments(uow: UnitOfWork, cycle: Cycle) -> list[Investment]:
    """The investments adopted by the cycle's workplace councils that name one of their
    techniques and the capacity it adds."""
    found = []
    for w in cycle.workplaces:
        for p in uow.proposals.for_council(w.council_id, stage=Stage.DECIDED):
            d = p.details
            if (
                p.kind is ProposalKind.INVESTMENT
                and p.outcome is Outcome.ADOPTED
                and d.get("product") in w.capacity
                and "capacity" in d
            ):
                found.append(Investment(p.id, d["product"], d["capacity"], d["cost"]))
    return sorted(found, key=lambda i: i.proposal)


def build_economy(
    base: Economy,
    *,
    groups: Mapping[str, Iterable[str]],
    weights: Mapping[str, str],
    capacity: Mapping[str, str],
    investments: Iterable[Mapping[str, str | int]] = (),
) -> Economy:
    """The economy the engine plans for, from the base economy and what was decided.

    Targets: the congress's weights share out the *growth* of final consumption. Each product
    keeps its base year's final demand; the growth the base economy foresees for year ``y``
    (its total targets in ``y`` less those of year one) goes to the product groups in proportion
    to their weights, and within a group to its products in proportion to their base demand.
    Groups with no final demand cannot take a share; the weights of the others are rescaled.
    Capacities: as declared. An investment adds a technique like the one it extends, with its
    capacity, that needs a stock of construction worth its cost before it can run: the plan
    must build it, so the inputs it consumes are accounted for.
    """
    targets = dict(base.targets)
    if weights:
        first = {p: v[0] for p, v in base.targets.items()}
        totals = [sum(v[y] for v in base.targets.values()) for y in range(base.years)]
        demand = {g: sum(first.get(p, 0.0) for p in products) for g, products in groups.items()}
        shares = {g: float(Fraction(weights.get(g, "0"))) for g in groups if demand[g] > 0}
        scale = sum(shares.values())
        targets = {}
        for g, products in groups.items():
            if demand[g] <= 0:
                continue
            share = shares[g] / scale if scale else demand[g] / sum(demand.values())
            for p in products:
                if p in first:
                    part = share * first[p] / demand[g]
                    targets[p] = tuple(first[p] + (t - totals[0]) * part for t in totals)
    techniques = [
        replace(t, capacity=float(Decimal(capacity[t.id]))) if t.id in capacity else t
        for t in base.techniques
    ]
    by_id = {t.id: t for t in base.techniques}
    for inv in investments:
        like = by_id[str(inv["technique"])]
        added = float(Decimal(str(inv["capacity"])))
        stock = CapitalStock(CONSTRUCTION, float(Decimal(str(inv["cost"]))) / added)
        techniques.append(
            replace(
                like,
                id=f"{like.id}+inv{inv['proposal']}",
                capacity=added,
                capital=(*like.capital, stock),
            )
        )
    return replace(base, targets=targets, techniques=tuple(techniques))


def _inputs(cycle: Cycle, investments: list[Investment]) -> dict[str, Any]:
    return {
        "weights": dict(cycle.weights),
        "capacity": {t: c for w in cycle.workplaces for t, c in w.capacity.items()},
        "investments": [i.to_dict() for i in investments],
    }


def _targets(cycle: Cycle, plan: Plan) -> dict[int, dict[str, list[str]]]:
    """Each workplace council's activity per technique and year, as exact float text."""
    index = plan.economy.technique_index
    out: dict[int, dict[str, list[str]]] = {}
    for w in cycle.workplaces:
        techniques = [t for t in index if t.split("+inv")[0] in w.capacity]
        out[w.council_id] = {
            t: [repr(float(plan.activity[y, index[t]])) for y in range(plan.years)]
            for t in techniques
        }
    return out


def digest(targets: Mapping[int, Mapping[str, list[str]]], fulfilment: list[str]) -> str:
    """A SHA-256 over a round's numbers: what the congress adopts, and replay checks."""
    data = json.dumps(
        {"targets": {str(k): v for k, v in targets.items()}, "fulfilment": fulfilment},
        sort_keys=True,
    )
    return hashlib.sha256(data.encode()).hexdigest()


def solve_each(economies: Sequence[Economy]) -> list[Plan]:
    """The default :class:`~rada.services.ports.PlanSolver`: one plan after another, here."""
    return [solve_plan(economy) for economy in economies]


def _economy(base: Economy, cycle: Cycle, inputs: Mapping[str, Any]) -> Economy:
    return build_economy(
        base,
        groups=cycle.groups,
        weights=inputs["weights"],
        capacity=inputs["capacity"],
        investments=inputs["investments"],
    )


def _alone(cycle: Cycle, inputs: Mapping[str, Any], previous: Round) -> list[dict[str, Any]]:
    """The previous round's inputs with one contest's counter-proposal each, in order."""
    old_capacity = {t: c for w in cycle.workplaces for t, c in w.capacity.items()}
    return [
        {**inputs, "capacity": {**old_capacity, **counter}}
        for counter in previous.counters.values()
    ]


def _effects(cycle: Cycle, before: Plan, alone: list[Plan], previous: Round) -> dict[str, Any]:
    """What each contest alone changes (``alone``: the previous round replanned with only
    that council's counter-proposal): fulfilment and the other councils' targets."""
    effects: dict[str, Any] = {}
    for council_id, after in zip(previous.counters, alone, strict=True):
        changed = {}
        for other, techs in _targets(cycle, after).items():
            if other == council_id:
                continue
            was = sum(float(v) for vs in previous.targets[other].values() for v in vs)
            now_ = sum(float(v) for vs in techs.values() for v in vs)
            if was and abs(now_ - was) / was > 1e-6:
                changed[str(other)] = round((now_ - was) / was, 6)
        effects[str(council_id)] = {
            "fulfilment_before": [round(float(f), 6) for f in before.fulfilment],
            "fulfilment_after": [round(float(f), 6) for f in after.fulfilment],
            "other_councils_output_change": changed,
        }
    return effects


def _review_text(
    cycle: Cycle,
    council_id: int,
    targets: Mapping[str, list[str]],
    fulfilment: list[str],
    economy: Economy,
) -> str:
    """The review proposal's text (CommonMark, kept in the record as written): what the plan
    asks, each technique named by what it makes in the table's own words and its code, the
    levels rounded for reading (the proposal's page shows them as a table, and the round on
    the record keeps them exact)."""
    w = cycle.workplace(council_id)
    labels = {t.id: ", ".join(economy.label(p) for p in t.outputs) for t in economy.techniques}
    lines = [
        f"The plan of round {len(cycle.rounds) + 1} asks this workplace ({w.group}) to run "
        "its techniques at these levels, year by year (1 = the base year's level):",
        "",
    ]
    for tech, levels in targets.items():
        base, _sep, investment = tech.partition("+inv")
        name = labels.get(base, base)
        if investment:
            name += f", the capacity added by investment proposal {investment}"
        lines.append(
            f"- {name} ({base}): "
            + ", ".join(f"{float(v):.3f}" for v in levels)
            + f"; declared capacity {w.capacity.get(base, '-')}"
        )
    lines += [
        "",
        "Fulfilment of the plan ray by year: "
        + ", ".join(f"{float(f):.4f}" for f in fulfilment)
        + ".",
        "",
        "Vote yes to accept. To contest, open a target review with a counter-proposal "
        "(revised capacities) and adopt it.",
    ]
    return "\n".join(lines)


def plan_round(
    uow: UnitOfWork,
    *,
    cycle_id: int,
    base: Economy,
    by: int,
    now: datetime,
    solve: PlanSolver = solve_each,
) -> Round:
    """Compute the plan for the next round (the convenor) and open a target review in every
    workplace council. The round's plans (the replan, and after a round with contests the
    previous round again and once per contest) are solved as one batch by ``solve``."""
    cycle = get_cycle(uow, cycle_id, for_update=True)
    require_convenor(uow, get_council(uow, cycle.congress_id), by)
    if cycle.stage is not CycleStage.REVIEW:
        raise WrongStage(
            msg(
                "the cycle is in %(stage)s: a plan is computed in review",
                stage=CYCLE_STAGE_NAMES[cycle.stage],
            )
        )
    if base.years != cycle.years:
        raise CouncilError(
            msg(
                "the economy covers %(economy)s years, the cycle %(cycle)s",
                economy=base.years,
                cycle=cycle.years,
            )
        )
    previous = cycle.rounds[-1] if cycle.rounds else None
    batch: list[Mapping[str, Any]] = []
    if previous is not None:
        if not cycle.settled():
            raise WrongStage(msg("some councils have not answered their targets yet"))
        if cycle.all_accepted():
            raise WrongStage(msg("every target was accepted: put the plan to the congress"))
        before_inputs = _inputs(cycle, adopted_investments(uow, cycle))
        batch = [before_inputs, *_alone(cycle, before_inputs, previous)]
        cycle.apply_counters()
    investments = adopted_investments(uow, cycle)
    inputs = _inputs(cycle, investments)
    *earlier, plan = solve([_economy(base, cycle, i) for i in [*batch, inputs]])
    effects: dict[str, Any] = {}
    if previous is not None:
        effects = _effects(cycle, earlier[0], earlier[1:], previous)
    fulfilment = [repr(float(f)) for f in plan.fulfilment]
    targets = _targets(cycle, plan)
    new = Round(len(cycle.rounds) + 1, fulfilment, targets, reviews={})
    for w in cycle.workplaces:
        council = get_council(uow, w.council_id)
        total = sum(Decimal(v) for vs in targets[w.council_id].values() for v in vs)
        proposal = Proposal(
            council_id=council.id,
            kind=ProposalKind.TARGET_REVIEW,
            title=f"Our target in round {new.number} of {cycle.title}",
            author_id=by,
            rule=council.rule_for(ProposalKind.TARGET_REVIEW),
            created_at=now,
            details={
                "product": w.group,
                "target": str(max(total, Decimal("1e-9"))),
                "cycle": cycle.id,
                "round": new.number,
            },
        )
        proposal.write(
            _review_text(cycle, council.id, targets[w.council_id], fulfilment, base),
            by=by,
            now=now,
        )
        proposal.open_discussion(now=now)
        uow.proposals.add(proposal)
        record_opened(uow, proposal)
        new.reviews[council.id] = proposal.id
    cycle.start_round(new)
    # The round's record index is this entry's own: the projection fills it in.
    step = _step(cycle, by=by, now=now)
    rest: dict[str, Any] = {
        "round": new.number,
        "inputs": inputs,
        "fulfilment": fulfilment,
        "targets": {str(k): v for k, v in targets.items()},
        "digest": digest(targets, fulfilment),
        "effects": effects,
        "reviews": {str(k): v for k, v in new.reviews.items()},
        "certificate": _certificate(plan),
    }
    # What the entry holds beside the proof (the cycle's state holds every round's targets).
    used = len(json.dumps([step["state"], rest], default=str))
    room = MAX_ENTRY_BYTES - used - PROOF_MARGIN
    new.record_index = record_one(uow, RoundPlanned(**step, **rest, proof=_proof(plan, room=room)))
    uow.cycles.save(cycle)
    return new


def _certificate(plan: Plan) -> dict[str, Any]:
    """What the record keeps of a plan's certificate: the bounds, the gap and the largest
    violation as ``repr`` text (exact, and an infinite bound stays readable), whether its
    bound may be looser (competing techniques) and whether it was accepted."""
    found = plan.certificate.to_dict()
    kept: dict[str, Any] = {
        k: repr(float(found[k])) for k in ("lower_bound", "upper_bound", "gap", "max_violation")
    }
    kept.update(looser=bool(found["looser"]), accepted=bool(found["accepted"]))
    return kept


def _proof(plan: Plan, *, room: int) -> dict[str, str] | None:
    """What the record keeps of a plan so that anyone can check it (:mod:`rada.planning.proof`),
    or None where its certificate proves no finite bound (its prices are then not
    dual-feasible, and prove nothing) or the proof would pass :data:`MAX_PROOF_BYTES` or the
    ``room`` its entry has left."""
    if not np.isfinite(plan.certificate.upper_bound):
        return None
    proven = proof_of(plan)
    # Checked before it is recorded (milliseconds): a simplex plan's own figures meet their
    # rows only to HiGHS's tolerance, and a proof that would not hold is left out, never
    # recorded as evidence against an honest round.
    checked = check_proof(plan.structure, proven)
    if not checked.holds or _claims(_certificate(plan), checked):
        return None
    proof = encode_proof(proven)
    size = sum(len(k) + len(v) + 6 for k, v in proof.items())
    return proof if size <= min(MAX_PROOF_BYTES, room) else None


def _counters(uow: UnitOfWork, cycle: Cycle, council_id: int) -> list[Proposal]:
    """The council's counter-proposals in the current round that name only its own
    techniques (another is no counter to this cycle's targets), oldest first."""
    current = cycle.current
    techniques = set(cycle.workplace(council_id).capacity)
    found = []
    for p in uow.proposals.for_council(council_id):
        counter = p.details.get("counter")
        if (
            p.kind is ProposalKind.TARGET_REVIEW
            and p.details.get("cycle") == cycle.id
            and p.details.get("round") == current.number
            and isinstance(counter, dict)
            and _valid_counter(counter.get("capacity", {}), techniques)
        ):
            found.append(p)
    return sorted(found, key=lambda p: p.id)


def open_counters(uow: UnitOfWork, cycle: Cycle, council_id: int) -> list[Proposal]:
    """The council's counter-proposals in the current round not yet decided."""
    return [p for p in _counters(uow, cycle, council_id) if p.stage is not Stage.DECIDED]


def _valid_counter(capacity: object, techniques: set[str]) -> bool:
    if not isinstance(capacity, dict) or not set(capacity) <= techniques:
        return False
    try:
        for technique, value in capacity.items():
            check_capacity(value, technique)
    except CouncilError:
        return False
    return True


def collect_answers(uow: UnitOfWork, cycle: Cycle) -> None:
    """Read each council's answer in the current round from its decisions.

    The council's latest adopted decision on its target is its answer: an adopted
    counter-proposal contests (with its revised capacities), an adopted review accepts. A
    council that rejected its review and has no counter-proposal left to decide contests
    without changing anything. Otherwise the answer is pending.
    """
    current = cycle.current
    for council_id, review_id in current.reviews.items():
        counters = _counters(uow, cycle, council_id)
        review = uow.proposals.get(review_id)
        decided = [p for p in (review, *counters) if p is not None and p.stage is Stage.DECIDED]
        adopted = [p for p in decided if p.outcome is Outcome.ADOPTED]
        current.counters.pop(council_id, None)
        if adopted:
            latest = max(adopted, key=lambda p: (p.decided_at or p.created_at, p.id))
            if latest.id == review_id:
                cycle.answer(council_id, Review.ACCEPTED, None)
            else:
                capacity = latest.details["counter"].get("capacity", {})
                cycle.answer(council_id, Review.CONTESTED, capacity)
        elif (
            review is not None
            and review.stage is Stage.DECIDED
            and all(p.stage is Stage.DECIDED for p in counters)
        ):
            cycle.answer(council_id, Review.CONTESTED, None)
        else:
            current.answers[council_id] = Review.PENDING


def advance(
    uow: UnitOfWork,
    *,
    cycle_id: int,
    base: Economy,
    by: int,
    now: datetime,
    solve: PlanSolver = solve_each,
) -> Cycle:
    """After a round's reviews are decided (the convenor): replan with the contests (the
    plans solved by ``solve``, as in :func:`plan_round`), or, when every target is accepted
    or the round limit is reached, put the plan to the congress."""
    cycle = get_cycle(uow, cycle_id, for_update=True)
    congress = get_council(uow, cycle.congress_id)
    require_convenor(uow, congress, by)
    if cycle.stage is not CycleStage.REVIEW:
        raise WrongStage(
            msg("the cycle is in %(stage)s, not review", stage=CYCLE_STAGE_NAMES[cycle.stage])
        )
    collect_answers(uow, cycle)
    pending = [c for c, a in cycle.current.answers.items() if a is Review.PENDING]
    if pending:
        raise WrongStage(
            nmsg(
                "%(n)s council has not decided on its target",
                "%(n)s councils have not decided on their targets",
                len(pending),
            ),
            hint=msg("each review, and any counter-proposal, must be decided first"),
        )
    answers = {str(c): a.value for c, a in cycle.current.answers.items()}
    record_one(
        uow,
        RoundReviewed(
            **_step(cycle, by=by, now=now),
            round=cycle.current.number,
            answers=answers,
            counters={str(k): v for k, v in cycle.current.counters.items()},
        ),
    )
    uow.cycles.save(cycle)
    if cycle.all_accepted() or len(cycle.rounds) >= cycle.round_limit:
        current = cycle.current
        adoption = Proposal(
            council_id=congress.id,
            kind=ProposalKind.PLAN_ADOPTION,
            title=f"Adopt the plan of {cycle.title}",
            author_id=by,
            rule=congress.rule_for(ProposalKind.PLAN_ADOPTION),
            created_at=now,
            details={
                "plan": digest(current.targets, current.fulfilment),
                "cycle": cycle.id,
                "round": current.number,
            },
        )
        contested = sum(a is Review.CONTESTED for a in current.answers.values())
        adoption.write(
            f"The plan of round {current.number}: fulfilment by year "
            + ", ".join(f"{float(f):.4f}" for f in current.fulfilment)
            + f". {len(current.answers) - contested} targets accepted, {contested} contested.",
            by=by,
            now=now,
        )
        adoption.open_discussion(now=now)
        uow.proposals.add(adoption)
        record_opened(uow, adoption)
        cycle.to_adoption(adoption.id)
        record_one(
            uow,
            AdoptionProposed(
                **_step(cycle, by=by, now=now, links=(adoption.record_index,)),
                round=current.number,
                proposal=adoption.id,
            ),
        )
        uow.cycles.save(cycle)
        return cycle
    uow.cycles.save(cycle)
    plan_round(uow, cycle_id=cycle.id, base=base, by=by, now=now, solve=solve)
    return get_cycle(uow, cycle.id)


def conclude(uow: UnitOfWork, *, cycle_id: int, by: int, now: datetime) -> Cycle:
    """Once the congress has decided the adoption proposal, close the cycle."""
    cycle = get_cycle(uow, cycle_id, for_update=True)
    require_convenor(uow, get_council(uow, cycle.congress_id), by)
    if cycle.adoption is None:
        raise WrongStage(msg("the plan has not been put to the congress yet"))
    proposal = uow.proposals.get(cycle.adoption)
    if proposal is None or proposal.stage is not Stage.DECIDED:
        raise WrongStage(msg("the congress has not decided on the plan yet"))
    adopted = proposal.outcome is Outcome.ADOPTED
    cycle.conclude(adopted)
    current = cycle.current
    concluded = PlanAdopted if adopted else PlanNotAdopted
    record_one(
        uow,
        concluded(
            **_step(cycle, by=by, now=now),
            round=current.number,
            digest=digest(current.targets, current.fulfilment),
            proposal=proposal.id,
        ),
    )
    uow.cycles.save(cycle)
    return cycle


@dataclass(frozen=True)
class RoundReplayed:
    """What replaying one round found: whether its entry holds a proof (``proof_recorded``),
    what the proof proves (``checked``; None where there is none or it cannot be read),
    whether solving the round again gave exactly the recorded plan (None where it was not
    solved again) and whether it had to (``auto`` solves it by a path that does not depend
    on the clock: primal simplex, or the closed form), and what is wrong with it."""

    round: int
    checked: Checked | None
    reproduced: bool | None
    reproducible: bool | None
    problems: tuple[str, ...]
    proof_recorded: bool = False

    @property
    def ok(self) -> bool:
        """Whether the round is what the record says: nothing wrong, and either its proof
        holds or it was solved again to exactly the recorded plan."""
        return not self.problems and (self.checked is not None or bool(self.reproduced))


@dataclass(frozen=True)
class Replayed:
    """What replaying a cycle from the record found."""

    rounds: int
    #: The rounds solved again to exactly the recorded plan.
    matching: int
    adopted_digest: str | None
    mismatches: tuple[str, ...]
    #: The rounds whose recorded proof holds.
    verified: int = 0
    each: tuple[RoundReplayed, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every round is what the record says (its proof holds, or it recomputes to
        exactly the recorded plan) and the adopted plan is one of them."""
        checked = len(self.each) == self.rounds and all(r.ok for r in self.each)
        return checked and not self.mismatches


def _round_digest(
    economy: Economy,
    activity: FloatArray,
    fulfilment: FloatArray,
    recorded: Mapping[int, Mapping[str, Any]],
) -> str:
    """The digest of the recorded councils' targets and the fulfilment, read from a plan's
    ``activity`` and ``fulfilment``."""
    index = economy.technique_index
    targets = {
        council: {
            t: [repr(float(activity[y, index[t]])) for y in range(economy.years)] for t in techs
        }
        for council, techs in recorded.items()
    }
    return digest(targets, [repr(float(f)) for f in fulfilment])


@dataclass
class _Expected:
    """What the cycle's earlier entries say a round's entry must hold: its workplaces and
    their techniques (``cycle-opened``), the weights (``priorities-closed``), the capacities
    as declared and as each review's counter-proposals changed them (``reviewed``), and the
    round's number."""

    groups: dict[str, tuple[str, ...]]
    workplaces: dict[int, frozenset[str]]
    capacity: dict[str, str]
    weights: dict[str, str] | None = None
    round: int = 1

    @classmethod
    def opened(cls, body: Mapping[str, Any]) -> _Expected:
        places = [Workplace.from_dict(w) for w in body["workplaces"]]
        return cls(
            groups={str(g): tuple(str(p) for p in ps) for g, ps in body["groups"].items()},
            workplaces={w.council_id: frozenset(w.capacity) for w in places},
            capacity={t: str(c) for w in places for t, c in w.capacity.items()},
        )

    def reviewed(self, body: Mapping[str, Any]) -> None:
        """Carry a review's counter-proposals into the capacities, as the engine does."""
        for council, changes in body["counters"].items():
            own = self.workplaces.get(int(council), frozenset())
            self.capacity.update({t: str(c) for t, c in changes.items() if t in own})

    def problems(self, body: Mapping[str, Any], economy: Economy) -> list[str]:
        """Where a ``planned`` entry departs from what the entries before it say."""
        found = []
        if int(body["round"]) != self.round:
            found.append(f"it is numbered {body['round']!r} where round {self.round} is due")
        inputs = body["inputs"]
        if self.weights is None:
            found.append("it was planned before the priorities closed")
        elif dict(inputs["weights"]) != self.weights:
            found.append("its weights are not those the priorities closed with")
        if dict(inputs["capacity"]) != self.capacity:
            found.append("its capacities are not those declared and carried by the reviews")
        index = economy.technique_index
        wanted = {
            council: sorted(t for t in index if t.split("+inv")[0] in own)
            for council, own in self.workplaces.items()
        }
        recorded = {int(k): sorted(v) for k, v in body["targets"].items()}
        if recorded != wanted:
            found.append("its targets are not one per technique of every workplace council")
        return found


def _check_round(
    body: Mapping[str, Any], economy: Economy, *, resolve: bool, solve: PlanSolver
) -> RoundReplayed:
    """Replay one ``planned`` entry ``body`` in the economy its inputs give."""
    number = int(body["round"])
    recorded = {int(k): v for k, v in body["targets"].items()}
    problems: list[str] = []
    if body["digest"] != digest(recorded, body["fulfilment"]):
        problems.append("its digest is not that of its targets and fulfilment")
    for council, techs in recorded.items():
        if set(techs) - set(economy.technique_index):
            problems.append(f"council {council}'s targets name techniques the economy lacks")
            return RoundReplayed(number, None, None, None, tuple(problems))
    checked: Checked | None = None
    has_proof = body.get("proof") is not None
    if has_proof:
        s = compile_economy(economy)
        try:
            proof = decode_proof(s, body["proof"])
        except PlanningError as exc:
            problems.append(f"its proof cannot be read: {exc}")
        else:
            checked = check_proof(s, proof)
            if not checked.holds:
                problems.append(
                    f"its proof does not hold: the plan breaks a constraint by "
                    f"{checked.plan_violation:.3g} and the prices a dual constraint by "
                    f"{checked.price_violation:.3g} (relative), and the plan reaches "
                    f"{checked.lower_bound!r} where the prices allow {checked.upper_bound!r}"
                )
            if _round_digest(economy, proof.activity, proof.fulfilment, recorded) != body["digest"]:
                problems.append("its targets and fulfilment are not those of the plan it proves")
            problems += _claims(body.get("certificate"), checked)
    reproduced = reproducible = None
    if resolve:
        (plan,) = solve([economy])
        found = _round_digest(economy, plan.activity, plan.fulfilment, recorded)
        reproduced = found == body["digest"]
        reproducible = plan.iterations == 0 or choose_solver(plan.structure) == "primal"
        if not reproduced and (reproducible or not has_proof):
            problems.append("it recomputes to another plan")
        elif not reproduced and checked is not None and checked.holds:
            problems += _as_good(checked, plan)
    elif not has_proof:
        problems.append("it has no proof on the record, and was not solved again")
    return RoundReplayed(
        number, checked, reproduced, reproducible, tuple(problems), proof_recorded=has_proof
    )


def _as_good(checked: Checked, plan: Plan) -> list[str]:
    """Where a proven plan falls short of the one solving again found: each is within the gap
    ``auto`` asks at this size of the best (:func:`~rada.planning.optimal.auto_gap`), so the
    recorded plan reaches at least ``1 - 2 * gap`` of any upper bound the new one proves."""
    aim = auto_gap(plan.structure, DEFAULT_GAP)
    least = (1.0 - 2.0 * aim) * plan.certificate.upper_bound
    if checked.lower_bound >= least - PROOF_BOUND_RTOL * max(1.0, abs(least)):
        return []
    return [
        f"its plan reaches {checked.lower_bound!r}, where solving again proves the best is "
        f"at most {plan.certificate.upper_bound!r}: further below it than twice the gap "
        f"auto asks ({aim:g}) allows"
    ]


def _claims(claim: Mapping[str, Any] | None, checked: Checked) -> list[str]:
    """Where a round's recorded certificate claims other bounds, or another gap, than its
    proof proves: the upper bound must be the proof's, the lower bound no more than the
    proven plan reaches (the certificate's repaired plan may reach less), and the gap the
    one between them. A claim that is not a number is a false claim."""
    if not claim:
        return []
    try:
        upper, lower, gap = (float(claim[k]) for k in ("upper_bound", "lower_bound", "gap"))
    except (KeyError, TypeError, ValueError):
        return ["its certificate's bounds and gap are not numbers"]
    slack = PROOF_BOUND_RTOL * max(1.0, abs(checked.upper_bound))
    scale = max(abs(lower), abs(upper))
    own = max(0.0, upper - lower) / scale if scale > 0 else 0.0
    holds = (
        abs(upper - checked.upper_bound) <= slack
        and lower <= checked.lower_bound + slack
        and abs(gap - own) <= PROOF_BOUND_RTOL
    )
    if holds:
        return []
    return [
        f"its certificate claims bounds {lower!r} to {upper!r} and a gap of {gap!r}; its proof "
        f"proves {checked.lower_bound!r} to {checked.upper_bound!r}"
    ]


#: What an entry of the wrong shape raises as it is read.
_MALFORMED = (
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    ArithmeticError,
    CouncilError,
    PlanningError,
)


def replay(
    entries: Iterable[Entry],
    base: Economy,
    *,
    cycle_id: int,
    resolve: bool = True,
    solve: PlanSolver = solve_each,
) -> Replayed:
    """Check every round of a cycle from its record entries and the base economy.

    Each ``planned`` entry must hold what the entries before it say: the next round's
    number, the weights the priorities closed with, the capacities the workplaces declared
    as the reviews' counter-proposals changed them, and a target for every technique of
    every workplace council. Its economy is rebuilt from the base economy and those inputs
    (with the adopted investments it names). Where it holds a proof
    (:mod:`rada.planning.proof`), the proof is checked against that economy: the plan meets
    every constraint, its prices every dual constraint, the recorded targets and fulfilment
    are the plan's, and the recorded certificate claims what the proof proves. Unless
    ``resolve`` is false, the round is also solved again by ``solve``: it must give exactly
    the recorded plan (same digest) where ``auto`` solves it by a path the clock does not
    steer, and where the round has no proof. Past that size (first-order methods) another
    plan of the same certified quality is what solving again finds, and the proof is what
    stands. The ``adopted`` entry must name the digest of a round that checks out. An entry
    of the wrong shape is named, never raised.
    """
    expected: _Expected | None = None
    rounds = 0
    each: list[RoundReplayed] = []
    mismatches: list[str] = []
    digests: set[str] = set()
    adopted: str | None = None
    for e in entries:
        if e.kind is not EntryKind.PLAN or e.body.get("cycle") != cycle_id:
            continue
        event = e.body.get("event")
        try:
            if event == "cycle-opened":
                expected = _Expected.opened(e.body)
            elif expected is None:
                mismatches.append(f"a {event!r} entry comes before the cycle was opened")
            elif event == "priorities-closed":
                expected.weights = {str(g): str(w) for g, w in e.body["weights"].items()}
            elif event == "reviewed":
                expected.reviewed(e.body)
            elif event == "planned":
                rounds += 1
                inputs = e.body["inputs"]
                economy = build_economy(
                    base,
                    groups=expected.groups,
                    weights=inputs["weights"],
                    capacity=inputs["capacity"],
                    investments=inputs["investments"],
                )
                found = _check_round(e.body, economy, resolve=resolve, solve=solve)
                found = replace(
                    found, problems=(*expected.problems(e.body, economy), *found.problems)
                )
                expected.round += 1
                each.append(found)
                mismatches += [f"round {found.round}: {problem}" for problem in found.problems]
                if found.ok:
                    digests.add(e.body["digest"])
            elif event == "adopted":
                adopted = e.body["digest"]
                if not isinstance(adopted, str):
                    raise TypeError(f"its digest is {adopted!r}, not text")
                if adopted not in digests:
                    mismatches.append("the adopted plan is none of the rounds that check out")
        except _MALFORMED as exc:
            # A record no version of Rada writes: named, and the cycle does not check out.
            mismatches.append(
                f"its {event!r} entry (round {e.body.get('round')!r}) cannot be read: "
                f"{type(exc).__name__}: {exc}"
            )
    return Replayed(
        rounds,
        sum(bool(r.reproduced) for r in each),
        adopted,
        tuple(mismatches),
        verified=sum(r.checked is not None and r.checked.holds for r in each),
        each=tuple(each),
    )


@dataclass(frozen=True)
class Steps:
    """What the congress's convenor can do next in a cycle: for each step, None when it can
    be taken now, else the reason why not."""

    close_priorities: Message | None
    replan: Message | None
    put_to_vote: Message | None
    conclude: Message | None


def convenor_steps(uow: UnitOfWork, cycle: Cycle) -> Steps:
    """Which of the convenor's steps are possible now, and why the others are not (the
    cycle's answers as read by :func:`get_cycle`)."""
    put: Message | None = msg("the plan has been put to the congress")
    conclude: Message | None = msg("the plan has not been put to the congress yet")
    if cycle.stage is CycleStage.PRIORITIES:
        closing = None if cycle.points else msg("nobody has given points yet")
        waiting = msg("the delegates are still setting the priorities")
        return Steps(closing, waiting, waiting, conclude)
    closed = msg("the priorities are closed")
    if cycle.stage is not CycleStage.REVIEW:
        if cycle.stage is CycleStage.ADOPTION:
            proposal = uow.proposals.get(cycle.adoption) if cycle.adoption else None
            decided = proposal is not None and proposal.stage is Stage.DECIDED
            conclude = None if decided else msg("the congress has not decided on the plan yet")
        else:
            conclude = msg("the cycle is concluded")
        return Steps(closed, put, put, conclude)
    if not cycle.rounds:
        return Steps(closed, None, msg("no plan has been computed in this cycle yet"), conclude)
    answers = cycle.current.answers.values()
    pending = sum(a is Review.PENDING for a in answers)
    if pending:
        waiting = nmsg(
            "%(n)s council has not decided on its target",
            "%(n)s councils have not decided on their targets",
            pending,
        )
        return Steps(closed, waiting, waiting, conclude)
    contested = sum(a is Review.CONTESTED for a in answers)
    at_limit = len(cycle.rounds) >= cycle.round_limit
    replan: Message | None = None
    put = None
    if not contested:
        replan = msg("every target was accepted: put the plan to the congress")
    elif at_limit:
        replan = nmsg(
            "the congress allowed %(n)s round",
            "the congress allowed %(n)s rounds",
            cycle.round_limit,
        )
    else:
        put = nmsg(
            "%(n)s council contested its target: replan first",
            "%(n)s councils contested their targets: replan first",
            contested,
        )
    return Steps(closed, replan, put, conclude)


def round_entry(uow: UnitOfWork, round_: Round) -> Mapping[str, Any] | None:
    """The ``planned`` entry of a round as the record holds it (its inputs, its certificate),
    or None when it is not readable (redacted)."""
    if round_.record_index is None:
        return None
    entry = uow.record.read(round_.record_index)
    if entry is None or entry.body.get("event") != "planned":
        return None
    return entry.body


def horizon(economy: Economy, years: int) -> Economy:
    """``economy`` over its first ``years`` years (targets, commitments and supplies cut)."""
    if years == economy.years:
        return economy
    if years > economy.years:
        raise CouncilError(
            msg(
                "the economy covers %(economy)s years, the cycle %(cycle)s",
                economy=economy.years,
                cycle=years,
            )
        )
    return replace(
        economy,
        years=years,
        targets={p: v[:years] for p, v in economy.targets.items()},
        committed={p: v[:years] for p, v in economy.committed.items()},
        supply={r: v[:years] for r, v in economy.supply.items()},
    )


@dataclass(frozen=True)
class Bottleneck:
    """A binding constraint of a round's plan in one year, with its part in holding the
    targets back (its contributions to the binding targets' shadow prices, summed)."""

    year: int
    kind: str
    name: str
    label: str
    used: float
    limit: float
    weight: float
    council: int | None = None
    group: str | None = None
    #: For a capacity: the target of the technique's products this year, as a multiple of
    #: their base year's final demand.
    target_growth: float | None = None


@dataclass(frozen=True)
class Comparison:
    """A round's plan next to the plan of the base economy alone (the plan page's), and the
    plans with one of the two differences each, so that each difference's part shows."""

    base: list[float]
    cycle: list[float]
    targets_only: list[float]
    capacities_only: list[float]
    labour_used: list[float]
    labour_supply: list[float]
    labour_price: list[float]
    #: Each product group's weight and its share of the base year's final demand.
    groups: dict[str, tuple[float, float]]
    bottlenecks: list[Bottleneck]


def compare_round(
    base: Economy, cycle: Cycle, inputs: Mapping[str, Any], *, solve: PlanSolver = solve_each
) -> Comparison:
    """Plan a round from its recorded inputs and compare it with the base economy's plan.

    The cycle changes two things: the targets (the congress's weights share out the growth)
    and the limits (the declared capacities and adopted investments). Planning with each
    change alone says which of them holds fulfilment back; :func:`rada.planning.explain`'s
    causes say which constraint.
    """
    no_weights: dict[str, str] = {}
    plan, alone, targets_only, capacities_only = solve(
        [
            _economy(base, cycle, inputs),
            base,
            _economy(base, cycle, {**inputs, "capacity": {}, "investments": []}),
            _economy(base, cycle, {**inputs, "weights": no_weights}),
        ]
    )
    economy = plan.economy
    first = {p: v[0] for p, v in base.targets.items()}
    total = sum(first.values()) or 1.0
    groups = {
        g: (
            float(Fraction(cycle.weights.get(g, "0"))),
            sum(first.get(p, 0.0) for p in products) / total,
        )
        for g, products in cycle.groups.items()
    }
    owner = {t: w for w in cycle.workplaces for t in w.capacity}
    weight: dict[tuple[int, str, str], float] = {}
    found: dict[tuple[int, str, str], Constraint] = {}
    for item in explain_plan(plan).products:
        for cause in item.causes:
            c = cause.constraint
            key: tuple[int, str, str] = (c.year, c.kind, c.name)
            weight[key] = weight.get(key, 0.0) + cause.contribution
            found[key] = c
    bottlenecks = []
    for key, c in found.items():
        year, kind, name = key
        label, council, group, growth = name, None, None, None
        if kind == "capacity":
            tech = economy.techniques[economy.technique_index[name]]
            label = tech.workplace or tech.id
            home = owner.get(name.split("+inv")[0])
            council, group = (home.council_id, home.group) if home else (None, None)
            made = [p for p in tech.outputs if first.get(p)]
            if made:
                growth = sum(economy.targets[p][year - 1] for p in made) / sum(
                    first[p] for p in made
                )
        elif kind == "resource":
            label = economy.resources[economy.resource_index[name]].name or name
        bottlenecks.append(
            Bottleneck(
                year, kind, name, label, c.used, c.limit, weight[key], council, group, growth
            )
        )
    bottlenecks.sort(key=lambda b: (b.year, -b.weight))
    return Comparison(
        base=[float(f) for f in alone.fulfilment],
        cycle=[float(f) for f in plan.fulfilment],
        targets_only=[float(f) for f in targets_only.fulfilment],
        capacities_only=[float(f) for f in capacities_only.fulfilment],
        labour_used=[float(v) for v in plan.labour_used],
        labour_supply=[float(v) for v in plan.labour_supply],
        labour_price=[
            float(v) for v in plan.resource_prices[:, economy.resource_index[economy.labour]]
        ],
        groups=groups,
        bottlenecks=bottlenecks,
    )
