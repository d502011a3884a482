"""Record perfsheets' observable outputs, and compare two recordings.

For proving that a restructure of the package changed no behaviour: record the outputs of the
old checkout, record those of the new one, compare the two.

    python scripts/compare_outputs.py record OUTDIR [--python-path P]
    python scripts/compare_outputs.py compare DIR_A DIR_B

``record`` runs the command line only (``python -m perfsheets`` with ``PYTHONPATH=P``, default:
the checkout this script sits in) on workspaces in a temporary folder, and writes one text file
per artefact into OUTDIR: the stdout/stderr and exit code of every command (``--json`` where the
command has it), the help texts, the results CSVs, the cell values of the result workbooks, the
text of some PDFs, a form workbook's cells and the ledger's tables. What legitimately varies from
run to run is normalised: the temporary folder, the random token in form ids, timestamps, today's
date and stage timings. A step that fails is recorded as its error text, never stops the run.

``compare`` prints a short unified diff of each artefact that differs and exits 1, or prints
``identical: N artefacts`` and exits 0.

It imports nothing from perfsheets, so it works unchanged however the package's modules move.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import difflib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import yaml

REPO = Path(__file__).resolve().parent.parent
MARKER = ".compare_outputs"  # written into OUTDIR; marks a folder record may empty and refill
DIFF_LINES = 40
TIMEOUT = 900  # seconds for one command
DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
TIMING_KEY = re.compile(r"seconds|timings|duration")  # JSON keys whose values are timings
TIMING_CELL = re.compile(r"(\w*seconds\w*[ \t]*│[ \t]*)\d+(?:\.\d+)?")  # the same in a table
# Hashes of returned files' bytes: these hold the form token, so they differ in every run.
HASH_KEYS = {"sha256", "archived"}
# generate and simulate write in worker processes: forms are stored, and returns get their mtimes
# (collect takes files by mtime, numbering returns), in the order workers finish. So the ledger
# dump names a return by its file instead of its id, and sorts the rows of these tables.
RETURN_KEYS = {"return_id", "superseded_by"}
SORTED_TABLES = {"forms", "form_sheets", "returns", "entries"}
PINNED_MTIME = dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()
PDFINFO_KEYS = ("Title", "Subject", "Author", "Creator", "Producer", "Pages", "Page size")
# (id, period, start, end, due, simulate options) of the cycles of the year roll-up
QUIET = "--missing 0 --mistakes 0"
YEAR_CYCLES = [
    ("2026M12", "month", "2026-12-01", "2026-12-31", "2027-01-10", f"--seed 11 {QUIET}"),
    ("2026Q3", "quarter", "2026-07-01", "2026-09-30", "2026-10-15", "--seed 12 --missing 0.1"),
    ("2026Q4", "quarter", "2026-10-01", "2026-12-31", "2027-01-10", f"--seed 13 {QUIET}"),
    ("2026H2", "half-year", "2026-07-01", "2026-12-31", "2027-01-15", f"--seed 14 {QUIET}"),
    ("2026", "year", "2026-01-01", "2026-12-31", "2027-01-15", f"--seed 15 {QUIET}"),
]
SCORES_Q3 = "year/2026Q3/results/scores.csv"


# --- running the command line ----------------------------------------------------------------


@dataclass
class Recorder:
    """Runs perfsheets in ``work`` and keeps the raw artefacts until they are normalised."""

    work: Path
    env: dict[str, str]
    artefacts: dict[str, str] = field(default_factory=dict)

    def cli(self, name: str, *args: str) -> subprocess.CompletedProcess[str] | None:
        """Run ``python -m perfsheets ARGS`` and record its exit code, stdout and stderr."""
        cmd = [sys.executable, "-m", "perfsheets", *args]
        try:
            proc = subprocess.run(
                cmd, cwd=self.work, env=self.env, capture_output=True, text=True, timeout=TIMEOUT
            )
        except (OSError, subprocess.SubprocessError) as exc:
            self.artefacts[f"{name}.txt"] = f"$ perfsheets {' '.join(args)}\nERROR: {exc!r}\n"
            return None
        self.artefacts[f"{name}.txt"] = format_run(args, proc)
        return proc

    def sh(self, name: str, line: str, *extra: str) -> subprocess.CompletedProcess[str] | None:
        """``cli`` with the arguments of ``line`` split at spaces, then ``extra`` as they are."""
        return self.cli(name, *line.split(), *extra)

    def capture(self, name: str, produce: Callable[[], str]) -> None:
        """Record what ``produce`` returns, or the error it raised."""
        try:
            text = produce()
        except Exception as exc:  # any failure becomes the artefact
            text = f"ERROR: {type(exc).__name__}: {exc}\n"
        self.artefacts[name] = text

    def path(self, *parts: str) -> Path:
        return self.work.joinpath(*parts)


def format_run(args: Iterable[str], proc: subprocess.CompletedProcess[str]) -> str:
    header = f"$ perfsheets {' '.join(args)}\nexit: {proc.returncode}\n"
    return f"{header}--- stdout\n{pretty_stdout(proc.stdout)}--- stderr\n{proc.stderr}"


def pretty_stdout(text: str) -> str:
    """JSON output re-indented with its timings masked; anything else as it is."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    return json.dumps(mask_timings(data), ensure_ascii=False, indent=2) + "\n"


