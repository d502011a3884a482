"""The built-in example: a plan drawn from common Chinese practice plus a synthetic company.

The plan content (roles, KPIs, competencies, grades) lives in ``data/example_plan.yaml`` so HR can
read it as a plan file. :func:`example_plan` adds a deterministic company of any size: one
department per role under a general manager, a manager-role head per department, managers with
five to nine direct reports, Chinese names (pinyin in English), e-mails, peers chosen by a seeded
rule, customer raters for sales and service, and individual sales quotas. The plan's goal
cascade (company goals G1–G3, one department goal per department) gets its owners from that
company: the general manager owns the company goals, each department head its department's goal.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from perfsheets.core.model import Lang, Plan

MIN_REPORTS = 5
MAX_REPORTS = 9
TEAM_SIZE = 10  # a manager plus up to nine reports

# Departments: role of the staff, Chinese and English name, share of the workforce.
DEPARTMENTS: tuple[tuple[str, str, str, float], ...] = (
    ("sales", "销售部", "Sales", 0.25),
    ("production", "生产部", "Production", 0.22),
    ("rnd", "研发部", "R&D", 0.18),
    ("service", "客服部", "Customer Service", 0.12),
    ("qc", "质量部", "Quality", 0.08),
    ("purchasing", "采购部", "Purchasing", 0.07),
    ("admin", "行政部", "Administration", 0.08),
)
DEPARTMENT_EN = {zh: en for _, zh, en, _ in DEPARTMENTS}
EXECUTIVE = ("总经理办公室", "Executive Office")
CUSTOMER_ROLES = ("sales", "service")

SURNAMES = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
    ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"),
    ("林", "Lin"), ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"),
    ("唐", "Tang"), ("许", "Xu"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"),
    ("彭", "Peng"), ("曾", "Zeng"), ("肖", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("袁", "Yuan"),
    ("潘", "Pan"), ("蒋", "Jiang"), ("蔡", "Cai"), ("余", "Yu"), ("杜", "Du"), ("叶", "Ye"),
    ("程", "Cheng"), ("苏", "Su"), ("魏", "Wei"), ("吕", "Lyu"), ("丁", "Ding"), ("沈", "Shen"),
    ("欧阳", "Ouyang"), ("司马", "Sima"),
)  # fmt: skip
GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"), ("平", "ping"),
    ("刚", "gang"), ("华", "hua"), ("丹", "dan"), ("玲", "ling"), ("婷", "ting"), ("浩", "hao"),
    ("宇", "yu"), ("鹏", "peng"), ("晨", "chen"), ("欣", "xin"), ("颖", "ying"), ("琳", "lin"),
    ("博", "bo"), ("辉", "hui"), ("斌", "bin"), ("雪", "xue"), ("慧", "hui"), ("建", "jian"),
    ("国", "guo"), ("志", "zhi"), ("文", "wen"), ("嘉", "jia"), ("思", "si"), ("子", "zi"),
    ("晓", "xiao"), ("海", "hai"), ("佳", "jia"), ("俊", "jun"), ("雨", "yu"), ("梓", "zi"),
    ("怡", "yi"), ("轩", "xuan"), ("涵", "han"), ("萱", "xuan"), ("远", "yuan"), ("航", "hang"),
)  # fmt: skip
CLIENTS = (
    ("华联商贸有限公司", "Hualian Trading Co."), ("东方精密制造有限公司", "Dongfang Precision"),
    ("瑞丰电子科技有限公司", "Ruifeng Electronics"), ("长江物流股份有限公司", "Changjiang Logistics"),
    ("新辰医疗器械有限公司", "Xinchen Medical"), ("恒通建材集团", "Hengtong Building Materials"),
    ("明远信息技术有限公司", "Mingyuan IT"), ("佳和食品有限公司", "Jiahe Foods"),
)  # fmt: skip


@lru_cache(maxsize=1)
def _base_data() -> dict[str, Any]:
    text = resources.files("perfsheets.plan").joinpath("data/example_plan.yaml").read_text("utf-8")
    return yaml.load(text, Loader=yaml.CSafeLoader)


def example_base(lang: Lang = "zh-CN") -> Plan:
    """The built-in plan without a roster."""
    return Plan.model_validate(_plan_data(lang))


def _plan_data(lang: Lang) -> dict[str, Any]:
    data = copy.deepcopy(_base_data())
    data["cycle"]["language"] = lang
    if lang == "en":
        for role in data["roles"]:
            role["development_goals"] = list(role.get("development_goals_en", []))
        for goal in data.get("goals", []):
            if goal.get("department"):
                goal["department"] = DEPARTMENT_EN.get(goal["department"], goal["department"])
    return data


@dataclass
class _Person:
    id: str
    name: str
    email: str
    department: str
    role: str
    manager: str | None


class _Company:
    """Builds the roster: ids, names and reporting lines, all from one seeded generator."""

    def __init__(self, employees: int, seed: int, lang: Lang) -> None:
        self.total = employees
        self.rng = random.Random(f"perfsheets-example:{seed}")
        self.lang = lang
        self.width = max(4, len(str(employees)))
        self.people: list[_Person] = []

    def hire(self, department: str, role: str, manager: str | None) -> str:
        n = len(self.people) + 1
        emp_id = f"E{n:0{self.width}d}"
        (sur, sur_py) = self.rng.choice(SURNAMES)
        given = [self.rng.choice(GIVEN) for _ in range(1 if self.rng.random() < 0.3 else 2)]
        zh = sur + "".join(g[0] for g in given)
        given_py = "".join(g[1] for g in given)
        name = zh if self.lang == "zh-CN" else f"{given_py.capitalize()} {sur_py}"
        email = f"{given_py}.{sur_py.lower()}{n}@example.com"
        self.people.append(_Person(emp_id, name, email, department, role, manager))
        return emp_id

    def team(self, department: str, role: str, manager: str, size: int) -> None:
        """``size`` people under ``manager``, who gets five to nine direct reports.

        Up to nine people report directly. A bigger team gets sub-teams of at least six (a lead
        and five or more) under leads, the manager keeping a few people directly where needed
        to have five reports.
        """
        if size <= MAX_REPORTS:
            for _ in range(size):
                self.hire(department, role, manager)
            return
        leads = max(1, min(MAX_REPORTS, math.ceil(size / TEAM_SIZE)))
        direct = max(0, MIN_REPORTS - leads)
        while leads > 1 and size - direct < (MIN_REPORTS + 1) * leads:
            leads -= 1
            direct = max(0, MIN_REPORTS - leads)
        for share in _split(size - direct, leads):
            lead = self.hire(department, "manager", manager)
            self.team(department, role, lead, share - 1)
        for _ in range(direct):
            self.hire(department, role, manager)

    def build(self) -> list[_Person]:
        if self.total < 1:
            return []
        exec_dept = EXECUTIVE[0] if self.lang == "zh-CN" else EXECUTIVE[1]
        gm = self.hire(exec_dept, "manager", None)
        rest = self.total - 1
        depts = DEPARTMENTS[: max(1, min(len(DEPARTMENTS), rest // 4))] if rest else ()
        sizes = _apportion([d[3] for d in depts], rest)
        for (role, zh, en, _), size in zip(depts, sizes, strict=True):
            if size == 0:
                continue
            name = zh if self.lang == "zh-CN" else en
            head = self.hire(name, "manager", gm)
            self.team(name, role, head, size - 1)
        return self.people


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _apportion(shares: list[float], n: int) -> list[int]:
    """n split in proportion to shares (largest remainder), stable for equal remainders."""
    if not shares:
        return []
    total = sum(shares)
    raw = [s / total * n for s in shares]
    counts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return counts


def _customers(
    people: list[_Person], rng: random.Random, lang: Lang
) -> tuple[list[dict], list[dict]]:
    """External customer contacts, three per customer-facing employee, each rating a few."""
    facing = [p for p in people if p.role in CUSTOMER_ROLES]
    if not facing:
        return [], []
    count = max(3, math.ceil(len(facing) * 3 / 6))
    raters = []
    for i in range(count):
        sur, sur_py = rng.choice(SURNAMES)
        given, given_py = rng.choice(GIVEN)
        org_zh, org_en = CLIENTS[i % len(CLIENTS)]
        raters.append(
            {
                "id": f"X{i + 1:0{max(3, len(str(count)))}d}",
                "name": f"{sur}{given}" if lang == "zh-CN" else f"{given_py.capitalize()} {sur_py}",
                "email": f"{given_py}.{sur_py.lower()}{i + 1}@client.example.com",
                "organisation": org_zh if lang == "zh-CN" else org_en,
            }
        )
    ids = [r["id"] for r in raters]
    relations = [
        {"rater": rater, "ratee": p.id, "type": "customer"}
        for p in facing
        for rater in sorted(rng.sample(ids, 3))
    ]
    return raters, relations


def _targets(people: list[_Person], rng: random.Random) -> list[dict]:
    """Individual targets: each salesperson's quota (万元) and new-customer target."""
    out = []
    for p in people:
        if p.role == "sales":
            out.append({"employee": p.id, "kpi": "S01", "target": rng.randrange(300, 810, 10)})
            out.append({"employee": p.id, "kpi": "S03", "target": rng.randrange(80, 165, 4)})
        elif p.role == "production":
            out.append({"employee": p.id, "kpi": "P01", "target": rng.randrange(8000, 12100, 100)})
    return out


