"""The officer's verdicts (人工研判) and what they change: the append-only judgment log,
dismissal, manual levels, merging and splitting events, ignoring posts."""

from __future__ import annotations

import json
from typing import Any

from yuqing.store.base import StoreBase

# kind → how the log names it. A new verdict kind needs only a line here (the log stores the kind).
KIND_TEXT = {
    "dismiss": "判为误报", "restore": "撤销误报", "level": "人工定级", "auto": "交还规则定级",
    "merge": "合并事件", "merged": "并入其他事件", "split": "拆出帖子", "split_from": "由其他事件拆出",
    "ignore": "排除帖子", "reopen": "恢复跟踪", "unmatched": "不再命中主题",
    "nature": "人工定性", "nature_auto": "交还规则定性", "tone": "人工判定倾向",
}
_LEVEL_RANK = "CASE {} WHEN '一般' THEN 0 WHEN '较大' THEN 1 WHEN '重大' THEN 2 WHEN '特别重大' THEN 3 END"


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    row["detail"] = json.loads(row["detail"]) if row["detail"] else None
    row["kind_text"] = KIND_TEXT.get(row["kind"], row["kind"])
    row["value_text"] = value_text(row)
    return row


def value_text(row: dict[str, Any]) -> str:
    """A verdict's value in words (「事件 17、19」, not the stored "[17, 19]"); empty when none."""
    value, kind = row.get("value"), row["kind"]
    if kind == "ignore" and row.get("post_id"):
        return f"帖子 {row['post_id']}"
    if not value:
        return ""
    if kind in ("merge", "split", "merged", "split_from"):
        ids = json.loads(value) if value.startswith("[") else [value]
        return "事件 " + "、".join(map(str, ids))
    if kind == "dismiss":
        return f"当时级别 {value}"
    return str(value)


