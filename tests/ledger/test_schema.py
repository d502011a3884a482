"""The ledger schema: numbered migrations upgrade an old workspace; constraints hold."""

from __future__ import annotations

import sqlite3

import pytest

from perfsheets.ledger import integrity
from perfsheets.ledger.schema import MIGRATIONS, SCHEMA_VERSION, schema_version
from perfsheets.ledger.workspace import Workspace


def _version_1_ledger(ws: Workspace) -> None:
    """A ledger as perfsheets 0.1 left it, with a form, a return, an entry and a result."""
    ws.root.mkdir(parents=True)
    conn = sqlite3.connect(ws.ledger_path)
    conn.executescript(MIGRATIONS[0])
    conn.executescript(
        """
        INSERT INTO meta VALUES ('schema_version', '1');
        INSERT INTO plan_versions VALUES (1, 'd', '{}', 't');
        INSERT INTO forms VALUES ('F1', 1, 'R1', 'f.xlsx', 'dig', 't');
        INSERT INTO form_sheets VALUES ('F1', 'S1', 'E1', 'manager', '{}');
        INSERT INTO returns VALUES (1, 'F1', 'f.xlsx', 'sha', 'ch', 'a/x', 't', NULL);
        INSERT INTO entries VALUES (1, 'E1', 'R1', 'manager', 'K1', 'actual', 95.5, NULL);
        INSERT INTO runs VALUES (1, 'consolidate', 1, 't', '{}');
        INSERT INTO results VALUES (1, 'E1', 88.5, 'A', 1, '{}');
        INSERT INTO appeals (employee_id, reason, opened_at) VALUES ('E1', 'r', 't');
        """
    )
    conn.commit()
    conn.close()


def test_a_version_1_ledger_is_upgraded_in_place_and_keeps_its_rows(tmp_path):
    ws = Workspace(tmp_path / "ws")
    _version_1_ledger(ws)
    with ws.ledger() as db:
        assert schema_version(db) == SCHEMA_VERSION == 15
        assert db.execute("SELECT value_num FROM entries").fetchall() == [(95.5,)]
        assert db.execute("SELECT grade, total_score FROM results").fetchall() == [("A", 88.5)]
        assert db.execute("SELECT status FROM appeals").fetchall() == [("open",)]
        assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
        # v4: the return's sheet is in force from the return itself, saved at an unknown time
        assert db.execute("SELECT * FROM return_sheets").fetchall() == [
            (1, "S1", "E1", "manager", 1, "", "t")
        ]
        assert db.execute("SELECT saved_at FROM returns").fetchall() == [("",)]
        # v5: the rows an old ledger holds are sealed on upgrade, and then check out
        (digest,) = db.execute("SELECT entries_digest FROM returns").fetchone()
        assert len(digest) == 64
        assert "" not in {c for (c,) in db.execute("SELECT chain FROM audit")}
        assert integrity.changed_returns(db) == [] and integrity.broken_chain(db) == []
    with ws.ledger() as db:  # opening again migrates nothing
        assert schema_version(db) == SCHEMA_VERSION


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO results VALUES (99, 'E1', 1, 'A', 1, '{}')",  # no such run
        "INSERT INTO results VALUES (1, 'E2', 1, 'A', 7, '{}')",  # complete is 0 or 1
        "INSERT INTO entries VALUES (42, 'E1', 'R1', 'manager', 'K1', 'actual', 1, NULL)",
        "INSERT INTO problems VALUES ('f', 's', 'A1', 'fatal', 'c', 'm', NULL, NULL, 't', NULL)",
        "UPDATE appeals SET status = 'maybe'",
        "INSERT INTO runs VALUES (2, 'consolidate', 7, 't', NULL)",  # no such plan version
        "INSERT INTO return_sheets VALUES (9, 'S1', 'E1', 'manager', 9, '', 't')",  # no return
        "INSERT INTO rejections VALUES ('f', '', '', 'F9', NULL, '', 't', 't')",  # no such form
    ],
)
def test_constraints_refuse_rows_that_make_no_sense(tmp_path, statement):
    ws = Workspace(tmp_path / "ws")
    _version_1_ledger(ws)
    with pytest.raises(sqlite3.IntegrityError), ws.ledger() as db:
        db.execute(statement)


def test_a_ledger_newer_than_this_perfsheets_is_refused(tmp_path):
    from perfsheets.core.problems import PerfsheetsError

    ws = Workspace(tmp_path / "ws").create()
    with ws.ledger() as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(PerfsheetsError, match="newer"), ws.ledger():
        pass
