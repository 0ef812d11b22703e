"""A loopback SMTP server for tests, built on aiosmtpd, that can also misbehave.

    server = SMTPServer(tls="starttls", auth=("duty", "pw"))
    server.start()
    ... MailChannel(host="127.0.0.1", port=server.port, ssl_context=server.client_context)
    server.messages[-1].message["Subject"]
    server.stop()

tls:   "none"      advertise no STARTTLS
       "starttls"  STARTTLS with a self-signed certificate made at test time
       "refuse"    advertise STARTTLS but answer it with 454
       "ssl"       implicit TLS (SMTPS) from the first byte
mode:  "normal"    accept
       "stall"     accept the TCP connection and never say a word (no greeting)
       "stall_data" take the whole message, then never answer the final "."
fail_at / fail_code: answer RCPT or DATA with e.g. 451 (transient) or 550 (permanent).
auth:  (user, password) accepted with AUTH LOGIN and PLAIN; anything else gets 535.
"""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
import ipaddress
import logging
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# aiosmtpd logs every line at DEBUG (AUTH exchanges included): keep it out of test logs.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    auth_user: str | None

    @property
    def message(self) -> EmailMessage:
        # On the wire lines end in CRLF; the parser wants them as Python's "\n".
        data = self.data.replace(b"\r\n", b"\n")
        return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


# ---------------------------------------------------------------------- certificates

def make_self_signed_cert(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path, str]:
    """A throwaway certificate for `host` (and localhost): (certfile, keyfile, PEM)."""
    try:
        return _cert_with_cryptography(directory, host)
    except ImportError:
        return _cert_with_openssl(directory, host)


def _cert_with_cryptography(directory: Path, host: str) -> tuple[Path, Path, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "yuqing test SMTP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    certfile.write_text(pem)
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return certfile, keyfile, pem


def _cert_with_openssl(directory: Path, host: str) -> tuple[Path, Path, str]:
    import subprocess

    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=yuqing test SMTP",
         "-addext", f"subjectAltName=IP:{host},DNS:localhost",
         "-keyout", str(keyfile), "-out", str(certfile)],
        check=True, capture_output=True, timeout=30)
    return certfile, keyfile, certfile.read_text()


# ---------------------------------------------------------------------- server

class _Refusing454(SMTP):
    async def smtp_STARTTLS(self, arg: str) -> None:
        await self.push("454 4.7.0 TLS not available due to temporary reason")


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):  # noqa: ANN001
        s = self.server
        if s.fail_at == "rcpt" and (s.fail_rcpt is None or address == s.fail_rcpt):
            return f"{s.fail_code} {s.fail_text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):  # noqa: ANN001
        s = self.server
        if s.mode == "stall_data":
            await asyncio.sleep(s.stall_seconds)
            return "451 4.3.0 gave up"
        if s.fail_at == "data":
            return f"{s.fail_code} {s.fail_text}"
        auth = session.auth_data
        with s.lock:
            s.messages.append(ReceivedMail(
                mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                data=bytes(envelope.original_content or envelope.content),
                tls=smtp.transport.get_extra_info("ssl_object") is not None,
                auth_user=auth.login.decode() if isinstance(auth, LoginPassword) else None))
        return "250 2.0.0 Message accepted for delivery"


class _Controller(Controller):
    def __init__(self, owner: SMTPServer, **kwargs):
        super().__init__(_Handler(owner), hostname=owner.host, port=0, **kwargs)
        self.owner = owner

    def _create_server(self):  # noqa: ANN202
        async def create():  # noqa: ANN202
            server = await self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context)
            self.port = server.sockets[0].getsockname()[1]
            return server
        return create()

    def factory(self) -> SMTP:
        cls = _Refusing454 if self.owner.tls == "refuse" else SMTP
        return cls(self.handler, **self.SMTP_kwargs)


class SMTPServer:
    def __init__(self, *, tls: str = "none", mode: str = "normal", fail_at: str | None = None,
                 fail_code: int = 550, fail_text: str | None = None, fail_rcpt: str | None = None,
                 auth: tuple[str, str] | None = None, host: str = "127.0.0.1",
                 stall_seconds: float = 30.0):
        assert tls in ("none", "starttls", "refuse", "ssl"), tls
        assert mode in ("normal", "stall", "stall_data"), mode
        assert fail_at in (None, "rcpt", "data"), fail_at
        self.tls, self.mode, self.host = tls, mode, host
        self.fail_at, self.fail_code, self.fail_rcpt = fail_at, fail_code, fail_rcpt
        self.fail_text = fail_text or ("4.2.1 Mailbox busy, try later" if fail_code < 500
                                       else "5.1.1 No such user here")
        self.auth = auth
        self.stall_seconds = stall_seconds
        self.messages: list[ReceivedMail] = []
        self.auth_attempts: list[tuple[str, str, bool]] = []
        self.lock = threading.Lock()
        self.port = 0
        self.client_context: ssl.SSLContext | None = None  # trusts our certificate
        self.cert_pem: str | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._controller: _Controller | None = None
        self._stall_sock: socket.socket | None = None
        self._stall_conns: list[socket.socket] = []
        self._stall_thread: threading.Thread | None = None
        self._stop = threading.Event()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SMTPServer:
        if self.mode == "stall":
            self._start_stall()
            return self
        kwargs: dict = {}
        smtp_kwargs: dict = {"server_hostname": "mail.test.local", "timeout": 30}
        if self.tls != "none":
            self._tmp = tempfile.TemporaryDirectory(prefix="yuqing-smtp-")
            certfile, keyfile, pem = make_self_signed_cert(Path(self._tmp.name), self.host)
            server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            server_ctx.load_cert_chain(certfile, keyfile)
            self.cert_pem = pem
            self.client_context = ssl.create_default_context(cadata=pem)
            if self.tls == "ssl":
                kwargs["ssl_context"] = server_ctx
            else:
                smtp_kwargs["tls_context"] = server_ctx
        smtp_kwargs["auth_require_tls"] = self.tls in ("starttls",)
        smtp_kwargs["authenticator"] = self._authenticate
        # aiosmtpd only counts STARTTLS as TLS for AUTH; elsewhere AUTH is offered, not demanded.
        smtp_kwargs["auth_required"] = self.auth is not None and self.tls == "starttls"
        self._controller = _Controller(self, **kwargs, **smtp_kwargs)
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._stall_sock is not None:
            self._stall_sock.close()
            for conn in self._stall_conns:
                conn.close()
            if self._stall_thread is not None:
                self._stall_thread.join(timeout=5)
            self._stall_sock = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ internals

    def _authenticate(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        if not isinstance(auth_data, LoginPassword) or self.auth is None:
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        ok = (user, password) == self.auth
        with self.lock:
            self.auth_attempts.append((mechanism, user, ok))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def _start_stall(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(8)
        sock.settimeout(0.1)
        self._stall_sock = sock
        self.port = sock.getsockname()[1]

        def accept_forever() -> None:
            while not self._stop.is_set():
                try:
                    conn, _ = sock.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                self._stall_conns.append(conn)  # held open, never answered

        self._stall_thread = threading.Thread(target=accept_forever, daemon=True,
                                              name="smtp-stall")
        self._stall_thread.start()
