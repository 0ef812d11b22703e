"""Posts, their observations and raw evidence."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from yuqing.models import Item
from yuqing.store.base import POST_COLUMNS, URL_KEY, BatchCounts, StoreBase, post_key, stored_key
from yuqing.store.merge import is_article_url
from yuqing.text.search import grams, has_phrases, index_query

EVIDENCE_LEVEL = 6  # zlib level of raw bodies: level 9 saves under 1% for 10% more time
SHA256_HEX = 64  # characters: a body_sha this long is a sha256 (before m018), shorter a rowid


@dataclass
class Evidence:
    """The raw body a batch of posts was read from (截屏取证)."""

    sha256: str
    url: str
    fetched_at: str
    body: bytes
    packed: bytes | None = None  # zlib.compress(body), when a parse worker has done it already

    def compressed(self) -> bytes:
        return self.packed if self.packed is not None else zlib.compress(self.body, EVIDENCE_LEVEL)


def _is_stock(published_at: str | None, stock_before: str | None, first_collection: bool) -> bool:
    if published_at is None:
        return first_collection
    return stock_before is not None and published_at < stock_before


class PostsMixin(StoreBase):
    def save_items(
        self,
        *,
        source: str,
        channel: str,
        site: str,
        mainstream: bool,
        items: Iterable[Item],
        seen_at: str,
        stock_before: str | None = None,
        first_collection: bool = False,
        evidence: Evidence | None = None,
    ) -> BatchCounts:
        """Insert new posts and refresh seen ones; forum figures get an observation each.
        With `evidence`, the body is kept (once) when the batch has new posts, and they
        point at it.

        An item whose normalised URL another source already stored is that post: this
        source's sighting is added to it (one article, one post, one event, one notice).
        A new post published before `stock_before`, or without a publish time on a
        source's first collection, is stored as stock (存量) with its figures as first seen.
        Call inside `write()` so the whole batch commits together.
        """
        unique: dict[str, Item] = {}
        for item in items:
            unique.setdefault(post_key(item), item)
        if not unique:
            return BatchCounts()
        existing = self._sighted_ids(source, list(unique))
        elsewhere = self._ids_by_url(source, {k: i.url for k, i in unique.items() if k not in existing})
        new_rows = []
        new_keys = []
        seen_rows = []
        for key, item in unique.items():
            post_id = existing.get(key) or elsewhere.get(key)
            if post_id is not None:
                seen_rows.append((seen_at, item.clicks, item.comments, post_id))
            else:
                stock = _is_stock(item.published_at, stock_before, first_collection)
                new_keys.append(key)
                new_rows.append([
                    source, channel, site, int(mainstream), stored_key(key, item.url), item.url, item.guid,
                    item.title, item.text, item.author, item.published_at, seen_at, seen_at,
                    item.clicks, item.comments, int(stock),
                    (item.clicks or 0) if stock else None, (item.comments or 0) if stock else None, None,
                ])
        with self.write() as conn:
            # Before the post's figures become the sources' together (last_seen_at, site).
            self._spell_out_first_sightings(conn, list(elsewhere.values()))
            if new_rows and evidence:
                # Rows go in whole (body_sha too): growing them later splits the pages they sit in.
                body_ref = self._keep_body(conn, evidence)
                for row in new_rows:
                    row[-1] = body_ref
            # The ids SQLite would give (one past the largest; the write lock is ours), set
            # here so that the sightings, search rows and observations need no query for them.
            next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM posts").fetchone()[0] if new_rows else 0
            conn.executemany(
                """
                INSERT INTO posts (source, channel, site, mainstream, key, url, guid, title,
                    text, author, published_at, first_seen_at, last_seen_at, clicks, comments,
                    stock, base_clicks, base_comments, body_sha, id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [(*row, next_id + n) for n, row in enumerate(new_rows)],
            )
            conn.executemany(
                """
                UPDATE posts SET last_seen_at = ?,
                    clicks = coalesce(?, clicks), comments = coalesce(?, comments)
                WHERE id = ?
                """,
                seen_rows,
            )
            ids = {**existing, **elsewhere, **{key: next_id + n for n, key in enumerate(new_keys)}}
            self._record_sightings(conn, source, site, mainstream, {**existing, **elsewhere}, seen_at)
            if mainstream and elsewhere:  # the portal's own feed names the portal
                conn.executemany("UPDATE posts SET site = ?, mainstream = 1 WHERE id = ? AND mainstream = 0",
                                 [(site, post_id) for post_id in elsewhere.values()])
            self._mark_events_dirty(conn, [row[3] for row in seen_rows])
            self._index_new([(ids[key], unique[key]) for key in new_keys])
            self._observe(conn, unique, ids, seen_at)
        return BatchCounts(new=len(new_rows), seen=len(seen_rows), new_keys=new_keys)

    def _keep_body(self, conn: sqlite3.Connection, evidence: Evidence) -> str:
        """Store a raw body once; its rowid, which posts keep in body_sha (TEXT affinity)."""
        conn.execute(
            "INSERT OR IGNORE INTO raw_bodies (sha256, url, fetched_at, size, data) VALUES (?, ?, ?, ?, ?)",
            [evidence.sha256, evidence.url, evidence.fetched_at, len(evidence.body), evidence.compressed()],
        )
        return str(conn.execute("SELECT rowid FROM raw_bodies WHERE sha256 = ?", [evidence.sha256]).fetchone()[0])

    def _spell_out_first_sightings(self, conn: sqlite3.Connection, post_ids: list[int]) -> None:
        """A post carried by one source has no sightings rows: the post row (its source, key,
        site and times) is that sighting (m020). When a second source carries it, the first
        one's sighting is written out, from the post row while it is still the first's own."""
        conn.executemany(
            "INSERT INTO sightings (post_id, source, key, site, mainstream, first_seen_at, last_seen_at)"
            " SELECT id, source, coalesce(key, 'url:' || url), site, mainstream, first_seen_at, last_seen_at"
            " FROM posts p WHERE id = ? AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.post_id = p.id)",
            [(post_id,) for post_id in dict.fromkeys(post_ids)],
        )

    def _record_sightings(self, conn: sqlite3.Connection, source: str, site: str, mainstream: bool,
                          ids: dict[str, int], seen_at: str) -> None:
        """This source's sighting of posts it carried before or another source stored; only
        posts with sightings rows get one (a post of one source is its own sighting)."""
        conn.executemany(
            "INSERT INTO sightings (post_id, source, key, site, mainstream, first_seen_at, last_seen_at)"
            " SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sightings WHERE post_id = ?)"
            " ON CONFLICT (source, key) DO UPDATE SET last_seen_at = excluded.last_seen_at",
            [(post_id, source, key, site, int(mainstream), seen_at, seen_at, post_id) for key, post_id in ids.items()],
        )

    def _index_new(self, posts: list[tuple[int, Item]]) -> None:
        self.index_rows([(post_id, item.grams if item.grams is not None else grams(f"{item.title} {item.text}"))
                         for post_id, item in posts])

    def sightings(self, post_id: int) -> list[dict[str, Any]]:
        """Every source that carried a post, first sighting first."""
        return self._rows(
            "SELECT source, key, site, mainstream, first_seen_at, last_seen_at FROM all_sightings"
            " WHERE post_id = ? ORDER BY first_seen_at, n",
            [post_id],
        )

    def search_posts(
        self, match: str | None, singles: list[str], *, since: str | None = None,
        level: list[str] | None = None, site: str | None = None, limit: int = 50,
        by: str = "published",
    ) -> list[dict[str, Any]]:
        """Posts matching the FTS expression and every single character, newest first;
        `since` compares with the publication time (`by="published"`, the collection time
        for a post without one) or with the collection time (`by="collected"`).

        Post ids grow in collection order, so the newest matches are the highest rowids:
        the FTS index is walked from the top a page at a time and stops once `limit`
        posts pass the filters, instead of sorting every match. The index keeps no
        positions (m020): it yields the posts holding every bigram of a phrase, and those
        whose grams hold them in a row are kept, as a phrase query would have matched.
        """
        where, params = [], []
        for char in singles:
            where.append("(p.title LIKE ? OR p.text LIKE ?)")
            params += [f"%{char}%", f"%{char}%"]
        if since:
            where.append(("coalesce(p.published_at, p.first_seen_at)" if by == "published" else "p.first_seen_at")
                         + " >= ?")
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
        tokens, phrases = index_query(match)
        found: list[dict[str, Any]] = []
        below = None
        page = max(limit * 4, 200)
        while len(found) < limit:
            ids = [r[0] for r in self.conn.execute(
                "SELECT rowid FROM post_search WHERE post_search MATCH ?"
                + (" AND rowid < ?" if below is not None else "") + " ORDER BY rowid DESC LIMIT ?",
                [tokens, *([below] if below is not None else []), page],
            )]
            if not ids:
                break
            marks = ",".join("?" * len(ids))
            conditions = [f"p.id IN ({marks})", *where]
            rows = self._rows(select + " WHERE " + " AND ".join(conditions) + " ORDER BY p.id DESC",
                              [*ids, *params])
            for row in rows:  # newest first: checking stops at `limit`
                if has_phrases(row["title"], row["text"], phrases):
                    found.append(row)
                    if len(found) == limit:
                        return found
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

    def missing_post_ids(self, post_ids: list[int]) -> list[int]:
        found = {row[0] for row in self.conn.execute(
            "SELECT id FROM posts WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(post_ids)])}
        return sorted(set(post_ids) - found)

    def posts_outside_event(self, post_ids: list[int], event_id: int) -> list[int]:
        """Those of the posts that are not in the event."""
        rows = self.conn.execute(
            "SELECT id FROM posts WHERE id IN (SELECT value FROM json_each(?)) AND event_id IS NOT ?",
            [json.dumps(post_ids), event_id])
        return sorted(row[0] for row in rows)

    def post_ids(self, source: str, keys: list[str]) -> dict[str, int]:
        """key → post id of what this source carried (its own posts or sightings of others')."""
        return self._sighted_ids(source, keys)

    def _sighted_ids(self, source: str, keys: list[str]) -> dict[str, int]:
        """key → post id of what this source has carried before: the sightings of posts
        several sources carried, and the posts it stored first."""
        found = self._ids_for_keys("SELECT key, post_id FROM sightings WHERE source = ? AND key IN ({})",
                                   source, keys)
        return {**self._own_ids(source, keys), **found}

    def _own_ids(self, source: str, keys: list[str]) -> dict[str, int]:
        """key → post id of posts this source stored first. A post keyed by its URL keeps no
        key (m020): it is found by its URL, through the URL index (hence the unary plus)."""
        found = self._ids_for_keys("SELECT key, id FROM posts WHERE source = ? AND key IN ({})", source, keys)
        by_url = [key[len(URL_KEY):] for key in keys if key.startswith(URL_KEY) and len(key) > len(URL_KEY)]
        found.update(self._ids_for_keys(
            "SELECT ? || url, id FROM posts WHERE +source = ? AND +key IS NULL AND url != '' AND url IN ({})",
            source, by_url, prefix=(URL_KEY,)))
        return found

    def _ids_for_keys(self, sql: str, source: str, keys: list[str],
                       prefix: tuple[str, ...] = ()) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            found.update(self.conn.execute(sql.format(",".join("?" * len(chunk))), [*prefix, source, *chunk]))
        return found

    def _ids_by_url(self, source: str, urls: dict[str, str]) -> dict[str, int]:
        """key → post id of posts other sources stored under the item's URL."""
        wanted = {url: key for key, url in urls.items() if is_article_url(url)}
        found: dict[str, int] = {}
        names = list(wanted)
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            rows = self.conn.execute(
                f"SELECT p.url, min(p.id) FROM posts p WHERE p.url != '' AND p.url IN ({','.join('?' * len(chunk))})"
                " AND p.source != ? AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.post_id = p.id AND s.source = ?)"
                " GROUP BY p.url",
                [*chunk, source, source],
            )
            found.update((wanted[url], post_id) for url, post_id in rows)
        return found

    def _observe(self, conn: sqlite3.Connection, unique: dict[str, Item], ids: dict[str, int],
                 seen_at: str) -> None:
        conn.executemany(
            "INSERT INTO observations (post_id, observed_at, clicks, comments) VALUES (?, ?, ?, ?)",
            [(ids[k], seen_at, i.clicks, i.comments) for k, i in unique.items()
             if i.clicks is not None or i.comments is not None],
        )

    def keep_evidence(self, *, source: str, sha256: str, url: str, fetched_at: str, body: bytes,
                      post_keys: list[str]) -> None:
        """Keep the raw body the given posts were read from, after the fact (collection passes
        `evidence` to save_items instead). Call inside `write()`.

        Posts point at it by its rowid (a few digits: the column has TEXT affinity) rather
        than its 64-character sha256, which with its index cost about 130 bytes a post.
        Stores from before m018 hold sha256s until the rebuild converts them; `evidence`
        takes both.
        """
        with self.write() as conn:
            ref = self._keep_body(conn, Evidence(sha256, url, fetched_at, body))
            conn.executemany("UPDATE posts SET body_sha = ? WHERE id = ?",
                             [(ref, post_id) for post_id in self._own_ids(source, post_keys).values()])

    def evidence(self, ref: int | str) -> dict[str, Any] | None:
        """The raw body a post's body_sha points at: a raw_bodies rowid, or (older posts) its sha256."""
        ref = str(ref)
        if len(ref) == SHA256_HEX:
            where, key = "sha256 = ?", ref
        elif ref.isdigit():
            where, key = "rowid = ?", int(ref)
        else:
            return None
        rows = self._rows(f"SELECT sha256, url, fetched_at, size, data FROM raw_bodies WHERE {where}", [key])
        if not rows:
            return None
        row = rows[0]
        row["data"] = zlib.decompress(row["data"])
        return row

    def prune_evidence(self, before: str) -> int:
        """Drop old bodies that no post of any event was read from."""
        with self.write() as conn:
            cursor = conn.execute(
                "DELETE FROM raw_bodies WHERE fetched_at < ?"
                " AND rowid NOT IN (SELECT CAST(body_sha AS INTEGER) FROM posts WHERE event_id IS NOT NULL"
                "   AND length(body_sha) < 64)"
                " AND sha256 NOT IN (SELECT body_sha FROM posts WHERE event_id IS NOT NULL"
                "   AND length(body_sha) = 64)",
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
        return self.conn.execute(  # what the source carried, stored first by it or not
            "SELECT count(*) FROM all_sightings WHERE source = ?", [source]
        ).fetchone()[0]

    def iter_posts(self, *, source: str | None = None) -> Iterator[dict[str, Any]]:
        cols = ", ".join(POST_COLUMNS)
        sql = f"SELECT {cols} FROM posts"
        params: list[Any] = []
        if source:  # what the source carried, whichever source stored it first
            sql += " WHERE id IN (SELECT post_id FROM all_sightings WHERE source = ?)"
            params.append(source)
        sql += " ORDER BY id"
        cursor = self.conn.execute(sql, params)
        for row in cursor:
            yield dict(zip(POST_COLUMNS, row, strict=True))

    def iter_recent_posts(self, since: str) -> Iterator[dict[str, Any]]:
        """Posts published (else first seen) since `since`, newest first: a topic's trial."""
        cols = ("id", "site", "url", "title", "text", "at")
        cursor = self.conn.execute(
            "SELECT id, site, url, title, text, coalesce(published_at, first_seen_at) AS at FROM posts"
            " WHERE coalesce(published_at, first_seen_at) >= ? ORDER BY at DESC, id DESC",
            [since],
        )
        for row in cursor:
            yield dict(zip(cols, row, strict=True))

    def observations(self, post_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT observed_at, clicks, comments FROM observations WHERE post_id = ?"
            " ORDER BY observed_at, rowid",
            [post_id],
        )
        return [{"observed_at": a, "clicks": c, "comments": m} for a, c, m in rows]
