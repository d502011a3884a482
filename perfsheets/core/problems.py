"""Validation problems as data (after frictionless-py).

Each problem type has a stable code (kebab-case), a severity, a title and a message template in
both languages. A :class:`Problem` is one occurrence with its position (file, sheet, cell — or a
YAML path in ``cell`` for plans) and its parameters; its message is rendered only when shown, in
the language asked for then. Parameters that are words rather than data (a field name, a reason)
are :class:`Text` in both languages, so a problem stored in the ledger by a run in one language is
shown in the other by the next (:func:`params_json`, :func:`stored_problem`).

A :class:`Report` collects problems; ``report.valid`` says whether any error was found. Stages
declare their own problem types with :func:`problem_type`, so the catalogue grows with the code
that raises them, and :data:`CATALOGUE` lists them all. Codes that changed keep being understood
where users' data carries them (:data:`CODE_ALIASES`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # a type only: the command line's start-up need not import pydantic
    from perfsheets.core.model import Lang

Severity = Literal["error", "warning"]

# Old code -> current code. collect's codes were snake_case before every code became kebab-case
# (perfsheets 0.1 ledgers and HR's scripts carry them); collect's "unreadable_file" became
# "unreadable-return" because the plan's "unreadable-file" says something else.
CODE_ALIASES: dict[str, str] = {
    "not_workbook": "not-workbook",
    "corrupt_file": "corrupt-file",
    "unreadable_file": "unreadable-return",
    "password_protected": "password-protected",
    "legacy_format": "legacy-format",
    "file_too_large": "file-too-large",
    "zip_bomb": "zip-bomb",
    "unsafe_xml": "unsafe-xml",
    "not_a_form": "not-a-form",
    "meta_missing": "meta-missing",
    "meta_invalid": "meta-invalid",
    "wrong_cycle": "wrong-cycle",
    "wrong_plan_version": "wrong-plan-version",
    "outdated_form": "outdated-form",
    "unknown_form": "unknown-form",
    "rater_not_in_roster": "rater-not-in-roster",
    "sheet_missing": "sheet-missing",
    "sheet_renamed": "sheet-renamed",
    "keys_missing": "keys-missing",
    "item_missing": "item-missing",
    "duplicate_item": "duplicate-item",
    "locked_changed": "locked-changed",
    "required_missing": "required-missing",
    "not_a_number": "not-a-number",
    "out_of_range": "out-of-range",
    "not_allowed": "not-allowed",
    "text_too_long": "text-too-long",
    "formula_in_input": "formula-in-input",
    "value_normalised": "value-normalised",
    "ratee_not_in_roster": "ratee-not-in-roster",
    "duplicate_return": "duplicate-return",
    "check_failed": "check-failed",
}


def canonical_code(code: str) -> str:
    """The current code for ``code``, which may be an old one (see :data:`CODE_ALIASES`)."""
    return CODE_ALIASES.get(code, code)


@dataclass(frozen=True, slots=True)
class Text:
    """Words of a message parameter in both languages, chosen when the message is shown."""

    zh: str
    en: str

    def pick(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh


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
        params = {k: v.pick(lang) if isinstance(v, Text) else v for k, v in self.params.items()}
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):  # a template bug must not hide the problem
            return f"{template} {params}"

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

_LANGS = ("zh-CN", "en")  # a Text parameter is stored as {"zh-CN": ..., "en": ...}


def params_json(problem: Problem) -> str:
    """The problem's parameters as JSON, to store it and render it later in any language."""
    return json.dumps(
        {
            k: dict(zip(_LANGS, (v.zh, v.en), strict=True)) if isinstance(v, Text) else v
            for k, v in problem.params.items()
        },
        ensure_ascii=False,
        default=str,
    )


def _param(value: object) -> object:
    if isinstance(value, dict) and tuple(value) == _LANGS:
        return Text(str(value["zh-CN"]), str(value["en"]))
    return value


def stored_problem(
    code: str,
    severity: str,
    position: tuple[str, str, str],
    message: str,
    params: str | None = None,
) -> Problem:
    """A problem as stored by an earlier run: ``code`` (old codes are understood), ``position``
    (file, sheet, cell), the message rendered then, and its parameters as JSON.

    With parameters and a known code it is the problem itself, shown in any language; rows of
    older ledgers (no parameters) keep the message they were stored with.
    """
    code = canonical_code(code)
    known = CATALOGUE.get(code)
    file, sheet, cell = position
    if known is not None and params is not None:
        loaded: Mapping[str, object] = json.loads(params)
        return known(file, sheet, cell, **{k: _param(v) for k, v in loaded.items()})
    title, title_en = (known.title, known.title_en) if known else (code, code)
    level: Severity = "warning" if severity == "warning" else "error"
    return ProblemType(code, level, title, title_en, "{text}", "{text}")(
        file, sheet, cell, text=message
    )


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

    def __init__(
        self, message: str, report: Report | None = None, exit_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.report = report
        self.exit_code = exit_code  # 1 for "problems found" (e.g. nothing to consolidate yet)


def no_results(lang: Lang | str) -> PerfsheetsError:
    """The error of a stage that needs a consolidation run when there is none yet."""
    return PerfsheetsError(
        "no consolidated results yet: run 'perfsheets consolidate' first"
        if lang == "en"
        else "还没有汇总结果：请先运行 perfsheets consolidate",
        exit_code=1,
    )