def mask_timings(data: Any) -> Any:
    """Values of timing keys become ``<SECONDS>`` (a ``timings`` mapping keeps its keys)."""
    if isinstance(data, dict):
        return {k: mask_entry(str(k), v) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_timings(v) for v in data]
    return data


def mask_entry(key: str, value: Any) -> Any:
    if key in HASH_KEYS and isinstance(value, str):
        return "<HASH>"
    if not TIMING_KEY.search(key):
        return mask_timings(value)
    if isinstance(value, dict):
        return {k: "<SECONDS>" for k in value}
    return "<SECONDS>"


def json_field(proc: subprocess.CompletedProcess[str] | None, key: str, default: Any) -> Any:
    try:
        return json.loads(proc.stdout)[key] if proc else default
    except (ValueError, KeyError, TypeError):
        return default


# --- dumping files ---------------------------------------------------------------------------


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def workbook_values(path: Path, formulas: bool = False) -> str:
    """Every sheet's cells as rows (values, or formulas with ``formulas``), as JSON."""
    wb = openpyxl.load_workbook(path, data_only=not formulas, read_only=not formulas)
    book = {ws.title: sheet_dump(ws, formulas) for ws in wb.worksheets}
    wb.close()
    return json.dumps(book, ensure_ascii=False, indent=1, default=str) + "\n"


def sheet_dump(ws: Any, formulas: bool) -> Any:
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    if not formulas:
        return rows
    protected = bool(ws.protection.sheet)
    return {"state": ws.sheet_state, "protected": protected, "rows": rows}


def pdf_text(path: Path) -> str:
    """pdfinfo's stable fields, then the text of the pages as pdftotext -layout gives it."""
    info = run_tool(["pdfinfo", str(path)])
    kept = [line for line in info.splitlines() if line.split(":", 1)[0] in PDFINFO_KEYS]
    text = run_tool(["pdftotext", "-layout", str(path), "-"])
    return "\n".join([*kept, "--- text", text])


def run_tool(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)
    return proc.stdout


def ledger_dump(path: Path) -> str:
    """Each table of the SQLite ledger: its schema, then its rows (see RETURN_KEYS)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        labels = return_labels(conn)
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        return "".join(table_dump(conn, name, sql, labels) for name, sql in tables)
    finally:
        conn.close()


def return_labels(conn: sqlite3.Connection) -> dict[int, str]:
    """return_id -> "FILE#n", n counting the returns of the same file name."""
    try:
        rows = conn.execute("SELECT return_id, file FROM returns ORDER BY return_id").fetchall()
    except sqlite3.Error:
        return {}
    seen: Counter[str] = Counter()
    labels = {}
    for return_id, file in rows:
        seen[file] += 1
        labels[return_id] = f"{file}#{seen[file]}"
    return labels


def table_dump(conn: sqlite3.Connection, name: str, sql: str, labels: dict[int, str]) -> str:
    cursor = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
    columns = [d[0] for d in cursor.description]
    rows = (
        [ledger_cell(c, v, labels) for c, v in zip(columns, row, strict=True)] for row in cursor
    )
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    if name in SORTED_TABLES:
        lines.sort()
    return f"## {name}\n{sql}\n" + "".join(f"{line}\n" for line in lines)


def ledger_cell(column: str, value: Any, labels: dict[int, str]) -> Any:
    if value is None:
        return None
    if column in HASH_KEYS:
        return "<HASH>"
    if column in RETURN_KEYS:
        return labels.get(value, value)
    return value


def pin_mtimes(folder: Path) -> str:
    """Give the files of ``folder`` increasing mtimes in name order (collect reads by mtime)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for i, path in enumerate(files):
        os.utime(path, (PINNED_MTIME + i, PINNED_MTIME + i))
    return "".join(f"{p.relative_to(folder).as_posix()}\n" for p in files)


