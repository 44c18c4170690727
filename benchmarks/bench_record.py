"""Benchmarks of the public record against the speed targets of issue 4.

Run on demand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_record.py                 # everything, 10M-entry log
    .venv/bin/python benchmarks/bench_record.py --log-size 1000000 --only proofs
    .venv/bin/python benchmarks/bench_record.py --rebuild       # build the big log again

Each figure is the median of ``--runs`` runs, printed next to its target with what it covers:

- appends: durable appends per second on SQLite (WAL, ``synchronous=FULL``, one committed
  transaction per batch) through ``RecordRepository.append``, into a fresh database each run.
  Building the ``Entry`` objects is the caller's work and is not timed; encoding, hashing, tree
  nodes, inserts and commits are.
- proofs: inclusion proofs per second on the big log, through
  ``RecordRepository.inclusion_proofs`` (one tree size, one root, nodes fetched in one query per
  batch of random indexes), then verification with ``verify_inclusion`` measured apart, then
  the one-at-a-time ``inclusion_proof`` for comparison.
- verify: ``verify_export`` of an export of the big log's first 1,000,000 entries, with the
  checkpoints the log signed up to there (one every 100,000 entries).

The big log is built once, by the real append path in batches of 10,000, into a SQLite file
under the temporary directory (``--workdir``), and reused while it is there. Timings on a
shared machine are noisy: say what else was running when you quote them.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rada.record import (
    Checkpoint,
    Entry,
    EntryKind,
    Signer,
    sign_checkpoint,
    verify_export,
    verify_inclusion,
    write_export,
)
from rada.store.engine import record_engine
from rada.store.record_repository import InclusionProofs, RecordRepository

ORIGIN = "bench.example.org/rada-log"
CHECKPOINT_EVERY = 100_000
BUILD_BATCH = 10_000
EXPORT_SIZE = 1_000_000
START = datetime(2024, 1, 1, tzinfo=UTC)
WORDS = [
    "council",
    "budget",
    "housing",
    "proposal",
    "second",
    "amendment",
    "transport",
    "school",
    "rota",
    "garden",
    "repair",
    "meeting",
    "minutes",
    "object",
    "consent",
    "block",
    "stand",
    "aside",
    "quorum",
    "agenda",
    "kitchen",
    "heating",
    "solar",
]


def signer() -> Signer:
    """The benchmark log's key: fixed, so that a reused log and its export agree."""
    return Signer(ORIGIN, bytes(range(32)))


def entries(start: int, count: int) -> list[Entry]:
    """A realistic mix: posts of one to three sentences, votes linking proposals, decisions."""
    rng = random.Random(start)
    made: list[Entry] = []
    for index in range(start, start + count):
        time_ = START + timedelta(seconds=index)
        nonce = rng.randbytes(16)
        author = f"member-{rng.randrange(5000)}"
        roll = rng.random()
        if index < 10 or roll < 0.6:
            text = " ".join(rng.choices(WORDS, k=rng.randrange(8, 40)))
            made.append(Entry(EntryKind.POST, time_, {"text": text}, author=author, nonce=nonce))
        elif roll < 0.9:
            body = {"choice": rng.choice(("yes", "no", "abstain"))}
            links = (rng.randrange(index),)
            made.append(Entry(EntryKind.VOTE, time_, body, author, links, nonce=nonce))
        elif roll < 0.97:
            body = {"title": " ".join(rng.choices(WORDS, k=6)), "text": " ".join(WORDS)}
            made.append(Entry(EntryKind.PROPOSAL, time_, body, author=author, nonce=nonce))
        else:
            body = {"outcome": "adopted", "votes": {"yes": rng.randrange(50), "no": 3}}
            links = (rng.randrange(index),)
            made.append(Entry(EntryKind.DECISION, time_, body, None, links, nonce=nonce))
    return made


