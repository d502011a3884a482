"""The e-mail stage: send each rater their form, remind those still to return, fetch the returns.

Settings come from ``mail.yaml`` in the workspace (:mod:`perfsheets.mail.settings`); the password
only from the environment or the system keyring. What was sent and fetched is kept in the ledger
(:mod:`perfsheets.ledger.mail`), so every command can be run again and resumes where it stopped.
"""
