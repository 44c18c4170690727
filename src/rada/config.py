"""Settings, in one place, from ``RADA_*`` environment variables.

Only the entry points (``rada.cli``, ``rada.web``) and ``rada.bootstrap`` read settings; the
libraries take what they need as arguments.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
from collections import Counter
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rada.planning.horizon import (
    LEAST_GROWTH,
    MOST_GROWTH,
    MOST_YEARS,
    SUPPLY_GROWTH,
    TARGET_GROWTH,
)

#: The secret key a development instance signs its session cookies with. It is public (it is
#: in the source), so production refuses it.
DEVELOPMENT_SECRET_KEY = "rada-development-secret-key-do-not-use-in-production"
#: The shortest secret key production accepts (about 190 bits in URL-safe base64).
MIN_SECRET_KEY = 32
#: The least entropy production accepts in a secret key, as :func:`key_strength` estimates it.
MIN_SECRET_BITS = 128


class ConfigurationError(ValueError):
    """A setting Rada cannot run with: which one, and why (never its value when secret)."""


class InsecureSettings(ConfigurationError):
    """Production settings that would leave the instance open (a default or weak secret)."""


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
    #: The server signs a checkpoint of the record at most this often, when it has grown
    #: (0: never; sign with ``rada record checkpoint`` instead).
    checkpoint_interval_seconds: float = Field(default=10.0, ge=0)
    #: The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed
    #: (addresses or networks, separated by commas); none by default, so that no client can
    #: pass itself off as another address (and so around the sign-in limits).
    trusted_proxies: str = ""
    #: How many password hashings (sign-up, sign-in) one server process runs at once; more
    #: wait up to 2 s, then get 503 with Retry-After. Each takes a core for some 50 ms.
    hashing_concurrency: int = Field(default_factory=lambda: os.cpu_count() or 2, ge=1, le=256)
    #: The largest request body the web server reads, in bytes (1 MiB); larger ones get 413.
    max_body_bytes: int = Field(default=1 << 20, ge=1 << 10, le=1 << 30)
    #: The server compares its tables with the record at start-up and then this often
    #: (0: never; audit with ``rada record audit`` instead).
    audit_interval_seconds: float = Field(default=3600.0, ge=0)
    #: The witnesses this log asks to cosign each checkpoint: a JSON list of
    #: ``{"url": ..., "key": ...}`` or ``URL KEY`` pairs separated by commas, where URL is
    #: the witness's submission prefix and KEY its signed-note verifier key.
    witnesses: str = ""
    #: How many of those witnesses must cosign a checkpoint before it is served at
    #: ``/log/checkpoint`` and before the record page accepts it (default: all of them).
    witness_quorum: int | None = Field(default=None, ge=0)
    #: As a witness (``rada witness serve``): the verifier keys of the logs it witnesses,
    #: separated by commas or newlines.
    witness_logs: str = ""
    #: Where mail goes out: ``smtp://user:password@host:port`` (STARTTLS when the server
    #: offers it) or ``smtps://...`` (TLS from the start). Empty: mail stays in the outbox,
    #: which ``rada demo`` shows at ``/outbox``.
    smtp_url: SecretStr = SecretStr("")
    #: The sender of Rada's mail (``Rada <rada@example.org>``).
    mail_from: str = "Rada <rada@localhost>"
    #: The address people reach this instance at, for links in mail (no trailing slash).
    public_url: str = "http://127.0.0.1:8000"
    #: The Dask scheduler that solves batches of plans (``rada plan scenarios``), as
    #: ``tcp://HOST:PORT``; empty: a local cluster on this machine's cores.
    dask_scheduler: str = ""
    #: The economy the plan pages show and the planning cycle plans, as ``rada plan solve``
    #: reads it: a Rada ``.toml`` file, a Cockshott folder or an input-output table (``.csv``);
    #: the UK 2010 table shipped with Rada, over five years, when not set.
    economy: Path | None = None
    #: Its format (rada, cockshott or iot) where its name does not say.
    economy_format: str | None = None
    #: An input-output table's row that holds labour (default: 'Compensation of employees').
    economy_labour_row: str | None = None
    #: An input-output table is planned over this many years from its one (not set: one year),
    #: its targets and labour growing by these shares a year.
    economy_years: int | None = Field(default=None, ge=1, le=MOST_YEARS)
    economy_target_growth: float = Field(default=TARGET_GROWTH, ge=LEAST_GROWTH, le=MOST_GROWTH)
    economy_supply_growth: float = Field(default=SUPPLY_GROWTH, ge=LEAST_GROWTH, le=MOST_GROWTH)

    @model_validator(mode="after")
    def _default_database_in_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'rada.db'}"
        return self

    @model_validator(mode="after")
    def _witnesses_are_well_formed(self) -> Settings:
        endpoints = parse_witnesses(self.witnesses)
        if self.witness_quorum is not None and self.witness_quorum > len(endpoints):
            raise ValueError(
                f"RADA_WITNESS_QUORUM is {self.witness_quorum} but RADA_WITNESSES names "
                f"{len(endpoints)} witnesses"
            )
        parse_log_keys(self.witness_logs)
        return self

    @property
    def witness_endpoints(self) -> list[tuple[str, str]]:
        """The witnesses' submission prefixes and verifier keys, as configured."""
        return parse_witnesses(self.witnesses)

    @property
    def quorum(self) -> int:
        """How many witnesses must cosign (all configured ones unless set)."""
        if self.witness_quorum is None:
            return len(self.witness_endpoints)
        return self.witness_quorum

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        check_production(self)
        return self

    @model_validator(mode="after")
    def _proxies_are_addresses(self) -> Settings:
        for proxy in self.proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"RADA_TRUSTED_PROXIES: {proxy!r} is not an IP address or network"
                ) from exc
        return self

    @property
    def proxies(self) -> list[str]:
        """The trusted proxies, as configured (empty: trust none)."""
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    def proxy_options(self) -> dict[str, object]:
        """uvicorn's options for the trusted proxies: none unless some are named (uvicorn
        itself would believe 127.0.0.1)."""
        if not self.proxies:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": self.proxies}

    @property
    def production(self) -> bool:
        """Whether this is a production instance (real secret, HTTPS-only cookies)."""
        return self.mode == "production"


