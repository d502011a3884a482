"""The bottom layer: plan model, scoring rules, problems, form layout contract, raters, results types, i18n, cell neutralising. Imports only the standard library and pydantic."""
