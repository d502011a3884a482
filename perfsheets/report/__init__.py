"""Stage: render the PDF interview reports, manager packs and HR summary. May import: core, files, ledger, plan."""
