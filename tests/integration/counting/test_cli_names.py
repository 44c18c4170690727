"""``rada count`` prints candidates' and projects' names as the files spell them: they are
not Rich markup (a name with "[/x]" stopped the count with an unexpected MarkupError, and
"[bold]" vanished)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rada.cli.count import app

BALLOTS = """3 1
4 1 2 3 0
3 2 1 0
2 3 2 0
0
"Ann [/x]"
"Bo [bold]"
"Cy"
"Ward [/y]"
"""


@pytest.mark.parametrize(
    "command", [["stv"], ["stv", "--rule", "meek"], ["irv"], ["plurality"], ["schulze"]]
)
def test_names_with_brackets_are_printed_as_written(tmp_path: Path, command: list[str]) -> None:
    ballots = tmp_path / "ward.blt"
    ballots.write_text(BALLOTS, encoding="utf-8")
    result = CliRunner().invoke(app, [command[0], str(ballots), *command[1:]])
    assert result.exit_code == 0, result.output
    assert "Ann [/x]" in result.output
    assert "Bo [bold]" in result.output
