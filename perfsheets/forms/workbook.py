"""The forms' xlsxwriter plumbing, which now lives in :mod:`perfsheets.files.formbook` (the
interview records use it too); importable from here as before."""

from perfsheets.files.formbook import (
    cached,
    company,
    formats,
    header_text,
    print_setup,
    protect,
    row_points,
    workbook_class,
    write_value,
)

__all__ = [
    "cached",
    "company",
    "formats",
    "header_text",
    "print_setup",
    "protect",
    "row_points",
    "workbook_class",
    "write_value",
]
