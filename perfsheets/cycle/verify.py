"""``perfsheets verify``: does the ledger still hold what was collected, and the archive the
files that were accepted? (See :mod:`perfsheets.ledger.integrity` for what is checked.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang
from perfsheets.ledger import integrity
from perfsheets.ledger.workspace import Workspace

_WORDS = {
    "entries-changed": (
        "回执的评分数据在账本中被改动或删除（与接收时的摘要不符）",
        "its entries in the ledger were changed or deleted (they no longer match their digest)",
    ),
    "audit-chain-broken": (
        "审计记录被改动，或其前面的记录被删除（哈希链断开）",
        "changed, or a row before it deleted (the hash chain breaks here)",
    ),
    "archive-missing": ("归档文件缺失", "the archived file is missing"),
    "archive-changed": (
        "归档文件被改动（SHA-256 不符）",
        "the archived file was changed (SHA-256)",
    ),
    "decision-changed": (
        "校准决定在账本中被改动（与审计记录不符）",
        "the decision in the ledger was changed (it no longer matches its audit entry)",
    ),
    "decision-unaudited": (
        "校准决定没有对应的审计记录（不是由 perfsheets 记录的）",
        "the decision has no audit entry (perfsheets did not record it)",
    ),
    "archive-unknown": (
        "归档目录中有账本未记录的文件（并非回收时归档）",
        "a file in the archive the ledger does not know (collect did not put it there)",
    ),
}


@dataclass
class VerifyResult:
    workspace: Path
    returns: int
    audit_rows: int
    record_files: int  # archived interview-record and PIP workbooks checked
    decisions: int = 0  # calibration and appeal decisions checked against the audit log
    findings: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def verify_workspace(workspace: str | Path, lang: Lang = "zh-CN") -> VerifyResult:
    """Check every return's entries against their digest, the audit log's hash chain and the
    archived files (returns, interview records, PIPs; and none unknown); each mismatch is one
    finding in ``lang``."""
    ws = Workspace(Path(workspace))
    with ws.ledger() as conn:
        found = integrity.verify(conn, ws.root)
        returns, audit_rows, record_files, decisions = integrity.counts(conn)
    findings = [
        {"subject": f.subject, "problem": tr(lang, *_WORDS.get(f.detail, (f.detail, f.detail)))}
        for f in found
    ]
    return VerifyResult(ws.root, returns, audit_rows, record_files, decisions, findings)
