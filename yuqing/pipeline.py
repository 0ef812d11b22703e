"""One cron run: collect → group and grade → escalate, under the workspace lock, recorded
in the `runs` table and logged to logs/yuqing.log (rotated)."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yuqing import clock
from yuqing.collect import (
    CollectOptions,
    CollectReport,
    RepliesReport,
    SourceOutcome,
    collect,
    collect_replies,
)
from yuqing.errors import YuqingError
from yuqing.events.grouping import EventUpdate, update_events
from yuqing.store import Store
from yuqing.store.lock import run_lock

if TYPE_CHECKING:  # escalate is imported only when the run escalates
    from yuqing.escalate import EscalateReport
    from yuqing.models import Source
    from yuqing.rules import Rules
    from yuqing.workspace import Workspace

log = logging.getLogger("yuqing")
# Posts below which status gives no size per 10,000 posts (the fixed part would dominate).
DENSITY_AFTER_POSTS = 1000
EVIDENCE_GRACE = timedelta(days=3)  # raw bodies of posts outside any event are dropped after this


INTAKE_LOCK_WAIT = 120.0  # seconds a pasted post waits for a running cron run to finish


@dataclass
class IntakeResult:
    """Posts stored by hand (`add`, `import`), grouped and graded in the same command."""

    posts: list[dict]  # each stored post: id, title, event, level, reasons
    events: EventUpdate
    notices: EscalateReport | None

    def as_dict(self) -> dict:
        return {"posts": self.posts, "events": self.events.as_dict(),
                "notices": self.notices.as_dict() if self.notices else None}


@dataclass
class RunResult:
    collect: CollectReport
    events: EventUpdate
    notices: EscalateReport | None
    replies: RepliesReport | None = None


class ShanghaiFormatter(logging.Formatter):
    """Log times as ISO-8601 in Asia/Shanghai (2026-11-27T10:00:03+08:00), whatever the
    server's time zone: the log is read next to reports and notices."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, clock.SHANGHAI).isoformat(timespec="seconds")


