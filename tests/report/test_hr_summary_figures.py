"""The HR summary PDF and results.xlsx give the same department and company figures.

Both take them from perfsheets.core.statistics: score statistics over complete results only,
departments in the plan's order. E003 is rated by themself only (the manager is required), so
their result is incomplete and stays out of 销售部's mean in both outputs.
"""

from __future__ import annotations

import subprocess

import openpyxl
import pytest
from ledger_builder import LedgerBuilder, rate_everyone

from perfsheets.consolidation.run import consolidate
from perfsheets.report.render import render_reports

pytestmark = pytest.mark.requires_poppler


def layout_text(path) -> list[str]:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return [" ".join(line.split()) for line in done.stdout.splitlines() if line.strip()]


@pytest.mark.slow
def test_department_figures_agree_between_results_xlsx_and_the_hr_summary(tmp_path, small_plan):
    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    rate_everyone(lb, {"E001": 4, "E002": 5, "E004": 3, "E005": 4, "E006": 4, "E007": 2})
    lb.rate("E003", "E003", "self", {"task:T1": 5, "competency:C1": 5, "competency:C2": 5})
    out = consolidate(lb.root, previous=[])
    book = openpyxl.load_workbook(out.results_xlsx, read_only=True)
    rows = list(book["部门统计"].iter_rows(min_row=2, values_only=True))
    figures = {r[0]: (r[1], r[2], r[3]) for r in rows if r and r[0] and r[1] is not None}
    assert list(figures) == ["销售部", "行政部", "全公司"]  # the plan's order, then the company
    sales = [r.total_score for r in out.results if r.department == "销售部" and r.complete]
    assert figures["销售部"][:2] == (5, 4) and len(sales) == 4
    assert figures["销售部"][2] == round(sum(sales) / 4 + 1e-9, 2)

    render_reports(lb.root, workers=1, manager_packs=False)
    lines = layout_text(lb.ws.reports / "hr_summary.pdf")
    for dept in ("销售部", "行政部"):
        employees, _complete, mean = figures[dept]
        row = next(line for line in lines if line.startswith(f"{dept} {employees} "))
        assert row.split()[2] == f"{mean:.2f}", row
    company_mean = figures["全公司"][2]
    assert any(f"{company_mean:.2f} /" in line for line in lines)  # the mean / median card
    text = "".join(lines).replace(" ", "")
    assert "平均分、中位数、标准差、最低分和最高分只按完整结果计算" in text
    # training needs: the same competencies, means and counts as results.xlsx's sheet
    needs = [r for r in book["培训需求"].iter_rows(min_row=2, values_only=True) if r and r[1]]
    assert needs and needs[-1][0] == "全公司"
    assert "培训需求" in text
    for scope, rank, _code, name, mean, below, rated in needs:
        want = f"{scope} {rank} {name} {mean:.2f} {below}/{rated}"  # pdftotext drops the spaces
        assert want in lines, (want, [line for line in lines if line.startswith(scope)])
