"""Benchmark archives shaped like the two that researchers recount whole (issue 18).

Both are generated into a cache folder (``$RADA_BENCH_DIR``, default
``/tmp/rada-bench-archives``), never into the repository, and reused once built:

- ``scotland-2017/``: the 12 shared wards of ``../shared/data/elections/scotland-2017``
  replicated up to **346 wards** (the number of wards in the 2017 Scottish council elections).
  Copy ``k`` of a ward keeps its candidates, seats and ballot lines and scales each line's
  weight by a factor drawn per copy around ``1.87 M / 1.60 M`` (the 12 wards cycled to 346 hold
  1.60 M ballots), rounded by a seeded coin, so the archive holds **about 1.87 M ballots** and
  no two copies count alike.
- ``pabulib/``: **1,400 files, about 260 MB**, with the size distribution of pabulib
  (pabulib.org): three city-wide giants in the places of Kraków 2024 (ordinal, 12 MB),
  Wrocław 2015 (approval, 11 MB) and Łódź 2022 (approval, 10 MB) (sizes of the same order as
  theirs; the real files are not in the repository), a long tail of district files whose
  voter counts are log-normal (median about 1,300 voters), about 80% approval, 12% ordinal and
  8% cumulative as in Warszawa, Kraków and Częstochowa, 12 Equal Shares files of 1,500 to
  7,000 voters (like Świecie, Wieliczka, Assen), and 240 files that name no rule, which
  ``rada count pb`` cannot count without ``--rule`` (1,400 - 240 = **1,160 countable**, as in
  the issue). Vote rows
  carry the extra columns real files have (``age``, ``sex``, ``voting_method``). Ballots are
  drawn from a Plackett-Luce model over project popularity, so short popular ballots repeat
  the way real ones do.

``python benchmarks/counting_archives.py`` builds both and prints what they hold.
"""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

import numpy as np

SEED = 20170504
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WARDS = 346
BALLOTS = 1_870_000
PB_FILES = 1_400
PB_BYTES = 260_000_000
UNCOUNTABLE = 240
MES_FILES = 12
#: (name, vote type, size in bytes) of the three largest files.
GIANTS = (
    ("Poland_Krakow_2024", "ordinal", 12_000_000),
    ("Poland_Wroclaw_2015", "approval", 10_000_000),
    ("Poland_Lodz_2022", "approval", 9_000_000),
)


def cache_dir() -> Path:
    """Where the archives are built (outside the repository)."""
    return Path(os.environ.get("RADA_BENCH_DIR", "/tmp/rada-bench-archives"))


# --- Scottish wards -------------------------------------------------------------------------


def _blt_parts(text: str) -> tuple[list[str], list[tuple[int, str]], list[str]]:
    """A BLT file as (head lines, ballot lines as (weight, rest), tail lines)."""
    lines = text.splitlines()
    head = [lines[0]]
    at = 1
    if lines[at].startswith("-"):
        head.append(lines[at])
        at += 1
    ballots: list[tuple[int, str]] = []
    while lines[at].strip() != "0":
        weight, _, rest = lines[at].strip().partition(" ")
        ballots.append((int(weight), rest))
        at += 1
    return head, ballots, lines[at:]


def scottish_archive() -> list[Path]:
    """The 346-ward archive (built once), in ward order."""
    folder = cache_dir() / "scotland-2017"
    manifest = folder / "manifest.json"
    if manifest.exists():
        return [folder / name for name in json.loads(manifest.read_text())["files"]]
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted((SHARED / "elections" / "scotland-2017").glob("*.blt"))
    parts = [_blt_parts(p.read_text(encoding="utf-8")) for p in sources]
    cycled = sum(sum(w for w, _ in parts[i % len(parts)][1]) for i in range(WARDS))
    rng = random.Random(SEED)
    names: list[str] = []
    total = 0
    for i in range(WARDS):
        source, (head, ballots, tail) = sources[i % len(sources)], parts[i % len(parts)]
        factor = BALLOTS / cycled * rng.uniform(0.9, 1.1)
        out = list(head)
        for weight, rest in ballots:
            scaled = weight * factor
            w = int(scaled) + (rng.random() < scaled - int(scaled))
            if w > 0:
                out.append(f"{w} {rest}")
                total += w
        out.extend(tail)
        name = f"{i:03d}_{source.name}"
        (folder / name).write_text("\n".join(out) + "\n", encoding="utf-8")
        names.append(name)
    manifest.write_text(json.dumps({"files": names, "ballots": total}))
    return [folder / name for name in names]


# --- pabulib --------------------------------------------------------------------------------


def _voter_counts(rng: np.random.Generator) -> list[int]:
    """Voters per tail file, log-normal, scaled so the tail fills what the giants leave."""
    tail = PB_FILES - len(GIANTS)
    raw = rng.lognormal(np.log(1300), 1.1, size=tail)
    raw = np.clip(raw, 60, 60_000)
    budget = PB_BYTES - sum(size for _, _, size in GIANTS)
    # About 34 bytes per vote row and 3 KB of META and PROJECTS per file.
    scale = (budget - 3_000 * tail) / 34 / raw.sum()
    return [max(40, int(v * scale)) for v in raw]


