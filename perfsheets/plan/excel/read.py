"""Reading the plan workbook back: the sheets as plain plan data (the same as a YAML plan's),
a map from every model path to its sheet and cell, and the reading problems, each at its cell."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from perfsheets.core.layout import cell_ref
from perfsheets.core.model import Lang
from perfsheets.core.problems import PerfsheetsError, ProblemType, Report
from perfsheets.plan.excel.layout import Col, SheetSpec, choice_code
from perfsheets.plan.excel.settings import SETTING_ROWS, SETTINGS
from perfsheets.plan.excel.sheets import (
    ADJUSTMENTS,
    COMPETENCIES,
    EMPLOYEES,
    EXTERNAL,
    GOALS,
    GRADES,
    KPIS,
    RATER_TYPES,
    RELATIONS,
    ROLE_COMPETENCIES,
    ROLES,
    ROLLUP,
    SCALES,
    SHEETS,
    TARGETS,
    TASKS,
)
from perfsheets.plan.problems import (
    BAD_CELL,
    MISSING_COLUMN,
    MISSING_SHEET,
    UNKNOWN_ROLE,
    UNREADABLE_FILE,
)
from perfsheets.plan.source import PathKey, PlanSource

MAX_UNZIPPED = 300 * 1024 * 1024  # a plan workbook inflating beyond this is not a plan


def _a1(row: int, col: int) -> str:
    """Zero-based (row, col) → "B7"."""
    return cell_ref(row, col)


def _norm(text: Any) -> str:
    return str(text).strip().rstrip("*").strip().lower().replace(" ", "")


class _Where(Mapping[str, str]):
    """{field key: A1 cell} of one table row, computed on demand (a plan can have 100k cells)."""

    __slots__ = ("cols", "row")

    def __init__(self, row: int, cols: dict[str, int]) -> None:
        self.row = row
        self.cols = cols

    def __getitem__(self, key: str) -> str:
        if key == "@row":
            return _a1(self.row, 0)
        return _a1(self.row, self.cols[key])

    def __contains__(self, key: object) -> bool:
        return key in self.cols

    def __iter__(self) -> Iterator[str]:
        return iter(self.cols)

    def __len__(self) -> int:
        return len(self.cols)


class _Reader:
    """Reads the sheets into plain plan data, a location map and reading problems."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = PlanSource(file=path.name, kind="excel")
        self.report = Report()
        self.cells = self.source.cells
        self.grids: dict[str, tuple[str, list[list[Any]]]] = {}  # sheet key -> (name, cells)

    def problem(self, ptype: ProblemType, sheet: str, cell: str = "", **params: Any) -> None:
        self.report.add(ptype(file=self.path.name, sheet=sheet, cell=cell, **params))

    def read(self) -> dict[str, Any] | None:
        # Imported here: calamine is a native library only reading a workbook needs.
        from python_calamine import CalamineWorkbook

        try:
            _guard_zip(self.path)
            book = CalamineWorkbook.from_path(str(self.path))
            names = book.sheet_names
            for spec in SHEETS:
                name = self.find_sheet(spec, names)
                if name is not None:
                    grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                    self.grids[spec.key] = (name, grid)
        except Exception as exc:  # calamine raises its own types for corrupt/encrypted files
            self.problem(UNREADABLE_FILE, "", reason=f"{type(exc).__name__}: {exc}")
            return None
        if not self.has_required_sheets():
            return None
        return self.build()

    def find_sheet(self, spec: SheetSpec, names: list[str]) -> str | None:
        wanted = {_norm(spec.zh), _norm(spec.en), _norm(spec.key)}
        return next((n for n in names if _norm(n) in wanted), None)

    def has_required_sheets(self) -> bool:
        ok = True
        for spec in SHEETS:
            if spec.required and spec.key not in self.grids:
                self.problem(MISSING_SHEET, "", name=spec.zh, name_en=spec.en)
                ok = False
        return ok

    # -- tables --------------------------------------------------------------------------------

    def table(self, spec: SheetSpec) -> tuple[str, list[tuple[int, dict[str, Any], _Where]]]:
        """(sheet name, [(row index, {key: value}, {key: A1 cell})]) of a table sheet; dotted
        keys ("weights.kpi") come back nested."""
        if spec.key not in self.grids:
            return spec.zh, []
        name, grid = self.grids[spec.key]
        if not grid:
            return name, []
        columns: dict[int, Col] = {}
        by_label: dict[str, Col] = {}
        for col in spec.cols:
            for label in (col.zh, col.en, col.key):
                by_label[_norm(label)] = col
        for c, head in enumerate(grid[0]):
            found = by_label.get(_norm(head))
            if found is not None and found not in columns.values():
                columns[c] = found
        for col in spec.cols:
            if col.required and col not in columns.values():
                self.problem(MISSING_COLUMN, name, "1", column=f"{col.zh} / {col.en}", key=col.key)
                self.source.missing_columns.add((name, col.key.rsplit(".", 1)[-1]))
        cols = {col.key: c for c, col in columns.items()}
        nested = any("." in key for key in cols)
        out = []
        for r in range(1, len(grid)):
            cells = grid[r]
            values: dict[str, Any] = {}
            for c, col in columns.items():
                raw = cells[c] if c < len(cells) else ""
                if raw == "" or raw is None:
                    continue
                value = self.convert(col.kind, raw, name, r, c)
                if col.choices and isinstance(value, str):
                    value = choice_code(value, col.choices)
                if value is not None:
                    values[col.key] = value
            if values:
                out.append((r, _nest(values) if nested else values, _Where(r, cols)))
        return name, out

    def convert(self, kind: str, raw: Any, sheet: str, r: int, c: int) -> Any:
        """A cell value as plan data; None for an empty cell. Bad text is left for the schema
        to report, so the message names the field."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, dt.datetime):
            raw = raw.date() if kind != "str" else raw
        if kind == "str":
            return _text(raw)
        if kind in ("num", "int"):
            if isinstance(raw, str):
                try:
                    return float(raw.strip().replace(",", ""))
                except ValueError:
                    return raw
            return raw
        if kind == "bool":
            return _boolean(raw)
        if kind == "date":
            return raw
        if kind == "list":
            return [p.strip() for p in _split_list(_text(raw)) if p.strip()]
        if kind == "lines":
            return [p.strip() for p in _text(raw).splitlines() if p.strip()]
        if kind == "bands":
            return self.bands(_text(raw), sheet, r, c)
        if kind == "shares":
            return _shares(_text(raw))
        if kind == "pools":
            return _pairs(_text(raw), "department", "amount", number=True)
        if kind == "paycols":
            return _pairs(_text(raw), "field", "header", number=False)
        return raw

    def bands(self, text: str, sheet: str, r: int, c: int) -> Any:
        bands = []
        for part in _split_list(text.replace("；", ";"), seps=";\n"):
            part = part.strip()
            if not part:
                continue
            low, _, score = part.replace("：", ":").replace("≥", "").partition(":")
            try:
                bands.append({"min": float(low), "score": float(score)})
            except ValueError:
                self.problem(
                    BAD_CELL,
                    sheet,
                    _a1(r, c),
                    value=text,
                    expected="分档应写作“下限:得分; 下限:得分”，如 1:100; 0.9:80",
                    expected_en="bands are written 'min:score; min:score', e.g. 1:100; 0.9:80",
                )
                return None
        return bands

    # -- building the plan data ----------------------------------------------------------------

    def at(self, path: PathKey, sheet: str, cell: str) -> None:
        self.cells[path] = (sheet, cell)

    def rows_to_items(self, spec: SheetSpec, base: PathKey) -> list[dict[str, Any]]:
        """The rows of a sheet that maps one row to one item of the list at ``base``."""
        name, rows = self.table(spec)
        for i, (_, _, where) in enumerate(rows):
            self.map_row((*base, i), name, where)
        if rows:
            self.at(base, name, _a1(rows[0][0], 0))
        return [values for _, values, _ in rows]

    def map_row(self, path: PathKey, sheet: str, where: _Where) -> None:
        self.source.rows[path] = (sheet, where)

    def build(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        self.read_settings(data)
        data["scales"] = self.read_scales()
        data["rater_types"] = self.rows_to_items(RATER_TYPES, ("rater_types",))
        weights_range = self.column_range(RATER_TYPES, "weight")
        if weights_range:
            self.at(("rater_types",), *weights_range)
        data["competencies"] = self.rows_to_items(COMPETENCIES, ("competencies",))
        data["roles"] = self.read_roles()
        grades = self.rows_to_items(GRADES, ("grading", "levels"))
        quota_range = self.column_range(GRADES, "quota")
        if quota_range:
            self.at(("grading", "levels"), *quota_range)
        data.setdefault("grading", {})["levels"] = grades
        data["rollup"] = self.read_rollup()
        data["goals"] = self.rows_to_items(GOALS, ("goals",))
        roster = data.setdefault("roster", {})
        roster["employees"] = self.rows_to_items(EMPLOYEES, ("roster", "employees"))
        roster["relations"] = self.rows_to_items(RELATIONS, ("roster", "relations"))
        roster["targets"] = self.rows_to_items(TARGETS, ("roster", "targets"))
        roster["external_raters"] = self.rows_to_items(EXTERNAL, ("roster", "external_raters"))
        return data

    def column_range(self, spec: SheetSpec, key: str) -> tuple[str, str] | None:
        """(sheet, "D2:D6") of a column over a table's data rows."""
        if spec.key not in self.grids:
            return None
        name, grid = self.grids[spec.key]
        header = [_norm(h) for h in grid[0]] if grid else []
        col = next(c for c in spec.cols if c.key == key)
        idx = next(
            (i for i, h in enumerate(header) if h in {_norm(col.zh), _norm(col.en), key}), None
        )
        if idx is None or len(grid) < 2:
            return None
        return name, f"{_a1(1, idx)}:{_a1(len(grid) - 1, idx)}"

    def read_settings(self, data: dict[str, Any]) -> None:
        if "settings" not in self.grids:
            return
        name, grid = self.grids["settings"]
        kinds = {".".join(map(str, p)): (p, kind, ch) for p, _, _, kind, ch in SETTING_ROWS}
        header = [_norm(h) for h in grid[0]] if grid else []
        k_col = _find(header, SETTINGS.cols[2], 2)
        v_col = _find(header, SETTINGS.cols[1], 1)
        for r in range(1, len(grid)):
            cells = grid[r]
            key = _text(cells[k_col]).strip() if k_col < len(cells) else ""
            if key not in kinds:
                continue  # HR's own notes, or a row we do not know
            path, kind, choices = kinds[key]
            raw = cells[v_col] if v_col < len(cells) else ""
            self.at(path, name, _a1(r, v_col))
            if len(path) > 1:
                self.cells.setdefault(path[:1], (name, _a1(r, v_col)))
            value = self.convert(kind, raw, name, r, v_col)
            if choices and isinstance(value, str):
                value = choice_code(value, choices)
            if value is None:
                continue
            target = data
            for part in path[:-1]:
                target = target.setdefault(str(part), {})
            target[str(path[-1])] = value

    def read_scales(self) -> list[dict[str, Any]]:
        name, rows = self.table(SCALES)
        scales: dict[str, dict[str, Any]] = {}
        for r, values, where in rows:
            scale_id = values.get("scale_id", "")
            scale = scales.get(scale_id)
            if scale is None:
                i = len(scales)
                scale = {"id": scale_id, "levels": []}
                for key, field in (("scale_name", "name"), ("scale_name_en", "name_en")):
                    if key in values:
                        scale[field] = values[key]
                scales[scale_id] = scale
                self.at(("scales", i), name, _a1(r, 0))
                self.at(("scales", i, "id"), name, where["scale_id"])
                if "scale_name" in where:
                    self.at(("scales", i, "name"), name, where["scale_name"])
                if "scale_name_en" in where:
                    self.at(("scales", i, "name_en"), name, where["scale_name_en"])
            i = list(scales).index(scale_id)
            j = len(scale["levels"])
            level = {k: v for k, v in values.items() if not k.startswith("scale_")}
            scale["levels"].append(level)
            self.map_row(("scales", i, "levels", j), name, where)
        return list(scales.values())

    def read_roles(self) -> list[dict[str, Any]]:
        roles = self.rows_to_items(ROLES, ("roles",))
        index: dict[Any, int] = {}
        for i, role in enumerate(roles):
            index.setdefault(role.get("id"), i)
            role.setdefault("weights", {})
            row = self.source.rows.get(("roles", i))
            for attr, first, last in (
                ("weights", "kpi", "competency"),
                ("rater_weights", "self", "customer"),
            ):
                if row is not None and f"{attr}.{first}" in row[1] and f"{attr}.{last}" in row[1]:
                    sheet, where = row
                    cells = f"{where[f'{attr}.{first}']}:{where[f'{attr}.{last}']}"
                    self.at(("roles", i, attr), sheet, cells)
        for spec, attr in (
            (KPIS, "kpis"),
            (TASKS, "tasks"),
            (ADJUSTMENTS, "adjustments"),
            (ROLE_COMPETENCIES, "competencies"),
        ):
            self.attach(spec, attr, roles, index)
        return roles

    def attach(
        self, spec: SheetSpec, attr: str, roles: list[dict[str, Any]], index: dict[Any, int]
    ) -> None:
        """Rows of a per-role sheet (KPIs, tasks, role competencies) into their roles."""
        name, rows = self.table(spec)
        if (name, "role") in self.source.missing_columns:
            return  # reported once as a missing column, not once per row
        weight_rows: dict[int, list[str]] = {}
        for r, values, where in rows:
            role_id = values.pop("role", None)
            i = index.get(role_id)
            if i is None:
                known = ", ".join(str(k) for k in index)
                self.problem(
                    UNKNOWN_ROLE, name, where.get("role", _a1(r, 0)), role=role_id, known=known
                )
                continue
            items = roles[i].setdefault(attr, [])
            j = len(items)
            item = values
            if spec is KPIS:
                item = _kpi_item(item)
            items.append(item)
            self.map_row(("roles", i, attr, j), name, where)
            if "weight" in where:
                weight_rows.setdefault(i, []).append(where["weight"])
        for i, cells in weight_rows.items():
            self.at(
                ("roles", i, attr), name, f"{cells[0]}:{cells[-1]}" if len(cells) > 1 else cells[0]
            )

    def read_rollup(self) -> list[dict[str, Any]]:
        name, rows = self.table(ROLLUP)
        groups: dict[Any, dict[str, Any]] = {}
        for r, values, where in rows:
            key = values.get("group")
            group = groups.get(key)
            if group is None:
                i = len(groups)
                group = groups[key] = {"roles": values.get("roles", []), "parts": []}
                self.at(("rollup", i), name, _a1(r, 0))
                if "roles" in where:
                    self.at(("rollup", i, "roles"), name, where["roles"])
            i = list(groups).index(key)
            j = len(group["parts"])
            group["parts"].append({k: values[k] for k in ("period", "weight") if k in values})
            self.at(("rollup", i, "parts", j), name, _a1(r, 0))
            for k in ("period", "weight"):
                if k in where:
                    self.at(("rollup", i, "parts", j, k), name, where[k])
            if j == 0 and "weight" in where:
                self.at(("rollup", i, "parts"), name, where["weight"])
        return list(groups.values())


