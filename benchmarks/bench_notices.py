"""A decision in a council of 10,000 members: how long the close of the vote takes, from the
transaction's start to its commit, now that it also tells every member (a notice each) and
queues their mail (an outbox row each) in the same transaction.

Every member has a confirmed address and wants decisions at once, so each close writes 9,999
notices and 9,999 outbox rows (the convenor who closes it is not told of their own act). The
target is 1 s. Three proposals are closed in turn; the median is printed.

Usage::

    python benchmarks/bench_notices.py                 # SQLite, and PostgreSQL when reachable
    python benchmarks/bench_notices.py --members 2000 --db sqlite
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from _measure import machine, median
from rada.councils.orders import CouncilKind, ProposalKind
from rada.services import accounts
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.store.councils_tables import memberships, people
from rada.store.database import Database
from rada.store.notices_tables import account_settings, mail_choices, mail_outbox, notices

POSTGRES = os.environ.get(
    "RADA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
ROUNDS = 3


def build(database: Database, members: int) -> tuple[int, list[int]]:
    """A council of ``members`` (the founder registered, the rest inserted in bulk, each
    with a confirmed address and decisions wanted at once) and three motions open for a
    vote; the convenor and the motions."""
    with database.unit_of_work() as uow:
        founder = accounts.register(
            uow, name="Convenor", email="convenor@bench.example", password="long enough pw", now=T0
        ).id
        council = cs.create_council(
            uow,
            name="Big works",
            slug="big",
            founder_id=founder,
            kind=CouncilKind.WORKPLACE,
            now=T0,
        )
        uow.commit()
    with database.engine.begin() as conn:
        conn.execute(
            insert(people),
            [
                {"name": f"Member {n}", "email": f"m{n}@bench.example", "joined_at": T0}
                for n in range(1, members)
            ],
        )
        ids = [
            int(i)
            for i in conn.execute(select(people.c.id).where(people.c.id != founder)).scalars()
        ]
        conn.execute(
            insert(memberships),
            [
                {
                    "council_id": council.id,
                    "person_id": i,
                    "roles": "member",
                    "since": T0,
                    "weight": 1,
                    "end_reason": "",
                }
                for i in ids
            ],
        )
        conn.execute(
            insert(account_settings),
            [
                {"person_id": i, "unsubscribe_key": secrets.token_urlsafe(24), "verified_at": T0}
                for i in ids
            ],
        )
        conn.execute(
            insert(mail_choices),
            [{"person_id": i, "kind": "decided", "mail": "now"} for i in ids],
        )
    motions = []
    with database.unit_of_work() as uow:
        for n in range(ROUNDS):
            motion = ps.open_proposal(
                uow,
                council=council.id,
                kind=ProposalKind.MOTION,
                title=f"Motion {n}",
                text="Text.",
                by=founder,
                now=T0,
            )
            ps.open_voting(uow, proposal_id=motion.id, by=founder, now=T0 + timedelta(days=2))
            motions.append(motion.id)
        uow.commit()
    return founder, motions


def measure(url: str, members: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU seconds of each close (the CPU time is what the
    figure would be on an idle machine, PostgreSQL's own work apart)."""
    database = Database(url)
    database.upgrade()
    founder, motions = build(database, members)
    with database.engine.begin() as conn:  # the vote's own notices and mail are not measured
        conn.execute(mail_outbox.delete())
    times, cpu = [], []
    for n, motion in enumerate(motions):
        started, used = time.perf_counter(), time.process_time()
        with database.unit_of_work() as uow:
            ps.close_vote(uow, proposal_id=motion, by=founder, now=T0 + timedelta(days=9, hours=n))
            uow.commit()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    with database.engine.connect() as conn:
        queued = conn.execute(select(mail_outbox.c.id)).all()
        told = conn.execute(select(notices.c.id).where(notices.c.kind == "decided")).all()
    expected = ROUNDS * (members - 1)
    assert (len(queued), len(told)) == (expected, expected)
    database.dispose()
    return times, cpu


def report(name: str, members: int, times: list[float], cpu: list[float]) -> None:
    print(
        f"{name}: close_vote telling {members - 1:,} members, start to commit: median "
        f"{median(times):.3f} s wall ({', '.join(f'{t:.3f}' for t in times)}), "
        f"{median(cpu):.3f} s CPU of this process"
    )


def postgres_url() -> str | None:
    """A fresh schema on the test server, or None when it does not answer."""
    try:
        import psycopg

        plain = POSTGRES.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(plain, connect_timeout=3, autocommit=True) as conn:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception as error:
        print(f"PostgreSQL skipped: {str(error).splitlines()[0]}", file=sys.stderr)
        return None
    separator = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{separator}options=-csearch_path%3D{schema}"


def drop_schema(url: str) -> None:
    from sqlalchemy import create_engine

    schema = url.rsplit("%3D", 1)[1]
    engine = create_engine(POSTGRES)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    print(machine())
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            report(
                "SQLite",
                args.members,
                *measure(f"sqlite:///{Path(folder) / 'rada.db'}", args.members),
            )
    if args.db in ("postgres", "both"):
        url = postgres_url()
        if url is not None:
            try:
                report("PostgreSQL", args.members, *measure(url, args.members))
            finally:
                drop_schema(url)


if __name__ == "__main__":
    main()
