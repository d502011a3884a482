"""Regenerate workbooks/: small example files for people to look at.

    python scripts/make_workbooks.py

Runs a 40-person cycle of the built-in example in a temporary folder and copies out blank forms
for three roles, two filled returns (one clean, one with typical mistakes), the validation report
the HR results workbook and one interview report. Everything is deterministic apart from timestamps.
"""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import perfsheets as ps  # noqa: E402

OUT = ROOT / "workbooks"
ROLES = ("sales", "rnd", "production")


def _forms_by_role(ws: Path, plan: ps.Plan) -> dict[str, Path]:
    """One form per wanted role: the first rater of that role, as listed in forms/index.csv."""
    people = plan.employee_map()
    found: dict[str, Path] = {}
    with (ws / "forms" / "index.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            person = people.get(row["rater_id"])
            if person and person.role in ROLES:
                found.setdefault(person.role, ws / "forms" / row["file"])
    return found


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "cycle"
        ps.init_workspace(ws, example=True, employees=40, seed=11)
        ps.generate_forms(ws, workers=1)
        plan = ps.load_plan(ws / "plan.yaml")
        ps.simulate_returns(ws, seed=11, missing=0.05, mistakes=0.15)
        collected = ps.collect_returns(ws, workers=1)
        ps.consolidate(ws)
        ps.render_reports(ws, employees=["E0002"], workers=1)

        for sub in ("forms", "returns", "results", "reports"):
            shutil.rmtree(OUT / sub, ignore_errors=True)
            (OUT / sub).mkdir(parents=True)
        for role, form in sorted(_forms_by_role(ws, plan).items()):
            shutil.copy(form, OUT / "forms" / f"blank_{role}_{form.name}")
        rejected = next((f for f in collected.files if f.outcome == "rejected"), None)
        accepted = max(
            (f for f in collected.files if f.outcome == "accepted"),
            key=lambda f: f.sheets,
            default=None,
        )
        for label, outcome in (("with_mistakes", rejected), ("filled", accepted)):
            if outcome is not None:
                source = ws / outcome.file
                shutil.copy(source, OUT / "returns" / f"{label}_{source.name}")
        for name in ("validation.xlsx", "validation.csv", "results.xlsx", "scores.csv"):
            shutil.copy(ws / "results" / name, OUT / "results" / name)
        shutil.copy(ws / "plan.yaml", OUT / "plan.yaml")
        for pdf in (ws / "reports").glob("E0002_*.pdf"):
            shutil.copy(pdf, OUT / "reports" / pdf.name)
    print(f"workbooks written to {OUT}")


if __name__ == "__main__":
    main()
