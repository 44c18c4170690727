"""Labour values of a large sparse economy by successive approximation.

Target (issue 2): 1,000,000 products x 20 inputs under 10 s. The time covers the iteration
v = l + v A to a largest change below 1e-12 (the matrix is built beforehand, as an importer
would have it). Columns of A sum to 0.2..0.6, as in the generator.

    python benchmarks/bench_values.py --products 1000000 --inputs 20 --runs 3
"""

from __future__ import annotations

import argparse

import numpy as np
import scipy.sparse as sp

from _measure import machine, median, peak_rss_gib, timed
from rada.planning.leontief import labour_values


def economy(n: int, k: int, seed: int) -> tuple[sp.csc_array, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, size=n * k, dtype=np.int64)
    weights = rng.uniform(0.05, 1.0, size=(n, k))
    weights *= (rng.uniform(0.2, 0.6, size=n) / weights.sum(axis=1))[:, None]
    indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    # Built column by column (CSC): column j holds product j's k inputs. Duplicate rows in
    # a column are summed by SciPy when used, which keeps column sums as drawn.
    a = sp.csc_array((weights.ravel(), rows, indptr), shape=(n, n))
    return a, rng.uniform(0.1, 1.0, size=n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--inputs", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    a, labour = economy(args.products, args.inputs, seed=1)
    times = []
    for run in range(args.runs):
        seconds, solution = timed(lambda: labour_values(a, labour, method="iterative"))
        times.append(seconds)
        print(
            f"  run {run + 1}: {seconds:.2f} s, {solution.iterations} iterations, "
            f"residual {solution.residual:.2g}",
            flush=True,
        )
    print(
        f"labour values {args.products:,} products x {args.inputs} inputs: "
        f"median {median(times):.2f} s over {args.runs} runs; target 10 s; "
        f"peak memory {peak_rss_gib():.2f} GiB; {machine()}"
    )


if __name__ == "__main__":
    main()
