"""The store checking itself."""

from __future__ import annotations

from yuqing.errors import StoreError
from yuqing.store.base import StoreBase


class MetaMixin(StoreBase):
    def raise_if_damaged(self) -> None:
        """`PRAGMA quick_check` (reads every page, skips index cross-checks): `run` and
        `status` call it so cron never reports success on a damaged store."""
        if self.conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
            raise StoreError(f"数据库已损坏：{self.path}（完整性检查未通过），可用 yuqing restore 恢复备份")
