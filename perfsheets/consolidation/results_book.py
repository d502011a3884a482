"""Consolidation's workbook for HR: results.xlsx (the CSV files are :mod:`.csv_files`).

Written atomically. Text from people (names, comments, ids) goes into cells with
``write_string`` only, so nothing becomes a formula. Every sheet has a filter on its header row
and the header frozen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfsheets.consolidation.book_sheet import Sheet, page_footer
from perfsheets.consolidation.csv_files import rating_detail
from perfsheets.core.calibration import decision_reason, potential_text
from perfsheets.core.consequences import COMPANY, training_needs
from perfsheets.core.flags import flag_text
from perfsheets.core.i18n import term, tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.naming import Namer
from perfsheets.core.quotas import grade_quota_kinds, quota_group_text, quota_text
from perfsheets.core.statistics import population_note
from perfsheets.files.atomic import atomic_write

if TYPE_CHECKING:
    import pandas as pd

    from perfsheets.consolidation.inputs import Computation
    from perfsheets.core.results import EmployeeResult

# Above this many ratings the rater-detail sheet would take longer to write than the whole
# consolidation of a large company (xlsxwriter ~4 µs per cell); ratings.csv always has them all.
XLSX_DETAIL_LIMIT = 60_000

RULE_LABELS: dict[str, tuple[str, str]] = {
    "kpi": ("KPI 计分", "KPI scores"),
    "trim": ("去掉最高最低分", "Trimmed mean"),
    "types": ("评价人类型加权", "Rater-type weights"),
    "rounding": ("四舍五入", "Rounding"),
    "anonymity": ("匿名保护", "Anonymity"),
    "calibration": ("评价人校准", "Rater calibration"),
    "leniency": ("宽严度标记", "Leniency flag"),
    "disagreement": ("分歧标记", "Disagreement flag"),
    "gap": ("自评与他评差距", "Self vs others"),
    "forced_distribution": ("强制分布", "Forced distribution"),
}


def _t(lang: Lang, zh: str, en: str) -> str:
    return tr(lang, zh, en)


def _page_texts(comp: Computation, plan: Plan, lang: Lang) -> tuple[str, str]:
    cycle = comp.summary["cycle"]
    company = (plan.company.name_en if lang == "en" else None) or cycle["company"]
    # "&" starts a control code in Excel headers; the sheet name is &A, the page &P of &N.
    title = f"{company} {cycle['name']}".replace("&", "&&")
    footer = page_footer(lang)
    return f"&L{title}&R{_t(lang, '绩效考核结果', 'Appraisal results')}", footer


def write_results_book(path: Path, comp: Computation, plan: Plan, lang: Lang) -> Path:
    """results/results.xlsx: summary, departments, grade distribution with a native chart,
    rater detail, rater leniency, flags and the rules used."""
    return atomic_write(path, lambda tmp: write_book_file(tmp, comp, plan, lang))


def write_book_file(target: Path, comp: Computation, plan: Plan, lang: Lang) -> None:
    """Write results.xlsx at ``target`` (not atomically: see :func:`write_results_book`)."""
    import xlsxwriter  # heavy: loaded on first use, not at start-up

    book = xlsxwriter.Workbook(
        str(target),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    formats = {
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "num": book.add_format({"num_format": "0.00"}),
        "int": book.add_format({"num_format": "0"}),
        "pct": book.add_format({"num_format": "0.0%"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "page": _page_texts(comp, plan, lang),
    }
    _summary_sheet(book, formats, comp.results, plan, lang)
    _department_sheet(book, formats, comp.summary, plan, lang)
    _training_sheet(book, formats, comp.results, plan, lang)
    _distribution_sheet(book, formats, comp.summary, plan, lang)
    _detail_sheet(book, formats, comp.ratings, plan, lang)
    _leniency_sheet(book, formats, comp.leniency, plan, lang)
    _flags_sheet(book, formats, comp.results, lang)
    if any(r.calibration_trail for r in comp.results):
        _calibration_sheet(book, formats, comp.results, plan, lang)
    _about_sheet(book, formats, comp.summary, lang)
    book.close()


def _sections(results: Sequence[EmployeeResult]) -> list[str]:
    present = {s for r in results for s in r.section_weights}
    return [s for s in ("kpi", "task", "competency") if s in present]


def _summary_sheet(book, formats, results, plan: Plan, lang: Lang) -> None:
    sections = _sections(results)
    header = [
        term("employee_id", lang),
        term("employee", lang),
        term("department", lang),
        term("role", lang),
        _t(lang, "上级", "Manager"),
    ]
    header += [term(s, lang) for s in sections]
    adjusting = any(role.adjustments for role in plan.roles)  # 加减分项 in the plan
    if adjusting:
        header.append(_t(lang, "加减分", "Bonus/penalty points"))
    calibrated = any(r.calibration_trail for r in results)  # the committee has decided
    header += [term("total", lang), term("grade", lang)]
    if calibrated:
        header += [
            _t(lang, "汇总等级（校准前）", "Consolidated grade"),
            _t(lang, "潜力", "Potential"),
        ]
    header += [
        _t(lang, "强制分布前等级", "Grade before quota"),
        _t(lang, "绩效系数", "Coefficient"),
        _t(lang, "后续措施", "Consequence"),
        _t(lang, "结果完整", "Complete"),
        _t(lang, "缺少的评价人", "Missing rater types"),
        _t(lang, "部门排名", "Rank in department"),
        _t(lang, "部门人数", "Department size"),
        _t(lang, "标记", "Flags"),
    ]
    widths = [10, 10, 14, 12, 10] + [12] * (len(sections) + adjusting) + [9, 7]
    widths += [12, 7] * calibrated + [10, 9, 24, 8, 14, 9, 9, 40]
    sheet = Sheet(book, _t(lang, "汇总", "Summary"), header, formats, widths)
    for r in results:
        sheet.write(
            [r.employee_id, r.name, r.department, r.role_name, r.manager_name or ""]
            + [r.section_scores.get(s) for s in sections]
            + ([r.adjustment_points] if adjusting else [])
            + [r.total_score, r.grade]
            + ([r.quota_grade, potential_text(r.potential, lang)] if calibrated else [])
            + [
                r.grade_before_quota,
                r.coefficient,
                r.consequence,
                r.complete,
                "、".join(term(t, lang) for t in r.missing_types),
                r.rank_in_department,
                r.department_size,
                "；".join(flag_text(f, lang) for f in r.flags),
            ]
        )
    sheet.close()


def _department_sheet(book, formats, summary, plan: Plan, lang: Lang) -> None:
    codes = list(summary["distribution"])
    header = [
        term("department", lang),
        _t(lang, "人数", "Employees"),
        _t(lang, "完整结果", "Complete"),
        _t(lang, "平均分", "Mean"),
        _t(lang, "中位数", "Median"),
        _t(lang, "标准差", "Std dev"),
        _t(lang, "最低分", "Min"),
        _t(lang, "最高分", "Max"),
    ]
    header += codes
    sheet = Sheet(book, _t(lang, "部门统计", "Departments"), header, formats, [16] + [10] * 20)
    company = {**summary["company"], "department": _t(lang, "全公司", "Company")}
    for d in [*summary["departments"], company]:
        sheet.write(
            [
                d["department"],
                d["employees"],
                d["complete"],
                d["mean"],
                d["median"],
                d["std"],
                d["min"],
                d["max"],
            ]
            + [d["grades"].get(c, 0) for c in codes],
            formats["head"] if d is company else None,
        )
    sheet.close()
    sheet.write([])
    sheet.write([population_note(lang)])


def _training_sheet(book, formats, results, plan: Plan, lang: Lang) -> None:
    """培训需求: per department and for the company, the lowest-scoring competencies and how
    many people score below the plan's threshold on each."""
    options = plan.consequences
    needs = training_needs(results, plan, lang, options.training_threshold, options.training_top)
    if not needs:
        return
    threshold = f"{options.training_threshold:g}"
    header = [
        term("department", lang),
        _t(lang, "排名（最低为 1）", "Rank (1 = lowest)"),
        _t(lang, "能力编号", "Competency code"),
        _t(lang, "能力", "Competency"),
        _t(lang, "平均分", "Mean score"),
        _t(lang, f"低于 {threshold} 分人数", f"Below {threshold}"),
        _t(lang, "有得分人数", "People scored"),
    ]
    sheet = Sheet(
        book, _t(lang, "培训需求", "Training needs"), header, formats, [16, 12, 12, 22, 10, 14, 12]
    )
    company = _t(lang, "全公司", "Company")
    for n in needs:
        whole = n.scope == COMPANY
        sheet.write(
            [
                company if whole else n.scope,
                n.rank,
                n.code,
                n.name,
                float(n.mean),
                n.below,
                n.rated,
            ],
            formats["head"] if whole else None,
        )
    sheet.close()
    sheet.write([])
    sheet.write(
        [
            _t(
                lang,
                f"每个部门和全公司列出平均分最低的 {options.training_top} 项能力（综合得分，百分制）；"
                f"“低于 {threshold} 分人数”为该项得分低于计划所定阈值的人数。",
                f"Each department and the company: the {options.training_top} competencies with "
                f"the lowest mean (combined scores, 0-100); 'Below {threshold}' counts the people "
                "scoring under the plan's threshold on it.",
            )
        ]
    )


