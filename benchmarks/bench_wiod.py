"""The world economy: WIOD's 2011 table (41 regions x 35 industries, 1,413 region-industries
with output) through the command line, as a person would run it (issue 17 §4).

Each step is a fresh ``rada`` process so that its peak memory is its own: the Leontief
inverse (``rada io inverse``), the one-year plan and the five-year plan (``rada plan solve
--years 5``: targets +2.5 % and value added +1 % a year, as ``rada plan demo`` plans UK 2010),
each plan by ``--solver auto`` (the default, which proves the plan with no investment
optimal here) and, with ``--primal``, by primal simplex as well. Wall time includes starting
Python and reading the table. The table
has no labour data: value added ("Output less intermediate inputs") stands in, so every
"labour value" is 1 and the plans' objectives follow from that (see the data's README).

The table is read from ``../shared/data/io/wiod-2011`` and never copied into the package
(no licence is stated for the 2013 release).

    python benchmarks/bench_wiod.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import machine, median

WIOD = Path(__file__).resolve().parents[2] / "shared" / "data" / "io" / "wiod-2011"
ROW = "Output less intermediate inputs"
#: What the library gave on 2026-12-02 for the 5-year plan built with
#: ``iot_economy(read_iot(...), years=5, target_growth=0.025, supply_growth=0.01)``, by
#: primal simplex (auto's certified plan lies within its gap of it).
REPORTED_5_YEAR = 4.859952346488048
REPORTED_1_YEAR = 1.0008546835699867


def run(args: list[str]) -> tuple[float, float, str]:
    """Run ``rada ARGS``; return wall seconds, the process's peak memory in GiB and stdout."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "rada.cli", *args], stdout=out, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        error = process.stderr.read().decode() if process.stderr else ""
        if process.returncode:
            raise SystemExit(f"rada {' '.join(args)} failed ({process.returncode}): {error}")
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024**2, out.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--table", type=Path, default=WIOD / "iot.csv")
    parser.add_argument("--skip-5-year", action="store_true")
    parser.add_argument("--primal", action="store_true", help="also solve by primal simplex")
    args = parser.parse_args()
    table = str(args.table)
    common = ["--labour-row", ROW]
    note = None
    steps: dict[str, list[str]] = {
        "io inverse": ["io", "inverse", table, *common, "--out", "{tmp}/L.csv"],
    }
    for solver in ("auto", "primal") if args.primal else ("auto",):
        plan = ["plan", "solve", table, *common, "--solver", solver, "--json"]
        steps[f"plan solve, 1 year, {solver}"] = plan
        if not args.skip_5_year:
            steps[f"plan solve, 5 years, {solver}"] = [*plan, "--years", "5"]
    print(f"WIOD 2011 ({table}); {machine()}", flush=True)
    for name, template in steps.items():
        times, peaks, objectives, gaps = [], [], [], []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                seconds, peak, out = run([a.replace("{tmp}", tmp) for a in template])
            times.append(seconds)
            peaks.append(peak)
            if out.strip().startswith("{"):
                data = json.loads(out)
                objectives.append(data["objective"])
                gaps.append(data["certificate"]["gap"])
                note = data.get("primary_input_note")
            print(f"  {name}: {seconds:.1f} s, peak {peak:.2f} GiB", flush=True)
        line = f"{name}: median {median(times):.1f} s, peak {median(peaks):.2f} GiB"
        if objectives:
            reported = REPORTED_5_YEAR if "5 years" in name else REPORTED_1_YEAR
            line += (
                f"; objective {objectives[0]!r} (reported {reported!r}, difference "
                f"{objectives[0] - reported:.3g}); certified gap {max(gaps):.2g}"
            )
        print(line, flush=True)
    if note:
        print(f"Note: {note}.")


if __name__ == "__main__":
    main()
