"""Read-only queries behind the reports."""

from __future__ import annotations

import json
from typing import Any

from yuqing.store.base import StoreBase

# A notice's kind (escalate.Planned.kind) as the daily report names it; the subjects say the same.
NOTICE_KIND_TEXT = {"level": "舆情预警", "reminder": "时限提醒", "overdue": "超时催办", "source": "信息源故障"}


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
        """The notices created in [start, end) with their deliveries counted; `kind_text`
        names the kind as reports show it."""
        rows = self._rows(
            "SELECT n.notice_no, n.kind, n.level, n.subject, n.created_at,"
            " sum(d.status = 'sent') AS sent, sum(d.status = 'failed') AS failed,"
            " sum(d.status IN ('due', 'sending')) AS pending"
            " FROM notices n LEFT JOIN deliveries d ON d.notice_id = n.id"
            " WHERE n.created_at >= ? AND n.created_at < ? GROUP BY n.id ORDER BY n.id",
            [start, end],
        )
        for row in rows:
            row["kind_text"] = NOTICE_KIND_TEXT.get(row["kind"], row["kind"])
        return rows

    def count_posts_between(self, start: str, end: str) -> dict[str, int]:
        row = self.conn.execute(
            "SELECT count(*), sum(topics IS NOT NULL AND topics != '[]'), count(DISTINCT source)"
            " FROM posts WHERE first_seen_at >= ? AND first_seen_at < ?",
            [start, end],
        ).fetchone()
        return {"posts": row[0] or 0, "matched": row[1] or 0, "sources": row[2] or 0}

    def sources_with_posts_between(self, start: str, end: str) -> set[str]:
        """The sources (by name, hand-made channels too) that stored a post in [start, end)."""
        rows = self.conn.execute(
            "SELECT DISTINCT source FROM posts WHERE first_seen_at >= ? AND first_seen_at < ?", [start, end])
        return {row[0] for row in rows}

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

    def record_digest(self, *, year: int, period_from: str, period_to: str, issued_at: str,
                      event_ids: list[int], note: str, replacing: int | None) -> dict[str, int]:
        """Take the next numbers (第 N 期 of the year, 总第 N 期) and record the items the
        digest carries; `replacing` (a reissue) keeps that digest's numbers and swaps
        its items. Call inside `write()` together with writing the file."""
        with self.write() as conn:
            if replacing is not None:
                row = conn.execute("SELECT id, year, number, serial FROM digests WHERE id = ?", [replacing]).fetchone()
                digest_id, year, number, serial = row
                conn.execute("UPDATE digests SET reissued_at = ?, note = ? WHERE id = ?", [issued_at, note, digest_id])
                conn.execute("DELETE FROM digest_items WHERE digest_id = ?", [digest_id])
            else:
                number = conn.execute("SELECT coalesce(max(number), 0) + 1 FROM digests WHERE year = ?",
                                      [year]).fetchone()[0]
                serial = conn.execute("SELECT coalesce(max(serial), 0) + 1 FROM digests").fetchone()[0]
                digest_id = conn.execute(
                    "INSERT INTO digests (year, number, serial, period_from, period_to, issued_at, note)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [year, number, serial, period_from, period_to, issued_at, note],
                ).lastrowid
            conn.executemany("INSERT INTO digest_items (digest_id, event_id) VALUES (?, ?)",
                             [(digest_id, e) for e in event_ids])
            return {"year": year, "number": number, "serial": serial}

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

    def evidence_posts(self, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Each event's posts as links for the reports (no text): the first post first,
        then mainstream sites, then the rest, each oldest first."""
        found: dict[int, list[dict[str, Any]]] = {e: [] for e in event_ids}
        for row in self._rows(
            "SELECT p.event_id, p.id, p.site, p.url, p.title, p.mainstream, p.channel,"
            " coalesce(p.published_at, p.first_seen_at) AS at, p.id = e.first_post_id AS first"
            " FROM posts p JOIN events e ON e.id = p.event_id"
            " WHERE p.event_id IN (SELECT value FROM json_each(?))"
            " ORDER BY p.id = e.first_post_id DESC, p.mainstream DESC, at, p.id",
            [json.dumps(list(event_ids))],
        ):
            found[row.pop("event_id")].append(row)
        return found

    def first_post_texts(self, event_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The first post of each event with its text (for 事件概要); a forum thread's
        text as read from its page when the list gave none."""
        rows = self._rows(
            "SELECT e.id AS event_id, p.id, p.title, p.channel,"
            " CASE WHEN p.text != '' THEN p.text ELSE coalesce(f.opening, '') END AS text FROM events e"
            " JOIN posts p ON p.id = e.first_post_id LEFT JOIN thread_fetches f ON f.post_id = p.id"
            " WHERE e.id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(event_ids))],
        )
        return {row.pop("event_id"): row for row in rows}
