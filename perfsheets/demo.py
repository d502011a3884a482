"""The whole cycle on the built-in example, as one library call.

``perfsheets demo`` is a thin wrapper around :func:`run_demo`: init → generate → simulate (with a
few missing and faulty returns) → collect → consolidate → calibrate (a few simulated committee
decisions, applied) → release → pay (made-up salaries in ``salaries.csv``, the payroll import
file) → consequences → report → interview records → improvement plans. Each stage reports through a
``stage`` callback so the CLI can show progress; the result says where every output is.

With ``mail``, the mail round trip against local servers the demo starts itself: the forms are
sent, the simulated returns come back as the raters' replies in an IMAP mailbox, ``fetch``
brings them into returns/ (collect runs on what arrived), the raters still missing or rejected
are reminded, and the managers' packs are sent after the release.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Every stage at the top: this module is itself loaded only when a demo runs (the CLI and the
# public API import it on use), and the stages load their heavy libraries on use.
from perfsheets.calibration.run import ApplyResult, apply_file, calibrate, release_cycle
from perfsheets.calibration.simulate import simulate_decisions
from perfsheets.collect.run import collect_returns
from perfsheets.collect.status import return_status
from perfsheets.consolidation.final import write_final_books
from perfsheets.consolidation.run import consolidate
from perfsheets.core.model import Lang
from perfsheets.core.problems import PerfsheetsError
from perfsheets.cycle.setup import init_workspace
from perfsheets.files.executor import Executor
from perfsheets.forms.generate import generate_forms
from perfsheets.forms.simulate import simulate_returns
from perfsheets.interview.generate import write_interview_forms
from perfsheets.interview.simulate import simulate_records
from perfsheets.ledger.results import load_results, result_overview
from perfsheets.ledger.workspace import Workspace
from perfsheets.mail.fetch import FetchResult, fetch_returns
from perfsheets.mail.local_server import LocalMail, local_mail
from perfsheets.mail.replies import Replies, post_replies
from perfsheets.mail.reports import send_reports
from perfsheets.mail.send import MailResult, outstanding_of, remind_raters, send_forms
from perfsheets.mail.settings import MailError
from perfsheets.pay.run import export_pay, write_consequences
from perfsheets.pip.generate import write_pip_forms
from perfsheets.pip.simulate import simulate_pips
from perfsheets.plan.io import load_plan
from perfsheets.report.render import render_reports

Progress = Callable[[int, int], None]
StageProgress = Callable[[str], Progress]
"""Given a stage's name, the progress(done, total) callback that stage reports to."""


@dataclass
class StageTiming:
    """One stage of the demo: its name, how long it took and the stage's own result."""

    stage: str
    seconds: float
    result: Any = None


@dataclass
class DemoResult:
    """What a demo did: its workspace, the company's size and every stage in order."""

    workspace: Path
    employees: int
    stages: list[StageTiming] = field(default_factory=list)
    skipped: list[MailError] = field(default_factory=list)  # mail steps not run here, and why

    def stage(self, name: str) -> Any:
        """The result of a stage (None when it did not run)."""
        return next((s.result for s in self.stages if s.stage == name), None)

    def mail(self) -> MailCounts | None:
        """What the mail round trip did (None without --mail)."""
        sent: MailResult | None = self.stage("send")
        if sent is None:
            return None
        replies: Replies = self.stage("replies") or Replies()
        fetched: FetchResult = self.stage("fetch") or FetchResult()
        reminded: MailResult | None = self.stage("remind")
        reports: Any = self.stage("send-reports")
        return MailCounts(
            sent_forms=sent.sent,
            replies=replies.replied,
            handed_in=replies.handed_in,
            fetched=len(fetched.saved),
            duplicates=len(fetched.duplicates),
            ignored=len(fetched.ignored),
            reminded=reminded.sent if reminded else 0,
            reports_mailed=reports.sent if reports else 0,
        )

    def grades(self) -> dict[str, Any]:
        """The distribution of grades before and after quotas, and how many people quotas moved:
        what a newcomer checks to see whether the simulated cycle looks like a real one."""
        consolidated = self.stage("consolidate")
        results = list(getattr(consolidated, "results", None) or [])
        graded = [r for r in results if r.grade is not None]
        before: dict[str, int] = {}
        after: dict[str, int] = {}
        for r in graded:
            code = r.grade_before_quota or r.grade
            before[code] = before.get(code, 0) + 1
        moved = sum(1 for r in graded if r.grade_before_quota and r.grade_before_quota != r.grade)
        # Final: after the calibration committee's decisions (what scores.csv and reports say).
        with Workspace(self.workspace).ledger() as conn:
            final = [r for r in result_overview(conn) if r.grade is not None]
        for r in final:
            grade = str(r.grade)
            after[grade] = after.get(grade, 0) + 1
        return {
            "graded": len(graded),
            "before_quota": before,
            "final": after,
            "moved_by_quota": moved,
            "share_moved": round(moved / len(graded), 3) if graded else 0.0,
            "calibrated": sum(1 for r in final if r.committee_grade),
        }

    def outputs(self) -> dict[str, Path]:
        """The files and folders a person looks at after the demo."""
        ws = self.workspace
        return {
            "plan": ws / "plan.yaml",
            "forms": ws / "forms",
            "forms_index": ws / "forms" / "index.csv",
            "returns": ws / "returns",
            "validation": ws / "results" / "validation.xlsx",
            "scores": ws / "results" / "scores.csv",
            "results": ws / "results" / "results.xlsx",
            "salaries_file": ws / SALARIES,
            "payroll": ws / "results" / "pay" / "payroll.xlsx",
            "consequences": ws / "results" / "consequences.xlsx",
            "reports": ws / "reports",
            "ledger": ws / "ledger.sqlite",
        } | ({"mailbox": ws / "mailbox"} if (ws / "mailbox").is_dir() else {})


