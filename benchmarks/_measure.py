"""Small helpers shared by the benchmark scripts: medians, peak memory, the machine."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def machine() -> str:
    """A one-line description of the machine the figures come from."""
    cores = os.cpu_count()
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            model = next(line.split(":", 1)[1].strip() for line in handle if "model name" in line)
    except (OSError, StopIteration):
        pass
    return f"{model}, {cores} cores, Python {platform.python_version()}"


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far, in GiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def timed(work: Callable[[], T]) -> tuple[float, T]:
    """Run ``work`` once; return seconds taken and its result."""
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def median(values: list[float]) -> float:
    """The median."""
    return statistics.median(values)
