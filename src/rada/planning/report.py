"""A plan written out in full as CSV tables, one row per item and year."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from rada.planning.formats._csv import fmt
from rada.planning.plan import Plan


def write_plan_tables(plan: Plan, folder: Path) -> list[Path]:
    """Write ``products.csv``, ``techniques.csv``, ``resources.csv`` and ``stocks.csv``.

    Every number of the plan is there: targets, gross output, final consumption, investment
    and shadow prices by product and year; activity and capacity prices by technique; use,
    supply and prices of resources; stocks, investment and their prices by capital pair.
    """
    e, s = plan.economy, plan.structure
    years = range(plan.years)
    tables: dict[str, tuple[list[str], list[list[str]]]] = {
        "products.csv": (
            ["year", "product", "target", "committed", "gross_output", "final_consumption",
             "accumulation", "shadow_price"],
            [
                [str(y + 1), p.id, *(fmt(v) for v in (
                    s.targets[y, i], s.committed[y, i], plan.gross_output[y, i],
                    plan.final_consumption[y, i], plan.accumulation[y, i],
                    plan.product_prices[y, i]))]
                for y in years for i, p in enumerate(e.products)
            ],
        ),
        "techniques.csv": (
            ["year", "technique", "workplace", "activity", "capacity", "capacity_price"],
            [
                [str(y + 1), t.id, t.workplace, fmt(plan.activity[y, j]),
                 "" if t.capacity is None else fmt(t.capacity), fmt(plan.capacity_prices[y, j])]
                for y in years for j, t in enumerate(e.techniques)
            ],
        ),
        "resources.csv": (
            ["year", "resource", "used", "supply", "shadow_price"],
            [
                [str(y + 1), r.id, fmt(plan.resource_used[y, i]), fmt(s.supply[y, i]),
                 fmt(plan.resource_prices[y, i])]
                for y in years for i, r in enumerate(e.resources)
            ],
        ),
        "stocks.csv": (
            ["year", "technique", "good", "stock", "needed", "investment", "shadow_price"],
            [
                [str(y + 1), e.techniques[s.pair_tech[k]].id, e.products[s.pair_good[k]].id,
                 fmt(plan.stocks[y, k]), fmt(s.per_unit[k] * plan.activity[y, s.pair_tech[k]]),
                 fmt(plan.investment[y, k] if y < plan.years - 1 else 0.0),
                 fmt(plan.stock_prices[y, k])]
                for y in years for k in np.arange(s.n_pairs)
            ],
        ),
    }  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in tables.items():
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written