def listing(folder: Path) -> str:
    """Relative paths of the files under ``folder``, sorted."""
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return "".join(f"{n}\n" for n in names)


def dump_workspace(rec: Recorder, prefix: str, ws: str, pdfs: dict[str, str]) -> None:
    """Plan, form index, results (CSV and workbooks), PDFs and the ledger of ``ws``.

    ``pdfs``: artefact label -> glob pattern under reports/ (the first match is dumped).
    """
    root = rec.path(ws)
    rec.capture(f"{prefix}/plan.yaml", lambda: read_text(root / "plan.yaml"))
    rec.capture(f"{prefix}/forms_index.csv", lambda: read_text(root / "forms" / "index.csv"))
    for sub in ("forms", "reports", "results"):
        rec.capture(f"{prefix}/files_{sub}.txt", lambda sub=sub: listing(root / sub))
    for f in sorted((root / "results").glob("*.csv")):
        rec.capture(f"{prefix}/results/{f.name}", lambda f=f: read_text(f))
    for f in sorted((root / "results").glob("*.xlsx")):
        rec.capture(f"{prefix}/results/{f.name}.json", lambda f=f: workbook_values(f))
    for label, pattern in pdfs.items():
        dump_pdf(rec, f"{prefix}/pdf/{label}.txt", root, pattern)
    rec.capture(f"{prefix}/ledger.txt", lambda: ledger_dump(root / "ledger.sqlite"))


def dump_pdf(rec: Recorder, name: str, root: Path, pattern: str) -> None:
    """The text of the first PDF matching ``pattern`` under the workspace's reports/."""
    found = sorted((root / "reports").glob(pattern))
    if not found:
        rec.artefacts[name] = f"ERROR: no PDF matches reports/{pattern}\n"
        return
    rec.capture(name, lambda: f"{found[0].relative_to(root).as_posix()}\n{pdf_text(found[0])}")


def dump_form(rec: Recorder, prefix: str, ws: str, rater: str) -> None:
    """Cells (formulas as written) of the form of ``rater``, by the forms index."""

    def produce() -> str:
        index = rec.path(ws, "forms", "index.csv")
        with index.open(encoding="utf-8-sig", newline="") as fh:
            row = next(r for r in csv.DictReader(fh) if r["rater_id"] == rater)
        return f"{row['file']}\n" + workbook_values(rec.path(ws, "forms", row["file"]), True)

    rec.capture(f"{prefix}/form_{rater}.json", produce)


# --- the scenarios ---------------------------------------------------------------------------


def record_help(rec: Recorder) -> None:
    """--version, the main help and every command's help."""
    rec.sh("help/version", "--version")
    main = rec.sh("help/main", "--help")
    for command in commands_in_help(main.stdout if main else ""):
        rec.sh(f"help/{command}", f"{command} --help")


def commands_in_help(text: str) -> list[str]:
    lines = text.split("Commands:", 1)[-1].splitlines() if "Commands:" in text else []
    return [m.group(1) for line in lines if (m := re.match(r"\s{2}([a-z][\w-]*)\s", line))]


