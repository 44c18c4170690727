"""``rada plan``: compute and explain optimal plans."""

from __future__ import annotations

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
    load,
    primary_input_note,
)
from rada.planning.horizon import SUPPLY_GROWTH, TARGET_GROWTH

if TYPE_CHECKING:
    from rada.planning.plan import Plan

app = typer.Typer(help="Compute optimal multi-year plans and explain them.", no_args_is_help=True)

Device = Annotated[
    str,
    typer.Option(
        help="auto (the GPU when cupdlpx and a CUDA device are present and --solver is auto or "
        "first-order, else the CPU), cpu, or gpu (cuPDLPx, a first-order method; the "
        "certificate is computed on the host)."
    ),
]


def _seconds(value: float | None) -> float | None:
    """``--time-limit`` within the bounds the planning library keeps (a usage error here)."""
    _within_limits(gap=1e-6, time_limit=value)
    return value


def _relative(value: float) -> float:
    """``--gap`` within the bounds the planning library keeps (a usage error here)."""
    _within_limits(gap=value, time_limit=None)
    return value


def _within_limits(*, gap: float, time_limit: float | None) -> None:
    from rada.planning.errors import PlanningError
    from rada.planning.optimal import check_limits

    try:
        check_limits(gap=gap, time_limit=time_limit)
    except PlanningError as error:
        raise typer.BadParameter(str(error)) from None


TimeLimit = Annotated[
    float | None,
    typer.Option(
        help="Stop after this many seconds (above 0), counted from the start of the solve: "
        "exact solvers give up (exit code 4), first-order ones return the best certified plan "
        "so far.",
        callback=_seconds,
    ),
]

Solver = Annotated[
    str,
    typer.Option(
        help="auto (primal simplex up to 1,000 techniques x years, first-order finished "
        "exactly by simplex up to 7,500, first-order to --gap beyond), "
        "primal or dual simplex, ipm, hipo (needs highspy-extras, the hipo extra), choose; "
        "first-order (HiGHS's hipdlp, with Rada's pdhg going on from its point on large "
        "plans), pdhg (Rada's own) or pdlp, each stopped when its certificate proves --gap "
        "or it gets no closer."
    ),
]

Gap = Annotated[
    float,
    typer.Option(
        help="First-order solvers stop when the certified relative gap is this small (above 0, "
        "below 1).",
        callback=_relative,
    ),
]


def plan_summary(plan: Plan) -> dict[str, Any]:
    """The stable JSON form of a plan's headline figures."""
    e = plan.economy
    return {
        "status": plan.status,
        "objective": plan.objective,
        "years": plan.years,
        "fulfilment": [float(v) for v in plan.fulfilment],
        "labour_used": [float(v) for v in plan.labour_used],
        "labour_supply": [float(v) for v in plan.labour_supply],
        "labour_price": [float(v) for v in plan.resource_prices[:, e.resource_index[e.labour]]],
        "products": len(e.products),
        "techniques": len(e.techniques),
        "solve_seconds": plan.seconds,
        "certificate": plan.certificate.to_dict(),
    }


def certificate_line(plan: Plan) -> str:
    """The certificate in one line of words: the bounds, the gap and the caveat."""
    c = plan.certificate
    line = (
        f"Certificate: no plan can do better than {c.upper_bound:.10g}; a checked plan "
        f"reaches {c.lower_bound:.10g} (gap {c.gap:.2g}, largest violation {c.max_violation:.2g})"
    )
    if c.looser:
        line += "; alternative techniques: the bound may be looser"
    problems = c.problems()
    if problems:
        line += "; the solver's output was repaired: " + "; ".join(problems)
    return line + "."


def print_plan(plan: Plan, *, top: int) -> None:
    from rich.markup import escape
    from rich.table import Table

    from rada.cli._output import stdout
    from rada.planning.certificate import for_people

    e = plan.economy
    title = e.name or "plan"
    kind = {
        "optimal": "optimal plan",
        "time limit": "best plan at the time limit",
    }.get(plan.status, "best plan found; the gap asked for was not reached")
    table = Table(title=f"{escape(title)}: {kind} (objective {plan.objective:.8g})")
    for heading in ("year", "fulfilment", "labour used", "labour supply", "labour price"):
        table.add_column(heading, justify="right")
    labour = e.resource_index[e.labour]
    for y in range(plan.years):
        scale = float(plan.product_prices[y].max(initial=0.0))
        table.add_row(
            str(y + 1),
            f"{plan.fulfilment[y]:.6g}",
            f"{plan.labour_used[y]:.6g}",
            f"{plan.labour_supply[y]:.6g}",
            f"{for_people(float(plan.resource_prices[y, labour]), scale):.4g}",
        )
    stdout.print(table)
    stdout.print(certificate_line(plan), markup=False)
    if top:
        prices = Table(title=f"Products with the highest shadow prices in year 1 (top {top})")
        for heading in ("product", "target", "gross output", "final use", "shadow price"):
            prices.add_column(heading, justify="right" if heading != "product" else "left")
        order = plan.product_prices[0].argsort()[::-1][:top]
        highest = float(plan.product_prices[0].max(initial=0.0))
        for p in order:
            prices.add_row(
                escape(e.label(e.products[p].id)),
                f"{plan.structure.targets[0, p]:.6g}",
                f"{plan.gross_output[0, p]:.6g}",
                f"{plan.final_consumption[0, p]:.6g}",
                f"{for_people(float(plan.product_prices[0, p]), highest):.4g}",
            )
        stdout.print(prices)