class Timer:
    """Wall-clock and CPU time of this process: on a shared machine the two differ."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def measure(runs: int, one_run: Callable[[], tuple[float, Timer]]) -> list[tuple[float, Timer]]:
    """Run ``one_run`` (returning how many things it did, and its timer) ``runs`` times."""
    return [one_run() for _ in range(runs)]


def report(
    what: str,
    results: list[tuple[float, Timer]],
    *,
    unit: str,
    target: str,
    covers: str,
    per_second: bool = True,
) -> None:
    """Print the median (by wall clock, then by CPU time) next to the target."""

    def shown(value: float) -> str:
        return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"

    if per_second:
        wall = [count / t.wall for count, t in results]
        cpu = [count / t.cpu for count, t in results]
    else:
        wall = [t.wall for _, t in results]
        cpu = [t.cpu for _, t in results]
    runs = ", ".join(shown(v) for v in wall)
    print(
        f"{what:<36} {shown(statistics.median(wall)):>10} {unit:<9} target {target:<10} "
        f"(by CPU time {shown(statistics.median(cpu))}; runs {runs})"
    )
    print(f"    covers: {covers}", flush=True)


# -- appends -------------------------------------------------------------------------------


def bench_appends(workdir: Path, runs: int, *, batch: int, total: int) -> None:
    prepared = [entries(i, batch) for i in range(0, total, batch)]

    def one_run() -> tuple[float, Timer]:
        folder = Path(tempfile.mkdtemp(dir=workdir, prefix="appends-"))
        try:
            repository = RecordRepository(record_engine(f"sqlite:///{folder / 'log.db'}"))
            repository.create_schema()
            with Timer() as timer:
                for chunk in prepared:
                    repository.append(chunk)
            repository.engine.dispose()
            return total, timer
        finally:
            shutil.rmtree(folder)

    report(
        "durable appends (SQLite)",
        measure(runs, one_run),
        unit="entries/s",
        target=">= 20,000",
        covers=f"{total:,} entries in committed batches of {batch:,} (append()), fresh WAL "
        "database, synchronous=FULL; making the Entry objects not timed",
    )


# -- the big log ---------------------------------------------------------------------------


def open_log(path: Path) -> RecordRepository:
    repository = RecordRepository(record_engine(f"sqlite:///{path}"))
    repository.create_schema()
    return repository


def build_log(path: Path, size: int) -> RecordRepository:
    """Build (or finish building) a log of ``size`` entries by the real append path."""
    repository = open_log(path)
    key = signer()
    have = repository.size()
    if have >= size:
        return repository
    print(f"building a {size:,}-entry log in {path} (from {have:,})...", file=sys.stderr)
    began = time.perf_counter()
    while have < size:
        next_checkpoint = (have // CHECKPOINT_EVERY + 1) * CHECKPOINT_EVERY
        count = min(BUILD_BATCH, size - have, next_checkpoint - have)
        repository.append(entries(have, count))
        have += count
        if have % CHECKPOINT_EVERY == 0:
            repository.add_checkpoint(key)
            rate = have / (time.perf_counter() - began)
            print(f"  {have:>12,} entries, {rate:,.0f}/s overall", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - began
    print(f"built in {elapsed:,.0f} s", file=sys.stderr)
    return repository


def bench_proofs(repository: RecordRepository, runs: int, *, batch: int, batches: int) -> None:
    size = repository.size()
    rng = random.Random(4)
    made: list[InclusionProofs] = []

    def generate() -> tuple[float, Timer]:
        plan = [[rng.randrange(size) for _ in range(batch)] for _ in range(batches)]
        with Timer() as timer:
            results = [repository.inclusion_proofs(chunk, size=size) for chunk in plan]
        made[:] = results
        return batch * batches, timer

    report(
        f"inclusion proofs, {size:,} entries",
        measure(runs, generate),
        unit="proofs/s",
        target=">= 10,000",
        covers=f"inclusion_proofs() of {batches} batches of {batch:,} random indexes: the size, "
        "then root, leaf hashes and proof nodes in one query per batch; generation only",
    )

    def verify() -> tuple[float, Timer]:
        count = 0
        with Timer() as timer:
            for result in made:
                for index, leaf, proof in zip(
                    result.indexes, result.leaf_hashes, result.proofs, strict=True
                ):
                    verify_inclusion(
                        leaf_hash=leaf, index=index, size=size, proof=proof, root=result.root
                    )
                    count += 1
        return count, timer

    report(
        "  verification, apart",
        measure(runs, verify),
        unit="proofs/s",
        target="-",
        covers="verify_inclusion() of each proof just generated, against its batch's root",
    )

    def single() -> tuple[float, Timer]:
        chosen = [rng.randrange(size) for _ in range(500)]
        with Timer() as timer:
            for index in chosen:
                repository.inclusion_proof(index, size)
        return len(chosen), timer

    report(
        "  one at a time, for comparison",
        measure(runs, single),
        unit="proofs/s",
        target="-",
        covers="inclusion_proof(index, size) of 500 random indexes: two queries per proof "
        "(it is a batch of one)",
    )


# -- verifying an export -------------------------------------------------------------------


def make_export(repository: RecordRepository, directory: Path, size: int) -> None:
    if (directory / "record.json").is_file():
        return
    print(f"exporting the first {size:,} entries to {directory}...", file=sys.stderr)
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    notes = [
        note
        for note in repository.checkpoints()
        if Checkpoint.parse(note[: note.rfind("\n\n") + 1]).size <= size
    ]
    if not any(Checkpoint.parse(n[: n.rfind("\n\n") + 1]).size == size for n in notes):
        notes.append(sign_checkpoint(Checkpoint(ORIGIN, size, repository.root(size)), signer()))
    write_export(
        partial,
        origin=ORIGIN,
        public_key=signer().verifier.vkey(),
        root=repository.root(size),
        entries=itertools.islice(repository.entries(), size),
        checkpoints=notes,
    )
    partial.rename(directory)


def bench_verify(directory: Path, runs: int) -> None:
    key = signer().verifier.vkey()
    lines = 0

    def one_run() -> tuple[float, Timer]:
        nonlocal lines
        with Timer() as timer:
            lines = verify_export(directory, trusted_key=key).size
        return lines, timer

    results = measure(runs, one_run)
    megabytes = (directory / "entries.jsonl").stat().st_size / 1e6
    report(
        f"verify export, {lines:,} entries",
        results,
        unit="s",
        target="< 30",
        per_second=False,
        covers=f"verify_export(): {megabytes:,.0f} MB of JSON lines; every leaf hash, canonical "
        "form, index and tree root, and the signed checkpoints (one per 100,000 entries)",
    )


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-size", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="appends,proofs,verify")
    parser.add_argument("--rebuild", action="store_true", help="delete and rebuild the big log")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "rada-bench-record"
    )
    parser.add_argument("--append-batch", type=int, default=1_000)
    parser.add_argument("--append-total", type=int, default=100_000)
    parser.add_argument("--proof-batch", type=int, default=1_000)
    parser.add_argument("--proof-batches", type=int, default=10)
    args = parser.parse_args(argv)
    wanted = set(args.only.split(","))
    args.workdir.mkdir(parents=True, exist_ok=True)
    log_path = args.workdir / f"log-{args.log_size}.db"
    export_dir = args.workdir / f"log-{args.log_size}-export-{min(EXPORT_SIZE, args.log_size)}"
    if args.rebuild:
        for path in args.workdir.glob(f"log-{args.log_size}.db*"):
            path.unlink()
        shutil.rmtree(export_dir, ignore_errors=True)
    print(f"rada record benchmarks; median of {args.runs} runs; work in {args.workdir}")
    print(f"{os.cpu_count()} CPUs; load average {load()} at the start")
    if "appends" in wanted:
        bench_appends(args.workdir, args.runs, batch=args.append_batch, total=args.append_total)
    if wanted & {"proofs", "verify"}:
        repository = build_log(log_path, args.log_size)
        if "proofs" in wanted:
            bench_proofs(repository, args.runs, batch=args.proof_batch, batches=args.proof_batches)
        if "verify" in wanted:
            make_export(repository, export_dir, min(EXPORT_SIZE, args.log_size))
            bench_verify(export_dir, max(1, min(args.runs, 3)))
    print(f"load average {load()} at the end (1, 5 and 15 minutes)")


if __name__ == "__main__":
    main()