def record_demo(rec: Recorder) -> None:
    """The built-in demo, 200 people (3 reports rendered), and a small one in English."""
    rec.sh("demo/cli/demo", "demo demo --employees 200 --seed 1 --reports 3 --json")
    rec.sh("demo/cli/status", "status demo --json")
    rec.sh("demo/cli/progress", "progress demo --today 2026-12-20 --json")
    pdfs = {e: f"{e}_*.pdf" for e in ("E0001", "E0002", "E0003")}
    dump_workspace(rec, "demo", "demo", {**pdfs, "hr_summary": "hr_summary.pdf"})
    dump_form(rec, "demo", "demo", "E0002")
    rec.sh("demo_en/cli/demo", "demo demo_en --employees 20 --seed 2 --lang en --reports 2 --json")
    pdfs = {e: f"{e}_*.pdf" for e in ("E0001", "E0002")}
    dump_workspace(rec, "demo_en", "demo_en", {**pdfs, "hr_summary": "hr_summary.pdf"})
    dump_form(rec, "demo_en", "demo_en", "E0002")


@dataclass
class Change:
    """The person and KPI whose actual is imported and whose target is changed."""

    employee: str
    kpi: str
    target: float
    others: list[str]  # further sales people, for more imported rows


def pick_change(plan_file: Path) -> Change:
    """A sales person with a manager and a linear KPI with a target, from the plan on disk."""
    plan = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    roster = plan["roster"]
    sales = [e["id"] for e in roster["employees"] if e.get("role") == "sales" and e.get("manager")]
    role = next(r for r in plan["roles"] if r["id"] == "sales")
    kpi = next(k for k in role["kpis"] if k.get("target") and k["rule"]["type"] == "linear")
    targets = {(t["employee"], t["kpi"]): t["target"] for t in roster.get("targets", [])}
    start = targets.get((sales[0], kpi["code"]), kpi["target"])
    return Change(sales[0], kpi["code"], float(start), sales[1:4])


def write_actuals(path: Path, change: Change) -> None:
    """A business-system export in GBK: the changed person's actual and a few more."""
    others = change.others
    rows = [(change.employee, change.kpi, f"{change.target:g}")]
    rows += [(e, change.kpi, f"{change.target * (0.8 + i / 10):g}") for i, e in enumerate(others)]
    rows += [(e, "S02", "96%") for e in others[:1]]
    lines = ["工号,指标编码,实际值", *(",".join(r) for r in rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))


def record_changes(rec: Recorder) -> None:
    """A cycle with imported actuals, target changes and appeals, then consolidate and report."""
    rec.sh("cycle/cli/01_init", "init cycle --employees 30 --seed 3 --json")
    rec.sh("cycle/cli/02_check", "check cycle --json")
    try:
        change = pick_change(rec.path("cycle", "plan.yaml"))
        rec.artefacts["cycle/change.txt"] = f"{change}\n"
    except Exception as exc:  # no plan, or a plan of another shape
        rec.artefacts["cycle/change.txt"] = f"ERROR: {type(exc).__name__}: {exc}\n"
        change = Change("E0004", "S01", 500.0, ["E0005"])
    record_actuals(rec, change)
    record_adjust(rec, change)
    record_returns(rec)
    record_appeals(rec, change)
    rec.sh("cycle/cli/20_report", "report cycle --lang en --workers 2 --json")
    rec.sh("cycle/cli/21_status_table", "status cycle")
    pdfs = {"appellant": f"{change.employee}_*.pdf", "E0001": "E0001_*.pdf"}
    pdfs |= {"E0002": "E0002_*.pdf", "manager_pack": "managers/*.pdf"}
    dump_workspace(rec, "cycle", "cycle", {**pdfs, "hr_summary": "hr_summary.pdf"})
    dump_form(rec, "cycle", "cycle", change.employee)


def record_actuals(rec: Recorder, change: Change) -> None:
    write_actuals(rec.path("erp.csv"), change)
    bad = "工号,指标编码,实际值\nE0002,S01,abc\nNOBODY,S01,5\n"
    rec.path("bad.csv").write_text(bad, encoding="utf-8")
    rec.sh("cycle/cli/03_import_check", "import-actuals cycle erp.csv --check --json")
    rec.sh("cycle/cli/04_import", "import-actuals cycle erp.csv --source CRM --json")
    rec.sh("cycle/cli/05_import_bad", "import-actuals cycle bad.csv --json")
    rec.sh("cycle/cli/06_import_bad_table", "import-actuals cycle bad.csv --lang en")


