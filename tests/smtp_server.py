"""A real SMTP server on loopback for the mail tests and benchmarks (aiosmtpd), which keeps
what it receives and refuses, with 550, the addresses it is told to."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

if TYPE_CHECKING:
    from pathlib import Path


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


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key (``cert.pem``, ``key.pem``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class SmtpServer:
    """An SMTP server on ``127.0.0.1:port`` that can be stopped and started again there;
    ``tls``: offer and demand STARTTLS, or speak TLS from the first byte (smtps), with the
    certificate and key ``certificate``."""

    def __init__(
        self,
        inbox: Inbox | None = None,
        *,
        port: int | None = None,
        login: tuple[str, str] | None = None,
        tls: Literal["starttls", "smtps"] | None = None,
        certificate: tuple[Path, Path] | None = None,
    ) -> None:
        self.inbox = inbox or Inbox()
        self.port = port or free_port()
        self.login = login  # the one user and password it accepts, demanding a login
        self.logins: list[str] = []
        self.tls = tls
        self.certificate = certificate
        self._controller: Controller | None = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:  # fmt: skip
        user = data.login.decode() if isinstance(data.login, bytes) else str(data.login)
        password = data.password.decode() if isinstance(data.password, bytes) else data.password
        self.logins.append(user)
        return AuthResult(success=self.login == (user, password))

    @property
    def url(self) -> str:
        return f"{'smtps' if self.tls == 'smtps' else 'smtp'}://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        options: dict[str, Any] = {}
        if self.login is not None:
            # Plain text on loopback, unless STARTTLS is asked for: then AUTH only after it.
            # (aiosmtpd does not count TLS from the first byte as TLS for AUTH; there the whole
            # connection is encrypted anyway.)
            options = {"authenticator": self._authenticate, "auth_required": True,
                       "auth_require_tls": self.tls == "starttls"}  # fmt: skip
        if self.tls is not None:
            assert self.certificate is not None, "TLS needs a certificate"
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            if self.tls == "starttls":
                options |= {"tls_context": context, "require_starttls": True}
            else:
                options |= {"ssl_context": context}
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
