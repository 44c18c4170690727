"""The server audits itself: at start-up, then on a schedule, it compares its tables with the
public record (``rada.store.projection``) and keeps the result for the record page.

An audit replays the whole record, whatever was audited before: a row can be edited at any
time, so the comparison that matters is the one made now. Under ``--workers`` each worker
runs the schedule, but a worker skips its turn while another audits (a PostgreSQL advisory
lock, or a file lock beside a SQLite database) or when another audited within half an
interval.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from rada.store.audit import AuditReport, Difference, audit_database
from rada.store.audit_log import last_audit, save_audit
from rada.store.projection import ProjectionError
from rada.store.record_repository import RecordRepository
from rada.web.state import AppState

__all__ = ["Auditor"]

log = logging.getLogger("rada.audit")


# An arbitrary constant naming the lock that lets one process at a time audit PostgreSQL.
_AUDIT_LOCK = 0x52414443


@contextmanager
def one_auditor(engine: Engine) -> Iterator[bool]:
    """Whether this process may audit now: only the holder of a lock may (the other workers
    of ``rada serve --workers N`` skip their turn rather than repeat the work): a session
    advisory lock on PostgreSQL, a lock on a file beside the database on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            held = bool(
                conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_AUDIT_LOCK})").scalar()
            )
            try:
                yield held
            finally:
                if held:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_AUDIT_LOCK})")
                conn.rollback()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield True
        return
    with open(f"{database}.audit-lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class Auditor:
    """Runs :func:`audit_once` at start-up and every ``RADA_AUDIT_INTERVAL_SECONDS``."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.interval = state.settings.audit_interval_seconds

    def audit_once(self) -> AuditReport | None:
        """Audit now, unless another worker is auditing or did within half an interval; keep
        the result."""
        repository = self.state.record()
        with one_auditor(repository.engine) as alone:
            if not alone:
                return None
            latest = last_audit(repository.engine)
            if latest is not None and datetime.now(UTC) - latest.at < timedelta(
                seconds=self.interval / 2
            ):
                return None
            return self._audit(repository)

    def _audit(self, repository: RecordRepository) -> AuditReport:
        try:
            report = audit_database(repository.engine, repository)
        except ProjectionError as exc:
            # The tables cannot be checked at all: say so where members look, not only here.
            log.error("the record cannot be replayed: %s", exc)
            unreadable = Difference(
                "record", (repository.size(),), "replay", "entries Rada can replay", str(exc)
            )
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
