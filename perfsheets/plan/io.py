"""Reading and writing plans: YAML (the canonical form) and the Excel plan workbook.

Both forms load into the same :class:`~perfsheets.core.model.Plan`, and one converts to the other
without loss. Loading never stops at the first mistake: a plan that does not fit the model is
reported in full (every field, with its YAML path or sheet and cell) through a
:class:`~perfsheets.core.problems.Report` carried by :class:`PlanError`.

The YAML written here is meant to be edited by HR: block style, Chinese as text (not escapes),
keys in the model's order, and defaults left out where they add nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from perfsheets.core.model import Plan
from perfsheets.core.problems import PerfsheetsError, Report
from perfsheets.files.atomic import atomic_write, atomic_write_text
from perfsheets.files.workspace import plan_file

PathKey = tuple[str | int, ...]
YAML_SUFFIXES = (".yaml", ".yml")
EXCEL_SUFFIXES = (".xlsx",)


# --- where each value of a plan came from -----------------------------------------------------


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
        file = self.file
        line = self.line_of(path)
        if file and line:
            file = f"{file}:{line}"
        return file, "", format_path(path)

    def line_of(self, path: PathKey) -> int | None:
        if self.kind != "yaml" or self.text is None:
            return None
        if self._lines is None:
            self._lines = {}
            self._blocks = _top_level_blocks(self.text)
        section = str(path[0]) if path else ""
        if section in self._blocks:  # map one top-level section at a time: roster is huge
            offset, block = self._blocks.pop(section)
            for key, line in yaml_line_map(block).items():
                self._lines.setdefault(key, line + offset)
        for end in range(len(path), -1, -1):
            line = self._lines.get(path[:end])
            if line is not None:
                return line
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


class PlanError(PerfsheetsError):
    """A plan file that cannot be read or does not fit the model; ``report`` lists every problem."""


@dataclass
class LoadedPlan:
    """A plan file read as far as possible: the plan (None when it does not fit the model),
    where its values came from, and the problems found while reading it."""

    plan: Plan | None
    source: PlanSource
    report: Report


# --- public API -------------------------------------------------------------------------------


def load_plan(path: str | Path) -> Plan:
    """The plan in a ``.yaml``/``.yml`` file or an Excel plan workbook (``.xlsx``).

    Raises :class:`PlanError` (a :class:`PerfsheetsError`) with a report of every problem when
    the file cannot be read or does not fit the model. Cross-field rules (weights summing to
    100, reporting lines ...) are checked by :func:`perfsheets.plan.validate.validate_plan`.
    """
    return _plan_or_raise(read_plan(path), path)


def workspace_plan(workspace: str | Path, plan: Plan | None = None) -> Plan:
    """``plan`` when given, else the plan of the workspace (``plan.yaml`` or ``plan.xlsx``).

    The stage functions' ``plan=None`` convention: raises :class:`PlanError` for a plan that
    does not load, and PerfsheetsError when the workspace has no plan file.
    """
    if plan is not None:
        return plan
    return load_plan(plan_file(Path(workspace)))


def _plan_or_raise(loaded: LoadedPlan, path: str | Path) -> Plan:
    if loaded.plan is not None and loaded.report.valid:
        return loaded.plan
    errors = loaded.report.errors
    first = f": {errors[0].location()} {errors[0].message('en')}" if errors else ""
    raise PlanError(
        f"{path}: the plan has {len(errors)} problem(s){first} "
        "(run 'perfsheets check' for the full list)",
        loaded.report,
    )


def read_plan(path: str | Path) -> LoadedPlan:
    """Read a plan file, turning every reading or schema problem into a located Problem."""
    from perfsheets.plan.validate import schema_problems

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES + EXCEL_SUFFIXES:
        raise PerfsheetsError(f"{path}: a plan must be a .yaml, .yml or .xlsx file")
    if not path.is_file():
        raise PerfsheetsError(f"{path}: plan file not found")
    if suffix in EXCEL_SUFFIXES:
        from perfsheets.plan.excel import read_workbook

        data, source, report = read_workbook(path)
    else:
        data, source, report = _read_yaml_file(path)
    if data is None:
        return LoadedPlan(None, source, report)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        report.extend(schema_problems(exc, source))
        return LoadedPlan(None, source, report)
    return LoadedPlan(plan, source, report)


def dump_plan(plan: Plan, path: str | Path) -> Path:
    """Write the plan as YAML or as an Excel plan workbook, chosen by the file suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return atomic_write_text(path, plan_to_yaml(plan), encoding="utf-8")
    if suffix in EXCEL_SUFFIXES:
        from perfsheets.plan.excel import write_workbook

        return atomic_write(path, lambda tmp: write_workbook(plan, tmp))
    raise PerfsheetsError(f"{path}: a plan must be written as .yaml, .yml or .xlsx")


