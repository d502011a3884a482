"""Real mail servers on 127.0.0.1 for the mail tests: aiosmtpd in a thread (AUTH; plain,
STARTTLS or SSL with a certificate from a throw-away CA) and dovecot as an unprivileged IMAP
instance (a passwd-file user, a Maildir in a temporary folder, a high port)."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import yaml

USER, PASSWORD = "hr@example.com", "s3cret-app-pass"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        return msg

    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    def attachments(self) -> dict[str, str]:
        """{file name: SHA-256} of the attachments."""
        return {
            str(p.get_filename()): hashlib.sha256(p.get_payload(decode=True)).hexdigest()
            for p in self.message.iter_attachments()
        }


@dataclass
class Recorder:
    """aiosmtpd handler: keeps what it accepted, refuses some recipients with 550, and can drop
    the connection instead of accepting message number ``drop_after + 1``."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    drop_after: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_after is not None and len(self.received) >= self.drop_after:
            self.drop_after = None  # one outage
            server.transport.close()
            return "421 going away"
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted"

    def to(self) -> list[str]:
        return [r.rcpt_tos[0] for r in self.received]


def authenticate(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == USER
        and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def write_settings(root: Path, **values: object) -> Path:
    settings = {
        "host": "127.0.0.1",
        "user": USER,
        "sender": USER,
        "sender_name": "人力资源部",
        "reply_to": "returns@example.com",
        "batch_size": 40,
        "timeout": 10,
    }
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            settings[key] = {**settings[key], **value}  # type: ignore[dict-item]
        else:
            settings[key] = value
    path = root / "mail.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path


# --- dovecot ----------------------------------------------------------------------------------

DOVECOT = "/usr/sbin/dovecot"


@dataclass
class Dovecot:
    port: int
    home: Path
    process: subprocess.Popen
    context: object = None  # an ssl.SSLContext trusting its certificate, when it speaks TLS

    def client(self):
        import imaplib

        if self.context is not None:
            client = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=self.context)
        else:
            client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(USER, PASSWORD)
        return client

    def append(self, msg: EmailMessage, flags: str = "") -> None:
        """Deliver a message into the user's INBOX (IMAP APPEND, as a mail client files one)."""
        client = self.client()
        typ, data = client.append("INBOX", flags or None, None, msg.as_bytes())
        assert typ == "OK", data
        client.logout()

    def flags(self) -> list[str]:
        """The flags of every message in the INBOX, in order."""
        client = self.client()
        _, count = client.select("INBOX")
        if count[0] in (b"0", None):
            client.logout()
            return []
        _, data = client.fetch("1:*", "(FLAGS)")
        client.logout()
        return [line.decode() for line in data if isinstance(line, bytes)]

    def log(self) -> str:
        path = self.home.parent / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def start_dovecot(cert: tuple[bytes, bytes] | None = None, context: object = None) -> Dovecot:
    """dovecot in the foreground, all its files in a new temporary folder, as this user (or as
    nobody when the tests run as root: dovecot refuses root as a mail user). With ``cert``
    (certificate and key, PEM) it speaks TLS from the first byte (port 993 style) only."""
    run_as = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    base = Path(tempfile.mkdtemp(prefix="perfsheets-dovecot-"))
    for sub in ("run", "state", "home"):
        (base / sub).mkdir()
    (base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n", encoding="utf-8")
    port = free_port()
    tls = "ssl = no"
    if cert is not None:
        (base / "cert.pem").write_bytes(cert[0])
        (base / "key.pem").write_bytes(cert[1])
        tls = f"ssl = required\nssl_cert = <{base}/cert.pem\nssl_key = <{base}/key.pem"
    user, uid, gid = run_as.pw_name, run_as.pw_uid, run_as.pw_gid
    (base / "dovecot.conf").write_text(
        f"""
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
{tls}
disable_plaintext_auth = no
auth_mechanisms = plain login
imap_id_log = *
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {run_as.pw_gid and __import__("grp").getgrgid(gid).gr_name}
first_valid_uid = {uid}
last_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {0 if cert else port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port if cert else 0}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""",
        encoding="utf-8",
    )
    if os.geteuid() == 0:
        for path in [base, *base.rglob("*")]:
            os.chown(path, uid, gid)
        command = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
    else:
        command = []
    env = {**os.environ, "HOME": str(base)}
    process = subprocess.Popen(
        [*command, DOVECOT, "-F", "-c", str(base / "dovecot.conf")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {process.stdout.read()!r} {log}")  # type: ignore[union-attr]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return Dovecot(port, base / "home", process, context)
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("dovecot did not start")


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