@dataclass
class MailCounts:
    """The demo's mail round trip in numbers."""

    sent_forms: int  # forms sent to raters
    replies: int  # the raters' replies in the HR mailbox (one of them sent twice)
    handed_in: int  # returns of raters without an e-mail: handed in, not mailed
    fetched: int  # returns fetch saved into returns/
    duplicates: int  # attachments fetch had saved before
    ignored: int  # attachments that are not returns (signature images, .docx)
    reminded: int  # reminders to the raters still missing or rejected
    reports_mailed: int  # managers' packs (and reports) after the release


MARKER = ".perfsheets-demo"
SALARIES = "salaries.csv"


def made_up_salaries(root: Path, seed: int) -> Path:
    """``salaries.csv`` as a payroll system exports it (UTF-8 with BOM; 工号, 奖金基数) for
    everyone with a result: a monthly bonus base of 6,000–30,000 yuan in hundreds, the same
    for the same seed. Owner-only, like real salaries."""
    with Workspace(root).ledger() as conn:
        people = [r.employee_id for r in result_overview(conn)]
    rng = random.Random(seed)
    lines = ["工号,奖金基数", *(f"{emp},{rng.randrange(60, 301) * 100}" for emp in people)]
    path = root / SALARIES
    path.touch(mode=0o600)
    os.chmod(path, 0o600)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def _no_progress(done: int, total: int) -> None:
    return None


