"""The server audits itself: at start-up, then on a schedule, it compares its tables with the
public record (``rada.store.projection``) and keeps the result for the record page.

An audit replays the whole record, whatever was audited before: a row can be edited at any
time, so the comparison that matters is the one made now. Under ``--workers`` each worker
runs the schedule, but a worker skips its turn when another audited within half an interval.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from rada.store.audit import AuditReport, Difference, audit_database
from rada.store.audit_log import last_audit, save_audit
from rada.store.projection import ProjectionError
from rada.web.state import AppState

__all__ = ["Auditor"]

log = logging.getLogger("rada.audit")


class Auditor:
    """Runs :func:`audit_once` at start-up and every ``RADA_AUDIT_INTERVAL_SECONDS``."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.interval = state.settings.audit_interval_seconds

    def audit_once(self) -> AuditReport | None:
        """Audit now, unless another worker did within half an interval; keep the result."""
        repository = self.state.record()
        latest = last_audit(repository.engine)
        if latest is not None and datetime.now(UTC) - latest.at < timedelta(
            seconds=self.interval / 2
        ):
            return None
        try:
            report = audit_database(repository.engine, repository)
        except ProjectionError as exc:
            # The tables cannot be checked at all: say so where members look, not only here.
            log.error("the record cannot be replayed: %s", exc)
            unreadable = Difference("record", (repository.size(),), "replay", None, str(exc))
            report = AuditReport(repository.size(), [unreadable], datetime.now(UTC), 0.0)
        save_audit(repository.engine, report)
        if report.ok:
            log.info("audit: the tables are what the record of %s entries says", report.size)
        else:
            log.error(
                "audit: %s differences between the tables and the record, first: %s",
                len(report.differences),
                report.differences[0],
            )
        return report

    async def run(self) -> None:
        """Audit at once, then on the schedule, until cancelled."""
        while True:
            try:
                await asyncio.to_thread(self.audit_once)
            except Exception:  # an audit that fails must not stop the server or the schedule
                log.exception("audit failed")
            await asyncio.sleep(self.interval)