def _distribution_sheet(book, formats, summary, plan: Plan, lang: Lang) -> None:
    name = _t(lang, "等级分布", "Grade distribution")
    header = [
        term("grade", lang),
        term("name", lang),
        _t(lang, "分数线", "Threshold"),
        _t(lang, "比例", "Quota"),
        _t(lang, "人数", "Count"),
        _t(lang, "占比", "Share"),
        _t(lang, "强制分布前人数", "Count before quota"),
    ]
    consolidated = summary.get("distribution_consolidated")  # set once the committee decided
    if consolidated is not None:
        header.append(_t(lang, "校准前人数", "Count before calibration"))
    sheet = Sheet(book, name, header, formats, [8, 12, 10, 10, 10, 10, 16, 16])
    levels = {g.code: g for g in plan.grading.levels}
    dist, before = summary["distribution"], summary["distribution_before_quota"]
    graded = sum(dist.values()) or 1
    kinds = grade_quota_kinds(plan.grading.levels)
    for code, count in dist.items():
        g = levels[code]
        quota = quota_text(g.quota, kinds[code], lang)
        sheet.write([code, g.label(lang), g.min_score, quota, count])
        sheet.ws.write_number(sheet.row - 1, 5, count / graded, formats["pct"])
        sheet.ws.write_number(sheet.row - 1, 6, before.get(code, 0), formats["int"])
        if consolidated is not None:
            sheet.ws.write_number(sheet.row - 1, 7, consolidated.get(code, 0), formats["int"])
    sheet.close()
    n = len(dist)
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": _t(lang, "人数", "Employees"),
            "categories": [name, 1, 0, n, 0],
            "values": [name, 1, 4, n, 4],
            "data_labels": {"value": True},
        }
    )
    if summary["quota"]["enabled"]:
        chart.add_series(
            {
                "name": _t(lang, "强制分布前", "Before quota"),
                "categories": [name, 1, 0, n, 0],
                "values": [name, 1, 6, n, 6],
            }
        )
    chart.set_title({"name": _t(lang, "绩效等级分布", "Grade distribution")})
    chart.set_x_axis({"name": term("grade", lang)})
    chart.set_y_axis({"name": _t(lang, "人数", "Employees")})
    sheet.ws.insert_chart(n + 3, 0, chart, {"x_scale": 1.3, "y_scale": 1.2})
    sheet.ws.set_landscape()
    sheet.ws.fit_to_pages(1, 1)


