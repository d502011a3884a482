"""Throw-away mail servers on 127.0.0.1 for ``perfsheets demo --mail`` and the mail tests.

SMTP: aiosmtpd (``pip install aiosmtpd``) keeps every message it accepts as a file in a Maildir
(``WS/mailbox/``), so a newcomer can open what raters, managers and employees would receive.
IMAP: dovecot (Debian ``dovecot-imapd``) as an unprivileged instance, all its files in a new
temporary folder outside the workspace: one passwd-file user whose password is stored only as
a salted hash, a Maildir, a free port. Both log in with the same user and password, as an
enterprise mailbox does.
"""

from __future__ import annotations

import base64
import datetime as dt
import grp
import hashlib
import imaplib
import logging
import os
import pwd
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from perfsheets.mail.settings import Imap, MailError, MailSettings

SENDER = "hr@example.com"
DOVECOT = "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def new_password() -> str:
    """A password for one run of the local servers (held in memory only)."""
    return secrets.token_urlsafe(18)


@contextmanager
def local_smtp(mailbox: Path, user: str = "", password: str = "") -> Iterator[MailSettings]:
    """Run a local SMTP server that keeps what it receives in ``mailbox`` (a Maildir); yields
    the settings that send to it (no TLS: it listens on 127.0.0.1 only). With ``user`` it asks
    for a login with ``password``, and the settings carry that password in memory."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
    except ImportError:
        raise MailError(
            "demo --mail 需要 aiosmtpd：pip install aiosmtpd",
            "demo --mail needs aiosmtpd: pip install aiosmtpd",
        ) from None
    mailbox.parent.mkdir(parents=True, exist_ok=True)  # Maildir creates new/, cur/, tmp/
    port = free_port()
    login: dict[str, Any] = {}
    if user:
        login = {"authenticator": login_check(user, password), "auth_require_tls": False}
    controller = Controller(Mailbox(mailbox), hostname="127.0.0.1", port=port, **login)
    server_log = logging.getLogger("mail.log")
    server_log.addFilter(_no_deprecation_notes)
    controller.start()
    try:
        settings = MailSettings(
            host="127.0.0.1",
            port=port,
            security="none",
            user=user,
            sender=user or SENDER,
            sender_name="HR",
            reply_to=user or SENDER,
        )
        yield settings.with_password(password) if user else settings
    finally:
        controller.stop()
        server_log.removeFilter(_no_deprecation_notes)


def _no_deprecation_notes(record: logging.LogRecord) -> bool:
    """aiosmtpd 1.4 logs a warning of its own on every login; not the demo user's concern."""
    return "deprecated" not in record.getMessage()


