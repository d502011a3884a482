"""Plan files <-> Plan: YAML and Excel plan workbooks, validation, the built-in example, goal alignment. May import: core, files."""