def record_adjust(rec: Recorder, change: Change) -> None:
    base = f"adjust cycle --employee {change.employee} --item {change.kpi} --approved-by 张总"
    new, far = f"{round(change.target * 1.1, 2):g}", f"{round(change.target * 3, 2):g}"
    rec.sh("cycle/cli/07_adjust", f"{base} --target {new} --reason 区域调整 --json")
    rec.sh("cycle/cli/08_adjust_far", f"{base} --target {far} --reason 市场变化 --json")
    rec.sh("cycle/cli/09_adjust_far_en", f"{base} --target {far} --reason 市场变化 --lang en")
    confirmed = f"{base} --target {far} --reason 再次调整 --confirm --json"
    rec.sh("cycle/cli/09_adjust_far_confirmed", confirmed)
    rec.sh("cycle/cli/09_adjust_back", f"{base} --target {new} --reason 恢复 --confirm --json")


def record_returns(rec: Recorder) -> None:
    rec.sh("cycle/cli/10_generate", "generate cycle --workers 2 --json")
    rec.sh("cycle/cli/11_simulate", "simulate cycle --seed 3 --missing 0.1 --mistakes 0.2 --json")
    rec.capture("cycle/returns.txt", lambda: pin_mtimes(rec.path("cycle", "returns")))
    rec.sh("cycle/cli/12_collect", "collect cycle --workers 2 --lang en --json")
    rec.sh("cycle/cli/12_collect_again", "collect cycle --workers 1 --lang en")
    rec.sh("cycle/cli/13_status", "status cycle --json")
    rec.sh("cycle/cli/14_progress", "progress cycle --today 2026-09-30 --json")
    rec.sh("cycle/cli/15_consolidate", "consolidate cycle --no-history --lang en --json")


def record_appeals(rec: Recorder, change: Change) -> None:
    opened = open_appeal(rec, "16_appeal_open", change.employee, "回款数据延迟")
    first = json_field(opened, "appeal_id", 1)
    other = open_appeal(rec, "16_appeal_open_2", "E0002", "KPI 数据有误")
    second = json_field(other, "appeal_id", 2)
    open_appeal(rec, "16_appeal_open_twice", change.employee, "再次申诉")
    rec.sh("cycle/cli/17_appeal_list", "appeal cycle --json")
    decide = "--outcome upheld --note 已核实并更正 --decided-by HR --json"
    rec.sh("cycle/cli/18_appeal_upheld", f"appeal cycle --resolve {first} {decide}")
    reject = "--outcome rejected --note 数据无误 --decided-by HR --lang en"
    rec.sh("cycle/cli/18_appeal_rejected", f"appeal cycle --resolve {second} {reject}")
    rec.sh("cycle/cli/18_appeal_decided_twice", f"appeal cycle --resolve {first} {decide}")
    rec.sh("cycle/cli/18_appeal_list_upheld", "appeal cycle --status upheld --json")
    rec.sh("cycle/cli/18_appeal_table", "appeal cycle --lang en")
    rec.sh("cycle/cli/19_consolidate", "consolidate cycle --no-history --lang en --json")


def open_appeal(
    rec: Recorder, name: str, employee: str, reason: str
) -> subprocess.CompletedProcess[str] | None:
    args = ["appeal", "cycle", "--employee", employee, "--reason", reason, "--json"]
    return rec.cli(f"cycle/cli/{name}", *args)


def set_cycle(plan_file: Path, values: dict[str, str]) -> str:
    """Change keys of the plan's ``cycle:`` block in place (the file keeps its comments)."""
    lines, in_cycle = [], False
    for line in plan_file.read_text(encoding="utf-8").splitlines():
        if re.match(r"\S", line):
            in_cycle = line.startswith("cycle:")
        key = line.strip().split(":", 1)[0]
        if in_cycle and re.match(r"  \S", line) and key in values:
            line = f"  {key}: {values[key]}"
        lines.append(line)
    plan_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "".join(f"{k}: {v}\n" for k, v in values.items())


