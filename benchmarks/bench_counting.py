"""Benchmarks of :mod:`rada.counting` against the speed targets of issue 3.

Run on demand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_counting.py                  # everything, 5 runs each
    .venv/bin/python benchmarks/bench_counting.py --only stv,meek --runs 3
    .venv/bin/python benchmarks/bench_counting.py --only mes --check-voters 5000

Each figure is the median of ``--runs`` runs, printed next to its target with what it covers.
Elections are generated from a fixed seed, so every run counts the same ballots:

- stv: Scottish STV, 1,000,000 ballots, 16 candidates, 5 seats. Rankings are drawn from a
  Plackett-Luce model (Gumbel-perturbed log-weights, candidate strengths from a Dirichlet) and
  truncated after a geometric number of preferences (mean about 4, as in Scottish wards).
  Two figures: the count alone on the aggregated profile (the target), and reading a BLT file of
  one line per ballot, aggregating and counting.
- meek: Meek STV, 10,000 ballots, 12 candidates, 5 seats, the same model; count alone.
- mes: Equal Shares with the add1 completion (cost satisfaction), 100,000 voters and 100
  projects; each voter approves a geometric number of projects (mean about 6) drawn by
  popularity. Figures: the count on a parsed instance (the target), and reading the .pb file
  plus counting. Then a smaller instance (``--check-voters``, ``--check-projects``; costs near
  the number of voters, so each share is a few units and add1 needs few tries) is counted by
  Rada and by pabutools (add1 as pabutools' ``exhaustion_by_budget_increase`` with a step of one
  unit per voter) and the outcomes are compared; both are timed once there. (At 2,000 voters,
  100 projects and the costs above, pabutools needs about 460 s for its 100-odd add1 tries.)
- greedy: greedy PB, 131,000 voters, the same approval model; the count alone (the target) and
  reading the .pb file plus counting.

Timings on a shared machine are noisy: say what else was running when you quote them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

from rada.counting.ballots import Profile
from rada.counting.formats.blt import BltElection, read_blt, write_blt
from rada.counting.formats.pabulib import PbInstance, PbProject, PbVote, read_pb, write_pb
from rada.counting.meek import meek_stv
from rada.counting.mes import equal_shares
from rada.counting.pb import greedy
from rada.counting.stv import scottish_stv

SEED = 20170504  # the day of the 2017 Scottish local elections


def plackett_luce(voters: int, candidates: int, *, seed: int, mean_length: float) -> Profile:
    """Truncated Plackett-Luce rankings, aggregated into a profile."""
    rng = np.random.default_rng(seed)
    strength = rng.dirichlet(np.full(candidates, 1.5))
    keys = np.log(strength) + rng.gumbel(size=(voters, candidates))
    order = np.argsort(-keys, axis=1)
    lengths = np.minimum(rng.geometric(1 / mean_length, size=voters), candidates)
    counts: dict[tuple[int, ...], int] = {}
    for row, k in zip(order.tolist(), lengths.tolist(), strict=True):
        key = tuple(row[:k])
        counts[key] = counts.get(key, 0) + 1
    names = [f"Candidate {chr(65 + c)}" for c in range(candidates)]
    return Profile(tuple(names), tuple(counts), tuple(counts.values()))


def approval_pb(
    voters: int, projects: int, *, seed: int, mean_approvals: float, cost: float = 150_000
) -> PbInstance:
    """An approval PB election: costs log-normal around ``cost``, approvals by popularity."""
    rng = np.random.default_rng(seed)
    costs = np.round(rng.lognormal(np.log(cost), 0.8, size=projects), -2).astype(int) + 1000
    budget = int(costs.sum() * 0.3)
    popularity = rng.dirichlet(np.full(projects, 0.8))
    keys = np.log(popularity) + rng.gumbel(size=(voters, projects))
    order = np.argsort(-keys, axis=1)
    lengths = np.minimum(rng.geometric(1 / mean_approvals, size=voters), projects)
    ids = [str(j + 1) for j in range(projects)]
    votes = tuple(
        PbVote(str(i + 1), tuple(ids[j] for j in row[:k]))
        for i, (row, k) in enumerate(zip(order.tolist(), lengths.tolist(), strict=True))
    )
    return PbInstance(
        {"budget": str(budget), "vote_type": "approval", "num_votes": str(voters)},
        tuple(PbProject(pid, Fraction(int(c))) for pid, c in zip(ids, costs, strict=True)),
        votes,
    )


def timed(fn: Callable[[], object], runs: int) -> tuple[float, list[float], object]:
    """Median seconds over ``runs`` calls, every time, and the last result."""
    times: list[float] = []
    result: object = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def report(name: str, median: float, times: list[float], target: float | None, covers: str) -> None:
    """Print one figure, its runs and its target."""
    spread = ", ".join(f"{t:.3f}" for t in times)
    verdict = ""
    if target is not None:
        verdict = f"  target < {target:g} s: {'met' if median < target else 'MISSED'}"
    print(f"{name}: median {median:.3f} s ({spread}){verdict}\n    covers: {covers}")


def bench_stv(runs: int, workdir: Path) -> None:
    """Scottish STV, 1,000,000 ballots, 16 candidates, 5 seats."""
    profile = plackett_luce(1_000_000, 16, seed=SEED, mean_length=4.0)
    print(f"stv: {profile.total} ballots, {len(profile.rankings)} distinct rankings")
    median, times, result = timed(lambda: scottish_stv(profile, 5), runs)
    report(
        "stv count",
        median,
        times,
        2.0,
        "scottish_stv on the aggregated profile (quota, every stage, the full record)",
    )
    assert hasattr(result, "elected")
    path = workdir / "stv-1m.blt"
    if not path.exists():
        raw = Profile(
            profile.candidates,
            tuple(
                r for r, w in zip(profile.rankings, profile.weights, strict=True) for _ in range(w)
            ),
            (1,) * profile.total,
        )
        write_blt(BltElection(raw, 5, "bench"), path)
    size = path.stat().st_size / 1e6

    def read_and_count() -> object:
        election = read_blt(path)
        return scottish_stv(election.profile, election.seats)

    median, times, _ = timed(read_and_count, runs)
    report(
        "stv read+count",
        median,
        times,
        None,
        f"read_blt of a {size:.0f} MB file with one line per ballot (parse, validate, "
        "aggregate) and scottish_stv",
    )


def bench_meek(runs: int) -> None:
    """Meek STV, 10,000 ballots, 12 candidates, 5 seats."""
    profile = plackett_luce(10_000, 12, seed=SEED + 1, mean_length=4.0)
    print(f"meek: {profile.total} ballots, {len(profile.rankings)} distinct rankings")
    median, times, result = timed(lambda: meek_stv(profile, 5), runs)
    rounds = len(getattr(result, "rounds", ()))
    report(
        "meek count",
        median,
        times,
        1.0,
        f"meek_stv on the aggregated profile, {rounds} rounds with quota and keep factors",
    )


def bench_mes(runs: int, workdir: Path, check_voters: int, check_projects: int) -> None:
    """Equal Shares + add1 on 100,000 voters, 100 projects; outcome checked against pabutools."""
    instance = approval_pb(100_000, 100, seed=SEED + 2, mean_approvals=6.0)
    median, times, result = timed(lambda: equal_shares(instance), runs)
    notes = "; ".join(getattr(result, "notes", ()))
    report(
        "mes count",
        median,
        times,
        10.0,
        "equal_shares (grouping ballots, every add1 try, the record) on a parsed instance; "
        + notes,
    )
    path = workdir / "mes-100k.pb"
    write_pb(instance, path)

    def read_and_count() -> object:
        return equal_shares(read_pb(path))

    median, times, _ = timed(read_and_count, runs)
    report("mes read+count", median, times, None, "read_pb of the .pb file and equal_shares")
    check_against_pabutools(check_voters, check_projects)


def check_against_pabutools(voters: int, projects: int) -> None:
    """Count a smaller instance with Rada and with pabutools and compare the outcomes.

    pabutools recounts from scratch at every add1 try, so the instance has cheap projects (each
    voter's share is a few currency units) and the completion needs only a few tries.
    """
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import exhaustion_by_budget_increase, method_of_equal_shares

    instance = approval_pb(voters, projects, seed=SEED + 3, mean_approvals=3.0, cost=voters)
    start = time.perf_counter()
    ours = equal_shares(instance)
    ours_took = time.perf_counter() - start
    pb_projects = {p.id: Project(p.id, p.cost) for p in instance.projects}
    theirs_instance = Instance(pb_projects.values(), budget_limit=instance.budget)
    profile = ApprovalProfile(
        [ApprovalBallot([pb_projects[j] for j in v.projects]) for v in instance.votes]
    )
    start = time.perf_counter()
    theirs = exhaustion_by_budget_increase(
        theirs_instance,
        profile,
        method_of_equal_shares,
        {"sat_class": Cost_Sat},
        budget_step=profile.num_ballots(),
        exhaustive_stop=False,
    )
    took = time.perf_counter() - start
    same = set(ours.selected) == {p.name for p in theirs}
    print(
        f"mes vs pabutools on {voters} voters, {projects} projects: "
        f"{'identical outcome' if same else 'DIFFERENT OUTCOME'} "
        f"({len(ours.selected)} projects; {len(ours.ties)} tie(s) recorded by Rada; "
        f"{ours.notes[-1]}); Rada took {ours_took:.3f} s, pabutools {took:.1f} s"
    )


def bench_greedy(runs: int, workdir: Path) -> None:
    """Greedy PB on 131,000 voters."""
    instance = approval_pb(131_000, 100, seed=SEED + 4, mean_approvals=6.0)
    median, times, _ = timed(lambda: greedy(instance), runs)
    report(
        "greedy count",
        median,
        times,
        0.5,
        "greedy (scores from every ballot, the order, the record)",
    )
    path = workdir / "greedy-131k.pb"
    write_pb(instance, path)
    median, times, _ = timed(lambda: greedy(read_pb(path)), runs)
    report("greedy read+count", median, times, None, "read_pb of the .pb file and greedy")


def main() -> None:
    """Run the chosen benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median is shown)")
    parser.add_argument("--only", default="stv,meek,mes,greedy", help="comma-separated subset")
    parser.add_argument("--check-voters", type=int, default=5000, help="pabutools check size")
    parser.add_argument("--check-projects", type=int, default=20, help="pabutools check size")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "rada-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    chosen = set(args.only.split(","))
    if "stv" in chosen:
        bench_stv(args.runs, args.workdir)
    if "meek" in chosen:
        bench_meek(args.runs)
    if "mes" in chosen:
        bench_mes(args.runs, args.workdir, args.check_voters, args.check_projects)
    if "greedy" in chosen:
        bench_greedy(args.runs, args.workdir)


if __name__ == "__main__":
    main()
