"""The API's request and response bodies: a family per resource (``CouncilCreate``,
``CouncilPublic``...). The domain is not the schema: each ``*Public`` is built from domain
objects by its ``of`` constructor, and e-mail addresses appear only in the owner's own view.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rada.councils.model import (
    API_TOKEN_ID_PATTERN,
    MAX_DELEGATES,
    MAX_ID,
    Affiliation,
    ApiToken,
    Council,
    Invitation,
    Membership,
    Office,
    Person,
)
from rada.councils.orders import CouncilKind, DecisionRule, Method, ProposalKind, Role
from rada.councils.proposals import Decision, Option, Outcome, Post, Proposal, Stage, Version
from rada.web.search_view import HitView
from rada.web.substance import Substance

#: An exact share: a whole number, a fraction or a short decimal (never an exponent, which
#: would let ``1e999999999`` build an enormous number).
SHARE = r"^[0-9]{1,9}(/[0-9]{1,9}|\.[0-9]{1,9})?$"

Candidate = Annotated[int, Field(ge=1, le=MAX_ID)] | Annotated[str, Field(max_length=200)]


def _check_ints(value: Any, depth: int = 0) -> None:
    """Refuse numbers the database could not hold, and absurd nesting, anywhere in a
    free-form mapping (details, choices)."""
    if depth > 20:
        raise ValueError("nested too deeply")
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
        raise ValueError(f"{value} is too large")
    if isinstance(value, dict):
        for item in value.values():
            _check_ints(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_ints(item, depth + 1)


class Body(BaseModel):
    """A request body: unknown fields are refused, so a typo is not silently ignored.

    Its bounds are generous and only stop absurd bodies before the domain sees them; the
    domain's own limits (names of 200 characters, texts of 20,000) give the precise messages.
    """

    model_config = ConfigDict(extra="forbid")


# Accounts -------------------------------------------------------------------------------


class PasswordChange(Body):
    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=1, max_length=1024)


class AccountCreate(Body):
    name: str = Field(min_length=1, max_length=500, examples=["Ana Novak"])
    email: str = Field(min_length=3, max_length=320, examples=["ana@bakery.example"])
    password: str = Field(min_length=1, max_length=1024)
    invitation: str | None = Field(
        default=None,
        max_length=200,
        description="An invitation code: the new account joins that council at once.",
    )


class SignIn(Body):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


#: A token from a mail (``secrets.token_urlsafe(32)``: 43 characters).
_MAIL_TOKEN = Field(
    min_length=1, max_length=200, description="The token the mail's link ends with."
)


class TokenFromMail(Body):
    """The token of a link sent by mail (the part of the link after its last ``/``)."""

    token: str = _MAIL_TOKEN


class ResetRequest(Body):
    email: str = Field(min_length=3, max_length=320, examples=["ana@bakery.example"])


class PasswordReset(Body):
    token: str = _MAIL_TOKEN
    password: str = Field(min_length=1, max_length=1024, description="The new password.")


class EmailChange(Body):
    email: str = Field(min_length=3, max_length=320, description="The new address.")
    password: str = Field(min_length=1, max_length=1024, description="The current password.")


class Accepted(BaseModel):
    """A request taken: what happens next, in words (the same words whatever was found)."""

    detail: str


class EmailConfirmed(BaseModel):
    """An address confirmed by the link mailed to it."""

    email: str
    verified_at: datetime


class EmailChangeRequested(BaseModel):
    """A link is on its way to the new address; the account moves when it is followed."""

    email: str = Field(description="The new address, as it will be kept.")
    expires_at: datetime = Field(description="When the link stops working.")


class TokenCreate(Body):
    name: str = Field(default="token", max_length=120, examples=["nightly export"])


class PersonPublic(BaseModel):
    """A person as anyone may see them: a name, no address."""

    id: int
    name: str

    @classmethod
    def of(cls, person: Person) -> PersonPublic:
        return cls(id=person.id, name=person.name)


class MembershipPublic(BaseModel):
    council_id: int
    council_slug: str
    person: PersonPublic
    roles: list[Role]
    weight: int
    delegate_of: int | None
    since: datetime

    @classmethod
    def of(cls, membership: Membership, person: Person, council: Council) -> MembershipPublic:
        return cls(
            council_id=council.id,
            council_slug=council.slug,
            person=PersonPublic.of(person),
            roles=sorted(membership.roles),
            weight=membership.weight,
            delegate_of=membership.delegate_of,
            since=membership.since,
        )


class Me(BaseModel):
    """The signed-in person's own view, with their address and memberships."""

    id: int
    name: str
    email: str
    joined_at: datetime
    email_confirmed: bool = Field(
        default=False, description="Whether the address was confirmed by a link mailed to it."
    )
    memberships: list[MembershipPublic]
    csrf_token: str | None = Field(
        description="For cookie sessions: send it as X-CSRF-Token with every change."
    )


