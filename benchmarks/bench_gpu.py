"""GPU plans of generated economies (cuPDLPx, ``--device gpu``): time to a certified gap.

Issue 17 §3: the plan's programme is solved by cuPDLPx on a CUDA device and certified on the
host (``rada.compute.gpu.solve_plan_gpu``). The time covers compiling the economy,
certifying the closed-form plan, formulating the programme, cuPDLPx (its copy to the device
included) and every certificate, not generating the economy. Without ``cupdlpx`` or a CUDA
device it says so and exits 0, so that ``run_all.py`` passes on a machine with no GPU.

    python benchmarks/bench_gpu.py --products 10000 --years 5 --runs 3 --gap 1e-6
    python benchmarks/bench_gpu.py --products 100000 --years 5 --runs 1 --gap 1e-3 --time-limit 60
    python benchmarks/bench_gpu.py --products 10000 --years 5 --runs 1 --cold
    python benchmarks/bench_gpu.py --products 1000000 --years 5 --runs 1 --gap 1e-3 \
        --time-limit 420 --stages

At 1,000,000 x 5 one device call (10 minutes at most) holds building cuPDLPx, generating the
economy (179 s on the H200's host before 2026-12-05, about 100 s since on 2 cores) and the
whole solve. So ``benchmarks/gpu/device.sh`` starts this script before the build with
``--wait-for FILE --until EPOCH``: it generates the economy while cuPDLPx builds, waits until
FILE says ``ready`` (anything else in it, or EPOCH passing, ends it), and gives the solve
what is left until EPOCH (Unix seconds). ``--stages`` prints each stage with the seconds since
the solve began, so that a call stopped at its limit still shows how far each got.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _measure import machine, median, peak_rss_gib, timed
from rada.compute.gpu import cupdlpx_available, gpu_available, solve_plan_gpu
from rada.planning.generate import generate_economy


def device() -> str:
    """The GPU's name, memory and driver as nvidia-smi reports them."""
    if shutil.which("nvidia-smi") is None:
        return "a CUDA device (no nvidia-smi to name it)"
    query = "--query-gpu=name,memory.total,driver_version"
    found = subprocess.run(
        ["nvidia-smi", query, "--format=csv,noheader"], capture_output=True, text=True
    )
    return found.stdout.strip() or "a CUDA device"


def wait_for(marker: Path, until: float | None) -> str:
    """What ``marker`` says once it exists (stripped), or ``"timed out"`` at ``until``."""
    while not marker.exists():
        if until is not None and time.time() >= until:
            return "timed out"
        time.sleep(0.5)
    time.sleep(0.2)  # the writer's line, whole
    return marker.read_text().strip()


def skipped() -> bool:
    """Whether the GPU backend cannot run here; says why if so."""
    if gpu_available():
        return False
    why = "no CUDA device" if cupdlpx_available() else "cupdlpx is not installed (rada[gpu])"
    print(f"skipped: the GPU backend needs cupdlpx and a CUDA device: {why}", flush=True)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="Seeds 1 to RUNS.")
    parser.add_argument("--gap", type=float, default=1e-6)
    parser.add_argument("--time-limit", type=float, default=120.0, help="Seconds (0: none).")
    parser.add_argument(
        "--cold", action="store_true", help="Start cuPDLPx from zero, not the closed form."
    )
    parser.add_argument(
        "--stages", action="store_true", help="Print each stage with the seconds it began at."
    )
    parser.add_argument(
        "--wait-for",
        type=Path,
        help="After generating the first economy, wait until this file says 'ready'.",
    )
    parser.add_argument(
        "--until", type=float, help="Unix time the runs must end by (instead of --time-limit)."
    )
    args = parser.parse_args()
    if args.wait_for is None and skipped():
        return
    times, gaps = [], []
    for seed in range(1, args.runs + 1):
        began = time.perf_counter()
        economy = generate_economy(products=args.products, years=args.years, seed=seed)
        if args.stages:
            print(f"  seed {seed}: generated in {time.perf_counter() - began:.1f} s", flush=True)
        if args.wait_for is not None and seed == 1:
            said = wait_for(args.wait_for, args.until)
            if said != "ready":
                sys.exit(f"not solved: {args.wait_for} says {said!r}")
            print(f"  {args.wait_for} says ready", flush=True)
            importlib.invalidate_caches()  # cupdlpx was installed after this process began
            if skipped():
                return
        time_limit = args.time_limit or None
        if args.until is not None:
            time_limit = args.until - time.time()
            if time_limit < 60:
                print(f"  seed {seed}: not solved: {time_limit:.0f} s left", flush=True)
                break
        began = time.perf_counter()

        def stage(message: str, began: float = began) -> None:
            print(f"    {time.perf_counter() - began:8.1f} s  {message}", flush=True)

        seconds, plan = timed(
            lambda e=economy, limit=time_limit: solve_plan_gpu(
                e,
                gap=args.gap,
                time_limit=limit,
                warm_start=not args.cold,
                progress=stage if args.stages else None,
            )
        )
        c = plan.certificate
        times.append(seconds)
        gaps.append(c.gap)
        print(
            f"  seed {seed}: {seconds:.2f} s, {plan.iterations} iterations, {plan.status}: "
            f"gap {c.gap:.3g} (bounds {c.lower_bound:.10g} .. {c.upper_bound:.10g})",
            flush=True,
        )
    if not times:
        return
    start = "cold" if args.cold else "from the closed form"
    print(
        f"GPU plan {args.products} products x {args.years} years ({start}, gap {args.gap:g}, "
        f"time limit {time_limit or 0:.0f} s): median {median(times):.2f} s, median gap "
        f"{median(gaps):.3g} over {args.runs} seeds; peak host memory {peak_rss_gib():.2f} GiB; "
        f"{device()}; host {machine()}"
    )


if __name__ == "__main__":
    main()
