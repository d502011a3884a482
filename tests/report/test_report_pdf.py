"""The PDFs as documents: outline, page numbers across a pack, metadata; read with pypdf."""

from __future__ import annotations

import pytest
from plan_support import make_small_plan
from pypdf import PdfReader
from test_report import page_texts, team_results, with_name, write_results

from perfsheets.report.render import render_reports

pytestmark = pytest.mark.slow  # every test here renders PDFs


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    small = with_name(make_small_plan(), "E003", "张伟/测试")
    plan = small.model_copy(
        update={"company": small.company.model_copy(update={"name": "示例公司"})}
    )
    ws = write_results(tmp_path_factory.mktemp("ws"), plan, team_results(plan))
    return render_reports(ws.root, plan=plan, workers=1)


def _outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark, in order."""
    out: list[tuple[int, str, int]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return out


def test_a_manager_pack_has_one_bookmark_per_member_and_numbers_pages_across(packs):
    pack = next(p for p in packs.manager_packs if "E001" in p.name)
    reader = PdfReader(pack)
    top = [(title, page) for depth, title, page in _outline(reader) if depth == 0]
    assert top[0] == ("团队绩效概览", 0)
    assert [title for title, _ in top[1:]] == ["李娜（E002）", "张伟/测试（E003）"]
    # each member's bookmark opens their report's first page, sections below it
    texts = page_texts(pack)
    for title, page in top[1:]:
        assert title.split("（")[0] in texts[page] and "绩效面谈报告" in texts[page]
    sections = [t for depth, t, _ in _outline(reader) if depth == 1]
    assert "一、关键绩效指标（KPI）" in sections and "绩效面谈" in sections
    total = len(reader.pages)
    assert all(f"{n}/{total}" in text for n, text in enumerate(texts, start=1))
    # the pack's page numbers are the pack's: a report printed on its own has none
    report = next(p for p in packs.reports if "E002" in p.name)
    assert not any(f"/{total}" in text for text in page_texts(report))


def test_the_overview_shows_grades_before_the_forced_distribution(packs):
    pack = next(p for p in packs.manager_packs if "E006" in p.name)
    overview = page_texts(pack)[0]
    assert "分布前等级最终等级" in overview
    assert "65.20BC*" in overview  # E007: B by score, C after the quota
    assert "按强制分布比例调整后的等级" in overview


def test_every_pdf_has_title_author_language_and_an_outline(packs):
    pdfs = [*packs.reports, *packs.manager_packs, packs.hr_summary]
    for path in pdfs:
        reader = PdfReader(path)
        meta = reader.metadata
        assert meta is not None and meta.author == "示例公司", path
        assert meta.title and "2026年第四季度" in meta.title, path
        assert reader.trailer["/Root"]["/Lang"] == "zh-CN", path
        assert _outline(reader), path
    report = PdfReader(next(p for p in packs.reports if "E002" in p.name))
    assert report.metadata.title == "绩效面谈报告 · 李娜 · 2026年第四季度"
    assert PdfReader(packs.hr_summary).metadata.title.startswith("绩效结果汇总")
    pack = PdfReader(next(p for p in packs.manager_packs if "E001" in p.name))
    assert pack.metadata.title == "团队绩效概览 · 王经理 · 2026年第四季度"
