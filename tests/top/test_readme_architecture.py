"""The README's architecture section names every package there is, and only those; the paths the
README names exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _architecture() -> str:
    return README.split("## Architecture\n", 1)[1].split("\n## ", 1)[0]


def _packages() -> set[str]:
    """Every package below perfsheets/ (a folder with __init__.py), as 'plan' or 'plan/excel'."""
    package = ROOT / "perfsheets"
    return {p.parent.relative_to(package).as_posix() for p in package.glob("*/**/__init__.py")}


def test_every_package_is_named_in_the_architecture_section():
    section = _architecture()
    assert _packages(), "no packages found"
    assert sorted(p for p in _packages() if f"`perfsheets/{p}/`" not in section) == []


def test_every_package_named_there_exists():
    named = set(re.findall(r"`perfsheets/([\w/]+)/`", _architecture()))
    assert named & _packages()
    # Any other folder named is a data folder of a package (templates, data), not a lost package.
    others = [ROOT / "perfsheets" / n for n in named - _packages()]
    assert [p for p in others if not p.is_dir() or list(p.glob("*.py"))] == []


def test_the_section_states_the_contract_ci_checks():
    section = _architecture()
    for words in ["lint-imports", "mypy", "the only package with SQL", "Problems are data"]:
        assert words in section, words


def test_the_layers_contract_lists_the_same_stages():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    layered = set(re.findall(r"perfsheets\.(\w+)", pyproject.split("[tool.importlinter]", 1)[1]))
    top_level = {p for p in _packages() if "/" not in p}
    assert top_level and top_level <= layered


def _brace_expanded(path: str) -> list[str]:
    """`bench_{plan,report}.py` -> [`bench_plan.py`, `bench_report.py`]."""
    found = re.search(r"\{([^}]*)\}", path)
    if not found:
        return [path]
    return [
        expanded
        for choice in found.group(1).split(",")
        for expanded in _brace_expanded(path[: found.start()] + choice + path[found.end() :])
    ]


def test_every_path_the_readme_names_exists():
    roots = "perfsheets|templates|scripts|tests|benchmarks|workbooks|\\.ci"
    quoted = re.findall(rf"`((?:{roots})/[^`\s<>]*)`", README)
    bare = re.findall(rf"(?<![\w/`.-])((?:{roots})/[\w./-]*\w)", README)
    paths = [p for path in {*quoted, *bare} for p in _brace_expanded(path)]
    assert len(paths) > 10
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []
