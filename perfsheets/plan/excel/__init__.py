"""The Excel plan workbook: the whole plan as sheets HR can edit, and back.

One sheet per part of the plan (settings and cycle, scales, rater types, roles, KPIs, key tasks,
competencies, grades, roll-up, goals, roster, rater relations, individual targets, external
raters), with an instructions sheet, header notes and drop-down lists. Reading turns the sheets
into the same plain data as a YAML plan, plus a map from every model path to its sheet and cell so
that problems point at the cell to fix. Headers are matched by their Chinese or English label (or
the field key), so a workbook written in one language reads in the other, and columns HR adds for
their own notes are ignored.

:mod:`.sheets` declares the sheets and their columns, :mod:`.write` writes a workbook and
:mod:`.read` reads one back.
"""