def _detail_sheet(book, formats, ratings: pd.DataFrame, plan: Plan, lang: Lang) -> None:
    header = [
        term("employee_id", lang),
        term("employee", lang),
        term("department", lang),
        _t(lang, "评价人编号", "Rater ID"),
        _t(lang, "评价人", "Rater"),
        _t(lang, "评价人类型", "Rater type"),
        _t(lang, "项目", "Item"),
        term("rating", lang),
        _t(lang, "分值", "Points"),
        _t(lang, "校准后分值", "Calibrated points"),
    ]
    widths = [10, 10, 14, 10, 10, 10, 16, 8, 8, 12]
    sheet = Sheet(book, _t(lang, "评分明细", "Rater detail"), header, formats, widths)
    if len(ratings) > XLSX_DETAIL_LIMIT:
        sheet.write(
            [
                _t(
                    lang,
                    f"共 {len(ratings)} 条评分，超过表格可快速写入的 {XLSX_DETAIL_LIMIT} 条："
                    "完整明细见 results/ratings.csv",
                    f"{len(ratings)} ratings, more than the {XLSX_DETAIL_LIMIT} this sheet holds:"
                    " see results/ratings.csv for all of them",
                )
            ]
        )
        sheet.close()
        return
    detail = rating_detail(ratings, plan)
    types = {t: term(t, lang) for t in ("self", "manager", "peer", "subordinate", "customer")}
    namer = Namer(plan, lang)
    role_of = {e.id: e.role for e in plan.roster.employees}
    for record in detail.itertuples(index=False, name=None):
        row: list[Any] = list(record)
        row[5] = types.get(row[5], row[5])
        row[6] = namer.item_name(role_of.get(row[0], ""), row[6])  # a name, not kpi:S01
        sheet.write(row)
    sheet.close()


