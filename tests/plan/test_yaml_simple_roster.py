"""The roster's simple lists are read line by line: always exactly what the YAML reader reads."""

from __future__ import annotations

import pytest

from perfsheets.plan.example import example_plan
from perfsheets.plan.yaml import (
    _fast_load,
    _load_with_simple_roster,
    _simple_roster_lists,
    plan_to_yaml,
)

HEAD = "cycle:\n  id: c1\nroster:\n"
VALUES = [
    "张三",
    "E0001",
    "a.b@example.com",
    "yes",
    "No",
    "null",
    "~",
    "2026-01-31",
    "2026-13-45",
    "0012",
    "1e3",
    "-5",
    "+1",
    ".5",
    "on",
    "'quoted'",
    '"double"',
    "a: b",
    "a #not comment",
    "a#b",
    "trailing ",
    "ends:",
    "[1, 2]",
    "{a: 1}",
    "&anchor x",
    "*alias",
    "!tag x",
    "| block",
    "> fold",
    "%x",
    "@x",
    "`x",
    "?x",
    ",x",
    "x,y",
    "true",
    "Off",
    "0x1F",
    "1_000",
    "=",
    "<<",
]


@pytest.mark.parametrize("value", VALUES)
def test_each_kind_of_value_reads_as_yaml_reads_it(value: str) -> None:
    text = HEAD + f"  employees:\n  - id: E1\n    name: {value}\n  - id: E2\n    name: x\n"
    try:
        expected = _fast_load(text)
    except Exception as exc:  # the YAML reader refuses it: so must the fast path
        with pytest.raises(type(exc)):
            _load_with_simple_roster(text)
        return
    assert _load_with_simple_roster(text) == expected


@pytest.mark.parametrize(
    "roster",
    [
        "  employees:\n  - id: E1\n    name: a\n    name: b\n",  # a duplicate key, with its line
        "  employees:\n  # a comment\n  - id: E1\n",  # a comment: left to YAML
        "  employees:\n  - id: E1\n\n  - id: E2\n",  # a blank line inside
        "  employees:\n    - id: E1\n      name: a\n",  # other indentation
        "  employees:\n  - id: E1\n    extra:\n      deep: 1\n",  # nested
        "  employees:\n  - {id: E1}\n",  # flow style
        "  employees: []\n  peers:\n    count: 2\n",
        "  peers:\n    count: 2\n  relations:\n  - rater: E1\n    ratee: E2\n    type: peer\n",
        "  employees:\n  - id: E1\n    name: a\t\n",
        "  employees:\n  - id: E1\n    name: a\n",  # no newline after: fine either way
    ],
)
def test_other_shapes_read_as_yaml_reads_them(roster: str) -> None:
    text = HEAD + roster + "goals: []\n"
    assert _load_with_simple_roster(text) == _fast_load(text)


def test_the_written_roster_takes_the_fast_path_and_reads_the_same() -> None:
    text = plan_to_yaml(example_plan(300, seed=3))
    found = {key: len(items) for key, _, _, items, _ in _simple_roster_lists(text)}
    assert found["employees"] == 300 and "relations" in found
    assert _load_with_simple_roster(text) == _fast_load(text)
