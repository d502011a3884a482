"""What collect writes for HR: the list of files to send back, and ``results/validation.csv``
and ``results/validation.xlsx``, every problem rendered in the run's language."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from perfsheets.collect.outcome import FileOutcome, SendBack
from perfsheets.collect.validation_book import write_validation_book
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import Problem, Report
from perfsheets.files.atomic import atomic_write, atomic_write_text
from perfsheets.ledger.workspace import Workspace


def send_back_list(
    outcomes: list[FileOutcome], report: Report, plan: Plan, lang: Lang
) -> list[SendBack]:
    """Rejected files per rater, with what to fix, for HR to send back."""
    people = {e.id: (e.name, e.department, e.email) for e in plan.roster.employees}
    for x in plan.roster.external_raters:
        people[x.id] = (x.name, x.organisation, x.email)
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in report.errors:
        by_file[problem.file].append(problem)
    rows: list[SendBack] = []
    for o in outcomes:
        if o.outcome != "rejected":
            continue
        name, department, email = people.get(o.rater_id or "", (o.rater_name or "", "", ""))
        fixes = [_fix_line(p, lang) for p in by_file.get(o.file, [])]
        rows.append(SendBack(o.rater_id or "", name, department, email, o.file, fixes))
    rows.sort(key=lambda r: (r.rater_id == "", r.department, r.rater_id, r.file))
    return rows


def _fix_line(problem: Problem, lang: Lang) -> str:
    where = "!".join(p for p in (problem.sheet, problem.cell) if p)
    return f"{where}: {problem.message(lang)}" if where else problem.message(lang)


def write_validation(
    ws: Workspace,
    outcomes: list[FileOutcome],
    report: Report,
    send_back: list[SendBack],
    lang: Lang,
) -> tuple[Path, Path]:
    """results/validation.csv and results/validation.xlsx, both written atomically."""
    ordered = Report(sorted(report.problems, key=lambda p: p.file))  # stable within a file
    csv_path = atomic_write_text(ws.results / "validation.csv", ordered.to_csv(lang))
    xlsx_path = atomic_write(
        ws.results / "validation.xlsx",
        lambda tmp: write_validation_book(tmp, ordered, outcomes, send_back, lang),
    )
    return csv_path, xlsx_path
