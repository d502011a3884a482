"""Stage: pay and consequences (结果应用): bonuses from the final grades and a salaries file,
checked against the plan's bonus pools and written as the payroll system's import file; the
lists HR hands on (promotion candidates, PIP, honours, per grade, training needs). May import:
core, files, ledger, plan."""
