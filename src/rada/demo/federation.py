"""The demo federation: a whole economy's councils, built from the UK 2010 table.

A workplace council per product group with generated members; two federations (industry and
services), which invited the workplaces (each agreed by its own vote), of delegates elected by
the workplaces; a congress of delegates elected by the
federations; a manager elected by STV; a union's participatory budget decided by Equal Shares;
a few discussions; and a planning cycle part-way through its first round of review. Everything
is made through the use cases, with times in the past, so the record holds it all.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rada.councils.orders import CouncilKind, ProposalKind
from rada.planning.economy import Economy
from rada.services import accounts, discussion
from rada.services import councils as cs
from rada.services import planning_cycle as pc
from rada.services import proposals as ps
from rada.services.notifying import settings_of
from rada.services.ports import UnitOfWork

PASSWORD = "demo-password"
INDUSTRY = ("agriculture", "mining", "manufacturing", "energy", "water-and-waste", "construction")
_FIRST = ("Alena", "Bohdan", "Cyril", "Dana", "Emil", "Fatima", "Gustav", "Hana", "Ivan",
          "Jana", "Karel", "Lenka", "Milan", "Nora", "Ota", "Petra", "Radek", "Sára", "Tomáš",
          "Věra", "Zdeněk", "Olga", "Ludvík", "Marta")  # fmt: skip
# Each surname in its two forms: Czech surnames agree with the person (Novák, Nováková).
_LAST = (("Novák", "Nováková"), ("Svoboda", "Svobodová"), ("Dvořák", "Dvořáková"),
         ("Černý", "Černá"), ("Procházka", "Procházková"), ("Kučera", "Kučerová"),
         ("Veselý", "Veselá"), ("Horák", "Horáková"), ("Němec", "Němcová"),
         ("Marek", "Marková"), ("Pokorný", "Pokorná"), ("Jelínek", "Jelínková"))  # fmt: skip
_WOMEN = frozenset({"Alena", "Dana", "Fatima", "Hana", "Jana", "Lenka", "Nora", "Petra", "Sára",
                    "Věra", "Olga", "Marta"})  # fmt: skip


@dataclass
class Demo:
    """What was built: the accounts to sign in with, and where things are."""

    accounts: list[tuple[str, str]] = field(default_factory=list)  # (e-mail, what they are)
    congress: str = "congress"
    cycle: int = 0
    councils: dict[str, int] = field(default_factory=dict)
    people: dict[str, list[int]] = field(default_factory=dict)
    emails: dict[int, str] = field(default_factory=dict)


def _people(uow: UnitOfWork, demo: Demo, n: int, at: datetime, start: int) -> list[int]:
    out = []
    for i in range(start, start + n):
        first = _FIRST[i % len(_FIRST)]
        last = _LAST[(i * 7 + i // len(_FIRST)) % len(_LAST)][first in _WOMEN]
        name = f"{first} {last}"
        person = accounts.register(
            uow, name=name, email=f"member{i}@demo.rada", password=PASSWORD, now=at
        )
        # Confirmed from the start, so that the demo's notices show as mail in its outbox.
        settings = settings_of(uow, person.id)
        settings.verified_at = at
        uow.settings.save(settings)
        demo.emails[person.id] = person.email
        out.append(person.id)
    return out


def _vote_all(
    uow: UnitOfWork,
    proposal: int,
    choices: Mapping[int, Mapping[str, Any]],
    *,
    convenor: int,
    at: datetime,
    close: bool = True,
) -> None:
    ps.open_voting(uow, proposal_id=proposal, by=convenor, now=at)
    for person, choice in choices.items():
        ps.cast_vote(uow, proposal_id=proposal, by=person, choice=choice, now=at)
    if close:
        ps.close_vote(uow, proposal_id=proposal, by=convenor, now=at)


def join_by_consent(
    uow: UnitOfWork,
    *,
    federation: int,
    member: int,
    by: int,
    voters: Sequence[int],
    convenor: int,
    at: datetime,
    delegates: int = 1,
) -> datetime:
    """A federation's convenor (``by``) invites a council, whose ``voters`` all say yes once
    its standing orders allow the vote (opened and closed by its ``convenor``). Returns when
    the council joined."""
    proposal = ps.propose_affiliation(
        uow, federation=federation, member=member, by=by, now=at, delegates=delegates
    )
    decided = at + timedelta(hours=proposal.rule.discussion_hours)
    _vote_all(
        uow,
        proposal.id,
        {person: {"position": "yes"} for person in voters},
        convenor=convenor,
        at=decided,
    )
    return decided


def _elect(
    uow: UnitOfWork,
    council: int,
    *,
    to: int | None,
    candidates: Sequence[int],
    voters: Sequence[int],
    seats: int,
    convenor: int,
    at: datetime,
    rng: random.Random,
    proposer: int | None = None,
) -> None:
    details: dict[str, object] = (
        {"post": "delegate", "to_council": to} if to else {"post": "manager"}
    )
    title = "Elect our delegates" if to else "Elect the manager"
    election = ps.open_proposal(
        uow,
        council=council,
        kind=ProposalKind.APPOINTMENT,
        title=title,
        text="Stand, state your platform, and rank.",
        by=proposer or convenor,
        now=at,
        details=details,
        candidates=list(candidates),
        seats=seats,
    )
    keys = [f"p{c}" for c in candidates]
    ballots = {v: {"ranking": rng.sample(keys, k=rng.randint(1, len(keys)))} for v in voters}
    _vote_all(uow, election.id, ballots, convenor=convenor, at=at + timedelta(hours=48))


def build(
    uow: UnitOfWork,
    economy: Economy,
    *,
    now: datetime,
    members: int = 5,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Demo:
    """Build the demo federation in ``uow`` (not committed: the caller commits)."""
    say = progress or (lambda _text: None)
    rng = random.Random(seed)
    demo = Demo()
    t0 = now - timedelta(days=12)
    say("accounts")
    (founder,) = _people(uow, demo, 1, t0, 0)
    demo.accounts.append((demo.emails[founder], "convenor of the congress: a vote to open"))
    congress = cs.create_council(
        uow,
        name="Congress of Councils",
        slug="congress",
        kind=CouncilKind.CONGRESS,
        founder_id=founder,
        now=t0,
        description="Adopts the plan; delegates of the federations.",
    )
    feds = {
        name: cs.create_council(
            uow,
            name=f"Federation of {name.title()}",
            slug=name,
            kind=CouncilKind.FEDERATION,
            founder_id=founder,
            now=t0,
        ).id
        for name in ("industry", "services")
    }
    groups = pc.product_groups(economy)
    next_person = 1
    say("workplace councils")
    for group in groups:
        people = _people(uow, demo, members, t0, next_person)
        next_person += members
        council = cs.create_council(
            uow,
            name=f"Workers' council: {group.replace('-', ' ')}",
            slug=group,
            kind=CouncilKind.WORKPLACE,
            founder_id=people[0],
            now=t0,
            description=f"The workplaces of the {group.replace('-', ' ')} group.",
        )
        for person in people[1:]:
            email = demo.emails[person]
            issued = cs.invite(uow, council=council.id, email=email, by=people[0], now=t0)
            cs.accept_invitation(uow, code=issued.code, person_id=person, now=t0)
        fed = feds["industry" if group in INDUSTRY else "services"]
        joined = join_by_consent(
            uow,
            federation=fed,
            member=council.id,
            by=founder,
            voters=people,
            convenor=people[0],
            at=t0,
        )
        demo.councils[group], demo.people[group] = council.id, people
    say("elections")
    t1 = joined
    for group, council_id in demo.councils.items():
        people = demo.people[group]
        fed = feds["industry" if group in INDUSTRY else "services"]
        _elect(
            uow,
            council_id,
            to=fed,
            candidates=people[1:3],
            voters=people,
            seats=1,
            convenor=people[0],
            at=t1,
            rng=rng,
        )
    t2 = t1 + timedelta(days=3)
    for fed in feds.values():
        # The federations' delegates, seated two days after t1, accept the congress's invitation.
        delegates = [m.person_id for m in uow.memberships.for_council(fed) if m.votes]
        join_by_consent(
            uow,
            federation=congress.id,
            member=fed,
            by=founder,
            voters=delegates,
            convenor=founder,
            at=t1 + timedelta(days=2),
            delegates=2,
        )
    for fed in feds.values():
        delegates = [m.person_id for m in uow.memberships.for_council(fed) if m.votes]
        _elect(
            uow,
            fed,
            to=congress.id,
            candidates=delegates[:4],
            voters=delegates,
            seats=2,
            convenor=founder,
            at=t2,
            rng=rng,
            proposer=delegates[0],
        )
    m = demo.people["manufacturing"]
    _elect(
        uow,
        demo.councils["manufacturing"],
        to=None,
        candidates=m[1:4],
        voters=m,
        seats=1,
        convenor=m[0],
        at=t2,
        rng=rng,
    )
    say("a participatory budget")
    _budget(uow, demo, founder=founder, at=t2, rng=rng)
    say("discussions")
    _discussions(uow, demo, at=t2 + timedelta(days=1), rng=rng)
    say("the planning cycle")
    _cycle(uow, demo, economy, congress=congress.id, founder=founder, now=now, rng=rng)
    say("what waits for the demo accounts")
    _waiting(uow, demo, congress=congress.id, founder=founder, now=now, rng=rng)
    return demo


def _waiting(
    uow: UnitOfWork,
    demo: Demo,
    *,
    congress: int,
    founder: int,
    now: datetime,
    rng: random.Random,
) -> None:
    """Give every account the demo names something to do at once, with items at every stage:
    a draft, discussions (one whose vote may open now), votes open now that the account has
    not cast (a motion, a secret election, a budget), and a rejected decision beside the
    adopted ones."""
    hour = timedelta(hours=1)
    seated = [ms.person_id for ms in uow.memberships.for_council(congress) if ms.votes]
    # The congress: a motion whose vote its convenor may open now, and one open to the vote
    # that the first delegate has not cast yet.
    ps.open_proposal(
        uow, council=congress, kind=ProposalKind.MOTION, by=seated[1], now=now - 30 * hour,
        title="Publish every round's plan in full",
        text="Each round's plan, with its certificate, goes to every workplace council.",
    )  # fmt: skip
    open_vote = ps.open_proposal(
        uow, council=congress, kind=ProposalKind.MOTION, by=seated[1], now=now - 72 * hour,
        title="A second round of priorities next year",
        text="The congress gives its priorities twice a year instead of once.",
    )  # fmt: skip
    _vote_all(
        uow, open_vote.id, {d: {"position": rng.choice(["yes", "no"])} for d in seated[1:3]},
        convenor=founder, at=now - 2 * hour, close=False,
    )  # fmt: skip
    demo.accounts.append((demo.emails[seated[0]], "delegate to the congress: a vote to cast"))
    # Manufacturing: a vote open now, a secret election of its delegate, and a draft.
    m = demo.people["manufacturing"]
    council = demo.councils["manufacturing"]
    motion = ps.open_proposal(
        uow, council=council, kind=ProposalKind.MOTION, by=m[1], now=now - 48 * hour,
        title="Safety training every spring",
        text="Every member takes a day of safety training each spring, paid.",
    )  # fmt: skip
    _vote_all(
        uow, motion.id, {p: {"position": "yes"} for p in m[1:3]}, convenor=m[0],
        at=now - 3 * hour, close=False,
    )  # fmt: skip
    fed = next(a.federation_id for a in uow.councils.affiliated_to(council))
    election = ps.open_proposal(
        uow, council=council, kind=ProposalKind.APPOINTMENT, by=m[0], now=now - 72 * hour,
        title="Our delegate to the federation for next year",
        text="Stand, state your platform, and rank.",
        details={"post": "delegate", "to_council": fed}, candidates=[m[1], m[3]],
    )  # fmt: skip
    _vote_all(
        uow, election.id, {m[2]: {"ranking": [f"p{m[3]}", f"p{m[1]}"]}}, convenor=m[0],
        at=now - hour, close=False,
    )  # fmt: skip
    ps.open_proposal(
        uow, council=council, kind=ProposalKind.MOTION, by=m[0], now=now - 2 * hour,
        title="Canteen open on the night shift", discuss=False,
        text="A draft: the canteen stays open until two in the morning.",
    )  # fmt: skip
    demo.accounts.append(
        (demo.emails[m[0]], "convenor, manufacturing council: votes, an election, the cycle")
    )
    # The public services union: next year's budget, open to the vote.
    public = ("education", "health-and-care", "public-administration", "arts-and-recreation")
    members = [p for g in public for p in demo.people[g]]
    projects = [
        {"key": "pool", "label": "Reopen the public swimming pool", "cost": "350"},
        {"key": "clinic-hours", "label": "Evening hours at the clinic", "cost": "150"},
        {"key": "trees", "label": "Trees along the hospital road", "cost": "90"},
        {"key": "translation", "label": "Interpreters for the town hall", "cost": "120"},
    ]
    budget = ps.open_proposal(
        uow, council=demo.councils["public-union"], kind=ProposalKind.BUDGET, by=members[0],
        now=now - 72 * hour, title="Our investment budget for 2028",
        text="Share out 500 over the projects we put forward.", details={"budget": "500"},
        projects=projects,
    )  # fmt: skip
    keys = [p["key"] for p in projects]
    _vote_all(
        uow, budget.id, {p: {"approve": rng.sample(keys, k=2)} for p in members[2:6]},
        convenor=members[0], at=now - 4 * hour, close=False,
    )  # fmt: skip
    demo.accounts.append(
        (demo.emails[members[1]], "member of the public services union: a budget to fill in")
    )
    # Energy: a motion the council rejected, beside the adopted ones.
    e = demo.people["energy"]
    rejected = ps.open_proposal(
        uow, council=demo.councils["energy"], kind=ProposalKind.MOTION, by=e[1],
        now=now - 5 * 24 * hour, title="Close the old gas plant a year early",
        text="Close it before the wind farm is ready.",
    )  # fmt: skip
    _vote_all(
        uow, rejected.id, {p: {"position": "no" if i else "yes"} for i, p in enumerate(e)},
        convenor=e[0], at=now - 4 * 24 * hour,
    )  # fmt: skip


def _budget(uow: UnitOfWork, demo: Demo, *, founder: int, at: datetime, rng: random.Random) -> None:
    public = ("education", "health-and-care", "public-administration", "arts-and-recreation")
    members = [p for g in public for p in demo.people[g]]
    union = cs.create_council(
        uow,
        name="Union of Public Service Workers",
        slug="public-union",
        kind=CouncilKind.UNION,
        founder_id=members[0],
        now=at,
    )
    for person in members[1:]:
        issued = cs.invite(uow, council=union.id, email=demo.emails[person], by=members[0], now=at)
        cs.accept_invitation(uow, code=issued.code, person_id=person, now=at)
    projects = [
        {"key": "clinic", "label": "A walk-in clinic in the north", "cost": "400"},
        {"key": "library", "label": "Longer library hours", "cost": "120"},
        {"key": "buses", "label": "Night buses to the hospitals", "cost": "250"},
        {"key": "canteen", "label": "A school canteen kitchen", "cost": "180"},
        {"key": "childcare", "label": "Childcare for shift workers", "cost": "300"},
    ]
    budget = ps.open_proposal(
        uow,
        council=union.id,
        kind=ProposalKind.BUDGET,
        title="Our investment budget for 2027",
        text="Share out 800 over the projects we put forward.",
        by=members[0],
        now=at,
        details={"budget": "800"},
        projects=projects,
    )
    keys = [p["key"] for p in projects]
    ballots = {p: {"approve": rng.sample(keys, k=rng.randint(1, 3))} for p in members}
    _vote_all(uow, budget.id, ballots, convenor=members[0], at=at + timedelta(hours=48))
    demo.councils["public-union"] = union.id


def _discussions(uow: UnitOfWork, demo: Demo, *, at: datetime, rng: random.Random) -> None:
    m = demo.people["manufacturing"]
    council = demo.councils["manufacturing"]
    motion = ps.open_proposal(
        uow,
        council=council,
        kind=ProposalKind.MOTION,
        title="A four-day week on the night shift",
        text="Night-shift workers move to four longer days, same pay.",
        by=m[1],
        now=at,
    )
    first = discussion.write_post(
        uow,
        proposal_id=motion.id,
        by=m[2],
        now=at,
        text="Longer shifts at night worry me: accidents rise.",
    )
    discussion.write_post(
        uow,
        proposal_id=motion.id,
        by=m[1],
        now=at,
        reply_to=first.id,
        text="The safety committee looked at it: breaks every two hours.",
    )
    discussion.edit_post(
        uow,
        post_id=first.id,
        by=m[2],
        now=at + timedelta(minutes=5),
        text="Longer shifts at night worry me: accidents rise after hour ten.",
    )
    discussion.write_post(
        uow,
        proposal_id=motion.id,
        by=m[3],
        now=at,
        text="I would take it tomorrow. My children see me awake again.",
    )
    e = demo.people["energy"]
    invest = ps.open_proposal(
        uow,
        council=demo.councils["energy"],
        kind=ProposalKind.INVESTMENT,
        title="A wind farm on the ridge",
        text="Build new capacity, ready in the plan's later years.",
        by=e[1],
        now=at,
        details={"cost": "900", "capacity": "0.15", "product": "35-1"},
    )
    discussion.write_post(
        uow,
        proposal_id=invest.id,
        by=e[2],
        now=at,
        text="Who maintains it? We should train two of us first.",
    )
    _vote_all(
        uow,
        invest.id,
        {p: {"position": "yes"} for p in e},
        convenor=e[0],
        at=at + timedelta(hours=24),
    )


def _cycle(
    uow: UnitOfWork,
    demo: Demo,
    economy: Economy,
    *,
    congress: int,
    founder: int,
    now: datetime,
    rng: random.Random,
) -> None:
    opened = now - timedelta(days=2)
    workplaces = {g: demo.councils[g] for g in pc.product_groups(economy)}
    cycle = pc.start_cycle(
        uow,
        congress=congress,
        economy=economy,
        title="The plan for 2027-31",
        workplaces=workplaces,
        by=founder,
        now=opened,
        round_limit=3,
    )
    groups = list(cycle.groups)
    for delegate in [ms.person_id for ms in uow.memberships.for_council(congress) if ms.votes]:
        chosen = rng.sample(groups, k=4)
        points = dict(zip(chosen, (40, 30, 20, 10), strict=True))
        pc.give_points(uow, cycle_id=cycle.id, points=points, by=delegate, now=opened)
    pc.close_priorities(uow, cycle_id=cycle.id, by=founder, now=opened)
    first = pc.plan_round(
        uow, cycle_id=cycle.id, base=economy, by=founder, now=now - timedelta(days=1)
    )
    review_at = now - timedelta(hours=6)
    for n, (council, review) in enumerate(sorted(first.reviews.items())):
        people = next(p for g, p in demo.people.items() if demo.councils[g] == council)
        if n % 3 == 0:
            _vote_all(
                uow,
                review,
                {p: {"position": "yes"} for p in people},
                convenor=people[0],
                at=review_at,
            )
        elif n % 3 == 1:
            # Voting is open: some members have voted, the rest may still.
            _vote_all(
                uow,
                review,
                {p: {"position": rng.choice(["yes", "no"])} for p in people[:2]},
                convenor=people[0],
                at=review_at,
                close=False,
            )
    m = demo.people["manufacturing"]
    techniques = sorted(
        pc.get_cycle(uow, cycle.id).workplace(demo.councils["manufacturing"]).capacity
    )
    counter = ps.open_proposal(
        uow,
        council=demo.councils["manufacturing"],
        kind=ProposalKind.TARGET_REVIEW,
        title="We contest our target: the food line is at its limit",
        text="Our machines cannot run above the base year's level without new investment.",
        by=m[1],
        now=review_at,
        details={
            "product": "manufacturing",
            "target": "1",
            "cycle": cycle.id,
            "round": 1,
            "counter": {"capacity": {techniques[0]: "1.0"}},
        },
    )
    discussion.write_post(
        uow,
        proposal_id=counter.id,
        by=m[2],
        now=review_at,
        text="Agreed. The plan asks 5% more than last year with no new line.",
    )
    demo.cycle = cycle.id
