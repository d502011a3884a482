"""The contract between generated forms and collected returns.

Forms (:mod:`perfsheets.forms.generate`) write workbooks in this layout and collect
(:mod:`perfsheets.collect.run`) reads them back by it; neither imports the other. Reading never
depends on fixed cell addresses:

* Every assessment sheet has a hidden **key column** (column A). A row whose key is
  :data:`COLUMNS_KEY` names the meaning of each column (``actual``, ``rating``, ``weight`` ...);
  item rows carry an item key such as ``kpi:S01``, ``task:T1``, ``competency:C03`` or
  ``comment:strengths``. A filler who inserts rows or columns moves cells, not keys.
* A hidden, protected sheet :data:`META_SHEET` holds ``key | value`` rows identifying the form
  (:data:`META_FIELDS`), then, after a row whose key is :data:`SHEETS_KEY`, one row per
  assessment sheet: ``sheet name | ratee id | rater type``.

Details a reader relies on (added with the form generator):

* Each section of a sheet (KPI, key tasks, competencies, comments) has its **own** ``@columns``
  row (hidden) just above its visible header row, because one column means ``actual`` in the
  KPI table and ``rating`` in the tasks table. An item row uses the nearest ``@columns`` row
  above it. Only columns a reader needs are named (inputs, locked values, score); the
  descriptive columns (code, name, definition, criteria ...) are left unnamed.
* A comment row's input cell is the ``text`` column; it is merged across the rest of the row.
* Rows whose key starts with :data:`SCORE_KEY_PREFIX` (``score:kpi``, ``score:task``,
  ``score:competency``, ``score:adjustment``, ``score:total``) hold the live formula scores; never read them as scores.
* 加减分项 (``adjustment:J1``) rows sit in their own section after the scored ones, on the
  manager's sheets: the ``count`` is the input (a whole number, blank meaning none), the
  ``points_per_unit`` and ``cap`` are locked; ``score:adjustment`` holds the capped points the
  total adds (``count`` is locked too when HR imported it).
* The ``_meta`` sheet is ``veryHidden``; the workbook structure is locked.
* The ledger's ``form_sheets.locked_json`` holds :data:`LOCKED_FIELDS` per item, plus
  ``actual`` for a KPI whose actual HR imported before the form was generated (pre-filled and
  locked on the form).
"""

from __future__ import annotations

from typing import Literal

FORM_SCHEMA_VERSION = 1

META_SHEET = "_meta"
META_FIELDS = (
    "schema_version",
    "form_id",
    "cycle_id",
    "plan_version",
    "plan_digest",
    "rater_id",
    "rater_name",
    "language",
    "generated_at",
)
SHEETS_KEY = "@sheets"
COLUMNS_KEY = "@columns"
KEY_COLUMN = 0  # column A, hidden

ItemKind = Literal["kpi", "task", "competency", "adjustment", "comment"]

# Column meanings named in the @columns row.
COL_ACTUAL = "actual"  # KPI actual (input, or locked when imported)
COL_RATING = "rating"  # scale value for tasks and competencies (input)
COL_TEXT = "text"  # comment text (input)
COL_WEIGHT = "weight"  # locked
COL_TARGET = "target"  # locked
COL_BASELINE = "baseline"  # locked
COL_SCORE = "score"  # formula (never read as a score)
COL_COUNT = "count"  # a 加减分项's count (input, or locked when imported)
COL_POINTS_PER_UNIT = "points_per_unit"  # locked
COL_CAP = "cap"  # locked (blank: no cap)
SCORE_KEY_PREFIX = "score:"
TOTAL_KEY = "score:total"

INPUT_COLUMNS = {
    "kpi": COL_ACTUAL,
    "task": COL_RATING,
    "competency": COL_RATING,
    "adjustment": COL_COUNT,
    "comment": COL_TEXT,
}
# Locked fields compared against the ledger on return, per item kind.
LOCKED_FIELDS = {
    "kpi": (COL_WEIGHT, COL_TARGET, COL_BASELINE),
    "task": (COL_WEIGHT,),
    "competency": (COL_WEIGHT,),
    "adjustment": (COL_POINTS_PER_UNIT, COL_CAP),
}

COMMENT_FIELDS = ("strengths", "improvements", "summary", "development")
SELF_ONLY_COMMENTS = ("summary", "development")
COMMENT_MAX_CHARS = 500


def score_key(section: str) -> str:
    """Key of a live score row: ``score:kpi`` ... or ``score:total``."""
    return f"{SCORE_KEY_PREFIX}{section}"


def item_key(kind: ItemKind, code: str) -> str:
    return f"{kind}:{code}"


def parse_item_key(key: str) -> tuple[str, str] | None:
    """(kind, code) of an item key, or None for anything that is not one."""
    kind, sep, code = key.partition(":")
    if not sep or kind not in INPUT_COLUMNS or not code:
        return None
    return kind, code


# --- cell addresses (A1 notation) ---------------------------------------------------------


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> 'B7'."""
    return f"{column_letter(col)}{row + 1}"
