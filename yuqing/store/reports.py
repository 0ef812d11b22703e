"""Read-only queries behind the reports."""

from __future__ import annotations

from typing import Any

from yuqing.store.base import StoreBase


class ReportsMixin(StoreBase):
    def events_between(self, start: str, end: str) -> list[dict[str, Any]]:
        """Events first seen in [start, end), hottest and most severe first."""
        return self._rows(
            "SELECT e.*, c.id AS case_id, c.status AS case_status FROM events e"
            " LEFT JOIN cases c ON c.event_id = e.id"
            " WHERE e.posts > 0 AND e.dismissed_at IS NULL AND e.first_seen_at >= ? AND e.first_seen_at < ?"
            " ORDER BY CASE e.level WHEN '特别重大' THEN 0 WHEN '重大' THEN 1 WHEN '较大' THEN 2 ELSE 3 END,"
            " e.comments + e.clicks / 10 DESC, e.id",
            [start, end],
        )

    def active_events_between(self, start: str, end: str) -> list[dict[str, Any]]:
        """Events with any post seen in [start, end) (a digest covers what ran in its period)."""
        return self._rows(
            "SELECT e.*, c.id AS case_id, c.status AS case_status FROM events e"
            " LEFT JOIN cases c ON c.event_id = e.id"
            " WHERE e.posts > 0 AND e.dismissed_at IS NULL AND e.last_seen_at >= ? AND e.first_seen_at < ?"
            " ORDER BY CASE e.level WHEN '特别重大' THEN 0 WHEN '重大' THEN 1 WHEN '较大' THEN 2 ELSE 3 END,"
            " e.comments + e.clicks / 10 DESC, e.id",
            [start, end],
        )

    def own_posts_between(self, start: str, end: str) -> list[dict[str, Any]]:
        """The office's own posts (publicity) published in [start, end), oldest first."""
        return self._rows(
            "SELECT id, source, site, url, title, substr(text, 1, 200) AS text, event_id,"
            " coalesce(published_at, first_seen_at) AS at FROM posts"
            " WHERE source IN (SELECT name FROM own_sources)"
            " AND coalesce(published_at, first_seen_at) >= ? AND coalesce(published_at, first_seen_at) < ?"
            " ORDER BY at, id",
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
            " WHERE e.posts > 0 AND e.dismissed_at IS NULL AND e.first_seen_at >= ? AND e.first_seen_at < ?"
            " GROUP BY t.value ORDER BY events DESC, topic",
            [start, end],
        )

    def cases_between(self, start: str, end: str) -> list[dict[str, Any]]:
        """Cases opened in [start, end), but not those of events judged 误报 (nor merged away)."""
        return self._rows(
            "SELECT c.*, e.title FROM cases c JOIN events e ON e.id = c.event_id"
            " WHERE c.opened_at >= ? AND c.opened_at < ? AND e.dismissed_at IS NULL AND e.merged_into IS NULL"
            " ORDER BY c.opened_at, c.id",
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
            " FROM events WHERE posts > 0 AND dismissed_at IS NULL AND first_seen_at >= ? AND first_seen_at < ?"
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
