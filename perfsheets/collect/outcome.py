"""What collect makes of the files: one :class:`CheckedReturn` per file from the checks (in
workers), one :class:`FileOutcome` per file once stored, the :class:`SendBack` list for HR, and
the :class:`CollectResult` of a run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from perfsheets.collect.files import Source
from perfsheets.core.model import Lang
from perfsheets.core.problems import Problem, Report
from perfsheets.ledger.returns import Entry

Outcome = Literal["accepted", "superseded", "unchanged", "older", "rejected"]
OUTCOMES: tuple[Outcome, ...] = ("accepted", "superseded", "unchanged", "older", "rejected")

# Errors that make only their sheet unusable: the file's other sheets are still accepted. Every
# other error (unreadable or damaged file, another cycle, locked cells changed ...) makes the
# whole file untrustworthy and rejects it.
SHEET_ERRORS = frozenset(
    {
        "required-missing",
        "not-a-number",
        "not-a-count",
        "out-of-range",
        "not-allowed",
        "text-too-long",
        "formula-in-input",
        "duplicate-item",
        "item-missing",
        "keys-missing",
        "sheet-missing",
        # interview records (perfsheets.collect.interview)
        "bad-date",
        "date-out-of-range",
        "confirmation-incomplete",
        "date-before-interview",
        "row-incomplete",
        "goal-weights",
        "record-outdated",
        # PIPs (perfsheets.collect.pip)
        "checkpoint-not-due",
        "checkpoint-skipped",
        "pip-outdated",
    }
)


def is_sheet_error(problem: Problem) -> bool:
    """Whether an error rejects only its sheet (not the whole file)."""
    return problem.is_error and bool(problem.sheet) and problem.code in SHEET_ERRORS


@dataclass(frozen=True)
class SheetState:
    """One generated sheet of an identified file: where it is in the file, and whether its
    values can be accepted (no error on it)."""

    sheet: str  # as generated
    file_sheet: str  # its name in the file ('' when missing)
    ratee_id: str
    rater_type: str
    accepted: bool


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
    saved_at: str = ""  # the workbook's own modified time (docProps/core.xml), UTC ISO 8601
    sheet_states: list[SheetState] = field(default_factory=list)  # of an identified form
    kind: str = "assessment"  # or "interview" / "pip": a record form (collect.interview, .pip)
    records: list[Any] = field(default_factory=list)  # an interview record's accepted sheets

    @property
    def file_error(self) -> bool:
        """An error that rejects the whole file (or no sheet could be placed at all)."""
        return any(p.is_error and not is_sheet_error(p) for p in self.problems)

    @property
    def valid(self) -> bool:
        """At least one sheet can be accepted and nothing makes the whole file untrustworthy."""
        return not self.file_error and any(s.accepted for s in self.sheet_states)

    @property
    def rejected_sheets(self) -> list[SheetState]:
        """The sheets to send back, when the rest of the file is accepted."""
        return [s for s in self.sheet_states if not s.accepted]

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
    rejected_sheets: int = 0  # sheets sent back while the file's other sheets were accepted
    kind: str = "assessment"  # or "interview", "pip"


@dataclass
class SendBack:
    """A return still outstanding: a rejected file or sheet not yet corrected, or a form never
    returned; with its rater, what to fix and since when."""

    rater_id: str
    rater_name: str
    department: str
    email: str
    file: str  # the rejected file ('' when nothing was returned)
    fixes: list[str]
    sheets: list[str] = field(default_factory=list)  # the sheets to fix ([] = the whole file)
    since: str = ""  # when it was first rejected, or when the form was generated
    state: Literal["rejected", "missing"] = "rejected"
    kind: str = "assessment"  # or "interview" / "pip": a rejected record file, to its manager


def fix_line(problem: Problem, lang: Lang) -> str:
    """One thing to fix, as the send-back list says it: where (sheet!cell) and what."""
    where = "!".join(p for p in (problem.sheet, problem.cell) if p)
    return f"{where}: {problem.message(lang)}" if where else problem.message(lang)


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
    def older(self) -> int:
        """Valid files saved before the return in force: kept, not used."""
        return self.count("older")

    @property
    def rejected(self) -> int:
        return self.count("rejected")

    @property
    def rejected_sheets(self) -> int:
        """Sheets sent back from files whose other sheets were accepted."""
        return sum(f.rejected_sheets for f in self.files)

    @property
    def exit_code(self) -> int:
        """0 when every file and sheet was accepted (or already known), 1 when any file or sheet
        of this run was rejected."""
        return 1 if self.rejected or self.rejected_sheets else 0
