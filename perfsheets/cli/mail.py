"""Mail commands: send, remind, fetch (the mail stage; collect's status and collect itself are
called from here, because stages do not import each other).

Each command imports its stages when it runs (``# lazy: start-up``). Mail errors (wrong
password, unreachable server, a connection dropped half-way) are one line in the command's
language and exit code 2; whatever was sent before is recorded, and the same command resumes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from perfsheets.cli.app import app
from perfsheets.cli.help import COMMANDS_ZH, PARAMS_ZH, PARAMS_ZH_BY_COMMAND
from perfsheets.cli.output import (
    EXIT_OK,
    EXIT_PROBLEMS,
    JsonOpt,
    LangOpt,
    State,
    WorkspaceArg,
    fail,
    finish,
    library_errors,
    message_lang,
    out,
    print_json,
    problems_table,
    progress_bar,
    rows_table,
    scalar_rows,
    summary_table,
    tr,
)

if TYPE_CHECKING:
    from perfsheets.core.model import Lang
    from perfsheets.mail.send import MailResult

COMMANDS_ZH.update(
    {
        "send": "按 forms/index.csv 给每位评价人发送一封邮件并附上其考核表；已发送的不会重发。"
        "\n\n加 --reports：结果发布后，给每位上级发送其团队汇总包，方案允许时"
        "（mail.reports_to_employees）也给每位员工发送本人报告；--encrypt 时每个 PDF 用各自的"
        "随机密码加密（AES-256），密码另发一封邮件。"
        "\n\n邮件设置在 工作区/mail.yaml，密码只从环境变量 PERFSHEETS_MAIL_PASSWORD（或系统钥匙串）读取。",
        "remind": "给尚未交回或被退回的评价人发送催收邮件（附原考核表和需修改的内容），"
        "也给面谈记录或绩效改进计划被退回的上级发送（附原记录表和需修改的内容），"
        "次数和间隔见 mail.yaml 的 reminders。",
        "fetch": "从邮箱（IMAP）收取交回的考核表附件，保存到 returns/，然后运行回收校验。",
    }
)
PARAMS_ZH.update({"dry_run": "不发送，把邮件写成 .eml 文件放到 工作区/outbox/ 以供查看。"})
PARAMS_ZH_BY_COMMAND.update(
    {
        ("send", "only"): "只给这些评价人（工号，可重复或用逗号分隔）重新发送，即使已经发过"
        "（与 --reports 一起用：这些上级和员工，使用新密码）。",
        ("send", "reports"): "改为发送已发布结果的报告：每位上级的团队汇总包，方案允许时"
        "（mail.reports_to_employees）还有员工本人的报告。",
        ("send", "encrypt"): "与 --reports 一起用：每个 PDF 用各自的随机密码加密（AES-256），"
        "密码另发一封邮件（默认按方案的 mail.encrypt_reports）。",
        ("fetch", "collect"): "收取后是否运行回收校验（--no-collect 跳过）。",
    }
)

DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Send nothing: write the messages to WORKSPACE/outbox/.")
]


@contextmanager
def mail_errors(lang: Lang) -> Iterator[None]:
    """Mail errors in the command's language, one line, exit 2 (others as every command)."""
    from perfsheets.mail.settings import MailError  # lazy: start-up

    with library_errors():
        try:
            yield
        except MailError as exc:
            if State.debug:
                raise
            raise fail(exc.text(lang)) from None


