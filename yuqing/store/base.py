"""Opening the database (pending migrations applied under the write lock), the write
transaction, and the helpers every table family shares."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from yuqing.errors import StoreError
from yuqing.models import Item
from yuqing.store.blank import blank_script, create_blank, is_blank
from yuqing.store.guard import guard_methods, only_readable, wrap_exceptions
from yuqing.store.rebuild import finish_search_rebuild, rebuild_pending

BUSY_TIMEOUT_SECONDS = 30.0

# The name of schema.py's last migration: a store that has it applied is current, and
# opening it needs neither schema.py nor sqlite-utils (test_store checks the two agree).
LATEST_MIGRATION = "m020_lean_store"


def connect(path: Path) -> sqlite3.Connection:
    """A connection set up the way every yuqing store is used (WAL, 30 s busy wait)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                           check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    """The store of a workspace this account may only read (a read-only share or copy,
    another officer's account). WAL mode needs a -shm file beside the database, which such
    a directory cannot get: with no unfinished -wal file the database file is the whole
    store and is opened as immutable (no locks, no -shm); with one, as read-only, which
    works where the -shm file exists too."""
    wal = path.with_name(path.name + "-wal")
    unfinished = wal.exists() and wal.stat().st_size > 0
    uri = f"file:{quote(str(path))}?{'mode=ro' if unfinished else 'immutable=1'}"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                           check_same_thread=False)


def _schema_is_current(conn: sqlite3.Connection) -> bool:
    try:
        row = conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'yuqing' AND name = ?", [LATEST_MIGRATION]
        ).fetchone()
    except sqlite3.OperationalError:  # no migrations table: a new store
        return False
    return row is not None


POST_COLUMNS = (
    "id", "source", "channel", "site", "url", "guid", "title", "text", "author",
    "published_at", "first_seen_at", "last_seen_at", "clicks", "comments",
)


@dataclass
class BatchCounts:
    new: int = 0
    seen: int = 0
    new_keys: list[str] = field(default_factory=list)


URL_KEY = "url:"


def post_key(item: Item) -> str:
    """The dedupe key: a stable guid when the source gives one, else the normalised URL."""
    if item.guid:
        return "guid:" + item.guid
    return URL_KEY + item.url


def stored_key(key: str, url: str) -> str | None:
    """What posts.key holds: NULL for a post keyed by its (non-empty) URL, which the row
    holds already (m020); the key itself otherwise."""
    return None if url and key == URL_KEY + url else key


_rebuild_reporter: Callable[[int, int], None] | None = None


def report_rebuilds_to(report: Callable[[int, int], None] | None) -> None:
    """Have ``report`` told (posts indexed up to this id, the last post id) after each chunk
    when opening a store rebuilds its search index after an upgrade: minutes for a large
    store, so the CLI says so."""
    global _rebuild_reporter
    _rebuild_reporter = report


