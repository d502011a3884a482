"""Scores equal Excel's ROUND of the form's formula and a hand calculation: exact decimals."""

from __future__ import annotations

from perfsheets.core.model import Kpi
from perfsheets.core.rules import Band, BandsRule, ChangeBandsRule, LinearRule
from perfsheets.core.scoring import (
    kpi_score,
    largest_remainder,
    round_half_up,
    trimmed_mean,
    weighted_mean,
    weighted_sum,
)


def _kpi(rule, **kw) -> Kpi:
    return Kpi(code="K1", name="指标", weight=100, target=80, rule=rule, **kw)


def test_an_exact_half_rounds_up_as_excel_does():
    # 84.5 / 80 * 100 = 105.625 exactly; the float is 105.62499999999999.
    assert 84.5 / 80 * 100 < 105.625
    assert kpi_score(_kpi(LinearRule(cap=1.5)), 84.5) == 105.63


def test_a_weighted_total_of_exactly_n_point_5_hundredths_rounds_up():
    # (74.35*50 + 74.42*50) / 100 = 74.385 exactly -> 74.39 (in floats 74.38499999999999)
    assert round_half_up(weighted_sum([(74.35, 50), (74.42, 50)])) == 74.39
    assert round_half_up(weighted_mean([(74.35, 1), (74.42, 1)])) == 74.39
    assert round_half_up(trimmed_mean([3.25, 3.3])) == 3.28  # 3.275


def test_round_half_up_differs_from_pythons_round():
    assert round(3.275, 2) == 3.27 and round_half_up(3.275) == 3.28
    assert round_half_up(81.955) == 81.96 and round_half_up(-2.5, 0) == -3


def test_equal_remainders_go_by_the_stated_order():
    # 30/30/30/5/5 of 32: every remainder is exactly 0.6 (0.3*32 - 9 is 0.5999... in floats)
    assert largest_remainder([0.3, 0.3, 0.3, 0.05, 0.05], 32) == [10, 10, 10, 1, 1]


def test_a_typed_value_is_compared_with_a_band_as_typed():
    rule = BandsRule(on="value", bands=[Band(min=95, score=100), Band(min=90, score=80)])
    kpi = _kpi(rule)
    assert kpi_score(kpi, 95) == 100
    assert kpi_score(kpi, 94.99999999999) == 80


def test_a_computed_change_rate_on_a_boundary_reaches_its_band():
    # (13.2 - 12) / 12 is exactly 10% growth (0.0999999... in floats)
    rule = ChangeBandsRule(bands=[Band(min=0.1, score=100), Band(min=0, score=60)])
    kpi = Kpi(code="K2", name="增长", weight=100, baseline=12, rule=rule)
    assert kpi_score(kpi, 13.2) == 100


def test_quota_wording_says_what_the_quota_is():
    from perfsheets.core.quotas import quota_kinds, quota_text

    assert quota_kinds([0.1, 0.2, None, None, None]) == ["max", "max", None, None, None]
    assert quota_kinds([0.1, None, None, 0.05, None], [None, None, None, "min", None]) == [
        "max",
        None,
        None,
        "min",
        None,
    ]
    assert quota_text(0.1, "max", "zh-CN") == "上限 10%"
    assert quota_text(0.05, "min", "en") == "at least 5%"
    assert quota_text(0.2, "exact", "zh-CN") == "固定比例 20%"
    assert quota_text(None, None, "en") == "—"


def test_file_parts_drop_invisible_characters_and_fit_the_byte_limit():
    from perfsheets.core.cells import file_part
    from perfsheets.forms.jobs import file_name
    from perfsheets.report.assets import safe_file_part

    # a right-to-left override would make the name read as another file type
    assert file_part("E0013_\u202egpj.exe") == "E0013_gpj.exe"
    assert file_part("a/b\\c:d\x00e") == "a_b_c_d_e"
    assert safe_file_part("李娜") == "李娜"  # ordinary names are kept as they are
    long_name = "欧阳" * 60  # 120 CJK characters = 360 bytes
    name = file_name("2026Q4", "E0001", long_name)
    assert len(name.encode("utf-8")) <= 255 and name.endswith(".xlsx")
    assert name.startswith("2026Q4_E0001_欧阳")
    assert len(safe_file_part(long_name).encode("utf-8")) <= 120
