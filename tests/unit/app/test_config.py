"""Settings come from RADA_* environment variables; the two documented names are stable."""

from __future__ import annotations

from pathlib import Path

import pytest

from rada.config import ConfigurationError, load_settings


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


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("RADA_ECONOMY_YEARS", "101", "less than or equal to 100"),
        ("RADA_ECONOMY_YEARS", "0", "greater than or equal to 1"),
        ("RADA_ECONOMY_TARGET_GROWTH", "-1", "greater than or equal to -0.99"),
        ("RADA_ECONOMY_SUPPLY_GROWTH", "11", "less than or equal to 10"),
    ],
)
def test_an_economy_setting_past_the_command_lines_bounds_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    """The settings hold the same bounds as `rada serve --years` and the growth options."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name) as refused:
        load_settings()
    assert said in str(refused.value)


def test_the_economy_settings_default_to_the_growth_the_command_line_assumes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("RADA_ECONOMY_TARGET_GROWTH", "RADA_ECONOMY_SUPPLY_GROWTH"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.economy_target_growth, settings.economy_supply_growth) == (0.025, 0.01)
