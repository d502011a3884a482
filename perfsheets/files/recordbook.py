"""Record workbooks (interview records, improvement plans): one per manager, a sheet per
employee. What they share lives here: who gets which workbook (people grouped by manager, the
sheets named "name id", the form id and the file name), writing a workbook atomically with its
``_meta`` sheet, the head of a sheet, the improvement rows, and ``index.csv`` of who gets which
file. What a sheet shows, and what the ledger keeps of it, is each stage's own
(:mod:`perfsheets.interview`, :mod:`perfsheets.pip`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from perfsheets.core.cells import file_part, sheet_text
from perfsheets.core.i18n import choice_word, tr
from perfsheets.core.model import Employee, Lang, Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.records import META_FIELDS, RowKey
from perfsheets.core.results import EmployeeResult
from perfsheets.files.atomic import atomic_write_csv
from perfsheets.files.formbook import (
    KEY_COL,
    date_validation,
    input_date,
    input_text,
    meta_sheet,
    record_workbook,
    sheet_name,
)

NO_MANAGER = ""  # the manager id of the workbook for people without a manager (HR fills it)
INDEX_FIELDS = ("manager_id", "name", "email", "file", "employees", "form_id")
B, C, D, E, F = range(1, 6)  # the visible columns of a record sheet (A holds the keys)


@dataclass(frozen=True)
class BookKind:
    """What names a stage's record workbooks."""

    form_kind: str  # the _meta form_kind (core.interview.FORM_KIND, core.pip.FORM_KIND)
    schema_version: int
    form_prefix: str  # of the form id, e.g. "IV"
    file_words: tuple[str, str]  # the file name's first word (zh, en)
    title: tuple[str, str]  # the workbook's title (zh, en)
    books: tuple[str, str]  # what the workbooks are called in a message (zh, en)

    def title_in(self, lang: Lang) -> str:
        return tr(lang, *self.title)

    def no_results(self, root: Path, lang: Lang) -> PerfsheetsError:
        """The error before the first consolidation: no results to write books for."""
        zh, en = self.books
        return PerfsheetsError(
            tr(
                lang,
                f"{root}：尚无汇总结果，无法生成{zh}（先运行 perfsheets consolidate）",
                f"{root}: no consolidated results yet, so no {en} (run 'perfsheets consolidate' first)",
            )
        )


@dataclass(frozen=True)
class EmployeeSheet:
    """What every record sheet shows of its employee (locked); a stage adds its own."""

    sheet: str
    employee_id: str
    name: str
    department: str
    grade: str  # grade code, e.g. "B"
    grade_name: str  # as the plan names it, e.g. "B 良好"

    def locked(self) -> dict[str, object]:
        """The locked values a return must still show (compared by collect)."""
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "department": self.department,
            "grade": self.grade_name,
        }


class BookSheet(Protocol):
    """A record sheet as a book needs it: its name, whose it is, what it locks."""

    @property
    def sheet(self) -> str: ...

    @property
    def employee_id(self) -> str: ...

    def locked(self) -> dict[str, object]: ...


S = TypeVar("S", bound=BookSheet)


