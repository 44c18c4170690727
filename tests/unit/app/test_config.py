"""Settings come from RADA_* environment variables; the two documented names are stable."""

from __future__ import annotations

from pathlib import Path

import pytest

from rada.config import load_settings


def test_the_database_defaults_to_an_sqlite_file_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RADA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RADA_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.data_dir == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'rada.db'}"


def test_a_database_url_from_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    monkeypatch.setenv("RADA_DATABASE_URL", url)
    assert load_settings().database_url == url


def test_without_settings_the_data_dir_is_per_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RADA_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", "/home/someone")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert load_settings().data_dir == Path("/home/someone/.local/share/rada")
