"""``rada db``, ``rada account``, ``rada council`` and ``rada member``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rada.cli._options import JsonOption
from rada.cli._output import message, print_json, stdout
from rada.cli._session import AsOption, acting, links, now, unit_of_work

if TYPE_CHECKING:
    from rada.councils.model import ApiToken, Council
    from rada.services.ports import UnitOfWork

db = typer.Typer(help="The database: create or upgrade its schema.", no_args_is_help=True)
account = typer.Typer(
    help="Accounts: create one; issue, list and revoke API tokens.", no_args_is_help=True
)
council = typer.Typer(help="Councils: found, list and show them.", no_args_is_help=True)
member = typer.Typer(help="Members: invite people and admit them.", no_args_is_help=True)


@db.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Create the database, or bring its schema up to date (safe to run again)."""
    from rada.bootstrap import open_database
    from rada.config import load_settings

    settings = load_settings()
    database = open_database(settings)
    revision = database.current_revision()
    if as_json:
        print_json({"database": database.engine.url.render_as_string(), "revision": revision})
    else:
        stdout.print(f"database at revision {revision}")


@account.command("create")
def account_create(
    name: Annotated[str, typer.Option(help="The person's name, as others will see it.")],
    email: Annotated[str, typer.Option(help="Their e-mail address (how they sign in).")],
    as_json: JsonOption = False,
) -> None:
    """Create an account; the password comes from RADA_PASSWORD or a prompt."""
    import os

    from rada.services import accounts

    password = os.environ.get("RADA_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True, err=True
    )
    with unit_of_work() as uow:
        person = accounts.register(
            uow, name=name, email=email, password=password, now=now(), links=links()
        )
        uow.commit()
    result = {"id": person.id, "name": person.name, "email": person.email}
    print_json(result) if as_json else stdout.print(
        f"account {person.id}: {person.name}", markup=False
    )


