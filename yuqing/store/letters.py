"""网络问政 letters: one row per channel + 编号, linked to the post that carries its text."""

from __future__ import annotations

from typing import Any

from yuqing.store.base import StoreBase

LETTER_FIELDS = ("title", "content", "author", "url", "received_at", "reply_due", "replied_at", "closed_at",
                 "rating", "satisfied")
# What a newer export may change; a missing value never erases a stored one.
_UPDATABLE = ("replied_at", "closed_at", "rating", "satisfied")

_LIST_SQL = (
    "SELECT l.*, p.event_id, e.level FROM letters l LEFT JOIN posts p ON p.id = l.post_id"
    " LEFT JOIN events e ON e.id = p.event_id"
)


class LettersMixin(StoreBase):
    def existing_letters(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The stored letters among (channel, number) keys."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(keys), 400):
            chunk = keys[start:start + 400]
            where = " OR ".join("(channel = ? AND number = ?)" for _ in chunk)
            params = [value for key in chunk for value in key]
            for row in self._rows(f"SELECT * FROM letters WHERE {where}", params):
                found[(row["channel"], row["number"])] = row
        return found

    def insert_letters(self, rows: list[dict[str, Any]], *, at: str) -> None:
        """New letters: each row has channel, number, post_id and the LETTER_FIELDS. Call inside `write()`."""
        with self.write() as conn:
            conn.executemany(
                "INSERT INTO letters (channel, number, post_id, imported_at, updated_at, "
                + ", ".join(LETTER_FIELDS) + ") VALUES (:channel, :number, :post_id, :at, :at, "
                + ", ".join(f":{f}" for f in LETTER_FIELDS) + ")",
                [{**row, "at": at} for row in rows],
            )

    def update_letters(self, rows: list[dict[str, Any]], *, at: str) -> None:
        """A newer export: status, times and rating move forward; the deadline follows the rules."""
        sets = ", ".join(f"{f} = coalesce(:{f}, {f})" for f in _UPDATABLE)
        with self.write() as conn:
            conn.executemany(
                f"UPDATE letters SET {sets}, reply_due = :reply_due, updated_at = :at"
                " WHERE channel = :channel AND number = :number",
                [{**{f: row.get(f) for f in (*_UPDATABLE, "reply_due", "channel", "number")}, "at": at}
                 for row in rows],
            )

    def list_letters(self, *, channel: str | None = None, open_only: bool = False,
                     limit: int | None = None) -> list[dict[str, Any]]:
        """Letters, newest first, with the event their post joined (if any)."""
        where, params = [], []
        if channel:
            where.append("l.channel = ?")
            params.append(channel)
        if open_only:
            where.append("l.replied_at IS NULL AND l.closed_at IS NULL")
        sql = _LIST_SQL + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY l.received_at DESC, l.id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return self._rows(sql, params)

    def letters_received_between(self, start: str, end: str) -> list[dict[str, Any]]:
        return self._rows(_LIST_SQL + " WHERE l.received_at >= ? AND l.received_at < ? ORDER BY l.received_at, l.id",
                          [start, end])

    def letters_for_event(self, event_id: int) -> list[dict[str, Any]]:
        return self._rows(_LIST_SQL + " WHERE p.event_id = ? ORDER BY l.received_at, l.id", [event_id])
