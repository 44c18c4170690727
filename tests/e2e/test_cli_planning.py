"""The ``rada`` command as people and scripts use it: plan, io and economy commands."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rada.cli.main import ExitCode, main

RADA = [sys.executable, "-m", "rada.cli"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RADA, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def test_plan_solve_json_has_the_stable_keys_and_a_clean_stdout(shared_data: Path) -> None:
    result = run("plan", "solve", str(shared_data / "cockshott-toy" / "v-doc"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # nothing but JSON on stdout, not even HiGHS's banner
    assert data["status"] == "optimal"
    assert data["objective"] == pytest.approx(7.33645309, abs=5e-9)
    assert len(data["fulfilment"]) == 5
    assert len(data["labour_used"]) == 5
    assert result.stderr == ""  # no progress when stderr is not a terminal
    certificate = data["certificate"]
    assert certificate["lower_bound"] <= data["objective"] <= certificate["upper_bound"]
    assert certificate["lower_bound"] == pytest.approx(7.33645309, abs=5e-9)
    assert certificate["upper_bound"] == pytest.approx(7.33645309, abs=5e-9)
    assert 0 <= certificate["gap"] <= 1e-9
    assert certificate["max_violation"] == 0.0


def test_plan_solve_and_explain_print_the_certificate(shared_data: Path) -> None:
    toy = str(shared_data / "cockshott-toy" / "v2019")
    for command in ("solve", "explain"):
        result = run("plan", command, toy)
        assert result.returncode == 0, result.stderr
        assert "Certificate: no plan can do better than 8.79729913" in result.stdout
        assert "gap " in result.stdout


def test_plan_solve_reads_a_national_table(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = shared_data / "io" / "uk-2010" / "iot.csv"
    assert main(["plan", "solve", str(table), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fulfilment"] == [pytest.approx(1.0, abs=1e-9)]
    assert data["labour_used"][0] == pytest.approx(801_796, rel=1e-9)


def test_plan_explain_names_binding_constraints(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toy = str(shared_data / "cockshott-toy" / "v2019")
    assert main(["plan", "explain", toy, "--product", "bread", "--year", "2"]) == 0
    out = capsys.readouterr().out
    assert "labour in year 2 is used to the full" in out
    assert "bread, year 2" in out
    assert main(["plan", "explain", toy, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    prices = [c["shadow_price"] for c in data["binding"]]
    assert prices == sorted(prices, reverse=True)
    assert {"kind": "resource", "name": "labour", "year": 2} in [
        {k: c[k] for k in ("kind", "name", "year")} for c in data["binding"]
    ]
    first = data["products"][0]
    assert sum(c["share"] for c in first["causes"]) == pytest.approx(1.0, abs=1e-6)


def test_bad_input_exits_3_with_one_line_naming_the_place(tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    table.write_text("code,a,Households\na,x,1\nCompensation of employees,1,\nTotal output,2,\n")
    result = run("io", "values", str(table))
    assert result.returncode == ExitCode.BAD_INPUT
    first, *_rest = result.stderr.splitlines()
    assert first == f"rada: error: {table}, line 2, column 'a': 'x' is not a number"
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("--debug", "plan", "solve", str(tmp_path / "missing.toml"))
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_an_infeasible_plan_exits_4_and_names_the_conflict(
    tmp_path: Path, shared_data: Path
) -> None:
    out = tmp_path / "toy.toml"
    assert (
        main(
            [
                "economy",
                "convert",
                str(shared_data / "cockshott-toy" / "v2019"),
                "--to",
                "rada",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = out.read_text().replace(
        "[committed]\n", "[committed]\nbread = [50.0, 0.0, 0.0, 0.0, 0.0]\n"
    )
    out.write_text(text)
    result = run("plan", "solve", str(out))
    assert result.returncode == ExitCode.NO_OPTIMAL_PLAN
    assert "committed delivery of 'bread' in year 1" in result.stderr
    assert "hint:" in result.stderr


def test_io_inverse_writes_the_published_inverse(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "L.csv"
    assert (
        main(["io", "inverse", str(shared_data / "io" / "uk-2010" / "iot.csv"), "--out", str(out)])
        == 0
    )

    def read(path: Path) -> np.ndarray:
        with path.open() as handle:
            return np.array([[float(v) for v in row[1:]] for row in list(csv.reader(handle))[1:]])

    published = read(shared_data / "io" / "uk-2010" / "leontief_published.csv")
    assert np.max(np.abs(read(out) - published)) < 1e-9


def test_io_inverse_quotes_codes_that_need_it(tmp_path: Path) -> None:
    # Codes are written as the csv module quotes them, the numbers joined beside them: a
    # code holding a comma, a quote or a space still reads back as itself.
    codes = ["a,b", 'q"x', "c d"]
    flows = [[10, 20, 0], [5, 0, 30], [0, 15, 10]]
    table = tmp_path / "iot.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", *codes])
        writer.writerows([code, *row] for code, row in zip(codes, flows, strict=True))
        writer.writerow(["Compensation of employees", 50, 40, 30])
        writer.writerow(["Total output", 100, 100, 100])
    out = tmp_path / "L.csv"
    assert main(["io", "inverse", str(table), "--out", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["code", *codes]
    assert [row[0] for row in written[1:]] == codes
    expected = np.linalg.inv(np.eye(3) - np.array(flows, dtype=float) / 100)
    assert np.array([[float(v) for v in row[1:]] for row in written[1:]]) == pytest.approx(
        expected, rel=1e-14
    )


def test_io_values_json(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = str(shared_data / "io" / "uk-2010" / "iot.csv")
    assert main(["io", "values", table, "--method", "iterative", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["iterations"] == 32
    assert data["values"]["01"] == pytest.approx(0.3681697205393202, rel=1e-11)
    assert data["labour_in_final_demand"] == pytest.approx(801_796, rel=1e-12)


def test_economy_generate_is_reproducible_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("rada", "cockshott"):
        for copy in ("one", "two"):
            args = ["economy", "generate", "--products", "20", "--years", "3", "--seed", "5"]
            assert main([*args, "--out", str(tmp_path / fmt / copy), "--format", fmt]) == 0
        first = sorted(p.read_bytes() for p in (tmp_path / fmt / "one").iterdir())
        assert first == sorted(p.read_bytes() for p in (tmp_path / fmt / "two").iterdir())
    capsys.readouterr()
    assert main(["plan", "solve", str(tmp_path / "rada" / "one" / "economy.toml"), "--json"]) == 0
    from_rada = json.loads(capsys.readouterr().out)["objective"]
    assert main(["plan", "solve", str(tmp_path / "cockshott" / "one"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["objective"] == pytest.approx(from_rada, rel=1e-12)


def test_a_failed_conversion_writes_nothing(tmp_path: Path, shared_data: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("flows.csv", "cap.csv", "dep.csv", "labtarg.csv"):
        (bad / name).write_text((shared_data / "cockshott-toy" / "v2019" / name).read_text())
    (bad / "dep.csv").write_text((bad / "dep.csv").read_text().replace("0.07,0.07", "0.07,-1"))
    out = tmp_path / "out.toml"
    assert (
        main(["economy", "convert", str(bad), "--to", "rada", "--out", str(out)])
        == ExitCode.BAD_INPUT
    )
    assert not out.exists()


def test_help_lists_every_noun() -> None:
    result = run("--help")
    assert result.returncode == 0
    for noun in ("plan", "io", "economy", "count", "record", "demo"):
        assert noun in result.stdout


def test_demo_plans_the_shipped_uk_economy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["products"] == 127
    assert data["fulfilment"][0] == pytest.approx(1.0, abs=1e-9)
    assert all(b < a for a, b in zip(data["fulfilment"], data["fulfilment"][1:], strict=False))


DOCS = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_the_documented_examples_read_and_plan(shared_data: Path) -> None:
    from rada.planning.formats import load_economy
    from rada.planning.optimal import solve_plan

    village = load_economy(DOCS / "village.toml")
    plan = solve_plan(village)
    assert plan.status == "optimal"
    assert len(village.techniques) == 4
    assert load_economy(DOCS / "toy.toml") == load_economy(shared_data / "cockshott-toy" / "v2019")


def test_plan_solve_writes_the_whole_plan_as_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan"
    assert main(["plan", "solve", str(DOCS / "village.toml"), "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(Path(f).name for f in data["files"]) == [
        "products.csv", "resources.csv", "stocks.csv", "techniques.csv"
    ]  # fmt: skip
    with (out / "products.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 * 3  # products x years
    bread = [r for r in rows if r["product"] == "bread"]
    for row, fulfilment in zip(bread, data["fulfilment"], strict=True):
        assert float(row["final_consumption"]) >= fulfilment * float(row["target"]) - 1e-9
    with (out / "resources.csv").open() as handle:
        labour = [r for r in csv.DictReader(handle) if r["resource"] == "labour"]
    assert [float(r["used"]) for r in labour] == pytest.approx(data["labour_used"])


def test_economy_show_and_io_balance(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = str(shared_data / "io" / "uk-2010" / "iot.csv")
    assert main(["economy", "show", table, "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["products"] == 127
    assert facts["input_coefficients"] == 9782  # the non-zeros of A, as the data README says
    assert facts["spectral_radius"] == pytest.approx(0.42468189260453404, rel=1e-9)
    assert main(["io", "balance", table, "--json"]) == 0
    balance = json.loads(capsys.readouterr().out)
    assert balance["max_difference_from_table"] < 1e-6
    assert balance["gross_output"]["01"] == pytest.approx(21_182, rel=1e-12)


def test_a_plan_that_does_not_finish_in_time_exits_4(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    args = ["economy", "generate", "--products", "300", "--years", "5", "--seed", "1"]
    assert main([*args, "--out", str(folder)]) == 0
    result = run(
        "plan", "solve", str(folder / "economy.toml"), "--time-limit", "0.05", "--solver", "primal"
    )
    assert result.returncode == ExitCode.NO_OPTIMAL_PLAN
    assert "no optimal plan within the time limit of 0.05 s" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--gap", "0", "a number above 0 and below 1"),
        ("--gap", "-1", "a number above 0 and below 1"),
        ("--gap", "nan", "a number above 0 and below 1"),
        ("--gap", "1", "a number above 0 and below 1"),
        ("--time-limit", "0", "a number of seconds above 0"),
        ("--time-limit", "-5", "a number of seconds above 0"),
        ("--time-limit", "nan", "a number of seconds above 0"),
    ],
)
def test_a_gap_or_time_limit_out_of_bounds_is_a_usage_error(
    option: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    toy = Path(__file__).parents[3] / "shared/data/cockshott-toy/v2019"
    assert main(["plan", "solve", str(toy), option, value]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert f"Invalid value for '{option}'" in err
    assert says in err


def test_a_price_zero_but_for_the_certificate_s_margin_is_shown_as_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["economy", "generate", "--products", "40", "--years", "3", "--seed", "1"]
    assert main([*args, "--out", str(tmp_path / "g")]) == 0
    capsys.readouterr()
    assert main(["plan", "solve", str(tmp_path / "g"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    slack = [
        used < supply * (1 - 1e-6)
        for used, supply in zip(data["labour_used"], data["labour_supply"], strict=True)
    ]
    # Labour is not scarce here: its certified price is the top-up's rounding margin.
    assert any(slack)
    prices = data["labour_price"]
    assert all(0 <= price < 1e-12 for price, free in zip(prices, slack, strict=True) if free)
    assert main(["plan", "solve", str(tmp_path / "g"), "--top", "0"]) == 0
    rows = [line.split("│") for line in capsys.readouterr().out.splitlines() if "│" in line]
    years = {cells[1].strip(): cells[5].strip() for cells in rows if cells[1].strip().isdigit()}
    for year, free in enumerate(slack, start=1):
        if free:
            assert years[str(year)] == "0"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["plan", "solve", "{table}", "--years", "101"], "--years"),
        (["plan", "solve", "{table}", "--years", "2", "--target-growth", "50"], "--target-growth"),
        (["plan", "solve", "{table}", "--years", "2", "--supply-growth", "-1"], "--supply-growth"),
        (["plan", "demo", "--years", "0"], "--years"),
        (["plan", "demo", "--target-growth", "11"], "--target-growth"),
        (["economy", "generate", "--products", "0", "--years", "2", "--seed", "1"], "--products"),
        (["economy", "generate", "--products", "5", "--years", "101", "--seed", "1"], "--years"),
        (["serve", "--economy", "{table}", "--years", "101"], "--years"),
    ],
)
def test_years_growth_and_products_out_of_bounds_are_usage_errors(
    args: list[str],
    option: str,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    table = str(shared_data / "io" / "uk-2010" / "iot.csv")
    filled = [table if arg == "{table}" else arg for arg in args]
    if filled[:2] == ["economy", "generate"]:
        filled += ["--out", str(tmp_path / "never")]
    assert main(filled) == ExitCode.USAGE
    assert f"Invalid value for '{option}'" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()
