"""The flags a result can carry, in words: one catalogue for every output that shows them."""

from __future__ import annotations

from perfsheets.core.model import Lang

FLAG_TEXT: dict[str, tuple[str, str]] = {
    "incomplete": ("结果不完整（不评等级）", "Incomplete (no grade)"),
    "missing_type": ("缺少必需的评价人", "Required rater type missing"),
    "missing_actual": ("缺少 KPI 实际值", "KPI actual missing"),
    "kpi_not_scored": ("KPI 无法计分（如目标为 0）", "KPI cannot be scored (e.g. zero target)"),
    "missing_rating": ("有项目无人评分", "Item without ratings"),
    "high_disagreement": ("评价分歧较大", "High disagreement"),
    "moved_by_quota": ("因强制分布调整等级", "Grade moved by quota"),
    "vetoed": ("一票否决（等级不按得分）", "Veto (grade set regardless of the score)"),
    "blind_spot": ("盲点（自评明显高于他评）", "Blind spot (self well above others)"),
    "hidden_strength": ("潜在优势（自评明显低于他评）", "Hidden strength (self well below others)"),
    "target_changed": ("考核期内目标已调整", "Target changed during the cycle"),
    "appeal_open": ("申诉处理中", "Appeal open"),
    "appeal_decided": ("申诉已处理", "Appeal decided"),
    "calibrated": ("校准会调整了等级", "Grade changed at calibration"),
    "quota_exceeded": (
        "校准后超出分布比例（计划允许）",
        "Quota exceeded at calibration (plan allows)",
    ),
    "promotion_candidate": ("晋升候选（连续最高等级）", "Promotion candidate (top grade running)"),
}


def flag_text(code: str, lang: Lang) -> str:
    """A flag code in the output's language (the code itself if it is not in the catalogue)."""
    zh, en = FLAG_TEXT.get(code, (code, code))
    return en if lang == "en" else zh
