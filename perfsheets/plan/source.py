"""Where a plan came from: the file, and where each of its values sits in it.

A model path (``("roles", 2, "kpis", 0, "weight")``) is how every problem of a plan is placed;
:class:`PlanSource` turns it into a YAML line (``plan.yaml:45``) or a sheet and cell of the plan
workbook, so HR sees where to fix it. :class:`LoadedPlan` is a plan file read as far as it goes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from perfsheets.core.model import Plan
from perfsheets.core.problems import Problem, ProblemType, Report
from perfsheets.plan.problems import PlanError

PathKey = tuple[str | int, ...]


@dataclass
class PlanSource:
    """The file a plan was read from and where each of its values sits in that file.

    For an Excel plan workbook, ``cells`` maps a model path such as ``("roles", 2, "weights")``
    to a sheet and cell (or range), and ``rows`` maps the path of each item read from a table
    row to its sheet and a mapping {field key: cell} (``"@row"`` gives the row's first cell), so
    ``("roles", 2, "kpis", 0, "weight")`` finds its cell without a map entry per cell. For YAML
    the path itself is the location, with the line number looked up (lazily, only when a
    problem is reported) from ``text``.
    """

    file: str = ""
    kind: str = "model"  # "yaml" | "excel" | "model" (built in memory)
    cells: dict[PathKey, tuple[str, str]] = field(default_factory=dict)
    rows: dict[PathKey, tuple[str, Mapping[str, str]]] = field(default_factory=dict)
    missing_columns: set[tuple[str, str]] = field(default_factory=set)  # (sheet, field key)
    text: str | None = None
    _lines: dict[PathKey, int] | None = field(default=None, repr=False)
    _blocks: dict[str, tuple[int, str]] = field(default_factory=dict, repr=False)

    def locate(self, path: PathKey) -> tuple[str, str, str]:
        """(file, sheet, cell) of a model path, falling back to the nearest enclosing value."""
        if self.kind == "excel":
            return self._locate_cell(path)
        file = self.file
        line = self.line_of(path)
        if file and line:
            file = f"{file}:{line}"
        return file, "", format_path(path)

    def _locate_cell(self, path: PathKey) -> tuple[str, str, str]:
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            hit = self.cells.get(prefix)
            if hit is not None:
                return self.file, hit[0], hit[1]
            row = self.rows.get(prefix)
            if row is not None:
                sheet, where = row
                rest = [str(p) for p in path[end:]]
                for k in range(len(rest), 0, -1):
                    key = ".".join(rest[:k])
                    if key in where:
                        return self.file, sheet, where[key]
                return self.file, sheet, where["@row"]
        return self.file, "", format_path(path)

    def line_of(self, path: PathKey) -> int | None:
        """The YAML line of a model path (or of its nearest enclosing value)."""
        if self.kind != "yaml" or self.text is None:
            return None
        if self._lines is None:
            self._lines = {}
            self._blocks = _top_level_blocks(self.text)
        lines = self._lines
        section = str(path[0]) if path else ""
        if section in self._blocks:  # map one top-level section at a time: roster is huge
            offset, block = self._blocks.pop(section)
            for key, line in yaml_line_map(block).items():
                lines.setdefault(key, line + offset)
        for end in range(len(path), -1, -1):
            found = lines.get(path[:end])
            if found is not None:
                return found
        return None


def format_path(path: PathKey) -> str:
    """``("roles", 2, "kpis", 0, "weight")`` → ``roles[2].kpis[0].weight``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def located(ptype: ProblemType, source: PlanSource | None, path: PathKey, **params: Any) -> Problem:
    """A problem of ``ptype`` placed at a model path (in ``source`` when there is one)."""
    if source is None:
        return ptype(cell=format_path(path), **params)
    file, sheet, cell = source.locate(path)
    return ptype(file=file, sheet=sheet, cell=cell, **params)


@dataclass
class LoadedPlan:
    """A plan file read as far as possible: the plan (None when it does not fit the model),
    where its values came from, and the problems found while reading it."""

    plan: Plan | None
    source: PlanSource
    report: Report
    data: Any = None  # the plain data read, kept when it does not fit the model (partial check)

    def plan_or_raise(self, path: str | Path) -> Plan:
        """The plan; :class:`PlanError` naming the first problem when there is any error."""
        if self.plan is not None and self.report.valid:
            return self.plan
        errors = self.report.errors
        first = f": {errors[0].location()} {errors[0].message('en')}" if errors else ""
        raise PlanError(
            f"{path}: the plan has {len(errors)} problem(s){first} "
            "(run 'perfsheets check' for the full list)",
            self.report,
        )


# --- YAML line numbers ------------------------------------------------------------------------

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):", re.MULTILINE)


def _top_level_blocks(text: str) -> dict[str, tuple[int, str]]:
    """Each top-level key's text and the number of lines before it."""
    starts = [(m.start(), m.group(1)) for m in _TOP_KEY.finditer(text)]
    blocks: dict[str, tuple[int, str]] = {}
    for i, (start, key) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        blocks[key] = (text.count("\n", 0, start), text[start:end])
    return blocks


def yaml_line_map(text: str) -> dict[PathKey, int]:
    """Line number (1-based) of every mapping key and list item of a YAML document."""
    lines: dict[PathKey, int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return lines
    stack: list[tuple[yaml.Node, PathKey]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                sub = (*path, key_node.value)
                lines[sub] = key_node.start_mark.line + 1
                stack.append((value_node, sub))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((item, (*path, i)))
    return lines
