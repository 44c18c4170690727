"""The unit of work the service tests run on: in memory, and the real databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rada.services.memory import MemoryState, MemoryUnitOfWork
from rada.services.ports import UnitOfWork


@pytest.fixture
def uow_factory() -> Callable[[], UnitOfWork]:
    state = MemoryState()
    return lambda: MemoryUnitOfWork(state)
