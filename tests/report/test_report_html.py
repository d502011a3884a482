"""The expat fast path builds the tree WeasyPrint's own HTML5 parser would, and the same PDF;
perfsheets' lean user-agent stylesheet prints the same pages as WeasyPrint's own."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import tinyhtml5
from plan_support import make_small_plan
from test_report import HOSTILE, employee_result, team_results

from perfsheets.core.results import Comment, CommentGroup
from perfsheets.report.assets import make_url_fetcher, require_cjk_font, template_dirs
from perfsheets.report.jobs import Job, plan_jobs
from perfsheets.report.render import Renderer, RenderSetup
from perfsheets.report.xhtml import html_document, parse_tree


def _signature(root) -> list[tuple]:
    """Every element with its attributes and text, ignoring whitespace-only differences."""
    return [
        (e.tag, dict(e.attrib), (e.text or "").strip(), (e.tail or "").strip())
        for e in root.iter()
        if isinstance(e.tag, str)
    ]


@pytest.fixture(scope="module")
def renderer_and_jobs():
    plan = make_small_plan()
    results = team_results(plan)
    hostile = employee_result(
        plan,
        "E004",
        comments=[CommentGroup(rater_type="manager", comments=[Comment(field="x", text=HOSTILE)])],
    )
    results.append(hostile)
    jobs, _ = plan_jobs(results, results, Path("out"), manager_packs=True, hr_summary=True)
    setup = RenderSetup(plan, "zh-CN", template_dirs(), require_cjk_font(), None, dt.date.today())
    return Renderer(setup), jobs


def test_every_template_gives_the_html5_parsers_tree(renderer_and_jobs):
    renderer, jobs = renderer_and_jobs
    assert any(j.hr is not None for j in jobs) and any(j.overview for j in jobs)
    for job in jobs:
        markup = renderer.html(job)
        fast = parse_tree(markup)
        assert fast is not None, "perfsheets' templates must stay well-formed XHTML"
        assert _signature(fast) == _signature(
            tinyhtml5.parse(markup, namespace_html_elements=False)
        )


def test_rows_directly_in_a_table_get_a_tbody():
    root = parse_tree(
        "<!DOCTYPE html><html><body><table><tr><td>1</td></tr><tr><td>2</td></tr>"
        "<thead><tr><th>h</th></tr></thead><tr><td>3</td></tr></table></body></html>"
    )
    assert root is not None
    table = root.find("body/table")
    assert [c.tag for c in table] == ["tbody", "thead", "tbody"]
    assert [len(c) for c in table] == [2, 1, 1]


@pytest.mark.parametrize(
    "markup",
    [
        "<html><body><p>unclosed<br></body></html>",  # HTML, not XML
        '<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',  # namespaced XHTML
        "<div>a fragment</div>",
        "<html><body>&nbsp;</body></html>",  # an HTML entity XML does not know
    ],
)
def test_markup_that_is_not_our_xhtml_goes_to_weasyprints_parser(markup):
    assert parse_tree(markup) is None
    document = html_document(markup, "file:///nowhere/", make_url_fetcher([]))
    assert document.render().pages  # still renders, through tinyhtml5


@pytest.mark.slow
def test_fast_and_html5_paths_print_the_same_pdf_text(renderer_and_jobs):
    from weasyprint import HTML

    renderer, jobs = renderer_and_jobs
    job = next(j for j in jobs if j.employees and any(r.employee_id == "E004" for r in j.employees))
    markup = renderer.html(job)
    base = renderer.setup.dirs[0].as_uri() + "/"
    fast = html_document(markup, base, renderer.fetcher, lean_ua=False)
    slow = HTML(string=markup, base_url=base, url_fetcher=renderer.fetcher)
    assert type(fast) is type(slow)
    docs = [
        d.render(stylesheets=renderer.stylesheets, font_config=renderer.font_config)
        for d in (fast, slow)
    ]
    assert len(docs[0].pages) == len(docs[1].pages)
    texts = [_pdf_text(d.write_pdf()) for d in docs]
    assert texts[0] == texts[1]
    assert "<imgsrc=file:///etc/passwd>" in "".join(texts[0].split())  # escaped: text on both


def test_a_job_renders_through_the_fast_path(renderer_and_jobs, monkeypatch, tmp_path):
    import weasyprint

    renderer, jobs = renderer_and_jobs
    calls = []
    monkeypatch.setattr(weasyprint.HTML, "__init__", lambda *a, **k: calls.append(a))
    job = next(j for j in jobs if j.employees)
    out = renderer.render(Job(job.employees[:1], [tmp_path / "a.pdf"]))
    assert out.employees == 1 and (tmp_path / "a.pdf").stat().st_size > 10_000
    assert calls == []  # WeasyPrint's parser was never asked


@pytest.mark.slow
@pytest.mark.requires_poppler
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_lean_user_agent_stylesheet_prints_the_same_pages(renderer_and_jobs, lang, tmp_path):
    """Every template (report, manager pack, HR summary) rendered with perfsheets' user-agent
    stylesheet and with WeasyPrint's gives the same pixels on every page."""
    from perfsheets.report.xhtml import report_html_class

    renderer, jobs = renderer_and_jobs
    setup = RenderSetup(
        renderer.setup.plan,
        lang,
        renderer.setup.dirs,
        renderer.setup.font,
        None,
        renderer.setup.today,
    )
    renderer = Renderer(setup)
    base = setup.dirs[0].as_uri() + "/"
    for k, job in enumerate(jobs):
        markup = renderer.html(job)
        pages = []
        for lean in (True, False):
            html = html_document(markup, base, renderer.fetcher, lean_ua=lean)
            assert isinstance(html, report_html_class()) is lean
            pdf = html.render(stylesheets=renderer.stylesheets, font_config=renderer.font_config)
            path = tmp_path / f"{k}-{lean}.pdf"
            path.write_bytes(pdf.write_pdf())
            subprocess.run(
                ["pdftoppm", "-r", "50", "-png", str(path), str(path.with_suffix(""))], check=True
            )
            pages.append([p.read_bytes() for p in sorted(tmp_path.glob(f"{k}-{lean}-*.png"))])
        assert len(pages[0]) == len(pages[1]) > 0
        assert pages[0] == pages[1], f"job {k} prints differently with the lean UA stylesheet"


def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