class JudgmentsMixin(StoreBase):
    def add_judgment(self, event_id: int, *, at: str, kind: str, by: str, reason: str = "",
                     value: str | None = None, post_id: int | None = None,
                     detail: dict[str, Any] | None = None) -> int:
        with self.write() as conn:
            cursor = conn.execute(
                "INSERT INTO judgments (event_id, post_id, at, kind, value, reason, by, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [event_id, post_id, at, kind, value, reason, by,
                 json.dumps(detail, ensure_ascii=False) if detail else None],
            )
            return int(cursor.lastrowid or 0)

    def judgments(self, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Each event's judgments, oldest first."""
        found: dict[int, list[dict[str, Any]]] = {e: [] for e in event_ids}
        rows = self._rows(
            "SELECT id, event_id, post_id, at, kind, value, reason, by, detail FROM judgments"
            " WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY at, id",
            [json.dumps(event_ids)],
        )
        for row in rows:
            found[row["event_id"]].append(_readable(row))
        return found

    def all_judgments(self) -> list[dict[str, Any]]:
        rows = self._rows("SELECT j.*, e.title FROM judgments j JOIN events e ON e.id = j.event_id"
                          " ORDER BY j.at, j.id")
        return [_readable(row) for row in rows]

    def ever_dismissed(self, event_ids: list[int]) -> set[int]:
        rows = self.conn.execute(
            "SELECT DISTINCT event_id FROM judgments WHERE kind = 'dismiss'"
            " AND event_id IN (SELECT value FROM json_each(?))",
            [json.dumps(event_ids)],
        )
        return {row[0] for row in rows}

    def set_dismissed(self, event_id: int, *, at: str | None, level: str | None) -> None:
        with self.write() as conn:
            conn.execute("UPDATE events SET dismissed_at = ?, dismissed_level = ? WHERE id = ?",
                         [at, level, event_id])

    def risen_dismissed_events(self) -> list[dict[str, Any]]:
        """Dismissed events now graded above the level they had when dismissed."""
        return self._rows(
            "SELECT id, level, dismissed_level FROM events WHERE dismissed_at IS NOT NULL"
            f" AND {_LEVEL_RANK.format('level')} > {_LEVEL_RANK.format('dismissed_level')}"
        )

    def set_manual_level(self, event_id: int, level: str | None) -> None:
        """Set (or, with None, hand back to the rules) the event's level; it is re-graded."""
        with self.write() as conn:
            conn.execute("UPDATE events SET manual_level = ?, dirty = 1 WHERE id = ?", [level, event_id])

    def move_posts(self, post_ids: list[int], event_id: int) -> None:
        with self.write() as conn:
            conn.execute(
                "UPDATE posts SET event_id = ? WHERE id IN (SELECT value FROM json_each(?))",
                [event_id, json.dumps(post_ids)],
            )
            conn.execute("UPDATE events SET dirty = 1 WHERE id = ?", [event_id])

    def mark_events_dirty(self, event_ids: list[int]) -> None:
        with self.write() as conn:
            conn.executemany("UPDATE events SET dirty = 1 WHERE id = ?", [(e,) for e in event_ids])

    def merge_event_into(self, absorbed: int, target: int) -> None:
        """The absorbed event's posts join the target; it stays, empty, pointing at it."""
        with self.write() as conn:
            conn.execute("UPDATE posts SET event_id = ? WHERE event_id = ?", [target, absorbed])
            conn.execute("UPDATE events SET merged_into = ?, posts = 0, dirty = 0 WHERE id = ?",
                         [target, absorbed])
            conn.execute("UPDATE events SET dirty = 1 WHERE id = ?", [target])

    def post_ids_of_event(self, event_id: int) -> list[int]:
        return [row[0] for row in self.conn.execute("SELECT id FROM posts WHERE event_id = ? ORDER BY id",
                                                    [event_id])]

    def get_post(self, post_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT id, event_id, title, site, ignored, stock FROM posts WHERE id = ?", [post_id])
        return rows[0] if rows else None

    def set_post_ignored(self, post_id: int, ignored: bool) -> None:
        with self.write() as conn:
            conn.execute("UPDATE posts SET ignored = ? WHERE id = ?", [int(ignored), post_id])
            conn.execute("UPDATE events SET dirty = 1 WHERE id = (SELECT event_id FROM posts WHERE id = ?)",
                         [post_id])

    def graded_posts(self, source: str, keys: list[str]) -> list[dict[str, Any]]:
        """The given posts with their event's level and reasons, in the order given."""
        ids = self.post_ids(source, keys)
        rows = self._rows(
            "SELECT p.id, p.title, p.site, p.stock, p.event_id, e.title AS event_title, e.level,"
            " e.reasons, e.quiet FROM posts p LEFT JOIN events e ON e.id = p.event_id"
            " WHERE p.id IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(set(ids.values())))],
        )
        by_id = {row["id"]: row for row in rows}
        found = []
        for key in dict.fromkeys(keys):
            if key in ids and ids[key] in by_id:
                row = dict(by_id[ids[key]])
                row["reasons"] = [r["text"] for r in json.loads(row["reasons"] or "[]")]
                found.append(row)
        return found

    def counted_posts(self, event_id: int) -> int:
        return self.conn.execute("SELECT count(*) FROM posts WHERE event_id = ? AND ignored = 0",
                                 [event_id]).fetchone()[0]

    def settle_empty_events(self) -> None:
        """Events left without a counted post (all moved or ignored) are no longer listed."""
        with self.write() as conn:
            conn.execute(
                "UPDATE events SET posts = 0, dirty = 0 WHERE dirty = 1 AND NOT EXISTS"
                " (SELECT 1 FROM posts p WHERE p.event_id = events.id AND p.ignored = 0)"
            )

    def close_case_for(self, event_id: int, *, at: str, action: str, note: str, by: str, result: str) -> bool:
        """Close the event's open case with an action recording why. False when none was open."""
        with self.write() as conn:
            row = conn.execute("SELECT id FROM cases WHERE event_id = ? AND closed_at IS NULL",
                               [event_id]).fetchone()
            if row is None:
                return False
            conn.execute(
                "INSERT INTO case_actions (case_id, at, action, to_dept, note, by) VALUES (?, ?, ?, NULL, ?, ?)",
                [row[0], at, action, note, by],
            )
            conn.execute("UPDATE cases SET closed_at = ?, result = ?, status = '已办结' WHERE id = ?",
                         [at, result, row[0]])
            return True

    def reopen_case_for(self, event_id: int, *, status: str) -> None:
        with self.write() as conn:
            conn.execute("UPDATE cases SET closed_at = NULL, result = NULL, status = ? WHERE event_id = ?",
                         [status, event_id])

    def unmatched_events(self) -> list[dict[str, Any]]:
        """Listed events whose posts no longer match any topic (after rules changed)."""
        return self._rows(
            "SELECT id, title, level FROM events WHERE posts > 0 AND dismissed_at IS NULL"
            " AND (topics IS NULL OR topics = '[]') ORDER BY id"
        )

    def mark_unmatched(self) -> None:
        with self.write() as conn:
            conn.execute("UPDATE events SET unmatched = (topics IS NULL OR topics = '[]') WHERE posts > 0")

    def count_dismissed_between(self, start: str, end: str) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM events WHERE posts > 0 AND dismissed_at IS NOT NULL"
            " AND first_seen_at >= ? AND first_seen_at < ?",
            [start, end],
        ).fetchone()[0]
