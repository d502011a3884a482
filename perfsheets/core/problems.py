"""Validation problems as data (after frictionless-py).

Each problem type has a stable code, a severity, a title and a message template in both
languages. A :class:`Problem` is one occurrence with its position (file, sheet, cell — or a YAML
path in ``cell`` for plans). A :class:`Report` collects them; ``report.valid`` says whether any
error was found. Stages declare their own problem types with :func:`problem_type`, so the
catalogue grows with the code that raises them, and :data:`CATALOGUE` lists them all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from perfsheets.core.model import Lang

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class ProblemType:
    code: str
    severity: Severity
    title: str
    title_en: str
    message: str  # str.format template, Chinese
    message_en: str  # str.format template, English

    def __call__(
        self, file: str = "", sheet: str = "", cell: str = "", **params: object
    ) -> Problem:
        return Problem(self, file=file, sheet=sheet, cell=cell, params=params)


CATALOGUE: dict[str, ProblemType] = {}


def problem_type(
    code: str, severity: Severity, title: str, title_en: str, message: str, message_en: str
) -> ProblemType:
    """Declare a problem type once, at import time of the module that reports it."""
    ptype = ProblemType(code, severity, title, title_en, message, message_en)
    existing = CATALOGUE.get(code)
    if existing is not None and existing != ptype:
        raise ValueError(f"problem code {code!r} declared twice with different texts")
    CATALOGUE[code] = ptype
    return ptype


@dataclass(frozen=True)
class Problem:
    type: ProblemType
    file: str = ""
    sheet: str = ""
    cell: str = ""
    params: dict[str, object] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.type.code

    @property
    def severity(self) -> Severity:
        return self.type.severity

    @property
    def is_error(self) -> bool:
        return self.type.severity == "error"

    def message(self, lang: Lang = "zh-CN") -> str:
        template = self.type.message_en if lang == "en" else self.type.message
        try:
            return template.format(**self.params)
        except (KeyError, IndexError, ValueError):  # a template bug must not hide the problem
            return f"{template} {self.params}"

    def title(self, lang: Lang = "zh-CN") -> str:
        return self.type.title_en if lang == "en" else self.type.title

    def location(self) -> str:
        return " ".join(p for p in (self.file, self.sheet and f"[{self.sheet}]", self.cell) if p)

    def as_row(self, lang: Lang = "zh-CN") -> dict[str, str]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "severity": self.severity,
            "code": self.code,
            "message": self.message(lang),
        }


ROW_FIELDS = ("file", "sheet", "cell", "severity", "code", "message")


@dataclass
class Report:
    """The problems found by one check (a plan validation, a collect run ...)."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def rows(self, lang: Lang = "zh-CN") -> list[dict[str, str]]:
        return [p.as_row(lang) for p in self.problems]

    def to_csv(self, lang: Lang = "zh-CN") -> str:
        """CSV text (write it with a UTF-8 BOM); every field is formula-injection safe."""
        from perfsheets.core.cells import csv_safe

        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=ROW_FIELDS, lineterminator="\r\n")
        writer.writeheader()
        for row in self.rows(lang):
            writer.writerow({k: csv_safe(v) for k, v in row.items()})
        return buf.getvalue()


class PerfsheetsError(Exception):
    """A problem that stops an operation (bad configuration, unusable workspace ...).

    The CLI turns it into one clear line and exit code 2 (or 1 when it carries a report).
    """

    def __init__(self, message: str, report: Report | None = None) -> None:
        super().__init__(message)
        self.report = report