@app.command()
def solve(
    path: Annotated[Path, typer.Argument(help="Economy: .toml, Cockshott folder or table .csv.")],
    fmt: EconomyFormatOption = None,
    labour_row: LabourRowOption = None,
    years: YearsOption = None,
    target_growth: TargetGrowthOption = TARGET_GROWTH,
    supply_growth: SupplyGrowthOption = SUPPLY_GROWTH,
    device: Device = "auto",
    solver: Solver = "auto",
    time_limit: TimeLimit = None,
    gap: Gap = 1e-6,
    top: Annotated[
        int, typer.Option(min=0, help="How many products to list by shadow price.")
    ] = 10,
    out: Annotated[
        Path | None,
        typer.Option(help="Also write the whole plan as CSV tables into this folder."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Compute the optimal plan: maximise summed yearly fulfilment of the targets."""
    from rada.cli._output import message, print_json, progress, stdout
    from rada.compute.gpu import choose_device
    from rada.planning.optimal import solve_plan

    with progress("planning") as say:
        economy = load(
            path,
            fmt,
            labour_row,
            say,
            years=years,
            target_growth=target_growth,
            supply_growth=supply_growth,
        )
        if choose_device(device, solver=solver) == "gpu":
            from rada.compute.gpu import solve_plan_gpu

            plan = solve_plan_gpu(economy, time_limit=time_limit, gap=gap, progress=say)
        else:
            plan = solve_plan(economy, solver=solver, time_limit=time_limit, gap=gap, progress=say)
        written = []
        if out is not None:
            from rada.planning.report import write_plan_tables

            say(f"writing {out}")
            written = write_plan_tables(plan, out)
    note = primary_input_note(economy)
    if json:
        print_json(
            {
                **plan_summary(plan),
                "files": [str(p) for p in written],
                "primary_input_note": note,
            }
        )
    else:
        print_plan(plan, top=top)
        if note:
            stdout.print(f"Note: {note}.", markup=False)
        if written:
            message(f"wrote {', '.join(str(p) for p in written)}")


@app.command()
def explain(
    path: Annotated[Path, typer.Argument(help="Economy: .toml, Cockshott folder or table .csv.")],
    fmt: EconomyFormatOption = None,
    labour_row: LabourRowOption = None,
    years: YearsOption = None,
    target_growth: TargetGrowthOption = TARGET_GROWTH,
    supply_growth: SupplyGrowthOption = SUPPLY_GROWTH,
    product: Annotated[
        list[str] | None, typer.Option(help="Explain only this product (repeatable).")
    ] = None,
    year: Annotated[
        list[int] | None, typer.Option(min=1, help="Only this year (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="At most this many products (0: all).")] = 10,
    solver: Solver = "auto",
    time_limit: TimeLimit = None,
    gap: Gap = 1e-6,
    json: JsonOption = False,
) -> None:
    """Say which constraints bind and why each binding target is not exceeded."""
    from rada.cli._output import print_json, progress, stdout
    from rada.planning.explain import explain_plan
    from rada.planning.optimal import solve_plan

    with progress("planning") as say:
        economy = load(
            path,
            fmt,
            labour_row,
            say,
            years=years,
            target_growth=target_growth,
            supply_growth=supply_growth,
        )
        for wanted in year or []:
            if wanted > economy.years:
                raise typer.BadParameter(
                    f"the plan has no year {wanted}: its years are 1 to {economy.years}",
                    param_hint="'--year'",
                )
        for name in product or []:
            if name not in economy.product_index:
                from rada.planning.errors import InputError

                raise InputError(f"there is no product {name!r} in the economy", file=str(path))
        plan = solve_plan(economy, solver=solver, time_limit=time_limit, gap=gap, progress=say)
        say("explaining")
        explanation = explain_plan(plan, products=product, years=year, limit=limit or None)
    if json:
        print_json(
            {
                **plan_summary(plan),
                "binding": [
                    {
                        "kind": c.kind,
                        "year": c.year,
                        "name": c.name,
                        "shadow_price": c.shadow_price,
                        "used": c.used,
                        "limit": c.limit,
                        "text": c.text,
                    }
                    for c in explanation.binding
                ],
                "products": [
                    {
                        "product": x.product,
                        "year": x.year,
                        "target": x.target,
                        "delivered": x.delivered,
                        "shadow_price": x.shadow_price,
                        "causes": [
                            {
                                "kind": c.constraint.kind,
                                "name": c.constraint.name,
                                "year": c.constraint.year,
                                "shadow_price": c.constraint.shadow_price,
                                "requirement": c.requirement,
                                "share": c.share,
                            }
                            for c in x.causes
                        ],
                        "text": x.text,
                    }
                    for x in explanation.products
                ],
            }
        )
        return
    stdout.print(
        f"[bold]Objective[/bold] {plan.objective:.8g}; fulfilment by year: "
        + ", ".join(f"{v:.4g}" for v in plan.fulfilment)
    )
    stdout.print(certificate_line(plan), markup=False)
    stdout.print("\n[bold]Binding constraints[/bold], by shadow price:")
    for c in explanation.binding[: max(limit, 1) * 3 if limit else None]:
        stdout.print(f"  {c.shadow_price:10.4g}  {c.text}", markup=False)
    if explanation.products:
        stdout.print("\n[bold]Binding targets[/bold]:")
        for x in explanation.products:
            stdout.print(x.text + "\n", markup=False)
    else:
        stdout.print("\nNo target binds.")


@app.command()
def scenarios(
    path: Annotated[Path, typer.Argument(help="Economy: .toml, Cockshott folder or table .csv.")],
    variants_file: Annotated[
        Path, typer.Argument(metavar="VARIANTS.toml", help="The what-if variants (TOML).")
    ],
    fmt: EconomyFormatOption = None,
    labour_row: LabourRowOption = None,
    years: YearsOption = None,
    target_growth: TargetGrowthOption = TARGET_GROWTH,
    supply_growth: SupplyGrowthOption = SUPPLY_GROWTH,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes of the local cluster (default: one a core)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="A Dask scheduler, tcp://HOST:PORT (default: RADA_DASK_SCHEDULER, else a "
            "local cluster)."
        ),
    ] = None,
    solver: Solver = "auto",
    time_limit: TimeLimit = None,
    gap: Gap = 1e-6,
    json: JsonOption = False,
) -> None:
    """Solve the economy and each variant in VARIANTS.toml as a batch on Dask."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    from rich.table import Table

    from rada.cli._output import print_json, progress, stderr, stdout
    from rada.compute.scenarios import ScenarioResult, solve_batch
    from rada.config import load_settings
    from rada.planning.formats.variants_toml import BASE, read_variants
    from rada.planning.variants import Variant

    with progress("reading") as say:
        economy = load(
            path,
            fmt,
            labour_row,
            say,
            years=years,
            target_growth=target_growth,
            supply_growth=supply_growth,
        )
        say(f"reading {variants_file}")
        variants = read_variants(variants_file)
    batch = variants if any(v.name == BASE for v in variants) else (Variant(BASE), *variants)
    address = scheduler if scheduler is not None else load_settings().dask_scheduler
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    )
    with bar:
        task = bar.add_task(f"solving on {address or 'a local cluster'}", total=len(batch))

        def advance(done: int, total: int, result: ScenarioResult) -> None:
            bar.update(task, completed=done, description=f"{result.name}: {result.status}")

        results = solve_batch(
            economy,
            batch,
            scheduler=address,
            workers=workers,
            solver=solver,
            time_limit=time_limit,
            gap=gap,
            progress=advance,
        )
    note = primary_input_note(economy)
    if json:
        print_json({"results": [r.to_dict() for r in results], "primary_input_note": note})
        return
    table = Table(title=f"{escape(economy.name or path.name)}: {len(results)} variants")
    for heading in ("variant", "status", "objective", "vs base", "gap", "seconds", "error"):
        table.add_column(heading, justify="left" if heading in ("variant", "error") else "right")
    base = results[[v.name for v in batch].index(BASE)].objective
    for r in results:
        change = f"{r.objective / base - 1:+.2%}" if r.objective is not None and base else ""
        table.add_row(
            escape(r.name),
            r.status,
            f"{r.objective:.8g}" if r.objective is not None else "",
            change,
            f"{r.gap:.2g}" if r.gap is not None else "",
            f"{r.seconds:.2f}",
            escape(r.error or ""),
        )
    stdout.print(table)
    if note:
        stdout.print(f"Note: {note}.", markup=False)
