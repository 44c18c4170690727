"""What one app keeps between requests, built on first use: the planned economy and the record.

The plan is solved once per app (the first request that needs it waits for the solve, about a
second for the shipped economy; later ones read it). The record repository is opened once and
its schema created if missing, as ``rada record`` does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from rada.config import Settings
from rada.planning.economy import Economy
from rada.planning.explain import Explanation, ProductExplanation
from rada.planning.plan import Plan
from rada.record.errors import SigningKeyError
from rada.record.note import Verifier
from rada.services.ports import PlanSolver
from rada.store.database import Database
from rada.store.record_repository import RecordRepository
from rada.store.witness_repository import CosignatureRepository

__all__ = ["AppState", "PlannedEconomy", "StateDep", "app_state"]


@dataclass(frozen=True)
class PlannedEconomy:
    """An economy, its optimal plan and the explanation of every binding target."""

    economy: Economy
    plan: Plan
    explanation: Explanation
    by_product: dict[str, list[ProductExplanation]] = field(default_factory=dict)
    #: The technique and the good (their ids) of each capital stock constraint, by its name
    #: ``tech/good``.
    stocks: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def solve(cls, economy: Economy) -> PlannedEconomy:
        """Solve and explain ``economy``'s plan."""
        from rada.planning.explain import explain_plan
        from rada.planning.optimal import solve_plan

        plan = solve_plan(economy)
        explanation = explain_plan(plan)
        by_product: dict[str, list[ProductExplanation]] = {}
        for item in explanation.products:
            by_product.setdefault(item.product, []).append(item)
        for items in by_product.values():
            items.sort(key=lambda item: item.year)
        s = plan.structure
        stocks: dict[str, tuple[str, str]] = {}
        for k in range(len(s.pair_tech)):
            tech = economy.techniques[int(s.pair_tech[k])]
            good = economy.products[int(s.pair_good[k])]
            stocks[f"{tech.id}/{good.id}"] = (tech.id, good.id)
        return cls(economy, plan, explanation, by_product, stocks)


class AppState:
    """Per-app state, stored on ``app.state.rada``; each part is built once, when first needed."""

    def __init__(self, settings: Settings, *, economy: Economy | None = None) -> None:
        self.settings = settings
        self._economy = economy
        self._lock = threading.Lock()
        self._planned: PlannedEconomy | None = None
        self._record: RecordRepository | None = None
        self._owns_record = False
        #: The app's one database, when the API opened it from the settings (see
        #: :meth:`share_database`); the record is then read through it, on the same engine.
        self._database: Callable[[], Database | None] = lambda: None
        self._cosignatures: CosignatureRepository | None = None
        self._witness_keys: list[Verifier] | None = None

    def economy(self) -> Economy:
        """The economy of the plan pages (the settings' ``economy``, by default the shipped UK
        2010 one), unsolved: what the council pages need to name its products."""
        if self._economy is None:
            with self._lock:
                if self._economy is None:
                    from rada.bootstrap import configured_economy

                    self._economy = configured_economy(self.settings)
        return self._economy

    def plan_solver(self) -> PlanSolver:
        """What solves the planning cycle's plans (:func:`rada.bootstrap.plan_solver`)."""
        from rada.bootstrap import plan_solver

        return plan_solver(self.settings)

    def planned(self) -> PlannedEconomy:
        """The economy shown on the plan pages (by default the shipped UK 2010 one), planned."""
        if self._planned is None:
            economy = self.economy()
            with self._lock:
                if self._planned is None:
                    self._planned = PlannedEconomy.solve(economy)
        return self._planned

    def share_database(self, database: Callable[[], Database | None]) -> None:
        """Read the record through the app's one database (opened by the API from the same
        settings) rather than a second engine of its own."""
        self._database = database

    def record(self) -> RecordRepository:
        """The instance's public record: the app's database's, or (for an app whose units of
        work are given, as in tests) one opened on the settings' URL, its tables created."""
        if self._record is None:
            shared = self._database()
            with self._lock:
                if self._record is None and shared is not None:
                    self._record = shared.record
                elif self._record is None:
                    from rada.store.engine import record_engine

                    self.settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                    repository = RecordRepository(record_engine(self.settings.database_url))
                    repository.create_schema()
                    self._record, self._owns_record = repository, True
        return self._record

    def cosignatures(self) -> CosignatureRepository:
        """The cosignatures witnesses returned for the record's checkpoints."""
        if self._cosignatures is None:
            self._cosignatures = CosignatureRepository(self.record().engine)
        return self._cosignatures

    def witness_keys(self) -> list[Verifier]:
        """The verifier keys of the witnesses this log asks to cosign (``RADA_WITNESSES``)."""
        if self._witness_keys is None:
            self._witness_keys = [
                Verifier.from_vkey(key) for _, key in self.settings.witness_endpoints
            ]
        return self._witness_keys

    def public_key(self) -> str | None:
        """The record's published verifier key, or None before the first checkpoint made one."""
        from rada.store.keys import public_key

        try:
            return public_key(self.settings.data_dir)
        except SigningKeyError:
            return None

    def close(self) -> None:
        """Release the database connections."""
        if self._record is not None and self._owns_record:
            self._record.engine.dispose()


def app_state(request: Request) -> AppState:
    """The app's state (a FastAPI dependency)."""
    state: AppState = request.app.state.rada
    return state


StateDep = Annotated[AppState, Depends(app_state)]
