"""Simulated interview records for demos and tests: the current record workbooks filled in the
way managers and employees do, written to ``returns/`` for ``perfsheets collect``.

Per employee (deterministic for a seed): not returned yet (``missing``), interviewed but not yet
confirmed by both (``unconfirmed``), the employee disagrees with a reason (``disagree``), or
agreed and confirmed by both. Improvement actions are written for the lower grades, two or
three next-cycle goals whose weights sum to 100 for everyone interviewed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.core.model import Lang
from perfsheets.core.problems import PerfsheetsError
from perfsheets.files.executor import Executor
from perfsheets.interview.book import RecordFill, RecordJob, RecordSheet
from perfsheets.interview.generate import Progress, run_record_jobs
from perfsheets.ledger.interviews import InterviewForm, interview_form_records
from perfsheets.ledger.plans import plan_digests
from perfsheets.ledger.workspace import Workspace, audit
from perfsheets.plan.io import load_plan


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


_GOALS = {
    "zh-CN": ["提升客户满意度", "完成重点项目交付", "降低差错率", "培养一名新人", "优化工作流程"],
    "en": [
        "Raise customer satisfaction",
        "Deliver the key project",
        "Cut the error rate",
        "Coach a new colleague",
        "Streamline the process",
    ],
}
_ACTIONS = {
    "zh-CN": [
        ("加强专业培训", "通过内部考核", "每月辅导一次"),
        ("改进时间管理", "按期完成率 95%", "上级周检"),
    ],
    "en": [
        ("Specialist training", "Pass the internal test", "Monthly coaching"),
        ("Time management", "95% on time", "Weekly check-in"),
    ],
}
_REASONS = {
    "zh-CN": ["重点项目的贡献未被充分考虑", "KPI 实际值统计有误"],
    "en": ["My key project contribution was not counted", "The KPI actual is wrong"],
}


@dataclass
class RecordFiller:
    """What a manager and an employee type into a record sheet."""

    seed: int
    lang: Lang
    today: dt.date
    earliest: dt.date
    missing: float = 0.1
    unconfirmed: float = 0.1
    disagree: float = 0.08
    chosen: dict[str, str] = field(default_factory=dict)  # employee -> outcome (for the report)

    def outcome(self, employee: str) -> str:
        draw = _rng(self.seed, "interview", employee).random()
        if draw < self.missing:
            return "missing"
        if draw < self.missing + self.unconfirmed:
            return "unconfirmed"
        if draw < self.missing + self.unconfirmed + self.disagree:
            return "disagree"
        return "confirmed"

    def __call__(self, job: RecordJob, sheet: RecordSheet) -> RecordFill | None:
        outcome = self.outcome(sheet.employee_id)
        if outcome == "missing":
            return None
        rng = _rng(self.seed, "fill", sheet.employee_id)
        lang = "en" if self.lang == "en" else "zh-CN"
        day = max(self.earliest, self.today - dt.timedelta(days=rng.randint(0, 6)))
        fields: dict[str, object] = {
            "interview_date": day,
            "view": "disagree" if outcome == "disagree" else "agree",
            "manager_comment": "继续保持" if lang == "zh-CN" else "Keep it up",
            "manager_name": job.manager_name,
            "manager_date": day,
        }
        if outcome == "disagree":
            fields["reason"] = rng.choice(_REASONS[lang])
            fields["employee_comment"] = fields["reason"]
        if outcome == "confirmed":
            fields["employee_name"] = sheet.name
            fields["employee_date"] = day
        weights = rng.choice([(50, 50), (60, 40), (50, 30, 20), (40, 30, 30)])
        goals = tuple(
            (name, "100%" if lang == "en" else "达成 100%", w)
            for name, w in zip(rng.sample(_GOALS[lang], len(weights)), weights, strict=True)
        )
        actions: tuple[tuple[object, ...], ...] = ()
        if sheet.grade in ("C", "D"):
            deadline = day + dt.timedelta(days=90)
            actions = tuple((a, m, deadline, s) for a, m, s in _ACTIONS[lang])
        return RecordFill(fields=fields, actions=actions, goals=goals)


@dataclass(frozen=True)
class SimulatedRecords:
    returned: int  # workbooks written to returns/
    records: int  # sheets filled in
    missing: int
    unconfirmed: int
    disagree: int
    confirmed: int
    files: list[Path]
    seconds: float
    problems: list[str] = field(default_factory=list)


def simulate_records(
    workspace: str | Path,
    *,
    seed: int = 0,
    missing: float = 0.1,
    unconfirmed: float = 0.1,
    disagree: float = 0.08,
    today: dt.date | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> SimulatedRecords:
    """Fill the current interview record workbooks and write them to ``returns/``."""
    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    plan = load_plan(ws.plan_path())
    ws.returns.mkdir(parents=True, exist_ok=True)
    with ws.ledger() as conn:
        forms = interview_form_records(conn)
        versions = plan_digests(conn)
    if not forms:
        raise PerfsheetsError(
            f"{ws.root}: no interview record forms to fill (run 'perfsheets interview-forms')"
        )
    latest: dict[str, InterviewForm] = {}
    for form in forms:  # the latest form of each manager
        latest[form.manager_id] = form
    jobs = []
    for form in latest.values():
        sheets = []
        for s in form.sheets:
            locked = json.loads(s.locked_json)
            sheets.append(
                RecordSheet(
                    s.sheet,
                    s.employee_id,
                    str(locked.get("name", "")),
                    str(locked.get("department", "")),
                    str(locked.get("grade", "")).split(" ")[0],
                    str(locked.get("grade", "")),
                    locked.get("score"),
                )
            )
        manager = plan.employee_map().get(form.manager_id)
        jobs.append(
            RecordJob(
                form_id=form.form_id,
                manager_id=form.manager_id,
                manager_name=manager.name if manager else "HR",
                file=form.file,
                run_id=form.run_id,
                plan_version=form.plan_version,
                plan_digest=str(versions.get(form.plan_version, "")),
                generated_at=form.created_at,
                sheets=tuple(sheets),
            )
        )
    day = today or dt.date.today()
    filler = RecordFiller(seed, plan.lang, day, plan.cycle.start, missing, unconfirmed, disagree)
    outcomes = [filler.outcome(s.employee_id) for j in jobs for s in j.sheets]
    jobs = [j for j in jobs if any(filler.outcome(s.employee_id) != "missing" for s in j.sheets)]
    problems: list[str] = []
    files = [
        ws.returns / job.file
        for job in run_record_jobs(
            plan,
            plan.lang,
            jobs,
            ws.returns,
            filler=filler,
            workers=workers,
            progress=progress,
            executor=executor,
            problems=problems,
        )
    ]
    counts = {k: outcomes.count(k) for k in ("missing", "unconfirmed", "disagree", "confirmed")}
    with ws.ledger() as conn:
        audit(conn, "interviews.simulate", str(ws.returns), seed=seed, files=len(files), **counts)
    return SimulatedRecords(
        returned=len(files),
        records=len(outcomes) - counts["missing"],
        files=sorted(files),
        seconds=time.perf_counter() - started,
        problems=problems,
        **counts,
    )
