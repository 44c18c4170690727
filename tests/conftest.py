"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

pytest_plugins = ["tests.store_fixtures"]

# No per-example deadline for any property test: the suite runs a worker on every core, and
# one example stalled past hypothesis's default 200 ms would fail a correct run.
settings.register_profile("rada", deadline=None)
settings.load_profile("rada")

#: The real data sets beside the checkout (``../shared/data``); CI lays them out the same way.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; a missing folder is a failure, not a skip."""
    assert SHARED_DATA.is_dir(), f"expected the shared test data at {SHARED_DATA}"
    return SHARED_DATA
