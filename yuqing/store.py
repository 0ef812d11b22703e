"""The SQLite store: every SQL statement of the project lives in this module, except the
schema's migrations (schema.py), which every open applies when any is pending.

Writers take the lock up front with
`BEGIN IMMEDIATE` so a cron run never fails half-way with SQLITE_BUSY, and each
source's batch is one transaction: a `kill -9` leaves all of it or none of it.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import StoreError
from .models import Item
from .search import grams

BUSY_TIMEOUT_SECONDS = 30.0

# The name of schema.py's last migration: a store that has it applied is current, and
# opening it needs neither schema.py nor sqlite-utils (test_store checks the two agree).
LATEST_MIGRATION = "m009_post_readings"


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


def post_key(item: Item) -> str:
    """The dedupe key: a stable guid when the source gives one, else the normalised URL."""
    if item.guid:
        return "guid:" + item.guid
    return "url:" + item.url


class Store:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self.conn = conn
            if not _schema_is_current(conn):
                from .schema import migrate

                # Under the write lock, so two cron runs never migrate at once.
                with self.write():
                    migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"无法打开数据库 {self.path}：{exc}") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (BEGIN IMMEDIATE)."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    @contextmanager
    def rolled_back(self) -> Iterator[sqlite3.Connection]:
        """Work that must leave no trace (a dry run): always rolled back."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        finally:
            self.conn.execute("ROLLBACK")

    # -- posts -------------------------------------------------------------

    def save_items(
        self,
        *,
        source: str,
        channel: str,
        site: str,
        mainstream: bool,
        items: Iterable[Item],
        seen_at: str,
    ) -> BatchCounts:
        """Insert new posts and refresh seen ones; forum figures get an observation each.

        Call inside `write()` so the whole batch commits together.
        """
        unique: dict[str, Item] = {}
        for item in items:
            unique.setdefault(post_key(item), item)
        if not unique:
            return BatchCounts()
        existing = self._existing_ids(source, list(unique))
        counts = BatchCounts()
        new_rows = []
        seen_rows = []
        for key, item in unique.items():
            if key in existing:
                seen_rows.append((seen_at, item.clicks, item.comments, existing[key]))
            else:
                new_rows.append((
                    source, channel, site, int(mainstream), key, item.url, item.guid,
                    item.title, item.text, item.author, item.published_at, seen_at, seen_at,
                    item.clicks, item.comments,
                ))
        with self.write() as conn:
            conn.executemany(
                """
                INSERT INTO posts (source, channel, site, mainstream, key, url, guid, title,
                    text, author, published_at, first_seen_at, last_seen_at, clicks, comments)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                new_rows,
            )
            conn.executemany(
                """
                UPDATE posts SET last_seen_at = ?,
                    clicks = coalesce(?, clicks), comments = coalesce(?, comments)
                WHERE id = ?
                """,
                seen_rows,
            )
            self._mark_events_dirty(conn, [row[3] for row in seen_rows])
            self._index_new(conn, source, [unique[row[4]] for row in new_rows], [row[4] for row in new_rows])
            self._observe(conn, source, unique, seen_at)
        counts.new, counts.seen = len(new_rows), len(seen_rows)
        counts.new_keys = [row[4] for row in new_rows]
        return counts

    def _index_new(self, conn: sqlite3.Connection, source: str, items: list[Item], keys: list[str]) -> None:
        if not items:
            return
        ids = self._existing_ids(source, keys)
        conn.executemany(
            "INSERT INTO post_search (rowid, grams) VALUES (?, ?)",
            [(ids[key], item.grams if item.grams is not None else grams(f"{item.title} {item.text}"))
             for item, key in zip(items, keys, strict=True)],
        )

    def search_posts(
        self, match: str | None, singles: list[str], *, since: str | None = None,
        level: list[str] | None = None, site: str | None = None, limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Posts matching the FTS expression and every single character, newest first.

        Post ids grow in collection order, so the newest matches are the highest rowids:
        the FTS index is walked from the top a page at a time and stops once `limit`
        posts pass the filters, instead of sorting every match.
        """
        where, params = [], []
        for char in singles:
            where.append("(p.title LIKE ? OR p.text LIKE ?)")
            params += [f"%{char}%", f"%{char}%"]
        if since:
            where.append("p.first_seen_at >= ?")
            params.append(since)
        if level:
            where.append(f"e.level IN ({','.join('?' * len(level))})")
            params += level
        if site:
            where.append("p.site = ?")
            params.append(site)
        select = ("SELECT p.id, p.site, p.url, p.title, p.text, p.first_seen_at, p.published_at,"
                  " p.clicks, p.comments, p.event_id, e.level FROM posts p"
                  " LEFT JOIN events e ON e.id = p.event_id")
        if match is None:  # single characters only: a scan, newest first
            sql = select + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY p.id DESC LIMIT ?"
            return self._rows(sql, [*params, limit])
        found: list[dict[str, Any]] = []
        below = None
        page = max(limit * 4, 200)
        while len(found) < limit:
            ids = [r[0] for r in self.conn.execute(
                "SELECT rowid FROM post_search WHERE post_search MATCH ?"
                + (" AND rowid < ?" if below is not None else "") + " ORDER BY rowid DESC LIMIT ?",
                [match, *([below] if below is not None else []), page],
            )]
            if not ids:
                break
            marks = ",".join("?" * len(ids))
            conditions = [f"p.id IN ({marks})", *where]
            found += self._rows(select + " WHERE " + " AND ".join(conditions) + " ORDER BY p.id DESC",
                                [*ids, *params])
            below = ids[-1]
            if len(ids) < page:
                break
        return found[:limit]

    def _mark_events_dirty(self, conn: sqlite3.Connection, post_ids: list[int]) -> None:
        for start in range(0, len(post_ids), 500):
            chunk = post_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            conn.execute(
                f"UPDATE events SET dirty = 1 WHERE dirty = 0 AND id IN"
                f" (SELECT event_id FROM posts WHERE id IN ({marks}) AND event_id IS NOT NULL)",
                chunk,
            )

    def _existing_ids(self, source: str, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT key, id FROM posts WHERE source = ? AND key IN ({marks})",
                [source, *chunk],
            )
            found.update(rows)
        return found

    def _observe(
        self, conn: sqlite3.Connection, source: str, unique: dict[str, Item], seen_at: str
    ) -> None:
        with_figures = {k: i for k, i in unique.items() if i.clicks is not None or i.comments is not None}
        if not with_figures:
            return
        ids = self._existing_ids(source, list(with_figures))
        conn.executemany(
            "INSERT INTO observations (post_id, observed_at, clicks, comments) VALUES (?, ?, ?, ?)",
            [(ids[k], seen_at, i.clicks, i.comments) for k, i in with_figures.items()],
        )

    def keep_evidence(self, *, source: str, sha256: str, url: str, fetched_at: str, body: bytes,
                      post_keys: list[str]) -> None:
        """Keep the raw body the given (new) posts were read from. Call inside `write()`."""
        with self.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO raw_bodies (sha256, url, fetched_at, size, data) VALUES (?, ?, ?, ?, ?)",
                [sha256, url, fetched_at, len(body), zlib.compress(body, 6)],
            )
            for start in range(0, len(post_keys), 500):
                chunk = post_keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                conn.execute(f"UPDATE posts SET body_sha = ? WHERE source = ? AND key IN ({marks})",
                             [sha256, source, *chunk])

    def evidence(self, sha256: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT sha256, url, fetched_at, size, data FROM raw_bodies WHERE sha256 = ?", [sha256])
        if not rows:
            return None
        row = rows[0]
        row["data"] = zlib.decompress(row["data"])
        return row

    def prune_evidence(self, before: str) -> int:
        """Drop old bodies that no post of any event was read from."""
        with self.write() as conn:
            cursor = conn.execute(
                "DELETE FROM raw_bodies WHERE fetched_at < ? AND sha256 NOT IN"
                " (SELECT body_sha FROM posts WHERE event_id IS NOT NULL AND body_sha IS NOT NULL)",
                [before],
            )
            return cursor.rowcount

    def notices_for_event(self, event_id: int) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT n.notice_no, n.kind, n.level, n.subject, n.body, n.created_at,"
            " group_concat(d.channel || ':' || d.status, ' ') AS deliveries"
            " FROM notices n LEFT JOIN deliveries d ON d.notice_id = n.id WHERE n.event_id = ?"
            " GROUP BY n.id ORDER BY n.id",
            [event_id],
        )

    def count_posts(self, source: str | None = None) -> int:
        if source is None:
            return self.conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        return self.conn.execute(
            "SELECT count(*) FROM posts WHERE source = ?", [source]
        ).fetchone()[0]

    def iter_posts(self, *, source: str | None = None) -> Iterator[dict[str, Any]]:
        cols = ", ".join(POST_COLUMNS)
        sql = f"SELECT {cols} FROM posts"
        params: list[Any] = []
        if source:
            sql += " WHERE source = ?"
            params.append(source)
        sql += " ORDER BY id"
        cursor = self.conn.execute(sql, params)
        for row in cursor:
            yield dict(zip(POST_COLUMNS, row, strict=True))

    def observations(self, post_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT observed_at, clicks, comments FROM observations WHERE post_id = ?"
            " ORDER BY observed_at, rowid",
            [post_id],
        )
        return [{"observed_at": a, "clicks": c, "comments": m} for a, c, m in rows]

    # -- analysis and events ---------------------------------------------------

    def pending_post_times(self) -> list[tuple[int, str]]:
        """(id, publication or first-seen time) of the posts not yet analysed."""
        return list(self.conn.execute(
            "SELECT id, coalesce(published_at, first_seen_at) FROM posts WHERE analysed = 0"
        ))

    def posts_to_analyse(self, post_ids: list[int]) -> list[dict[str, Any]]:
        """The given posts as analysis reads them, in the order given."""
        cols = ("id", "title", "text", "published_at", "first_seen_at")
        rows = self.conn.execute(
            f"SELECT {', '.join(cols)} FROM posts WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(post_ids)],
        )
        found = {row[0]: dict(zip(cols, row, strict=True)) for row in rows}
        return [found[i] for i in post_ids if i in found]

    def all_post_texts(self) -> list[dict[str, Any]]:
        cols = ("id", "title", "text", "event_id", "negative", "topics")
        rows = self.conn.execute(f"SELECT {', '.join(cols)} FROM posts ORDER BY id")
        return [dict(zip(cols, row, strict=True)) for row in rows]

    def recent_fingerprints(self, since: str) -> list[tuple[int, int, bytes, str]]:
        """(post_id, event_id, fingerprint, time) of grouped posts first seen since `since`."""
        rows = self.conn.execute(
            """
            SELECT id, event_id, fingerprint, coalesce(published_at, first_seen_at) FROM posts
            WHERE first_seen_at >= ? AND fingerprint IS NOT NULL AND event_id IS NOT NULL
            """,
            [since],
        )
        return list(rows)

    def create_events(self, events: list[tuple[str, str]]) -> list[int]:
        """New events from (title, first seen at); their ids, in order."""
        with self.write() as conn:  # the write lock is held: nobody else can take these ids
            (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
            ids = list(range(last + 1, last + 1 + len(events)))
            conn.executemany(
                "INSERT INTO events (id, title, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)",
                [(event_id, title, seen_at, seen_at) for event_id, (title, seen_at) in zip(ids, events, strict=True)],
            )
            return ids

    def save_analysis(self, rows: list[tuple]) -> None:
        """rows: (event_id, negative, topics_json, categories_json, mentions_json, fingerprint, post_id)."""
        with self.write() as conn:
            conn.executemany(
                "UPDATE posts SET event_id = ?, negative = ?, topics = ?, categories = ?, mentions = ?,"
                " fingerprint = ?, analysed = 1 WHERE id = ?",
                rows,
            )
            event_ids = sorted({row[0] for row in rows if row[0] is not None})
            conn.executemany("UPDATE events SET dirty = 1 WHERE id = ?", [(e,) for e in event_ids])

    def mark_all_events_dirty(self) -> None:
        with self.write() as conn:
            conn.execute("UPDATE events SET dirty = 1")

    def reset_analysis(self) -> None:
        """After rules.toml changed: posts outside events are matched and grouped again;
        posts inside events keep their event (see `refresh_readings`)."""
        with self.write() as conn:
            conn.execute("UPDATE posts SET analysed = 0 WHERE event_id IS NULL")

    def grouped_post_ids(self) -> list[int]:
        return [row[0] for row in self.conn.execute("SELECT id FROM posts WHERE event_id IS NOT NULL ORDER BY id")]

    def refresh_readings(self, rows: list[tuple]) -> None:
        """rows: (negative, topics_json, categories_json, mentions_json, post_id)."""
        with self.write() as conn:
            conn.executemany(
                "UPDATE posts SET negative = ?, topics = ?, categories = ?, mentions = ? WHERE id = ?", rows
            )

    def dirty_event_ids(self) -> list[int]:
        return [row[0] for row in self.conn.execute("SELECT id FROM events WHERE dirty = 1 ORDER BY id")]

    def event_posts(self, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Each event's posts, oldest first."""
        cols = ("id", "event_id", "site", "url", "title", "text", "mainstream", "negative",
                "published_at", "first_seen_at", "last_seen_at", "clicks", "comments", "source", "body_sha")
        return self._event_rows(event_ids, cols, [f"p.{c}" for c in cols])

    def event_posts_for_grading(self, event_ids: list[int], *, text_chars: int) -> dict[int, list[dict[str, Any]]]:
        """Each event's posts as grading reads them, oldest first: figures and readings;
        the start of the text only for posts without a stored reading (see m009)."""
        cols = ("id", "event_id", "site", "url", "title", "mainstream", "negative", "topics", "categories",
                "mentions", "published_at", "first_seen_at", "last_seen_at", "clicks", "comments", "text")
        selected = [f"p.{c}" for c in cols[:-1]]
        selected.append(f"CASE WHEN p.categories IS NULL THEN substr(p.text, 1, {int(text_chars)}) END")
        return self._event_rows(event_ids, cols, selected)

    def _event_rows(self, event_ids: list[int], cols: tuple[str, ...],
                    selected: list[str]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {e: [] for e in event_ids}
        rows = self.conn.execute(
            f"SELECT {', '.join(selected)} FROM posts p"
            " WHERE p.event_id IN (SELECT value FROM json_each(?))"
            " ORDER BY coalesce(p.published_at, p.first_seen_at), p.id",
            [json.dumps(event_ids)],
        )
        for row in rows:
            post = dict(zip(cols, row, strict=True))
            found[post["event_id"]].append(post)
        return found

    def figures_before(self, post_ids: list[int], cutoff: str) -> dict[int, tuple[int, int]]:
        """Each post's clicks and comments as last observed at or before `cutoff`, else
        as first observed after it (a post that appeared inside the window)."""
        result: dict[int, tuple[int, int]] = {}
        for start in range(0, len(post_ids), 500):
            chunk = post_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"""
                SELECT post_id, clicks, comments FROM (
                    SELECT post_id, clicks, comments, row_number() OVER (
                        PARTITION BY post_id
                        ORDER BY (observed_at <= ?) DESC,
                                 CASE WHEN observed_at <= ? THEN observed_at END DESC,
                                 observed_at ASC) AS pick
                    FROM observations WHERE post_id IN ({marks})
                ) WHERE pick = 1
                """,
                [cutoff, cutoff, *chunk],
            )
            for post_id, clicks, comments in rows:
                result[post_id] = (clicks or 0, comments or 0)
        return result

    def event_levels(self, event_ids: list[int]) -> dict[int, str | None]:
        found: dict[int, str | None] = {}
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.conn.execute(f"SELECT id, level FROM events WHERE id IN ({marks})", chunk))
        return found

    EVENT_GRADE_COLUMNS = (
        "title", "first_post_id", "first_site", "first_at", "first_seen_at", "last_seen_at",
        "level", "reasons", "categories", "topics", "negative", "posts", "sites",
        "mainstream_sites", "clicks", "comments", "reprints", "clicks_before",
        "comments_before", "graded_at",
    )

    def save_event_grades(self, rows: list[tuple], changes: list[tuple]) -> None:
        """rows: the EVENT_GRADE_COLUMNS of an event, then its id (positional parameters bind
        in half the time of named ones); changes: (event_id, at, old, new, reasons_json)."""
        assignments = ", ".join(f"{c} = ?" for c in self.EVENT_GRADE_COLUMNS)
        with self.write() as conn:
            conn.executemany(f"UPDATE events SET {assignments}, dirty = 0 WHERE id = ?", rows)
            conn.executemany(
                "INSERT INTO level_changes (event_id, at, old_level, new_level, reasons)"
                " VALUES (?, ?, ?, ?, ?)",
                changes,
            )

    def list_events(
        self, *, level_at_least: list[str] | None = None, since: str | None = None,
        topic: str | None = None, limit: int | None = None,
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM events WHERE posts > 0"
        params: list[Any] = []
        if level_at_least:
            sql += f" AND level IN ({','.join('?' * len(level_at_least))})"
            params += level_at_least
        if since:
            sql += " AND last_seen_at >= ?"
            params.append(since)
        if topic:
            sql += " AND EXISTS (SELECT 1 FROM json_each(events.topics) WHERE value = ?)"
            params.append(topic)
        sql += " ORDER BY last_seen_at DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def get_event(self, event_id: int) -> dict[str, Any] | None:
        cursor = self.conn.execute("SELECT * FROM events WHERE id = ?", [event_id])
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def level_history(self, event_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT at, old_level, new_level, reasons FROM level_changes WHERE event_id = ?"
            " ORDER BY at, id",
            [event_id],
        )
        return [{"at": a, "old_level": o, "new_level": n, "reasons": json.loads(r)} for a, o, n, r in rows]

    def post_event_columns(self) -> dict[int, tuple[int | None, str | None, int | None]]:
        """post id → (event_id, event level, negative): for the export."""
        rows = self.conn.execute(
            "SELECT p.id, p.event_id, e.level, p.negative FROM posts p"
            " LEFT JOIN events e ON e.id = p.event_id"
        )
        return {pid: (eid, level, neg) for pid, eid, level, neg in rows}

    # -- cases -----------------------------------------------------------------

    def events_for_cases(self, levels: list[str]) -> list[dict[str, Any]]:
        """Graded events at the given levels, with their case if one is open."""
        marks = ",".join("?" * len(levels))
        cursor = self.conn.execute(
            f"SELECT e.*, c.id AS case_id, c.level AS case_level, c.status AS case_status"
            f" FROM events e LEFT JOIN cases c ON c.event_id = e.id"
            f" WHERE e.level IN ({marks}) AND e.posts > 0",
            levels,
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def open_cases_for(self, rows: list[tuple[int, str, str, dict[str, str | None]]]) -> None:
        """Open many cases at once: rows of (event_id, level, opened_at, dues)."""
        with self.write() as conn:
            conn.executemany(
                "INSERT INTO cases (event_id, status, level, opened_at, report_due, forward_due, answer_due)"
                " VALUES (?, '待研判', ?, ?, ?, ?, ?)",
                [(e, level, at, d.get("report"), d.get("forward"), d.get("answer")) for e, level, at, d in rows],
            )

    def cases_by_event(self, event_ids: list[int]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._rows(f"SELECT * FROM cases WHERE event_id IN ({marks})", chunk):
                found[row["event_id"]] = row
        return found

    def raise_case(self, case_id: int, level: str, dues: dict[str, str | None]) -> None:
        """The event rose: new level, status 已升级, deadlines of the new level."""
        with self.write() as conn:
            conn.execute(
                "UPDATE cases SET level = ?, status = CASE WHEN closed_at IS NULL THEN '已升级' ELSE status END,"
                " report_due = coalesce(?, report_due), forward_due = coalesce(?, forward_due),"
                " answer_due = coalesce(?, answer_due) WHERE id = ?",
                [level, dues.get("report"), dues.get("forward"), dues.get("answer"), case_id],
            )

    def get_case(self, case_id: int) -> dict[str, Any] | None:
        cursor = self.conn.execute(
            "SELECT c.*, e.title, e.level AS event_level FROM cases c JOIN events e ON e.id = c.event_id"
            " WHERE c.id = ?",
            [case_id],
        )
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def get_case_for_event(self, event_id: int) -> dict[str, Any] | None:
        cursor = self.conn.execute("SELECT * FROM cases WHERE event_id = ?", [event_id])
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def list_cases(self, *, status: str | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT c.*, e.title, e.level AS event_level FROM cases c JOIN events e ON e.id = c.event_id")
        params: list[Any] = []
        if status:
            sql += " WHERE c.status = ?"
            params.append(status)
        sql += " ORDER BY c.opened_at DESC, c.id DESC"
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def open_cases(self) -> list[dict[str, Any]]:
        cursor = self.conn.execute(
            "SELECT c.*, e.title FROM cases c JOIN events e ON e.id = c.event_id WHERE c.closed_at IS NULL"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def add_case_action(self, case_id: int, *, at: str, action: str, to_dept: str | None,
                        note: str | None, by: str, status: str | None, stamps: dict[str, str]) -> None:
        """Append an action; move the status and fill the first-time stamps it satisfies."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO case_actions (case_id, at, action, to_dept, note, by) VALUES (?, ?, ?, ?, ?, ?)",
                [case_id, at, action, to_dept, note, by],
            )
            sets = ["first_action_at = coalesce(first_action_at, ?)"]
            params: list[Any] = [at]
            for column, value in stamps.items():
                sets.append(f"{column} = coalesce({column}, ?)")
                params.append(value)
            if status:
                sets.append("status = ?")
                params.append(status)
            conn.execute(f"UPDATE cases SET {', '.join(sets)} WHERE id = ?", [*params, case_id])

    def close_case(self, case_id: int, *, at: str, result: str, status: str) -> None:
        with self.write() as conn:
            conn.execute(
                "UPDATE cases SET closed_at = ?, result = ?, status = ?,"
                " answered_at = coalesce(answered_at, ?) WHERE id = ?",
                [at, result, status, at, case_id],
            )

    def case_actions(self, case_id: int) -> list[dict[str, Any]]:
        cursor = self.conn.execute(
            "SELECT at, action, to_dept, note, by FROM case_actions WHERE case_id = ? ORDER BY at, id",
            [case_id],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # -- notices ---------------------------------------------------------------

    def existing_dedupe_keys(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.conn.execute(
                f"SELECT dedupe_key FROM notices WHERE dedupe_key IN ({marks})", chunk))
        return found

    def next_notice_numbers(self, year: int, count: int) -> list[int]:
        with self.write() as conn:
            row = conn.execute("SELECT last FROM notice_numbers WHERE year = ?", [year]).fetchone()
            last = row[0] if row else 0
            conn.execute(
                "INSERT INTO notice_numbers (year, last) VALUES (?, ?)"
                " ON CONFLICT (year) DO UPDATE SET last = excluded.last",
                [year, last + count],
            )
            return list(range(last + 1, last + count + 1))

    def record_notices(self, notices: list[dict[str, Any]], channels: dict[str, list[str]]) -> None:
        """Notices are recorded as due before anything is sent (no resend storms)."""
        with self.write() as conn:
            conn.executemany(
                "INSERT INTO notices (notice_no, dedupe_key, kind, event_id, case_id, source, level,"
                " wake, subject, body, roles, created_at) VALUES (:notice_no, :dedupe_key, :kind,"
                " :event_id, :case_id, :source, :level, :wake, :subject, :body, :roles, :created_at)",
                notices,
            )
            ids = self._ids_by_dedupe_key([n["dedupe_key"] for n in notices])
            conn.executemany(
                "INSERT INTO deliveries (notice_id, channel, status) VALUES (?, ?, 'due')",
                [(ids[key], channel) for key, names in channels.items() for channel in names],
            )

    def _ids_by_dedupe_key(self, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.conn.execute(
                f"SELECT dedupe_key, id FROM notices WHERE dedupe_key IN ({marks})", chunk))
        return found

    def supersede_held(self, event_id: int, before_level_rank: list[str]) -> None:
        """A rise makes not-yet-sent lower-level notices of the event moot."""
        marks = ",".join("?" * len(before_level_rank))
        with self.write() as conn:
            conn.execute(
                f"UPDATE deliveries SET status = 'superseded' WHERE status = 'due' AND channel != 'file'"
                f" AND notice_id IN (SELECT id FROM notices WHERE event_id = ? AND kind = 'level'"
                f" AND level IN ({marks}))",
                [event_id, *before_level_rank],
            )

    def open_deliveries(self, now: str) -> list[dict[str, Any]]:
        cursor = self.conn.execute(
            "SELECT d.id, d.notice_id, d.channel, d.status, d.attempts, d.next_try_at,"
            " n.notice_no, n.kind, n.level, n.wake, n.subject, n.body, n.roles, n.event_id, n.created_at"
            " FROM deliveries d JOIN notices n ON n.id = d.notice_id"
            " WHERE d.status IN ('due', 'sending') AND (d.next_try_at IS NULL OR d.next_try_at <= ?)"
            " ORDER BY n.id, d.id",
            [now],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def mark_sending(self, delivery_ids: list[int]) -> None:
        with self.write() as conn:
            conn.executemany(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                [(d,) for d in delivery_ids],
            )

    def finish_deliveries(self, rows: list[tuple]) -> None:
        """rows: (status, next_try_at, last_error, sent_at, via, delivery_id)."""
        with self.write() as conn:
            conn.executemany(
                "UPDATE deliveries SET status = ?, next_try_at = ?, last_error = ?, sent_at = ?, via = ?"
                " WHERE id = ?",
                rows,
            )

    def robot_sent_since(self, robot: str, since: str) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM robot_sends WHERE robot = ? AND sent_at > ?", [robot, since]
        ).fetchone()[0]

    def record_robot_send(self, robot: str, at: str, keep_after: str) -> None:
        with self.write() as conn:
            conn.execute("INSERT INTO robot_sends (robot, sent_at) VALUES (?, ?)", [robot, at])
            conn.execute("DELETE FROM robot_sends WHERE robot = ? AND sent_at < ?", [robot, keep_after])

    def robot_blocked_until(self, robot: str) -> str | None:
        row = self.conn.execute("SELECT until FROM robot_blocks WHERE robot = ?", [robot]).fetchone()
        return row[0] if row else None

    def block_robot(self, robot: str, until: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO robot_blocks (robot, until) VALUES (?, ?)"
                " ON CONFLICT (robot) DO UPDATE SET until = excluded.until",
                [robot, until],
            )

    # -- reports -----------------------------------------------------------------

    def _rows(self, sql: str, params: list[Any] | tuple = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def events_between(self, start: str, end: str) -> list[dict[str, Any]]:
        """Events first seen in [start, end), hottest and most severe first."""
        return self._rows(
            "SELECT e.*, c.id AS case_id, c.status AS case_status FROM events e"
            " LEFT JOIN cases c ON c.event_id = e.id"
            " WHERE e.posts > 0 AND e.first_seen_at >= ? AND e.first_seen_at < ?"
            " ORDER BY CASE e.level WHEN '特别重大' THEN 0 WHEN '重大' THEN 1 WHEN '较大' THEN 2 ELSE 3 END,"
            " e.comments + e.clicks / 10 DESC, e.id",
            [start, end],
        )

    def active_events_between(self, start: str, end: str) -> list[dict[str, Any]]:
        """Events with any post seen in [start, end) (a digest covers what ran in its period)."""
        return self._rows(
            "SELECT e.*, c.id AS case_id, c.status AS case_status FROM events e"
            " LEFT JOIN cases c ON c.event_id = e.id"
            " WHERE e.posts > 0 AND e.last_seen_at >= ? AND e.first_seen_at < ?"
            " ORDER BY CASE e.level WHEN '特别重大' THEN 0 WHEN '重大' THEN 1 WHEN '较大' THEN 2 ELSE 3 END,"
            " e.comments + e.clicks / 10 DESC, e.id",
            [start, end],
        )

    def top_posts(self, event_id: int, limit: int = 3) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT id, site, url, title, text, comments, clicks FROM posts WHERE event_id = ?"
            " ORDER BY coalesce(comments, 0) DESC, coalesce(clicks, 0) DESC, id LIMIT ?",
            [event_id, limit],
        )

    def actions_for_events(self, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {e: [] for e in event_ids}
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT c.event_id, a.at, a.action, a.to_dept, a.note, a.by FROM case_actions a"
                f" JOIN cases c ON c.id = a.case_id WHERE c.event_id IN ({marks}) ORDER BY a.at, a.id",
                chunk,
            ):
                found[row.pop("event_id")].append(row)
        return found

    def notices_between(self, start: str, end: str) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT n.notice_no, n.kind, n.level, n.subject, n.created_at,"
            " sum(d.status = 'sent') AS sent, sum(d.status = 'failed') AS failed,"
            " sum(d.status IN ('due', 'sending')) AS pending"
            " FROM notices n LEFT JOIN deliveries d ON d.notice_id = n.id"
            " WHERE n.created_at >= ? AND n.created_at < ? GROUP BY n.id ORDER BY n.id",
            [start, end],
        )

    def count_posts_between(self, start: str, end: str) -> dict[str, int]:
        row = self.conn.execute(
            "SELECT count(*), sum(topics IS NOT NULL AND topics != '[]'), count(DISTINCT source)"
            " FROM posts WHERE first_seen_at >= ? AND first_seen_at < ?",
            [start, end],
        ).fetchone()
        return {"posts": row[0] or 0, "matched": row[1] or 0, "sources": row[2] or 0}

    def posts_by_site_between(self, start: str, end: str, limit: int = 10) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT site, count(*) AS posts FROM posts WHERE first_seen_at >= ? AND first_seen_at < ?"
            " GROUP BY site ORDER BY posts DESC, site LIMIT ?",
            [start, end, limit],
        )

    def events_by_topic_between(self, start: str, end: str) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT t.value AS topic, count(*) AS events FROM events e, json_each(e.topics) t"
            " WHERE e.posts > 0 AND e.first_seen_at >= ? AND e.first_seen_at < ?"
            " GROUP BY t.value ORDER BY events DESC, topic",
            [start, end],
        )

    def cases_between(self, start: str, end: str) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT c.*, e.title FROM cases c JOIN events e ON e.id = c.event_id"
            " WHERE c.opened_at >= ? AND c.opened_at < ? ORDER BY c.opened_at, c.id",
            [start, end],
        )

    def action_counts_between(self, start: str, end: str) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT action, count(*) FROM case_actions WHERE at >= ? AND at < ? GROUP BY action",
            [start, end],
        )
        return dict(rows)

    def digest_for_period(self, period_from: str, period_to: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM digests WHERE period_from = ? AND period_to = ? ORDER BY id DESC",
                          [period_from, period_to])
        return rows[0] if rows else None

    def issue_digest(self, *, year: int, period_from: str, period_to: str, issued_at: str,
                     event_ids: list[int]) -> int:
        """Take the year's next number and record which items the digest carried."""
        with self.write() as conn:
            row = conn.execute("SELECT coalesce(max(number), 0) FROM digests WHERE year = ?", [year]).fetchone()
            number = row[0] + 1
            cursor = conn.execute(
                "INSERT INTO digests (year, number, period_from, period_to, issued_at) VALUES (?, ?, ?, ?, ?)",
                [year, number, period_from, period_to, issued_at],
            )
            conn.executemany("INSERT INTO digest_items (digest_id, event_id) VALUES (?, ?)",
                             [(cursor.lastrowid, e) for e in event_ids])
            return number

    def set_digest_path(self, year: int, number: int, path: str) -> None:
        with self.write() as conn:
            conn.execute("UPDATE digests SET path = ? WHERE year = ? AND number = ?", [path, year, number])

    def digest_totals(self, year: int) -> dict[str, int]:
        row = self.conn.execute(
            "SELECT count(DISTINCT d.id), count(i.event_id) FROM digests d"
            " LEFT JOIN digest_items i ON i.digest_id = d.id WHERE d.year = ?",
            [year],
        ).fetchone()
        return {"digests": row[0] or 0, "items": row[1] or 0}

    def monthly_levels(self, start: str, end: str) -> list[dict[str, Any]]:
        """Events per local month and level (Asia/Shanghai is UTC+8 all year)."""
        return self._rows(
            "SELECT strftime('%m', first_seen_at, '+8 hours') AS month, level, count(*) AS events"
            " FROM events WHERE posts > 0 AND first_seen_at >= ? AND first_seen_at < ?"
            " GROUP BY month, level ORDER BY month",
            [start, end],
        )

    def daily_posts(self, start: str, end: str) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT strftime('%Y-%m-%d', p.first_seen_at, '+8 hours') AS day, coalesce(e.level, '未分级') AS level,"
            " count(*) AS posts FROM posts p LEFT JOIN events e ON e.id = p.event_id"
            " WHERE p.first_seen_at >= ? AND p.first_seen_at < ? GROUP BY day, level ORDER BY day",
            [start, end],
        )

    # -- source health -----------------------------------------------------

    def source_state(self, name: str) -> dict[str, Any]:
        cursor = self.conn.execute("SELECT * FROM source_state WHERE name = ?", [name])
        row = cursor.fetchone()
        if row is None:
            return {"name": name, "consecutive_failures": 0, "gone": 0}
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def all_source_states(self) -> dict[str, dict[str, Any]]:
        cursor = self.conn.execute("SELECT * FROM source_state")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor}

    def update_source_state(self, name: str, **fields: Any) -> None:
        """Upsert some columns of a source's health row (inside or outside a batch)."""
        cols = ["name", *fields]
        marks = ", ".join("?" * len(cols))
        updates = ", ".join(f"{c} = excluded.{c}" for c in fields) or "name = excluded.name"
        with self.write() as conn:
            conn.execute(
                f"INSERT INTO source_state ({', '.join(cols)}) VALUES ({marks})"
                f" ON CONFLICT (name) DO UPDATE SET {updates}",
                [name, *fields.values()],
            )

    def host_retry_at(self, host: str) -> str | None:
        row = self.conn.execute("SELECT retry_at FROM host_state WHERE host = ?", [host]).fetchone()
        return row[0] if row else None

    def set_host_retry_at(self, host: str, retry_at: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO host_state (host, retry_at) VALUES (?, ?)"
                " ON CONFLICT (host) DO UPDATE SET retry_at = excluded.retry_at",
                [host, retry_at],
            )

    # -- status, backup ------------------------------------------------------

    def last_run(self) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM runs ORDER BY id DESC LIMIT 1")
        return rows[0] if rows else None

    def delivery_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status"))

    def failed_deliveries(self, limit: int = 20) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT n.notice_no, d.channel, d.last_error FROM deliveries d JOIN notices n ON n.id = d.notice_id"
            " WHERE d.status = 'failed' ORDER BY d.id DESC LIMIT ?",
            [limit],
        )

    def backup_to(self, target: Path) -> None:
        """A consistent copy even while a run writes (VACUUM INTO reads one snapshot)."""
        self.conn.execute("VACUUM INTO ?", [str(target)])

    # -- runs ---------------------------------------------------------------

    def start_run(self, command: str, started_at: str) -> int:
        with self.write() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (command, started_at) VALUES (?, ?)", [command, started_at]
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, finished_at: str, exit_code: int, summary: Any) -> None:
        with self.write() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, exit_code = ?, summary = ? WHERE id = ?",
                [finished_at, exit_code, json.dumps(summary, ensure_ascii=False), run_id],
            )
