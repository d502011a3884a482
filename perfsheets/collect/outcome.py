"""What collect makes of the files: one :class:`CheckedReturn` per file from the checks (in
workers), one :class:`FileOutcome` per file once stored, the :class:`SendBack` list for HR, and
the :class:`CollectResult` of a run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from perfsheets.collect.files import Source
from perfsheets.core.model import Lang
from perfsheets.core.problems import Problem, Report
from perfsheets.ledger.returns import Entry

Outcome = Literal["accepted", "superseded", "unchanged", "rejected"]
OUTCOMES: tuple[Outcome, ...] = ("accepted", "superseded", "unchanged", "rejected")


@dataclass
class CheckedReturn:
    """One returned file after checking: identity, entries read, problems found."""

    source: Source
    sha256: str = ""
    form_id: str | None = None
    rater_id: str | None = None
    rater_name: str | None = None
    sheets: int = 0
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    archived: str | None = None  # file name under the archive folder, for valid files
    content: str = ""  # content_hash(), computed by the worker for valid files
    known_return: int | None = None  # these exact bytes are stored as this return: not read

    @property
    def valid(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(not p.is_error for p in self.problems)

    def content_hash(self) -> str:
        """Hash of what was read (not of the bytes): a re-saved identical file has the same.
        Only returns of the same form (or an equivalent earlier one) are compared with it."""
        # (ratee, rater type, item, field) is unique per entry: a cheap, total sort key
        canonical = json.dumps(sorted(self.entries, key=_entry_key), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _entry_key(entry: Entry) -> tuple[str, str, str, str]:
    return entry[0], entry[1], entry[2], entry[3]


@dataclass
class FileOutcome:
    """What happened to one returned file."""

    file: str
    outcome: Outcome  # superseded: accepted, replacing an earlier return of the same form
    form_id: str | None = None
    rater_id: str | None = None
    rater_name: str | None = None
    sheets: int = 0
    errors: int = 0
    warnings: int = 0
    sha256: str = ""
    return_id: int | None = None  # the ledger return holding this file's entries
    replaced_return_id: int | None = None  # the return this file superseded


@dataclass
class SendBack:
    """A rejected file to return to its rater, with what to fix."""

    rater_id: str
    rater_name: str
    department: str
    email: str
    file: str
    fixes: list[str]


@dataclass
class CollectResult:
    """The outcome of one collect run."""

    workspace: Path
    files: list[FileOutcome]
    report: Report
    send_back: list[SendBack]
    validation_csv: Path
    validation_xlsx: Path
    lang: Lang = "zh-CN"
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(f.outcome == outcome for f in self.files)

    @property
    def accepted(self) -> int:
        """Files stored as the first return of their form."""
        return self.count("accepted")

    @property
    def superseded(self) -> int:
        """Files stored as a newer version replacing an earlier return."""
        return self.count("superseded")

    @property
    def unchanged(self) -> int:
        """Valid files whose content was already in the ledger (nothing changed)."""
        return self.count("unchanged")

    @property
    def rejected(self) -> int:
        return self.count("rejected")

    @property
    def exit_code(self) -> int:
        """0 when every file was accepted (or already known), 1 when any file was rejected."""
        return 1 if self.rejected else 0
