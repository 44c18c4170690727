"""`rada worker` as an operator runs it: it sends what waits in the outbox through
RADA_SMTP_URL, says where mail goes without the password, and Ctrl-C ends it with 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.smtp_server import SmtpServer

from rada.services.ports import OutgoingMail
from rada.store.database import Database

RADA = [sys.executable, "-m", "rada.cli"]


def test_rada_worker_sends_the_outbox_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'rada.db'}")
    database.upgrade()
    now = datetime.now(UTC)
    with database.unit_of_work() as uow:
        uow.outbox.add_many([OutgoingMail(
            address="dana@bakery.example", purpose="invitation", language="cs",
            created_at=now, due_at=now,
            payload={"link": "https://rada.example/join?code=X", "council": "Pekárna",
                     "by": "Ana", "code": "X"},
        )])  # fmt: skip
        uow.commit()
    database.dispose()
    server = SmtpServer().start()
    env = {**os.environ, "RADA_DATA_DIR": str(tmp_path),
           "RADA_SMTP_URL": f"smtp://127.0.0.1:{server.port}"}  # fmt: skip
    worker = subprocess.Popen([*RADA, "worker"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not server.inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        worker.send_signal(signal.SIGINT)
        _, errors = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
        server.stop()
    assert worker.returncode == 130
    assert f"mail goes out through 127.0.0.1:{server.port}" in errors
    (message,) = server.inbox.messages
    assert message["Subject"] == "Pozvánka: Pekárna"
