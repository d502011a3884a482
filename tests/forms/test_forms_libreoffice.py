"""Forms in a real spreadsheet program: LibreOffice recalculates them and renders them."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from perfsheets.core import layout
from perfsheets.core.model import Adjustment, Kpi
from perfsheets.core.rules import (
    Band,
    BandsRule,
    ChangeBandsRule,
    DeductionRule,
    LinearRule,
    PassFailRule,
    ThresholdRule,
)
from perfsheets.forms.generate import generate_forms
from perfsheets.forms.jobs import plan_jobs
from perfsheets.forms.template import SheetFill
from perfsheets.forms.writer import FormWriter

pytestmark = [
    pytest.mark.requires_soffice,
]

# Always recalculate on load: otherwise LibreOffice keeps the cached results it finds.
RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice(tmp_path: Path, fmt: str, files: list[Path], outdir: Path) -> None:
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_PROFILE)
    cmd = [
        "soffice",
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    for f in files:
        assert (outdir / f"{f.stem}.{fmt}").exists(), done.stdout + done.stderr


def every_rule_plan(small_plan):
    """The sales role with one KPI per scoring rule and direction."""
    bands = [Band(min=1.0, score=100), Band(min=0.9, score=85), Band(min=0.8, score=70)]
    kpis = [
        Kpi(code="L1", name="销售额", target=100, weight=10, rule=LinearRule(cap=1.2)),
        Kpi(
            code="L2",
            name="不良率",
            target=0.3,
            weight=10,
            direction="lower",
            rule=LinearRule(floor=0.5, cap=1.5),
        ),
        Kpi(code="B1", name="回款率", target=95, weight=10, rule=BandsRule(bands=bands)),
        Kpi(
            code="T1",
            name="签约额",
            target=100,
            weight=5,
            rule=ThresholdRule(threshold=0.8, stretch=1.2),
        ),
        Kpi(
            code="T2",
            name="费用",
            target=20,
            weight=5,
            direction="lower",
            rule=ThresholdRule(threshold=1.1, stretch=0.9, threshold_score=50, below=10),
        ),
        Kpi(
            code="B2",
            name="响应时长",
            unit="小时",
            weight=10,
            direction="lower",
            rule=BandsRule(
                on="value", bands=[Band(min=24, score=100), Band(min=48, score=80)], otherwise=50
            ),
        ),
        Kpi(
            code="B3",
            name="交付周期",
            target=20,
            weight=10,
            direction="lower",
            rule=BandsRule(bands=bands, otherwise=40),
        ),
        Kpi(code="D1", name="安全事故", weight=10, rule=DeductionRule(per_unit=7.5, floor=10)),
        Kpi(code="P1", name="审计通过", target=1, weight=10, rule=PassFailRule()),
        Kpi(
            code="C1",
            name="利润增长",
            baseline=200,
            weight=10,
            rule=ChangeBandsRule(
                bands=[Band(min=0.1, score=100), Band(min=0.05, score=80), Band(min=0, score=60)]
            ),
        ),
        Kpi(
            code="C2",
            name="成本下降",
            baseline=50,
            weight=10,
            direction="lower",
            rule=ChangeBandsRule(bands=[Band(min=0.05, score=100), Band(min=0, score=70)]),
        ),
    ]
    adjustments = [  # 加减分项: capped per item and in all, a fraction per unit
        Adjustment(code="J1", name="发明专利", points_per_unit=2, cap=6),
        Adjustment(code="J2", name="论文", unit="篇", points_per_unit=1.25),
        Adjustment(code="K1", name="投诉升级", unit="次", points_per_unit=-5, cap=15),
        Adjustment(code="K2", name="迟交", unit="次", points_per_unit=-0.35),
    ]
    sales = small_plan.roles[0].model_copy(
        update={"kpis": kpis, "adjustments": adjustments, "bonus_cap": 8, "penalty_cap": 18}
    )
    na = small_plan.aggregation.model_copy(update={"allow_na": True})  # 无法评价 on the forms
    return small_plan.model_copy(update={"roles": [sales, small_plan.roles[1]], "aggregation": na})


EDGE = [0, -1, 0.3, 0.2, 0.6, 1, 19, 20, 24, 24.5, 48, 49, 95, 85.5, 76, 100, 120, 180, 81.955]


def random_filler(job, sheet, tpl):
    """Inputs covering band edges, zero, negatives, half-way roundings, blanks and text."""
    rng = random.Random(f"{job.form_id}/{sheet.name}")
    values: dict[str, object] = {}
    for kpi in tpl.kpis:
        v = sheet.kpis[kpi.code]
        pick = rng.random()
        if pick < 0.45:
            ref = v.target or v.baseline or 10
            values[f"kpi:{kpi.code}"] = round(ref * rng.uniform(0.5, 1.4), rng.choice((0, 1, 3)))
        elif pick < 0.9:
            values[f"kpi:{kpi.code}"] = rng.choice(EDGE)
        elif pick < 0.95:
            values[f"kpi:{kpi.code}"] = "约95"
    for task, scale in tpl.tasks:
        values[f"task:{task.code}"] = rng.choice([*scale.values, None, "无法评价"])
    for comp, _, scale in tpl.competencies:
        choices = [*scale.values, *scale.values, None, 7, "无法评价"]
        values[f"competency:{comp.code}"] = rng.choice(choices)
    for adj in tpl.adjustments:  # over the item caps and the totals' caps, blanks, text
        values[f"adjustment:{adj.code}"] = rng.choice([0, 1, 2, 3, 4, 5, 9, 13, None, "两次"])
    return SheetFill(values=values)


def score_cells(path: Path) -> dict[tuple[str, str], object]:
    """(sheet, key) -> value of the score column (and the live total) of every sheet."""
    book = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in book.sheet_names:
        if name == layout.META_SHEET:
            continue
        rows = book.get_sheet_by_name(name).to_python()
        for row in rows:
            key = row[0] if row else ""
            kinds = ("kpi:", "task:", "competency:", "adjustment:", "score:")
            if isinstance(key, str) and key.startswith(kinds):
                out[(name, key)] = row[10]
        if (name, layout.TOTAL_KEY) in out:
            out[(name, "live")] = rows[4][3]  # the live total near the top (D5)
    return out


@pytest.mark.slow
def test_libreoffice_recalculation_equals_perfsheets_scores(tmp_path, small_plan):
    plan = every_rule_plan(small_plan)
    _, jobs = plan_jobs(plan, generation="t", plan_version=1, plan_digest="d", generated_at="t")
    written = tmp_path / "written"
    written.mkdir()
    writer = FormWriter(plan, written, random_filler)
    files = [written / writer.write(job).file for job in jobs]

    # openpyxl drops every cached result, so what LibreOffice shows it must have computed
    bare = tmp_path / "bare"
    bare.mkdir()
    for f in files:
        openpyxl.load_workbook(f).save(bare / f.name)
    recalculated = tmp_path / "recalculated"
    soffice(tmp_path, "xlsx", [bare / f.name for f in files], recalculated)

    compared = scored = 0
    for f in files:
        ours, theirs = score_cells(f), score_cells(recalculated / f.name)
        assert ours.keys() == theirs.keys()
        for key, value in ours.items():
            other = theirs[key]
            if value == "":
                assert other in ("", None), key
            else:
                assert isinstance(other, float) and other == value, (f.name, key, value, other)
                scored += 1
            compared += 1
    assert compared > 250 and scored > 200
    adjusted = [k for f in files for k in score_cells(f) if k[1].startswith("adjustment:")]
    assert len(adjusted) >= 8  # the managers' sheets of the sales role


@pytest.mark.slow
def test_form_opens_and_prints_in_libreoffice(tmp_path, small_plan):
    result = generate_forms(tmp_path / "ws", plan=small_plan, workers=1)
    form = result.files[0]
    soffice(tmp_path, "pdf", [form], tmp_path)
    pdf = tmp_path / f"{form.stem}.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "绩效考核表" in text and "李娜（E002）" in text and "填写说明" in text
    assert "评分标准" in text and "第 1 页" in text
    assert "kpi:S01" not in text and "@columns" not in text  # the key column stays hidden
