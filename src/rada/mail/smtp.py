"""Sending over SMTP with the standard library: one connection kept open across a batch, and
each failure classified as a refusal (permanent) or as passing (try again later).

``smtp://user:password@host:port`` speaks STARTTLS when the server offers it (port 25 by
default); ``smtps://...`` speaks TLS from the start (port 465 by default). Credentials, when
given, log in (after TLS, when there is TLS).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import Message
from types import TracebackType
from urllib.parse import unquote, urlsplit

__all__ = [
    "MailError",
    "Passing",
    "Refused",
    "SmtpSender",
    "SmtpServer",
    "parse_smtp_url",
]


class MailError(Exception):
    """A mail that did not go out, and why (the server's answer when it gave one)."""


class Passing(MailError):
    """A failure that may pass: the server is down or busy (4xx), the connection broke.
    ``down`` is true when the server could not be reached or the connection broke (the
    other mails of the batch would fare no better), false when it put off this one mail."""

    def __init__(self, message: str, *, down: bool = True) -> None:
        super().__init__(message)
        self.down = down


class Refused(MailError):
    """A permanent refusal (5xx). ``recipient`` is true when the server refused the address
    itself (it does not exist, or takes no mail), false when it refused the message."""

    def __init__(self, message: str, *, recipient: bool) -> None:
        super().__init__(message)
        self.recipient = recipient


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes out, read from ``RADA_SMTP_URL``."""

    host: str
    port: int
    tls: bool  # TLS from the start (smtps://); otherwise STARTTLS when offered
    user: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """Read an ``smtp://`` or ``smtps://`` URL (the message never repeats a password).

    >>> parse_smtp_url("smtps://rada%40example.org:pw@mail.example.org")
    SmtpServer(host='mail.example.org', port=465, tls=True, user='rada@example.org', password='pw')
    >>> parse_smtp_url("smtp://127.0.0.1:2525").port
    2525
    """
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("RADA_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://...")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("RADA_SMTP_URL has a port that is not a number") from None
    tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if tls else 25),
        tls=tls,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


class SmtpSender:
    """Sends mail through one server, over a connection opened when first needed and kept
    until :meth:`close` (or the end of a ``with`` block)."""

    def __init__(self, server: SmtpServer, *, timeout: float = 30.0) -> None:
        self.server = server
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.tls:
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
        if server.user is not None:
            smtp.login(server.user, server.password or "")
        return smtp

    def send(self, message: Message) -> None:
        """Send ``message`` to its ``To``; raises :class:`Refused` or :class:`Passing`."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()), (0, b""))
            raise self._answer(code, answer, recipient=True) from error
        except smtplib.SMTPSenderRefused as error:
            # Our own sender refused concerns every mail: a setting to fix, not this mail.
            self._drop()
            raise Passing(f"the server refused the sender: {error.smtp_code} "
                          f"{_text(error.smtp_error)}") from error  # fmt: skip
        except smtplib.SMTPAuthenticationError as error:
            self._drop()
            raise Passing(f"the server refused the login: {error.smtp_code} "
                          f"{_text(error.smtp_error)}") from error  # fmt: skip
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500 and isinstance(error, smtplib.SMTPDataError):
                raise self._answer(error.smtp_code, error.smtp_error, recipient=False) from error
            self._drop()
            raise Passing(f"{error.smtp_code} {_text(error.smtp_error)}") from error
        except (smtplib.SMTPException, OSError) as error:  # OSError: refused, timed out
            self._drop()
            raise Passing(f"{type(error).__name__}: {error}") from error

    def _answer(self, code: int, answer: bytes | str, *, recipient: bool) -> MailError:
        text = f"{code} {_text(answer)}"
        if 500 <= code < 600:
            return Refused(text, recipient=recipient)
        return Passing(text, down=False)

    def _drop(self) -> None:
        """Forget a connection that may be broken (closing it without waiting for a word)."""
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        """Say goodbye to the server (QUIT) and close the connection."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            self._drop()


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
