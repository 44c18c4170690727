"""The certificate of a plan (lower and upper bound, gap) on a generated economy.

Target (issue 17): under 2 s at 10,000 products x 5 years. No exact solver reaches an
economy that size, so what is certified is the closed-form plan without investment: each
year's targets met by a Leontief solve, as far as labour allows, priced by labour values.
The time covers :func:`rada.planning.certificate.certify` alone (compiling the economy and
building the candidate are not counted); the gap says how far that simple plan is from the
best, as the certificate proves it.

    python benchmarks/bench_certificate.py --products 10000 --years 5 --runs 3
"""

from __future__ import annotations

import argparse

import numpy as np

from _measure import machine, median, peak_rss_gib, timed
from rada.planning.certificate import Candidate, certify
from rada.planning.generate import generate_economy
from rada.planning.leontief import gross_output, labour_values
from rada.planning.structure import Structure, compile_economy, square_system


def closed_form(s: Structure, a: object, labour: np.ndarray) -> Candidate:
    """The plan with no investment: each year's targets by a Leontief solve, scaled to the
    labour supply, and labour values as prices."""
    T, P = s.years, s.n_products
    level = s.out.diagonal()
    values = labour_values(a, labour, method="iterative").value  # type: ignore[arg-type]
    fulfilment, activity, prices = np.zeros(T), np.zeros((T, s.n_techniques)), np.zeros((T, P))
    price_of_labour = np.zeros((T, s.n_resources))
    for y in range(T):
        gross = gross_output(a, s.targets[y], method="iterative").value  # type: ignore[arg-type]
        fulfilment[y] = s.supply[y, 0] / float(labour @ gross)
        activity[y] = fulfilment[y] * gross / level
        price_of_labour[y, 0] = 1.0 / float(values @ s.targets[y])
        prices[y] = values * price_of_labour[y, 0]
    K = s.n_pairs
    return Candidate(
        fulfilment=fulfilment,
        activity=activity,
        stocks=np.tile(s.initial, (T, 1)),
        investment=np.zeros((T - 1, K)),
        product_prices=prices,
        resource_prices=price_of_labour,
        stock_prices=np.zeros((T, K)),
        capacity_prices=np.zeros((T, s.n_techniques)),
        objective=float(fulfilment.sum()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=float, default=2.0, help="Target seconds to compare.")
    args = parser.parse_args()
    times = []
    for seed in range(1, args.runs + 1):
        economy = generate_economy(products=args.products, years=args.years, seed=seed)
        s = compile_economy(economy)
        a, labour = square_system(economy)
        candidate = closed_form(s, a, labour)
        seconds, certificate = timed(lambda s=s, c=candidate: certify(s, c, labour=0))
        times.append(seconds)
        print(
            f"  seed {seed}: {seconds:.3f} s; lower bound {certificate.lower_bound:.8g}, "
            f"upper bound {certificate.upper_bound:.8g}, gap {certificate.gap:.3g}, "
            f"largest violation {certificate.max_violation:.2g}",
            flush=True,
        )
    print(
        f"certificate {args.products} products x {args.years} years: median "
        f"{median(times):.3f} s over {args.runs} seeds; target {args.target:g} s; "
        f"peak memory {peak_rss_gib():.2f} GiB; {machine()}"
    )


if __name__ == "__main__":
    main()
