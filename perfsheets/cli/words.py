"""The command line's words in Chinese and English: labels of result fields and table columns,
words for values (yes/no, a rater's state), and the errors the library raises in English, so a
command prints one language at a time.

Labels are looked up by the field's name; a field without a label prints its name (a test keeps
every result field of every command labelled).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: --help must not import pydantic
    from perfsheets.core.model import Lang

LABELS: dict[str, tuple[str, str]] = {
    # check / init
    "workspace": ("工作区", "workspace"),
    "plan": ("方案文件", "plan file"),
    "plan_file": ("方案文件", "plan file"),
    "valid": ("有效", "valid"),
    "errors": ("错误", "errors"),
    "warnings": ("警告", "warnings"),
    "employees": ("员工人数", "employees"),
    "active_employees": ("在职员工", "active employees"),
    "not_assessed": ("本期不考核", "not assessed"),
    "not_assessed_list": ("不考核名单", "not-assessed list"),
    "departments": ("部门数", "departments"),
    "roles": ("岗位数", "roles"),
    "raters": ("评价人数", "raters"),
    "assignments": ("评价关系", "assignments"),
    "goals": ("目标数", "goals"),
    "department_goals": ("部门目标数", "department goals"),
    "aligned_share": ("目标对齐度", "aligned share"),
    "alignment_warnings": ("目标对齐警告", "alignment warnings"),
    "alignment_file": ("目标分解表", "alignment file"),
    "language": ("语言", "language"),
    "lang": ("语言", "language"),
    "problems_file": ("问题清单文件", "problems file"),
    # init --from
    "from_workspace": ("上一周期工作区", "previous cycle's workspace"),
    "due": ("考核表提交截止日期", "forms due"),
    "left": ("已离职（未带入）", "left (not carried)"),
    "agreed_targets": ("来自面谈的个人目标值", "targets from interviews"),
    "other_goals": ("未成为目标值的下期目标", "goals not made targets"),
    "goals_file": ("下期目标清单", "agreed goals file"),
    # generate / simulate
    "forms": ("考核表", "forms"),
    "sheets": ("工作表", "sheets"),
    "forms_dir": ("考核表文件夹", "forms folder"),
    "index": ("考核表清单", "forms index"),
    "files": ("文件数", "files"),
    "plan_version": ("方案版本", "plan version"),
    "generation": ("生成批次", "generation"),
    "seconds": ("用时（秒）", "seconds"),
    "returned": ("已交", "returned"),
    "missing": ("未交", "missing"),
    "records": ("面谈记录", "records"),
    "unconfirmed": ("待确认", "not yet confirmed"),
    "disagree": ("有异议", "disagreeing"),
    "with_mistakes": ("含填写错误", "with mistakes"),
    "missing_forms": ("未交的考核表", "missing forms"),
    "mistakes": ("填写错误", "mistakes"),
    # collect / status
    "accepted": ("已接收", "accepted"),
    "rejected": ("被退回", "rejected"),
    "superseded": ("被新版本取代", "superseded"),
    "unchanged": ("未变化", "unchanged"),
    "older": ("较旧版本（未采用）", "older versions (not used)"),
    "rejected_sheets": ("退回的表页", "sheets sent back"),
    "send_back": ("退回清单", "send back"),
    "every_send_back": ("完整退回清单（含面谈记录与改进计划）", "whole send-back list"),
    "record_send_back": ("退回的面谈记录与改进计划", "record files to send back"),
    "validation_csv": ("校验结果（CSV）", "validation (CSV)"),
    "validation_xlsx": ("校验结果（Excel）", "validation (Excel)"),
    "exit_code": ("退出码", "exit code"),
    "unidentified_rejected": ("无法识别并退回", "unidentified and rejected"),
    "rater_id": ("评价人工号", "rater id"),
    "rater": ("评价人", "rater"),
    # send --reports
    "person": ("人员", "person"),
    "sent": ("已发送", "sent"),
    "packs_sent": ("已发送汇总包", "packs sent"),
    "reports_sent": ("已发送员工报告", "reports sent"),
    "passwords_sent": ("已发送密码邮件", "password messages sent"),
    "already_sent": ("以前已发送", "sent before"),
    "not_due": ("未到提醒时间", "not due"),
    "encrypted": ("已加密", "encrypted"),
    "to_employees": ("员工收到本人报告", "employees get their report"),
    "dry_run": ("试运行（未发送）", "dry run (nothing sent)"),
    "outbox": ("邮件文件夹", "outbox"),
    "no_email": ("无邮箱", "no e-mail"),
    "bounced": ("邮箱退信", "address bounced"),
    "refused": ("拒收", "refused"),
    "unknown": ("没有要发送的", "nothing to send for"),
    "email": ("邮箱", "e-mail"),
    "reply": ("服务器答复", "server reply"),
    "sender": ("发件人", "sender"),
    "saved": ("保存为", "saved as"),
    "kind": ("类别", "kind"),
    "name": ("姓名", "name"),
    "department": ("部门", "department"),
    "state": ("状态", "state"),
    "last_received": ("最近收到", "last received"),
    "rate": ("回收率", "rate"),
    # verify
    "audit_rows": ("审计记录数", "audit rows"),
    "record_files": ("归档的面谈记录与改进计划文件", "archived record files"),
    "decisions": ("核对的校准决定", "calibration decisions checked"),
    "findings": ("不符之处", "findings"),
    "subject": ("对象", "what"),
    "problem": ("问题", "problem"),
    "ok": ("完好", "ok"),
    # consolidate
    "run_id": ("汇总批次", "run id"),
    "calibration": ("评分校准", "calibration"),
    "complete": ("结果完整", "complete"),
    "incomplete": ("结果不完整", "incomplete"),
    "moved_by_quota": ("因强制分布调整", "moved by quota"),
    "outstanding_forms": ("未收回的考核表", "outstanding forms"),
    "provisional": ("结果为临时", "provisional"),
    "flagged_raters": ("需关注的评价人", "flagged raters"),
    "scores_csv": ("得分表（CSV）", "scores (CSV)"),
    "results_xlsx": ("结果工作簿", "results workbook"),
    "ratings_csv": ("评分明细（CSV）", "ratings (CSV)"),
    "previous_cycles": ("往期周期", "previous cycles"),
    "skipped_workspaces": ("跳过的文件夹", "skipped folders"),
    "dropped_relations": (
        "已不在考核表中的评价关系（未计入）",
        "relations no longer on the forms (not counted)",
    ),
    "outstanding_departments": ("各部门未收回", "outstanding by department"),
    "timings": ("各步用时", "timings"),
    # report
    "folder": ("文件夹", "folder"),
    "pages": ("页数", "pages"),
    "manager_pack_count": ("上级汇总包", "manager packs"),
    "hr_summary": ("人力资源汇总", "HR summary"),
    "seconds_per_page": ("每页用时（秒）", "seconds per page"),
    "cpu_seconds": ("CPU 用时（秒）", "CPU seconds"),
    "workers": ("工作进程", "workers"),
    "problems": ("失败的任务", "failed tasks"),
    "manager_packs": ("上级汇总包", "manager packs"),
    # rollup
    "csv": ("CSV 文件", "CSV file"),
    "cycles": ("考核周期", "cycles"),
    "without_rule": ("无汇总规则", "without a rule"),
    "employee_id": ("工号", "employee id"),
    "role": ("岗位", "role"),
    "year_score": ("年度得分", "year score"),
    "year": ("年度", "year"),
    "grade_by_score": ("按得分的等级", "grade by score"),
    "quota_group": ("强制分布分组", "quota group"),
    "partial": ("部分周期", "partial"),
    "grade": ("等级", "grade"),
    "coefficient": ("绩效系数", "coefficient"),
    # import-actuals / adjust / appeal / progress
    "file": ("文件", "file"),
    "source": ("数据来源", "source"),
    "sha256": ("文件摘要（SHA-256）", "SHA-256"),
    "applied": ("已生效", "applied"),
    "decisions_in_force": ("生效的委员会决定", "decisions in force"),
    "group_books": ("各校准组的校准表", "calibration group workbooks"),
    "open": ("进行中", "open"),
    "completed": ("已达成", "completed"),
    "failed": ("未达成", "failed"),
    "added": ("新增", "added"),
    "replaced": ("替换", "replaced"),
    "actuals": ("实际值", "actuals"),
    "kpi_code": ("指标编号", "KPI code"),
    "original_target": ("原目标值", "original target"),
    "previous_target": ("调整前目标值", "previous target"),
    "new_target": ("新目标值", "new target"),
    "change": ("变化幅度", "change"),
    "band": ("允许幅度", "allowed band"),
    "beyond_band": ("超出允许幅度", "beyond band"),
    "confirmed": ("已确认", "confirmed"),
    "change_id": ("调整记录号", "change id"),
    "appeal_id": ("申诉编号", "appeal id"),
    "reason": ("理由", "reason"),
    "opened_at": ("提出时间", "opened at"),
    "status": ("状态", "status"),
    "outcome": ("结论", "outcome"),
    "note": ("说明", "note"),
    "decided_by": ("决定人", "decided by"),
    "decided_at": ("决定时间", "decided at"),
    "reconsolidated": ("已重新汇总", "reconsolidated"),
    "grade_before": ("改判前等级", "grade before"),
    "quota_breach": ("超出比例（计划允许）", "beyond the quota (plan allows)"),
    "is_open": ("未决", "open"),
    "appeals": ("申诉", "appeals"),
    "cycle_id": ("考核周期编号", "cycle id"),
    "cycle_name": ("考核周期", "cycle"),
    "period": ("周期类型", "period"),
    "start": ("开始日期", "start"),
    "end": ("结束日期", "end"),
    "today": ("统计日期", "today"),
    "elapsed": ("已过时间", "elapsed"),
    "days_left": ("剩余天数", "days left"),
    # export-pay / consequences
    "salaries": ("工资文件", "salaries file"),
    "rows": ("读取行数", "rows read"),
    "paid": ("已计算奖金人数", "bonuses computed"),
    "total": ("奖金合计", "bonus total"),
    "pools": ("奖金池", "bonus pools"),
    "written": ("已写入", "written"),
    "over_budget": ("超支的奖金池", "pools over budget"),
    "workbook": ("工作簿", "workbook"),
    "table": ("CSV 文件", "CSV file"),
    "promotion": ("晋升候选", "promotion candidates"),
    "pip": ("绩效改进计划", "PIP"),
    "pips": ("绩效改进计划", "PIPs"),
    "honours": ("优秀员工", "honours"),
    "graded": ("有最终等级", "graded"),
    "training_needs": ("培训需求条目", "training-need rows"),
    # the demo's outputs
    "forms_index": ("考核表清单", "forms index"),
    "returns": ("回收的考核表", "returns"),
    "validation": ("校验结果", "validation"),
    "scores": ("得分表", "scores"),
    "results": ("结果工作簿", "results"),
    "reports": ("面谈报告", "reports"),
    "ledger": ("台账", "ledger"),
    "salaries_file": ("工资文件（虚构）", "salaries (made up)"),
    "payroll": ("工资导入文件", "payroll import file"),
    "consequences": ("结果应用清单", "consequences"),
    "mailbox": ("收到的邮件（本机演示服务器）", "mail received (local demo server)"),
    # the demo's mail round trip
    "sent_forms": ("已发送考核表", "forms sent"),
    "replies": ("评价人回复邮件", "raters' replies"),
    "handed_in": ("直接交回（无邮箱）", "handed in (no e-mail)"),
    "replied": ("回复邮件", "replies"),
    "messages": ("邮件", "messages"),
    "with_extras": ("另带签名图片或文档", "with a signature image or document"),
    "sent_twice": ("重复发送", "sent twice"),
    "fetched": ("收取的考核表", "returns fetched"),
    "duplicates": ("重复附件（未保存）", "duplicate attachments (not saved)"),
    "ignored": ("忽略的附件（非考核表）", "attachments ignored (not returns)"),
    "reminded": ("已发送催收", "reminders sent"),
    "reports_mailed": ("已发送汇总包和报告", "packs and reports sent"),
}

# Values that are words: a rater's state, an appeal's status, a calibration method.
VALUES: dict[str, tuple[str, str]] = {
    "returned": ("已交", "returned"),
    "missing": ("未交", "missing"),
    "rejected": ("被退回", "rejected"),
    "zh-CN": ("中文", "Chinese"),
    "en": ("英文", "English"),
    "partial": ("部分已交", "partial"),
    "open": ("待处理", "open"),
    "upheld": ("成立", "upheld"),
    "none": ("不校准", "none"),
    "zscore": ("标准分校准", "z-score"),
}


STAGES: dict[str, tuple[str, str]] = {
    "init": ("创建工作区", "init"),
    "check": ("检查方案", "check"),
    "generate": ("生成考核表", "generate"),
    "interview-forms": ("生成面谈记录表", "interview forms"),
    "interview-records": ("模拟面谈记录", "interview records"),
    "interview-collect": ("回收面谈记录", "collect records"),
    "pip-forms": ("生成绩效改进计划表", "PIP forms"),
    "pip-results": ("模拟改进计划检查结果", "PIP results"),
    "pip-collect": ("回收绩效改进计划", "collect PIPs"),
    "simulate": ("模拟填写", "simulate"),
    "collect": ("回收校验", "collect"),
    "consolidate": ("汇总评分", "consolidate"),
    "calibrate": ("校准表", "calibration workbook"),
    "calibrate-apply": ("应用校准决定（模拟）", "apply decisions (simulated)"),
    "release": ("发布结果", "release"),
    "send": ("发送考核表", "send forms"),
    "send-reports": ("发送报告", "send reports"),
    "replies": ("评价人回复（模拟）", "raters reply (simulated)"),
    "fetch": ("收取回复", "fetch"),
    "remind": ("催收", "remind"),
    "pay": ("奖金导出", "export pay"),
    "consequences": ("结果应用", "consequences"),
    "report": ("生成报告", "report"),
}


def stage_name(stage: str, lang: Lang) -> str:
    zh, en = STAGES.get(stage, (stage, stage))
    return en if lang == "en" else zh


def label(key: str, lang: Lang) -> str:
    """The label of a result field or column in the language (its name when it has none)."""
    zh, en = LABELS.get(key, (key.replace("_", " "), key.replace("_", " ")))
    return en if lang == "en" else zh


def value_word(value: str, lang: Lang) -> str:
    """A value that is a word (a state, a status) in the language; other values unchanged."""
    found = VALUES.get(value)
    if found is None:
        return value
    return found[1] if lang == "en" else found[0]


def yes_no(value: bool, lang: Lang) -> str:
    if lang == "en":
        return "yes" if value else "no"
    return "是" if value else "否"


# --- errors the library raises in English ------------------------------------------------------

# (pattern of the English message, its Chinese): stages name paths and ids in their messages,
# which the Chinese keeps.
ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), zh)
    for pattern, zh in (
        (
            r"(?P<p>.+): not a workspace folder \(run 'perfsheets init'\)",
            "{p}：不是工作区文件夹（请先运行 perfsheets init 创建）",
        ),
        (
            r"(?P<p>.+): no plan\.yaml or plan\.xlsx in this workspace",
            "{p}：工作区中没有方案文件 plan.yaml 或 plan.xlsx（请先运行 perfsheets init）",
        ),
        (
            r"(?P<p>.+): no forms were generated in this workspace; run 'perfsheets generate'",
            "{p}：此工作区还没有生成考核表，请先运行 perfsheets generate",
        ),
        (
            r"(?P<p>.+): no generated forms to fill \(run generate first\)",
            "{p}：还没有生成考核表，无法模拟填写（请先运行 perfsheets generate）",
        ),
        (
            r"(?P<p>.+): the ledger is in use by another program \(waited (?P<s>[\d.]+) s\); "
            r"close it and try again",
            "{p}：账本正被另一个程序使用（已等待 {s} 秒）；请关闭该程序后重试",
        ),
        (
            r"(?P<p>.+): the ledger cannot be read \((?P<why>.*)\); restore it from a backup",
            "{p}：账本无法读取（{why}），请从备份恢复",
        ),
        (r"(?P<p>.+): no such file or folder", "{p}：文件或文件夹不存在"),
        (r"(?P<p>.+): no such file", "{p}：文件不存在"),
        (r"(?P<p>.+): plan file not found", "{p}：找不到方案文件"),
        (
            r"(?P<p>.+): a plan must be (?:written as )?a? ?\.yaml, \.yml or \.xlsx(?: file)?",
            "{p}：方案文件必须是 .yaml、.yml 或 .xlsx 文件",
        ),
        (
            r"(?P<p>.+): already has a plan \((?P<names>.+)\); use --force to replace it",
            "{p}：已有方案（{names}）；如要替换，请加 --force",
        ),
        (r"(?P<p>.+): exists and is not a folder", "{p}：已存在，但不是文件夹"),
        (r"(?P<p>.+): workbook too large to be a plan", "{p}：工作簿过大，不可能是考核方案"),
        (
            r"(?P<p>.+): the plan has (?P<n>\d+) problem\(s\)(?::.*)? \(run 'perfsheets check' "
            r"for the full list\)",
            "{p}：方案有 {n} 个问题（运行 perfsheets check 查看完整清单）",
        ),
        (
            r"(?P<p>.+): folder is not empty and was not made by 'perfsheets demo'; "
            r"choose another folder",
            "{p}：文件夹不为空，且不是由 perfsheets demo 创建的；请换一个文件夹",
        ),
        (r"employee (?P<id>'.*') is not in the plan's roster", "员工 {id} 不在方案的名册中"),
        (
            r"employee (?P<id>'.*') has role (?P<role>'.*'), not in the plan",
            "员工 {id} 的岗位 {role} 未在方案中定义",
        ),
        (
            r"(?P<item>'.*') is a key task of role (?P<role>'.*'): it has no target",
            "{item} 是岗位 {role} 的重点工作，没有目标值",
        ),
        (
            r"role (?P<role>'.*') of employee (?P<id>'.*') has no KPI (?P<kpi>'.*') "
            r"\(its KPIs: (?P<codes>.*)\)",
            "员工 {id} 的岗位 {role} 没有指标 {kpi}（该岗位的指标：{codes}）",
        ),
        (
            r"KPI (?P<kpi>'.*') is scored by the (?P<rule>'.*') rule, which uses no target",
            "指标 {kpi} 按 {rule} 规则计分，不使用目标值",
        ),
        (r"target (?P<t>'.*') is not a number", "目标值 {t} 不是数字"),
        (r"target (?P<t>'.*') is not a finite number", "目标值 {t} 不是有限的数字"),
        (
            r"KPI (?P<kpi>'.*') needs a target above 0 \(completion = ratio\)",
            "指标 {kpi} 的目标值必须大于 0（完成率 = 实际值 ÷ 目标值）",
        ),
        (r"a target change needs (?P<what>.+)", "目标调整需要填写：{what}"),
        (
            r"employee (?P<id>'.*') already has an open appeal \(#(?P<n>\d+)\); "
            r"decide it before opening another",
            "员工 {id} 已有一项未决申诉（#{n}），请先处理它再提出新的申诉",
        ),
        (
            r"appeal outcome must be 'upheld' or 'rejected', not (?P<v>.+)",
            "申诉结论必须是 upheld（成立）或 rejected（驳回），而不是 {v}",
        ),
        (
            r"appeal #(?P<n>\d+) was already decided \((?P<how>.+)\); open a new appeal instead",
            "申诉 #{n} 已有结论（{how}）；如有新情况请重新提出申诉",
        ),
        (r"there is no appeal #(?P<n>\d+) in this workspace", "此工作区没有编号为 #{n} 的申诉"),
        (r"an appeal needs (?P<what>.+)", "申诉需要填写：{what}"),
        (r"no consolidated cycle among the workspaces given", "所给的工作区中没有已汇总的考核周期"),
        (
            r"ledger schema (?P<v>\d+) is newer than this perfsheets \((?P<mine>\d+)\): upgrade",
            "台账格式版本 {v} 比本程序支持的（{mine}）更新：请升级 perfsheets",
        ),
        (
            r"defusedxml is not installed: .*",
            "未安装 defusedxml，无法安全读取回收的文件（pip install defusedxml）",
        ),
        (
            r"(?P<p>.+): templates folder not found",
            "{p}：找不到模板文件夹",
        ),
    )
)


def error_text(message: str, lang: Lang) -> str:
    """A library error's message in the language (English messages have a Chinese here)."""
    if lang == "en":
        return message
    for pattern, zh in ERRORS:
        match = pattern.fullmatch(message)
        if match is not None:
            return zh.format(**match.groupdict())
    return message
