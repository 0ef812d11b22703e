"""`yuqing handover`: 交接班. The end of a shift is recorded with the officer's note and a
summary of the shift (new events by level, rises, actions taken, cases closed, what is
still open); a Markdown copy goes to reports/. `todo` counts "new" from the last one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from yuqing import clock
from yuqing.duty.todo import build_todo, shift_start
from yuqing.errors import UsageError
from yuqing.events.cases import actor
from yuqing.rules import LEVELS, level_rank
from yuqing.store import Store
from yuqing.workspace import Workspace

MAX_NOTE = 2000


@dataclass
class Handover:
    id: int
    at: str
    by: str
    note: str
    since: str
    since_handover: bool
    summary: dict[str, Any]
    markdown: str
    path: Path


def shift_summary(store: Store, workspace: Workspace, since: str, now: datetime) -> dict[str, Any]:
    """What happened in the shift since `since`, and what the next officer inherits."""
    counts = store.new_event_levels(since)
    rises = [c for c in store.level_changes_since(since, list(LEVELS[1:]))
             if c["old_level"] and level_rank(c["new_level"]) > level_rank(c["old_level"])]
    actions = store.case_actions_since(since)
    todo = build_todo(store, workspace, now)
    return {
        "new_events": {level: counts.get(level, 0) for level in LEVELS if counts.get(level)},
        "rises": [{"event_id": c["event_id"], "title": c["title"], "old_level": c["old_level"],
                   "new_level": c["new_level"], "at": c["at"]} for c in rises],
        "actions": [{"case_id": a["case_id"], "at": a["at"], "action": a["action"], "to": a["to_dept"],
                     "note": a["note"], "by": a["by"], "title": a["title"]} for a in actions],
        "action_counts": dict(Counter(a["action"] for a in actions)),
        "closed_cases": [{"id": c["id"], "title": c["title"], "level": c["level"], "result": c["result"],
                          "closed_at": c["closed_at"]} for c in store.cases_closed_since(since)],
        "open_cases": len(store.open_cases()),
        "overdue_cases": todo.overdue_cases,
        "overdue_letters": todo.overdue_letters,
        "due_soon": todo.due_soon,
        "failing_sources": [{"name": s["name"], "text": s["text"]} for s in todo.sources],
        "undelivered_notices": todo.notices,
        "config_problems": todo.config_problems,
    }


def hand_over(store: Store, workspace: Workspace, *, note: str, by: str | None,
              now: datetime | None = None) -> Handover:
    note = note.strip()
    if not note:
        raise UsageError("交接说明不能为空：用 --note 写明下一班要注意什么（没有就写「无」）")
    if len(note) > MAX_NOTE:
        raise UsageError(f"交接说明太长（{len(note)} 字）：请控制在 {MAX_NOTE} 字以内")
    now = now or clock.now()
    since, from_handover = shift_start(store.last_handover(), now)
    at, who = clock.to_iso(now), actor(by)
    summary = shift_summary(store, workspace, since, now)
    markdown = handover_markdown(at=at, by=who, note=note, since=since, since_handover=from_handover,
                                 summary=summary)
    path = _report_path(workspace, now)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown, encoding="utf-8")
    handover_id = store.record_handover(at=at, by=who, note=note, since=since, summary=summary, path=str(path))
    return Handover(handover_id, at, who, note, since, from_handover, summary, markdown, path)


def _report_path(workspace: Workspace, now: datetime) -> Path:
    stem = f"handover-{now.astimezone(clock.SHANGHAI):%Y-%m-%d-%H%M}"
    path = workspace.reports_dir / f"{stem}.md"
    number = 2
    while path.exists():  # two handovers in one minute keep both files
        path = workspace.reports_dir / f"{stem}-{number}.md"
        number += 1
    return path


# -- the Markdown record -------------------------------------------------------


def handover_markdown(*, at: str, by: str, note: str, since: str, since_handover: bool,
                      summary: dict[str, Any]) -> str:
    shift = f"{clock.local_text(since)} 至 {clock.local_text(at)}"
    if not since_handover:
        shift += "（此前没有交接记录，按最近 24 小时统计）"
    lines = ["# 交接班记录", "", f"- 交接时间：{clock.local_text(at)}", f"- 交接人：{by}", f"- 本班时段：{shift}",
             "", "## 交接说明", "", *note.splitlines(), ""]
    lines += _shift_lines(summary)
    lines += _open_lines(summary)
    return "\n".join(lines).rstrip() + "\n"


def _shift_lines(summary: dict[str, Any]) -> list[str]:
    lines = ["## 本班情况", ""]
    new = summary["new_events"]
    lines.append("- 新事件：" + ("，".join(f"{level} {n} 个" for level, n in new.items())
                                 + f"（共 {sum(new.values())} 个）" if new else "无"))
    for rise in summary["rises"]:
        lines.append(f"- 升级：事件 {rise['event_id']}「{rise['title']}」{rise['old_level']} → {rise['new_level']}"
                     f"（{clock.local_text(rise['at'])}）")
    counts = summary["action_counts"]
    lines.append(f"- 处置记录 {len(summary['actions'])} 条" + (
        "：" + "，".join(f"{action} {n}" for action, n in counts.items()) if counts else ""))
    for action in summary["actions"]:
        to = f" → {action['to']}" if action["to"] else ""
        note = f"：{action['note']}" if action["note"] else ""
        lines.append(f"  - {clock.local_text(action['at'])} 案件 {action['case_id']} {action['action']}{to}{note}"
                     f"（{action['by']}）「{action['title']}」")
    closed = summary["closed_cases"]
    lines.append(f"- 办结案件 {len(closed)} 件")
    for case in closed:
        lines.append(f"  - 案件 {case['id']}【{case['level']}】「{case['title']}」：{case['result'] or ''}")
    return [*lines, ""]


def _open_lines(summary: dict[str, Any]) -> list[str]:
    lines = ["## 移交下一班", ""]
    overdue = summary["overdue_cases"]
    lines.append(f"- 在办案件 {summary['open_cases']} 件，其中超时 {len(overdue)} 件")
    for case in overdue:
        late = "、".join(f"{d['kind']}（{clock.local_text(d['due'])}）" for d in case["late"])
        lines.append(f"  - 案件 {case['id']}【{case['level']}】「{case['title']}」{late}已超时")
    for item in summary["due_soon"]:
        lines.append(f"- 将到期：案件 {item['id']}【{item['level']}】{item['kind']} {clock.local_text(item['due'])}"
                     f"「{item['title']}」")
    letters = summary.get("overdue_letters") or []  # absent from handovers stored before
    if letters:
        lines.append(f"- 超时未回复来信 {len(letters)} 封")
    for letter in letters:
        lines.append(f"  - {letter['channel']} {letter['number']}「{letter['title']}」"
                     f"答复时限 {clock.local_text(letter['reply_due'])}")
    for source in summary["failing_sources"]:
        lines.append(f"- 信息源「{source['name']}」{source['text']}")
    notices = summary["undelivered_notices"]
    if notices:
        states = Counter(n["state"] for n in notices)
        words = {"failed": "发送失败", "retrying": "等待重试", "held": "顺延到上班发送"}
        lines.append("- 未送达的通知：" + "，".join(f"{words[s]} {n} 条" for s, n in states.items()))
    for problem in summary["config_problems"]:
        lines.append(f"- 配置错误（定时运行会停止）：{problem}")
    return lines
