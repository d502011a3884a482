"""``--help`` in the command's language: Chinese unless English is asked for.

The commands' docstrings and option helps are written in English (typer reads them at
definition); their Chinese is here, by command and by parameter. :class:`LocalisedGroup` decides
the language before click parses anything (``--lang``, else ``PERFSHEETS_LANG``, else the plan
of a workspace named on the command line, else Chinese) and puts the texts of that language on
the commands, and click's own words ("Usage:", "Options" ...) through its gettext hook.
"""

from __future__ import annotations

import gettext
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typer.core import TyperGroup

if TYPE_CHECKING:
    from perfsheets.core.model import Lang

APP_ZH = "perfsheets：用电子表格完成一个绩效考核周期。"

COMMANDS_ZH: dict[str, str] = {
    "init": "创建考核周期工作区和考核方案（默认使用内置示例方案；用 --from 则为已结束周期的下一周期）。",
    "check": "检查考核方案和员工名册；发现问题时列出全部问题，退出码为 1。",
    "generate": "为每位评价人生成一份考核表，放在 工作区/forms/（另有 forms/index.csv 清单）。",
    "simulate": "模拟员工填写考核表，写入 工作区/returns/（用于演示和测试）。",
    "collect": "读取交回的考核表，校验并保存合格的；有文件被退回时退出码为 1。",
    "status": "按评价人和部门统计考核表的已交、未交和被退回情况；生成面谈记录表后，另按部门统计面谈与结果确认状态（待面谈 … 超期）。",
    "interview-forms": "为每位上级生成一份面谈记录及结果确认表，放在 工作区/interviews/（每位有结果的下属一个工作表；另有 index.csv）；交回后由 collect 回收。",
    "pip-forms": "为最终等级须制定绩效改进计划的员工，每位上级生成一份绩效改进计划表，放在 工作区/pips/（每人一个工作表：改进目标取自面谈记录，带日期的检查点，负责人；另有 index.csv）；交回后由 collect 回收。",
    "verify": "检查账本是否被改动：每份回执的数据与其摘要、审计记录的哈希链、归档文件；有不符时退出码为 1。",
    "consolidate": "根据已接收的考核表计算每位员工的得分和等级。",
    "report": "生成 PDF 绩效面谈报告、上级汇总包和人力资源汇总。",
    "demo": "用内置示例跑完整个周期：创建、生成、模拟填写、回收、汇总、校准（模拟委员会决定）并发布结果、按虚构工资导出奖金、结果应用、报告、面谈记录、绩效改进计划。",
    "rollup": "年度结果：按方案中各周期的权重汇总全年结果。",
    "import-actuals": "从业务系统导入 KPI 实际值；只要有一行有误，就什么也不导入。",
    "adjust": "记录考核期间经批准的 KPI 目标调整（记入审计日志）。",
    "progress": "根据已导入的实际值，统计每人和每个部门目前的完成情况（另写 results/progress.xlsx）。",
    "calibrate": "校准会：生成 calibration/calibration.xlsx，或用 --apply 导入填好的校准决定。",
    "release": '发布并冻结本周期结果；--reopen --reason "原因" 重新开放（记入审计日志）。',
    "export-pay": (
        "按工资文件和最终等级计算绩效奖金，核对方案中的奖金池，写出工资系统导入文件（仅本人可读）。"
    ),
    "consequences": (
        "结果应用：晋升候选、绩效改进计划名单、优秀员工、各等级的结果应用和培训需求，"
        "写入 results/consequences.xlsx 和 .csv。"
    ),
    "appeal": (
        "提出申诉（--employee、--reason）、处理申诉（--resolve 编号 --outcome ...）或列出申诉。"
        "\n\n申诉成立需要改等级时加 --grade：与校准决定一样记录（--note 为理由），"
        "检查分布比例，并重写本次汇总的结果文件。"
        "分数只能通过更正后的考核表回收并重新汇总来修改。"
    ),
}