def _pb_text(
    rng: np.random.Generator,
    *,
    voters: int,
    projects: int,
    vote_type: str,
    rule: str | None,
    name: str,
) -> str:
    """One .pb file: META, PROJECTS with costs and names, VOTES with extra columns."""
    costs = (np.round(rng.lognormal(np.log(120_000), 0.9, size=projects), -2) + 1_000).astype(int)
    budget = int(costs.sum() * rng.uniform(0.2, 0.4))
    ids = [str(int(x)) for x in rng.choice(10 * projects + 100, size=projects, replace=False)]
    meta = [
        ("description", f"PB in {name}"),
        ("country", "Poland"),
        ("unit", name.split("_")[1]),
        ("instance", name.split("_")[2]),
        ("num_projects", str(projects)),
        ("num_votes", str(voters)),
        ("budget", str(budget)),
        ("vote_type", vote_type),
    ]
    if rule is not None:
        meta.append(("rule", rule))
    longest = min(projects, 3 if vote_type == "ordinal" else 15)
    meta += [("min_length", "1"), ("max_length", str(longest)), ("language", "pl")]
    if vote_type == "cumulative":
        meta.append(("max_sum_points", "10"))
    popularity = rng.dirichlet(np.full(projects, 0.7))
    order = np.argsort(-(np.log(popularity) + rng.gumbel(size=(voters, projects))), axis=1)
    mean = {"approval": 4.0, "ordinal": 2.5, "cumulative": 2.0}[vote_type]
    lengths = np.minimum(rng.geometric(1 / mean, size=voters), longest)
    if vote_type == "ordinal":
        lengths = np.full(voters, longest)
    ages = rng.integers(16, 90, size=voters)
    sexes = rng.choice(["F", "M"], size=voters)
    methods = rng.choice(["internet", "paper"], size=voters, p=[0.85, 0.15])
    voter_ids = rng.permutation(voters * 3)[:voters] + 1
    points_column = vote_type == "cumulative"
    header = (
        "voter_id;vote;points;age;sex;voting_method"
        if points_column
        else ("voter_id;vote;age;sex;voting_method")
    )
    rows = []
    for v, (row, k) in enumerate(zip(order.tolist(), lengths.tolist(), strict=True)):
        vote = ",".join(ids[j] for j in row[:k])
        extra = f"{ages[v]};{sexes[v]};{methods[v]}"
        if points_column:
            points = [10 // k] * k
            points[0] += 10 - sum(points)
            rows.append(f"{voter_ids[v]};{vote};{','.join(map(str, points))};{extra}")
        else:
            rows.append(f"{voter_ids[v]};{vote};{extra}")
    out = ["META", "key;value", *(f"{k};{v}" for k, v in meta), "PROJECTS"]
    out.append("project_id;cost;votes;name;category;selected")
    for pid, cost in zip(ids, costs.tolist(), strict=True):
        out.append(f'{pid};{cost};0;"Projekt {pid}; park, szkoła";public space;0')
    out += ["VOTES", header, *rows]
    return "\r\n".join(out) + "\r\n"


def pabulib_archive() -> tuple[list[Path], list[Path]]:
    """The 1,400-file archive (built once): (every file, the 1,160 countable ones)."""
    folder = cache_dir() / "pabulib"
    manifest = folder / "manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text())
        return [folder / n for n in data["files"]], [folder / n for n in data["countable"]]
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    plan: list[tuple[str, int, int, str, str | None]] = []
    for name, kind, size in GIANTS:
        plan.append((name, size // 34, 120, kind, "greedy"))
    counts = _voter_counts(rng)
    uncountable = set(rng.choice(len(counts), size=UNCOUNTABLE, replace=False).tolist())
    # Equal Shares was run by towns with thousands of voters (Świecie 2,553, Wieliczka 6,586);
    # a few hundred voters sharing a district budget would need thousands of add1 tries.
    towns = [i for i in range(len(counts)) if i not in uncountable and 1_500 <= counts[i] < 7_000]
    mes = set(rng.choice(towns, size=MES_FILES, replace=False).tolist())
    for i, voters in enumerate(counts):
        kind = str(rng.choice(["approval", "ordinal", "cumulative"], p=[0.8, 0.12, 0.08]))
        rule: str | None = "greedy"
        if i in mes:
            kind, rule = "approval", "equalshares/add1"
        elif i in uncountable:
            rule = None
        projects = int(np.clip(rng.lognormal(np.log(20), 0.5), 4, 150))
        city = str(rng.choice(["Warszawa", "Krakow", "Gdansk", "Czestochowa", "Gdynia"]))
        plan.append((f"Poland_{city}_{2017 + i % 9}_D{i:04d}", voters, projects, kind, rule))
    names: list[str] = []
    countable: list[str] = []
    for name, voters, projects, kind, rule in plan:
        file = f"{name}.pb"
        text = _pb_text(rng, voters=voters, projects=projects, vote_type=kind, rule=rule, name=name)
        (folder / file).write_text(text, encoding="utf-8")
        names.append(file)
        if rule is not None:
            countable.append(file)
    manifest.write_text(json.dumps({"files": names, "countable": countable}))
    return [folder / n for n in names], [folder / n for n in countable]


def main() -> None:
    wards = scottish_archive()
    data = json.loads((wards[0].parent / "manifest.json").read_text())
    size = sum(p.stat().st_size for p in wards) / 1e6
    print(f"scotland-2017: {len(wards)} wards, {data['ballots']:,} ballots, {size:.1f} MB")
    files, countable = pabulib_archive()
    size = sum(p.stat().st_size for p in files) / 1e6
    largest = sorted(files, key=lambda p: -p.stat().st_size)[:3]
    print(f"pabulib: {len(files)} files ({len(countable)} countable), {size:.0f} MB; largest:")
    for p in largest:
        with p.open(encoding="utf-8") as handle:
            votes = next(r for r in csv.reader(handle, delimiter=";") if r[:1] == ["num_votes"])
        print(f"    {p.name}: {p.stat().st_size / 1e6:.1f} MB, {int(votes[1]):,} votes")


if __name__ == "__main__":
    main()
