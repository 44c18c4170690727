"""First-order plans of generated economies: time to a certified gap, against exact simplex.

Issue 17 §2: the first-order solver (HiGHS's hipdlp run to ever finer tolerances, each
result certified; or Rada's own PDHG kernel, ``--solver pdhg``) stops when the certificate's
gap reaches ``--gap`` (1e-6), or at ``--time-limit`` with the best certified plan so far. The
time covers compiling the economy, formulating the programme, the solver and every
certificate (not generating the economy). Exact primal simplex is timed on the same
economies where ``--exact-limit`` allows, and its optimum checked to lie between the
first-order run's bounds. The machine's load average is printed before and after each run:
the figures come from a shared machine.

    python benchmarks/bench_first_order.py --products 1000 --years 5 --runs 3
    python benchmarks/bench_first_order.py --products 2000 --years 5 --runs 1 --exact-limit 0
    python benchmarks/bench_first_order.py --products 10000 --years 5 --runs 1 --time-limit 300
"""

from __future__ import annotations

import argparse
import os

from _measure import machine, median, peak_rss_gib, timed
from rada.planning.errors import PlanNotOptimal
from rada.planning.generate import generate_economy
from rada.planning.optimal import solve_plan


def load() -> str:
    """The load averages over 1, 5 and 15 minutes."""
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="Seeds FIRST to FIRST + RUNS - 1.")
    parser.add_argument(
        "--first-seed", type=int, default=1, metavar="FIRST", help="The first seed (default 1)."
    )
    parser.add_argument("--solver", choices=("first-order", "pdhg", "pdlp"), default="first-order")
    parser.add_argument("--gap", type=float, default=1e-6)
    parser.add_argument(
        "--time-limit", type=float, default=600.0, help="Seconds (0: none, as the CLI by default)."
    )
    parser.add_argument(
        "--exact-limit", type=float, default=600.0, help="Time limit of exact simplex (0: skip)."
    )
    args = parser.parse_args()
    times, gaps, exact_times = [], [], []
    for seed in range(args.first_seed, args.first_seed + args.runs):
        economy = generate_economy(products=args.products, years=args.years, seed=seed)
        before = load()
        seconds, plan = timed(
            lambda e=economy: solve_plan(
                e, solver=args.solver, gap=args.gap, time_limit=args.time_limit or None
            )
        )
        c = plan.certificate
        times.append(seconds)
        gaps.append(c.gap)
        line = (
            f"  seed {seed}: {args.solver} {seconds:.2f} s, {plan.iterations} iterations, "
            f"{plan.status}: gap {c.gap:.3g} (bounds {c.lower_bound:.10g} .. "
            f"{c.upper_bound:.10g}); load {before} -> {load()}"
        )
        if args.exact_limit > 0:
            try:
                exact_seconds, exact = timed(
                    lambda e=economy: solve_plan(e, solver="primal", time_limit=args.exact_limit)
                )
            except PlanNotOptimal:
                line += f"; primal simplex: no plan within {args.exact_limit:g} s"
            else:
                exact_times.append(exact_seconds)
                inside = c.lower_bound <= exact.objective * (1 + 1e-9) and (
                    exact.objective <= c.upper_bound * (1 + 1e-9)
                )
                line += (
                    f"; primal simplex {exact_seconds:.2f} s, optimum {exact.objective:.10g} "
                    f"({'inside' if inside else 'OUTSIDE'} the bounds)"
                )
        print(line, flush=True)
    summary = (
        f"first-order plan {args.products} products x {args.years} years ({args.solver}, "
        f"gap {args.gap:g}, time limit {args.time_limit:g} s): median {median(times):.2f} s, "
        f"median gap {median(gaps):.3g} over {args.runs} seeds"
    )
    if exact_times:
        summary += f"; primal simplex median {median(exact_times):.2f} s ({len(exact_times)} runs)"
    print(f"{summary}; peak memory {peak_rss_gib():.2f} GiB; {machine()}")


if __name__ == "__main__":
    main()
