"""Performance improvement plans (绩效改进计划): PIP workbooks per manager for the employees whose
final grade requires one (:mod:`.generate`, :mod:`.book`), simulated checkpoint results
(:mod:`.simulate`) and where the PIPs stand (:mod:`.status`). May import core, files, ledger, plan.
"""
