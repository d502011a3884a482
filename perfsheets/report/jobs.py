"""Work units of rendering: which reports, packs and summary go into which document."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.core.cells import id_file_parts
from perfsheets.core.results import EmployeeResult
from perfsheets.report.assets import (
    BATCH_SIZE,
    MANAGERS_DIR,
    report_name,
    safe_file_part,
)

# --- work units -------------------------------------------------------------------------------


@dataclass
class Job:
    """One document laid out at once: optionally a team overview, then employee reports; then
    the teams in ``more`` the same way (small teams share a document: each document costs a
    fixed ~90 ms of font subsetting and set-up)."""

    employees: list[EmployeeResult]
    outputs: list[Path]
    overview: tuple[str, str, list[EmployeeResult]] | None = None  # manager id, name, team
    pack: Path | None = None
    part: int = 0  # index of this job among the parts of the pack
    hr: list[EmployeeResult] | None = None  # set for the HR summary job
    more: list[Job] = field(default_factory=list)  # further teams in the same document

    @property
    def segments(self) -> list[Job]:
        return [self, *self.more]

    @property
    def size(self) -> int:
        return sum(len(s.employees) for s in self.segments)


@dataclass
class JobResult:
    pages: int = 0
    employees: int = 0
    written: list[Path] = field(default_factory=list)
    packs: list[tuple[Path, int, bytes]] = field(default_factory=list)  # pack, part, PDF
    hr_bytes: bytes | None = None
    refused: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0


def plan_jobs(
    results: Sequence[EmployeeResult],
    all_results: Sequence[EmployeeResult],
    folder: Path,
    *,
    manager_packs: bool,
    hr_summary: bool,
    batch_size: int = BATCH_SIZE,
) -> tuple[list[Job], dict[Path, int]]:
    """Group reports by manager (one pack each) in batches; returns jobs and parts per pack."""
    teams: dict[str, list[EmployeeResult]] = defaultdict(list)
    for r in all_results:
        if r.manager_id:
            teams[r.manager_id].append(r)
    by_manager: dict[str | None, list[EmployeeResult]] = defaultdict(list)
    for r in results:
        by_manager[r.manager_id].append(r)
    chosen = {r.employee_id for r in results}
    # Over everyone (not the selection): a person's file name does not depend on who else is
    # rendered in this run.
    ids = id_file_parts([*(r.employee_id for r in all_results), *teams])
    jobs: list[Job] = []
    parts: dict[Path, int] = {}
    for manager_id in sorted(by_manager, key=lambda m: (m is None, m or "")):
        members = by_manager[manager_id]
        pack = None
        # A pack is the whole team: never overwrite one with a partial selection's reports.
        whole_team = manager_id is not None and all(
            r.employee_id in chosen for r in teams[manager_id]
        )
        if manager_packs and whole_team and manager_id is not None:
            name = members[0].manager_name or manager_id
            pack = folder / MANAGERS_DIR / f"{ids[manager_id]}_{safe_file_part(name)}.pdf"
        chunks = [members[i : i + batch_size] for i in range(0, len(members), batch_size)]
        for part, chunk in enumerate(chunks):
            overview = None
            if pack is not None and part == 0 and manager_id is not None:
                lead = members[0].manager_name or manager_id
                overview = (manager_id, lead, teams[manager_id])
            files = [folder / report_name(r, ids[r.employee_id]) for r in chunk]
            jobs.append(Job(chunk, files, overview, pack, part))
        if pack is not None:
            parts[pack] = len(chunks)
    jobs = _share_documents(jobs, batch_size)
    if hr_summary:
        jobs.append(Job([], [], pack=None, hr=list(all_results)))
    jobs.sort(key=lambda j: -(j.size + (25 if j.hr is not None else 0)))
    return jobs, parts


def _share_documents(jobs: list[Job], batch_size: int) -> list[Job]:
    """Lay out consecutive small teams in one document, up to ``batch_size`` reports."""
    merged: list[Job] = []
    for job in jobs:
        last = merged[-1] if merged else None
        if last is not None and last.size + len(job.employees) <= batch_size:
            last.more.append(job)
        else:
            merged.append(job)
    return merged