def parse_witnesses(text: str) -> list[tuple[str, str]]:
    """Read ``RADA_WITNESSES``: a JSON list of ``{"url", "key"}`` objects, or ``URL KEY``
    pairs separated by commas. Every key must be a cosignature (type 0x04) verifier key.

    Examples
    --------
    >>> parse_witnesses("")
    []
    >>> key = "w.example+5eda88e9+BDtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    >>> parse_witnesses(f"http://127.0.0.1:9000 {key}") == [("http://127.0.0.1:9000", key)]
    True
    """
    from rada.record.errors import NoteError
    from rada.record.note import COSIGNATURE_TYPE, Verifier

    text = text.strip()
    if not text:
        return []
    pairs: list[tuple[str, str]] = []
    if text.startswith("["):
        try:
            items = json.loads(text)
            pairs = [(str(item["url"]), str(item["key"])) for item in items]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(
                'RADA_WITNESSES is not a JSON list of {"url": ..., "key": ...}'
            ) from exc
    else:
        for part in text.split(","):
            fields = part.split()
            if len(fields) != 2:
                raise ValueError(f"RADA_WITNESSES: {part.strip()!r} is not 'URL KEY'")
            pairs.append((fields[0], fields[1]))
    for url, key in pairs:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"RADA_WITNESSES: {url!r} is not an http(s) URL")
        try:
            verifier = Verifier.from_vkey(key)
        except NoteError as exc:
            raise ValueError(f"RADA_WITNESSES: the key {key!r} is malformed: {exc}") from exc
        if verifier.key_type != COSIGNATURE_TYPE:
            raise ValueError(f"RADA_WITNESSES: {key!r} is not a witness's cosignature key")
    return pairs


def parse_log_keys(text: str) -> list[str]:
    """Read ``RADA_WITNESS_LOGS`` (or a ``--logs`` file): log verifier keys separated by
    commas or newlines; lines starting with ``#`` are comments."""
    from rada.record.errors import NoteError
    from rada.record.note import ED25519_TYPE, Verifier

    keys: list[str] = []
    for line in text.replace(",", "\n").splitlines():
        key = line.strip()
        if not key or key.startswith("#"):
            continue
        try:
            verifier = Verifier.from_vkey(key)
        except NoteError as exc:
            raise ValueError(f"the log key {key!r} is malformed: {exc}") from exc
        if verifier.key_type != ED25519_TYPE:
            raise ValueError(f"{key!r} is not a log's (Ed25519) key")
        keys.append(key)
    return keys


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
    bits = key_strength(key)
    if bits < MIN_SECRET_BITS:
        raise InsecureSettings(
            f"RADA_SECRET_KEY is too predictable (about {bits:.0f} bits of entropy by its "
            f"characters; production needs {MIN_SECRET_BITS}): use a random key ({make_one})"
        )


def key_strength(key: str) -> float:
    """A rough upper bound, in bits, of a secret's entropy: its length times the Shannon
    entropy of its characters, and nothing for a key that repeats a shorter piece of itself.
    Random keys score far above :data:`MIN_SECRET_BITS`; ``"a" * 32`` scores 0.

    Examples
    --------
    >>> key_strength("a" * 32)
    0.0
    >>> key_strength("abcd" * 10)
    0.0
    >>> key_strength("sT4nQ-8vZr_kP1wLx9mB2cYdE7hJ0gFu") > 128
    True
    """
    n = len(key)
    for period in range(1, n // 2 + 1):
        if n % period == 0 and key[:period] * (n // period) == key:
            return 0.0
    counts = Counter(key)
    per_char = -sum(c / n * math.log2(c / n) for c in counts.values())
    return n * per_char


def load_settings() -> Settings:
    """Read the settings from the environment now (not at import time). Raises
    :class:`ConfigurationError` naming each bad setting and why, never a secret's value."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error.get("loc", ()))
            reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append(f"RADA_{field.upper()}: {reason}" if field else reason)
        raise ConfigurationError("; ".join(problems)) from None
