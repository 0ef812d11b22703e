"""Netizens' replies under forum threads (网民回复) and when each thread page was read."""

from __future__ import annotations

from typing import Any

from yuqing.store.base import StoreBase

REPLY_COLUMNS = ("floor", "author", "text", "posted_at", "negative")


class RepliesMixin(StoreBase):
    def threads_to_read(self, *, levels: list[str], read_before: str, seen_since: str = "",
                        event_id: int | None = None) -> list[dict[str, Any]]:
        """Forum posts whose thread page is due: in an event at one of `levels` still seen
        since `seen_since` (or in the given event), never read or last read at or before
        `read_before`."""
        # Driven from the events (few) into posts by the posts_event index, never a scan of posts.
        if event_id is not None:
            events_sql, params = "SELECT ?", [event_id]
        else:
            events_sql = ("SELECT id FROM events WHERE level IN (SELECT value FROM json_each(?))"
                          " AND last_seen_at >= ?")
            params = [_json_list(levels), seen_since]
        return self._rows(
            "SELECT p.id, p.url, p.source, p.event_id, p.title FROM posts p"
            " LEFT JOIN thread_fetches f ON f.post_id = p.id"
            f" WHERE p.event_id IN ({events_sql}) AND p.channel = 'forum' AND p.url != ''"
            " AND (f.post_id IS NULL OR f.fetched_at <= ?) ORDER BY p.event_id, p.id",
            [*params, read_before],
        )

    def save_replies(self, post_id: int, replies: list[dict[str, Any]], fetched_at: str, *,
                     opening: str = "") -> None:
        """Store a thread's replies (a re-read updates each floor in place) and the read."""
        with self.write() as conn:
            conn.executemany(
                "INSERT INTO replies (post_id, floor, author, text, posted_at, negative, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (post_id, floor) DO UPDATE SET"
                " author = excluded.author, text = excluded.text, posted_at = excluded.posted_at,"
                " negative = excluded.negative, fetched_at = excluded.fetched_at",
                [(post_id, *(r[c] for c in REPLY_COLUMNS), fetched_at) for r in replies],
            )
            self._record_thread_read(conn, post_id, fetched_at, ok=True, replies=len(replies), message=None)
            if opening:
                conn.execute("UPDATE thread_fetches SET opening = ? WHERE post_id = ?", [opening, post_id])

    def record_thread_failure(self, post_id: int, fetched_at: str, message: str) -> None:
        with self.write() as conn:
            self._record_thread_read(conn, post_id, fetched_at, ok=False, replies=0, message=message)

    def _record_thread_read(self, conn, post_id: int, fetched_at: str, *, ok: bool, replies: int,
                            message: str | None) -> None:
        conn.execute(
            "INSERT INTO thread_fetches (post_id, fetched_at, ok, replies, message) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (post_id) DO UPDATE SET fetched_at = excluded.fetched_at, ok = excluded.ok,"
            " replies = excluded.replies, message = excluded.message",
            [post_id, fetched_at, int(ok), replies, message],
        )

    def replies_for_events(self, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Each event's stored replies, thread by thread, floor by floor."""
        found: dict[int, list[dict[str, Any]]] = {e: [] for e in event_ids}
        for row in self._rows(
            "SELECT p.event_id, r.post_id, p.site, r.floor, r.author, r.text, r.posted_at, r.negative"
            " FROM replies r JOIN posts p ON p.id = r.post_id"
            " WHERE p.event_id IN (SELECT value FROM json_each(?)) ORDER BY r.post_id, r.floor",
            [_json_list(event_ids)],
        ):
            found[row.pop("event_id")].append(row)
        return found

    def thread_reads_for_events(self, event_ids: list[int]) -> dict[int, int]:
        """How many of each event's thread pages have been read successfully."""
        rows = self.conn.execute(
            "SELECT p.event_id, count(*) FROM thread_fetches f JOIN posts p ON p.id = f.post_id"
            " WHERE f.ok = 1 AND p.event_id IN (SELECT value FROM json_each(?)) GROUP BY p.event_id",
            [_json_list(event_ids)],
        )
        return dict(rows)

    def thread_read_failures(self, event_ids: list[int]) -> dict[int, str]:
        """The message of each event's latest failed thread read (「…返回 HTTP 404」)."""
        rows = self.conn.execute(
            "SELECT p.event_id, f.message FROM thread_fetches f JOIN posts p ON p.id = f.post_id"
            " WHERE f.ok = 0 AND f.message IS NOT NULL AND p.event_id IN (SELECT value FROM json_each(?))"
            " ORDER BY f.fetched_at, f.post_id",
            [_json_list(event_ids)],
        )
        return dict(rows)  # the latest row of an event comes last and wins


def _json_list(values: list) -> str:
    import json

    return json.dumps(list(values), ensure_ascii=False)
