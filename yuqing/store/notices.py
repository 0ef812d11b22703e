"""Notices, their deliveries and the robots' rate budgets."""

from __future__ import annotations

from typing import Any

from yuqing.store.base import StoreBase


class NoticesMixin(StoreBase):
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
                "INSERT INTO notices (notice_no, dedupe_key, kind, event_id, case_id, source, letter_id, level,"
                " wake, subject, body, roles, created_at) VALUES (:notice_no, :dedupe_key, :kind,"
                " :event_id, :case_id, :source, :letter_id, :level, :wake, :subject, :body, :roles, :created_at)",
                [{"letter_id": None, **n} for n in notices],
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