def plan_json(plan: Plan) -> str:
    """Canonical JSON of a plan: what the ledger freezes and digests."""
    return plan.model_dump_json()


# --- YAML -------------------------------------------------------------------------------------


class _Fallback(Exception):
    """The document uses YAML features the fast reader leaves to PyYAML (anchors, tags ...)."""


_NO_KEY = object()
_STR_TAG = "tag:yaml.org,2002:str"
_SCALARS = yaml.constructor.SafeConstructor()


_PLAIN: dict[str, Any] = {}  # plain scalar text -> value (role ids, units, numbers repeat a lot)


def _resolve_plain(value: str) -> Any:
    """A plain scalar as PyYAML's safe loader reads it (YAML 1.1 implicit types)."""
    try:
        return _PLAIN[value]
    except KeyError:
        pass
    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers
    result: Any = value
    for tag, regexp in resolvers.get(value[0] if value else "", []) + resolvers.get(None, []):
        if regexp.match(value):
            if tag != _STR_TAG:
                try:
                    node = yaml.ScalarNode(tag, value)
                    result = _SCALARS.yaml_constructors[tag](_SCALARS, node)
                except ValueError:  # e.g. 2026-13-45: leave the text for the schema to report
                    result = value
            break
    if len(_PLAIN) > 50_000:
        _PLAIN.clear()
    _PLAIN[value] = result
    return result


def _fast_load(text: str) -> tuple[Any, list[tuple[str, int]]]:
    """Plain data of a YAML document built straight from libyaml's events.

    PyYAML's C loader spends most of its time composing node objects (about 2 s for a
    10,000-employee roster); building dicts and lists from the event stream is several times
    faster. Mapping keys stay text (so an unquoted ``on:`` is not read as ``True``), and
    duplicate keys are recorded with their line instead of silently overwritten. Documents with
    anchors, aliases, explicit tags or merge keys raise :class:`_Fallback`.
    """
    E = yaml.events
    scalar, alias, end = E.ScalarEvent, E.AliasEvent, E.StreamEndEvent
    map_start, seq_start = E.MappingStartEvent, E.SequenceStartEvent
    map_end, seq_end, doc_start = E.MappingEndEvent, E.SequenceEndEvent, E.DocumentStartEvent
    duplicates: list[tuple[str, int]] = []
    # Open containers: [container, pending key] (a key of _NO_KEY: a mapping awaiting its next
    # key; None: a sequence).
    stack: list[list[Any]] = []
    root: list[Any] = []
    documents = 0
    parser = yaml.CSafeLoader(text)
    get_event = parser.get_event
    try:
        while True:
            ev = get_event()
            cls = ev.__class__
            if cls is scalar:
                if ev.anchor is not None or ev.tag not in (None, "!"):
                    raise _Fallback
                plain = ev.implicit[0]
                top = stack[-1] if stack else None
                if top is not None and top[1] is _NO_KEY:  # a mapping key
                    key = ev.value
                    if plain and key == "<<":
                        raise _Fallback
                    if key in top[0]:
                        duplicates.append((key, ev.start_mark.line + 1))
                    top[1] = key
                    continue
                value = _resolve_plain(ev.value) if plain else ev.value
            elif cls is map_start or cls is seq_start:
                if ev.anchor is not None or not ev.implicit:
                    raise _Fallback
                if stack and stack[-1][1] is _NO_KEY:
                    raise _Fallback  # a complex (non-scalar) key
                stack.append([{}, _NO_KEY] if cls is map_start else [[], None])
                continue
            elif cls is map_end or cls is seq_end:
                value = stack.pop()[0]
                top = stack[-1] if stack else None
            elif cls is end:
                break
            elif cls is alias:
                raise _Fallback
            else:
                if cls is doc_start:
                    documents += 1
                    if documents > 1:
                        raise _Fallback  # let PyYAML report "expected a single document"
                continue
            if top is None:
                root.append(value)
            elif top[1] is None:
                top[0].append(value)
            else:
                top[0][top[1]] = value
                top[1] = _NO_KEY
    finally:
        parser.dispose()
    return (root[0] if root else None), duplicates


def _read_yaml_file(path: Path) -> tuple[Any, PlanSource, Report]:
    from perfsheets.plan.validate import UNREADABLE_FILE

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        report = Report([UNREADABLE_FILE(file=path.name, reason=str(exc))])
        return None, PlanSource(file=path.name, kind="yaml"), report
    return parse_yaml(text, path.name)


