"""The world economy: WIOD's 2011 table, 41 regions x 35 industries (issue 17 §4).

The table has no labour data; value added ("Output less intermediate inputs") stands in for
it, so every "labour value" is 1 and the command line says so. It is read from
``../shared/data/io/wiod-2011`` and never shipped in the package.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rada.planning.formats.iot import primary_input_note, read_iot
from rada.planning.leontief import labour_values

WIOD = Path(__file__).resolve().parents[4] / "shared" / "data" / "io" / "wiod-2011"
ROW = "Output less intermediate inputs"

pytestmark = pytest.mark.skipif(
    not (WIOD / "iot.csv").is_file(), reason=f"the WIOD 2011 table is not at {WIOD}"
)

#: The region-industries with zero output in 2011, left out of iot.csv (its README).
DROPPED = [
    "AUS-c35",
    "BGR-c35",
    "BRA-c35",
    "CHN-c19",
    "CHN-c35",
    "CYP-c8",
    "ESP-c35",
    "EST-c35",
    "HUN-c35",
    "IDN-c19",
    "IDN-c35",
    "JPN-c35",
    "KOR-c35",
    "LUX-c5",
    "LUX-c8",
    "LVA-c8",
    "LVA-c35",
    "MLT-c8",
    "ROM-c35",
    "RUS-c35",
    "SVK-c35",
    "SWE-c5",
]


def test_the_table_has_1413_region_industries_and_22_were_dropped_for_zero_output() -> None:
    table = read_iot(WIOD / "iot.csv", labour_row=ROW)
    assert len(table.codes) == 1413
    assert len({c.split("-")[0] for c in table.codes}) == 41
    with (WIOD / "final_demand_by_region.csv").open(encoding="utf-8") as handle:
        every = [row[0] for row in csv.reader(handle)][1:]
    assert len(every) == 1435
    assert sorted(set(every) - set(table.codes)) == sorted(DROPPED)
    assert table.output.sum() == 141_767_904


def test_value_added_stands_in_for_labour_so_every_labour_value_is_1() -> None:
    table = read_iot(WIOD / "iot.csv", labour_row=ROW)
    assert table.primary_input_note == primary_input_note(ROW)
    assert table.primary_input_note is not None
    assert "value added" in table.primary_input_note
    values = labour_values(table.coefficients, table.labour_coefficients).value
    np.testing.assert_allclose(values, 1.0, atol=1e-12)


def test_the_table_without_a_labour_row_is_refused() -> None:
    from rada.planning.errors import InputError

    with pytest.raises(InputError, match="no labour row 'Compensation of employees'") as caught:
        read_iot(WIOD / "iot.csv")
    # The hint names the one row that can stand in, and no product or total.
    assert caught.value.hint is not None
    assert "--labour-row 'Output less intermediate inputs'" in caught.value.hint
    assert "AUS-c1" not in caught.value.hint
    assert "Total output" not in caught.value.hint


def _rada(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rada.cli", *args], capture_output=True, text=True, env=os.environ
    )


def test_labour_values_shown_say_that_value_added_stands_in() -> None:
    result = _rada("io", "values", str(WIOD / "iot.csv"), "--labour-row", ROW, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["primary_input_note"] == primary_input_note(ROW)
    text = _rada("io", "values", str(WIOD / "iot.csv"), "--labour-row", ROW)
    assert "Note: value added ('Output less intermediate inputs') stands in for labour" in (
        text.stdout.replace("\n", " ")
    )


@pytest.mark.slow
def test_a_one_year_world_plan_and_its_note() -> None:
    result = _rada(
        "plan", "solve", str(WIOD / "iot.csv"), "--labour-row", ROW, "--solver", "primal", "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # (value added 69,327,812 + committed 8,499) / targets 69,277,101, as labour values are 1.
    assert data["objective"] == pytest.approx(1.0008546835699867, rel=1e-12)
    assert data["certificate"]["gap"] < 1e-9
    assert "stands in for labour" in data["primary_input_note"]


def test_the_five_year_world_plan_is_certified_optimal_in_closed_form() -> None:
    # Nothing but value added limits it, so auto proves the plan with no investment optimal
    # (primal simplex: 4.859952346488048, in about a minute).
    result = _rada(
        "plan", "solve", str(WIOD / "iot.csv"), "--labour-row", ROW, "--years", "5", "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "optimal"
    assert data["objective"] == pytest.approx(4.859952346488048, rel=1e-10)
    assert data["certificate"]["gap"] < 1e-9
    assert data["certificate"]["max_violation"] == 0.0


def test_the_world_inverse_written_by_the_command_line_is_the_inverse(tmp_path: Path) -> None:
    out = tmp_path / "L.csv"
    result = _rada("io", "inverse", str(WIOD / "iot.csv"), "--labour-row", ROW, "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = read_iot(WIOD / "iot.csv", labour_row=ROW)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["code", *table.codes]
    assert [row[0] for row in rows[1:]] == list(table.codes)
    inverse = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    # (I - A) L = I, to rounding.
    np.testing.assert_allclose(
        inverse - table.coefficients @ inverse, np.eye(len(table.codes)), atol=1e-12
    )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_rada_serve_shows_the_world_economy_and_says_value_added_stands_in(
    tmp_path: Path,
) -> None:
    import time

    import httpx

    port = _free_port()
    env = {**os.environ, "RADA_DATA_DIR": str(tmp_path), "RADA_AUDIT_INTERVAL_SECONDS": "0"}
    env.pop("RADA_DATABASE_URL", None)
    args = ["--economy", str(WIOD / "iot.csv"), "--labour-row", ROW, "--years", "2"]
    server = subprocess.Popen(
        [sys.executable, "-m", "rada.cli", "serve", "--port", str(port), "--no-worker", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            while True:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                try:
                    page = client.get("/plan")
                    break
                except httpx.TransportError:
                    time.sleep(0.3)
            assert page.status_code == 200
            assert "wiod-2011/iot.csv" in page.text  # a table is named by its folder and file
            assert 'id="value-added"' in page.text
            assert "every product's labour value is 1" in page.text
            years = page.text[page.text.index('id="years"') : page.text.index("</table>")]
            assert years.count('<th scope="row">') == 2
            product = client.get("/plan/products/USA-c12", params={"lang": "cs"})
            assert product.status_code == 200
            assert "místo práce v ní stojí přidaná hodnota" in product.text
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--labour-row", "No such row"], "No such row"),
        (["--labour-row", ROW, "--format", "nonsense"], "unknown format 'nonsense'"),
    ],
)
def test_rada_serve_refuses_an_economy_it_cannot_read_before_it_starts(
    tmp_path: Path, extra: list[str], said: str
) -> None:
    env = {**os.environ, "RADA_DATA_DIR": str(tmp_path)}
    env.pop("RADA_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "rada.cli", "serve", "--economy", str(WIOD / "iot.csv"), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert said in result.stderr
    assert "Rada is at" not in result.stderr


def test_an_app_whose_settings_name_an_unreadable_economy_does_not_start(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from rada.config import Settings
    from rada.planning.errors import InputError
    from rada.web.app import create_app

    settings = Settings(
        data_dir=tmp_path, database_url="", economy=WIOD / "iot.csv", economy_labour_row="Nope"
    )
    with pytest.raises(InputError, match="Nope"), TestClient(create_app(settings)):
        pass


@pytest.mark.slow
def test_a_world_plan_with_a_technique_added_is_solved_without_a_time_limit() -> None:
    """With a second Chinese basic-metals technique that needs no electricity (a what-if of
    docs/planning.md), the five-year plan is no longer settled in closed form and auto takes
    the first-order method to an exact plan. Without a time limit, HiGHS's hipdlp had not
    finished its first run after 9 minutes; pdhg's look proves the plan exact in seconds. Run
    in a child process with a timeout, so that a run that does not end fails the test."""
    script = f"""
