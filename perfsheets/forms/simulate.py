"""Simulated returns: fill the generated forms the way people do, for demos and tests.

Each person gets a hidden "true" performance; actuals land around their targets accordingly,
ratings follow it with each rater's leniency (self-reviews a little kinder), and comments are
picked from phrases HR sees every cycle. Some forms are never returned (``missing``) and some
carry one typical mistake (``mistakes``): a value out of range, text in a number cell, a required
cell left empty, or a locked weight changed. Everything is seeded, so a seed gives the same
returns every time.

Returns are written with the form writer itself (a *filler* supplies the inputs), so they are
the generated forms plus entries, with real cached formula results, and 10,000 of them take as
long as generating the forms.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from perfsheets.core import layout
from perfsheets.core.layout import item_key
from perfsheets.core.model import Kpi, Lang, Plan, Scale, SectionKind
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.rules import BandsRule, ChangeBandsRule, DeductionRule
from perfsheets.core.scoring import NOT_RATED
from perfsheets.files.executor import Executor
from perfsheets.forms.jobs import FormJob, KpiValues, Progress, SheetJob, rater_names
from perfsheets.forms.template import SheetFill, SheetTemplate, actual_bounds
from perfsheets.forms.writer import FormWriter, run_form_jobs
from perfsheets.ledger.forms import CurrentForm, current_forms, form_sheets, raters_of
from perfsheets.ledger.plans import plan_json_of
from perfsheets.ledger.workspace import Workspace, audit

MISTAKE_KINDS = ("out_of_range", "text_in_number", "empty_required", "changed_weight")


@dataclass(frozen=True)
class Mistake:
    """A mistake the simulator put into a return (what collect should catch)."""

    file: str
    form_id: str
    sheet: str
    item_key: str
    kind: str  # one of MISTAKE_KINDS
    value: object  # what was written (None: left empty)


@dataclass(frozen=True)
class SimulateResult:
    returned: int
    missing: int
    with_mistakes: int
    files: list[Path]
    missing_forms: list[str]  # form ids not returned
    mistakes: list[Mistake]
    seconds: float
    problems: list[str] = field(default_factory=list)  # batches that failed (which forms, why)


NOT_RATED_SHARE = 0.05  # of the rated items of a peer, subordinate or customer: answered N/A


def _form_key(form_id: str) -> str:
    """A form id without its generation token (``<cycle>-<rater>-<token>``): the token is new on
    every ``generate``, and the simulated returns must not change with it."""
    return form_id.rsplit("-", 1)[0]


def _rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


# --- what people write ------------------------------------------------------------------------

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "zh-CN": {
        "strengths_high": (
            "目标意识强，本期各项指标均超额完成，关键时刻能扛事。",
            "主动承担跨部门协调工作，推动项目提前落地，团队认可度高。",
            "专业能力扎实，能独立解决复杂问题，并乐于带教新同事。",
            "客户反馈非常好，多次获得书面表扬。",
        ),
        "strengths_mid": (
            "工作责任心强，交付质量稳定，能按时完成分配的任务。",
            "沟通顺畅，遇到问题能及时反馈并寻求支持。",
            "学习能力较强，较快掌握了新业务流程。",
            "团队协作意识好，乐于配合同事工作。",
        ),
        "strengths_low": (
            "态度认真，愿意接受反馈。",
            "出勤稳定，基础工作能够完成。",
            "与同事相处融洽。",
        ),
        "improvements": (
            "时间管理有待加强，部分任务临近截止才完成。",
            "数据分析能力需进一步提升，汇报时要多用数据说话。",
            "跨部门沟通可以更主动，问题要提前暴露。",
            "需要加强复盘习惯，把经验沉淀成文档。",
            "对细节的把控还不够，交付前应多做自查。",
            "建议提升向上汇报的频率和质量。",
        ),
        "summary": (
            "本期按计划完成了主要工作目标，重点推进了{task}，整体进展符合预期。",
            "本期工作量较大，在保证质量的前提下完成了核心指标，{task}取得阶段性成果。",
            "回顾本期，{task}完成情况良好，但部分指标受市场影响未达目标。",
        ),
        "development": (
            "计划参加项目管理培训，提升统筹协调能力。",
            "下一期希望在数据分析方面系统学习，争取独立完成专题分析。",
            "希望承担更多带教工作，提升团队管理能力。",
            "加强专业知识学习，考取相关职业资格证书。",
        ),
        # How raters open a remark: with the phrases, every rater of a person writes differently.
        "openers": ("", "总体来看，", "从日常合作看，", "印象较深的是，", "客观地说，"),
        "advice": ("", "建议：", "一点建议：", "希望今后注意："),
        "task_fallback": ("重点工作",),
        "text_numbers": ("约{v}", "{v}左右", "{v}%", "待确认"),
    },
    "en": {
        "strengths_high": (
            "Beat every target this period and stepped up when it mattered.",
            "Led cross-team coordination and delivered the project ahead of plan.",
            "Strong expertise; solves hard problems alone and coaches new colleagues.",
        ),
        "strengths_mid": (
            "Reliable, delivers steady quality on time.",
            "Communicates well and raises issues early.",
            "Learns quickly and picked up the new process fast.",
        ),
        "strengths_low": (
            "Takes feedback well.",
            "Completes routine work.",
        ),
        "improvements": (
            "Time management: several tasks were finished at the last minute.",
            "Back reports with data more often.",
            "Reach out to other teams earlier when issues come up.",
            "Check details before handing work over.",
        ),
        "summary": (
            "Delivered the main goals of the period, with good progress on {task}.",
            "A busy period: core targets met and {task} reached its first milestone.",
        ),
        "development": (
            "Take a project management course to improve coordination.",
            "Learn data analysis well enough to run studies on my own.",
            "Coach new colleagues to build management skills.",
        ),
        "openers": ("", "Overall: ", "Working with them: ", "What stands out: ", "Fairly put: "),
        "advice": ("", "Suggestion: ", "One piece of advice: ", "Going forward: "),
        "task_fallback": ("key tasks",),
        "text_numbers": ("about {v}", "{v}?", "{v}%", "tbc"),
    },
}


def _round_like(value: float, kpi: Kpi, target: float | None) -> float:
    """Round an actual the way people type it: whole numbers for big figures, 1 decimal else."""
    ref = abs(target or value)
    if isinstance(kpi.rule, DeductionRule):
        return float(max(0, round(value)))
    if ref >= 1000:
        return float(round(value))
    if ref >= 10:
        return round(value, 1)
    return round(value, 2)


def simulated_actual(kpi: Kpi, v: KpiValues, perf: float, rng: random.Random) -> float:
    """A plausible actual for someone whose performance is ``perf`` (about -2 .. 2): most
    people a little short of their target, the best above it."""
    factor = 0.85 + 0.05 * perf + rng.gauss(0, 0.02)
    rule, lower = kpi.rule, kpi.direction == "lower"
    if isinstance(rule, DeductionRule):
        return float(max(0, round(rng.gauss(0.3 - 0.4 * perf, 0.6))))
    if _near_ceiling(kpi, v):
        # A rate close to 100% (合格率 98%) misses by a share of its gap to 100, not by a share
        # of itself: 98% × 0.95 would be a 93% nobody in that job reports.
        assert v.target is not None
        shortfall = max(0.0, 1.3 - 0.4 * perf + rng.gauss(0, 0.25))
        value = 100 - (100 - v.target) * shortfall
    elif isinstance(rule, ChangeBandsRule) and v.baseline:
        top = max(b.min for b in rule.bands)
        rate = top * (0.75 + 0.35 * perf) + rng.gauss(0, abs(top) * 0.1)
        value = v.baseline * (1 - rate) if lower else v.baseline * (1 + rate)
    elif v.target is not None and v.target != 0:
        value = v.target / factor if lower else v.target * factor
    elif isinstance(rule, BandsRule) and rule.on == "value":
        mins = sorted(b.min for b in rule.bands)
        value = mins[len(mins) // 2] * (1 / factor if lower else factor)
    else:
        value = 100 * factor
    low, high = actual_bounds(kpi, v)
    return min(high, max(low, _round_like(value, kpi, v.target)))


def _near_ceiling(kpi: Kpi, v: KpiValues) -> bool:
    """A percentage where more is better and the target is close to 100 (a quality rate)."""
    return (
        kpi.unit.strip() == "%"
        and kpi.direction != "lower"
        and v.target is not None
        and 80 <= v.target < 100
    )


def simulated_rating(scale: Scale, score: float) -> int:
    """Map a latent score (about 1..5) onto the scale's values."""
    values = sorted(scale.values)
    pos = (min(5.0, max(1.0, score)) - 1) / 4 * (len(values) - 1)
    return values[round(pos)]


