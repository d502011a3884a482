"""What collect writes for HR: ``results/validation.csv`` (this run's problems, per file),
``results/send_back.csv`` (every return still outstanding in the cycle) and
``results/validation.xlsx`` (both, formatted for print), every text in the run's language.

The send-back list is the state of the cycle (:mod:`perfsheets.collect.status`), read from the
ledger: rejected files and sheets not yet corrected and forms never returned, with each rater's
e-mail, what to fix and since when, whichever files this run looked at; then the rejected
interview-record and PIP workbooks, to the manager who wrote them (``kind`` says which form).
Files of this run that could not be tied to a form of the cycle are added for HR to check, tied
to nobody.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from perfsheets.collect.outcome import FileOutcome, SendBack, fix_line
from perfsheets.collect.status import cycle_state
from perfsheets.collect.validation_book import write_validation_book
from perfsheets.core.cells import csv_safe
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import Report
from perfsheets.files.atomic import atomic_write, atomic_write_text
from perfsheets.ledger.workspace import Workspace

SEND_BACK_FIELDS = (
    "rater_id",
    "rater_name",
    "department",
    "email",
    "state",
    "file",
    "sheets",
    "since",
    "fixes",
    "kind",
)


def send_back_list(
    ws: Workspace, outcomes: list[FileOutcome], report: Report, plan: Plan, lang: Lang
) -> list[SendBack]:
    """Every outstanding return of the cycle, then this run's files tied to no form."""
    with ws.ledger() as conn:
        rows = cycle_state(conn, plan, lang).every_send_back
    known = {o.file for o in outcomes if o.outcome == "rejected" and o.rater_id}
    for o in outcomes:
        if o.outcome != "rejected" or o.file in known:
            continue
        fixes = [fix_line(p, lang) for p in report.errors if p.file == o.file]
        rows.append(SendBack("", "", "", "", o.file, fixes, kind=o.kind))
    return rows


def write_validation(
    ws: Workspace,
    outcomes: list[FileOutcome],
    report: Report,
    send_back: list[SendBack],
    lang: Lang,
    title: str = "",
) -> tuple[Path, Path]:
    """results/validation.csv, send_back.csv and validation.xlsx, each written atomically."""
    ordered = Report(sorted(report.problems, key=lambda p: p.file))  # stable within a file
    csv_path = atomic_write_text(ws.results / "validation.csv", ordered.to_csv(lang))
    atomic_write_text(ws.results / "send_back.csv", send_back_csv(send_back))
    xlsx_path = atomic_write(
        ws.results / "validation.xlsx",
        lambda tmp: write_validation_book(tmp, ordered, outcomes, send_back, lang, title),
    )
    return csv_path, xlsx_path


def send_back_csv(send_back: list[SendBack]) -> str:
    """The send-back list as CSV text (written with a UTF-8 BOM, like validation.csv); every
    field formula-injection safe. ``sheets`` is empty when the whole file is to be sent again."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(SEND_BACK_FIELDS)
    for s in send_back:
        row = (
            s.rater_id,
            s.rater_name,
            s.department,
            s.email,
            s.state,
            s.file,
            "|".join(s.sheets),
            s.since,
            "\n".join(s.fixes),
            s.kind,
        )
        writer.writerow([csv_safe(v) for v in row])
    return buf.getvalue()