@app.command()
def send(
    workspace: WorkspaceArg,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Resend to these raters (ids, repeated or comma separated) even if sent before"
            " (with --reports: these managers and employees, with new passwords).",
        ),
    ] = None,
    reports: Annotated[
        bool,
        typer.Option(
            "--reports",
            help="Send the released results' PDFs instead: each manager their pack, each"
            " employee their own report where the plan allows it (mail.reports_to_employees).",
        ),
    ] = False,
    encrypt: Annotated[
        bool | None,
        typer.Option(
            "--encrypt/--no-encrypt",
            help="With --reports: encrypt each PDF (AES-256) with a password of its own, sent"
            " in a separate message (default: the plan's mail.encrypt_reports).",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOpt = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """E-mail every rater their form (forms/index.csv); forms already sent are not sent again.

    With --reports, after the release: each manager their pack, each employee their own report
    where the plan allows it; --encrypt sends each PDF's password in a message of its own.
    """
    language = message_lang(workspace, lang)
    chosen = [r.strip() for value in only or () for r in value.split(",") if r.strip()]
    if reports:
        _send_reports(workspace, chosen, encrypt, dry_run, language, as_json)
    if encrypt is not None:
        raise fail(
            tr(language, "--encrypt 只能与 --reports 一起使用", "--encrypt goes with --reports")
        )
    from perfsheets.mail.send import send_forms  # lazy: start-up

    with (
        mail_errors(language),
        progress_bar(tr(language, "发送邮件", "Sending"), not as_json) as bar,
    ):
        result = send_forms(workspace, only=chosen, dry_run=dry_run, lang=language, progress=bar)
    _show(result, language, as_json, tr(language, "发送结果", "Send summary"))


def _send_reports(
    workspace: Any,
    chosen: list[str],
    encrypt: bool | None,
    dry_run: bool,
    lang: Lang,
    as_json: bool,
) -> None:
    """send --reports: the PDFs not sent (problems), the people not written to, the counts."""
    from perfsheets.mail.reports import send_reports  # lazy: start-up

    with (
        mail_errors(lang),
        progress_bar(tr(lang, "发送报告", "Sending reports"), not as_json) as bar,
    ):
        result = send_reports(
            workspace, only=chosen, encrypt=encrypt, dry_run=dry_run, lang=lang, progress=bar
        )
    if as_json:
        print_json(result)
        raise typer.Exit(result.exit_code)
    problems_table(result.report, lang)
    _trouble_tables(result, lang, reports=True)
    summary_table(tr(lang, "报告发送结果", "Reports sent"), scalar_rows(result, lang))
    raise typer.Exit(result.exit_code)


@app.command()
def remind(
    workspace: WorkspaceArg,
    dry_run: DryRunOpt = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remind raters whose form is missing or rejected, and managers whose interview record or PIP
    was rejected (with what to fix), at the settings' cadence."""
    from perfsheets.collect.status import return_status  # lazy: start-up
    from perfsheets.mail.send import (  # lazy: start-up
        outstanding_of,
        record_outstanding_of,
        remind_raters,
    )

    language = message_lang(workspace, lang)
    with (
        mail_errors(language),
        progress_bar(tr(language, "催收邮件", "Reminding"), not as_json) as bar,
    ):
        status = return_status(workspace, lang=language)
        every = status.every_send_back
        result = remind_raters(
            workspace,
            outstanding_of(every),
            records=record_outstanding_of(every),
            dry_run=dry_run,
            lang=language,
            progress=bar,
        )
    _show(result, language, as_json, tr(language, "催收结果", "Reminder summary"))


@app.command()
def fetch(
    workspace: WorkspaceArg,
    collect: Annotated[
        bool, typer.Option("--collect/--no-collect", help="Run collect on what arrived.")
    ] = True,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Save the returned forms attached to mails in the mailbox (IMAP) into returns/, then collect."""
    from perfsheets.mail.fetch import fetch_returns  # lazy: start-up

    language = message_lang(workspace, lang)
    with mail_errors(language):
        result = fetch_returns(workspace)
    collected: Any = None
    if collect and result.saved:
        from perfsheets.collect.run import collect_returns  # lazy: start-up

        paths = [workspace / "returns" / name for name in result.paths]
        with library_errors():
            collected = collect_returns(workspace, paths, lang=language)
    if as_json:
        print_json({"fetch": result, "collect": collected})
        raise typer.Exit(collected.exit_code if collected else EXIT_OK)
    rows_table(
        tr(language, "已保存的附件", "Attachments saved"),
        [{"sender": a.sender, "file": a.file, "saved": a.saved} for a in result.saved],
    )
    skipped = [
        {"sender": a.sender, "file": a.file, "reason": _reason(a.reason, language)}
        for a in result.duplicates + result.ignored
    ]
    skipped += [
        {"sender": s, "file": "", "reason": tr(language, "没有附件", "no attachment")}
        for s in result.without_attachment
    ]
    rows_table(tr(language, "未保存（已列出）", "Not saved (listed)"), skipped)
    _bounces_table(result, language)
    summary_table(
        tr(language, "收取结果", "Fetch summary"),
        [
            (tr(language, "邮件", "messages"), result.messages),
            (tr(language, "已保存", "saved"), len(result.saved)),
            (tr(language, "重复", "duplicates"), len(result.duplicates)),
            (tr(language, "忽略", "ignored"), len(result.ignored) + len(result.without_attachment)),
            (tr(language, "退信", "bounces"), len(result.bounces)),
        ],
    )
    if collected is not None:
        problems_table(collected.report, language)
        finish(collected, tr(language, "回收结果", "Collect summary"), False, collected.exit_code)


def _bounces_table(result: Any, lang: Lang) -> None:
    """Messages that came back undelivered: the address to correct in the roster, or a delay."""
    rows = [
        {
            "rater": b.rater_id,
            "email": b.address,
            "status": b.status,
            "kind": tr(lang, "地址无效", "address failed")
            if b.permanent
            else tr(lang, "延迟（服务器重试）", "delayed (server retries)"),
            "reason": b.diagnostic,
        }
        for b in result.bounces
    ]
    rows_table(
        tr(
            lang,
            "退信（请在名册中更正邮箱后再发送）",
            "Bounced (correct the address in the roster, then send again)",
        ),
        rows,
    )
    if result.unmatched_bounces:
        out.print(
            tr(
                lang,
                f"另有 {result.unmatched_bounces} 封退信不是 perfsheets 发出的邮件（已标记为已处理）",
                f"{result.unmatched_bounces} more bounce(s) about messages perfsheets did not send (marked processed)",
            )
        )


def _reason(code: str, lang: Lang) -> str:
    if code == "duplicate":
        return tr(lang, "重复（以前已收取）", "duplicate (fetched before)")
    return tr(lang, "不是考核表（只收 .xlsx / .zip）", "not a return (only .xlsx / .zip)")


def _show(result: MailResult, lang: Lang, as_json: bool, title: str) -> None:
    """Counts, then the raters nothing could be sent to; exit 1 when there are any."""
    trouble = bool(result.refused or result.no_email or result.unknown or result.bounced)
    if as_json:
        print_json(result)
        raise typer.Exit(EXIT_PROBLEMS if trouble else EXIT_OK)
    _trouble_tables(result, lang, reports=False)
    rows = [
        (tr(lang, "已发送", "sent"), result.sent),
        (tr(lang, "以前已发送", "sent before"), result.already_sent),
        (tr(lang, "暂不催收（次数或间隔）", "not due (count or interval)"), result.not_due),
        (tr(lang, "拒收", "refused"), len(result.refused)),
        (tr(lang, "无邮箱", "no e-mail"), len(result.no_email)),
        (tr(lang, "邮箱退信", "address bounced"), len(result.bounced)),
    ]
    if result.dry_run:
        rows.append((tr(lang, "写入 outbox/", "written to outbox/"), result.written))
    summary_table(title, rows)
    raise typer.Exit(EXIT_PROBLEMS if trouble else EXIT_OK)


def _trouble_tables(result: Any, lang: Lang, *, reports: bool) -> None:
    """The people nothing could be sent to: refused, without an address, bounced, unknown
    (raters of forms, or managers and employees of reports)."""
    if result.refused:
        rows_table(
            tr(lang, "被服务器拒收", "Refused by the server"),
            [
                {"person" if reports else "rater": r.rater_id, "email": r.address, "reply": r.reply}
                for r in result.refused
            ],
        )
    if result.no_email:
        rows_table(
            tr(lang, "没有邮箱地址的人员（未发送）", "People without an e-mail (not sent)")
            if reports
            else tr(lang, "没有邮箱地址的评价人（未发送）", "Raters without an e-mail (not sent)"),
            [
                {"person" if reports else "rater": u.rater_id, "name": u.name}
                for u in result.no_email
            ],
        )
    if result.bounced:
        rows_table(
            tr(
                lang,
                "邮箱曾退信的人员（未发送；请在名册中更正邮箱）",
                "People whose address bounced (not sent; correct it in the roster)",
            )
            if reports
            else tr(
                lang,
                "邮箱曾退信的评价人（未发送；请在名册中更正邮箱）",
                "Raters whose address bounced (not sent; correct it in the roster)",
            ),
            [
                {
                    "person" if reports else "rater": b.rater_id,
                    "name": b.name,
                    "email": b.address,
                    "reason": b.diagnostic,
                }
                for b in result.bounced
            ],
        )
    if result.unknown:
        lead = (
            tr(lang, "没有要发送的报告：", "no report to send for: ")
            if reports
            else tr(lang, "不在考核表清单中：", "not in the forms index: ")
        )
        out.print(lead + ", ".join(result.unknown))
