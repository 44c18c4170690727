"""Settings, in one place, from ``RADA_*`` environment variables.

Only the entry points (``rada.cli``, ``rada.web``) and ``rada.bootstrap`` read settings; the
libraries take what they need as arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The secret key a development instance signs its session cookies with. It is public (it is
#: in the source), so production refuses it.
DEVELOPMENT_SECRET_KEY = "rada-development-secret-key-do-not-use-in-production"
#: The shortest secret key production accepts (about 190 bits in URL-safe base64).
MIN_SECRET_KEY = 32


class InsecureSettings(ValueError):
    """Production settings that would leave the instance open (a default or short secret)."""


def _default_data_dir() -> Path:
    return Path(user_data_dir("rada", appauthor=False))


class Settings(BaseSettings):
    """Rada's settings. Deployments and scripts rely on the names ``RADA_DATA_DIR`` and
    ``RADA_DATABASE_URL``: keep them."""

    model_config = SettingsConfigDict(env_prefix="RADA_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str = ""
    #: ``production`` demands a real secret key and marks cookies ``Secure`` (HTTPS only).
    mode: Literal["development", "production"] = "development"
    #: Signs session cookies and CSRF tokens; at least 32 characters in production.
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    #: Failed sign-ins allowed per client address and per e-mail address in each window...
    signin_attempts: int = Field(default=5, ge=1)
    #: ...of this many seconds; past it, sign-in answers 429 until the window has moved on.
    signin_window_seconds: int = Field(default=60, ge=1)
    #: Whether anyone may create an account; when false, sign-up needs an invitation code.
    open_signup: bool = True

    @model_validator(mode="after")
    def _default_database_in_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'rada.db'}"
        return self

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        check_production(self)
        return self

    @property
    def production(self) -> bool:
        """Whether this is a production instance (real secret, HTTPS-only cookies)."""
        return self.mode == "production"


def check_production(settings: Settings) -> None:
    """Refuse production settings whose secret key is the development default or too short.

    Called when the settings are read and again when the web app is built, so that settings
    changed after reading cannot slip through.
    """
    if not settings.production:
        return
    key = settings.secret_key.get_secret_value()
    make_one = "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    if key == DEVELOPMENT_SECRET_KEY:
        raise InsecureSettings(
            "RADA_MODE=production needs its own RADA_SECRET_KEY, not the development default "
            f"({make_one})"
        )
    if len(key) < MIN_SECRET_KEY:
        raise InsecureSettings(
            f"RADA_SECRET_KEY is {len(key)} characters long; production needs at least "
            f"{MIN_SECRET_KEY} ({make_one})"
        )


def load_settings() -> Settings:
    """Read the settings from the environment now (not at import time)."""
    return Settings()
