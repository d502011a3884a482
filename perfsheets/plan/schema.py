"""Fitting plain plan data to the model: pydantic's errors as located problems HR can act on.

The model (:mod:`perfsheets.core.model`) checks the shape of a plan; :func:`schema_problems`
explains each of its errors in Chinese and English at the value's place in the file, and
:func:`fit_plan` is the step every plan reader ends with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from perfsheets.core.model import Plan
from perfsheets.core.problems import Problem, Report
from perfsheets.plan.excel.sheets import column_words
from perfsheets.plan.problems import SCHEMA
from perfsheets.plan.raw import tidy
from perfsheets.plan.source import LoadedPlan, PathKey, PlanSource, located

_RULE_TAGS = {"linear", "bands", "deduction", "pass_fail", "change_bands"}

# pydantic error type → (Chinese, English) explanation; {ctx keys} are filled in.
_SCHEMA_TEXT: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填项", "a required value is missing"),
    "extra_forbidden": (
        "不认识这一项（拼写错误，或不适用于此处）",
        "unknown field (a typo, or not allowed here)",
    ),
    "literal_error": ("取值必须是 {expected} 之一", "must be one of {expected}"),
    "enum": ("取值必须是 {expected} 之一", "must be one of {expected}"),
    "float_parsing": ("应为数字", "must be a number"),
    "float_type": ("应为数字", "must be a number"),
    "int_parsing": ("应为整数", "must be a whole number"),
    "int_type": ("应为整数", "must be a whole number"),
    "int_from_float": ("应为整数", "must be a whole number"),
    "bool_parsing": ("应为 true/false（是/否）", "must be true or false"),
    "bool_type": ("应为 true/false（是/否）", "must be true or false"),
    "string_type": ("应为文本", "must be text"),
    "date_parsing": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": ("应为日期，不含时间", "must be a date without a time"),
    "date_type": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "list_type": ("应为列表", "must be a list"),
    "dict_type": ("应为映射（键: 值）", "must be a mapping (key: value)"),
    "model_type": ("应为映射（键: 值）", "must be a mapping (key: value)"),
    "model_attributes_type": ("应为映射（键: 值）", "must be a mapping (key: value)"),
    "greater_than": ("应大于 {gt}", "must be greater than {gt}"),
    "greater_than_equal": ("应不小于 {ge}", "must be at least {ge}"),
    "less_than": ("应小于 {lt}", "must be less than {lt}"),
    "less_than_equal": ("应不大于 {le}", "must be at most {le}"),
    "too_short": ("至少需要 {min_length} 项", "needs at least {min_length} item(s)"),
    "too_long": ("最多 {max_length} 项", "allows at most {max_length} item(s)"),
    "union_tag_invalid": (
        "计分规则类型“{tag}”无效，可选：{expected_tags}",
        "scoring rule type '{tag}' is not valid; choose {expected_tags}",
    ),
    "union_tag_not_found": (
        "缺少计分规则类型 type（可选：linear, bands, deduction, pass_fail, change_bands）",
        "the scoring rule needs a type (linear, bands, deduction, pass_fail, change_bands)",
    ),
    "finite_number": ("应为有限的数字", "must be a finite number"),
}


def error_path(loc: Iterable[Any]) -> PathKey:
    """A pydantic error location as a model path (discriminator tags dropped)."""
    parts: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part in _RULE_TAGS and parts and parts[-1] == "rule":
            continue
        parts.append(part if isinstance(part, int) else str(part))
    return tuple(parts)


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 40 else text[:37] + "..."


def schema_problems(exc: ValidationError, source: PlanSource | None = None) -> list[Problem]:
    """One located problem per pydantic error, in Chinese and English."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        path = error_path(err["loc"])
        ctx = {k: v for k, v in (err.get("ctx") or {}).items()}
        zh, en = _SCHEMA_TEXT.get(err["type"], ("格式不正确：" + err["msg"], err["msg"]))
        try:
            zh, en = zh.format(**ctx), en.format(**ctx)
        except (KeyError, IndexError, ValueError):
            zh, en = zh + f"（{err['msg']}）", err["msg"]
        if err["type"] not in ("missing", "extra_forbidden", "union_tag_not_found"):
            zh += f"，实际为 {_shown(err.get('input'))}"
            en += f", got {_shown(err.get('input'))}"
        field_name = next((p for p in reversed(path) if isinstance(p, str)), "")
        problem = located(SCHEMA, source, path, field=field_name, error=err["type"])
        # Name what HR sees: the column header of the plan workbook, else the YAML key.
        words = column_words(problem.sheet, path, field_name) if problem.sheet else None
        if words is not None:
            detail = {"detail": f"“{words[0]}”：{zh}", "detail_en": f"'{words[1]}': {en}"}
        else:
            detail = {"detail": f"{field_name}：{zh}", "detail_en": f"{field_name}: {en}"}
        out.append(replace(problem, params={**problem.params, **detail}))
    return _without_missing_column_echoes(out, source)


def _without_missing_column_echoes(
    problems: list[Problem], source: PlanSource | None
) -> list[Problem]:
    """Drop "missing value" errors of a column already reported missing from its sheet: one
    problem for a deleted column, not one per row."""
    gone = source.missing_columns if source is not None else set()
    if not gone:
        return problems
    return [
        p
        for p in problems
        if not (p.params.get("error") == "missing" and (p.sheet, p.params.get("field")) in gone)
    ]


def fit_plan(data: Any, source: PlanSource, report: Report) -> LoadedPlan:
    """The plan in plain data read from a file (None when unusable); schema problems join
    ``report``."""
    if data is None:
        return LoadedPlan(None, source, report)
    data, problems = tidy(data, source)
    report.extend(problems)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        report.extend(schema_problems(exc, source))
        return LoadedPlan(None, source, report, data)
    return LoadedPlan(plan, source, report)
