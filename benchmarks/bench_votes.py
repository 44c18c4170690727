"""A vote storm on loopback, a SIGKILL in the middle of it, and a restart.

200 members vote on 20 proposals through the JSON API (``rada serve --workers N``), each vote
with its member's API token. The 4,000 votes, shuffled, go out over ``--connections``
keep-alive connections at once (a small raw HTTP/1.1 client on asyncio, so that the load
generator does not eat the cores the server needs). When half the votes have been
acknowledged the server is killed with SIGKILL (every worker process) and started again;
requests that failed are retried (a retry answered 409 "already voted" was stored before the
kill). Afterwards the database must hold exactly one vote per member and proposal, every
acknowledged vote as it was cast, one record entry per vote, and the record must verify
(export + ``rada record verify``).

Usage::

    python benchmarks/bench_votes.py --db sqlite
    python benchmarks/bench_votes.py --db postgres   # the server named by RADA_TEST_POSTGRES_URL
    python benchmarks/bench_votes.py --db postgres --workers 2 --connections 32

Prints throughput (acknowledged votes per second before the kill, and after the restart) and
latency percentiles of the acknowledged votes. With a closed loop of C connections, the mean
latency is C / throughput (Little's law): keep C modest to read latency at a given rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles

import httpx
from sqlalchemy import func, select, text

from rada.councils.orders import CouncilKind, ProposalKind
from rada.record.encoding import EntryKind, decode_entry
from rada.services import accounts, councils, proposals
from rada.store.councils_tables import votes as votes_table
from rada.store.database import Database
from rada.store.record_tables import record_entries

POSTGRES = os.environ.get(
    "RADA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSITIONS = ("yes", "no", "abstain")
RADA = (sys.executable, "-m", "rada.cli")


@dataclass
class Storm:
    acked: dict[tuple[int, int], str] = field(default_factory=dict)  # (member, proposal)
    stored_unacked: set[tuple[int, int]] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)  # acknowledged before the kill
    latencies_after: list[float] = field(default_factory=list)  # sent after the restart
    retries: int = 0
    killed_at: float | None = None
    restarted_at: float | None = None
    finished: float = 0.0
    started: float = 0.0
    acked_before_kill: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(database: Database, members: int, count: int) -> tuple[list[str], list[int], list[int]]:
    """Members with tokens, one council, ``count`` proposals open for voting."""
    now = datetime.now(UTC)
    past = now - timedelta(days=3)
    with database.unit_of_work() as uow:
        people = [
            accounts.register(
                uow,
                name=f"Member {i}",
                email=f"m{i}@storm.coop",
                password="storm password",
                now=past,
            )
            for i in range(members)
        ]
        council = councils.create_council(
            uow,
            name="Storm Works",
            slug="storm",
            kind=CouncilKind.WORKPLACE,
            founder_id=people[0].id,
            now=past,
        )
        for person in people[1:]:
            issued = councils.invite(
                uow, council=council.id, email=person.email, by=people[0].id, now=past
            )
            councils.accept_invitation(uow, code=issued.code, person_id=person.id, now=past)
        opened = []
        for n in range(count):
            p = proposals.open_proposal(
                uow,
                council=council.id,
                kind=ProposalKind.MOTION,
                title=f"Motion {n}",
                text="Shall we?",
                by=people[0].id,
                now=past,
            )
            proposals.open_voting(
                uow, proposal_id=p.id, by=people[0].id, now=past + timedelta(days=1, hours=1)
            )
            opened.append(p.id)
        tokens = [accounts.issue_token(uow, person_id=p.id, name="storm", now=past) for p in people]
        uow.commit()
    return tokens, [p.id for p in people], opened


def signed(database: Database) -> dict[str, int]:
    """How many checkpoints the log holds, and how many cosignatures witnesses returned."""
    with database.engine.connect() as conn:
        checkpoints = conn.execute(text("SELECT count(*) FROM record_checkpoints")).scalar_one()
        cosigned = conn.execute(text("SELECT count(*) FROM record_cosignatures")).scalar_one()
    return {"checkpoints_signed": int(checkpoints), "cosignatures": int(cosigned)}


def start_witness(env: dict[str, str], workdir: Path) -> subprocess.Popen[bytes]:
    """A witness of the log in a process of its own (its own data directory and SQLite file),
    and the log's settings that make the server sign every second and ask it to cosign."""
    log_key = subprocess.run(
        [*RADA, "record", "pubkey"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    witness_env = {
        **os.environ,
        "RADA_DATA_DIR": str(workdir / "witness"),
        "RADA_DATABASE_URL": f"sqlite:///{workdir / 'witness.db'}",
    }
    witness_env.pop("RADA_WITNESSES", None)
    init = [*RADA, "witness", "init", "--name", "bench.example/witness"]
    subprocess.run(init, env=witness_env, check=True, capture_output=True)
    witness_key = subprocess.run(
        [*RADA, "witness", "pubkey"], env=witness_env, check=True, capture_output=True, text=True
    ).stdout.strip()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [*RADA, "witness", "serve", "--port", str(port), "--log", log_key],
        env=witness_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    env["RADA_WITNESSES"] = f"http://127.0.0.1:{port}/ {witness_key}"
    env["RADA_WITNESS_QUORUM"] = "1"
    env["RADA_CHECKPOINT_INTERVAL_SECONDS"] = "1"
    return process


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*RADA, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def wait_up(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{base}/api/v1/councils")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("the server did not come up")


def cpu_ticks(session: int) -> int:
    """CPU time (clock ticks) used so far by the processes of a session (the server and its
    workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # the session id
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


async def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    """Wait until the server answers and every worker has finished starting (the session's
    processes use no CPU for a quarter of a second): a worker that is still starting takes
    no connections, and the storm's keep-alive connections would all go to the others."""
    await wait_up(base)
    deadline = time.monotonic() + 60.0
    before = cpu_ticks(server.pid)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        now = cpu_ticks(server.pid)
        if now - before <= 1:
            return
        before = now
    raise RuntimeError("the server's workers did not settle")


class Connection:
    """One keep-alive HTTP/1.1 connection that posts JSON and reads the status and body
    (responses carry Content-Length). Far cheaper per request than a general client."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, token: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


async def storm(
    port: int,
    jobs: list[tuple[int, int]],
    tokens: list[str],
    people: list[int],
    connections: int,
    restart: asyncio.Event,
    down: asyncio.Event,
    state: Storm,
    kill_after: int,
) -> None:
    """Every (member, proposal) vote of ``jobs``, over ``connections`` connections."""
    queue = iter(jobs)

    async def worker() -> None:
        conn = Connection("127.0.0.1", port)
        for i, pid in queue:
            position = POSITIONS[(i + pid) % 3]
            body = json.dumps({"choice": {"position": position}}).encode()
            path = f"/api/v1/proposals/{pid}/votes"
            while True:
                if down.is_set():
                    conn.close()
                    await restart.wait()
                t0 = time.perf_counter()
                try:
                    status, text_ = await conn.post(path, tokens[i], body)
                except TRANSPORT_ERRORS:
                    conn.close()
                    state.retries += 1
                    await asyncio.sleep(0.05)
                    continue
                if status == 201:
                    now = time.perf_counter()
                    state.acked[(people[i], pid)] = position
                    if state.killed_at is None:
                        state.latencies.append(now - t0)
                    elif state.restarted_at is not None and t0 >= state.restarted_at:
                        state.latencies_after.append(now - t0)
                    if len(state.acked) == kill_after and state.killed_at is None:
                        state.killed_at = now
                        state.acked_before_kill = len(state.acked)
                        down.set()
                elif status == 409 and b"already voted" in text_:
                    state.stored_unacked.add((people[i], pid))
                elif status >= 500:
                    state.retries += 1
                    await asyncio.sleep(0.05)
                    continue
                else:
                    raise RuntimeError(f"vote refused: {status} {text_!r}")
                break
        conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    state.finished = time.perf_counter()


async def run_storm(
    env: dict[str, str],
    tokens: list[str],
    people: list[int],
    props: list[int],
    workers: int,
    connections: int,
) -> Storm:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, workers)
    await wait_ready(base, server)
    state = Storm()
    restart, down = asyncio.Event(), asyncio.Event()

    async def killer() -> None:
        nonlocal server
        await down.wait()
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        server = start_server(env, port, workers)
        await wait_ready(base, server)
        state.restarted_at = time.perf_counter()
        down.clear()
        restart.set()

    jobs = [(i, pid) for i in range(len(tokens)) for pid in props]
    random.Random(1968).shuffle(jobs)
    state.started = time.perf_counter()
    kill_after = len(jobs) // 2
    task = asyncio.create_task(killer())
    await storm(port, jobs, tokens, people, connections, restart, down, state, kill_after)
    await task
    os.killpg(server.pid, signal.SIGTERM)
    server.wait()
    return state


def check(
    database: Database, env: dict[str, str], state: Storm, members: int, count: int, workdir: Path
) -> dict[str, object]:
    with database.engine.connect() as conn:
        stored = {
            (r.voter_id, r.proposal_id): r.choice["position"]
            for r in conn.execute(select(votes_table))
        }
        n_votes = conn.execute(select(func.count()).select_from(votes_table)).scalar_one()
        vote_entries = sum(
            1
            for (content,) in conn.execute(select(record_entries.c.content))
            if decode_entry(bytes(content))[1].kind is EntryKind.VOTE
        )
    lost = [k for k, v in state.acked.items() if stored.get(k) != v]
    rada = [sys.executable, "-m", "rada.cli"]
    subprocess.run([*rada, "record", "checkpoint"], env=env, check=True, capture_output=True)
    export = workdir / "export"
    subprocess.run(
        [*rada, "record", "export", str(export)], env=env, check=True, capture_output=True
    )
    key = subprocess.run(
        [*rada, "record", "pubkey"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    verified = subprocess.run(
        [*rada, "record", "verify", str(export), "--key", key, "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    return {
        "votes_stored": n_votes,
        "expected": members * count,
        "acked": len(state.acked),
        "stored_before_kill_unacked": len(state.stored_unacked),
        "acked_lost_or_changed": len(lost),
        "duplicates": n_votes - len(stored),
        "vote_entries_in_record": vote_entries,
        "record_verifies": verified.returncode == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--proposals", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument(
        "--connections", type=int, default=32, help="concurrent keep-alive connections"
    )
    parser.add_argument(
        "--witness",
        action="store_true",
        help="run a witness process and have the server sign a checkpoint every second and "
        "send each to the witness while the storm goes on (issue 13)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rada-storm-"))
    env = {**os.environ, "RADA_DATA_DIR": str(workdir / "data")}
    schema = None
    if args.db == "postgres":
        schema = f"rada_storm_{uuid.uuid4().hex[:10]}"
        admin = Database(POSTGRES)
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        env["RADA_DATABASE_URL"] = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    else:
        (workdir / "data").mkdir()
        env["RADA_DATABASE_URL"] = f"sqlite:///{workdir / 'data' / 'rada.db'}"
    database = Database(env["RADA_DATABASE_URL"])
    database.upgrade()
    witness = start_witness(env, workdir) if args.witness else None
    try:
        tokens, people, props = setup(database, args.members, args.proposals)
        state = asyncio.run(run_storm(env, tokens, people, props, args.workers, args.connections))
        before = state.killed_at - state.started if state.killed_at else float("nan")
        after = state.finished - state.restarted_at if state.restarted_at else float("nan")

        def percentiles(latencies: list[float]) -> dict[str, float]:
            q = quantiles(latencies, n=100)
            return {
                "p50": round(q[49] * 1000, 1),
                "p95": round(q[94] * 1000, 1),
                "p99": round(q[98] * 1000, 1),
            }

        report = {
            "database": args.db,
            "members": args.members,
            "proposals": args.proposals,
            "server_workers": args.workers,
            "connections": args.connections,
            "throughput_votes_per_s_before_kill": round(state.acked_before_kill / before, 1),
            "latency_ms": percentiles(state.latencies),
            "throughput_votes_per_s_after_restart": round(len(state.latencies_after) / after, 1),
            "latency_ms_after_restart": percentiles(state.latencies_after),
            "transport_retries": state.retries,
            "witnessed": args.witness,
            **signed(database),
            **check(database, env, state, args.members, args.proposals, workdir),
        }
        print(json.dumps(report, indent=2))
        ok = (
            report["votes_stored"] == report["expected"]
            and report["duplicates"] == 0
            and report["acked_lost_or_changed"] == 0
            and report["record_verifies"]
            and report["vote_entries_in_record"] == report["votes_stored"]
        )
        if not ok:
            raise SystemExit("the storm lost, duplicated or corrupted votes")
    finally:
        if witness is not None:
            witness.terminate()
            witness.wait()
        database.dispose()
        if schema is not None:
            with Database(POSTGRES).engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