@dataclass(frozen=True)
class RecordBook(Generic[S]):
    """One manager's workbook."""

    form_id: str
    manager_id: str
    manager_name: str
    file: str
    run_id: int
    plan_version: int
    plan_digest: str
    generated_at: str
    sheets: tuple[S, ...]

    def digest(self) -> str:
        canonical = json.dumps(
            [[s.sheet, s.employee_id, s.locked()] for s in self.sheets],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def form_fields(self) -> dict[str, Any]:
        """What the ledger keeps of the workbook (its record-form row)."""
        names = ("form_id", "run_id", "plan_version", "manager_id", "file")
        row: dict[str, Any] = {name: getattr(self, name) for name in names}
        return {**row, "digest": self.digest(), "created_at": self.generated_at}


def locked_json(sheet: BookSheet) -> str:
    """What the ledger keeps of a sheet's locked values."""
    return json.dumps(sheet.locked(), ensure_ascii=False, sort_keys=True)


# --- who gets which workbook ------------------------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """What every workbook of one generation carries."""

    run_id: int
    plan_version: int
    plan_digest: str
    generation: str
    generated_at: str


@dataclass(frozen=True)
class SheetPerson:
    """The employee of a sheet, as every record sheet starts from."""

    result: EmployeeResult
    sheet: str  # the sheet's name, "name id"
    name: str  # from the current roster
    department: str
    grade_name: str  # as the plan frozen with the results names it, e.g. "B 良好"
    manager_id: str
    manager_name: str

    def employee(self) -> dict[str, str]:
        """The fields of :class:`EmployeeSheet`, for a stage's sheet."""
        r = self.result
        return {
            "sheet": self.sheet,
            "employee_id": r.employee_id,
            "name": self.name,
            "department": self.department,
            "grade": str(r.grade),
            "grade_name": self.grade_name,
        }


J = TypeVar("J", bound=RecordBook[Any])


def by_manager(plan: Plan, results: Iterable[EmployeeResult]) -> dict[str, list[EmployeeResult]]:
    """Results by manager id (people without one, or whose manager is not on the roster, under
    :data:`NO_MANAGER`)."""
    people = plan.employee_map()
    out: dict[str, list[EmployeeResult]] = {}
    for r in results:
        person = people.get(r.employee_id)
        manager = r.manager_id or (person.manager if person else None) or NO_MANAGER
        out.setdefault(manager if manager in people else NO_MANAGER, []).append(r)
    return out


def record_books(
    plan: Plan,
    frozen: Plan,
    results: Iterable[EmployeeResult],
    lang: Lang,
    kind: BookKind,
    stamp: Stamp,
    sheet: Callable[[SheetPerson], S],
    book: Callable[..., J],
) -> list[J]:
    """One book per manager (people without one in HR's workbook), a sheet per employee named
    "name id" made by ``sheet``; names from the current roster, grade names from the plan
    frozen with the results."""
    people = plan.employee_map()
    grades = {g.code: g for g in frozen.grading.levels}
    groups = by_manager(plan, results)
    hr = tr(lang, "人力资源部", "HR")
    books = []
    for manager in sorted(groups):
        manager_name = people[manager].name if manager in people else hr
        taken: set[str] = set()
        sheets = [
            sheet(_person(r, people.get(r.employee_id), grades, lang, taken, manager, manager_name))
            for r in sorted(groups[manager], key=lambda x: x.employee_id)
        ]
        who = manager or "HR"
        prefix = tr(lang, *kind.file_words)
        books.append(
            book(
                form_id=f"{kind.form_prefix}-{stamp.generation}-{who}",
                manager_id=manager,
                manager_name=manager_name,
                file=file_part(f"{prefix}_{who}_{manager_name}"[:120], 200) + ".xlsx",
                run_id=stamp.run_id,
                plan_version=stamp.plan_version,
                plan_digest=stamp.plan_digest,
                generated_at=stamp.generated_at,
                sheets=tuple(sheets),
            )
        )
    return books


def _person(
    r: EmployeeResult,
    person: Employee | None,
    grades: Mapping[str, Any],
    lang: Lang,
    taken: set[str],
    manager: str,
    manager_name: str,
) -> SheetPerson:
    name = person.name if person else r.employee_id
    grade = grades.get(r.grade or "")
    label = grade.label(lang) if grade else ""
    return SheetPerson(
        result=r,
        sheet=sheet_name(f"{name} {r.employee_id}", taken),
        name=name,
        department=person.department if person else (r.department or ""),
        grade_name=f"{r.grade} {label}" if label and label != r.grade else str(r.grade),
        manager_id=manager,
        manager_name=manager_name,
    )


@dataclass(frozen=True)
class BooksIndexed:
    folder: Path
    files: list[Path]  # in the order written
    sheets: int
    index: Path

    def summary(self) -> dict[str, Any]:
        """The fields a stage's result reports of its books (their count, folder, index, files)."""
        return {
            "forms": len(self.files),
            "folder": self.folder,
            "index": self.index,
            "files": sorted(self.files),
        }


def index_books(
    folder: Path,
    books: Iterable[J],
    emails: Mapping[str, str],
    old_files: set[str],
    store: Callable[[J], None],
) -> BooksIndexed:
    """``store`` every book written, list them in ``folder/index.csv`` (who gets which file)
    and remove the files of earlier generations no book has now."""
    files: list[Path] = []
    rows: list[dict[str, str]] = []
    sheets = 0
    for book in books:
        store(book)
        sheets += len(book.sheets)
        files.append(folder / book.file)
        rows.append(
            {
                "manager_id": book.manager_id,
                "name": book.manager_name,
                "email": emails.get(book.manager_id, ""),
                "file": book.file,
                "employees": ";".join(s.employee_id for s in book.sheets),
                "form_id": book.form_id,
            }
        )
    index = atomic_write_csv(
        folder / "index.csv", INDEX_FIELDS, sorted(rows, key=lambda r: r["file"])
    )
    for stale in old_files - {f.name for f in files}:
        (folder / stale).unlink(missing_ok=True)
    return BooksIndexed(folder, files, sheets, index)


# --- writing ----------------------------------------------------------------------------------

Fill = TypeVar("Fill")


class RecordBookWriter(Generic[J, S, Fill]):
    """Writes a stage's record workbooks for one plan (one instance per worker process); the
    stage writes each sheet (:meth:`write_sheet`)."""

    kind: BookKind

    def __init__(
        self,
        plan: Plan,
        out_dir: Path,
        lang: Lang,
        filler: Callable[[J, S], Fill | None] | None = None,
    ) -> None:
        self.plan, self.out_dir, self.lang, self.filler = plan, Path(out_dir), lang, filler

    def write_book(self, job: J, out_dir: Path | None = None) -> Path:
        """Write one workbook atomically into the output folder; its path."""
        path = (out_dir or self.out_dir) / job.file
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
        try:
            title = self.kind.title_in(self.lang)
            wb, fm = record_workbook(tmp, self.plan, self.lang, title, job.form_id)
            for sheet in job.sheets:
                fill = self.filler(job, sheet) if self.filler else None
                self.write_sheet(wb, fm, job, sheet, fill)
            self._meta(wb, job)
            wb.close()
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return path

    def write_sheet(self, wb: Any, fm: dict[str, Any], job: J, sheet: S, fill: Fill | None) -> None:
        raise NotImplementedError

    def _meta(self, wb: Any, job: J) -> None:
        meta = {
            "schema_version": str(self.kind.schema_version),
            "form_kind": self.kind.form_kind,
            "form_id": job.form_id,
            "cycle_id": self.plan.cycle.id,
            "plan_version": str(job.plan_version),
            "plan_digest": job.plan_digest,
            "run_id": str(job.run_id),
            "manager_id": job.manager_id,
            "manager_name": job.manager_name,
            "language": self.lang,
            "generated_at": job.generated_at,
        }
        sheets = [(s.sheet, s.employee_id) for s in job.sheets]
        meta_sheet(wb, self.plan, META_FIELDS, meta, sheets)

    def sheet_head(
        self,
        wb: Any,
        fm: dict[str, Any],
        name: str,
        widths: Mapping[int, int],
        info: str,
        note: str,
    ) -> Any:
        """A new sheet with its keys column hidden, the title, an info line and the note."""
        ws = wb.add_worksheet(name)
        ws.set_column(KEY_COL, KEY_COL, 2, None, {"hidden": True})
        for col, width in widths.items():
            ws.set_column(col, col, width)
        ws.set_row(0, 28)
        ws.merge_range(0, B, 0, F, sheet_text(self.kind.title_in(self.lang)), fm["title"])
        ws.merge_range(1, B, 1, F, sheet_text(info), fm["info"])
        ws.set_row(2, 42)
        ws.merge_range(2, B, 2, F, sheet_text(note), fm["note"])
        return ws


def locked_rows(
    ws: Any,
    fm: dict[str, Any],
    row: int,
    names: Sequence[str],
    locked: Mapping[str, object],
    key: RowKey,
    labels: Mapping[str, tuple[str, str]],
    lang: Lang,
) -> int:
    """A row per locked field: its key, its label, its value across C..F; the next row."""
    for name in names:
        value = locked[name]
        ws.write_string(row, KEY_COL, key(name))
        ws.write_string(row, B, choice_word(labels, name, lang), fm["label"])
        if isinstance(value, float | int):
            ws.merge_range(row, C, row, F, "", fm["num"])
            ws.write_number(row, C, value, fm["num"])
        else:
            ws.merge_range(row, C, row, F, sheet_text(str(value or "")), fm["text"])
        row += 1
    return row


# --- improvement rows (the interview's actions, the PIP's goals) ------------------------------

IMPROVEMENT_COLS = {B: "what", C: "measure", D: "deadline", E: "support"}


def improvement_head(
    ws: Any, fm: dict[str, Any], row: int, words: Mapping[str, tuple[str, str]], lang: Lang
) -> int:
    """The visible header of the improvement rows (the @columns row is above it); the next row."""
    for col, name in IMPROVEMENT_COLS.items():
        head = choice_word(words, name, lang)
        if col == E:
            ws.merge_range(row, E, row, F, head, fm["head"])
        else:
            ws.write_string(row, col, head, fm["head"])
    return row + 1


def improvement_rows(
    ws: Any,
    fm: dict[str, Any],
    row: int,
    given: Sequence[Sequence[object]],
    count: int,
    key: RowKey,
    lang: Lang,
    max_chars: int,
    day: Callable[[object], object] = lambda value: value,
) -> int:
    """``count`` input rows (what, measure, deadline, support), filled with ``given`` (the
    deadline through ``day``); the next row."""
    date_validation(ws, row, D, row + count - 1, lang)
    for n in range(1, count + 1):
        values = given[n - 1] if n <= len(given) else ("", "", None, "")
        ws.set_row(row, 30)
        ws.write_string(row, KEY_COL, key(n))
        input_text(ws, fm, row, B, values[0], max_chars)
        input_text(ws, fm, row, C, values[1], max_chars)
        input_date(ws, fm, row, D, day(values[2]))
        ws.merge_range(row, E, row, F, "", fm["input_text"])
        input_text(ws, fm, row, E, values[3], max_chars)
        row += 1
    return row
