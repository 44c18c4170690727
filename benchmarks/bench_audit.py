"""Benchmark of the audit (issue 13): comparing the live tables with a 1,000,000-entry record.

Run on demand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_audit.py                    # 1,000,000 entries, SQLite
    .venv/bin/python benchmarks/bench_audit.py --entries 200000 --runs 5
    .venv/bin/python benchmarks/bench_audit.py --postgres postgresql+psycopg://...

The database is built once per size under ``--workdir`` and reused: typed events of a
federation's life (people registering, councils founded, members joining, proposals opened,
put to the vote, voted on openly and decided, discussion posts and edits) are appended to the
record by the real append path in batches of 10,000, and the councils' tables are then written
as the projection of that record, so the live tables are exactly what the record says. The
timed part is ``audit_database``: reading and decoding every entry, replaying each as its
typed event, reading every row of every projected table and comparing them. The figure is the
median of ``--runs`` runs, with the peak memory (RSS) of the process; the target is under 60 s.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rada.councils import events as ev
from rada.councils.orders import CouncilKind, ProposalKind, default_orders
from rada.services.recording import to_entry
from rada.store.audit import audit_database
from rada.store.database import Database
from rada.store.engine import writing
from rada.store.projection import project_repository
from rada.store.rebuild import write_projection

T0 = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 10_000


def _events(entries: int, seed: int = 1) -> Iterator[ev.Event]:
    """About ``entries`` events of a federation's life, in the order they happen."""
    rng = random.Random(seed)
    people, councils = max(100, entries // 500), max(5, entries // 20_000)
    at = T0
    made = 0
    membership = 0
    rule = default_orders(CouncilKind.WORKPLACE).rule_for(ProposalKind.MOTION).to_dict()
    for person in range(1, people + 1):
        yield ev.PersonRegistered(council=None, at=at, by=person, person=person, name=f"M{person}")
    made += people
    members: dict[int, list[int]] = {}
    for council in range(1, councils + 1):
        founder = 1 + (council - 1) % people
        membership += 1
        yield ev.CouncilFounded(
            council=council, at=at, by=founder, name=f"Council {council}", slug=f"c{council}",
            kind="workplace", description="",
            orders=default_orders(CouncilKind.WORKPLACE).to_dict(),
            convenor={"id": founder, "name": f"M{founder}"}, membership=membership,
            roles=["convenor", "member"],
        )  # fmt: skip
        members[council] = [founder]
        made += 1
    for person in range(1, people + 1):
        council = 1 + person % councils
        if person in members[council]:
            continue
        membership += 1
        members[council].append(person)
        yield ev.MemberJoined(
            council=council, at=at, by=None, membership=membership,
            person={"id": person, "name": f"M{person}"}, roles=["member"], weight=1,
            delegate_of=None,
        )  # fmt: skip
        made += 1
    proposal = post = 0
    while made < entries:
        council = rng.randint(1, councils)
        voters = members[council]
        proposal += 1
        at += timedelta(minutes=1)
        author = rng.choice(voters)
        yield ev.ProposalOpened(
            council=council, at=at, by=author, proposal=proposal, kind="motion",
            title=f"Motion {proposal}", text="We propose to " + "build " * rng.randint(5, 40),
            details={}, options=[], seats=1, rule=rule, stage="discussion",
        )  # fmt: skip
        for _ in range(rng.randint(0, 3)):
            post += 1
            yield ev.PostWritten(
                council=council, at=at, by=rng.choice(voters), post=post, proposal=proposal,
                reply_to=None, version=1, text="I think " + "so " * rng.randint(3, 30),
            )  # fmt: skip
            made += 1
        opened = at + timedelta(days=2)
        yield ev.VotingOpened(
            council=council, at=opened, by=author, proposal=proposal,
            closes_at=opened + timedelta(days=3),
        )  # fmt: skip
        tally = {"yes": 0, "no": 0, "abstain": 0}
        for voter in voters:
            position = rng.choice(("yes", "yes", "no", "abstain"))
            tally[position] += 1
            yield ev.VoteCast(
                council=council, at=opened, by=voter, proposal=proposal, weight=1,
                choice={"position": position},
            )  # fmt: skip
        outcome = "adopted" if tally["yes"] > tally["no"] else "rejected"
        yield ev.ProposalDecided(
            council=council, at=opened + timedelta(days=3), by=None, proposal=proposal,
            kind="motion", electorate=len(voters),
            decision={"outcome": outcome, "method": "simple-majority", "summary": outcome,
                      "tally": tally, "elected": [], "detail": {}},
        )  # fmt: skip
        made += 3 + len(voters)


def build(url: str, entries: int) -> Database:
    """The benchmark's database: the record appended, the tables written as its projection."""
    database = Database(url)
    database.upgrade()
    if database.record.size() >= entries:
        return database
    started = time.perf_counter()
    batch = []
    for event in _events(entries):
        batch.append(to_entry(event))
        if len(batch) == BATCH:
            database.record.append(batch)
            batch = []
    if batch:
        database.record.append(batch)
    projection = project_repository(database.record)
    with writing(database.engine) as conn:
        write_projection(conn, projection)
    print(
        f"built {database.record.size():,} entries in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "rada-bench-audit"
    )
    parser.add_argument("--postgres", help="a PostgreSQL URL (an empty schema) instead of SQLite")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    url = args.postgres or f"sqlite:///{args.workdir / f'audit-{args.entries}.db'}"
    database = build(url, args.entries)
    times = []
    for _ in range(args.runs):
        report = audit_database(database.engine, database.record)
        assert report.ok, report.differences[:5]
        times.append(report.seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"audit of {report.size:,} entries: median {statistics.median(times):.1f} s "
        f"(runs: {', '.join(f'{t:.1f}' for t in times)}); peak RSS {peak:.2f} GiB; target < 60 s"
    )


if __name__ == "__main__":
    main()