def _leniency_sheet(book, formats, leniency: pd.DataFrame, plan: Plan, lang: Lang) -> None:
    names = {x.id: x.name for x in plan.roster.external_raters}
    names.update({e.id: e.name for e in plan.roster.employees})
    header = [
        _t(lang, "评价人编号", "Rater ID"),
        _t(lang, "评价人", "Rater"),
        _t(lang, "评价人类型", "Rater type"),
        _t(lang, "评分数", "Ratings"),
        _t(lang, "被评人数", "People rated"),
        _t(lang, "平均评分", "Mean rating"),
        _t(lang, "他人平均评分", "Others' mean"),
        _t(lang, "差值", "Difference"),
        _t(lang, "标记", "Flagged"),
    ]
    sheet = Sheet(
        book,
        _t(lang, "评价人宽严度", "Rater leniency"),
        header,
        formats,
        [10, 10, 10, 8, 10, 10, 12, 8, 8],
    )
    rec: Any  # pandas' row tuples carry the table's columns as attributes
    for rec in leniency.itertuples(index=False):
        sheet.write(
            [
                rec.rater,
                names.get(rec.rater, ""),
                term(rec.rtype, lang),
                int(rec.ratings),
                int(rec.ratees),
                rec.mean_rating,
                rec.others_mean,
                rec.difference,
                bool(rec.flagged),
            ]
        )
    sheet.close()


def flag_details(r: EmployeeResult, lang: Lang) -> Iterable[tuple[str, str]]:
    """(flag, detail) pairs of one employee: which items, types or grades each flag is about."""
    items = [*r.tasks, *r.competencies]
    sep = "、" if lang != "en" else ", "
    for flag in r.flags:
        detail = ""
        if flag == "missing_type":
            detail = sep.join(term(t, lang) for t in r.missing_types)
        elif flag == "missing_actual":
            detail = sep.join(k.name for k in r.kpis if k.actual is None)
        elif flag == "kpi_not_scored":
            detail = sep.join(k.name for k in r.kpis if k.actual is not None and k.score is None)
        elif flag == "missing_rating":
            detail = sep.join(i.name for i in items if i.score is None)
        elif flag == "high_disagreement":
            detail = sep.join(f"{i.name} ({i.spread})" for i in items if i.high_disagreement)
        elif flag == "moved_by_quota":
            group = quota_group_text(r.quota_group or "", lang)
            detail = f"{r.grade_before_quota} → {r.quota_grade} ({group})"
        elif flag in ("blind_spot", "hidden_strength"):
            detail = sep.join(f"{g.name} ({g.gap:+.2f})" for g in r.gaps if g.kind == flag)
        elif flag == "target_changed":
            detail = sep.join(
                f"{c.kpi_code}: {c.old_target} → {c.new_target}" for c in r.target_changes
            )
        yield flag, detail


def _flags_sheet(book, formats, results, lang: Lang) -> None:
    header = [
        term("employee_id", lang),
        term("employee", lang),
        term("department", lang),
        _t(lang, "标记", "Flag"),
        _t(lang, "详情", "Detail"),
    ]
    sheet = Sheet(book, _t(lang, "标记", "Flags"), header, formats, [10, 10, 14, 30, 50])
    for r in results:
        for flag, detail in flag_details(r, lang):
            sheet.write([r.employee_id, r.name, r.department, flag_text(flag, lang), detail])
    sheet.close()


