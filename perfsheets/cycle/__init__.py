"""Stage: set up a cycle workspace (init) and check its plan and roster. May import: core, files, ledger, plan."""
