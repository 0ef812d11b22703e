"""A new store is created from blank_schema.sql in one step; it must be exactly the store
that replaying every migration builds."""

import sqlite3
from datetime import datetime

from helpers import modules_loaded_opening_store

from yuqing.docs import blank_schema_script
from yuqing.store import LATEST_MIGRATION, Store
from yuqing.store.blank import BLANK_SCHEMA, script_statements
from yuqing.store.schema import migration_names


def _master(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()


def _contents(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
        " AND name != '_sqlite_migrations'")]
    return {table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr) for table in tables}


def _pragmas(conn: sqlite3.Connection) -> dict[str, object]:
    names = ("application_id", "user_version", "encoding", "auto_vacuum", "page_size", "journal_mode")
    return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names}


def _migration_rows(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT id, migration_set, name FROM _sqlite_migrations ORDER BY rowid").fetchall()


def test_the_blank_schema_file_is_what_the_migrations_build_today():
    assert BLANK_SCHEMA.read_text(encoding="utf-8") == blank_schema_script(), \
        "run `python -m yuqing.docs` to regenerate yuqing/store/blank_schema.sql"


def test_a_new_store_from_the_script_is_the_one_the_migrations_build(tmp_path):
    with Store(tmp_path / "blank.db") as blank, Store(tmp_path / "replayed.db", replay_migrations=True) as replayed:
        assert _master(blank.conn) == _master(replayed.conn)
        assert _contents(blank.conn) == _contents(replayed.conn)
        assert _pragmas(blank.conn) == _pragmas(replayed.conn)
        assert _migration_rows(blank.conn) == _migration_rows(replayed.conn)
        assert [row[2] for row in _migration_rows(blank.conn)] == migration_names()
        assert migration_names()[-1] == LATEST_MIGRATION
        (applied_at,) = blank.conn.execute("SELECT DISTINCT applied_at FROM _sqlite_migrations").fetchone()
        assert datetime.fromisoformat(applied_at).utcoffset().total_seconds() == 0  # sqlite-utils' UTC format
        assert blank.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # The search index works as the replayed one does.
        for store in (blank, replayed):
            store.conn.execute("INSERT INTO post_search (rowid, grams) VALUES (1, 'ab cd')")
        assert blank.conn.execute("SELECT rowid FROM post_search WHERE post_search MATCH 'cd'").fetchall() == [(1,)]


def test_a_new_store_is_created_without_loading_the_migrations(tmp_path):
    assert modules_loaded_opening_store(tmp_path / "new.db", ("yuqing.store.schema", "sqlite_utils")) == []
    with sqlite3.connect(tmp_path / "new.db") as conn:
        assert conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id DESC LIMIT 1").fetchone() \
            == (LATEST_MIGRATION,)


def test_a_store_that_exists_is_migrated_not_recreated(tmp_path):
    with Store(tmp_path / "y.db") as store:
        store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [LATEST_MIGRATION])
        store.conn.execute("INSERT INTO own_sources (name) VALUES ('本地源')")
    with Store(tmp_path / "y.db") as store:  # m020 again (its statements are idempotent), the row kept
        assert store.conn.execute("SELECT name FROM own_sources").fetchall() == [("本地源",)]
        assert [row[2] for row in _migration_rows(store.conn)] == migration_names()


def test_a_script_behind_the_migrations_is_finished_by_them(tmp_path, monkeypatch):
    import yuqing.store.blank

    record = f"'{LATEST_MIGRATION}', :applied_at);"
    script = BLANK_SCHEMA.read_text(encoding="utf-8")
    assert record in script
    behind = tmp_path / "behind.sql"
    behind.write_text("\n".join(line for line in script.splitlines() if record not in line), encoding="utf-8")
    monkeypatch.setattr(yuqing.store.blank, "BLANK_SCHEMA", behind)
    with Store(tmp_path / "y.db") as store, Store(tmp_path / "replayed.db", replay_migrations=True) as replayed:
        assert [row[2] for row in _migration_rows(store.conn)] == migration_names()
        assert _master(store.conn) == _master(replayed.conn)


def test_a_trigger_body_stays_one_statement():
    statements = script_statements(BLANK_SCHEMA.read_text(encoding="utf-8"))
    triggers = [s for s in statements if s.startswith("CREATE TRIGGER")]
    assert triggers and all(s.rstrip().endswith("END;") for s in triggers)
    assert all(sqlite3.complete_statement(s) for s in statements)