def parse_yaml(text: str, file: str = "") -> tuple[Any, PlanSource, Report]:
    """Plain data of a YAML plan text, its source, and syntax problems (data None if unusable)."""
    from perfsheets.plan.validate import DUPLICATE_KEY, NOT_A_PLAN, YAML_SYNTAX

    source = PlanSource(file=file, kind="yaml", text=text)
    report = Report()
    try:
        try:
            data, duplicates = _fast_load(text)
        except _Fallback:
            data, duplicates = yaml.load(text, Loader=yaml.CSafeLoader), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        reason = getattr(exc, "problem", None) or str(exc)
        report.add(YAML_SYNTAX(file=where, reason=reason))
        return None, source, report
    for key, line in duplicates:
        report.add(DUPLICATE_KEY(file=f"{file}:{line}", key=key))
    if not isinstance(data, dict):
        report.add(NOT_A_PLAN(file=file))
        return None, source, report
    return data, source, report


def plan_from_yaml(text: str, file: str = "plan.yaml") -> Plan:
    """A plan from YAML text (raises PlanError listing every problem)."""
    from perfsheets.plan.validate import schema_problems

    data, source, report = parse_yaml(text, file)
    plan = None
    if data is not None:
        try:
            plan = Plan.model_validate(data)
        except ValidationError as exc:
            report.extend(schema_problems(exc, source))
    return _plan_or_raise(LoadedPlan(plan, source, report), file)


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


class _Dumper(yaml.CSafeDumper):
    """Block style; multi-line text as ``|`` blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)

# Fields always written even when they hold the default, because HR should see them.
_ALWAYS: dict[str, frozenset[str]] = {
    "Plan": frozenset({"schema_version"}),
    "Cycle": frozenset({"language"}),
    "RaterType": frozenset({"min_count", "required", "sections"}),
    "Kpi": frozenset({"direction", "rule"}),
    "LinearRule": frozenset({"type", "floor", "cap"}),
    "BandsRule": frozenset({"type", "on", "otherwise"}),
    "DeductionRule": frozenset({"type", "base", "floor"}),
    "PassFailRule": frozenset({"type", "pass_score", "fail_score"}),
    "ChangeBandsRule": frozenset({"type", "otherwise"}),
    "KeyTask": frozenset({"scale"}),
    "Competency": frozenset({"scale"}),
    "Grade": frozenset({"coefficient"}),
    "Grading": frozenset({"forced_distribution"}),
    "ForcedDistribution": frozenset({"enabled", "group_by", "min_group_size", "tie_rule"}),
    "Roster": frozenset({"peers"}),
    "PeerRule": frozenset({"count", "scope", "seed"}),
}
_MISSING = object()
_DEFAULTS: dict[type, dict[str, Any]] = {}


_IDENTITY = ("id", "code", "value")


def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    """Field defaults of a model class, identity fields (id, code, value) first."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = {}
        fields = cls.model_fields
        order = [f for f in _IDENTITY if f in fields] + [f for f in fields if f not in _IDENTITY]
        for name in order:
            info = fields[name]
            found[name] = (
                _MISSING if info.is_required() else info.get_default(call_default_factory=True)
            )
        _DEFAULTS[cls] = found
    return found


def plan_to_data(plan: Plan) -> dict[str, Any]:
    """The plan as plain data in the model's key order (identity first), defaults left out
    where they add nothing. ``Plan.model_validate(plan_to_data(plan)) == plan`` always holds."""
    return _to_data(plan)


def _to_data(value: Any) -> Any:
    if isinstance(value, BaseModel):
        cls = type(value)
        keep = _ALWAYS.get(cls.__name__, frozenset())
        out: dict[str, Any] = {}
        for name, default in _defaults(cls).items():
            item = getattr(value, name)
            if name in keep or default is _MISSING or item != default:
                out[name] = _to_data(item)
        return out
    if isinstance(value, list):
        return [_to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_data(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # "weight: 30" reads better than "weight: 30.0"; loads back equal
    return value


def _header(plan: Plan) -> str:
    if plan.lang == "en":
        return (
            "# perfsheets appraisal plan. Edit, then run `perfsheets check` on the workspace.\n"
            "# Dates are YYYY-MM-DD; weights are percentages that must add up to 100.\n"
        )
    return (
        "# perfsheets 考核方案。修改后请运行 `perfsheets check` 检查工作区。\n"
        "# 日期格式为 YYYY-MM-DD；权重为百分数，同一组权重之和必须为 100。\n"
    )


def plan_to_yaml(plan: Plan) -> str:
    """YAML text of the plan, readable by HR and loading back to an equal plan."""
    body = yaml.dump(
        plan_to_data(plan),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    return _header(plan) + body
