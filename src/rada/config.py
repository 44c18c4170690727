"""Settings, in one place, from ``RADA_*`` environment variables.

Only the entry points (``rada.cli``, ``rada.web``) and ``rada.bootstrap`` read settings; the
libraries take what they need as arguments.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(user_data_dir("rada", appauthor=False))


class Settings(BaseSettings):
    """Rada's settings. Deployments and scripts rely on the names ``RADA_DATA_DIR`` and
    ``RADA_DATABASE_URL``: keep them."""

    model_config = SettingsConfigDict(env_prefix="RADA_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str = ""

    @model_validator(mode="after")
    def _default_database_in_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'rada.db'}"
        return self


def load_settings() -> Settings:
    """Read the settings from the environment now (not at import time)."""
    return Settings()
