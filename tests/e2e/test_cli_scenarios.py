"""``rada plan scenarios`` solves a batch of what-ifs on Dask; ``rada plan solve`` takes
``--device`` and plans a one-year table over ``--years``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rada.cli.main import ExitCode
from rada.compute.gpu import gpu_available
from rada.compute.scenarios import solve_variant
from rada.planning.formats.cockshott import read_cockshott
from rada.planning.formats.rada_toml import write_economy
from rada.planning.formats.variants_toml import read_variants
from rada.planning.generate import generate_economy
from rada.planning.variants import Variant

RADA = [sys.executable, "-m", "rada.cli"]

VARIANTS = """
[[variant]]
name = "a fifth more of everything"
scale_targets = [{ factor = 1.2 }]

[[variant]]
name = "no such technique"
capacity = [{ technique = "nowhere", capacity = 1.0 }]
"""


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RADA, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


@pytest.mark.slow
def test_scenarios_json_equals_each_variant_solved_alone(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    toy = shared_data / "cockshott-toy" / "v2019"
    variants = tmp_path / "variants.toml"
    variants.write_text(VARIANTS, encoding="utf-8")
    result = run(
        "plan", "scenarios", str(toy), str(variants), "--json", "--workers", "2",
        env={"RADA_DASK_SCHEDULER": ""},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no bar when stderr is not a terminal
    data = json.loads(result.stdout)
    economy = read_cockshott(toy)
    alone = [solve_variant(economy, v) for v in (Variant("base"), *read_variants(variants))]
    got = data["results"]
    assert [r["name"] for r in got] == [r.name for r in alone]
    for row, expected in zip(got, alone, strict=True):
        assert row["status"] == expected.status
        if expected.objective is None:
            assert row["objective"] is None
        else:
            assert row["objective"] == pytest.approx(expected.objective, rel=1e-12)
    assert got[0]["objective"] == pytest.approx(8.79729913, abs=5e-9)
    assert got[2]["status"] == "error"
    assert "no technique 'nowhere'" in got[2]["error"]
    assert data["primary_input_note"] is None


@pytest.mark.slow
def test_scenarios_solves_each_variant_to_the_gap_asked(tmp_path: Path) -> None:
    """``--gap`` reaches the workers: pdhg stops at the closed form's certificate, which
    proves 0.5 here, where the default gap would have taken it to 1e-6."""
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    economy = generate_economy(products=200, years=3, seed=1)
    path = tmp_path / "economy.toml"
    write_economy(economy, path)
    variants = tmp_path / "variants.toml"
    variants.write_text('[[variant]]\nname = "more"\nscale_targets = [{ factor = 1.2 }]\n', "utf-8")
    result = run(
        "plan", "scenarios", str(path), str(variants), "--solver", "pdhg", "--gap", "0.5",
        "--json", "--workers", "1", env={"RADA_DASK_SCHEDULER": ""},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)["results"]
    alone = [
        solve_variant(economy, v, solver="pdhg", gap=0.5)
        for v in (Variant("base"), *read_variants(variants))
    ]
    assert [(r["name"], r["status"], r["gap"]) for r in got] == [
        (r.name, "optimal", r.gap) for r in alone
    ]
    assert all(1e-6 < row["gap"] <= 0.5 for row in got)


def test_a_bad_variants_file_is_bad_input_naming_file_line_and_field(
    shared_data: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[variant]]\nname = "x"\nscale_targets = [{ factor = "a" }]\n', "utf-8")
    result = run("plan", "scenarios", str(shared_data / "cockshott-toy" / "v2019"), str(bad))
    assert result.returncode == ExitCode.BAD_INPUT
    assert f"{bad}, line 3: variant 1 ('x'), field 'scale_targets.factor'" in result.stderr


def test_an_unreachable_scheduler_is_an_error_with_a_hint(
    shared_data: Path, tmp_path: Path
) -> None:
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    variants = tmp_path / "variants.toml"
    variants.write_text(VARIANTS, encoding="utf-8")
    toy = str(shared_data / "cockshott-toy" / "v2019")
    result = run(
        "plan",
        "scenarios",
        toy,
        str(variants),
        env={"RADA_DASK_SCHEDULER": "tcp://127.0.0.1:9", "RADA_DASK_CONNECT_TIMEOUT": "1"},
    )
    assert result.returncode == ExitCode.ERROR
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert "RADA_DASK_SCHEDULER" in result.stderr


def test_plan_solve_on_the_cpu_device(shared_data: Path) -> None:
    toy = str(shared_data / "cockshott-toy" / "v2019")
    result = run("plan", "solve", toy, "--device", "cpu", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["objective"] == pytest.approx(8.79729913, abs=5e-9)


@pytest.mark.skipif(gpu_available(), reason="a CUDA device with cupdlpx is present")
def test_asking_for_the_gpu_without_one_says_why(shared_data: Path) -> None:
    toy = str(shared_data / "cockshott-toy" / "v2019")
    result = run("plan", "solve", toy, "--device", "gpu")
    assert result.returncode == ExitCode.ERROR
    assert "the GPU backend cannot run here" in result.stderr


def test_a_one_year_table_is_planned_over_several_years(shared_data: Path) -> None:
    table = str(shared_data / "io" / "uk-2010" / "iot.csv")
    result = run("plan", "solve", table, "--years", "3", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["years"] == 3
    supply = data["labour_supply"]
    assert supply[1] == pytest.approx(supply[0] * 1.01)
    assert supply[2] == pytest.approx(supply[0] * 1.01**2)
    assert data["primary_input_note"] is None  # compensation of employees is labour


def test_years_are_refused_for_an_economy_with_its_own_horizon(shared_data: Path) -> None:
    toy = str(shared_data / "cockshott-toy" / "v2019")
    result = run("plan", "solve", toy, "--years", "3")
    assert result.returncode == ExitCode.BAD_INPUT
    assert "--years (RADA_ECONOMY_YEARS) applies to input-output tables" in result.stderr


def test_a_one_year_table_is_explained_over_several_years(shared_data: Path) -> None:
    table = str(shared_data / "io" / "uk-2010" / "iot.csv")
    result = run(
        "plan", "explain", table, "--years", "3", "--target-growth", "0.05", "--year", "3",
        "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["years"] == 3
    supply = data["labour_supply"]
    assert supply[2] == pytest.approx(supply[0] * 1.01**2)
    assert data["products"]
    assert {x["year"] for x in data["products"]} == {3}


def test_names_with_brackets_are_printed_as_written(tmp_path: Path) -> None:
    """Product and variant names are not Rich markup: "[/x]" stopped plan solve, explain
    and scenarios with an unexpected MarkupError (scenarios after the whole batch)."""
    village = (Path(__file__).resolve().parents[2] / "docs/examples/village.toml").read_text()
    economy = tmp_path / "village.toml"
    economy.write_text(village.replace('name = "Bread"', 'name = "Bread [/x]"'), "utf-8")
    variants = tmp_path / "variants.toml"
    variants.write_text('[[variant]]\nname = "more [/y]"\nscale_targets = [{ factor = 1.1 }]\n')
    columns = {"COLUMNS": "200", "RADA_DASK_SCHEDULER": ""}
    for args, shown in [
        (("plan", "solve", str(economy)), "Bread [/x]"),
        (("plan", "explain", str(economy)), "Bread [/x]"),
        (("plan", "scenarios", str(economy), str(variants), "--workers", "1"), "more [/y]"),
    ]:
        result = run(*args, env=columns)
        assert result.returncode == 0, result.stderr
        assert shown in result.stdout


def test_a_bound_that_is_not_finite_is_null_in_json(tmp_path: Path) -> None:
    """A technique that makes tools from nothing leaves no dual-feasible prices, so no upper
    bound: --json wrote ``Infinity`` into no JSON at all and failed the command."""
    village = (Path(__file__).resolve().parents[2] / "docs/examples/village.toml").read_text()
    economy = tmp_path / "free.toml"
    economy.write_text(
        village + '\n[[techniques]]\nid = "free"\noutputs = { tools = 1.0 }\n', "utf-8"
    )
    result = run("plan", "solve", str(economy), "--json")
    assert result.returncode == 0, result.stderr
    certificate = json.loads(result.stdout)["certificate"]
    assert certificate["upper_bound"] is None
    assert certificate["gap"] is None
    assert certificate["lower_bound"] > 0


def test_out_naming_an_existing_file_is_bad_input(tmp_path: Path) -> None:
    village = str(Path(__file__).resolve().parents[2] / "docs/examples/village.toml")
    taken = tmp_path / "a-file"
    taken.write_text("kept", "utf-8")
    result = run("plan", "solve", village, "--out", str(taken))
    assert result.returncode == ExitCode.BAD_INPUT
    assert result.stderr.startswith(f"rada: error: File exists: {taken}\n")
    assert "bug in Rada" not in result.stderr
    assert taken.read_text("utf-8") == "kept"


def test_a_path_this_user_may_not_write_to_is_bad_input() -> None:
    from rada.cli.main import _classify

    denied = PermissionError(13, "Permission denied", "/sys/plan")
    assert _classify(denied) == (
        ExitCode.BAD_INPUT,
        "check the path and this user's permissions on it",
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("explain", "--year", "0"), "'--year'"),
        (("explain", "--year", "4"), "the plan has no year 4: its years are 1 to 3"),
        (("explain", "--limit", "-3"), "'--limit'"),
        (("solve", "--top", "-1"), "'--top'"),
    ],
)
def test_a_year_or_a_count_out_of_range_is_a_usage_error(args: tuple[str, ...], named: str) -> None:
    """--year 0 and --year 99 were "unexpected KeyError/IndexError: a bug in Rada"; a
    negative --limit or --top printed all but the last few, and exited 0."""
    village = str(Path(__file__).resolve().parents[2] / "docs/examples/village.toml")
    result = run("plan", args[0], village, *args[1:])
    assert result.returncode == 2
    assert named in result.stderr
    assert "bug in Rada" not in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--solver", "bogus"), "rada: error: unknown solver 'bogus'; use one of primal"),
        (("--scheduler", "garbage"), "rada: error: cannot reach the Dask scheduler at garbage"),
    ],
)
def test_a_batch_that_cannot_run_is_refused_before_it_starts(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    """An unknown solver ran the whole batch and exited 0 with every variant an "error"; a
    scheduler that is not an address was "unexpected ValueError: a bug in Rada"."""
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    village = str(Path(__file__).resolve().parents[2] / "docs/examples/village.toml")
    variants = tmp_path / "variants.toml"
    variants.write_text(VARIANTS, encoding="utf-8")
    result = run(
        "plan", "scenarios", village, str(variants), *args, env={"RADA_DASK_SCHEDULER": ""}
    )
    assert result.returncode == ExitCode.ERROR
    assert result.stderr.startswith(said)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--years", "100", "--target-growth", "10"), "targets would grow 1.3e+103-fold"),
        (("--years", "30", "--supply-growth", "-0.99"), "labour would shrink 1e+58-fold"),
    ],
)
def test_a_horizon_that_grows_past_a_million_fold_is_bad_input(
    shared_data: Path, args: tuple[str, ...], said: str
) -> None:
    """Each yearly growth within its bounds, a long horizon made figures no solver tells from
    nothing: HiGHS answered "Empty", and hipdlp ran without end."""
    table = shared_data / "io" / "uk-2010" / "iot.csv"
    result = run("plan", "solve", str(table), *args)
    assert result.returncode == ExitCode.BAD_INPUT
    assert result.stderr.startswith(f"rada: error: {table}: {said} over ")
    assert "at most 1,000,000-fold" in result.stderr


def test_a_labour_row_is_refused_for_an_economy_with_its_own_labour(shared_data: Path) -> None:
    """--labour-row was silently ignored for a Rada or Cockshott economy, where --years was
    refused."""
    toy = str(shared_data / "cockshott-toy" / "v2019")
    result = run("plan", "solve", toy, "--labour-row", "Wages")
    assert result.returncode == ExitCode.BAD_INPUT
    assert "--labour-row (RADA_ECONOMY_LABOUR_ROW) applies to input-output tables" in result.stderr