def record_year(rec: Recorder) -> None:
    """Cycles of every period of the example's roll-up rules, then the year roll-up."""
    rec.path("year").mkdir()
    for cycle in YEAR_CYCLES:
        record_year_cycle(rec, *cycle)
    rec.capture("year/2026Q3_scores.csv", lambda: read_text(rec.path(SCORES_Q3)))
    cycles = " ".join(f"year/{c[0]}" for c in YEAR_CYCLES)
    rec.sh("year/cli/rollup", f"rollup {cycles} --out year.csv --json")
    rec.capture("year/year.csv", lambda: read_text(rec.path("year.csv")))
    rec.sh("year/cli/rollup_table_en", f"rollup {cycles} --lang en")
    rec.sh("year/cli/rollup_two", "rollup year/2026Q3 year/2026 --json")
    rec.sh("year/cli/fresh_init", "init fresh --employees 5 --json")
    rec.sh("year/cli/rollup_unconsolidated", "rollup fresh --json")


def record_year_cycle(rec: Recorder, cycle_id: str, period: str, *rest: str) -> None:
    """One cycle of the year: init, set the cycle in plan.yaml, then the whole round."""
    start, end, due, simulate = rest
    ws = f"year/{cycle_id}"
    rec.sh(f"{ws}/cli/1_init", f"init {ws} --employees 20 --seed 7 --json")
    values = {"id": f"'{cycle_id}'", "name": f"{cycle_id} 绩效考核"}
    values |= {"name_en": f"{cycle_id} appraisal", "period": period}
    values |= {"start": start, "end": end, "due": due}
    rec.capture(f"{ws}/cycle.txt", lambda: set_cycle(rec.path(ws, "plan.yaml"), values))
    rec.sh(f"{ws}/cli/2_check", f"check {ws} --json")
    rec.sh(f"{ws}/cli/3_generate", f"generate {ws} --workers 2 --json")
    rec.sh(f"{ws}/cli/4_simulate", f"simulate {ws} {simulate} --json")
    rec.capture(f"{ws}/returns.txt", lambda: pin_mtimes(rec.path(ws, "returns")))
    rec.sh(f"{ws}/cli/5_collect", f"collect {ws} --workers 2 --json")
    rec.sh(f"{ws}/cli/6_consolidate", f"consolidate {ws} --json")


SCENARIOS: list[Callable[[Recorder], None]] = [
    record_help,
    record_demo,
    record_changes,
    record_year,
]


# --- normalising -----------------------------------------------------------------------------


def form_tokens(work: Path) -> set[str]:
    """The random tokens of the form ids of every workspace (forms indexes and ledgers)."""
    ids: set[str] = set()
    for index in work.rglob("forms/index.csv"):
        with index.open(encoding="utf-8-sig", newline="") as fh:
            ids |= {row.get("form_id") or "" for row in csv.DictReader(fh)}
    for ledger in work.rglob("ledger.sqlite"):
        ids |= set(ledger_form_ids(ledger))
    return {i.rsplit("-", 1)[1] for i in ids if "-" in i}


def ledger_form_ids(ledger: Path) -> Iterator[str]:
    try:
        conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
        try:
            yield from (r[0] for r in conn.execute("SELECT form_id FROM forms"))
        finally:
            conn.close()
    except sqlite3.Error:
        return


def today_forms(day: dt.date) -> list[str]:
    return [
        day.isoformat(),
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y年%m月%d日}",
        f"{day:%Y/%m/%d}",
        f"{day.day} {day:%B %Y}",
        f"{day:%B} {day.day}, {day.year}",
        f"{day:%b} {day.day}, {day.year}",
    ]


@dataclass
class Normaliser:
    """Masks what varies between runs: folders, form tokens, timestamps and today's date."""

    paths: dict[str, str]  # folder -> placeholder
    tokens: set[str]
    today: dt.date

    def __call__(self, text: str) -> str:
        for folder in sorted(self.paths, key=len, reverse=True):
            text = text.replace(folder, self.paths[folder])
        if self.tokens:
            alternatives = "|".join(sorted(map(re.escape, self.tokens)))
            text = re.sub(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])", "<TOKEN>", text)
        text = DATETIME.sub("<DATETIME>", text)
        text = TIMING_CELL.sub(r"\1<SECONDS>", text)
        for form in today_forms(self.today):
            text = text.replace(form, "<TODAY>")
        return text


def folder_names(work: Path, python_path: Path) -> dict[str, str]:
    names = {str(python_path): "<SRC>", os.path.realpath(python_path): "<SRC>"}
    return names | {str(work): "<TMP>", os.path.realpath(work): "<TMP>"}


