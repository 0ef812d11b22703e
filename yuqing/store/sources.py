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

    def mark_own_sources(self, own: list[str], not_own: list[str]) -> None:
        """Record which sources are the office's own (sources.toml `own = true`)."""
        with self.write() as conn:
            conn.executemany("INSERT OR IGNORE INTO own_sources (name) VALUES (?)", [(n,) for n in own])
            conn.executemany("DELETE FROM own_sources WHERE name = ?", [(n,) for n in not_own])

    def own_source_names(self) -> set[str]:
        return {name for (name,) in self.conn.execute("SELECT name FROM own_sources")}

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