class SessionPublic(BaseModel):
    person: PersonPublic
    csrf_token: str


class SignedOut(BaseModel):
    signed_out: bool


#: An API token's public id: the first hex digits of its hash.
TOKEN_ID = API_TOKEN_ID_PATTERN


class TokenIssued(BaseModel):
    token: str = Field(description="Shown once; send it as 'Authorization: Bearer <token>'.")
    id: str = Field(
        pattern=TOKEN_ID, description="The token's id, to find it in the list or revoke it."
    )
    name: str


class TokenPublic(BaseModel):
    """One of the caller's API tokens: its id, name and times, never the token itself."""

    id: str = Field(
        pattern=TOKEN_ID,
        description="The first 12 hex digits of the token's SHA-256 hash: it names the token "
        "and reveals nothing usable about it.",
        examples=["3f9a0c41d2e7"],
    )
    name: str
    created_at: datetime
    revoked_at: datetime | None = Field(
        description="When the token was revoked; a revoked token signs no one in."
    )

    @classmethod
    def of(cls, token: ApiToken) -> TokenPublic:
        return cls(
            id=token.id, name=token.name, created_at=token.created_at, revoked_at=token.revoked_at
        )


# Councils -------------------------------------------------------------------------------


class RuleBody(Body):
    """A decision rule; shares are exact, written as '1/3' or '0.5'."""

    method: Method
    quorum: str | None = Field(default=None, pattern=SHARE, examples=["1/3"])
    discussion_hours: int = Field(default=0, ge=0, le=24 * 366)
    voting_hours: int = Field(default=72, ge=1, le=24 * 366)
    secret: bool = False
    fallback: str | None = Field(default=None, pattern=SHARE, examples=["2/3"])
    live_tally: bool = True


class OrdersBody(Body):
    """Standing orders: rules for the kinds named replace the defaults for the council's kind."""

    rules: dict[ProposalKind, RuleBody] = Field(default_factory=dict)
    proposers: list[Role] | None = None


class RulePublic(BaseModel):
    method: Method
    quorum: str | None
    discussion_hours: int
    voting_hours: int
    secret: bool
    fallback: str | None
    live_tally: bool

    @classmethod
    def of(cls, rule: DecisionRule) -> RulePublic:
        return cls.model_validate(rule.to_dict())


class OrdersPublic(BaseModel):
    rules: dict[ProposalKind, RulePublic]
    proposers: list[Role]


class CouncilCreate(Body):
    name: str = Field(min_length=1, max_length=500, examples=["North Bakery"])
    slug: str = Field(min_length=1, max_length=64, examples=["bakery-north"])
    kind: CouncilKind
    description: str = Field(default="", max_length=10_000)
    orders: OrdersBody | None = None


class CouncilPublic(BaseModel):
    id: int
    slug: str
    name: str
    kind: CouncilKind
    description: str
    created_at: datetime
    record_index: int | None

    @classmethod
    def of(cls, council: Council) -> CouncilPublic:
        return cls(
            id=council.id,
            slug=council.slug,
            name=council.name,
            kind=council.kind,
            description=council.description,
            created_at=council.created_at,
            record_index=council.record_index,
        )


class OfficePublic(BaseModel):
    post: str
    person: PersonPublic
    since: datetime
    appointed_by: int

    @classmethod
    def of(cls, office: Office, person: Person) -> OfficePublic:
        return cls(
            post=office.post,
            person=PersonPublic.of(person),
            since=office.since,
            appointed_by=office.appointed_by,
        )


