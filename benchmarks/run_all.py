"""Run every benchmark script with its default (headline) settings, one after another.

    python benchmarks/run_all.py            # all of them
    python benchmarks/run_all.py plan values

The 10,000-product plan is not among the defaults (see the README for why and how to run it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    wanted = set(sys.argv[1:])
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"== {script.name}", flush=True)
        failed += subprocess.run([sys.executable, str(script)], cwd=HERE).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
