"""Edges of ``rada io`` and ``rada economy generate``: quoting, bounds, refusals, overflow."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from rada.cli.main import ExitCode, main


def write_table(path: Path, codes: list[str], labour: list[float], output: list[float]) -> Path:
    flows = [[10, 20, 0], [5, 0, 30], [0, 15, 10]]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", *codes, "Final demand"])
        writer.writerows(
            [code, *row, 50] for code, row in zip(codes, flows[: len(codes)], strict=True)
        )
        writer.writerow(["Compensation of employees", *labour, ""])
        writer.writerow(["Total output", *output, ""])
    return path


def test_io_values_out_quotes_codes_that_need_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = ["A,x", 'q"x', "plain"]
    table = write_table(tmp_path / "iot.csv", codes, [50, 40, 30], [100, 100, 100])
    out = tmp_path / "values.csv"
    assert main(["io", "values", str(table), "--out", str(out), "--json"]) == 0
    values = json.loads(capsys.readouterr().out)["values"]
    with out.open(newline="", encoding="utf-8") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["code", "value"]
    assert [row[0] for row in written[1:]] == codes
    assert all(len(row) == 2 for row in written)
    assert {code: float(value) for code, value in written[1:]} == values
    # An ordinary code is written bare, as before.
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith('"A,x",')
    assert lines[2].startswith('"q""x",')
    assert lines[3].startswith("plain,")


def test_io_values_out_of_the_uk_table_is_plain_code_comma_value(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rada.planning.formats._csv import fmt

    out = tmp_path / "values.csv"
    table = str(shared_data / "io" / "uk-2010" / "iot.csv")
    assert main(["io", "values", table, "--out", str(out), "--json"]) == 0
    values = json.loads(capsys.readouterr().out)["values"]
    expected = "code,value\n" + "".join(f"{c},{fmt(v)}\n" for c, v in values.items())
    assert out.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("command", ["values", "balance"])
def test_io_refuses_a_table_whose_results_overflow(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Labour of 1e308 gives finite labour values but labour in final demand beyond the
    # largest float; outputs of 1e308 give gross outputs summing past it.
    if command == "values":
        table = write_table(tmp_path / "iot.csv", ["A", "B", "C"], [1e308] * 3, [100] * 3)
    else:
        table = tmp_path / "iot.csv"
        table.write_text(
            "code,A,B,Final demand\n"
            "A,1,1,1e308\n"
            "B,1,1,1e308\n"
            "Compensation of employees,5,5,\n"
            "Total output,1e308,1e308,\n",
            encoding="utf-8",
        )
    for extra in (["--json"], [], ["--method", "iterative", "--json"]):
        assert main(["io", command, str(table), *extra]) == ExitCode.BAD_INPUT
        captured = capsys.readouterr()
        assert captured.out == ""
        assert f"{table}: the " in captured.err
        assert "overflow" in captured.err
        assert "unexpected" not in captured.err


@pytest.mark.parametrize("seed", ["-1", str(2**63)])
def test_economy_generate_seed_out_of_bounds_is_a_usage_error(
    seed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never"
    args = ["economy", "generate", "--products", "2", "--years", "1", "--seed", seed]
    assert main([*args, "--out", str(out)]) == ExitCode.USAGE
    assert "Invalid value for '--seed'" in capsys.readouterr().err
    assert not out.exists()


def test_economy_generate_takes_the_largest_seed(tmp_path: Path) -> None:
    args = ["economy", "generate", "--products", "2", "--years", "1", "--seed", str(2**63 - 1)]
    assert main([*args, "--out", str(tmp_path / "g")]) == 0
    assert (tmp_path / "g" / "economy.toml").is_file()


def test_economy_generate_does_not_offer_iot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every generated technique holds capital stocks, which a one-year table cannot hold.
    out = tmp_path / "deep" / "never"
    args = ["economy", "generate", "--products", "1", "--years", "1", "--seed", "1"]
    assert main([*args, "--out", str(out), "--format", "iot"]) == ExitCode.USAGE
    assert "Invalid value for '--format'" in capsys.readouterr().err
    assert not (tmp_path / "deep").exists()
    assert main(["economy", "generate", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "rada|cockshott" in shown
    assert "rada|cockshott|iot" not in shown


def test_a_refused_generated_economy_leaves_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Cockshott's format cannot hold a second technique with no stock in place.
    out = tmp_path / "deep" / "never"
    args = ["economy", "generate", "--products", "5", "--years", "2", "--seed", "1"]
    args += ["--alternatives", "0.5", "--format", "cockshott", "--out", str(out)]
    assert main(args) == ExitCode.BAD_INPUT
    assert "Cockshott's format cannot hold" in capsys.readouterr().err
    assert not (tmp_path / "deep").exists()
    # A folder that was there before stays, empty.
    out.mkdir(parents=True)
    assert main(args) == ExitCode.BAD_INPUT
    assert out.is_dir()
    assert not any(out.iterdir())


def test_io_values_prints_codes_with_brackets_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A code is not Rich markup: "[/x]" stopped the command with an unexpected MarkupError."""
    table = write_table(tmp_path / "iot.csv", ["[/x]", "[b]y", "z"], [50, 40, 30], [100] * 3)
    assert main(["io", "values", str(table)]) == 0
    shown = capsys.readouterr().out
    assert "[/x]" in shown
    assert "[b]y" in shown


def test_an_unproductive_table_at_a_radius_of_exactly_one_reads_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A = [[0.5, 0.5], [0.5, 0.5]] has a spectral radius of exactly 1, which read "is 1, 0
    at or above 1"."""
    table = tmp_path / "iot.csv"
    table.write_text(
        "code,A,B,Final demand,Total output\nA,50,50,0,100\nB,50,50,0,100\n"
        "Compensation of employees,10,10,,\nTotal output,100,100,,\n",
        encoding="utf-8",
    )
    assert main(["io", "values", str(table)]) == ExitCode.BAD_INPUT
    error = capsys.readouterr().err
    assert "the spectral radius of A is 1, not below 1, so no positive net output" in error


def test_paths_and_names_with_brackets_are_printed_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The "wrote ..." message and economy show printed paths and names as Rich markup: a
    folder "out[draft]" was shown as "out", and a name with "[/x]" was a MarkupError."""
    out = tmp_path / "out[draft]"
    args = ["economy", "generate", "--products", "5", "--years", "2", "--seed", "1"]
    assert main([*args, "--out", str(out)]) == 0
    assert f"wrote {out / 'economy.toml'}" in capsys.readouterr().err
    named = tmp_path / "named.toml"
    text = (out / "economy.toml").read_text("utf-8")
    named.write_text(text.replace('name = "', 'name = "[/x] ', 1), "utf-8")
    assert main(["economy", "show", str(named)]) == 0
    assert "[/x] " in capsys.readouterr().out
