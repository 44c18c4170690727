"""The record as ground truth, as an operator and a member meet it: ``rada record audit`` and
``rada record rebuild`` on a real SQLite file, and the record page's account of the last audit."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rada.cli.main import ExitCode
from rada.config import Settings
from rada.web.app import create_app
from rada.web.auditing import Auditor

RADA = [sys.executable, "-m", "rada.cli"]
PASSWORD = "a long enough password"
HTML = {"accept": "text/html"}


@pytest.fixture
def rada(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "RADA_DATA_DIR": str(tmp_path / "data"), "RADA_PASSWORD": PASSWORD}
    env.pop("RADA_DATABASE_URL", None)
    env.pop("RADA_TOKEN", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*RADA, *args], capture_output=True, text=True, env=env, check=False)

    return run


def _council(rada) -> None:  # type: ignore[no-untyped-def]
    for name in ("Ana", "Bo"):
        email = f"{name.lower()}@b.coop"
        made = rada("account", "create", "--name", name, "--email", email, "--json")
        assert made.returncode == 0, made.stderr
    founded = rada(
        "council",
        "create",
        "Bakery",
        "--slug",
        "bakery",
        "--kind",
        "workplace",
        "--as",
        "ana@b.coop",
    )
    assert founded.returncode == 0, founded.stderr
    opened = rada(
        "proposal", "open", "bakery", "--title", "Second oven", "--text", "Buy one.",
        "--as", "ana@b.coop",
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr


def test_an_operator_edit_is_named_by_the_audit_and_absent_from_a_rebuild(
    rada,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    _council(rada)
    clean = rada("record", "audit")
    assert clean.returncode == 0, clean.stderr
    assert "the tables are what the record says" in clean.stdout

    with sqlite3.connect(tmp_path / "data" / "rada.db") as db:
        db.execute("UPDATE proposals SET title = 'Close the bakery'")
    tampered = rada("record", "audit", "--json")
    assert tampered.returncode == ExitCode.RECORD_INVALID
    report = json.loads(tampered.stdout)
    assert report["listed"] == [
        {
            "table": "proposals",
            "id": 1,
            "column": "title",
            "recorded": "Second oven",
            "found": "Close the bakery",
        }
    ]
    assert "1 difference between the tables and the record" in tampered.stderr

    rebuilt = tmp_path / "rebuilt.db"
    made = rada("record", "rebuild", "--into", f"sqlite:///{rebuilt}", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["rows"]["proposals"] == 1
    with sqlite3.connect(rebuilt) as db:
        assert db.execute("SELECT title FROM proposals").fetchall() == [("Second oven",)]
    again = rada("record", "rebuild", "--into", f"sqlite:///{rebuilt}")
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_a_row_deleted_or_slipped_in_behind_the_records_back_is_named_as_a_row(
    rada,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    _council(rada)
    with sqlite3.connect(tmp_path / "data" / "rada.db") as db:
        # The triggers refuse the delete; an operator with the database in hand drops them.
        for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            db.execute(f'DROP TRIGGER "{trigger}"')
        db.execute("DELETE FROM proposal_versions")
        db.execute("DELETE FROM proposals")
        columns = [row[1] for row in db.execute("PRAGMA table_info(people)")]
        chosen = {"id": "99", "name": "'Mallory'", "email": "'m@b.coop'"}
        db.execute(
            f"INSERT INTO people ({', '.join(columns)}) "
            f"SELECT {', '.join(chosen.get(c, c) for c in columns)} FROM people WHERE id = 1"
        )
    tampered = rada("record", "audit")
    assert tampered.returncode == ExitCode.RECORD_INVALID
    assert "proposals 1: the row is missing, though the record made it" in tampered.stdout
    assert "people 99: the row is there, though the record never made it" in tampered.stdout
    listed = json.loads(rada("record", "audit", "--json").stdout)["listed"]
    missing = next(d for d in listed if d["table"] == "proposals")
    assert (missing["column"], missing["found"]) == ("*", None)


def test_a_rebuild_from_an_export_gives_the_same_councils(rada, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _council(rada)
    exported = rada("record", "export", str(tmp_path / "export"))
    assert exported.returncode == 0, exported.stderr
    target = tmp_path / "from-export.db"
    made = rada(
        "record", "rebuild", "--from-export", str(tmp_path / "export"),
        "--into", f"sqlite:///{target}",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT name FROM people ORDER BY id").fetchall() == [("Ana",), ("Bo",)]
        assert db.execute("SELECT slug FROM councils").fetchall() == [("bakery",)]


def test_the_record_page_says_when_the_tables_were_last_checked_and_what_was_found(
    rada,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    _council(rada)
    settings = Settings(data_dir=tmp_path / "data", database_url="", audit_interval_seconds=0)
    app = create_app(settings)
    auditor = Auditor(app.state.rada)
    with TestClient(app) as client:
        assert "has not compared its tables" in client.get("/record", headers=HTML).text
        report = auditor.audit_once()
        assert report is not None
        assert report.ok
        page = client.get("/record", headers=HTML).text
        assert "the tables are exactly what the record says" in page
        with sqlite3.connect(tmp_path / "data" / "rada.db") as db:
            db.execute("UPDATE people SET name = 'O''Mallory <b>' WHERE id = 2")
        assert auditor.audit_once() is not None
        page = client.get("/record", headers=HTML).text
        assert "1 difference between the tables and the record" in page
        # Both values as people read them, escaped for HTML only (not \u0027, as for a script).
        assert "found <code>&#34;O&#39;Mallory &lt;b&gt;&#34;</code>" in page
        assert "recorded <code>&#34;Bo&#34;</code>" in page
        assert "\\u00" not in page
        with sqlite3.connect(tmp_path / "data" / "rada.db") as db:
            for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
                db.execute(f'DROP TRIGGER "{trigger}"')
            db.execute("DELETE FROM proposal_versions")
            db.execute("DELETE FROM proposals")
        assert auditor.audit_once() is not None
        page = client.get("/record", headers=HTML).text
        assert "the row is missing, though the record made it" in page
        czech = client.get("/record?lang=cs", headers=HTML).text
        assert "řádek chybí, ačkoli ho rejstřík vytvořil" in czech