@account.command("token")
def account_token(
    name: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue an API token for scripts (shown once; keep it secret)."""
    from rada.services import accounts

    with unit_of_work() as uow:
        person = acting(uow, who)
        token = accounts.issue_token(uow, person_id=person.id, name=name, now=now())
        uow.commit()
    data = {"token": token, "id": accounts.token_id(token)}
    print_json(data) if as_json else stdout.print(token)


def _minute(when: datetime) -> str:
    """A time as the terminal shows it: to the minute, in UTC."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def token_dict(token: ApiToken) -> dict[str, Any]:
    """An API token as the commands show it: its id, name and times, never the token."""
    return {
        "id": token.id,
        "name": token.name,
        "created_at": token.created_at.isoformat(),
        "revoked_at": None if token.revoked_at is None else token.revoked_at.isoformat(),
    }


@account.command("tokens")
def account_tokens(who: AsOption = None, as_json: JsonOption = False) -> None:
    """List your API tokens, newest first, revoked ones too (never the tokens themselves)."""
    from rada.services import accounts

    with unit_of_work() as uow:
        person = acting(uow, who)
        tokens = accounts.list_tokens(uow, person.id)
    if as_json:
        print_json([token_dict(t) for t in tokens])
        return
    if not tokens:
        message("no API tokens; make one with 'rada account token'")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table("id", "name", "created (UTC)", "revoked (UTC)")
    for t in tokens:
        revoked = "" if t.revoked_at is None else _minute(t.revoked_at)
        table.add_row(t.id, escape(t.name), _minute(t.created_at), revoked)
    stdout.print(table)


@account.command("revoke-token")
def account_revoke_token(
    token_id: Annotated[str, typer.Argument(help="The token's id, from 'rada account tokens'.")],
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke one of your API tokens: from now on it signs no one in (it stays listed).
    Revoking it again changes nothing."""
    from rada.services import accounts

    with unit_of_work() as uow:
        person = acting(uow, who)
        token = accounts.revoke_token(
            uow, person_id=person.id, token_id=token_id.strip().lower(), now=now()
        )
        uow.commit()
    if as_json:
        print_json(token_dict(token))
        return
    from rich.markup import escape

    assert token.revoked_at is not None
    when = _minute(token.revoked_at)
    stdout.print(f"token {token.id} ({escape(token.name)}) revoked at {when} UTC")


def council_dict(uow: UnitOfWork, found: Council, *, full: bool = False) -> dict[str, Any]:
    """A council as JSON, with its members and standing orders when ``full``."""
    data: dict[str, Any] = {
        "id": found.id,
        "slug": found.slug,
        "name": found.name,
        "kind": found.kind.value,
        "description": found.description,
        "members": len(uow.memberships.for_council(found.id)),
    }
    if full:
        people = {p.id: p.name for p in uow.people.all()}
        data["members"] = [
            {
                "person": m.person_id,
                "name": people.get(m.person_id, "?"),
                "roles": sorted(r.value for r in m.roles),
                "weight": m.weight,
                "delegate_of": m.delegate_of,
            }
            for m in uow.memberships.for_council(found.id)
        ]
        data["offices"] = [
            {"post": o.post, "person": o.person_id, "name": people.get(o.person_id, "?")}
            for o in uow.offices.for_council(found.id)
        ]
        data["affiliates"] = [
            {"council": a.member_id, "delegates": a.delegates, "weight": a.weight}
            for a in uow.councils.affiliations(found.id)
        ]
        data["standing_orders"] = found.orders.to_dict()
    return data


@council.command("create")
def council_create(
    name: Annotated[str, typer.Argument(help="The council's name.")],
    slug: Annotated[str, typer.Option(help="Short web name: lower-case, digits, hyphens.")],
    kind: Annotated[
        str, typer.Option(help="workplace, federation, union or congress.")
    ] = "workplace",
    description: Annotated[str, typer.Option(help="What the council is.")] = "",
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Found a council; you become its convenor (and first member of a workplace or union)."""
    from rada.councils.errors import CouncilError
    from rada.councils.orders import CouncilKind
    from rada.services.councils import create_council

    try:
        council_kind = CouncilKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in CouncilKind)
        raise CouncilError(f"--kind {kind!r} is not one of {kinds}") from None
    with unit_of_work() as uow:
        person = acting(uow, who)
        found = create_council(
            uow,
            name=name,
            slug=slug,
            kind=council_kind,
            founder_id=person.id,
            now=now(),
            description=description,
        )
        uow.commit()
        data = council_dict(uow, found)
    print_json(data) if as_json else stdout.print(f"council {found.id} ({found.slug}) founded")


@council.command("list")
def council_list(as_json: JsonOption = False) -> None:
    """List every council."""
    with unit_of_work() as uow:
        rows = [council_dict(uow, c) for c in uow.councils.all()]
    if as_json:
        print_json(rows)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table("id", "short name", "name", "kind", "members")
    for row in rows:
        table.add_row(
            str(row["id"]), row["slug"], escape(row["name"]), row["kind"], str(row["members"])
        )
    stdout.print(table)


@council.command("show")
def council_show(
    which: Annotated[str, typer.Argument(help="The council's id or short name.")],
    as_json: JsonOption = False,
) -> None:
    """Show a council: members and roles, offices, affiliates, standing orders."""
    from rada.services.councils import get_council

    with unit_of_work() as uow:
        found = get_council(uow, int(which) if which.isdigit() else which)
        data = council_dict(uow, found, full=True)
    if as_json:
        print_json(data)
        return
    from rich.markup import escape

    stdout.print(f"[bold]{escape(data['name'])}[/] ({data['kind']}, {data['slug']})")
    if data["description"]:
        stdout.print(data["description"], markup=False)
    for m in data["members"]:
        stdout.print(f"  {m['name']} — {', '.join(m['roles'])}", markup=False)
    for o in data["offices"]:
        stdout.print(f"  {o['post']}: {o['name']}", markup=False)
    for kind, rule in data["standing_orders"]["rules"].items():
        stdout.print(f"  {kind}: {rule['method']}" + (" (secret)" if rule["secret"] else ""))


@member.command("invite")
def member_invite(
    which: Annotated[str, typer.Argument(help="The council's id or short name.")],
    email: Annotated[str, typer.Argument(help="The e-mail address to invite.")],
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Invite someone; prints the invitation code they use to join (shown once)."""
    from rada.services.councils import invite

    with unit_of_work() as uow:
        person = acting(uow, who)
        issued = invite(
            uow,
            council=int(which) if which.isdigit() else which,
            email=email,
            by=person.id,
            now=now(),
            links=links(),
        )
        uow.commit()
    data = {
        "council": issued.invitation.council_id,
        "email": issued.invitation.email,
        "code": issued.code,
        "expires_at": issued.invitation.expires_at.isoformat(),
    }
    if as_json:
        print_json(data)
    else:
        stdout.print(issued.code)
        message(f"invitation for {data['email']}, valid until {data['expires_at']}")


@member.command("join")
def member_join(
    code: Annotated[str, typer.Argument(help="The invitation code.")],
    who: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Join a council with an invitation code."""
    from rada.services.councils import accept_invitation

    with unit_of_work() as uow:
        person = acting(uow, who)
        membership = accept_invitation(uow, code=code, person_id=person.id, now=now())
        uow.commit()
    data = {"council": membership.council_id, "person": person.id}
    print_json(data) if as_json else stdout.print(f"joined council {membership.council_id}")