class ReturnFiller:
    """Fills a sheet like its rater would; picklable, so worker processes can use it."""

    def __init__(
        self,
        seed: int,
        lang: Lang,
        raters_of: dict[str, list[str]] | None = None,
        not_rated_share: float = 0.0,
    ) -> None:
        self.seed, self.lang = seed, lang
        # Peers, subordinates and customers who have not seen a behaviour answer N/A
        # (the plan allowing it): this share of their rated items.
        self.not_rated_share = not_rated_share
        self.words = PHRASES["en" if lang == "en" else "zh-CN"]
        # Each rater of a person gets their own slot, so the raters of one person write
        # different comments (people do not copy each other's sentences).
        self.slots = {
            (ratee, rater): i
            for ratee, raters in (raters_of or {}).items()
            for i, rater in enumerate(raters)
        }

    def perf(self, ratee_id: str) -> float:
        return max(-2.5, min(2.5, _rng(self.seed, "perf", ratee_id).gauss(0, 1)))

    def leniency(self, rater_id: str) -> float:
        return _rng(self.seed, "leniency", rater_id).gauss(0, 0.2)

    def __call__(self, job: FormJob, sheet: SheetJob, tpl: SheetTemplate) -> SheetFill:
        rng = _rng(self.seed, _form_key(job.form_id), sheet.ratee_id)
        perf = self.perf(sheet.ratee_id)
        bias = self.leniency(job.rater_id) + (0.35 if sheet.rater_type == "self" else 0.0)
        values: dict[str, object] = {}
        for kpi in tpl.kpis:
            v = sheet.kpis.get(kpi.code) or KpiValues(kpi.target, kpi.baseline)
            if v.actual is None:
                values[item_key("kpi", kpi.code)] = simulated_actual(kpi, v, perf, rng)
        latent = 3.0 + 0.3 * perf + bias
        for task, scale in tpl.tasks:
            score = latent + rng.gauss(0, 0.5)
            values[item_key("task", task.code)] = simulated_rating(scale, score)
        for comp, _, scale in tpl.competencies:
            score = latent + rng.gauss(0, 0.5)
            values[item_key("competency", comp.code)] = simulated_rating(scale, score)
        if tpl.adjustments:
            values.update(self._counts(tpl, sheet, perf))
        if self.not_rated_share and sheet.rater_type in ("peer", "subordinate", "customer"):
            rng_na = _rng(self.seed, "na", _form_key(job.form_id), sheet.ratee_id)
            self._not_rated(values, tpl, rng_na)
        slot = self.slots.get((sheet.ratee_id, job.rater_id), 0)
        values.update(self._comments(tpl, perf, rng, sheet.ratee_id, slot))
        fill = SheetFill(values=values)
        for mistake in job.extra or ():
            if mistake.sheet == sheet.name:
                self._apply(mistake, fill)
        return fill

    def _counts(self, tpl: SheetTemplate, sheet: SheetJob, perf: float) -> dict[str, object]:
        """加减分项 the manager counts: most people have none (left blank), some a few; the
        better performers more bonus items, the weaker more penalties (a stream of its own, so
        the other answers stay as they were)."""
        rng = _rng(self.seed, "adjust", sheet.ratee_id)
        out: dict[str, object] = {}
        for adj in tpl.adjustments:
            if adj.code in sheet.counts:
                continue  # imported: locked
            chance = 0.3 + 0.1 * perf if adj.is_bonus else 0.12 - 0.04 * perf
            if rng.random() < chance:
                out[item_key("adjustment", adj.code)] = rng.choice((1, 1, 2, 2, 3, 4))
            elif rng.random() < 0.1:
                out[item_key("adjustment", adj.code)] = 0
        return out

    def _not_rated(self, values: dict[str, object], tpl: SheetTemplate, rng: random.Random) -> None:
        keys = [item_key("task", t.code) for t, _ in tpl.tasks]
        keys += [item_key("competency", c.code) for c, _, _ in tpl.competencies]
        for key in keys:
            if rng.random() < self.not_rated_share:
                values[key] = NOT_RATED[self.lang]

    def _comments(
        self, tpl: SheetTemplate, perf: float, rng: random.Random, ratee: str, slot: int
    ) -> dict[str, str]:
        w = self.words
        tier = "strengths_high" if perf > 0.8 else "strengths_low" if perf < -1 else "strengths_mid"
        task = tpl.tasks[0][0].label(self.lang) if tpl.tasks else w["task_fallback"][0]
        # The person's raters take the pairs of strengths and the improvements in one order
        # (shuffled per person), each from their own slot: no two write the same.
        # Chinese sentences run on; English ones need a space between them.
        sep = "" if self.lang != "en" else " "
        pairs = [sep.join(p) for p in itertools.combinations(w[tier], 2)] or list(w[tier])
        strengths = [o + p for o in w["openers"] for p in pairs]
        improvements = [a + i for a in w["advice"] for i in w["improvements"]]
        order = _rng(self.seed, "comments", ratee)
        order.shuffle(strengths)
        order.shuffle(improvements)
        texts = {
            "strengths": strengths[slot % len(strengths)],
            "improvements": improvements[slot % len(improvements)],
            "summary": rng.choice(w["summary"]).format(task=task),
            "development": rng.choice(w["development"]),
        }
        return {item_key("comment", c): texts[c] for c in tpl.comments}

    @staticmethod
    def _apply(mistake: Mistake, fill: SheetFill) -> None:
        if mistake.kind == "changed_weight":
            fill.locked[mistake.item_key] = {layout.COL_WEIGHT: mistake.value}
        else:
            fill.values[mistake.item_key] = mistake.value


