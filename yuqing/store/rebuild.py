"""Filling a new search index (migrations m018 and m020), in chunks.

A migration runs in one transaction; indexing a million posts that way would hold the
write lock for minutes and lose all of it to a kill -9. So m018 (contentless) and m020 (no
positions) only create the new table `post_index` and a progress row, and every open of a
store with that row calls `finish_search_rebuild`: each chunk of posts is indexed from its
title and text and the progress row moved in one transaction, so a killed run resumes where
it stopped. When every post is indexed the old table is dropped and the new one takes its
name, then VACUUM gives the freed pages back to the file system (retried on the next open if
it is killed or the store is busy). The same chunks turn posts.body_sha from the evidence's
sha256 into its raw_bodies rowid (m018), delete the sightings rows that only repeat their
post row and empty posts.key where it only repeats the URL (m020); all are no-ops where
done already.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Protocol

from yuqing.text.search import grams

REBUILD_CHUNK = 20_000  # posts per transaction: about a second of work
VACUUM_PENDING = -1
DEFAULT_HASHSIZE = 1024 * 1024  # FTS5's own default buffer of pending terms


class _Writes(Protocol):
    conn: sqlite3.Connection

    def write(self): ...


# The one sighting of a post carried by one source, equal to the post row (m012 wrote one
# for every post; since m020 the post row is that sighting).
_REPEATED_SIGHTINGS = """
DELETE FROM sightings WHERE post_id > ?1 AND post_id <= ?2
    AND EXISTS (SELECT 1 FROM posts p WHERE p.id = sightings.post_id AND p.source = sightings.source
                AND coalesce(p.key, 'url:' || p.url) = sightings.key AND p.site = sightings.site AND p.mainstream = sightings.mainstream
                AND p.first_seen_at = sightings.first_seen_at AND p.last_seen_at = sightings.last_seen_at)
    AND NOT EXISTS (SELECT 1 FROM sightings o WHERE o.post_id = sightings.post_id AND o.rowid != sightings.rowid)
"""


def rebuild_pending(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_rebuild'").fetchone() is not None


def finish_search_rebuild(
    store: _Writes, *, chunk: int | None = None, on_chunk: Callable[[int], None] | None = None
) -> None:
    """Copy the rest of the index chunk by chunk, swap the tables, reclaim the space.
    `on_chunk` gets the last post id copied after each committed chunk."""
    while _copy_chunk(store, chunk or REBUILD_CHUNK, on_chunk):
        pass
    _vacuum(store)


def _copy_chunk(store: _Writes, chunk: int, on_chunk: Callable[[int], None] | None) -> bool:
    """One transaction of the copy; False once the copy is over (or another process did it)."""
    with store.write() as conn:
        row = conn.execute("SELECT done_id FROM search_rebuild").fetchone() if rebuild_pending(conn) else None
        if row is None or row[0] == VACUUM_PENDING:
            return False
        rows = conn.execute(
            "SELECT id, title, text FROM posts WHERE id > ? ORDER BY id LIMIT ?", [row[0], chunk]
        ).fetchall()
        if not rows:
            conn.execute("DROP TABLE post_search")
            conn.execute("ALTER TABLE post_index RENAME TO post_search")
            # One segment instead of the many the copy left: about 15% smaller.
            conn.execute("INSERT INTO post_search (post_search) VALUES ('optimize')")
            conn.execute("INSERT INTO post_search (post_search, rank) VALUES ('hashsize', ?)", [DEFAULT_HASHSIZE])
            conn.execute("UPDATE search_rebuild SET done_id = ?", [VACUUM_PENDING])
            return False
        conn.executemany("INSERT INTO post_index (rowid, grams) VALUES (?, ?)",
                         [(post_id, grams(f"{title} {text}")) for post_id, title, text in rows])
        # Posts point at their evidence by rowid now, not by a 64-character sha256.
        conn.execute(
            "UPDATE posts SET body_sha = (SELECT rowid FROM raw_bodies WHERE sha256 = posts.body_sha)"
            " WHERE id > ? AND id <= ? AND length(body_sha) = 64",
            [row[0], rows[-1][0]],
        )
        conn.execute(_REPEATED_SIGHTINGS, [row[0], rows[-1][0]])
        conn.execute("UPDATE posts SET key = NULL WHERE id > ? AND id <= ? AND url != '' AND key = 'url:' || url",
                     [row[0], rows[-1][0]])
        conn.execute("UPDATE search_rebuild SET done_id = ?", [rows[-1][0]])
    if on_chunk:
        on_chunk(rows[-1][0])
    return True


def _vacuum(store: _Writes) -> None:
    conn = store.conn
    if not rebuild_pending(conn):
        return
    if conn.execute("SELECT count(*) FROM posts").fetchone()[0]:
        try:
            conn.execute("VACUUM")
            # In WAL mode VACUUM writes the whole new file into the WAL: give that back too.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError:  # another connection is reading: next open retries
            return
    with store.write() as conn:
        conn.execute("DROP TABLE IF EXISTS search_rebuild")
