"""``rada worker``: send the outbox's mail, remind members of votes closing, queue the digest.

``rada serve`` and ``rada demo`` start the same worker in a background thread unless told
``--no-worker`` (run one ``rada worker`` per instance instead, or several: they share the
outbox without sending a mail twice). See docs/mail.md.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rada.config import Settings
    from rada.mail.worker import Worker
    from rada.services.ports import UnitOfWork

WorkerOption = Annotated[
    bool,
    typer.Option(
        "--worker/--no-worker",
        help="Also send mail, remind and queue the daily digest in this process "
        "(--no-worker: leave it to a `rada worker`).",
    ),
]


def mail_worker(
    settings: Settings,
    unit_of_work: Callable[[], UnitOfWork],
    *,
    public_url: str | None = None,
) -> Worker:
    """The worker the settings describe: through ``RADA_SMTP_URL`` when set; otherwise to
    the local outbox in development, and not at all in production (mail waits)."""
    from rada.mail.compose import Composer
    from rada.mail.smtp import SmtpSender, parse_smtp_url
    from rada.mail.worker import Worker

    composer = Composer(sender=settings.mail_from, public_url=public_url or settings.public_url)
    url = settings.smtp_url.get_secret_value()
    if url:
        return Worker(unit_of_work, composer, sender=SmtpSender(parse_smtp_url(url)))
    return Worker(unit_of_work, composer, local=not settings.production)


def where_mail_goes(settings: Settings) -> str:
    """One line for the operator: where the worker sends (never the password)."""
    from rada.mail.smtp import parse_smtp_url

    url = settings.smtp_url.get_secret_value()
    if url:
        server = parse_smtp_url(url)
        return f"mail goes out through {server.host}:{server.port}"
    if settings.production:
        return "no RADA_SMTP_URL: mail waits in the outbox until one is set"
    return "no RADA_SMTP_URL: mail is delivered to the local outbox at /outbox"


def start_in_background(
    settings: Settings, *, public_url: str | None = None
) -> tuple[threading.Thread, threading.Event]:
    """Start the worker in a daemon thread on its own connection to the database; set the
    event to stop it."""
    from rada.bootstrap import open_database

    database = open_database(settings)
    worker = mail_worker(settings, database.unit_of_work, public_url=public_url)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="rada-mail", daemon=True)
    thread.start()
    return thread, stop


def worker(
    batch: Annotated[int, typer.Option(min=1, max=1000, help="Mails taken per round.")] = 100,
) -> None:
    """Send the outbox's mail with retries, remind members of votes closing within a day and
    queue the daily digest, until Ctrl-C."""
    from rada.bootstrap import open_database
    from rada.cli._output import message
    from rada.config import load_settings

    settings = load_settings()
    database = open_database(settings)
    running = mail_worker(settings, database.unit_of_work)
    running.batch = batch
    message(f"{where_mail_goes(settings)} (Ctrl-C stops the worker)")
    stop = threading.Event()
    graceful = threading.current_thread() is threading.main_thread()
    if graceful:
        signal.signal(signal.SIGINT, _stop_after_the_round(stop))
    try:
        running.run(stop)
    finally:
        if graceful:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        database.dispose()
    from rada.cli.main import ExitCode

    message("interrupted: the worker stopped after its round")
    raise typer.Exit(ExitCode.INTERRUPTED)


def _stop_after_the_round(stop: threading.Event) -> Callable[[int, object], None]:
    """A Ctrl-C handler that lets the worker finish its round and close its connections
    (a KeyboardInterrupt in the middle of a database call could leave the pool's lock held
    and the process hanging in ``dispose``); a second Ctrl-C stops it at once."""

    def handler(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stop.set()

    return handler