class AffiliationPublic(BaseModel):
    federation: str
    member: str
    delegates: int
    weight: int

    @classmethod
    def of(
        cls, affiliation: Affiliation, federation: Council, member: Council
    ) -> AffiliationPublic:
        return cls(
            federation=federation.slug,
            member=member.slug,
            delegates=affiliation.delegates,
            weight=affiliation.weight,
        )


class CouncilDetail(CouncilPublic):
    """A council with its members and their roles, standing orders, offices and affiliations."""

    orders: OrdersPublic
    members: list[MembershipPublic]
    offices: list[OfficePublic]
    affiliates: list[AffiliationPublic] = Field(description="Councils affiliated to this one.")
    affiliated_to: list[AffiliationPublic] = Field(description="Bodies this council belongs to.")


class AffiliationCreate(Body):
    """A federation's invitation to a council. There is no weight to give: the weight of the
    council's delegates comes from the members it represents (docs/councils.md)."""

    member: str = Field(min_length=1, max_length=64, description="The invited council's slug.")
    delegates: int = Field(
        default=1, ge=1, le=MAX_DELEGATES, description="How many delegates it will send."
    )
    title: str = Field(default="", max_length=500, description="Default: 'Join <federation>'.")
    text: str = Field(default="", max_length=60_000, description="Default: a sentence.")


class DisaffiliationCreate(Body):
    """That a council leave a federation: put to the council itself."""

    member: str = Field(min_length=1, max_length=64, description="The member council's slug.")
    title: str = Field(default="", max_length=500, description="Default: 'Leave <federation>'.")
    text: str = Field(default="", max_length=60_000, description="Default: a sentence.")


class ConvenorCreate(Body):
    person_id: int = Field(ge=1, le=MAX_ID)


class InvitationCreate(Body):
    email: str = Field(min_length=3, max_length=320)


class InvitationIssued(BaseModel):
    council: str
    email: str
    code: str = Field(description="Shown once: pass it to the person invited.")
    expires_at: datetime

    @classmethod
    def of(cls, invitation: Invitation, council: Council, code: str) -> InvitationIssued:
        return cls(
            council=council.slug,
            email=invitation.email,
            code=code,
            expires_at=invitation.expires_at,
        )


class InvitationAccept(Body):
    code: str = Field(min_length=1, max_length=200)


# Proposals ------------------------------------------------------------------------------


class VersionPublic(BaseModel):
    """One version of a text; a redacted version keeps its place with empty text."""

    number: int
    text: str
    written_at: datetime
    record_index: int | None
    redacted_by: int | None

    @classmethod
    def of(cls, version: Version) -> VersionPublic:
        return cls(
            number=version.number,
            text=version.text,
            written_at=version.written_at,
            record_index=version.record_index,
            redacted_by=version.redacted_by,
        )


class OptionPublic(BaseModel):
    key: str
    label: str
    person_id: int | None

    @classmethod
    def of(cls, option: Option) -> OptionPublic:
        return cls(key=option.key, label=option.label, person_id=option.person_id)


class DecisionPublic(BaseModel):
    outcome: Outcome
    method: str
    summary: str
    tally: dict[str, Any]
    elected: list[str]
    detail: dict[str, Any]

    @classmethod
    def of(cls, decision: Decision) -> DecisionPublic:
        return cls.model_validate(decision.to_dict())


class ProposalCreate(Body):
    kind: ProposalKind
    title: str = Field(min_length=1, max_length=500, examples=["A second oven"])
    text: str = Field(min_length=1, max_length=60_000)
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="Kind-specific: investment {cost}, appointment {post}, recall {person, "
        "post}, redaction {entry, reason}, target-review {product, target}, "
        "plan-adoption {plan}, disaffiliation {federation}. An affiliation is proposed by the "
        "federation: POST /councils/{federation}/affiliations.",
    )
    candidates: list[Candidate] = Field(
        default_factory=list,
        max_length=1000,
        description="For elections: person ids, or names of options.",
    )
    seats: int = Field(default=1, ge=1, le=1000)
    discuss: bool = Field(default=True, description="False keeps it a draft to revise first.")

    @field_validator("details")
    @classmethod
    def _details_fit(cls, details: dict[str, Any]) -> dict[str, Any]:
        _check_ints(details)
        return details


