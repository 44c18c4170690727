"""What a proposal would change, in words: the substance its page and the API show.

A proposal is its ``kind`` and a mapping of details; nobody should have to read that mapping
to know what they are deciding. :func:`proposal_substance` turns it into facts (a heading and
words, perhaps a link), warnings (a recall of someone who no longer holds the office) and, for
a target review of the planning cycle, a table of products with their targets and declared
capacities (a counter-proposal: the capacities proposed beside the old ones). Products are
named by the economy's labels, never by their bare codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_decimal
from starlette.requests import Request

from rada.councils.cycle import Round
from rada.councils.errors import CouncilError
from rada.councils.model import Council, delegate_weight
from rada.councils.orders import ProposalKind
from rada.councils.proposals import Proposal, Stage
from rada.planning.economy import Economy
from rada.services.affiliations import represented
from rada.services.ports import UnitOfWork
from rada.web.state import app_state

__all__ = [
    "Fact",
    "Labels",
    "Substance",
    "Table",
    "api_labels",
    "labels_for",
    "product_labels",
    "proposal_substance",
    "shipped_labels",
]

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Fact:
    """One thing the proposal says: a heading and its words, perhaps with a link."""

    heading: str
    text: str
    href: str | None = None


@dataclass(frozen=True)
class Table:
    """Rows of figures with their column headings; the first column names the row."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class Substance:
    """What a proposal would change: facts, warnings and perhaps a table."""

    facts: list[Fact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass(frozen=True)
class Labels:
    """Names for people of an economy's products and techniques, and links to pages."""

    products: Mapping[str, str]
    techniques: Mapping[str, str]
    record_entry: Callable[[int], str] = lambda index: f"/record?before={index + 1}"
    cycle: Callable[[int], str] = lambda cycle_id: f"/cycles/{cycle_id}"

    def product(self, code: str) -> str:
        """A product's (or a product group's) name, its code only when the table has none."""
        return self.products.get(code) or self.techniques.get(code) or code

    def technique(self, code: str) -> str:
        """A technique's name: the product it makes (an investment's copy says so)."""
        base, _sep, proposal = code.partition("+inv")
        name = self.techniques.get(base) or self.products.get(base) or base
        return f"{name} (+{proposal})" if proposal else name


def product_labels(economy: Economy) -> tuple[dict[str, str], dict[str, str]]:
    """The economy's product names and, for each technique, the name of what it makes."""
    # Labels come clean from the table readers (no control characters).
    products = {p.id: economy.label(p.id) for p in economy.products}
    techniques = {}
    for technique in economy.techniques:
        made = [products.get(p, p) for p in technique.outputs]
        techniques[technique.id] = technique.workplace or ", ".join(made) or technique.id
    return products, techniques


@cache
def shipped_labels() -> Labels:
    """Names of the products of the UK 2010 table shipped with Rada (read once)."""
    from rada.bootstrap import demo_economy  # the web may use bootstrap; loaded on first use

    return Labels(*product_labels(demo_economy(years=1)))


def api_labels(request: Request) -> Labels:
    """The labels the API names products by: the app's economy's, as on the pages (the
    shipped table's where the API runs without the pages' state)."""
    if getattr(request.app.state, "rada", None) is None:
        return shipped_labels()
    return labels_for(request)


def labels_for(request: Request) -> Labels:
    """Names of the products of the app's economy (the one the plan pages show), and links
    below the app's root."""
    products, techniques = product_labels(app_state(request).economy())
    root = str(request.scope.get("root_path", ""))
    record = root + str(request.app.url_path_for("record"))
    return Labels(
        products,
        techniques,
        record_entry=lambda index: f"{record}?before={index + 1}#entry-{index}",
        cycle=lambda cycle_id: (
            root + str(request.app.url_path_for("cycle", cycle_id=str(cycle_id)))
        ),
    )


def _number(value: object, language: str) -> str:
    """An exact amount as written for people (grouped, at most three decimals)."""
    try:
        amount = Decimal(str(value))
        # Babel rounds in the context's 28 digits: a longer amount, stored before amounts were
        # bounded, is written as it is rather than failing the page.
        return format_decimal(amount, format="#,##0.###", locale=language)
    except InvalidOperation:
        return str(value)


def proposal_substance(
    uow: UnitOfWork, proposal: Proposal, *, labels: Labels, language: str, _: Gettext
) -> Substance:
    """What ``proposal`` would change, in the reader's language."""
    council = uow.councils.get(proposal.council_id)
    if council is None or proposal.redacted:
        return Substance()
    details = proposal.details
    kind = proposal.kind
    if kind is ProposalKind.INVESTMENT:
        return _investment(details, labels, language, _)
    if kind is ProposalKind.TARGET_REVIEW:
        return _target_review(uow, proposal, labels, language, _)
    if kind in (ProposalKind.APPOINTMENT, ProposalKind.RECALL):
        return _office(uow, council, proposal, _)
    if kind is ProposalKind.REDACTION:
        entry = int(details["entry"])
        return Substance(
            [
                Fact(
                    _("Record entry"),
                    _("Entry %(n)s of the public record") % {"n": entry},
                    labels.record_entry(entry),
                ),
                Fact(_("Reason for removing it"), str(details.get("reason", ""))),
                Fact(
                    _("If adopted"),
                    _(
                        "The entry's content is removed and a tombstone takes its place; the "
                        "record still proves that an entry stood there."
                    ),
                ),
            ]
        )
    if kind is ProposalKind.BUDGET:
        projects = ", ".join(
            f"{o.label} ({_number(o.cost, language)})" for o in proposal.options if o.cost
        )
        return Substance(
            [
                Fact(_("Budget"), _number(details["budget"], language)),
                Fact(_("Projects"), projects),
            ]
        )
    if kind is ProposalKind.PLAN_ADOPTION:
        facts = [Fact(_("Plan"), str(details.get("plan", "")))]
        if "cycle" in details:
            cycle_id = int(details["cycle"])
            facts.append(
                Fact(
                    _("Planning cycle"),
                    _("Planning cycle %(n)s") % {"n": cycle_id},
                    labels.cycle(cycle_id),
                )
            )
        return Substance(facts)
    if kind in (ProposalKind.AFFILIATION, ProposalKind.DISAFFILIATION):
        return _affiliation(uow, council, proposal, _)
    return Substance()


def _investment(
    details: Mapping[str, object], labels: Labels, language: str, _: Gettext
) -> Substance:
    product = details.get("product")
    facts = [
        Fact(_("Product"), labels.product(str(product)) if product else _("Not named")),
    ]
    if product:
        facts.append(Fact(_("Technique"), labels.technique(str(product))))
    facts.append(Fact(_("Cost"), _number(details["cost"], language)))
    if "capacity" in details:
        facts.append(
            Fact(
                _("Capacity it adds"),
                _("%(capacity)s a year, in units of the base year's activity")
                % {"capacity": _number(details["capacity"], language)},
            )
        )
    else:
        facts.append(Fact(_("Capacity it adds"), _("Not given")))
    if "from_year" in details:
        arrives = _("From year %(year)s of the plan") % {"year": details["from_year"]}
    elif product and "capacity" in details:
        arrives = _(
            "Once adopted, from the planning cycle's next round: the plan must first build it"
        )
    else:
        arrives = _("Not given")
    facts.append(Fact(_("When the capacity arrives"), arrives))
    return Substance(facts)


def _target_review(
    uow: UnitOfWork, proposal: Proposal, labels: Labels, language: str, _: Gettext
) -> Substance:
    details = proposal.details
    facts = [Fact(_("Product"), labels.product(str(details["product"])))]
    counter = details.get("counter")
    if not counter:
        facts.append(Fact(_("Target"), _number(details["target"], language)))
    if "cycle" not in details:
        return Substance(facts)
    cycle = uow.cycles.get(int(details["cycle"]))
    number = int(details.get("round", 0))
    if cycle is None:
        return Substance(facts)
    facts.append(
        Fact(
            _("Planning cycle"),
            _("%(cycle)s, round %(n)s") % {"cycle": cycle.title, "n": number},
            labels.cycle(cycle.id),
        )
    )
    try:
        workplace = cycle.workplace(proposal.council_id)
    except CouncilError:  # a council no longer in the cycle: the facts will do
        return Substance(facts)
    declared = _capacity_in_round(cycle.rounds, workplace.capacity, proposal.council_id, number)
    if isinstance(counter, Mapping):
        proposed = dict(counter.get("capacity", {}))
        rows = tuple(
            (
                labels.technique(tech),
                _number(declared[tech], language) if tech in declared else "—",
                _number(value, language),
            )
            for tech, value in proposed.items()
        )
        return Substance(
            facts,
            table=Table(
                _("The capacities this counter-proposal declares, beside the old ones"),
                (_("Product"), _("Declared capacity now"), _("Capacity proposed")),
                rows,
            ),
        )
    if not 1 <= number <= len(cycle.rounds):
        return Substance(facts)
    targets = cycle.rounds[number - 1].targets.get(proposal.council_id, {})
    years = max((len(v) for v in targets.values()), default=0)
    columns = (
        _("Product"),
        *(_("Year %(n)s") % {"n": y} for y in range(1, years + 1)),
        _("Declared capacity"),
    )
    levels_rows: tuple[tuple[str, ...], ...] = tuple(
        (
            labels.technique(tech),
            *(_number(Decimal(v).quantize(Decimal("0.001")), language) for v in levels),
            _number(declared.get(tech.split("+inv")[0], "—"), language),
        )
        for tech, levels in targets.items()
    )
    return Substance(
        facts,
        table=Table(
            _(
                "The level at which the plan asks each technique to run, year by year "
                "(1 = the base year's level), and the capacity declared for it"
            ),
            columns,
            levels_rows,
        ),
    )


def _capacity_in_round(
    rounds: list[Round], current: Mapping[str, str], council_id: int, number: int
) -> dict[str, str]:
    """The capacities a council had declared when round ``number`` was planned: the current
    ones, less what counter-proposals of that round or later changed since."""
    declared = dict(current)
    for later in rounds[max(number - 1, 0) :]:
        counters = later.counters.get(council_id, {})
        for tech in counters:
            declared.pop(tech, None)
    for earlier in rounds[: max(number - 1, 0)]:
        declared.update(earlier.counters.get(council_id, {}))
    return declared


def _office(uow: UnitOfWork, council: Council, proposal: Proposal, _: Gettext) -> Substance:
    details = proposal.details
    federation = None
    if details.get("post") == "delegate":
        federation = uow.councils.get(int(details["to_council"]))
        office = _("Delegate of %(council)s to %(federation)s") % {
            "council": council.name,
            "federation": federation.name if federation else "?",
        }
    else:
        office = _("Manager of %(council)s") % {"council": council.name}
    if proposal.kind is ProposalKind.APPOINTMENT:
        return Substance(
            [
                Fact(_("Office"), office),
                Fact(_("Seats"), str(proposal.seats)),
            ]
        )
    person_id = int(details["person"])
    person = uow.people.get(person_id)
    name = person.name if person is not None else _("Person %(n)s") % {"n": person_id}
    substance = Substance(
        [
            Fact(_("Who is recalled"), name),
            Fact(_("From which office"), office),
            Fact(_("Why"), _("The reason is the proposal's text, below.")),
        ]
    )
    if proposal.stage is not Stage.DECIDED and not _holds(uow, council, details, person_id):
        substance.warnings.append(
            _("%(name)s no longer holds this office: adopting this recall would change nothing.")
            % {"name": name}
        )
    return substance


def _holds(uow: UnitOfWork, council: Council, details: Mapping[str, object], person: int) -> bool:
    """Whether the person recalled still holds the office."""
    if details.get("post") == "delegate":
        seat = uow.memberships.of(int(str(details["to_council"])), person)
        return seat is not None and seat.delegate_of == council.id
    return any(o.person_id == person for o in uow.offices.for_council(council.id))


def _affiliation(uow: UnitOfWork, council: Council, proposal: Proposal, _: Gettext) -> Substance:
    federation = uow.councils.get(int(proposal.details["federation"]))
    if federation is None:
        return Substance()
    facts = [Fact(_("Federation"), federation.name)]
    if proposal.kind is ProposalKind.DISAFFILIATION:
        facts.append(
            Fact(
                _("If adopted"),
                _("%(council)s leaves %(federation)s, and the seats of its delegates there end.")
                % {"council": council.name, "federation": federation.name},
            )
        )
        return Substance(facts)
    delegates = int(proposal.details["delegates"])
    members = represented(uow, council)
    facts += [
        Fact(_("Delegates it would send"), str(delegates)),
        Fact(
            _("Weight of each delegate's vote"),
            _(
                "%(weight)s: the %(members)s members this council represents today, shared "
                "among %(delegates)s seats and rounded up. It is taken again at each election "
                "of the delegates."
            )
            % {
                "weight": delegate_weight(members, delegates),
                "members": members,
                "delegates": delegates,
            },
        ),
        Fact(
            _("If adopted"),
            _("%(council)s joins %(federation)s and may elect its delegates there.")
            % {"council": council.name, "federation": federation.name},
        ),
    ]
    return Substance(facts)
