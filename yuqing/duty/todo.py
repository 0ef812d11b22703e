"""`yuqing todo`: the officer's first command of a shift.

Everything that needs a person, most urgent first: configuration that stops the cron
run, overdue cases and letters, deadlines within two hours, events of 较大 and above that are new or
changed since the last handover, notices that failed or wait for duty hours, failing
sources, and the last handover note.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from yuqing import clock
from yuqing.errors import ConfigError
from yuqing.models import Source
from yuqing.rules import LEVELS, level_rank
from yuqing.sources.health import failing_text
from yuqing.sources.letters import list_letters
from yuqing.store import Store
from yuqing.workspace import Workspace

DUE_SOON = timedelta(hours=2)
STALE_RUN = timedelta(hours=1)  # cron runs every 15 minutes: an hour of silence means it stopped
FIRST_SHIFT = timedelta(hours=24)  # "new" before any handover: the last day
WATCH_FROM = "较大"
DEADLINES = (("report", "报告", "reported_at"), ("forward", "转办", "forwarded_at"), ("answer", "答复", "answered_at"))
NOTICE_ORDER = {"failed": 0, "retrying": 1, "held": 2}


@dataclass
class Todo:
    now: str
    since: str
    since_handover: bool  # False: no handover yet, "new" means the last 24 hours
    config_problems: list[str] = field(default_factory=list)
    config_warnings: list[str] = field(default_factory=list)  # settings that do not apply; stop nothing
    collection: str | None = None  # collection never ran, or stopped: why the lists may be stale
    overdue_cases: list[dict[str, Any]] = field(default_factory=list)
    overdue_letters: list[dict[str, Any]] = field(default_factory=list)  # 网上信件 past their reply deadline
    due_soon: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    last_handover: dict[str, Any] | None = None

    @property
    def all_clear(self) -> bool:
        return not (self.config_problems or self.config_warnings or self.collection or self.overdue_cases or self.overdue_letters
                    or self.due_soon or self.events or self.notices or self.sources)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "all_clear": self.all_clear}


def shift_start(last_handover: dict[str, Any] | None, now: datetime) -> tuple[str, bool]:
    """Where "new" starts: the last handover, else 24 hours ago."""
    if last_handover:
        return last_handover["at"], True
    return clock.to_iso(now - FIRST_SHIFT), False


def build_todo(store: Store, workspace: Workspace, now: datetime | None = None) -> Todo:
    now = now or clock.now()
    last = store.last_handover()
    since, from_handover = shift_start(last, now)
    config = read_config(workspace)
    sources = [s for s in config.sources or [] if s.enabled]
    todo = Todo(now=clock.to_iso(now), since=since, since_handover=from_handover,
                config_problems=config.problems, config_warnings=config.warnings)
    todo.collection = stale_collection(store.last_run(), sources, now)
    open_cases = store.open_cases()
    todo.overdue_cases = overdue_cases(open_cases, now)
    todo.overdue_letters = [{k: x[k] for k in ("channel", "number", "title", "reply_due")}
                            for x in list_letters(store, overdue=True, now_iso=clock.to_iso(now))]
    todo.due_soon = due_soon(open_cases, now)
    todo.events = watched_events(store, since)
    todo.notices = undelivered_notices(store, now)
    todo.sources = failing_sources(store, sources, now)
    if last:
        todo.last_handover = {"at": last["at"], "by": last["by"], "note": last["note"]}
    return todo


@dataclass
class ConfigState:
    """What the configuration files say before a run reads them."""

    sources: list[Source] | None  # None when sources.toml cannot be read
    problems: list[str]  # what in sources.toml or rules.toml would stop a cron run
    warnings: list[str]  # keys of rules.toml nobody reads: their settings do not apply


def read_config(workspace: Workspace) -> ConfigState:
    from yuqing.rules import rules_findings
    from yuqing.sources.config import load_sources

    problems: list[str] = []
    warnings: list[str] = []
    sources: list[Source] | None = None
    try:
        sources = load_sources(workspace.sources_path)
    except ConfigError as error:
        problems.append(error.message)
    if workspace.rules_path.exists():
        found, warnings = rules_findings(workspace.rules_path)
        problems += found
    home = f"{workspace.home}/"  # rules.toml: the officer knows where
    return ConfigState(sources, [p.replace(home, "") for p in problems], [w.replace(home, "") for w in warnings])


def stale_collection(last_run: dict[str, Any] | None, sources: list[Source], now: datetime) -> str | None:
    """An all-clear means nothing when nothing was collected lately."""
    if not sources:
        return None
    if last_run is None:
        return "还没有采集过：运行 yuqing run，并按 README 配置定时运行（cron）"
    if last_run["started_at"] < clock.to_iso(now - STALE_RUN):
        return (f"最近一次采集在 {clock.local_text(last_run['started_at'])}，已超过 1 小时没有运行："
                "检查定时运行（cron）和 logs/yuqing.log")
    return None


def _open_deadlines(case: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, due) of each deadline of the case not yet met."""
    return [(label, case[f"{key}_due"]) for key, label, stamp in DEADLINES
            if case.get(f"{key}_due") and not case.get(stamp)]