# Parameter helps by parameter name; (command, parameter) where one name means different things.
PARAMS_ZH: dict[str, str] = {
    "version": "显示版本号并退出。",
    "debug": "出错时显示程序调用栈（供排查问题）。",
    "workspace": "考核周期工作区文件夹。",
    "workspaces": "本年度各考核周期的工作区。",
    "as_json": "以 JSON 格式输出（供脚本使用）。",
    "lang": "提示信息的语言：zh 或 en（默认：方案的语言）。",
    "workers": "工作进程数（默认：全部 CPU 核心）。",
    "executor": "任务在哪里运行：local（本机的全部核心）或 dask（Dask 集群）。",
    "scheduler": "Dask 调度器地址 tcp://主机:端口（默认：环境变量 PERFSHEETS_SCHEDULER）。",
    "example": "从内置示例方案开始。",
    "employees": "示例公司的人数。",
    "seed": "示例公司的随机种子。",
    "excel": "把方案写成 Excel 工作簿（plan.xlsx）。",
    "force": "覆盖已有的方案。",
    "alignment": "同时把目标分解树写到 results/alignment.xlsx。",
    "missing": "不交回的考核表比例。",
    "mistakes": "含常见填写错误的考核表比例。",
    "paths": "文件、文件夹或 .zip 压缩包（默认：工作区/returns/）。",
    "calibration": "评分校准：none 或 zscore（默认：方案的设置）。",
    "previous": "用于趋势对比的往期工作区（可多次给出；默认：同级文件夹）。",
    "no_history": "不使用往期数据。",
    "count_hidden": "把人数低于匿名下限的评价人组也计入得分。",
    "employee": "员工工号。",
    "templates": "自定义报告模板所在的文件夹。",
    "packs": "为每位上级生成汇总包。",
    "summary": "生成人力资源汇总。",
    "folder": "演示工作区的文件夹。",
    "reports": "只生成这么多份员工报告（默认：全部）。",
    "out": "把年度结果写到这个文件：.csv，或 .xlsx（工作簿）。",
    "allow_partial": "缺少考核周期的员工按已有周期折算（结果标注为部分周期）。",
    "file": "业务系统导出的 CSV 或 Excel 文件：工号、指标编号、实际值。",
    "source": "数据来源系统的名称。",
    "check_only": "只校验文件，不导入。",
    "item": "指标编号。",
    "target": "新的目标值。",
    "reason": "目标调整的原因。",
    "approved_by": "批准人。",
    "confirm": "确认超出方案允许幅度的调整。",
    "today": "统计日期（YYYY-MM-DD）。",
    "resolve": "要处理的申诉编号。",
    "outcome": "结论：upheld（成立）或 rejected（驳回）。",
    "note": "结论说明。",
    "decided_by": "决定人。",
    "state": "只列出此状态的申诉：open、upheld、rejected。",
    "salaries": "工资文件（CSV 或 Excel，UTF-8 或 GBK）：工号、奖金基数。",
}
PARAMS_ZH_BY_COMMAND: dict[tuple[str, str], str] = {
    (
        "init",
        "from_",
    ): "以这个已结束周期的工作区为基础：下一个同类周期、去掉已离职人员的名册、面谈记录中商定的个人目标值。",
    (
        "init",
        "start",
    ): "与 --from 一起使用：新周期的开始日期（YYYY-MM-DD，默认：上一周期结束的次日）。",
    ("simulate", "seed"): "模拟填写的随机种子。",
    ("demo", "seed"): "示例公司和模拟填写的随机种子。",
    ("demo", "lang"): "考核表和报告的语言：zh 或 en。",
    (
        "demo",
        "mail",
    ): "另外用演示自己启动的本机邮件服务器（aiosmtpd；IMAP 用 dovecot）跑一遍邮件往返："
    "发送考核表，评价人的回复邮件收取到 returns/ 并回收校验，给仍未交或被退回的评价人发送催收，"
    "发布结果后发送上级汇总包（--reports 限制报告数时不发送）。发出的邮件保存在 目录/mailbox/。"
    "没有 dovecot 时跳过收取和催收（并说明原因）。",
    ("report", "employee"): "只生成这些员工的报告（可多次给出）。",
    ("calibrate", "apply"): "导入这份填好的校准表中的委员会决定。",
    ("calibrate", "reopen"): "修改已发布周期的结果（需要 --reason）。",
    ("calibrate", "reason"): "重新开放已发布周期的原因（记入审计日志）。",
    ("release", "reopen"): "重新开放已发布的周期（需要 --reason）。",
    ("release", "reason"): "重新开放的原因（记入审计日志）。",
    ("status", "overdue"): "只列出超过面谈结果确认截止日期仍未确认的员工（有则退出码为 1）。",
    ("status", "today"): "按这一天统计面谈和绩效改进计划状态（YYYY-MM-DD，默认：今天）。",
    (
        "status",
        "pip",
    ): "只列出各绩效改进计划的状态（进行中 / 已达成 / 未达成 / 超期）；有超期时退出码为 1。",
    ("pip-forms", "start"): "绩效改进计划的开始日期（YYYY-MM-DD，默认：今天）。",
    ("appeal", "employee"): "员工工号（提出申诉时）。",
    ("export-pay", "out_dir"): "payroll.csv 和 payroll.xlsx 的存放文件夹（默认：results/pay）。",
    ("appeal", "reason"): "员工的申诉理由（提出申诉时）。",
    ("appeal", "grade"): "与 --outcome upheld 一起使用：申诉改判后的最终等级。",
}

