"""Stage: consolidate returns into scores, grades, fairness statistics and the results books. May import: core, files, ledger, plan."""
