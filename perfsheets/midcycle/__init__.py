"""Stage: changes during a cycle: imported actuals, target changes, appeals, progress. May import: core, files, ledger, plan."""
