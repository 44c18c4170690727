"""``rada plan``: compute and explain optimal plans."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rada.cli._options import JsonOption, LabourRowOption, load

if TYPE_CHECKING:
    from rada.planning.plan import Plan

app = typer.Typer(help="Compute optimal multi-year plans and explain them.", no_args_is_help=True)

TimeLimit = Annotated[
    float | None, typer.Option(help="Give up after this many seconds (exit code 4).")
]

Solver = Annotated[
    str,
    typer.Option(
        help="HiGHS method: primal or dual simplex, ipm, pdlp (first-order, approximate), "
        "or choose."
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
    from rich.table import Table

    from rada.cli._output import stdout

    e = plan.economy
    title = e.name or "plan"
    table = Table(title=f"{title}: optimal plan (objective {plan.objective:.8g})")
    for heading in ("year", "fulfilment", "labour used", "labour supply", "labour price"):
        table.add_column(heading, justify="right")
    labour = e.resource_index[e.labour]
    for y in range(plan.years):
        table.add_row(
            str(y + 1),
            f"{plan.fulfilment[y]:.6g}",
            f"{plan.labour_used[y]:.6g}",
            f"{plan.labour_supply[y]:.6g}",
            f"{plan.resource_prices[y, labour]:.4g}",
        )
    stdout.print(table)
    stdout.print(certificate_line(plan), markup=False)
    if top:
        prices = Table(title=f"Products with the highest shadow prices in year 1 (top {top})")
        for heading in ("product", "target", "gross output", "final use", "shadow price"):
            prices.add_column(heading, justify="right" if heading != "product" else "left")
        order = plan.product_prices[0].argsort()[::-1][:top]
        for p in order:
            prices.add_row(
                e.label(e.products[p].id),
                f"{plan.structure.targets[0, p]:.6g}",
                f"{plan.gross_output[0, p]:.6g}",
                f"{plan.final_consumption[0, p]:.6g}",
                f"{plan.product_prices[0, p]:.4g}",
            )
        stdout.print(prices)


@app.command()
def solve(
    path: Annotated[Path, typer.Argument(help="Economy: .toml, Cockshott folder or table .csv.")],
    fmt: Annotated[str | None, typer.Option("--format", help="rada, cockshott or iot.")] = None,
    labour_row: LabourRowOption = None,
    solver: Solver = "primal",
    time_limit: TimeLimit = None,
    top: Annotated[int, typer.Option(help="How many products to list by shadow price.")] = 10,
    out: Annotated[
        Path | None,
        typer.Option(help="Also write the whole plan as CSV tables into this folder."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Compute the optimal plan: maximise summed yearly fulfilment of the targets."""
    from rada.cli._output import message, print_json, progress
    from rada.planning.optimal import solve_plan

    with progress("planning") as say:
        economy = load(path, fmt, labour_row, say)
        plan = solve_plan(economy, solver=solver, time_limit=time_limit, progress=say)
        written = []
        if out is not None:
            from rada.planning.report import write_plan_tables

            say(f"writing {out}")
            written = write_plan_tables(plan, out)
    if json:
        print_json({**plan_summary(plan), "files": [str(p) for p in written]})
    else:
        print_plan(plan, top=top)
        if written:
            message(f"wrote {', '.join(str(p) for p in written)}")


@app.command()
def explain(
    path: Annotated[Path, typer.Argument(help="Economy: .toml, Cockshott folder or table .csv.")],
    fmt: Annotated[str | None, typer.Option("--format", help="rada, cockshott or iot.")] = None,
    labour_row: LabourRowOption = None,
    product: Annotated[
        list[str] | None, typer.Option(help="Explain only this product (repeatable).")
    ] = None,
    year: Annotated[list[int] | None, typer.Option(help="Only this year (repeatable).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many products (0: all).")] = 10,
    solver: Solver = "primal",
    time_limit: TimeLimit = None,
    json: JsonOption = False,
) -> None:
    """Say which constraints bind and why each binding target is not exceeded."""
    from rada.cli._output import print_json, progress, stdout
    from rada.planning.explain import explain_plan
    from rada.planning.optimal import solve_plan

    with progress("planning") as say:
        economy = load(path, fmt, labour_row, say)
        for name in product or []:
            if name not in economy.product_index:
                from rada.planning.errors import InputError

                raise InputError(f"there is no product {name!r} in the economy", file=str(path))
        plan = solve_plan(economy, solver=solver, time_limit=time_limit, progress=say)
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
        stdout.print(f"  {c.shadow_price:10.4g}  {c.text}")
    if explanation.products:
        stdout.print("\n[bold]Binding targets[/bold]:")
        for x in explanation.products:
            stdout.print(x.text + "\n")
    else:
        stdout.print("\nNo target binds.")
