"""The roster's simple lists are read line by line (the fast path of :func:`parse_yaml`):
always what PyYAML's safe loader reads, and where PyYAML refuses a document, a located
syntax problem; a value PyYAML cannot construct (a date that does not exist, ``=``) stays text
for the plan's schema to judge instead of failing the whole file."""

from __future__ import annotations

import pytest
import yaml

from perfsheets.plan.example import example_plan
from perfsheets.plan.yaml import parse_yaml, plan_to_yaml

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

KEPT_AS_TEXT = {"2026-13-45", "=", "<<"}  # PyYAML raises on constructing them


def read(text: str):
    data, _, report = parse_yaml(text, "plan.yaml")
    return data, report.codes()


def pyyaml(text: str):
    return yaml.load(text, Loader=yaml.CSafeLoader)


@pytest.mark.parametrize("value", VALUES)
def test_each_kind_of_value_reads_as_yaml_reads_it(value: str) -> None:
    text = HEAD + f"  employees:\n  - id: E1\n    name: {value}\n  - id: E2\n    name: x\n"
    data, codes = read(text)
    if value in KEPT_AS_TEXT:
        with pytest.raises((yaml.YAMLError, ValueError)):
            pyyaml(text)
        assert (data["roster"]["employees"][0]["name"], codes) == (value, [])
        return
    try:
        expected = pyyaml(text)
    except yaml.YAMLError:  # PyYAML refuses the document: a syntax problem, no data
        assert (data, codes) == (None, ["yaml-syntax"])
        return
    assert (data, codes) == (expected, [])


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
    data, codes = read(text)
    assert data == pyyaml(text)
    assert codes == (["duplicate-key"] if "name: b" in roster else [])


def test_the_written_roster_reads_as_yaml_reads_it() -> None:
    text = plan_to_yaml(example_plan(300, seed=3))
    data, codes = read(text)
    assert len(data["roster"]["employees"]) == 300 and data["roster"]["relations"]
    assert (data, codes) == (pyyaml(text), [])
