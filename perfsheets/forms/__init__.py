"""Stage: generate the protected assessment workbooks (and simulate filled returns). May import: core, files, ledger, plan."""