def _calibration_sheet(book, formats, results, plan: Plan, lang: Lang) -> None:
    """校准记录: every decision of the calibration committee, oldest first per person; the
    superseded ones kept (an appeal or a labour dispute may ask what was decided when)."""
    header = [
        term("employee_id", lang),
        term("employee", lang),
        term("department", lang),
        term("total", lang),
        _t(lang, "汇总等级", "Consolidated grade"),
        _t(lang, "委员会等级", "Committee grade"),
        _t(lang, "潜力", "Potential"),
        _t(lang, "原因", "Reason"),
        _t(lang, "决定人", "Decided by"),
        _t(lang, "决定时间", "Decided at"),
        _t(lang, "有效", "In force"),
        _t(lang, "超出比例（计划允许）", "Beyond the quota (allowed by the plan)"),
    ]
    widths = [10, 10, 14, 9, 10, 10, 8, 40, 14, 20, 7, 24]
    sheet = Sheet(book, _t(lang, "校准记录", "Calibration"), header, formats, widths)
    for r in results:
        for step in r.calibration_trail:
            sheet.write(
                [
                    r.employee_id,
                    r.name,
                    r.department,
                    r.total_score,
                    step.from_grade or "",
                    step.to_grade or "",
                    potential_text(step.potential, lang),
                    decision_reason(step, lang),
                    step.decided_by,
                    step.decided_at,
                    step.in_force,
                    step.quota_breach,
                ]
            )
    sheet.close()


def _decided_text(summary: dict, lang: Lang) -> str:
    appeals = summary.get("changed_on_appeal", 0)
    committee = summary["calibrated"] - appeals
    zh = [f"{committee} 人的等级由委员会决定"] if committee or not appeals else []
    en = [f"{committee} grades set by the committee"] if committee or not appeals else []
    if appeals:
        zh.append(f"{appeals} 人的等级经申诉改判")
        en.append(f"{appeals} changed on appeal")
    return _t(
        lang,
        "，".join(zh) + "（见“校准记录”）；等级一栏为最终等级",
        ", ".join(en) + " (see 'Calibration'); the grade column shows the final grade",
    )


def calibration_text(method: str, lang: Lang) -> str:
    return {"none": _t(lang, "不校准", "None"), "zscore": _t(lang, "Z 分数校准", "Z-score")}.get(
        method, method
    )


def _about_sheet(book, formats, summary, lang: Lang) -> None:
    header = [_t(lang, "项目", "Item"), _t(lang, "内容", "Value")]
    sheet = Sheet(book, _t(lang, "计算规则", "Rules"), header, formats, [24, 100])
    cycle = summary["cycle"]
    cal = summary["calibration"]
    rows: list[list[Any]] = [
        [term("cycle", lang), f"{cycle['name']} ({cycle['id']})"],
        [_t(lang, "计算时间", "Computed at"), summary["computed_at"]],
        [_t(lang, "员工人数", "Employees"), summary["employees"]],
        [_t(lang, "完整结果", "Complete results"), summary["complete"]],
        [_t(lang, "校准方法", "Calibration"), calibration_text(cal["method"], lang)],
    ]
    if cal["method"] == "zscore":
        rows.append(
            [
                _t(lang, "校准基准（均值/标准差）", "Pool mean / std"),
                f"{cal['pool_mean']} / {cal['pool_std']}",
            ]
        )
        rows.append(
            [
                _t(lang, "已校准/未校准评价人", "Raters calibrated / not"),
                f"{cal['calibrated_raters']} / {cal['uncalibrated_raters']}",
            ]
        )
    for rtype, rel in summary["reliability"].items():
        alpha = "—" if rel["alpha"] is None else f"{rel['alpha']:.3f}"
        rows.append([f"Krippendorff α ({term(rtype, lang)})", f"{alpha}  (n={rel['units']})"])
    for key, text in summary["rules"].items():
        zh, en = RULE_LABELS.get(key, (key, key))
        rows.append([_t(lang, zh, en), text])
    if summary["quota"].get("provisional"):
        out = summary.get("outstanding", {})
        rows.append(
            [
                _t(lang, "强制分布（临时）", "Forced distribution (provisional)"),
                _t(
                    lang,
                    f"还有 {out.get('forms', 0)} 份评价表未收回或被退回：结果是临时的",
                    f"{out.get('forms', 0)} forms still missing or rejected: results are provisional",
                ),
            ]
        )
    if "calibrated" in summary:
        rows.append(
            [_t(lang, "绩效评定委员会", "Calibration committee"), _decided_text(summary, lang)]
        )
    unforced = summary["quota"]["unforced"]
    if unforced:
        groups = ", ".join(quota_group_text(g, lang) for g in unforced)
        rows.append([_t(lang, "未做强制分布的组", "Groups without quota"), groups])
    prev = summary["previous_cycles"]
    rows.append(
        [_t(lang, "历史周期", "Earlier cycles"), ", ".join(p["cycle_id"] for p in prev) or "—"]
    )
    for row in rows:
        sheet.write(row, None)
    sheet.close()
