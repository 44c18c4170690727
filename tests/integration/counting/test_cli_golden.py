"""``rada count`` prints, byte for byte, what it printed before the readers were rewritten.

``cli_golden.json`` holds the SHA-256 of every output below as the code before the streaming
readers (commit 7906a13) printed it on ``../shared/data``; the readers, the merged ballots
and the one tie-break must not change a single byte. To record the digests again after a
deliberate change of output, run this file as a script (``python
tests/integration/counting/test_cli_golden.py``) and say in the commit why the output changed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rada.cli.count import app

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
GOLDEN = Path(__file__).with_name("cli_golden.json")
WARDS = sorted((DATA / "elections" / "scotland-2017").glob("*.blt"))
BUDGETS = sorted((DATA / "pb").glob("*.pb"))
SINGLE = ("plurality", "approval", "irv", "schulze", "ranked-pairs", "borda")


def _cases() -> dict[str, list[str]]:
    """Each case's name and its command line (file paths relative to the data folder)."""
    cases: dict[str, list[str]] = {}
    wards = [str(p.relative_to(DATA)) for p in WARDS]
    budgets = [str(p.relative_to(DATA)) for p in BUDGETS]
    cases["stv scottish --json, all wards"] = ["stv", *wards, "--rule", "scottish", "--json"]
    cases["stv meek --json, all wards"] = ["stv", *wards, "--rule", "meek", "--json"]
    cases["pb --json, all budgets"] = ["pb", *budgets, "--json"]
    for ward in wards:
        cases[f"stv table {ward}"] = ["stv", ward]
        for method in SINGLE:
            cases[f"{method} --json {ward}"] = [method, ward, "--json", "--seed", "3"]
    for budget in budgets:
        cases[f"pb table {budget}"] = ["pb", budget]
        if "Swiecie" not in budget and "Assen" not in budget and "Wieliczka" not in budget:
            cases[f"pb greedy-no-skip --json {budget}"] = [
                "pb", budget, "--rule", "greedy-no-skip", "--json"
            ]  # fmt: skip
    return cases


CASES = _cases()


def _digest(args: list[str]) -> str:
    runner = CliRunner()
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return hashlib.sha256(result.stdout.encode()).hexdigest()


@pytest.mark.parametrize("name", list(CASES))
def test_output_is_byte_for_byte_as_before(
    name: str, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    monkeypatch.chdir(shared_data)
    assert _digest(CASES[name]) == golden[name], f"rada count {' '.join(CASES[name])}"


def test_every_case_has_a_recorded_digest() -> None:
    assert set(json.loads(GOLDEN.read_text(encoding="utf-8"))) == set(CASES)


if __name__ == "__main__":  # record the digests (see the module docstring)
    import os

    os.chdir(DATA)
    digests = {name: _digest(args) for name, args in CASES.items()}
    GOLDEN.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(f"recorded {len(digests)} digests in {GOLDEN}\n")
