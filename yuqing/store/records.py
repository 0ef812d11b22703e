"""What the office did beyond the case log proper: event tags (社情民意), documents attached
to actions (答复材料), and the counts the year-end summary (工作总结) takes from them."""

from __future__ import annotations

import json
import zlib
from typing import Any

from yuqing.store.base import StoreBase


class RecordsMixin(StoreBase):
    # -- event tags ------------------------------------------------------------------

    def tag_event(self, event_id: int, tag: str, *, at: str, by: str) -> bool:
        """Tag an event; False when it already had the tag."""
        with self.write() as conn:
            cursor = conn.execute("INSERT OR IGNORE INTO event_tags (event_id, tag, at, by) VALUES (?, ?, ?, ?)",
                                  [event_id, tag, at, by])
            return cursor.rowcount == 1

    def untag_event(self, event_id: int, tag: str) -> bool:
        with self.write() as conn:
            return conn.execute("DELETE FROM event_tags WHERE event_id = ? AND tag = ?", [event_id, tag]).rowcount == 1

    def event_tags(self, event_ids: list[int]) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {e: [] for e in event_ids}
        rows = self.conn.execute(
            "SELECT event_id, tag FROM event_tags WHERE event_id IN (SELECT value FROM json_each(?))"
            " ORDER BY event_id, tag",
            [json.dumps(event_ids)],
        )
        for event_id, tag in rows:
            found[event_id].append(tag)
        return found

    # -- documents -------------------------------------------------------------------

    def keep_document(self, *, sha256: str, name: str, data: bytes, at: str) -> None:
        """Keep an attached file (once per content). Call inside `write()`."""
        with self.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO documents (sha256, name, size, added_at, data) VALUES (?, ?, ?, ?, ?)",
                [sha256, name, len(data), at, zlib.compress(data, 6)],
            )

    def document(self, sha256: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT sha256, name, size, added_at, data FROM documents WHERE sha256 = ?", [sha256])
        if not rows:
            return None
        rows[0]["data"] = zlib.decompress(rows[0]["data"])
        return rows[0]

    # -- what the summary counts -----------------------------------------------------------

    def digested_events(self, start: str, end: str) -> list[dict[str, Any]]:
        """Each item of the digests issued in [start, end): the event, its topics and tags."""
        return self._rows(
            "SELECT d.id AS digest_id, i.event_id, e.topics,"
            " (SELECT json_group_array(t.tag) FROM event_tags t WHERE t.event_id = i.event_id) AS tags"
            " FROM digests d JOIN digest_items i ON i.digest_id = d.id JOIN events e ON e.id = i.event_id"
            " WHERE d.issued_at >= ? AND d.issued_at < ?",
            [start, end],
        )

    def digests_issued_between(self, start: str, end: str) -> int:
        return self.conn.execute("SELECT count(*) FROM digests WHERE issued_at >= ? AND issued_at < ?",
                                 [start, end]).fetchone()[0]

    def events_acted_on_between(self, start: str, end: str) -> int:
        """Events with at least one action recorded by an officer in [start, end)."""
        return self.conn.execute(
            "SELECT count(DISTINCT c.event_id) FROM case_actions a JOIN cases c ON c.id = a.case_id"
            " WHERE a.at >= ? AND a.at < ?",
            [start, end],
        ).fetchone()[0]

    def actions_between(self, start: str, end: str, actions: list[str]) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(actions))
        return self._rows(
            "SELECT a.id, a.case_id, a.at, a.action, a.post_ids, a.outcome, a.document_sha, a.document_name"
            f" FROM case_actions a WHERE a.at >= ? AND a.at < ? AND a.action IN ({marks}) ORDER BY a.at, a.id",
            [start, end, *actions],
        )
