"""``rada proposal``, ``rada vote`` and ``rada serve``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rada.cli._options import (
    EconomyFormatOption,
    JsonOption,
    LabourRowOption,
    SupplyGrowthOption,
    TargetGrowthOption,
    YearsOption,
)
from rada.cli._output import message, print_json, stdout
from rada.cli._session import AsOption, acting, now, unit_of_work
from rada.cli.worker import WorkerOption
from rada.planning.horizon import SUPPLY_GROWTH, TARGET_GROWTH

if TYPE_CHECKING:
    from rada.councils.proposals import Proposal
    from rada.services.ports import UnitOfWork

proposal = typer.Typer(
    help="Proposals: open, list, show, and schedule their votes.", no_args_is_help=True
)
vote = typer.Typer(help="Votes: cast one.", no_args_is_help=True)


def _council_ref(which: str) -> int | str:
    return int(which) if which.isdigit() else which


def proposal_dict(uow: UnitOfWork, p: Proposal, *, full: bool = False) -> dict[str, Any]:
    """A proposal as JSON; with ``full``, its versions, discussion and votes."""
    data: dict[str, Any] = {
        "id": p.id,
        "council": p.council_id,
        "kind": p.kind.value,
        "title": p.title,
        "stage": p.stage.value,
        "author": p.author_id,
        "rule": p.rule.to_dict(),
        "details": p.details,
        "candidates": [{"key": o.key, "label": o.label} for o in p.options],
        "seats": p.seats,
        "closes_at": None if p.closes_at is None else p.closes_at.isoformat(),
        "decision": None if p.decision is None else p.decision.to_dict(),
        "record_index": p.record_index,
    }
    if full:
        data["versions"] = [
            {"number": v.number, "text": v.text, "written_at": v.written_at.isoformat()}
            for v in p.versions
        ]
        data["posts"] = [
            {
                "id": post.id,
                "author": post.author_id,
                "reply_to": post.parent_id,
                "versions": [
                    {"number": v.number, "text": v.text, "redacted_by": v.redacted_by}
                    for v in post.versions
                ],
            }
            for post in sorted(uow.posts.for_proposal(p.id), key=lambda post: post.id)
        ]
        if not p.rule.secret:
            data["votes"] = [
                {"voter": v.voter_id, "choice": dict(v.choice), "weight": v.weight}
                for v in uow.votes.for_proposal(p.id)
            ]
    return data


@proposal.command("open")
def proposal_open(
    which: Annotated[str, typer.Argument(help="The council's id or short name.")],
    title: Annotated[str, typer.Option(help="A short title.")],
    text: Annotated[str, typer.Option(help="What is proposed, in full.")],
    kind: Annotated[
        str,
        typer.Option(
            help="motion, investment, target-review, appointment, recall, "
            "plan-adoption or redaction."
        ),
    ] = "motion",
    details: Annotated[
        str, typer.Option(help='Kind-specific details as JSON, e.g. \'{"cost": "25000"}\'.')
    ] = "{}",
    candidate: Annotated[
        list[int] | None, typer.Option(help="A candidate's person id (repeat; elections).")
    ] = None,
    seats: Annotated[int, typer.Option(help="Seats to fill (elections).")] = 1,
    draft: Annotated[
        bool, typer.Option(help="Keep it a draft instead of opening discussion.")
    ] = False,
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a proposal in a council (it goes to discussion unless --draft)."""
    from rada.councils.errors import CouncilError
    from rada.councils.orders import ProposalKind
    from rada.services.proposals import open_proposal

    try:
        proposal_kind = ProposalKind(kind)
    except ValueError:
        raise CouncilError(
            f"--kind {kind!r} is not a kind of proposal",
            hint=", ".join(k.value for k in ProposalKind),
        ) from None
    try:
        parsed = json.loads(details)
    except json.JSONDecodeError as error:
        raise CouncilError(f"--details is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise CouncilError("--details must be a JSON object")
    with unit_of_work() as uow:
        person = acting(uow, who)
        opened = open_proposal(
            uow,
            council=_council_ref(which),
            kind=proposal_kind,
            title=title,
            text=text,
            by=person.id,
            now=now(),
            details=parsed,
            candidates=candidate or [],
            seats=seats,
            discuss=not draft,
        )
        uow.commit()
        data = proposal_dict(uow, opened)
    if as_json:
        print_json(data)
    else:
        stdout.print(f"proposal {opened.id} opened ({opened.stage.value})")


def _put_to_member(
    propose: Callable[..., Proposal],
    federation: str,
    member: str,
    who: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Open an affiliation or disaffiliation proposal in the member council and say so."""
    with unit_of_work() as uow:
        person = acting(uow, who)
        opened = propose(
            uow,
            federation=_council_ref(federation),
            member=_council_ref(member),
            by=person.id,
            now=now(),
            **options,
        )
        uow.commit()
        data = proposal_dict(uow, opened)
    if as_json:
        print_json(data)
    else:
        stdout.print(f"proposal {opened.id} opened in council {opened.council_id}: it decides")


@proposal.command("affiliate")
def proposal_affiliate(
    federation: Annotated[str, typer.Argument(help="The inviting federation or congress.")],
    member: Annotated[str, typer.Argument(help="The council invited to join it.")],
    delegates: Annotated[int, typer.Option(help="How many delegates it would send.")] = 1,
    title: Annotated[str, typer.Option(help="A short title (default: 'Join ...').")] = "",
    text: Annotated[str, typer.Option(help="The invitation (default: a sentence).")] = "",
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Invite a council to join a federation (a convenor of the federation): opens an
    affiliation proposal in the invited council, which decides it by its own standing orders.
    The weight of its delegates comes from the members it represents."""
    from rada.services.proposals import propose_affiliation

    _put_to_member(
        propose_affiliation, federation, member, who, as_json,
        delegates=delegates, title=title, text=text,
    )  # fmt: skip


@proposal.command("disaffiliate")
def proposal_disaffiliate(
    federation: Annotated[str, typer.Argument(help="The federation to leave.")],
    member: Annotated[str, typer.Argument(help="The member council that would leave it.")],
    title: Annotated[str, typer.Option(help="A short title (default: 'Leave ...').")] = "",
    text: Annotated[str, typer.Option(help="Why (default: a sentence).")] = "",
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put it to a member council that it leave a federation (a member of that council, or a
    convenor of the federation); the member council decides."""
    from rada.services.proposals import propose_disaffiliation

    _put_to_member(propose_disaffiliation, federation, member, who, as_json, title=title, text=text)


@proposal.command("list")
def proposal_list(
    which: Annotated[str, typer.Argument(help="The council's id or short name.")],
    stage: Annotated[
        str | None, typer.Option(help="Only this stage: draft, discussion, voting, decided.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List a council's proposals."""
    from rada.councils.errors import CouncilError
    from rada.councils.proposals import Stage
    from rada.services.councils import get_council

    try:
        wanted = None if stage is None else Stage(stage)
    except ValueError:
        raise CouncilError(f"--stage {stage!r} is not a stage") from None
    with unit_of_work() as uow:
        found = get_council(uow, _council_ref(which))
        rows = [proposal_dict(uow, p) for p in uow.proposals.for_council(found.id, stage=wanted)]
    if as_json:
        print_json(rows)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table("id", "kind", "title", "stage", "outcome")
    for row in rows:
        outcome = row["decision"]["outcome"] if row["decision"] else ""
        table.add_row(str(row["id"]), row["kind"], escape(row["title"]), row["stage"], outcome)
    stdout.print(table)


@proposal.command("show")
def proposal_show(
    proposal_id: Annotated[int, typer.Argument(help="The proposal's id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a proposal: its text and versions, discussion, votes and decision."""
    from rada.services.proposals import get_proposal

    with unit_of_work() as uow:
        data = proposal_dict(uow, get_proposal(uow, proposal_id), full=True)
    if as_json:
        print_json(data)
        return
    from rich.markup import escape

    # What members wrote is printed as written: as markup, a title of "[/x]" stopped the
    # command, and a removed post's tombstone, "[removed by a council decision]", vanished.
    stdout.print(f"[bold]{escape(data['title'])}[/] — {data['kind']}, {data['stage']}")
    stdout.print(data["versions"][-1]["text"] if data["versions"] else "", markup=False)
    for post in data["posts"]:
        last = post["versions"][-1]
        text = "[removed by a council decision]" if last["redacted_by"] else last["text"]
        stdout.print(f"  #{post['id']} by {post['author']}: {text}", markup=False)
    if data["decision"]:
        stdout.print(data["decision"]["summary"], markup=False)


@proposal.command("start-vote")
def proposal_start_vote(
    proposal_id: Annotated[int, typer.Argument(help="The proposal's id.")],
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open the vote on a proposal (a convenor's task)."""
    from rada.services.proposals import open_voting

    with unit_of_work() as uow:
        person = acting(uow, who)
        opened = open_voting(uow, proposal_id=proposal_id, by=person.id, now=now())
        uow.commit()
        data = proposal_dict(uow, opened)
    print_json(data) if as_json else stdout.print(f"voting open until {data['closes_at']}")


@proposal.command("close")
def proposal_close(
    proposal_id: Annotated[int, typer.Argument(help="The proposal's id.")],
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close the vote once its period is over (or everyone has voted) and count it."""
    from rada.services.proposals import close_vote

    with unit_of_work() as uow:
        person = acting(uow, who)
        closed = close_vote(uow, proposal_id=proposal_id, by=person.id, now=now())
        uow.commit()
        data = proposal_dict(uow, closed)
    print_json(data) if as_json else stdout.print(data["decision"]["summary"], markup=False)


@vote.command("cast")
def vote_cast(
    proposal_id: Annotated[int, typer.Argument(help="The proposal's id.")],
    choice: Annotated[
        str,
        typer.Argument(
            help="yes/no/abstain; agree/abstain/disagree/block; or for an "
            "election the candidates' keys in order, comma-separated (p3,p7)."
        ),
    ],
    reason: Annotated[str, typer.Option(help="The reason (required for a block).")] = "",
    approve: Annotated[bool, typer.Option(help="The keys are approvals, not a ranking.")] = False,
    replace: Annotated[
        str | None,
        typer.Option(
            help="A secret ballot: the receipt code of your current ballot, to replace it "
            "with this one while voting is open.",
        ),
    ] = None,
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cast your vote, or change it while voting is open (an open vote: cast it again; a
    secret ballot: with --replace and its receipt). A secret ballot prints the receipt code to
    check it after the count."""
    from rada.councils.orders import BallotForm
    from rada.services.proposals import cast_vote, get_proposal

    with unit_of_work() as uow:
        person = acting(uow, who)
        form = get_proposal(uow, proposal_id).rule.form
        body: dict[str, Any]
        if form in (BallotForm.MOTION, BallotForm.CONSENSUS):
            body = {"position": choice}
            if reason:
                body["reason"] = reason
        else:
            keys = [k.strip() for k in choice.split(",") if k.strip()]
            body = {"approve" if approve or form is BallotForm.APPROVAL else "ranking": keys}
        receipt = cast_vote(
            uow,
            proposal_id=proposal_id,
            by=person.id,
            choice=body,
            now=now(),
            replace_receipt=replace,
        )
        uow.commit()
    data = {"proposal": proposal_id, "choice": body, "receipt": receipt}
    if as_json:
        print_json(data)
    elif receipt:
        stdout.print(receipt)
        message("your receipt: keep it to find your ballot in the list published after the count")
    else:
        message("vote cast")


def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes sharing the port (more use more cores; writes to the "
            "public record still take turns).",
        ),
    ] = 1,
    worker: WorkerOption = True,
    economy: Annotated[
        Path | None,
        typer.Option(
            "--economy",
            help="The economy the plan pages show and the planning cycle plans: a .toml, a "
            "Cockshott folder or a table .csv, as `rada plan solve` reads it (default: the "
            "UK 2010 table shipped with Rada, over 5 years).",
        ),
    ] = None,
    fmt: EconomyFormatOption = None,
    labour_row: LabourRowOption = None,
    years: YearsOption = None,
    target_growth: TargetGrowthOption = TARGET_GROWTH,
    supply_growth: SupplyGrowthOption = SUPPLY_GROWTH,
) -> None:
    """Serve Rada's web pages and JSON API (and send mail, unless --no-worker)."""
    import os

    import uvicorn

    from rada.bootstrap import configured_economy, open_database
    from rada.cli.worker import start_in_background, where_mail_goes
    from rada.config import load_settings

    if economy is not None:
        # The server's processes build the app from the settings: hand them the economy.
        chosen = {
            "RADA_ECONOMY": str(economy.resolve()),
            "RADA_ECONOMY_FORMAT": fmt,
            "RADA_ECONOMY_LABOUR_ROW": labour_row,
            "RADA_ECONOMY_YEARS": None if years is None else str(years),
            "RADA_ECONOMY_TARGET_GROWTH": repr(target_growth),
            "RADA_ECONOMY_SUPPLY_GROWTH": repr(supply_growth),
        }
        for name, value in chosen.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    settings = load_settings()
    if settings.economy is not None:
        # Read it here first, so that bad input stops the start with its file and line.
        shown = configured_economy(settings)
        message(
            f"the plan pages show {shown.name}: {len(shown.products)} products, "
            f"{shown.years} year(s)"
        )
    open_database(settings)
    message(f"Rada is at http://{host}:{port}/ (API under /api/v1; Ctrl-C stops it)")
    if worker:
        message(where_mail_goes(settings))
        _, stop = start_in_background(settings)
    uvicorn.run(
        "rada.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        # Nagle's algorithm off on every connection (uvicorn leaves it on with --workers).
        http="rada.web.serving:NoDelayHttpProtocol",
        **settings.proxy_options(),  # type: ignore[arg-type]
    )
    if worker:
        stop.set()
