"""Stage: read returned workbooks, check them, store accepted returns, write the validation report.

``run`` orchestrates (find the files, check them in workers, store them in batches, write the
outputs); ``files`` opens untrusted files safely; ``identify`` tells which form a file is;
``check`` checks its sheets, reading typed values with ``values`` against what ``context``
gathered from the plan and the ledger; ``problems`` is collect's catalogue of problems;
``store`` decides what becomes of each file in the ledger; ``outcome`` holds the records of a
run; ``outputs`` and ``validation_book`` write validation.csv/.xlsx; ``status`` is the return
status per rater and department. May import: core, files, ledger, plan.
"""