def _find(header: list[str], col: Col, default: int) -> int:
    """Index of a column in a normalised header row (its default place if not found)."""
    labels = {_norm(col.zh), _norm(col.en), _norm(col.key)}
    return next((i for i, h in enumerate(header) if h in labels), default)


def _kpi_item(item: dict[str, Any]) -> dict[str, Any]:
    """The rule columns of a KPI row as its rule (only the parameters HR filled in)."""
    rule = item.get("rule")
    if isinstance(rule, dict) and "type" not in rule and rule:
        rule = {"type": "linear", **rule}
    if isinstance(rule, dict) and rule:
        item["rule"] = rule
    return item


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    """{"weights.kpi": 60} → {"weights": {"kpi": 60}}."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        target = out
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # an id typed as a number: 1001, not 1001.0
    if isinstance(raw, dt.date | dt.datetime):
        return raw.isoformat()
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    return str(raw)


def _boolean(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in ("true", "yes", "y", "1", "是", "对", "√", "✓"):
        return True
    if text in ("false", "no", "n", "0", "否", "不", "×", "✗"):
        return False
    return raw


def _split_list(text: str, seps: str = ",，、;；\n") -> list[str]:
    parts = [text]
    for sep in seps:
        parts = [p for chunk in parts for p in chunk.split(sep)]
    return parts


def _guard_zip(path: Path) -> None:
    """Refuse a workbook that would inflate to an absurd size (zip bomb) before parsing it."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > 10_000 or sum(i.file_size for i in infos) > MAX_UNZIPPED:
            raise PerfsheetsError(f"{path.name}: workbook too large to be a plan")


