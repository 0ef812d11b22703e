"""The store checking itself."""

from __future__ import annotations

from yuqing.errors import StoreError
from yuqing.store.base import StoreBase


class MetaMixin(StoreBase):
    def raise_if_damaged(self) -> None:
        """`PRAGMA quick_check` (reads every page, skips index cross-checks): `run` and
        `status` call it so cron never reports success on a damaged store."""
        rows = [row[0] for row in self.conn.execute("PRAGMA quick_check(5)")]
        if rows != ["ok"]:
            detail = "；".join(rows)[:200]
            raise StoreError(f"数据库已损坏：{self.path}（{detail}），可用 yuqing restore 恢复备份")
