"""The mail worker's throughput to an SMTP server on loopback: mails per second.

A council of ``--members`` members on SQLite decides three motions in turn; each decision
queues a mail to every member (all want decisions at once). For each, the worker (batches
of 100, one SMTP connection) sends the whole outbox to aiosmtpd, which runs in a process of
its own (discarding what it gets) so that it does not share this one's interpreter. The
time covers claiming, composing from the templates (English and Czech alike), sending, and
recording each batch as sent. The target is 200 mails/s; the median of three is printed.

Usage::

    python benchmarks/bench_mail.py
    python benchmarks/bench_mail.py --members 5000
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from _measure import machine, median
from bench_notices import T0, build
from rada.mail.compose import Composer
from rada.mail.smtp import SmtpSender, parse_smtp_url
from rada.mail.worker import Worker
from rada.services import proposals as ps
from rada.store.database import Database
from rada.store.notices_tables import account_settings, mail_outbox


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("aiosmtpd did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    args = parser.parse_args()
    print(machine())
    port = free_port()
    server = start_server(port)
    try:
        with tempfile.TemporaryDirectory() as folder:
            database = Database(f"sqlite:///{Path(folder) / 'rada.db'}")
            database.upgrade()
            founder, motions = build(database, args.members)
            with database.engine.begin() as conn:  # half the members read Czech
                conn.execute(
                    update(account_settings)
                    .where(account_settings.c.person_id % 2 == 0)
                    .values(language="cs", timezone="Europe/Prague")
                )
                conn.execute(mail_outbox.delete())
            composer = Composer(
                sender="Rada <rada@bench.example>", public_url="https://rada.example"
            )
            rates = []
            for n, motion in enumerate(motions):
                when = T0 + timedelta(days=9, hours=n)
                with database.unit_of_work() as uow:
                    ps.close_vote(uow, proposal_id=motion, by=founder, now=when)
                    uow.commit()
                sender = SmtpSender(parse_smtp_url(f"smtp://127.0.0.1:{port}"))
                worker = Worker(database.unit_of_work, composer, sender=sender,
                                clock=lambda when=when: when + timedelta(minutes=1))  # fmt: skip
                started, used = time.perf_counter(), time.process_time()
                sent = 0
                while (done := worker.once()).claimed:
                    sent += done.sent
                    assert not done.server_down, "the server went away"
                sender.close()
                seconds = time.perf_counter() - started
                cpu = time.process_time() - used
                assert sent == args.members - 1, sent
                rates.append(sent / seconds)
                print(
                    f"  round {n + 1}: {sent:,} mails in {seconds:.2f} s ({sent / seconds:.0f}/s; "
                    f"the worker's CPU {cpu:.2f} s, {sent / cpu:.0f} mails per CPU second)"
                )
            database.dispose()
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"worker to aiosmtpd on loopback: median {median(rates):.0f} mails/s "
        f"({', '.join(f'{r:.0f}' for r in rates)})"
    )


if __name__ == "__main__":
    main()
