"""Mail settings: ``mail.yaml`` in the workspace, the password from the environment or keyring.

The password is never read from or written to the workspace: a mail.yaml holding one is refused,
so it cannot end up in a shared folder, the ledger or a log.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from perfsheets.core.problems import PerfsheetsError

SETTINGS_NAME = "mail.yaml"
PASSWORD_ENV = "PERFSHEETS_MAIL_PASSWORD"
Security = Literal["ssl", "starttls", "none"]


class MailError(PerfsheetsError):
    """A mail problem, worded in both languages (the CLI shows the user's)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Imap(_Strict):
    host: str = ""
    port: int = Field(default=993, ge=1, le=65535)
    security: Security = "ssl"
    folder: str = "INBOX"
    # IMAP SEARCH criteria; {since} becomes the cycle's start (e.g. 01-Jan-2026).
    search: str = "UNSEEN SINCE {since}"
    processed: Literal["seen", "move"] = "seen"
    processed_folder: str = "perfsheets"  # where processed messages go when processed = move


class Reminders(_Strict):
    max: int = Field(default=3, ge=0)  # reminders per rater at most
    min_days: float = Field(default=2, ge=0)  # days between two reminders of one rater
    cc_manager_last: bool = True  # the last reminder copied to the rater's manager
    cc: str = ""  # else (or for external raters) copied to this address, e.g. HR


class MailSettings(_Strict):
    host: str
    port: int = Field(default=465, ge=1, le=65535)
    security: Security = "ssl"
    user: str = ""
    sender: str
    sender_name: str = ""
    reply_to: str = ""
    password_env: str = PASSWORD_ENV
    keyring_service: str = "perfsheets"
    rate_per_minute: float = Field(default=0, ge=0)  # 0: no limit
    batch_size: int = Field(default=50, ge=1)  # messages per SMTP connection
    timeout: float = Field(default=30, gt=0)
    verify_tls: bool = True
    ca_file: str = ""  # a private CA's certificate (PEM), relative to the workspace
    imap: Imap = Field(default_factory=Imap)
    reminders: Reminders = Field(default_factory=Reminders)
    # Given in memory only (the demo's local servers); never a field: not in YAML, JSON or repr.
    _password: str = PrivateAttr(default="")

    def with_password(self, password: str) -> MailSettings:
        """A copy that logs in with ``password``, held in memory only."""
        copy = self.model_copy()
        copy._password = password
        return copy

    def password(self) -> str:
        """The password given in memory, else the environment variable, else the system
        keyring, else ''."""
        if self._password:
            return self._password
        value = os.environ.get(self.password_env, "")
        if value or not self.user:
            return value
        try:
            import keyring  # type: ignore[import-not-found]  # optional
        except ImportError:
            return ""
        try:
            return keyring.get_password(self.keyring_service, self.user) or ""
        except Exception:  # no keyring back end on this machine
            return ""


def load_settings(workspace: Path) -> MailSettings:
    """The workspace's mail.yaml, checked; a clear message when missing or wrong."""
    import yaml

    path = Path(workspace) / SETTINGS_NAME
    if not path.is_file():
        raise MailError(
            f"{path}：缺少邮件设置文件（见 README“邮件设置”）",
            f"{path}: no mail settings (see the README's 'mail set-up')",
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise MailError(f"{path}：YAML 格式错误：{exc}", f"{path}: bad YAML: {exc}") from None
    if isinstance(data, dict) and "password" in data:
        raise MailError(
            f"{path}：不要把密码写在文件里，请设置环境变量 {PASSWORD_ENV}",
            f"{path}: do not put the password in a file; set {PASSWORD_ENV}",
        )
    try:
        return MailSettings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MailError(
            f"{path}：{where}：{first['msg']}", f"{path}: {where}: {first['msg']}"
        ) from None