def read_workbook(path: str | Path) -> tuple[dict[str, Any] | None, PlanSource, Report]:
    """Plain plan data of an Excel plan workbook, where each value sits, and reading problems."""
    reader = _Reader(Path(path))
    data = reader.read()
    return data, reader.source, reader.report


def workbook_language(path: Path) -> Lang | None:
    """``cycle.language`` from the settings sheet alone (None when it cannot be found)."""
    from python_calamine import CalamineWorkbook

    try:
        _guard_zip(path)
        book = CalamineWorkbook.from_path(str(path))
        wanted = {_norm(SETTINGS.zh), _norm(SETTINGS.en), _norm(SETTINGS.key)}
        name = next((n for n in book.sheet_names if _norm(n) in wanted), None)
        if name is None:
            return None
        rows = book.get_sheet_by_name(name).to_python()
    except Exception:  # calamine's own errors: the command itself reports an unreadable plan
        return None
    for row in rows:
        if len(row) >= 3 and str(row[2]).strip() == "cycle.language":
            return "en" if str(row[1]).strip().lower().startswith("en") else "zh-CN"
    return "zh-CN"


def _shares(text: str) -> list[dict[str, Any]] | str:
    """ "C+D:0.05; S:0.1" -> minimum shares; text that does not parse goes to the model as is,
    which reports it at its cell."""
    shares: list[dict[str, Any]] = []
    for part in _split_list(text.replace("；", ";"), seps=";\n"):
        grades, sep, share = part.strip().replace("：", ":").partition(":")
        if not part.strip():
            continue
        if not sep:
            return text
        try:
            value = float(share.strip().rstrip("%")) / (100 if share.strip().endswith("%") else 1)
        except ValueError:
            return text
        shares.append(
            {"grades": [g.strip() for g in grades.split("+") if g.strip()], "share": value}
        )
    return shares


def _pairs(text: str, key: str, value: str, *, number: bool) -> list[dict[str, Any]] | str:
    """ "销售部:100000; *:500000" (bonus pools) or "employee_id:工号; bonus:奖金" (payroll
    columns) -> a list of {key, value}; text that does not parse goes to the model as is, which
    reports it at its cell."""
    items: list[dict[str, Any]] = []
    for part in _split_list(text.replace("；", ";"), seps=";\n"):
        if not part.strip():
            continue
        found = re.split(r"[:：]", part.strip(), maxsplit=1)
        if len(found) != 2 or not found[0].strip():
            return text
        name, rest = found
        item: Any = rest.strip()
        if number:
            try:
                item = float(item.replace(",", ""))
            except ValueError:
                return text
        items.append({key: name.strip(), value: item})
    return items
