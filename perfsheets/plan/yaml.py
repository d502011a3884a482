"""The YAML plan, the canonical form: reading it fast and with every problem located, and writing
it for HR to edit.

The YAML written here is meant to be edited by HR: block style, Chinese as text (not escapes),
keys in the model's order, and defaults left out where they add nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from perfsheets.core.model import Plan
from perfsheets.core.problems import Report, Text
from perfsheets.plan.problems import (
    DUPLICATE_KEY,
    NOT_A_PLAN,
    PLAN_TOO_LARGE,
    UNREADABLE_FILE,
    YAML_ALIASES,
    YAML_SYNTAX,
)
from perfsheets.plan.schema import fit_plan
from perfsheets.plan.source import PlanSource

# --- reading ----------------------------------------------------------------------------------


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
                except (ValueError, KeyError):  # 2026-13-45, "=": the text, for the schema to judge
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
            # Any: dispatched on the exact class below (faster than isinstance on every event),
            # which mypy cannot narrow.
            ev: Any = get_event()
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


# A 10,000-person plan is about 2.4 MB, a 100,000-person one 24 MB: room for a million people.
MAX_PLAN_BYTES = 512 * 2**20
_LIMIT_MB = MAX_PLAN_BYTES // 2**20
# Values a document may hold once its aliases are expanded, beyond the nodes it writes out:
# anchors are fine for sharing a block or two, not for "billion laughs" (a few hundred bytes
# expanding to 10^9 values, which took check past 60 s and 3 GB).
MAX_EXPANDED = 100_000


class _TooManyAliases(Exception):
    """A YAML document whose aliases expand beyond :data:`MAX_EXPANDED` values."""

    def __init__(self, expanded: int | None = None, written: int = 0) -> None:
        super().__init__()
        if expanded is None:
            self.reason = Text(
                "引用了包含它自身的内容", "an alias refers to a value containing itself"
            )
        else:
            self.reason = Text(
                f"写出 {written:,} 个，展开后 {expanded:,} 个以上",
                f"{expanded:,}+ values from {written:,} written",
            )


def _bounded_load(text: str) -> Any:
    """PyYAML's safe load, refusing documents whose aliases expand to too many values."""
    loader = yaml.CSafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _expanded_size(root)
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node) -> int:
    """Number of values of the document with every alias written out; raises
    :class:`_TooManyAliases` beyond the bound (or for an alias that contains itself)."""
    sizes: dict[int, int] = {}
    unique = 0
    # Post-order walk without recursion (a deep document must not hit the recursion limit).
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes and not children_done:
            continue  # an alias of a node already measured
        children = _children(node)
        if not children_done:
            if key in open_nodes:
                raise _TooManyAliases()
            open_nodes.add(key)
            unique += 1
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            for child in children:
                if id(child) in open_nodes:
                    raise _TooManyAliases()
            continue
        open_nodes.discard(key)
        sizes[key] = 1 + sum(sizes[id(child)] for child in children)
        if sizes[key] > unique + MAX_EXPANDED:
            raise _TooManyAliases(sizes[key], unique)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


# --- the roster, the bulk of a plan ---------------------------------------------------------------

# The roster as perfsheets writes it (and as HR keeps it when adding people): "  - id: E0001"
# then "    name: 张三" ... one plain "key: value" per line. Two thirds of a 10,000-person plan's
# parse time went to these lines; read line by line, they take a tenth of it. Anything else in
# the list (quotes, comments, flow style, nesting, other indentation) leaves the whole list to
# the YAML parser, so what is read never differs from YAML's reading.
_ROSTER = re.compile(r"^roster:[ \t]*\n", re.MULTILINE)
_ROSTER_KEY = re.compile(r"  ([A-Za-z_]\w*):[ \t]*\n")  # a list or mapping of the roster
_NEXT_KEY = re.compile(r"\Z|  [A-Za-z_]\w*:|[^\s#]")  # what may follow a list read line by line
_BLOCK_END = re.compile(r"^(?!  - |    )", re.MULTILINE)  # the first line not inside it
_ITEM_LINES = re.compile(r"^(  - |    )([A-Za-z_]\w*): (.*)$", re.MULTILINE)
# Characters a plain value may not start with (YAML indicators, quotes, space).
_INDICATORS = frozenset(" \t'\"[]{}!&*|>%@`#,?:-")
_TYPED_STARTS = frozenset(k for k in yaml.resolver.Resolver.yaml_implicit_resolvers if k)
_SimpleList = tuple[str, int, int, list[dict[str, Any]], list[tuple[str, int]]]


