"""Shared fixtures: the real data beside the checkout (../shared/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; a missing folder is a failure, not a skip."""
    assert DATA.is_dir(), f"expected the shared test data at {DATA}"
    return DATA
