"""The cycle ledger (SQLite), the only package with SQL: workspace, schema, audit, typed reads and writes. May import: core, files."""
