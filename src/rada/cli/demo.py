"""``rada demo``: Rada's main job on the embedded default.

Until the web application exists this computes and reports a five-year plan for the UK 2010
economy shipped with Rada (ONS input-output tables, Open Government Licence v3.0).
"""

from __future__ import annotations

from typing import Annotated

import typer

from rada.cli._options import JsonOption


def demo(
    years: Annotated[int, typer.Option(help="Length of the plan.")] = 5,
    target_growth: Annotated[
        float, typer.Option(help="Yearly growth of the consumption targets.")
    ] = 0.025,
    supply_growth: Annotated[float, typer.Option(help="Yearly growth of labour.")] = 0.01,
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
    stdout.print(f"[bold]{economy.name}[/bold]\n{economy.description}\n")
    print_plan(plan, top=10)
    stdout.print("\n[bold]Why the last year's targets are not exceeded[/bold]")
    for item in explanation.products:
        stdout.print(item.text + "\n")
    stdout.print(
        "Contains public sector information licensed under the Open Government Licence v3.0 "
        "(ONS, UK Input-Output Analytical Tables 2010)."
    )