def login_check(user: str, password: str) -> Any:
    """aiosmtpd's authenticator for one user: wrong logins get 535."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == user
            and secrets.compare_digest(data.password.decode(), password)
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    return check


def received(mailbox: Path) -> int:
    """How many messages the local server has kept."""
    return sum(1 for _ in (mailbox / "new").glob("*")) + sum(1 for _ in (mailbox / "cur").glob("*"))


# --- IMAP (dovecot) ---------------------------------------------------------------------------


def imap_missing() -> MailError | None:
    """Why the local IMAP server cannot run here (what to install), or None."""
    if os.access(DOVECOT, os.X_OK):
        return None
    return MailError(
        f"本机没有 IMAP 服务器 {DOVECOT}：已跳过收取（fetch）和催收（remind）；"
        "安装 dovecot-imapd（apt-get install dovecot-imapd，或 bash scripts/setup.sh --test）后再运行",
        f"no IMAP server {DOVECOT} on this machine: fetch and remind were skipped; install "
        "dovecot-imapd (apt-get install dovecot-imapd, or bash scripts/setup.sh --test) and run again",
    )


@dataclass
class LocalImap:
    """A running dovecot: its port, its one user, the folder of all its files."""

    port: int
    user: str
    base: Path
    process: subprocess.Popen[bytes]
    password: str = field(repr=False)
    context: ssl.SSLContext | None = None  # trusting its certificate, when it speaks TLS

    @property
    def home(self) -> Path:
        return self.base / "home"

    def client(self) -> imaplib.IMAP4:
        if self.context is not None:
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                "127.0.0.1", self.port, ssl_context=self.context
            )
        else:
            client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(self.user, self.password)
        return client

    def append(self, msg: EmailMessage, when: dt.datetime | None = None, flags: str = "") -> None:
        """File one message in the user's INBOX (see :meth:`filing`)."""
        with self.filing() as file:
            file(msg, when, flags)

    @contextmanager
    def filing(self) -> Iterator[Callable[..., None]]:
        """file(msg, when=None, flags=""): messages filed in the user's INBOX over one
        connection (IMAP APPEND, as a mail client files one); ``when`` is the arrival time
        (what IMAP SEARCH SINCE looks at), default now."""
        client = self.client()

        def file(msg: EmailMessage, when: dt.datetime | None = None, flags: str = "") -> None:
            stamp = imaplib.Time2Internaldate(when) if when else None
            typ, data = client.append("INBOX", flags or None, stamp, msg.as_bytes())
            if typ != "OK":
                raise MailError(f"IMAP APPEND 失败：{data}", f"IMAP APPEND failed: {data}")

        try:
            yield file
        finally:
            client.logout()

    def flags(self) -> list[str]:
        """The flags of every message in the INBOX, in order."""
        client = self.client()
        try:
            _, count = client.select("INBOX")
            if count[0] in (b"0", None):
                return []
            _, data = client.fetch("1:*", "(FLAGS)")
            return [line.decode() for line in data if isinstance(line, bytes)]
        finally:
            client.logout()

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def settings(self) -> dict[str, object]:
        """The ``imap`` part of mail settings that reads this server."""
        security = "ssl" if self.context is not None else "none"
        return {"host": "127.0.0.1", "port": self.port, "security": security}

    def stop(self) -> None:
        """Stop the server and remove its folder (the password's hash with it)."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.base, ignore_errors=True)


@contextmanager
def local_imap(
    user: str,
    password: str,
    cert: tuple[bytes, bytes] | None = None,
    context: ssl.SSLContext | None = None,
) -> Iterator[LocalImap]:
    """A dovecot for ``user`` / ``password`` while the block runs (see :func:`start_imap`)."""
    server = start_imap(user, password, cert, context)
    try:
        yield server
    finally:
        server.stop()


def start_imap(
    user: str,
    password: str,
    cert: tuple[bytes, bytes] | None = None,
    context: ssl.SSLContext | None = None,
) -> LocalImap:
    """dovecot in the foreground as this user (as nobody when run as root: dovecot refuses root
    as a mail user). With ``cert`` (certificate and key, PEM) it speaks TLS from the first byte
    (port 993 style) only; ``context`` is the client side that trusts it."""
    missing = imap_missing()
    if missing is not None:
        raise missing
    run_as = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    base = Path(tempfile.mkdtemp(prefix="perfsheets-dovecot-"))
    for sub in ("run", "state", "home"):
        (base / sub).mkdir()
    # only a salted hash on disk, never the password (it stays in this process's memory)
    (base / "passwd").write_text(f"{user}:{_ssha256(password)}::::::\n", encoding="utf-8")
    port = free_port()
    (base / "dovecot.conf").write_text(_config(base, port, run_as, cert), encoding="utf-8")
    command: list[str] = []
    if os.geteuid() == 0:
        for path in [base, *base.rglob("*")]:
            os.chown(path, run_as.pw_uid, run_as.pw_gid)
        command = ["setpriv", f"--reuid={run_as.pw_uid}", f"--regid={run_as.pw_gid}"]
        command.append("--clear-groups")
    process = subprocess.Popen(
        [*command, DOVECOT, "-F", "-c", str(base / "dovecot.conf")],
        env={**os.environ, "HOME": str(base)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = LocalImap(port, user, base, process, password, context)
    _wait_until_listening(server)
    return server


def _ssha256(password: str) -> str:
    salt = secrets.token_bytes(8)
    digest = hashlib.sha256(password.encode() + salt).digest()
    return "{SSHA256}" + base64.b64encode(digest + salt).decode()


def _wait_until_listening(server: LocalImap) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            output = server.process.stdout.read() if server.process.stdout else b""
            said = (output.decode(errors="replace") + server.log()).strip().splitlines()
            why = said[-1] if said else f"exit {code}"  # its last word says why
            server.stop()
            raise MailError(
                f"IMAP 服务器 dovecot 未能启动（{why}）",
                f"the IMAP server dovecot did not start ({why})",
            )
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise MailError("IMAP 服务器 dovecot 未能启动（超时）", "the IMAP server dovecot did not start")


def _config(
    base: Path, port: int, run_as: pwd.struct_passwd, cert: tuple[bytes, bytes] | None
) -> str:
    tls = "ssl = no"
    if cert is not None:
        (base / "cert.pem").write_bytes(cert[0])
        (base / "key.pem").write_bytes(cert[1])
        tls = f"ssl = required\nssl_cert = <{base}/cert.pem\nssl_key = <{base}/key.pem"
    uid, gid = run_as.pw_uid, run_as.pw_gid
    return f"""
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
{tls}
disable_plaintext_auth = no
auth_mechanisms = plain login
imap_id_log = *
default_login_user = {run_as.pw_name}
default_internal_user = {run_as.pw_name}
default_internal_group = {grp.getgrgid(gid).gr_name}
first_valid_uid = {uid}
last_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = username_format=%u {base}/passwd
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
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class LocalMail:
    """The demo's mail servers: settings that send and fetch through them, and why fetching
    is not possible here (no dovecot) when it is not."""

    settings: MailSettings
    imap: LocalImap | None
    no_imap: MailError | None


@contextmanager
def local_mail(mailbox: Path) -> Iterator[LocalMail]:
    """SMTP into ``mailbox`` and, where dovecot is installed, the HR mailbox over IMAP, both
    logging in as HR with a password made for this run and held in memory only."""
    password = new_password()
    no_imap = imap_missing()
    with ExitStack() as stack:
        settings = stack.enter_context(local_smtp(mailbox, SENDER, password))
        imap = None
        if no_imap is None:
            try:
                imap = stack.enter_context(local_imap(SENDER, password))
            except MailError as exc:  # installed but would not start: send all the same
                no_imap = MailError(
                    f"{exc.zh}：已跳过收取（fetch）和催收（remind）",
                    f"{exc.en}: fetch and remind were skipped",
                )
        if imap is not None:
            settings = settings.model_copy(update={"imap": Imap.model_validate(imap.settings())})
        yield LocalMail(settings, imap, no_imap)