def _fresh_folder(root: Path) -> Path:
    """An empty folder for the demo; only a previous demo's folder is ever cleared."""
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).exists():
            raise PerfsheetsError(
                f"{root}: folder is not empty and was not made by 'perfsheets demo'; "
                "choose another folder"
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("made by perfsheets demo; cleared by the next demo run\n")
    return root


def _apply_decisions(root: Path, decided: Path, lang: Lang | None) -> ApplyResult:
    """The committee's decisions recorded, then the run's files rewritten with them."""
    applied = apply_file(root, decided, lang=lang)
    if applied.applied:
        write_final_books(root, lang=lang)
    return applied


def _replies_fetched(
    root: Path,
    servers: LocalMail,
    returns: list[Path],
    lang: Lang,
    timed: Callable[..., Any],
    progress_for: StageProgress,
) -> None:
    """The simulated returns go back as the raters' replies; fetch brings them into returns/."""
    assert servers.imap is not None
    progress_for("replies")(0, 1)
    reply_to = servers.settings.reply_to or servers.settings.sender
    timed("replies", post_replies, servers.imap, root / "forms", returns, reply_to, lang)
    progress_for("fetch")(0, 1)
    timed("fetch", fetch_returns, root, settings=servers.settings)


def _remind(root: Path, servers: LocalMail, lang: Lang) -> MailResult:
    """Remind the raters collect still misses or rejected, as on the cycle's due date: the
    cadence counts from a rater's last reminder, and the demo has sent none before."""
    status = return_status(root, lang=lang)
    due = load_plan(Workspace(root).plan_path()).cycle.due
    on_due_day = dt.datetime.combine(due, dt.time(9), tzinfo=dt.UTC)
    chase = outstanding_of(status.send_back)
    return remind_raters(root, chase, lang=lang, settings=servers.settings, at=on_due_day)


def run_demo(
    path: str | Path = "perfsheets-demo",
    *,
    employees: int = 200,
    seed: int = 1,
    lang: Lang = "zh-CN",
    missing: float = 0.03,
    mistakes: float = 0.03,
    report_limit: int | None = None,
    stage: StageProgress | None = None,
    executor: Executor | None = None,
    mail: bool = False,
) -> DemoResult:
    """Run every stage on a synthetic company of ``employees`` people in ``path`` (replaced).

    ``report_limit`` renders only the first N employee reports (plus packs and the HR summary),
    which keeps large demos short; None renders all of them. ``mail`` runs the mail round trip
    through a local SMTP server (what it receives is kept in ``mailbox/``, a Maildir) and a
    local IMAP server (dovecot; the HR mailbox): the forms sent, the raters' replies fetched,
    reminders, and after the release the managers' packs (when every report is rendered).
    Without dovecot, fetch and remind are skipped and ``skipped`` says why.
    """
    root = _fresh_folder(Path(path))
    with contextlib.ExitStack() as stack:
        result = DemoResult(workspace=root, employees=employees)
        progress_for = stage or (lambda name: _no_progress)

        def timed(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            value = fn(*args, **kwargs)
            result.stages.append(StageTiming(name, time.perf_counter() - started, value))
            return value

        progress_for("init")(0, 1)
        timed(
            "init",
            init_workspace,
            root,
            example=True,
            employees=employees,
            seed=seed,
            lang=lang,
            force=True,
        )
        servers = stack.enter_context(local_mail(root / "mailbox")) if mail else None
        if servers is not None and servers.no_imap is not None:
            result.skipped.append(servers.no_imap)
        settings = servers.settings if servers is not None else None
        timed(
            "generate", generate_forms, root, progress=progress_for("generate"), executor=executor
        )
        if settings is not None:
            timed("send", send_forms, root, settings=settings, progress=progress_for("send"))
        simulated = timed(
            "simulate",
            simulate_returns,
            root,
            seed=seed,
            missing=missing,
            mistakes=mistakes,
            progress=progress_for("simulate"),
            executor=executor,
        )
        if servers is not None and servers.imap is not None:
            _replies_fetched(root, servers, simulated.files, lang, timed, progress_for)
        timed("collect", collect_returns, root, progress=progress_for("collect"), executor=executor)
        if servers is not None and servers.imap is not None:
            progress_for("remind")(0, 1)
            timed("remind", _remind, root, servers, lang)
        timed("consolidate", consolidate, root, progress=progress_for("consolidate"))
        # the calibration meeting: the workbook, a few committee decisions with reasons, applied;
        # then the results are released (frozen) before anything goes to people
        progress_for("calibrate")(0, 1)
        book = timed("calibrate", calibrate, root, lang=lang)
        plan = load_plan(Workspace(root).plan_path())
        decided = simulate_decisions(book.path, plan, plan.cycle.language, seed=seed)
        timed("calibrate-apply", _apply_decisions, root, decided, lang)
        timed("release", release_cycle, root, lang=lang)
        progress_for("pay")(0, 1)
        timed("pay", lambda: export_pay(root, made_up_salaries(root, seed)))
        progress_for("consequences")(0, 1)
        timed("consequences", write_consequences, root)
        chosen = None
        if report_limit is not None:
            with Workspace(root).ledger() as conn:
                chosen = [r.employee_id for r in load_results(conn)][:report_limit]
        timed(
            "report",
            render_reports,
            root,
            employees=chosen,
            progress=progress_for("report"),
            executor=executor,
        )
        if settings is not None and report_limit is None:  # packs need every report
            timed(
                "send-reports", send_reports, root, settings=settings, progress=progress_for("mail")
            )
        # the interview step: record forms, filled (some disagree, some not yet confirmed), collected
        timed("interview-forms", write_interview_forms, root, executor=executor)
        records = timed("interview-records", simulate_records, root, seed=seed, executor=executor)
        timed("interview-collect", collect_returns, root, records.files)
        # improvement plans for the PIP grades, started a plan's length ago so that every checkpoint
        # is due: simulated results (some met, some not, some still open: overdue), collected
        length = plan.pip.length_days
        begun = dt.date.today() - dt.timedelta(days=length + 1)
        timed("pip-forms", write_pip_forms, root, start=begun)
        pips = timed("pip-results", simulate_pips, root, seed=seed)
        timed("pip-collect", collect_returns, root, pips.files)
        return result