def _load_with_simple_roster(text: str) -> tuple[Any, list[tuple[str, int]]]:
    """:func:`_fast_load`, with the roster's simple lists read line by line."""
    found = _simple_roster_lists(text)
    if not found:
        return _fast_load(text)
    pieces, done = [], 0
    for key, start, end, _, _ in found:
        # The same number of lines, so the lines of what follows stay where they are.
        lines = text.count("\n", start, end)
        pieces += [text[done:start], f"  {key}: []", "\n" * lines]
        done = end
    data, duplicates = _fast_load("".join([*pieces, text[done:]]))
    roster = data.get("roster") if isinstance(data, dict) else None
    if not isinstance(roster, dict) or any(roster.get(key) != [] for key, *_ in found):
        return _fast_load(text)  # not what it looked like: the parser reads it all
    for key, _, _, items, repeated in found:
        roster[key] = items
        duplicates += repeated
    return data, sorted(duplicates, key=lambda d: d[1])


def _simple_roster_lists(text: str) -> list[_SimpleList]:
    """(key, start, end, items, duplicate keys) of each list of the roster in the simple form."""
    head = _ROSTER.search(text)
    found: list[_SimpleList] = []
    pos = head.end() if head is not None else len(text)
    while (key := _ROSTER_KEY.match(text, pos)) is not None:
        stop = _BLOCK_END.search(text, key.end())
        end = stop.start() if stop is not None else len(text)
        if end == key.end():
            break
        if not _NEXT_KEY.match(text, end):
            return []  # a blank line, a comment ... after the list: the parser reads it all
        items = _simple_items(text, key.end(), end)
        if items is not None:
            found.append((key.group(1), key.start(), end, *items))
        pos = end
    return found


def _simple_items(
    text: str, begin: int, end: int
) -> tuple[list[dict[str, Any]], list[tuple[str, int]]] | None:
    """The items of a list of flat "key: value" mappings, or None for anything else."""
    region = text[begin:end]
    lines = _ITEM_LINES.findall(region)
    if len(lines) != region.count("\n") + (not region.endswith("\n")) or lines[0][0] != "  - ":
        return None
    first_line = text.count("\n", 0, begin) + 1
    items: list[dict[str, Any]] = []
    duplicates: list[tuple[str, int]] = []
    item: dict[str, Any] = {}
    for offset, (lead, key, value) in enumerate(lines):
        # A value YAML would not read as the plain text of the rest of the line: empty, starting
        # with an indicator, holding ": " or " #", ending in ":" or a space.
        if not value or value[0] in _INDICATORS or value[-1] in ": \t" or ": " in value:
            return None
        if " #" in value or "\t#" in value:
            return None
        if lead == "  - ":
            item = {}
            items.append(item)
        elif key in item:
            duplicates.append((key, first_line + offset))
        # Most values (names, ids, e-mails) start with a character no YAML type starts with.
        item[key] = value if value[0] not in _TYPED_STARTS else _resolve_plain(value)
    return items, duplicates


def read_yaml_file(path: Path) -> tuple[Any, PlanSource, Report]:
    """Plain data of a YAML plan file, its source, and reading problems (data None if unusable)."""
    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:  # checked before reading: a plan is never this large
            report = Report([PLAN_TOO_LARGE(file=path.name, size=size // 2**20, limit=_LIMIT_MB)])
            return None, PlanSource(file=path.name, kind="yaml"), report
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        report = Report([UNREADABLE_FILE(file=path.name, reason=str(exc))])
        return None, PlanSource(file=path.name, kind="yaml"), report
    return parse_yaml(text, path.name)


def parse_yaml(text: str, file: str = "") -> tuple[Any, PlanSource, Report]:
    """Plain data of a YAML plan text, its source, and syntax problems (data None if unusable)."""
    source = PlanSource(file=file, kind="yaml", text=text)
    report = Report()
    try:
        try:
            data, duplicates = _load_with_simple_roster(text)
        except _Fallback:
            data, duplicates = _bounded_load(text), []
    except _TooManyAliases as exc:
        report.add(YAML_ALIASES(file=file, limit=f"{MAX_EXPANDED:,}", reason=exc.reason))
        return None, source, report
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
    data, source, report = parse_yaml(text, file)
    return fit_plan(data, source, report).plan_or_raise(file)


# --- writing ----------------------------------------------------------------------------------


class _Dumper(yaml.CSafeDumper):
    """Block style; multi-line text as ``|`` blocks."""


def _represent_str(dumper: _Dumper, value: str) -> yaml.ScalarNode:
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
    "ThresholdRule": frozenset({"type", "threshold_score", "target_score", "stretch_score"}),
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
