"""The planning cycles' repository: each cycle is one row holding its state as JSON."""

from __future__ import annotations

from sqlalchemy import select, update

from rada.councils.cycle import Cycle
from rada.store.base import SqlRepository
from rada.store.councils_tables import planning_cycles


class SqlCycles(SqlRepository):
    def add(self, cycle: Cycle) -> Cycle:
        cycle.id = self.insert_id(
            planning_cycles,
            {
                "congress_id": cycle.congress_id,
                "state": cycle.to_dict(),
                "created_at": cycle.created_at,
            },
        )
        return cycle

    def save(self, cycle: Cycle) -> None:
        self.conn.execute(
            update(planning_cycles)
            .where(planning_cycles.c.id == cycle.id)
            .values(state=cycle.to_dict())
        )

    def get(self, cycle_id: int, *, for_update: bool = False) -> Cycle | None:
        query = select(planning_cycles.c.state).where(planning_cycles.c.id == cycle_id)
        if for_update:
            query = query.with_for_update()
        state = self.conn.execute(query).scalar_one_or_none()
        return None if state is None else Cycle.from_dict(state, id=cycle_id)

    def for_congress(self, congress_id: int) -> list[Cycle]:
        rows = self.conn.execute(
            select(planning_cycles.c.id, planning_cycles.c.state)
            .where(planning_cycles.c.congress_id == congress_id)
            .order_by(planning_cycles.c.id)
        )
        return [Cycle.from_dict(r.state, id=r.id) for r in rows]


__all__ = ["SqlCycles"]
