"""Reading and writing economies: Rada's own TOML format, Cockshott's four CSV tables and
national symmetric input-output tables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from rada.planning.economy import Economy
from rada.planning.errors import InputError

Format = Literal["rada", "cockshott", "iot"]
FORMATS: tuple[Format, ...] = ("rada", "cockshott", "iot")


def detect_format(path: Path) -> Format:
    """Guess the format of ``path``: a folder of Cockshott CSVs, a ``.toml`` file or a table."""
    if path.is_dir():
        if (path / "flows.csv").exists():
            return "cockshott"
        if (path / "economy.toml").exists():
            return "rada"
        raise InputError(
            "the folder holds neither flows.csv (Cockshott's format) nor economy.toml",
            file=str(path),
        )
    if path.suffix.lower() == ".toml":
        return "rada"
    if path.suffix.lower() == ".csv":
        return "iot"
    raise InputError(
        "cannot tell the format from the name", file=str(path), hint="pass --format explicitly"
    )


def load_economy(
    path: Path,
    *,
    format: Format | None = None,
    labour_row: str | None = None,
    years: int = 1,
    target_growth: float = 0.0,
    supply_growth: float = 0.0,
) -> Economy:
    """Read an economy in any supported format (the IOT options apply to tables only)."""
    chosen = format or detect_format(path)
    if chosen == "rada":
        from rada.planning.formats.rada_toml import read_economy

        return read_economy(path / "economy.toml" if path.is_dir() else path)
    if chosen == "cockshott":
        from rada.planning.formats.cockshott import read_cockshott

        return read_cockshott(path)
    if chosen == "iot":
        from rada.planning.formats.iot import DEFAULT_LABOUR_ROW, iot_economy, read_iot

        table = read_iot(path, labour_row=labour_row or DEFAULT_LABOUR_ROW)
        return iot_economy(
            table, years=years, target_growth=target_growth, supply_growth=supply_growth
        )
    raise InputError(f"unknown format {chosen!r}; use one of {', '.join(FORMATS)}")


def save_economy(economy: Economy, path: Path, *, format: Format) -> list[Path]:
    """Write an economy; returns the files written. ``path`` is a folder for Cockshott's format."""
    if format == "rada":
        from rada.planning.formats.rada_toml import write_economy

        target = path / "economy.toml" if path.is_dir() or not path.suffix else path
        target.parent.mkdir(parents=True, exist_ok=True)
        write_economy(economy, target)
        return [target]
    if format == "cockshott":
        from rada.planning.formats.cockshott import write_cockshott

        return write_cockshott(economy, path)
    if format == "iot":
        from rada.planning.formats.iot import write_iot

        target = path / "iot.csv" if path.is_dir() or not path.suffix else path
        return write_iot(economy, target)
    raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
