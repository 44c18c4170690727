"""Mail over TLS against a real server (aiosmtpd on loopback with a self-signed certificate):
STARTTLS on ``smtp://``, TLS from the first byte on ``smtps://``, the login only inside TLS,
and a certificate nobody vouches for refused, with the mail kept to try again."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from tests.smtp_server import SmtpServer, self_signed

from rada.mail.smtp import Passing, SmtpSender, parse_smtp_url


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


def _mail(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "rada@rada.example"
    message["To"] = "dana@bakery.example"
    message["Subject"] = subject
    message.set_content("Hlasování končí zítra.")
    return message


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The certificate is trusted as the system's CAs would be (OpenSSL's SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.usefixtures("trusted")
def test_mail_goes_out_over_tls_and_logs_in_only_inside_it(
    certificate: tuple[Path, Path], tls: str
) -> None:
    server = SmtpServer(
        login=("rada", "heslo"),
        tls="starttls" if tls == "starttls" else "smtps",
        certificate=certificate,
    ).start()
    try:
        url = server.url.replace("://", "://rada:heslo@")
        assert url.startswith("smtps://" if tls == "smtps" else "smtp://")
        with SmtpSender(parse_smtp_url(url)) as sender:
            sender.send(_mail("Pozvánka: Pekárna"))
            sender.send(_mail("Připomínka"))
    finally:
        server.stop()
    assert [m["Subject"] for m in server.inbox.messages] == ["Pozvánka: Pekárna", "Připomínka"]
    # Over STARTTLS the server offers AUTH only once TLS is up (auth_require_tls); over
    # smtps the connection is TLS from its first byte: either way the login was inside it.
    assert server.logins == ["rada"]


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_a_certificate_nobody_vouches_for_is_refused_and_the_mail_waits(
    certificate: tuple[Path, Path], tls: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Trust only a certificate of another key: the server's is then unknown.
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed(other)[0]))
    server = SmtpServer(
        tls="starttls" if tls == "starttls" else "smtps", certificate=certificate
    ).start()
    try:
        with (
            SmtpSender(parse_smtp_url(server.url), timeout=10) as sender,
            pytest.raises(Passing, match="CERTIFICATE_VERIFY_FAILED"),
        ):
            sender.send(_mail("Pozvánka"))
    finally:
        server.stop()
    assert server.inbox.messages == []
