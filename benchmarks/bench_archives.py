"""Counting whole archives with one ``rada count`` process on one core (issue 18).

    python benchmarks/bench_archives.py                 # both archives, 3 runs each
    python benchmarks/bench_archives.py --only stv --runs 5
    python benchmarks/bench_archives.py --jobs 2        # also time --jobs 2

The archives come from :mod:`counting_archives` (built on first use under
``/tmp/rada-bench-archives``). Each figure is the median wall time of ``--runs`` runs of

- ``rada count stv WARDS --rule scottish --json`` over the 346 wards (target under 1.5 s), and
- ``rada count pb FILES --json`` over the 1,160 countable pabulib files (target under 20 s and
  under 1 GB),

each a child process pinned to one core (``sched_setaffinity``), its peak resident memory read
from ``wait4``. Every run's stdout is hashed: the digest printed beside the figure lets a run
before a change be compared with one after it, byte for byte. A last run counts all 1,400
pabulib files, the 240 that name no rule among them, and prints the exit code and how many
files failed (each failure is one JSON line with its error).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import machine
from counting_archives import pabulib_archive, scottish_archive

RADA = str(Path(sys.executable).with_name("rada"))


def run_once(args: list[str], *, core: int | None) -> tuple[float, float, str, int]:
    """Seconds, peak GiB, SHA-256 of stdout and exit code of one ``rada`` process."""
    with tempfile.TemporaryFile() as out:

        def pin() -> None:
            if core is not None:
                os.sched_setaffinity(0, {core})

        started = time.perf_counter()
        child = subprocess.Popen([RADA, *args], stdout=out, stderr=subprocess.DEVNULL,
                                 preexec_fn=pin)  # fmt: skip
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        digest = hashlib.sha256(out.read()).hexdigest()
    return seconds, usage.ru_maxrss / 1024**2, digest, child.returncode


def figure(name: str, args: list[str], *, runs: int, target: str, core: int | None) -> None:
    """Run ``rada args`` ``runs`` times and print the median, every run, memory and digest."""
    results = [run_once(args, core=core) for _ in range(runs)]
    times = [r[0] for r in results]
    memory = max(r[1] for r in results)
    digests = {r[2] for r in results}
    codes = {r[3] for r in results}
    spread = ", ".join(f"{t:.2f}" for t in times)
    print(
        f"{name}: median {statistics.median(times):.2f} s ({spread}), peak {memory:.2f} GiB, "
        f"exit {sorted(codes)}, stdout sha256 {'/'.join(sorted(d[:16] for d in digests))}"
        f"\n    target: {target}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="stv,pb", help="stv, pb or both (comma-separated)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0, help="also time --jobs N (all cores)")
    options = parser.parse_args()
    only = set(options.only.split(","))
    core = min(os.sched_getaffinity(0))
    print(f"machine: {machine()}; pinned to core {core}")
    if "stv" in only:
        wards = [str(p) for p in scottish_archive()]
        args = ["count", "stv", *wards, "--rule", "scottish", "--json"]
        figure("346 wards, stv scottish", args, runs=options.runs, target="< 1.5 s", core=core)
        if options.jobs:
            figure(f"  the same, --jobs {options.jobs}", [*args, "--jobs", str(options.jobs)],
                   runs=options.runs, target="(any)", core=None)  # fmt: skip
    if "pb" in only:
        every, countable = pabulib_archive()
        args = ["count", "pb", *map(str, countable), "--json"]
        figure(
            f"{len(countable)} pabulib files, pb",
            args,
            runs=options.runs,
            target="< 20 s, < 1 GB",
            core=core,
        )
        if options.jobs:
            figure(f"  the same, --jobs {options.jobs}", [*args, "--jobs", str(options.jobs)],
                   runs=options.runs, target="(any)", core=None)  # fmt: skip
        with tempfile.TemporaryFile() as out:
            code = subprocess.run(
                [RADA, "count", "pb", *map(str, every), "--json"],
                stdout=out,
                stderr=subprocess.DEVNULL,
                check=False,
            ).returncode
            out.seek(0)
            lines = [json.loads(line) for line in out.read().splitlines()]
        failed = sum("error" in line for line in lines)
        print(f"all {len(every)} pabulib files: {len(lines)} lines, {failed} failed, exit {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