# --- record and compare ----------------------------------------------------------------------


def subprocess_env(python_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(python_path), COLUMNS="200", LINES="50", NO_COLOR="1", TERM="dumb")
    env.pop("FORCE_COLOR", None)
    return env


def package_location(env: dict[str, str], cwd: Path) -> str:
    """Where the subprocesses' perfsheets comes from; warns if not from PYTHONPATH."""
    code = "import perfsheets; print(perfsheets.__file__)"
    cmd = [sys.executable, "-c", code]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    where = proc.stdout.strip() or proc.stderr.strip()
    if not os.path.realpath(where).startswith(os.path.realpath(env["PYTHONPATH"]) + os.sep):
        print(
            f"warning: perfsheets was imported from {where}, not from PYTHONPATH", file=sys.stderr
        )
    return where


def prepare_outdir(outdir: Path) -> None:
    """Create OUTDIR, or empty one that an earlier record wrote; refuse any other folder."""
    if outdir.exists() and any(outdir.iterdir()):
        if not (outdir / MARKER).exists():
            sys.exit(f"{outdir} is not empty and was not written by record; not touching it")
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)


def record(outdir: Path, python_path: Path) -> int:
    prepare_outdir(outdir)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="perfsheets-compare-") as tmp:
        rec = Recorder(Path(tmp), subprocess_env(python_path))
        package = package_location(rec.env, rec.work)
        for scenario in SCENARIOS:
            rec.capture(
                f"scenarios/{scenario.__name__}.txt", lambda s=scenario: run_scenario(s, rec)
            )
        paths = folder_names(rec.work, python_path)
        normalise = Normaliser(paths, form_tokens(rec.work), dt.date.today())
        for name, text in rec.artefacts.items():
            target = outdir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(normalise(text), encoding="utf-8")
    seconds = time.monotonic() - started
    meta = {"python_path": str(python_path), "package": package, "seconds": round(seconds, 1)}
    (outdir / MARKER).write_text(json.dumps(meta) + "\n", encoding="utf-8")
    print(f"recorded {len(rec.artefacts)} artefacts into {outdir} in {seconds:.0f} s")
    return 0


def run_scenario(scenario: Callable[[Recorder], None], rec: Recorder) -> str:
    scenario(rec)
    return "ok\n"


def artefact_names(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def compare(a: Path, b: Path) -> int:
    names_a, names_b = artefact_names(a), artefact_names(b)
    differing = 0
    for name in sorted(names_a | names_b):
        diff = artefact_diff(a, b, name, names_a, names_b)
        if diff:
            differing += 1
            print(diff)
    if differing:
        print(f"differing: {differing} of {len(names_a | names_b)} artefacts")
        return 1
    print(f"identical: {len(names_a)} artefacts")
    return 0


def artefact_diff(a: Path, b: Path, name: str, names_a: set[str], names_b: set[str]) -> str:
    if name not in names_b:
        return f"=== {name}: only in {a}"
    if name not in names_a:
        return f"=== {name}: only in {b}"
    old = (a / name).read_text(encoding="utf-8").splitlines(keepends=True)
    new = (b / name).read_text(encoding="utf-8").splitlines(keepends=True)
    if old == new:
        return ""
    lines = list(difflib.unified_diff(old, new, f"{a}/{name}", f"{b}/{name}", n=2))
    shown = "".join(lines[:DIFF_LINES]).rstrip("\n")
    more = f"\n... ({len(lines) - DIFF_LINES} more diff lines)" if len(lines) > DIFF_LINES else ""
    return f"=== {name}\n{shown}{more}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="Record the outputs of a checkout into OUTDIR.")
    rec.add_argument("outdir", type=Path)
    rec.add_argument(
        "--python-path", type=Path, default=REPO, help="PYTHONPATH (default: %(default)s)"
    )
    cmp = sub.add_parser("compare", help="Compare two recordings; exit 1 if any artefact differs.")
    cmp.add_argument("dir_a", type=Path)
    cmp.add_argument("dir_b", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "record":
        return record(args.outdir.resolve(), args.python_path.resolve())
    return compare(args.dir_a, args.dir_b)


if __name__ == "__main__":
    sys.exit(main())
