"""The building blocks of the plan workbook's layout: a column, a sheet, drop-down choices shown
in the plan's language and read back as codes. :mod:`perfsheets.plan.excel.sheets` lists the
sheets themselves."""

from __future__ import annotations

from dataclasses import dataclass

from perfsheets.core.model import Lang

# --- the layout -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    key: str  # field key; dotted for nested values ("weights.kpi", "rule.cap")
    zh: str
    en: str
    kind: str = "str"  # str | num | int | bool | date | list | lines | bands
    width: int = 14
    choices: tuple[str, ...] = ()
    ref: str | None = None  # drop-down from another sheet's first column
    required: bool = False
    note_zh: str = ""
    note_en: str = ""

    def label(self, lang: Lang) -> str:
        text = self.en if lang == "en" else self.zh
        return text + ("*" if self.required else "")


@dataclass(frozen=True)
class SheetSpec:
    key: str
    zh: str
    en: str
    cols: tuple[Col, ...]
    required: bool = False

    def title(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh


# Words for the codes a drop-down offers, in the workbook's language: HR picks 越高越好, the
# plan stores "higher". Reading accepts the code or either language's word.
CHOICE_WORDS: dict[str, tuple[str, str]] = {
    "higher": ("越高越好", "Higher is better"),
    "lower": ("越低越好", "Lower is better"),
    "rater": ("评价人填写", "Entered by raters"),
    "import": ("系统导入", "Imported"),
    "linear": ("按完成率线性计分", "Linear on completion"),
    "bands": ("分档计分", "Bands"),
    "deduction": ("扣分制", "Deduction"),
    "pass_fail": ("达标/未达标", "Pass / fail"),
    "change_bands": ("按变化率分档", "Bands on change"),
    "threshold": ("门槛值/目标值/挑战值", "Threshold / target / stretch"),
    "exclude": ("不参加考核", "Not assessed"),
    "include": ("参加考核", "Assessed"),
    "pro_rata": ("奖金按在职时间折算", "Bonus pro-rata"),
    "full": ("按整期考核", "As a whole period"),
    "ratio": ("按完成率", "On completion rate"),
    "value": ("按实际值", "On the actual value"),
    "max": ("最多", "At most"),
    "min": ("至少", "At least"),
    "exact": ("恰好", "Exactly"),
    "month": ("月度", "Month"),
    "quarter": ("季度", "Quarter"),
    "half-year": ("半年度", "Half-year"),
    "year": ("年度", "Year"),
    "company": ("公司", "Company"),
    "department": ("部门", "Department"),
    "role": ("岗位", "Role"),
    "all": ("全公司", "Whole company"),
    "favour_employee": ("同分者都取较好等级", "Ties keep the better grade"),
    "employee_id": ("按工号排序", "By employee id"),
    "self": ("自评", "Self"),
    "manager": ("上级", "Manager"),
    "peer": ("同事", "Peer"),
    "subordinate": ("下属", "Direct report"),
    "customer": ("客户", "Customer"),
    "zh-CN": ("中文", "Chinese"),
    "en": ("英文", "English"),
}


def choice_label(code: str, lang: Lang) -> str:
    """The word a drop-down shows for a code (the code itself when it has none)."""
    words = CHOICE_WORDS.get(code)
    if words is None:
        return code
    return words[1] if lang == "en" else words[0]


def choice_code(text: str, choices: tuple[str, ...]) -> str:
    """The code a cell names, by its code or its word in either language; else the text as
    typed, for the schema to report."""
    wanted = text.strip().casefold()
    for code in choices:
        words = CHOICE_WORDS.get(code, (code, code))
        if wanted in (code.casefold(), words[0].casefold(), words[1].casefold()):
            return code
    return text


RATER_IDS = ("self", "manager", "peer", "subordinate", "customer")
RULE_TYPES = ("linear", "bands", "deduction", "pass_fail", "change_bands", "threshold")
BOOL = ("TRUE", "FALSE")
# Parameters of each scoring rule (the rule columns of the KPI sheet).
RULE_PARAMS = {
    "linear": ("floor", "cap"),
    "bands": ("on", "bands", "otherwise"),
    "deduction": ("base", "per_unit", "floor"),
    "pass_fail": ("pass_score", "fail_score"),
    "change_bands": ("bands", "otherwise"),
    "threshold": (
        "threshold",
        "stretch",
        "threshold_score",
        "target_score",
        "stretch_score",
        "below",
    ),
}