class StoreBase:
    busy_seconds = BUSY_TIMEOUT_SECONDS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        guard_methods(cls)  # the one place SQLite errors become StoreError

    def __init__(self, path: Path | str, *, replay_migrations: bool = False):
        """Open (or create) the store at path. A new file gets the current schema in one
        script (blank.py); `replay_migrations` builds it by replaying every migration
        instead, as stores that exist are brought up to date (what the script is made from)."""
        self.path = Path(path)
        # Search rows of the open batch's posts, written at its commit (see index_rows).
        self._batch_search_rows: list[tuple[int, str]] | None = None
        with wrap_exceptions(self.path, self.busy_seconds):
            try:
                self.conn = connect(self.path)
            except sqlite3.Error as exc:
                if not only_readable(self.path, exc):
                    raise
                self._open_read_only()
                return
            if not _schema_is_current(self.conn):
                # Under the write lock, so two cron runs never migrate at once.
                with self.write():
                    self._bring_up_to_date(replay_migrations)
            if rebuild_pending(self.conn):
                finish_search_rebuild(self, on_chunk=self._rebuild_progress())

    def _open_read_only(self) -> None:
        """Reading commands work; the first write says the workspace is read-only."""
        self.conn = connect_read_only(self.path)
        if not _schema_is_current(self.conn):
            self.conn.close()
            raise StoreError(f"工作目录只读：{self.path.parent}，而数据库是旧版本，需要先在可写的工作目录里"
                             "运行一次 yuqing status 升级")

    def _bring_up_to_date(self, replay_migrations: bool) -> None:
        if is_blank(self.conn) and not replay_migrations:
            create_blank(self.conn)
            if _schema_is_current(self.conn):
                return  # else a script older than the migrations (a test flags it): they finish
        from yuqing.store.schema import migrate

        migrate(self.conn)  # a new store gets its application_id here too

    def blank_script(self) -> str:
        """The script that creates a store like this one (see blank.py)."""
        return blank_script(self.conn)

    def _rebuild_progress(self) -> Callable[[int], None] | None:
        report = _rebuild_reporter
        if report is None:
            return None
        (last,) = self.conn.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()
        return lambda done: report(done, last)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (BEGIN IMMEDIATE)."""
        if self.conn.in_transaction:
            yield self.conn
            return
        with wrap_exceptions(self.path, self.busy_seconds):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self._rollback()
                raise
            else:
                self.conn.execute("COMMIT")

    def begin_batch(self) -> None:
        """Open a write transaction that several `part()`s share until `commit_batch()`.

        A commit costs more than a small batch of posts (the search index writes a new
        segment each time), so a collection run commits a few dozen sources at once."""
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self._batch_search_rows = []

    def commit_batch(self) -> None:
        rows, self._batch_search_rows = self._batch_search_rows, None
        if not self.conn.in_transaction:
            return
        try:
            if rows:
                self._insert_search_rows(rows)
            self.conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def index_rows(self, rows: list[tuple[int, str]]) -> None:
        """Add (post id, grams) rows to the search index; in a batch, at its commit.

        FTS5 writes the terms it holds in memory to a new segment of the index at every
        savepoint, so rows added inside each source's `part()` cost a segment per source
        (about a third of a collection run's store CPU, and merging them later); held
        back to the commit they make one segment per batch, in the same transaction."""
        if self._batch_search_rows is not None and self.conn.in_transaction:
            self._batch_search_rows += rows
        else:
            self._insert_search_rows(rows)

    def _insert_search_rows(self, rows: list[tuple[int, str]]) -> None:
        self.conn.executemany("INSERT INTO post_search (rowid, grams) VALUES (?, ?)", rows)

    @contextmanager
    def part(self) -> Iterator[sqlite3.Connection]:
        """Writes inside an open batch that fail alone: an exception undoes this part's own
        writes (a SAVEPOINT) and leaves the batch's others. Without a batch, a `write()`."""
        if not self.conn.in_transaction:
            with self.write() as conn:
                yield conn
            return
        held = len(self._batch_search_rows or ())
        with wrap_exceptions(self.path, self.busy_seconds):
            self.conn.execute("SAVEPOINT part")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:  # SQLite may have rolled everything back itself
                    self.conn.execute("ROLLBACK TO part")
                    self.conn.execute("RELEASE part")
                    if self._batch_search_rows is not None:
                        del self._batch_search_rows[held:]  # this part's posts are gone
                else:
                    self._batch_search_rows = None  # and with them the whole batch
                raise
            else:
                self.conn.execute("RELEASE part")

    @contextmanager
    def rolled_back(self) -> Iterator[sqlite3.Connection]:
        """Work that must leave no trace (a dry run): always rolled back."""
        with wrap_exceptions(self.path, self.busy_seconds):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            finally:
                self._rollback()

    def _rollback(self) -> None:
        # SQLite may already have rolled back (disk full, I/O error): the first error counts.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _rows(self, sql: str, params: list[Any] | tuple = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def schema_objects(self) -> list[tuple[str, str, str]]:
        """(type, name, sql) of every table, index and trigger, tables first (for the docs)."""
        return self.conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            " AND name NOT LIKE 'post_search_%' ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, name"
        ).fetchall()