def setup_logging(logs_dir: Path) -> None:
    """Rotated plain-text log, no colour; secrets never reach it (httpx URL logging is off)."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = str((logs_dir / "yuqing.log").resolve())
    root = logging.getLogger("yuqing")
    root.setLevel(logging.INFO)
    for old in [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        if old.baseFilename == path:
            return
        root.removeHandler(old)  # another workspace's log, from an earlier run in this process
        old.close()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
    handler.setFormatter(ShanghaiFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)


@contextmanager
def logged_run(logs_dir: Path) -> Iterator[None]:
    """A cron run writes why it stopped to logs/yuqing.log too: a bad rules.toml or
    sources.toml otherwise shows only in a cron mail nobody reads."""
    setup_logging(logs_dir)
    try:
        yield
    except YuqingError as error:
        log.error("run stopped (exit %d): %s", int(error.exit_code), error.message)
        raise


def take_in(
    workspace: Workspace,
    rules: Rules,
    store_posts: Callable[[Store], tuple[str, list[str]]],
    *,
    escalate: bool = True,
) -> IntakeResult:
    """Store posts given by hand (`store_posts` returns their source and dedupe keys), then
    group, grade and escalate at once, exactly as a cron run would (same dedupe)."""
    setup_logging(workspace.logs_dir)
    with run_lock(workspace.home, "录入", wait=INTAKE_LOCK_WAIT), Store(workspace.db_path) as store:
        source, keys = store_posts(store)
        events = update_events(store, rules)
        notices = _escalate(workspace, store, rules) if escalate else None
        posts = store.graded_posts(source, keys)
        log.info("intake: %d posts stored by hand, %d level changes", len(posts), len(events.changes))
        return IntakeResult(posts, events, notices)


def run_pipeline(
    workspace: Workspace,
    rules: Rules,
    sources: list[Source],
    options: CollectOptions,
    *,
    command: str,
    escalate: bool = True,
    on_outcome: Callable[[SourceOutcome], None] | None = None,
) -> RunResult:
    workspace.require_database()
    with run_lock(workspace.home), Store(workspace.db_path) as store:
        store.raise_if_damaged()  # a damaged store must fail the cron run, not pass it
        run_id = store.start_run(command, clock.now_iso())
        log.info("run %s started: %d sources", run_id, len(sources))
        for warning in rules.warnings:
            log.warning("%s", warning)
        options = replace(options, stock_hours=rules.stock_hours)
        report = collect(store, sources, options, on_outcome=on_outcome)
        for outcome in report.failed:
            log.warning("source %s failing (%s): %s", outcome.name, outcome.reason, outcome.message)
        store.mark_own_sources([s.name for s in sources if s.own], [s.name for s in sources if not s.own])
        events = update_events(store, rules)
        replies = collect_replies(store, sources, rules, home=workspace.home, pause=options.thread_pause)
        for failure in replies.failures:
            log.warning("%s", failure)
        store.prune_evidence(clock.to_iso(clock.now() - EVIDENCE_GRACE))
        notices = _escalate(workspace, store, rules) if escalate else None
        summary = {"collect": report.as_dict(), "events": events.as_dict(),
                   "replies": replies.as_dict(), "notices": notices.as_dict() if notices else None}
        store.finish_run(run_id, clock.now_iso(), int(report.exit_code), summary)
        log.info("run %s finished: %d new posts, %d failed sources, %d level changes", run_id,
                 report.new, len(report.failed), len(events.changes))
        return RunResult(report, events, notices, replies)


def _escalate(workspace: Workspace, store: Store, rules: Rules) -> EscalateReport:
    from yuqing.escalate import run_escalation

    report = run_escalation(workspace.home, store, rules)
    for warning in report.warnings:
        log.warning("%s", warning)
    return report


def status_report(workspace: Workspace) -> dict[str, Any]:
    """What `yuqing status` shows: what in sources.toml or rules.toml would stop the next run,
    the last run, failing sources, deliveries, open and overdue cases and letters, and the
    size of the store. A broken configuration file is named, not a reason to show nothing."""
    from yuqing.duty.todo import read_config
    from yuqing.events.cases import overdue_items
    from yuqing.sources.letters import list_letters
    from yuqing.workspace import ensure_workspace

    ensure_workspace(workspace)
    config = read_config(workspace)
    workspace.require_database()
    with Store(workspace.db_path) as store:
        store.raise_if_damaged()
        now_iso = clock.now_iso()
        open_cases = store.open_cases()
        overdue = [c for c in open_cases if overdue_items(c, now_iso)]
        open_letters = store.list_letters(open_only=True)
        late_letters = list_letters(store, overdue=True, now_iso=now_iso)
        data = {
            "home": str(workspace.home),
            "config_problems": config.problems,
            "config_warnings": config.warnings,
            "last_run": store.last_run(),
            "sources": None if config.sources is None else len(config.sources),  # None: sources.toml unreadable
            "failing_sources": [
                {"name": name, "failures": s["consecutive_failures"], "reason": s["last_reason"],
                 "next_attempt_at": s.get("next_attempt_at")}
                for name, s in store.all_source_states().items() if s.get("consecutive_failures")
            ],
            "deliveries": store.delivery_counts(),
            "failed_deliveries": store.failed_deliveries(),
            "open_cases": len(open_cases),
            "overdue_cases": [{"id": c["id"], "title": c["title"], "level": c["level"]} for c in overdue],
            "open_letters": len(open_letters),
            "overdue_letters": [{"channel": x["channel"], "number": x["number"], "title": x["title"],
                                 "reply_due": x["reply_due"]} for x in late_letters],
            "posts": store.count_posts(),
            "database_bytes": sum(p.stat().st_size for p in workspace.home.glob("yuqing.db*")
                                  if not p.name.startswith("yuqing.db.before-restore")),
            "roles_without_contacts": _roles_without_contacts(workspace),
        }
    # A small store is mostly its schema and indexes: 22 posts in 0.4 MiB said 「每万条 177.6 MiB」.
    many = data["posts"] >= DENSITY_AFTER_POSTS
    data["bytes_per_10k_posts"] = round(data["database_bytes"] / data["posts"] * 10_000) if many else None
    return data


def _roles_without_contacts(workspace: Workspace) -> list[str]:
    """Roles notices go to that no mail address or robot reaches (status warns until fixed)."""
    from yuqing.errors import ConfigError
    from yuqing.rules import load_rules, rules_path_for

    try:
        rules = load_rules(rules_path_for(workspace if workspace.rules_path.exists() else None))
    except ConfigError:  # `rules check` names the problem; status still shows the rest
        return []
    return rules.escalation.roles_without_contacts()
