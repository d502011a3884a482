"""Stage: read returned workbooks, check them, store accepted returns, write the validation report. May import: core, files, ledger, plan."""
