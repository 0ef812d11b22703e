"""The SQLite store: every SQL statement of the project lives in this package.

One `Store` object per open database, assembled from a mixin per table family
(posts, events, cases, notices, reports, sources, runs, duty) over `StoreBase`, which opens
the file, applies pending migrations (schema.py) and owns the write transaction.

Writers take the lock up front with `BEGIN IMMEDIATE` so a cron run never fails half-way
with SQLITE_BUSY, and each source's batch is one transaction: a `kill -9` leaves all of
it or none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from yuqing.errors import StoreError
from yuqing.store.base import LATEST_MIGRATION, POST_COLUMNS, BatchCounts, StoreBase, post_key
from yuqing.store.cases import CasesMixin
from yuqing.store.duty import DutyMixin
from yuqing.store.events import EventsMixin
from yuqing.store.meta import MetaMixin
from yuqing.store.notices import NoticesMixin
from yuqing.store.posts import PostsMixin
from yuqing.store.reports import ReportsMixin
from yuqing.store.runs import RunsMixin
from yuqing.store.sources import SourcesMixin

if TYPE_CHECKING:
    from yuqing.workspace import Workspace

__all__ = ["LATEST_MIGRATION", "POST_COLUMNS", "BatchCounts", "Store", "open_workspace_store", "post_key",
           "require_database"]


class Store(
    PostsMixin, EventsMixin, CasesMixin, NoticesMixin, ReportsMixin, SourcesMixin, RunsMixin, DutyMixin, MetaMixin,
    StoreBase,
):
    """The workspace's database: one connection, every query the project makes."""

    def __enter__(self) -> Store:
        return self


def open_workspace_store(workspace: Workspace) -> Store:
    """The workspace's store; a database that vanished from a used workspace is an error,
    never quietly replaced by an empty one (only `yuqing init` creates it then)."""
    require_database(workspace)
    return Store(workspace.db_path)


def require_database(workspace: Workspace) -> None:
    """Call before taking the run lock: its file is one of the traces looked for."""
    if not workspace.db_path.exists() and workspace.has_run_before():
        raise StoreError(
            f"数据库文件不见了：{workspace.db_path}（该工作目录运行过，见 {workspace.logs_dir}）。"
            "请用 yuqing restore <备份文件> 恢复；确需从空库重新开始，运行 yuqing init"
        )
