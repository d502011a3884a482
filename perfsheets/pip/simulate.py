"""Simulated PIP results for demos and tests: the current PIP workbooks with checkpoint results
filled in, written to ``returns/`` for ``perfsheets collect``.

Per employee (deterministic for a seed): not returned yet (``missing``), still open (the first
checkpoints recorded, the last not yet), completed (the last checkpoint 达成) or failed (the
last checkpoint 未达成).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger.pips import pip_form_records
from perfsheets.ledger.workspace import Workspace, audit
from perfsheets.pip.book import PipFill, PipJob, PipSheetJob, PipWriter
from perfsheets.plan.io import load_plan

OUTCOMES = ("missing", "open", "completed", "failed")
_NOTES = {
    "zh-CN": ("按计划推进", "仍有差距，需加强辅导", "目标达成"),
    "en": ("On track", "Still a gap: more coaching", "Goals met"),
}


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
        notes = _NOTES["en" if self.lang == "en" else "zh-CN"]
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
        return PipFill(checkpoints=points)


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
        versions = dict(conn.execute("SELECT version, digest FROM plan_versions"))
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
