"""``rada demo``: Rada's main job on the embedded default, and ``rada plan demo``.

``rada demo`` builds the demo federation (from the UK 2010 table shipped with Rada: ONS
input-output tables, Open Government Licence v3.0) in ``RADA_DATA_DIR`` when its database is
empty, prints the address and the demo accounts, and serves it. ``rada plan demo`` computes
and explains a plan of the same economy.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from rada.cli._options import JsonOption
from rada.cli.worker import WorkerOption
from rada.planning.horizon import (
    LEAST_GROWTH,
    MOST_GROWTH,
    MOST_YEARS,
    SUPPLY_GROWTH,
    TARGET_GROWTH,
)

if TYPE_CHECKING:
    from rada.config import Settings


def demo(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    serve: Annotated[
        bool, typer.Option(help="Serve the demo once it is built (--no-serve just builds it).")
    ] = True,
    json: JsonOption = False,
    worker: WorkerOption = True,
) -> None:
    """Set up Rada with a demo federation on the embedded database and serve it (sending
    mail, or showing it at /outbox when no RADA_SMTP_URL is set, unless --no-worker)."""
    from datetime import UTC, datetime

    from rada.bootstrap import demo_economy, open_database
    from rada.cli._output import message, print_json, progress, stdout
    from rada.config import load_settings
    from rada.demo.federation import PASSWORD, build

    settings = load_settings()
    database = open_database(settings)
    with database.unit_of_work() as uow:
        built = bool(uow.councils.all())
        accounts: list[tuple[str, str]] = []
        if not built:
            with progress("building the demo federation") as say:
                made = build(uow, demo_economy(), now=datetime.now(UTC), progress=say)
                uow.commit()
            accounts = made.accounts
    address = f"http://{host}:{port}/"
    if json:
        print_json(
            {
                "address": address,
                "built": not built,
                "password": PASSWORD,
                "accounts": [{"email": e, "role": r} for e, r in accounts],
            }
        )
    else:
        stdout.print(f"Rada is at [bold]{address}[/bold]")
        if accounts:
            stdout.print(f"Demo accounts (password [bold]{PASSWORD}[/bold]):")
            for email, role in accounts:
                stdout.print(f"  {email} — {role}")
            stdout.print("Every demo member is member<N>@demo.rada with the same password.")
        else:
            message(f"the database at {settings.database_url} already holds councils: serving it")
    if serve:
        import uvicorn

        _demo_witness(settings, host, port)
        if worker:
            from rada.cli.worker import start_in_background, where_mail_goes

            message(where_mail_goes(settings))
            # The demo's links point at the address it serves, unless one is set.
            public = None if "RADA_PUBLIC_URL" in os.environ else address.rstrip("/")
            _, stop = start_in_background(settings, public_url=public)
        uvicorn.run(
            "rada.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            log_level="warning",
            **settings.proxy_options(),  # type: ignore[arg-type]
        )
        if worker:
            stop.set()


def _demo_witness(settings: Settings, host: str, port: int) -> None:
    """Make the demo witness its own log: a witness key beside the log's, the witness mounted
    at ``/witness`` in the same server, and the log configured to ask it (quorum 1) every 5
    seconds. Settings given in the environment are left as they are.

    One party witnessing its own log proves nothing; it shows the record page's cosigned
    checkpoints working. A real witness is another party's ``rada witness serve``.
    """
    import os

    from rada.store.engine import record_engine
    from rada.store.keys import load_or_create_signing_key
    from rada.store.record_repository import RecordRepository
    from rada.store.witness_keys import WITNESS_KEY_FILE, create_witness_key, load_witness_key

    log = load_or_create_signing_key(settings.data_dir)
    if (settings.data_dir / WITNESS_KEY_FILE).is_file():
        witness = load_witness_key(settings.data_dir)
    else:
        witness = create_witness_key(settings.data_dir, name="demo.rada/witness")
    engine = record_engine(settings.database_url)
    RecordRepository(engine).add_checkpoint_if_grown(log)  # the demo's record as built
    engine.dispose()
    address = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    os.environ.setdefault("RADA_WITNESS_LOGS", log.verifier.vkey())
    os.environ.setdefault(
        "RADA_WITNESSES", f"http://{address}:{port}/witness {witness.verifier.vkey()}"
    )
    os.environ.setdefault("RADA_CHECKPOINT_INTERVAL_SECONDS", "5")


def plan_demo(
    years: Annotated[
        int, typer.Option(min=1, max=MOST_YEARS, help="Length of the plan, in years.")
    ] = 5,
    target_growth: Annotated[
        float,
        typer.Option(
            min=LEAST_GROWTH, max=MOST_GROWTH, help="Yearly growth of the consumption targets."
        ),
    ] = TARGET_GROWTH,
    supply_growth: Annotated[
        float, typer.Option(min=LEAST_GROWTH, max=MOST_GROWTH, help="Yearly growth of labour.")
    ] = SUPPLY_GROWTH,
    json: JsonOption = False,
) -> None:
    """Plan the UK 2010 economy shipped with Rada and explain what binds."""
    from rada.bootstrap import demo_economy
    from rada.cli._output import print_json, progress, stdout
    from rada.cli.plan import plan_summary, print_plan
    from rada.planning.explain import explain_plan
    from rada.planning.optimal import solve_plan

    with progress("planning the UK 2010 economy") as say:
        economy = demo_economy(
            years=years, target_growth=target_growth, supply_growth=supply_growth
        )
        plan = solve_plan(economy, progress=say)
        explanation = explain_plan(plan, years=[years], limit=3)
    if json:
        print_json(plan_summary(plan))
        return
    stdout.print(economy.name, markup=False, style="bold")
    stdout.print(f"{economy.description}\n", markup=False)
    print_plan(plan, top=10)
    stdout.print("\n[bold]Why the last year's targets are not exceeded[/bold]")
    for item in explanation.products:
        stdout.print(item.text + "\n", markup=False)
    stdout.print(
        "Contains public sector information licensed under the Open Government Licence v3.0 "
        "(ONS, UK Input-Output Analytical Tables 2010)."
    )


def simulate(
    rounds: Annotated[int, typer.Option(help="The most rounds of review the congress allows.")] = 5,
    members: Annotated[int, typer.Option(help="Generated members per workplace council.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed for the councils' beliefs and priorities.")] = 1,
    years: Annotated[
        int, typer.Option(min=1, max=MOST_YEARS, help="Length of the plan, in years.")
    ] = 5,
    json: JsonOption = False,
) -> None:
    """Run a planning cycle of the UK 2010 economy with generated councils that contest when
    their target exceeds a capacity they believe in; report how the plan converged."""
    from rada.bootstrap import demo_economy
    from rada.cli._output import print_json, progress, stdout
    from rada.demo.simulation import simulate as run_simulation

    with progress("simulating the planning cycle"):
        result = run_simulation(
            demo_economy(years=years), rounds=rounds, members=members, seed=seed
        )
    if json:
        print_json(result.to_dict())
        return
    from rich.table import Table

    table = Table("round", "accepted", "contested", *(f"year {y + 1}" for y in range(years)))
    for r in result.rounds:
        table.add_row(
            str(r.number), str(r.accepted), str(r.contested), *(f"{f:.4f}" for f in r.fulfilment)
        )
    stdout.print(table)
    verdict = "every target accepted" if result.converged else "round limit reached"
    adopted = "adopted" if result.adopted else "not adopted"
    stdout.print(
        f"{verdict} after {len(result.rounds)} rounds; the congress {adopted} the plan "
        f"({result.record_entries} record entries)"
    )
