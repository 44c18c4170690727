"""The ``rada count`` sub-app, driven through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rada.cli.count import app
from rada.counting.errors import BallotFileError

runner = CliRunner()
BLT = '3 2\n4 1 2 0\n2 2 0\n3 3 1 0\n0\n"Ann"\n"Bob"\n"Cat"\n"Ward 1"\n'


@pytest.fixture
def blt(tmp_path: Path) -> Path:
    path = tmp_path / "ward.blt"
    path.write_text(BLT, encoding="utf-8")
    return path


def test_stv_json_has_elected_quota_and_rounds(blt: Path) -> None:
    result = runner.invoke(app, ["stv", str(blt), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["file"] == str(blt)
    assert data["elected"] == ["Ann", "Cat"]
    assert data["quota"] == 4
    assert data["rounds"][0]["totals"] == {"Ann": 4, "Bob": 2, "Cat": 3}


def test_stv_several_files_print_one_json_object_per_line(blt: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.blt"
    other.write_text(BLT.replace("3 2\n", "3 1\n", 1), encoding="utf-8")
    result = runner.invoke(app, ["stv", str(blt), str(other), "--json"])
    lines = result.output.strip().splitlines()
    assert [json.loads(line)["file"] for line in lines] == [str(blt), str(other)]
    assert json.loads(lines[1])["seats"] == 1


def test_stv_seats_option_overrides_the_file(blt: Path) -> None:
    result = runner.invoke(app, ["stv", str(blt), "--seats", "1", "--json"])
    assert json.loads(result.output)["elected"] == ["Ann"]


def test_stv_meek_rule(blt: Path) -> None:
    result = runner.invoke(app, ["stv", str(blt), "--rule", "meek", "--json"])
    data = json.loads(result.output)
    assert data["rule"] == "meek"
    assert data["elected"] == ["Ann", "Cat"]


def test_stv_table_is_the_stage_by_stage_result(blt: Path) -> None:
    result = runner.invoke(app, ["stv", str(blt)])
    assert result.exit_code == 0
    assert "Stage 1" in result.output
    assert "Non-transferable" in result.output
    assert "Elected, in order: Ann; Cat" in result.output


def test_stv_malformed_file_raises_ballot_file_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.blt"
    bad.write_text("3 2\n4 1 2\n0\n", encoding="utf-8")
    result = runner.invoke(app, ["stv", str(bad)])
    assert isinstance(result.exception, BallotFileError)
    assert "line 2" in str(result.exception)


PB = "META\nkey;value\nbudget;10\nrule;greedy\nPROJECTS\nproject_id;cost\na;8\nb;5\nc;2\n"
PB += "VOTES\nvoter_id;vote\n1;a,b,c\n2;a,b\n3;a\n"


def test_pb_json_has_selected_and_cost_using_the_files_rule(tmp_path: Path) -> None:
    path = tmp_path / "x.pb"
    path.write_text(PB, encoding="utf-8")
    data = json.loads(runner.invoke(app, ["pb", str(path), "--json"]).output)
    assert (data["file"], data["selected"], data["cost"], data["rule"]) == (
        str(path),
        ["a", "c"],
        10,
        "greedy",
    )


def test_pb_rule_option_and_table(tmp_path: Path) -> None:
    path = tmp_path / "x.pb"
    path.write_text(PB, encoding="utf-8")
    data = json.loads(
        runner.invoke(app, ["pb", str(path), "--rule", "greedy-no-skip", "--json"]).output
    )
    assert data["selected"] == ["a"]
    table = runner.invoke(app, ["pb", str(path), "--rule", "equal-shares"])
    assert table.exit_code == 0
    assert "Selected" in table.output


@pytest.mark.parametrize(
    "method", ["plurality", "approval", "irv", "schulze", "ranked-pairs", "borda"]
)
def test_single_winner_commands_print_the_winner(blt: Path, method: str) -> None:
    result = runner.invoke(app, [method, str(blt), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["method"] == method
    assert data["winner"] in {"Ann", "Bob", "Cat"}


def test_single_winner_reads_preflib(tmp_path: Path) -> None:
    path = tmp_path / "e.soi"
    path.write_text(
        "# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 1: X\n# ALTERNATIVE NAME 2: Y\n3: 2\n1: 1,2\n"
    )
    assert (
        json.loads(runner.invoke(app, ["plurality", str(path), "--json"]).output)["winner"] == "Y"
    )


def test_motion_tally_json() -> None:
    args = [
        "motion",
        "--for",
        "20",
        "--against",
        "10",
        "--majority",
        "qualified",
        "--fraction",
        "2/3",
        "--json",
    ]
    data = json.loads(runner.invoke(app, args).output)
    assert data["adopted"] is True
    assert data["needed"] == "20"


# --- whole archives: one line per file, failures reported in place ---------------------------


def _rada(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the whole ``rada`` command (with its error boundary): exit code, stdout, stderr."""
    from rada.cli.main import main

    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def archive(tmp_path: Path) -> list[Path]:
    """Three budgets; the second names a project PROJECTS does not list (line 13)."""
    paths = []
    for name, text in (
        ("one.pb", PB),
        ("bad.pb", PB.replace("2;a,b\n", "2;a,z\n")),
        ("three.pb", PB.replace("budget;10", "budget;13")),
    ):
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    return paths


