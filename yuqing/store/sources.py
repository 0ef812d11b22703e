"""Per-source health and per-host Retry-After."""

from __future__ import annotations

from typing import Any

from yuqing.store.base import StoreBase


class SourcesMixin(StoreBase):
    def source_state(self, name: str) -> dict[str, Any]:
        cursor = self.conn.execute("SELECT * FROM source_state WHERE name = ?", [name])
        row = cursor.fetchone()
        if row is None:
            return {"name": name, "consecutive_failures": 0, "gone": 0}
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def all_source_states(self) -> dict[str, dict[str, Any]]:
        cursor = self.conn.execute("SELECT * FROM source_state")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor}

    def update_source_state(self, name: str, **fields: Any) -> None:
        """Upsert some columns of a source's health row (inside or outside a batch)."""
        cols = ["name", *fields]
        marks = ", ".join("?" * len(cols))
        updates = ", ".join(f"{c} = excluded.{c}" for c in fields) or "name = excluded.name"
        with self.write() as conn:
            conn.execute(
                f"INSERT INTO source_state ({', '.join(cols)}) VALUES ({marks})"
                f" ON CONFLICT (name) DO UPDATE SET {updates}",
                [name, *fields.values()],
            )

    def host_retry_at(self, host: str) -> str | None:
        row = self.conn.execute("SELECT retry_at FROM host_state WHERE host = ?", [host]).fetchone()
        return row[0] if row else None

    def set_host_retry_at(self, host: str, retry_at: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO host_state (host, retry_at) VALUES (?, ?)"
                " ON CONFLICT (host) DO UPDATE SET retry_at = excluded.retry_at",
                [host, retry_at],
            )