class ProposalSummary(BaseModel):
    id: int
    council_id: int
    kind: ProposalKind
    title: str
    author: PersonPublic
    stage: Stage
    outcome: Outcome | None
    created_at: datetime
    closes_at: datetime | None


class FactPublic(BaseModel):
    """One thing a proposal says, in words: what it concerns and what it would change."""

    heading: str
    text: str
    href: str | None = None


class SubstanceTablePublic(BaseModel):
    """Figures of a proposal (a target review's products, targets and capacities); the first
    column names the row."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


class ProposalPublic(ProposalSummary):
    """A proposal with every version of its text, its rule, candidates and decision, and its
    substance: what it would change in words, products named by the economy's labels."""

    text: str
    versions: list[VersionPublic]
    details: dict[str, Any]
    rule: RulePublic
    options: list[OptionPublic]
    seats: int
    discussion_at: datetime | None
    voting_at: datetime | None
    decided_at: datetime | None
    decision: DecisionPublic | None
    record_index: int | None
    substance: list[FactPublic] = []
    substance_warnings: list[str] = []
    substance_table: SubstanceTablePublic | None = None


def proposal_summary(proposal: Proposal, author: Person) -> ProposalSummary:
    """The list view of a proposal."""
    return ProposalSummary(
        id=proposal.id,
        council_id=proposal.council_id,
        kind=proposal.kind,
        title=proposal.title,
        author=PersonPublic.of(author),
        stage=proposal.stage,
        outcome=proposal.outcome,
        created_at=proposal.created_at,
        closes_at=proposal.closes_at,
    )


def proposal_public(
    proposal: Proposal, author: Person, substance: Substance | None = None
) -> ProposalPublic:
    """The full view of a proposal, with its substance when given."""
    table = None if substance is None else substance.table
    return ProposalPublic(
        **proposal_summary(proposal, author).model_dump(),
        text=proposal.text,
        versions=[VersionPublic.of(v) for v in proposal.versions],
        details=proposal.details,
        rule=RulePublic.of(proposal.rule),
        options=[OptionPublic.of(o) for o in proposal.options],
        seats=proposal.seats,
        discussion_at=proposal.discussion_at,
        voting_at=proposal.voting_at,
        decided_at=proposal.decided_at,
        decision=None if proposal.decision is None else DecisionPublic.of(proposal.decision),
        record_index=proposal.record_index,
        substance=[]
        if substance is None
        else [FactPublic(heading=f.heading, text=f.text, href=f.href) for f in substance.facts],
        substance_warnings=[] if substance is None else list(substance.warnings),
        substance_table=None
        if table is None
        else SubstanceTablePublic(
            caption=table.caption,
            columns=list(table.columns),
            rows=[list(r) for r in table.rows],
        ),
    )


class RevisionCreate(Body):
    text: str = Field(min_length=1, max_length=60_000)


# Discussion -----------------------------------------------------------------------------


class PostCreate(Body):
    text: str = Field(min_length=1, max_length=60_000)
    reply_to: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The post this answers."
    )


class PostEdit(Body):
    text: str = Field(min_length=1, max_length=60_000)


class PostPublic(BaseModel):
    """A post with every version; editing adds a version, nothing deletes one."""

    id: int
    proposal_id: int
    author: PersonPublic
    parent_id: int | None
    created_at: datetime
    text: str
    versions: list[VersionPublic]

    @classmethod
    def of(cls, post: Post, author: Person) -> PostPublic:
        return cls(
            id=post.id,
            proposal_id=post.proposal_id,
            author=PersonPublic.of(author),
            parent_id=post.parent_id,
            created_at=post.created_at,
            text=post.text,
            versions=[VersionPublic.of(v) for v in post.versions],
        )


# Votes ----------------------------------------------------------------------------------


class VoteCreate(Body):
    choice: dict[str, Any] = Field(
        description="Motions: {position: yes|no|abstain}; consensus: {position: agree|abstain|"
        "disagree|block, reason}; ranked elections: {ranking: [key, ...]}; approval: "
        "{approve: [key, ...]}.",
        examples=[{"position": "yes"}],
    )
    replace_receipt: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Secret ballots only: the receipt code of one's current ballot, to replace "
        "it with this one while the vote is open. (An open vote is changed by casting it "
        "again, without this.)",
    )

    @field_validator("choice")
    @classmethod
    def _choice_fits(cls, choice: dict[str, Any]) -> dict[str, Any]:
        _check_ints(choice)
        return choice