def test_pb_archive_reports_a_bad_file_on_its_own_line_and_counts_the_rest(
    archive: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _rada(["count", "pb", *map(str, archive), "--json"], capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["file"] for line in lines] == [str(p) for p in archive]
    assert lines[0]["selected"] == ["a", "c"]
    assert lines[2]["selected"] == ["a", "b"]
    assert lines[1] == {
        "file": str(archive[1]),
        "error": f"{archive[1]}, line 13: the vote names project 'z', which PROJECTS does not list",
        "line": 13,
    }
    assert f"rada: error: {archive[1]}, line 13:" in err
    assert "rada: error: 1 of 3 files could not be counted" in err
    assert code == 3


def test_pb_archive_table_names_the_bad_file_and_fails(
    archive: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _rada(["count", "pb", *map(str, archive)], capsys)
    assert out.count("Selected") == 2
    assert f"{archive[1]}, line 13" in err
    assert code == 3


def test_stv_archive_reports_a_missing_and_a_malformed_file(
    blt: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.blt"
    bad.write_text("3 2\n4 1 2\n0\n", encoding="utf-8")
    missing = tmp_path / "missing.blt"
    code, out, err = _rada(["count", "stv", str(bad), str(blt), str(missing), "--json"], capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["file"] for line in lines] == [str(bad), str(blt), str(missing)]
    assert lines[0]["line"] == 2
    assert "line 2" in lines[0]["error"]
    assert lines[1]["elected"] == ["Ann", "Cat"]
    assert "No such file" in lines[2]["error"]
    assert lines[2]["line"] is None
    assert "2 of 3 files could not be counted" in err
    assert code == 3


def test_a_file_naming_no_rule_is_reported_with_its_name(
    archive: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    archive[0].write_text(PB.replace("rule;greedy\n", ""), encoding="utf-8")
    code, out, err = _rada(["count", "pb", str(archive[0]), str(archive[2]), "--json"], capsys)
    first, second = (json.loads(line) for line in out.splitlines())
    assert first == {
        "file": str(archive[0]),
        "error": f"{archive[0]}: the file names no rule",
        "line": None,
    }
    assert second["selected"] == ["a", "b"]
    assert f"rada: error: {archive[0]}: the file names no rule" in err
    assert code == 3


def test_a_single_bad_file_fails_as_it_always_did(
    archive: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _rada(["count", "pb", str(archive[1]), "--json"], capsys)
    assert (code, out) == (3, "")
    assert err.startswith(f"rada: error: {archive[1]}, line 13:")
    assert "could not be counted" not in err


def test_jobs_print_the_same_lines_in_the_same_order(
    archive: list[Path], blt: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [*map(str, archive), *map(str, archive)]
    one = _rada(["count", "pb", *files, "--json"], capsys)
    two = _rada(["count", "pb", *files, "--json", "--jobs", "2"], capsys)
    assert one == two
    assert one[0] == 3
    assert len(one[1].splitlines()) == 6
    wards = [str(blt)] * 3
    assert _rada(["count", "stv", *wards, "--json", "--jobs", "2"], capsys) == _rada(
        ["count", "stv", *wards, "--json"], capsys
    )
