"""Optimal plans of generated economies: time to an optimal plan, and peak memory.

Targets (issue 2): 200 products x 5 years under 1 s; 10,000 products x 5 years under 120 s
and 6 GiB. The time covers compiling the economy, formulating the LP, HiGHS and unpacking
the plan (not generating the economy). Each run is a fresh process-free call on a new seed.

    python benchmarks/bench_plan.py --products 200 --years 5 --runs 5
    python benchmarks/bench_plan.py --products 1000 --years 5 --runs 1 --solver first-order

First-order solvers against exact simplex: benchmarks/bench_first_order.py.
"""

from __future__ import annotations

import argparse

from _measure import machine, median, peak_rss_gib, timed
from rada.planning.generate import generate_economy
from rada.planning.optimal import SOLVER_NAMES, solve_plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--solver", choices=SOLVER_NAMES, default="primal")
    parser.add_argument("--target", type=float, default=None, help="Target seconds to compare.")
    args = parser.parse_args()
    times, objectives, highs = [], [], []
    for seed in range(1, args.runs + 1):
        economy = generate_economy(products=args.products, years=args.years, seed=seed)
        seconds, plan = timed(lambda e=economy: solve_plan(e, solver=args.solver))
        times.append(seconds)
        highs.append(plan.seconds)
        objectives.append(plan.objective)
        print(
            f"  seed {seed}: {seconds:.3f} s (HiGHS {plan.seconds:.3f} s, "
            f"{plan.iterations} iterations), objective {plan.objective:.8g}",
            flush=True,
        )
    target = args.target if args.target is not None else (1.0 if args.products <= 200 else 120.0)
    print(
        f"plan {args.products} products x {args.years} years ({args.solver}): "
        f"median {median(times):.3f} s over {args.runs} seeds (HiGHS alone {median(highs):.3f} s); "
        f"target {target:g} s; peak memory {peak_rss_gib():.2f} GiB; {machine()}"
    )


if __name__ == "__main__":
    main()
