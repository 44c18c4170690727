"""A real SMTP server on loopback for the mail tests and benchmarks (aiosmtpd), which keeps
what it receives and refuses, with 550, the addresses it is told to."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """aiosmtpd's handler: the messages received (parsed) and their envelopes' recipients."""

    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep
        self.messages: list[EmailMessage] = []
        self.recipients: list[str] = []
        self.count = 0
        self.refuse: set[str] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's name)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            self.count += 1
            self.recipients += envelope.rcpt_tos
            if self.keep:
                parsed = message_from_bytes(envelope.content, policy=policy.default)
                assert isinstance(parsed, EmailMessage)
                self.messages.append(parsed)
        return "250 2.0.0 Accepted"


class SmtpServer:
    """An SMTP server on ``127.0.0.1:port`` that can be stopped and started again there."""

    def __init__(
        self,
        inbox: Inbox | None = None,
        *,
        port: int | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.inbox = inbox or Inbox()
        self.port = port or free_port()
        self.login = login  # the one user and password it accepts, demanding a login
        self.logins: list[str] = []
        self._controller: Controller | None = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:  # fmt: skip
        user = data.login.decode() if isinstance(data.login, bytes) else str(data.login)
        password = data.password.decode() if isinstance(data.password, bytes) else data.password
        self.logins.append(user)
        return AuthResult(success=self.login == (user, password))

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        options: dict[str, Any] = {}
        if self.login is not None:  # plain text on loopback, for the test only
            options = {"authenticator": self._authenticate, "auth_required": True,
                       "auth_require_tls": False}  # fmt: skip
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
