"""The audits' own log: when the tables were last compared with the record, and what was found.

Not part of the public record (an audit is an observation about this database, which an
operator could fake as easily as the tables themselves); its point is to show members, on the
record page, that the server checks itself and when it last did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from rada.store.audit import AuditReport
from rada.store.councils_tables import record_audits

__all__ = ["LastAudit", "last_audit", "record_audits", "save_audit"]

#: How many differences an audit keeps listed in its row.
KEPT = 20


@dataclass(frozen=True)
class LastAudit:
    """The latest audit: when, over how many entries, and how many differences it found."""

    at: datetime
    size: int
    differences: int
    seconds: float
    listed: list[dict[str, object]]

    @property
    def ok(self) -> bool:
        """Whether it found the tables to be what the record says."""
        return self.differences == 0


def save_audit(engine: Engine, report: AuditReport) -> None:
    """Keep an audit's result."""
    listed = json.dumps(report.as_dict(limit=KEPT)["listed"], ensure_ascii=False, default=str)
    with engine.begin() as conn:
        conn.execute(
            insert(record_audits).values(
                at=report.at,
                size=report.size,
                differences=len(report.differences),
                seconds=report.seconds,
                listed=listed,
            )
        )


def last_audit(engine: Engine) -> LastAudit | None:
    """The latest audit kept, if any."""
    with engine.connect() as conn:
        row = conn.execute(
            select(record_audits).order_by(record_audits.c.id.desc()).limit(1)
        ).first()
    if row is None:
        return None
    return LastAudit(
        row.at, int(row.size), int(row.differences), row.seconds, json.loads(row.listed)
    )