def _cascade(data: dict[str, Any], people: list[_Person]) -> None:
    """Goal owners from the roster: the general manager for company goals, the department's
    first manager (its head) for a department goal.

    A company too small to have a department drops that department's goals; KPIs and tasks
    that served them serve the goal above instead, so every link stays valid.
    """
    heads: dict[str, str] = {}
    for p in people:
        if p.role == "manager":
            heads.setdefault(p.department, p.id)
    kept, dropped = [], {}
    for goal in data.get("goals", []):
        if goal.get("level", "company") == "company":
            if people and not goal.get("owner"):
                goal["owner"] = people[0].id
            kept.append(goal)
        elif goal.get("department") in heads:
            goal["owner"] = goal.get("owner") or heads[goal["department"]]
            kept.append(goal)
        else:
            dropped[goal["id"]] = goal.get("parent")
    data["goals"] = kept
    for role in data["roles"]:
        for item in (*role.get("kpis", []), *role.get("tasks", [])):
            while item.get("goal") in dropped:
                item["goal"] = dropped[item["goal"]]


def example_plan(employees: int = 200, seed: int = 1, lang: Lang = "zh-CN") -> Plan:
    """The built-in plan with a deterministic synthetic company of ``employees`` people.

    The same arguments always give the same plan. With ``lang="en"`` the cycle language is
    English, and names, departments and development goals are in English (labels of roles,
    KPIs, scales, grades and goals carry both languages either way).
    """
    data = _plan_data(lang)
    company = _Company(employees, seed, lang)
    people = company.build()
    _cascade(data, people)
    raters, relations = _customers(people, company.rng, lang)
    board = {
        "id": "BOARD",
        "name": "董事会" if lang == "zh-CN" else "Board of directors",
        "organisation": data["company"]["name" if lang == "zh-CN" else "name_en"],
    }
    if people:
        raters.insert(0, board)
        relations.insert(0, {"rater": "BOARD", "ratee": people[0].id, "type": "manager"})
    data["roster"] = {
        "employees": [
            {
                "id": p.id,
                "name": p.name,
                "department": p.department,
                "role": p.role,
                **({"manager": p.manager} if p.manager else {}),
                "email": p.email,
            }
            for p in people
        ],
        "external_raters": raters,
        "relations": relations,
        "peers": {"count": 3, "scope": "department", "seed": seed},
        "targets": _targets(people, company.rng),
    }
    return Plan.model_validate(data)
