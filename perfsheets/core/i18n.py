"""Words shared by forms, messages and reports, in Simplified Chinese and English.

Module-specific sentences stay next to the code that uses them (with :func:`tr`); only terms used
by several stages live here, so a rater type is called the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from perfsheets.core.base import Lang

K = TypeVar("K", bound=str)

TERMS: dict[str, tuple[str, str]] = {
    # rater types
    "self": ("自评", "Self"),
    "manager": ("上级", "Manager"),
    "peer": ("同事", "Peers"),
    "subordinate": ("下属", "Direct reports"),
    "customer": ("客户", "Customers"),
    # sections
    "kpi": ("关键绩效指标（KPI）", "Key performance indicators (KPI)"),
    "task": ("重点工作（GS）", "Key tasks"),
    "competency": ("能力与态度", "Competencies and behaviours"),
    "development": ("能力发展", "Development goals"),
    "adjustment": ("加减分项", "Bonus and penalty points"),
    # comment fields
    "strengths": ("主要优点", "Strengths"),
    "improvements": ("待改进之处", "What to improve"),
    "summary": ("个人工作总结", "Summary of my work"),
    "development_goal": ("个人发展目标", "My development goal"),
    # common column heads
    "code": ("编号", "Code"),
    "name": ("名称", "Name"),
    "weight": ("权重", "Weight"),
    "target": ("目标值", "Target"),
    "actual": ("实际值", "Actual"),
    "baseline": ("基期值", "Baseline"),
    "score": ("得分", "Score"),
    "rating": ("评分", "Rating"),
    "count": ("次数", "Count"),
    "points_per_unit": ("每单位分值", "Points per unit"),
    "cap": ("单项上限", "Item cap"),
    "points": ("加减分", "Points"),
    "total": ("总分", "Total"),
    "grade": ("等级", "Grade"),
    "employee": ("员工", "Employee"),
    "employee_id": ("工号", "Employee ID"),
    "department": ("部门", "Department"),
    "role": ("岗位", "Role"),
    "cycle": ("考核周期", "Appraisal cycle"),
    "due": ("截止日期", "Due date"),
}


def term(key: str, lang: Lang = "zh-CN") -> str:
    zh, en = TERMS[key]
    return en if lang == "en" else zh


def tr(lang: Lang, zh: str, en: str) -> str:
    """Pick the sentence for the language (module-local strings)."""
    return en if lang == "en" else zh


def choice_word(choices: Mapping[K, tuple[str, str]], key: K, lang: str) -> str:
    """The word for ``key`` of a (zh, en) choice table, in ``lang``."""
    zh, en = choices[key]
    return en if lang == "en" else zh


def parse_choice(choices: Mapping[K, tuple[str, str]], text: str) -> K | None:
    """The key of a choice typed or picked in either language (case and spaces ignored)."""
    folded = "".join(text.split()).casefold()
    for key, words in choices.items():
        if folded in {"".join(w.split()).casefold() for w in words}:
            return key
    return None
