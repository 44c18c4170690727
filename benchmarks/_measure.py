"""Small helpers shared by the benchmark scripts: medians, peak memory, the machine."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
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


def fill_record(data_dir: Path, entries: int, *, origin: str) -> None:
    """A SQLite record of ``entries`` posts in ``data_dir``, appended 10,000 at a time, with a
    checkpoint signed by the log ``origin`` over all of them."""
    from datetime import UTC, datetime

    from rada.record import Entry, EntryKind
    from rada.store.engine import record_engine
    from rada.store.keys import load_or_create_signing_key
    from rada.store.record_repository import RecordRepository

    repository = RecordRepository(record_engine(f"sqlite:///{data_dir / 'rada.db'}"))
    repository.create_schema()
    when = datetime(2024, 5, 1, tzinfo=UTC)
    for start in range(0, entries, 10_000):
        batch = range(start, min(start + 10_000, entries))
        repository.append(
            [Entry(EntryKind.POST, when, {"text": f"post {i}"}, author="ana") for i in batch]
        )
    repository.add_checkpoint(load_or_create_signing_key(data_dir, origin=origin))
    repository.engine.dispose()
