"""``rada search``: find by words from the command line, and make the index again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rada.cli.main import ExitCode

RADA = [sys.executable, "-m", "rada.cli"]


def test_find_and_reindex(tmp_path: Path) -> None:
    env = {**os.environ, "RADA_DATA_DIR": str(tmp_path / "data"), "RADA_PASSWORD": "a long pw!"}
    env.pop("RADA_DATABASE_URL", None)
    env.pop("RADA_TOKEN", None)

    def rada(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*RADA, *args], capture_output=True, text=True, env=env, check=False)

    assert rada("account", "create", "--name", "Ana", "--email", "ana@b.coop").returncode == 0
    made = rada("council", "create", "Pekárna Sever", "--slug", "pekarna", "--description",
                "Chléb a rohlíky", "--as", "ana@b.coop")  # fmt: skip
    assert made.returncode == 0, made.stderr
    found = rada("search", "find", "rohliky", "--json")
    assert found.returncode == 0, found.stderr
    (hit,) = json.loads(found.stdout)["hits"]
    assert (hit["kind"], hit["council"], hit["title"]) == ("council", "pekarna", "Pekárna Sever")
    again = rada("search", "reindex", "--json")
    assert json.loads(again.stdout) == {"documents": 1}
    assert "rohlíky" in rada("search", "find", "ROHLÍKY").stdout
    refused = rada("search", "find", "*")
    assert refused.returncode == ExitCode.BAD_INPUT
    assert "no word" in refused.stderr
