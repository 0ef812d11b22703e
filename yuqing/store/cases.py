"""Cases and their append-only action log."""

from __future__ import annotations

import json
from typing import Any

from yuqing.store.base import StoreBase


class CasesMixin(StoreBase):
    def events_for_cases(self, levels: list[str], quiet_natures: tuple[str, ...] = (), *,
                         letters_from: list[str] | None = None) -> list[dict[str, Any]]:
        """Graded events at the given levels, with their case if one is open; events of a
        quiet 性质 (正面 by default), dismissed ones (误报) and stock that has not flared
        (存量) are left out.

        An event made only of letters (网上信件 carry their own reply deadlines) counts only
        at the `letters_from` levels; once a post from the web joins it, at every level.
        """
        marks = ",".join("?" * len(levels))
        quiet = ",".join("?" * len(quiet_natures)) or "NULL"
        letter_levels = letters_from if letters_from is not None else levels
        letter_marks = ",".join("?" * len(letter_levels)) or "NULL"
        cursor = self.conn.execute(
            f"SELECT e.*, c.id AS case_id, c.level AS case_level, c.status AS case_status"
            f" FROM events e LEFT JOIN cases c ON c.event_id = e.id"
            f" WHERE e.level IN ({marks}) AND e.posts > 0 AND coalesce(e.nature, '') NOT IN ({quiet})"
            " AND e.dismissed_at IS NULL AND e.quiet = 0"
            f" AND (c.id IS NOT NULL OR e.level IN ({letter_marks})"
            f" OR EXISTS (SELECT 1 FROM posts p WHERE p.event_id = e.id AND p.channel != 'letter'))",
            [*levels, *quiet_natures, *letter_levels],
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
                        note: str | None, by: str, status: str | None, stamps: dict[str, str],
                        extra: dict[str, Any] | None = None) -> None:
        """Append an action; move the status and fill the first-time stamps it satisfies.

        `extra` fills the record columns: post_ids (JSON), outcome, document_sha, document_name.
        """
        extra = extra or {}
        with self.write() as conn:
            conn.execute(
                "INSERT INTO case_actions (case_id, at, action, to_dept, note, by, post_ids, outcome,"
                " document_sha, document_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [case_id, at, action, to_dept, note, by, extra.get("post_ids"), extra.get("outcome"),
                 extra.get("document_sha"), extra.get("document_name")],
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
            "SELECT at, action, to_dept, note, by, post_ids, outcome, document_sha, document_name"
            " FROM case_actions WHERE case_id = ? ORDER BY at, id",
            [case_id],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor]
        for row in rows:
            row["note_text"] = action_note(row)
        return rows


def action_note(action: dict[str, Any]) -> str:
    """An action's note with what else it records: the posts of a 删帖, its outcome, the
    attached document (「帖子 3、4；已删除；附件：答复.docx」)."""
    parts = [action.get("note") or ""]
    if action.get("post_ids"):
        parts.append("帖子 " + "、".join(str(p) for p in json.loads(action["post_ids"])))
    if action.get("outcome"):
        parts.append(action["outcome"])
    if action.get("document_name"):
        parts.append(f"附件：{action['document_name']}")
    return "；".join(p for p in parts if p)
