"""Runs, status and backup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from yuqing.store.base import StoreBase


class RunsMixin(StoreBase):
    def last_run(self) -> dict[str, Any] | None:
        """The latest run, its summary decoded (None while the run is unfinished)."""
        rows = self._rows("SELECT * FROM runs ORDER BY id DESC LIMIT 1")
        if not rows:
            return None
        run = rows[0]
        run["summary"] = json.loads(run["summary"]) if run["summary"] else None
        return run

    def delivery_counts(self) -> dict[str, int]:
        """Deliveries by status; `written` counts the file outbox apart from what reached people."""
        counts = dict(self.conn.execute(
            "SELECT status, count(*) FROM deliveries WHERE channel != 'file' GROUP BY status"))
        counts["written"] = self.conn.execute(
            "SELECT count(*) FROM deliveries WHERE channel = 'file' AND status = 'sent'").fetchone()[0]
        counts["held"] = self.conn.execute(
            "SELECT count(*) FROM deliveries WHERE status = 'due' AND next_try_at IS NOT NULL"
            " AND last_error IS NULL").fetchone()[0]
        return counts

    def failed_deliveries(self, limit: int = 20) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT n.notice_no, d.channel, d.last_error FROM deliveries d JOIN notices n ON n.id = d.notice_id"
            " WHERE d.status = 'failed' ORDER BY d.id DESC LIMIT ?",
            [limit],
        )

    def backup_to(self, target: Path) -> None:
        """A consistent copy even while a run writes (VACUUM INTO reads one snapshot)."""
        self.conn.execute("VACUUM INTO ?", [str(target)])


    def start_run(self, command: str, started_at: str) -> int:
        with self.write() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (command, started_at) VALUES (?, ?)", [command, started_at]
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, finished_at: str, exit_code: int, summary: Any) -> None:
        with self.write() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, exit_code = ?, summary = ? WHERE id = ?",
                [finished_at, exit_code, json.dumps(summary, ensure_ascii=False), run_id],
            )