class VoteCast(BaseModel):
    proposal_id: int
    secret: bool
    receipt: str | None = Field(
        description="For a secret ballot: the receipt code, shown once. After the count, "
        "GET /api/v1/proposals/{id}/receipts/{code} shows the ballot it names. It also "
        "replaces the ballot while the vote is open (replace_receipt)."
    )


class VotePublic(BaseModel):
    """A roll-call vote: who, how, with what weight, when."""

    voter: PersonPublic
    choice: dict[str, Any] | None = Field(
        description="Null while the vote is open under a rule that hides the running count."
    )
    weight: int
    cast_at: datetime
    record_index: int | None
    redacted_by: int | None = Field(
        default=None,
        description="The redaction proposal whose adopted decision emptied the choice, if any.",
    )
    version: int = Field(
        default=1,
        description="1 for the vote first cast; each change while the vote was open adds one "
        "(the record keeps every version; this is the latest, which counts).",
    )


class BallotPublic(BaseModel):
    """A secret ballot, published after the count under its receipt's hash."""

    receipt_hash: str
    choice: dict[str, Any]
    weight: int


class VoteList(BaseModel):
    """The votes on a proposal: named votes for an open vote; for a secret ballot, who took
    part at any time and the ballots (no names) once counted."""

    proposal_id: int
    secret: bool
    votes: list[VotePublic]
    participants: list[PersonPublic]
    ballots: list[BallotPublic] | None = Field(
        description="Secret ballots after the count; null before it (and for open votes)."
    )


class TallyPublic(BaseModel):
    """The count: live while voting only where the rule shows it, final once decided."""

    proposal_id: int
    stage: Stage
    visible: bool
    final: bool
    counts: dict[str, int] | None
    ballots: int
    weight: int | None
    reason: str | None = Field(description="Why the tally is hidden, when it is.")


class ReceiptBody(Body):
    code: str = Field(min_length=1, max_length=200, description="The receipt code, as given.")


class ReceiptCheck(BaseModel):
    proposal_id: int
    receipt_hash: str
    counted: bool
    ballot: BallotPublic


# Search ---------------------------------------------------------------------------------


class SnippetPart(BaseModel):
    """A piece of a hit's snippet: plain text (never HTML), and whether it matched."""

    text: str
    match: bool


class CouncilRef(BaseModel):
    id: int
    slug: str
    name: str


class SearchHitPublic(BaseModel):
    """One thing found: a proposal, a post, a decision or a council."""

    kind: Literal["proposal", "post", "decision", "council"]
    id: int = Field(description="The proposal's, post's or council's id (a decision's is its "
                    "proposal's).")  # fmt: skip
    proposal_id: int | None = Field(description="The proposal a post or decision belongs to.")
    council: CouncilRef | None
    title: str = Field(description="The title (a post's or decision's is its proposal's).")
    snippet: list[SnippetPart] = Field(
        description="The text around the first match, in pieces; the matches marked."
    )
    rank: float = Field(description="Higher is better; comparable within one search only.")
    href: str = Field(description="The path of the page that shows it.")

    @classmethod
    def of(cls, hit: HitView) -> SearchHitPublic:
        council = hit.council
        return cls(
            kind=hit.kind,
            id=hit.ref,
            proposal_id=hit.proposal,
            council=None if council is None else CouncilRef(
                id=council.id, slug=council.slug, name=council.name
            ),
            title=hit.title,
            snippet=[SnippetPart(text=t, match=m) for t, m in hit.snippet],
            rank=hit.rank,
            href=hit.href,
        )  # fmt: skip


class SearchPage(BaseModel):
    """A page of hits, best first."""

    query: str
    terms: list[str] = Field(description="The words searched for, as compared (folded).")
    hits: list[SearchHitPublic]
    limit: int
    offset: int
    has_more: bool
    next_offset: int | None = Field(description="The offset of the next page, if any.")
