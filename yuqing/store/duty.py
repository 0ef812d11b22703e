"""The duty desk: shift handovers, and what the officer's to-do list and a shift summary
read across events, cases and notices."""

from __future__ import annotations

import json
from typing import Any

from yuqing.store.base import StoreBase


class DutyMixin(StoreBase):
    def record_handover(self, *, at: str, by: str, note: str, since: str | None,
                        summary: dict[str, Any], path: str | None) -> int:
        with self.write() as conn:
            cursor = conn.execute(
                "INSERT INTO handovers (at, by, note, since, summary, path) VALUES (?, ?, ?, ?, ?, ?)",
                [at, by, note, since, json.dumps(summary, ensure_ascii=False), path],
            )
            return int(cursor.lastrowid or 0)

    def last_handover(self) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM handovers ORDER BY at DESC, id DESC LIMIT 1")
        if not rows:
            return None
        row = rows[0]
        row["summary"] = json.loads(row["summary"])
        return row

    def level_changes_since(self, since: str, levels: list[str]) -> list[dict[str, Any]]:
        """Level changes into one of `levels` since `since` (first gradings included), with
        the event's title and current level."""
        marks = ",".join("?" * len(levels))
        return self._rows(
            f"SELECT lc.event_id, lc.at, lc.old_level, lc.new_level, e.title, e.level, e.posts, e.sites,"
            f" e.last_seen_at, e.quiet FROM level_changes lc JOIN events e ON e.id = lc.event_id"
            f" WHERE lc.at >= ? AND lc.new_level IN ({marks}) AND e.posts > 0 ORDER BY lc.at, lc.id",
            [since, *levels],
        )

    def events_with_new_posts(self, since: str, levels: list[str]) -> list[dict[str, Any]]:
        """Events at one of `levels` that gained posts (reprints, follow-ups) since `since`."""
        marks = ",".join("?" * len(levels))
        return self._rows(
            f"SELECT e.id, e.level, e.title, e.posts, e.sites, e.quiet, max(p.first_seen_at) AS at,"
            f" count(*) AS new_posts"
            f" FROM posts p JOIN events e ON e.id = p.event_id"
            f" WHERE p.first_seen_at >= ? AND e.level IN ({marks}) GROUP BY e.id",
            [since, *levels],
        )

    def new_event_levels(self, since: str) -> dict[str, int]:
        """Events first seen since `since`, counted by their current level."""
        rows = self.conn.execute(
            "SELECT coalesce(level, ''), count(*) FROM events WHERE first_seen_at >= ? AND posts > 0"
            " GROUP BY level",
            [since],
        )
        return dict(rows)

    def case_actions_since(self, since: str) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT a.case_id, a.at, a.action, a.to_dept, a.note, a.by, e.title, c.level"
            " FROM case_actions a JOIN cases c ON c.id = a.case_id JOIN events e ON e.id = c.event_id"
            " WHERE a.at >= ? ORDER BY a.at, a.id",
            [since],
        )

    def cases_closed_since(self, since: str) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT c.id, c.level, c.status, c.closed_at, c.result, e.title FROM cases c"
            " JOIN events e ON e.id = c.event_id WHERE c.closed_at >= ? ORDER BY c.closed_at, c.id",
            [since],
        )

    def undelivered_notices(self, now: str) -> list[dict[str, Any]]:
        """Deliveries that failed, wait for duty hours, or wait to be retried after an error."""
        return self._rows(
            "SELECT n.notice_no, n.subject, n.level, n.kind, n.created_at, d.channel, d.status,"
            " d.next_try_at, d.last_error, d.attempts FROM deliveries d JOIN notices n ON n.id = d.notice_id"
            " WHERE d.status = 'failed'"
            " OR (d.status IN ('due', 'sending') AND (d.last_error IS NOT NULL OR d.next_try_at > ?))"
            " ORDER BY n.id, d.id",
            [now],
        )