# click's and typer's own words (their gettext messages).
CLICK_ZH: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Show this message and exit.": "显示此帮助并退出。",
    "required": "必填",
    "default: {default}": "默认：{default}",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing argument {param_hint}.": "缺少参数 {param_hint}。",
    "Missing option": "缺少选项",
    "Missing option {param_hint}.": "缺少选项 {param_hint}。",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "argument": "参数",
    "option": "选项",
    "parameter": "参数",
    "Did you mean {possibility}?": "您是想输入 {possibility} 吗？",
    "(Possible options: {possibilities})": "（可能的选项：{possibilities}）",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "integer": "整数",
    "float": "数字",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "Aborted!": "已中止。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
}
# The modules whose gettext calls print these words (each did ``from gettext import gettext as _``):
# typer's own; typer 0.29 carries a copy of click (typer._click) that writes English only,
# which is why the help option's text is set on each command below. Plain click's modules are
# listed for a typer that uses it.
_GETTEXT_MODULES = (
    "typer.core",
    *(f"click.{m}" for m in ("core", "decorators", "exceptions", "formatting", "parser", "types")),
)


def _translator(lang: Lang) -> tuple[Callable[[str], str], Callable[[str, str, int], str]]:
    if lang == "en":
        return gettext.gettext, gettext.ngettext
    return (
        lambda text: CLICK_ZH.get(text, text),
        lambda one, many, n: CLICK_ZH.get(one if n == 1 else many, one if n == 1 else many),
    )


def use_click_words(lang: Lang) -> None:
    """click's and typer's own words in the language."""
    single, plural = _translator(lang)
    for name in _GETTEXT_MODULES:
        module = sys.modules.get(name)
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = single  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = plural  # type: ignore[attr-defined]


def localise(group: Any, lang: Lang) -> None:
    """The help texts of the group and its commands in the language (English is the default
    written in the code, kept aside the first time)."""
    _swap(group, "", APP_ZH, lang)
    group.context_class = _localised_context()
    for name, command in group.commands.items():
        _swap(command, name, COMMANDS_ZH.get(name), lang)
        command.context_class = group.context_class


_CONTEXT: list[Any] = []


