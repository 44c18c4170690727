"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.store_fixtures"]

#: The real data sets beside the checkout (``../shared/data``); CI lays them out the same way.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; a missing folder is a failure, not a skip."""
    assert SHARED_DATA.is_dir(), f"expected the shared test data at {SHARED_DATA}"
    return SHARED_DATA