# --- planning the mistakes --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spot:
    """An input of a form a mistake can go into."""

    sheet: SheetJob
    kind: SectionKind
    code: str
    weight: float
    item: tuple[Kpi, KpiValues] | Scale  # a KPI's actual (and its values), or a rating


def plan_mistake(
    job: FormJob, tpl_of: Callable[[SheetJob], SheetTemplate], seed: int, filler: ReturnFiller
) -> Mistake | None:
    """One typical mistake in a random sheet and item of the form (None if nothing to spoil)."""
    rng = _rng(seed, "mistake", _form_key(job.form_id))
    spots = _spots(job, tpl_of)
    if not spots:
        return None
    spot = rng.choice(spots)
    key = item_key(spot.kind, spot.code)
    mistake = rng.choice(MISTAKE_KINDS)
    value: object
    if mistake == "changed_weight":
        weight = spot.weight
        value = weight + rng.choice((-10, -5, 5, 10)) if weight > 10 else weight + 5
    elif mistake == "empty_required":
        value = None
    elif isinstance(spot.item, Scale):
        scale = spot.item
        if mistake == "out_of_range":
            value = max(scale.values) + 1
        else:
            level = scale.levels[len(scale.levels) // 2]
            value = level.label(filler.lang)
    else:
        kpi, v = spot.item
        low, high = actual_bounds(kpi, v)
        guess = v.target if v.target is not None else 10
        if mistake == "out_of_range":
            value = rng.choice((low - abs(guess) - 1, high * 3 + 1))
        else:
            value = rng.choice(filler.words["text_numbers"]).format(v=f"{guess:g}")
    return Mistake(job.file, job.form_id, spot.sheet.name, key, mistake, value)


def _spots(job: FormJob, tpl_of: Callable[[SheetJob], SheetTemplate]) -> list[_Spot]:
    """Every input of the form, sheet by sheet: KPI actuals not imported, then ratings."""
    spots = []
    for sheet in job.sheets:
        tpl = tpl_of(sheet)
        for kpi in tpl.kpis:
            v = sheet.kpis.get(kpi.code) or KpiValues(kpi.target, kpi.baseline)
            if v.actual is None:
                spots.append(_Spot(sheet, "kpi", kpi.code, kpi.weight, (kpi, v)))
        spots += [_Spot(sheet, "task", t.code, t.weight, s) for t, s in tpl.tasks]
        spots += [_Spot(sheet, "competency", c.code, w, s) for c, w, s in tpl.competencies]
    return spots


# --- the stage --------------------------------------------------------------------------------


def _sheet_jobs(conn: sqlite3.Connection, form_id: str) -> tuple[SheetJob, ...]:
    """The sheets of a generated form as jobs, with the KPI values they were generated with."""
    rows = form_sheets(conn, form_id)
    sheets = []
    for name, ratee, rater_type, locked_json in rows:
        locked = json.loads(locked_json)
        kpis = {
            key.split(":", 1)[1]: KpiValues(v.get("target"), v.get("baseline"), v.get("actual"))
            for key, v in locked.items()
            if key.startswith("kpi:")
        }
        sheets.append(SheetJob(name, ratee, rater_type, kpis))
    return tuple(sheets)


def simulate_returns(
    workspace: str | Path,
    *,
    plan: Plan | None = None,
    seed: int = 0,
    missing: float = 0.05,
    mistakes: float = 0.03,
    workers: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> SimulateResult:
    """Fill the current forms like people do and write them to ``returns/``.

    ``missing`` and ``mistakes`` are the shares of forms not returned and returned with one
    typical mistake. Each form is rebuilt from the plan version it was generated with (the
    ledger) and the locked values recorded for it, so ``plan`` is not needed; it is accepted
    for the common stage signature.
    """
    del plan
    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    ws.returns.mkdir(parents=True, exist_ok=True)
    if executor is not None:
        executor.check_workspace(ws.root)  # one clear error before any work
    problems: list[str] = []
    files: list[Path] = []
    missing_forms: list[str] = []
    mistakes_out: list[Mistake] = []
    with ws.ledger() as conn:
        forms = [f for f in current_forms(conn) if (ws.forms / f.file).exists()]
        if not forms:
            raise PerfsheetsError(f"{ws.root}: no generated forms to fill (run generate first)")
        returned = []
        for form in forms:
            if _rng(seed, "return", _form_key(form.form_id)).random() < missing:
                missing_forms.append(form.form_id)
            else:
                returned.append(form)
        total, done = len(returned), 0
        for version in sorted({f.plan_version for f in returned}):
            rows = [f for f in returned if f.plan_version == version]
            plan_json = plan_json_of(conn, version)
            frozen = Plan.model_validate_json(plan_json)
            share = NOT_RATED_SHARE if frozen.aggregation.allow_na else 0.0
            filler = ReturnFiller(seed, frozen.lang, raters_of(conn), share)
            jobs = _return_jobs(conn, frozen, rows, seed, mistakes, filler, mistakes_out)

            def tick(n: int, _total: int, base: int = done) -> None:
                if progress:
                    progress(base + n, total)

            for rec in run_form_jobs(
                frozen,
                jobs,
                ws.returns,
                total=len(rows),
                filler=filler,
                workers=workers,
                progress=tick,
                executor=executor,
                problems=problems,
            ):
                files.append(ws.returns / rec.file)
            done += len(rows)
        audit(
            conn,
            "returns.simulate",
            str(ws.returns),
            seed=seed,
            returned=len(files),
            missing=len(missing_forms),
            mistakes=len(mistakes_out),
        )
    return SimulateResult(
        returned=len(files),
        missing=len(missing_forms),
        with_mistakes=len({m.form_id for m in mistakes_out}),
        files=sorted(files),
        missing_forms=missing_forms,
        mistakes=mistakes_out,
        seconds=time.perf_counter() - started,
        problems=problems,
    )


def _return_jobs(
    conn: sqlite3.Connection,
    plan: Plan,
    rows: list[CurrentForm],
    seed: int,
    mistake_share: float,
    filler: ReturnFiller,
    mistakes_out: list[Mistake],
) -> Iterator[FormJob]:
    """Jobs for the returned forms, read lazily from the ledger, some with a planned mistake."""
    templates = FormWriter(plan, Path("."))
    employees = plan.employee_map()
    names = rater_names(plan)

    def tpl_of(sheet: SheetJob) -> SheetTemplate:
        return templates.template(employees[sheet.ratee_id].role, sheet.rater_type)

    for form_id, rater_id, file, version, created_at, digest in rows:
        if _rng(seed, "rename", _form_key(form_id)).random() < 0.08:
            # people rename files; collect identifies a return by the form id inside
            file = (
                file[: -len(".xlsx")]
                + ("（已填）" if plan.lang == "zh-CN" else " (filled)")
                + ".xlsx"
            )
        job = FormJob(
            form_id=form_id,
            rater_id=rater_id,
            rater_name=names[rater_id][0],
            file=file,
            sheets=_sheet_jobs(conn, form_id),
            generated_at=created_at,
            plan_version=version,
            plan_digest=digest,
        )
        if _rng(seed, "spoil", _form_key(form_id)).random() < mistake_share:
            mistake = plan_mistake(job, tpl_of, seed, filler)
            if mistake:
                mistakes_out.append(mistake)
                job = replace(job, extra=(mistake,))
        yield job
