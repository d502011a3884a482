"""The README's architecture section names every package there is, and only those."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _architecture() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Architecture\n", 1)[1].split("\n## ", 1)[0]


def test_every_package_is_named_in_the_architecture_section():
    section = _architecture()
    packages = sorted(p.parent.name for p in (ROOT / "perfsheets").glob("*/__init__.py"))
    assert packages, "no packages found"
    assert [p for p in packages if f"`perfsheets/{p}/`" not in section] == []


def test_every_package_named_there_exists():
    named = set(re.findall(r"`perfsheets/(\w+)/`", _architecture()))
    assert (
        named
        and {n for n in named if not (ROOT / "perfsheets" / n / "__init__.py").is_file()} == set()
    )


def test_the_layers_contract_lists_the_same_stages():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    layered = set(re.findall(r"perfsheets\.(\w+)", pyproject.split("[tool.importlinter]", 1)[1]))
    packages = {p.parent.name for p in (ROOT / "perfsheets").glob("*/__init__.py")}
    assert packages <= layered