import sys
from pathlib import Path
from rada.planning.formats import load_economy
from rada.planning.optimal import solve_plan
from rada.planning.variants import AddTechnique, Variant, apply_variant

economy = load_economy(
    Path({str(WIOD / "iot.csv")!r}), labour_row={ROW!r}, years=5,
    target_growth=0.025, supply_growth=0.01,
)
variant = Variant(
    "Chinese metals without electricity",
    changes=(AddTechnique("CHN-c12-b", copy_of="CHN-c12", inputs={{"CHN-c17": 0.0}}),),
)
plan = solve_plan(apply_variant(economy, variant), progress=lambda line: print(line, flush=True))
print("RESULT", plan.status, repr(plan.objective), repr(plan.certificate.gap))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "solver: first-order" in lines
    assert any(line.startswith("a look by Rada's pdhg") for line in lines)
    status, objective, gap = lines[-1].split()[1:]
    assert status == "optimal"
    assert float(gap) <= 1e-9
    # The base plan is 4.859952346488048: a technique more can only do as well or better.
    assert float(objective) >= 4.859952346488048


@pytest.mark.slow
def test_a_world_cycles_round_stands_on_its_proof_where_solving_again_may_differ() -> None:
    """A planning cycle on the world table over five years, one workplace council per
    region-industry (1,413): past 1,000 techniques x years ``auto`` runs the first-order
    method, whose path the clock steers, so solving the round again may give another plan
    of the same quality (it did in one of two replays on 2026-12-06). The round's proof
    stands either way, where the replay once called such a round doctored."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from rada.councils.orders import CouncilKind
    from rada.planning.formats.iot import iot_economy
    from rada.services import accounts
    from rada.services import councils as cs
    from rada.services import planning_cycle as pc
    from rada.store.memory import MemoryState, MemoryUnitOfWork

    at = datetime(2026, 5, 1, 8, tzinfo=UTC)
    table = read_iot(WIOD / "iot.csv", labour_row=ROW)
    world = replace(
        iot_economy(table, years=5, target_growth=0.025, supply_growth=0.01), name="wiod-2011"
    )
    with MemoryUnitOfWork(MemoryState()) as uow:
        conv = accounts.register(
            uow, name="conv", email="c@p.coop", password="long enough pw", now=at
        ).id
        congress = cs.create_council(
            uow, name="Congress", slug="congress", kind=CouncilKind.CONGRESS, founder_id=conv,
            now=at,
        )  # fmt: skip
        workplaces = {
            g: cs.create_council(
                uow, name=g, slug=g.lower(), kind=CouncilKind.WORKPLACE, founder_id=conv, now=at
            ).id
            for g in pc.product_groups(world)
        }
        assert len(workplaces) == 1413
        cycle = pc.start_cycle(
            uow, congress=congress.id, economy=world, title="World", workplaces=workplaces,
            by=conv, now=at,
        )  # fmt: skip
        state = pc.get_cycle(uow, cycle.id)
        state.points[conv] = {g: (100 if g.startswith("CHN") else 0) for g in state.groups}
        uow.cycles.save(state)
        pc.close_priorities(uow, cycle_id=cycle.id, by=conv, now=at)
        pc.plan_round(uow, cycle_id=cycle.id, base=world, by=conv, now=at)
        entries = []
        while (entry := uow.record.read(len(entries))) is not None:
            entries.append(entry)
    replayed = pc.replay(entries, world, cycle_id=cycle.id)
    assert replayed.ok, replayed.mismatches
    (found,) = replayed.each
    assert found.checked is not None
    assert found.checked.gap <= 1e-9
    assert found.reproducible is False  # solved by the first-order method, finished exactly
