"""Simulated PIP results for demos and tests: the current PIP workbooks with their goals and
checkpoint results filled in, written to ``returns/`` for ``perfsheets collect``.

The goals are those ``pip-forms`` pre-filled: the improvement actions agreed in the employee's
interview record in force (so a demo's PIPs follow its simulated interviews); a PIP without an
agreed action (the interview record not returned) gets two goals a manager would write, in the
plan's language, due on the PIP's end date.

Per employee (deterministic for a seed): not returned yet (``missing``), still open (the first
checkpoints recorded, the last not yet), completed (the last checkpoint 达成) or failed (the
last checkpoint 未达成).
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger.interviews import record_values, records_in_force
from perfsheets.ledger.pips import pip_form_records
from perfsheets.ledger.plans import plan_digests
from perfsheets.ledger.workspace import Workspace, audit
from perfsheets.pip.book import PipFill, PipJob, PipSheetJob, PipWriter
from perfsheets.plan.io import load_plan

OUTCOMES = ("missing", "open", "completed", "failed")
_NOTES = {
    "zh-CN": ("按计划推进", "仍有差距，需加强辅导", "目标达成"),
    "en": ("On track", "Still a gap: more coaching", "Goals met"),
}
_GOALS = {  # what, measure, support
    "zh-CN": (
        ("按期完成分配的工作任务", "按期完成率不低于 95%", "每周与上级一对一沟通"),
        ("提升工作质量，减少返工", "差错率降至 2% 以下", "安排资深同事结对辅导"),
        ("补齐岗位技能短板", "通过岗位技能考核", "参加内部培训课程"),
    ),
    "en": (
        (
            "Finish assigned work on time",
            "At least 95% on time",
            "Weekly one-to-one with the manager",
        ),
        ("Better quality, less rework", "Error rate below 2%", "Paired with a senior colleague"),
        ("Close the skill gap of the role", "Pass the role's skills test", "Internal training"),
    ),
}
Goal = tuple[str, str, str, str]  # what, measure, deadline (ISO), support


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass
class PipFiller:
    seed: int
    lang: str

    def outcome(self, employee: str) -> str:
        return _rng(self.seed, "pip", employee).choice(("missing", "open", "completed", "failed"))

    def __call__(self, job: PipJob, sheet: PipSheetJob) -> PipFill | None:
        outcome = self.outcome(sheet.employee_id)
        if outcome == "missing":
            return None
        notes = _NOTES[self._lang]
        count = len(sheet.checkpoints)
        points: dict[int, tuple[object, object]] = {}
        for n in range(1, count + 1):
            if n < count:
                points[n] = ("partly" if n == 1 else "met", notes[0] if n > 1 else notes[1])
            elif outcome == "completed":
                points[n] = ("met", notes[2])
            elif outcome == "failed":
                points[n] = ("not_met", notes[1])
        if outcome == "open" and count > 1:
            points = {1: points[1]}
        return PipFill(goals=None if sheet.goals else self.goals(sheet), checkpoints=points)

    def goals(self, sheet: PipSheetJob) -> tuple[Goal, ...]:
        """Two goals for a PIP that starts without any (no improvement action agreed)."""
        chosen = _rng(self.seed, "pip-goals", sheet.employee_id).sample(_GOALS[self._lang], 2)
        return tuple((what, measure, sheet.end, support) for what, measure, support in chosen)

    @property
    def _lang(self) -> str:
        return "en" if self.lang == "en" else "zh-CN"


def agreed_actions(conn: sqlite3.Connection) -> dict[str, tuple[Goal, ...]]:
    """Employee -> the improvement actions of their interview record in force, as PIP goals:
    what pip-forms pre-filled, and what the manager keeps."""
    out: dict[str, tuple[Goal, ...]] = {}
    for employee, record in records_in_force(conn).items():
        goals: list[Goal] = []
        for row in record_values(conn, record.record_id).get("actions") or []:
            if len(row) >= 4 and row[0]:
                what, measure, deadline, support = (str(v or "") for v in row[:4])
                goals.append((what, measure, deadline, support))
        out[employee] = tuple(goals)
    return out


@dataclass(frozen=True)
class SimulatedPips:
    returned: int
    missing: int
    open: int
    completed: int
    failed: int
    files: list[Path]
    seconds: float


def simulate_pips(workspace: str | Path, *, seed: int = 0) -> SimulatedPips:
    """Fill the current PIP workbooks and write them to ``returns/``."""
    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    plan = load_plan(ws.plan_path())
    ws.returns.mkdir(parents=True, exist_ok=True)
    with ws.ledger() as conn:
        forms = pip_form_records(conn)
        versions = plan_digests(conn)
        agreed = agreed_actions(conn)
    if not forms:
        raise PerfsheetsError(f"{ws.root}: no PIP forms to fill (run 'perfsheets pip-forms')")
    latest = {f.manager_id: f for f in forms}  # the latest form of each manager
    people = plan.employee_map()
    filler = PipFiller(seed, plan.lang)
    writer = PipWriter(plan, ws.returns, plan.lang, filler)
    files, outcomes = [], []
    for form in latest.values():
        sheets = []
        for s in form.sheets:
            locked = json.loads(s.locked_json)
            sheets.append(
                PipSheetJob(
                    s.sheet,
                    s.employee_id,
                    str(locked.get("name", "")),
                    str(locked.get("department", "")),
                    s.grade,
                    str(locked.get("grade", "")),
                    str(locked.get("owner", "")),
                    s.start,
                    s.end,
                    s.checkpoints,
                    agreed.get(s.employee_id, ()),
                )
            )
            outcomes.append(filler.outcome(s.employee_id))
        manager = people.get(form.manager_id)
        job = PipJob(
            form.form_id,
            form.manager_id,
            manager.name if manager else "HR",
            form.file,
            form.run_id,
            form.plan_version,
            str(versions.get(form.plan_version, "")),
            form.created_at,
            tuple(sheets),
        )
        if any(filler.outcome(s.employee_id) != "missing" for s in sheets):
            files.append(writer.write(job))
    counts = {k: outcomes.count(k) for k in OUTCOMES}
    with ws.ledger() as conn:
        audit(conn, "pips.simulate", str(ws.returns), seed=seed, files=len(files), **counts)
    return SimulatedPips(
        returned=len(files), files=sorted(files), seconds=time.perf_counter() - started, **counts
    )
