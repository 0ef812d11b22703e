"""The SQLite store: every SQL statement of the project lives in this package.

One `Store` object per open database, assembled from a mixin per table family
(posts, events, judgments, cases, notices, reports, replies, sources, runs, duty, letters,
records) over `StoreBase`, which opens
the file, applies pending migrations (schema.py) and owns the write transaction.

Writers take the lock up front with `BEGIN IMMEDIATE` so a cron run never fails half-way
with SQLITE_BUSY, and each source's batch is one transaction: a `kill -9` leaves all of
it or none of it.
"""

from __future__ import annotations

from yuqing.store.base import LATEST_MIGRATION, POST_COLUMNS, BatchCounts, StoreBase, post_key
from yuqing.store.cases import CasesMixin
from yuqing.store.duty import DutyMixin
from yuqing.store.events import EventsMixin
from yuqing.store.judgments import JudgmentsMixin
from yuqing.store.letters import LettersMixin
from yuqing.store.meta import MetaMixin
from yuqing.store.notices import NoticesMixin
from yuqing.store.posts import Evidence, PostsMixin
from yuqing.store.records import RecordsMixin
from yuqing.store.replies import RepliesMixin
from yuqing.store.reports import ReportsMixin
from yuqing.store.runs import RunsMixin
from yuqing.store.sources import SourcesMixin

__all__ = ["LATEST_MIGRATION", "POST_COLUMNS", "BatchCounts", "Evidence", "Store", "post_key"]


class Store(
    PostsMixin, EventsMixin, JudgmentsMixin, CasesMixin, NoticesMixin, ReportsMixin, RepliesMixin, SourcesMixin,
    RunsMixin, DutyMixin, MetaMixin, LettersMixin, RecordsMixin, StoreBase,
):
    """The workspace's database: one connection, every query the project makes."""

    def __enter__(self) -> Store:
        return self