def _localised_context() -> Any:
    """A click context whose help formatter writes "用法：" when the command speaks Chinese
    (typer's copy of click writes "Usage:" only)."""
    if _CONTEXT:
        return _CONTEXT[0]
    from typer.core import _click

    from perfsheets.cli.output import State

    class Formatter(_click.formatting.HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            if prefix is None and State.lang != "en":
                prefix = "用法："
            super().write_usage(prog, args, prefix)

    class Context(_click.Context):
        formatter_class = Formatter

    _CONTEXT.append(Context)
    return Context


def _swap(command: Any, name: str, zh: str | None, lang: Lang) -> None:
    english: dict[str, Any] = command.__dict__.setdefault("_perfsheets_en", {})
    english.setdefault("", command.help)
    command.help = zh if lang != "en" and zh else english[""]
    if lang != "en":
        command.short_help = None  # derived again from the help
    help_option = command.get_help_option(_context(command))
    if help_option is not None:  # typer's click writes its words in English only
        help_option.help = CLICK_ZH["Show this message and exit."] if lang != "en" else None
        help_option.help = help_option.help or "Show this message and exit."
    for param in command.params:
        if not hasattr(param, "help") or param.name is None:
            continue
        english.setdefault(param.name, param.help)
        text = PARAMS_ZH_BY_COMMAND.get((name, param.name)) or PARAMS_ZH.get(param.name)
        param.help = text if lang != "en" and text else english[param.name]


def _context(command: Any) -> Any:
    from typer.core import _click  # the click typer uses (its own copy in typer 0.29)

    return _click.Context(command)


def lang_from_args(args: Sequence[str]) -> Lang:
    """The language of a command line before it is parsed: --lang, PERFSHEETS_LANG, the plan
    of the first workspace folder named, Chinese."""
    from perfsheets.cli.output import env_lang, lang_of, workspace_lang

    for i, arg in enumerate(args):
        value = None
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value is not None and lang_of(value) is not None:
            return lang_of(value) or "zh-CN"
    found = env_lang()
    if found is not None:
        return found
    for arg in args:
        if arg.startswith("-"):
            continue
        folder = Path(arg)
        try:
            if folder.is_dir():
                plan_lang = workspace_lang(folder)
                if plan_lang is not None:
                    return plan_lang
        except OSError:  # a name too long for a path, a folder we may not read
            continue
    return "zh-CN"


# Usage errors as typer's copy of click words them (in English only), and their Chinese.
USAGE_ERRORS_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"Missing argument '(?P<a>.+)'\.", "缺少参数 '{a}'。"),
        (r"Missing option '(?P<a>.+)'\.", "缺少选项 '{a}'。"),
        (r"No such option: (?P<a>\S+)(?P<rest>.*)", "没有选项：{a}{rest}"),
        (r"Option '(?P<a>.+)' requires an argument\.", "选项 '{a}' 需要一个值。"),
        (r"Got unexpected extra arguments? \((?P<a>.+)\)", "多余的参数（{a}）"),
        (r"(?P<a>.*?)。?\. Did you mean (?P<b>.+)\?", "{a}。您是想输入 {b} 吗？"),
        (r"Invalid value for '(?P<a>.+)': (?P<b>.+)", "{a} 的值无效：{b}"),
    )
)
_VALUE_ERRORS_ZH = {
    "Input should be a valid integer, unable to parse string as an integer": "应为整数",
    "Input should be a valid number, unable to parse string as a number": "应为数字",
}


def usage_error_text(message: str, lang: Lang) -> str:
    if lang == "en":
        return message
    for pattern, zh in USAGE_ERRORS_ZH:
        match = pattern.fullmatch(message)
        if match is not None:
            parts = {k: _VALUE_ERRORS_ZH.get(v, v) for k, v in match.groupdict().items()}
            return zh.format(**parts)
    return message


def show_usage_error(exc: Any, lang: Lang) -> None:
    """A usage error as click shows it, in the language."""
    ctx = getattr(exc, "ctx", None)
    lines = []
    if ctx is not None:
        usage = ctx.get_usage()
        hint = f"{ctx.command_path} {ctx.help_option_names[0]}"
        if lang == "en":
            lines += [usage, f"Try '{hint}' for help.", ""]
        else:
            lines += [usage.replace("Usage: ", "用法：", 1), f"运行 '{hint}' 查看帮助。", ""]
    message = usage_error_text(exc.format_message(), lang)
    lines.append(f"Error: {message}" if lang == "en" else f"错误：{message}")
    sys.stderr.write("\n".join(lines) + "\n")


class LocalisedGroup(TyperGroup):
    """The perfsheets command group: help and click's messages in the command's language."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """click's main, with its usage errors shown in the command's language."""
        from typer.core import Abort, _click

        from perfsheets.cli.output import State

        def run(standalone: bool) -> Any:
            return super(LocalisedGroup, self).main(
                args, prog_name, complete_var, standalone, windows_expand_args, **extra
            )

        if not standalone_mode:
            return run(False)
        try:
            code = run(False)
        except _click.exceptions.ClickException as exc:
            show_usage_error(exc, State.lang)
            sys.exit(exc.exit_code)
        except Abort:
            sys.stderr.write("Aborted!\n" if State.lang == "en" else "已中止。\n")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        from perfsheets.cli.output import State

        lang = lang_from_args(args)
        State.lang = lang
        use_click_words(lang)
        localise(self, lang)
        return super().make_context(info_name, args, parent=parent, **extra)
