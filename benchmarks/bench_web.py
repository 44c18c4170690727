"""Server time of the plan and record pages: how long the app takes to answer each request.

Target (issue 6): every page renders in under 2 s. The app runs in this process (FastAPI's
TestClient, no network), on a fresh data directory whose record holds ``--entries`` entries
(built once per run, not timed) with a checkpoint. The first plan request includes solving and
explaining the UK 2010 plan (once per app); the other figures are medians of ``--runs``
requests after it. The record's text search that matches nothing reads at most the page's
scan limit of entries (50,000, the default record size): that is its worst case.

    python benchmarks/bench_web.py --runs 20 --entries 50000
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

from _measure import machine, median, peak_rss_gib, timed


def _fill(data_dir: Path, entries: int) -> None:
    from rada.record import Entry, EntryKind
    from rada.store.keys import load_or_create_signing_key
    from rada.store.record_repository import RecordRepository, record_engine

    repository = RecordRepository(record_engine(f"sqlite:///{data_dir / 'rada.db'}"))
    repository.create_schema()
    when = datetime(2024, 5, 1, tzinfo=UTC)
    for start in range(0, entries, 10_000):
        batch = range(start, min(start + 10_000, entries))
        repository.append(
            [Entry(EntryKind.POST, when, {"text": f"post {i}"}, author="ana") for i in batch]
        )
    repository.add_checkpoint(load_or_create_signing_key(data_dir, origin="bench.example/rada"))
    repository.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--entries", type=int, default=50_000)
    args = parser.parse_args()
    with warnings.catch_warnings():
        # Starlette's TestClient warns about its own httpx dependency; not our concern here.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    from rada.config import Settings
    from rada.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="rada-bench-web-") as folder:
        data_dir = Path(folder)
        _fill(data_dir, args.entries)
        app = create_app(Settings(data_dir=data_dir, database_url=""))
        html = {"accept": "text/html"}
        with TestClient(app) as client:
            first, response = timed(lambda: client.get("/plan", headers=html))
            assert response.status_code == 200, response.text
            print(f"  plan page, first request (solves the plan): {first:.3f} s", flush=True)
            pages = {
                "plan page": "/plan",
                "plan search (htmx fragment)": "/plan/products?q=fish",
                "product page": "/plan/products/01",
                "record page": "/record",
                "record page, older entries": f"/record?before={args.entries // 2}",
                "record text search, no match": "/record?q=nothing-matches-this",
                "inclusion proof (JSON)": f"/record/entries/{args.entries // 3}/proof",
            }
            worst = first
            for name, url in pages.items():
                times = []
                for _ in range(args.runs):
                    seconds, response = timed(lambda u=url: client.get(u, headers=html))
                    assert response.status_code == 200, (url, response.status_code)
                    times.append(seconds)
                worst = max(worst, max(times))
                print(
                    f"  {name}: median {median(times) * 1000:.1f} ms, "
                    f"slowest {max(times) * 1000:.1f} ms ({url})",
                    flush=True,
                )
    print(
        f"web pages, record of {args.entries} entries: slowest request {worst:.3f} s "
        f"(first plan request {first:.3f} s); target 2 s; peak memory {peak_rss_gib():.2f} GiB; "
        f"{machine()}"
    )


if __name__ == "__main__":
    main()
