"""One owner for the ledger: no module outside perfsheets/ledger runs SQL."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "perfsheets"
SQL_CALLS = {"execute", "executemany", "executescript"}


def sql_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SQL_CALLS
    ]


def test_only_the_ledger_package_runs_sql():
    found = {
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in PACKAGE.rglob("*.py")
        if "ledger" not in path.relative_to(PACKAGE).parts[:1]
        for line in sql_calls(path)
    }
    assert found == set()


def test_the_check_finds_a_call(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f(conn):\n    return conn.execute('SELECT 1')\n", encoding="utf-8")
    assert sql_calls(sample) == [2]