def _case_row(case: dict[str, Any]) -> dict[str, Any]:
    return {"id": case["id"], "level": case["level"], "status": case["status"], "title": case["title"]}


def overdue_cases(open_cases: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Open cases with a missed deadline: highest level first, then the longest overdue."""
    now_iso = clock.to_iso(now)
    rows = []
    for case in open_cases:
        late = [{"kind": label, "due": due} for label, due in _open_deadlines(case) if due <= now_iso]
        if late:
            rows.append({**_case_row(case), "late": late})
    return sorted(rows, key=lambda r: (-level_rank(r["level"]), min(d["due"] for d in r["late"]), r["id"]))


def due_soon(open_cases: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Deadlines falling within the next two hours, soonest first."""
    now_iso, until = clock.to_iso(now), clock.to_iso(now + DUE_SOON)
    rows = [{**_case_row(case), "kind": label, "due": due}
            for case in open_cases for label, due in _open_deadlines(case) if now_iso < due <= until]
    return sorted(rows, key=lambda r: (r["due"], -level_rank(r["level"]), r["id"]))


def watched_events(store: Store, since: str) -> list[dict[str, Any]]:
    """Events at 较大 or above that are new, rose, or gained posts since `since` (a post
    seen again is not news: its event's last_seen_at moves with every run)."""
    levels = list(LEVELS[level_rank(WATCH_FROM):])
    found: dict[int, dict[str, Any]] = {}
    for change in store.level_changes_since(since, levels):
        if change["level"] not in levels:  # it has since gone back down
            continue
        found[change["event_id"]] = {
            "id": change["event_id"], "level": change["level"], "title": change["title"],
            "change": _change_word(change["old_level"], change["new_level"]), "old_level": change["old_level"],
            "at": change["at"], "posts": change["posts"], "sites": change["sites"],
            "stock": bool(change["quiet"]),
        }
    for event in store.events_with_new_posts(since, levels):
        if event["id"] not in found:
            found[event["id"]] = {
                "id": event["id"], "level": event["level"], "title": event["title"], "change": "有新帖",
                "old_level": None, "at": event["at"], "posts": event["posts"], "sites": event["sites"],
                "stock": bool(event["quiet"]),
            }
    latest_first = sorted(found.values(), key=lambda e: (e["at"], e["id"]), reverse=True)
    return sorted(latest_first, key=lambda e: -level_rank(e["level"]))


def _change_word(old: str | None, new: str) -> str:
    if old is None:
        return "新"
    return "升级" if level_rank(new) > level_rank(old) else "降级"


def undelivered_notices(store: Store, now: datetime) -> list[dict[str, Any]]:
    """Failed deliveries, then ones waiting to retry after an error, then ones held for duty hours."""
    rows = []
    for row in store.undelivered_notices(clock.to_iso(now)):
        state = "failed" if row["status"] == "failed" else "retrying" if row["last_error"] else "held"
        rows.append({"notice_no": row["notice_no"], "subject": row["subject"], "level": row["level"],
                     "channel": row["channel"], "state": state, "until": row["next_try_at"],
                     "error": row["last_error"]})
    return sorted(rows, key=lambda r: NOTICE_ORDER[r["state"]])


def failing_sources(store: Store, sources: list[Source], now: datetime) -> list[dict[str, Any]]:
    """Enabled sources that failed last time (in backoff or 410), most failures first."""
    states = store.all_source_states()
    rows = []
    for source in sources:
        state = states.get(source.name) or {}
        if not (state.get("consecutive_failures") or state.get("gone")):
            continue
        rows.append({"name": source.name, "site": source.site, "failures": state.get("consecutive_failures") or 0,
                     "reason": state.get("last_reason"), "error": state.get("last_error"),
                     "gone": bool(state.get("gone")), "next_attempt_at": state.get("next_attempt_at"),
                     "text": failing_text(state, now)})
    return sorted(rows, key=lambda r: (not r["gone"], -r["failures"], r["name"]))
