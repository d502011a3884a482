"""Stage: the calibration meeting (绩效校准) and the release of results. May import: core, files, ledger, plan."""
