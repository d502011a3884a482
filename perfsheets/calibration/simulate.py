"""Simulated committee decisions for demos: the calibration workbook filled in the way a 校准会
does, saved beside it for ``perfsheets calibrate --apply``.

Deterministic for a seed. Potential is entered for most people (few high, most medium); a few
people a grade lower than consolidation gave them are moved down, each with a reason the
committee would write. Moves are only ever down, so a group within its maximum shares stays
within them.
"""

from __future__ import annotations

import random
from pathlib import Path

from perfsheets.calibration.book import COL
from perfsheets.core.calibration import POTENTIALS, potential_text
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan

FILLED_NAME = "calibration_decisions.xlsx"

_REASONS = (
    (
        "重点项目延期交付，经委员会复核下调一级",
        "Key project delivered late; lowered one grade on review",
    ),
    (
        "客户投诉经核实属实，经委员会复核下调一级",
        "Customer complaint upheld; lowered one grade on review",
    ),
    (
        "部门间横向比较偏高，经委员会复核下调一级",
        "High against peer departments; lowered one grade on review",
    ),
)


def simulate_decisions(
    book: Path, plan: Plan, lang: Lang, *, seed: int = 1, share: float = 0.03
) -> Path:
    """Fill ``book`` (calibration.xlsx) with potentials and a few down-moves (about ``share`` of
    the people, at least one); returns the filled copy, written beside it."""
    import openpyxl  # heavy: loaded on use

    rng = random.Random(f"calibration:{seed}")
    codes = [g.code for g in plan.grading.levels]  # best first
    wb = openpyxl.load_workbook(book)
    sheet = wb.worksheets[0]
    rows = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, COL["employee_id"] + 1).value]
    movable = [r for r in rows if _grade(sheet, r) in codes[:-1]]
    moved = set(rng.sample(movable, min(len(movable), max(1, round(len(rows) * share)))))
    decided_by = tr(lang, "绩效评定委员会", "Appraisal committee")
    for r in rows:
        potential = rng.choices(list(POTENTIALS), weights=(2, 6, 2))[0]
        sheet.cell(r, COL["potential"] + 1, potential_text(potential, lang))
        if r in moved:
            grade = _grade(sheet, r)
            sheet.cell(r, COL["committee_grade"] + 1, codes[codes.index(grade) + 1])
            zh, en = rng.choice(_REASONS)
            sheet.cell(r, COL["reason"] + 1, tr(lang, zh, en))
        sheet.cell(r, COL["decided_by"] + 1, decided_by)
    out = book.with_name(FILLED_NAME)
    wb.save(out)
    return out


def _grade(sheet, row: int) -> str:
    return str(sheet.cell(row, COL["grade"] + 1).value or "")
