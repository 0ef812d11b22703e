"""Cases (处置): what was done about an event, appended and never edited, until it is closed.

Each action may move the case's status and satisfy one of its deadlines: 上报 meets the
report deadline, 转办 the forward deadline, a reply / press release / rebuttal the
answer deadline. The year-end summary counts from these records.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from yuqing import clock
from yuqing.errors import InputError, UsageError, os_reason
from yuqing.store import Store

STATUSES = ("待研判", "已上报", "已转办", "已回应", "已办结", "持续关注", "已升级")

# action → (new status or None to keep it, deadline stamp it satisfies or None)
ACTIONS: dict[str, tuple[str | None, str | None]] = {
    "研判": (None, None),
    "上报": ("已上报", "reported_at"),
    "转办": ("已转办", "forwarded_at"),
    "核实": (None, None),
    "回复": ("已回应", "answered_at"),
    "发布通稿": ("已回应", "answered_at"),
    "删帖申请": (None, None),
    "删帖": (None, None),
    "辟谣": ("已回应", "answered_at"),
    "报警": (None, None),
    "善后跟踪": ("持续关注", None),
}


# Actions that answer the netizens: with a document attached, each is one 答复材料.
ANSWER_ACTIONS = ("回复", "发布通稿", "辟谣")
DELETION_OUTCOMES = ("已删除", "未删除")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def existing_event(store: Store, event_id: int) -> dict[str, Any]:
    event = store.get_event(event_id)
    if event is None:
        raise UsageError(f"没有编号为 {event_id} 的事件（用 yuqing events 查看）")
    return event


def kept_event(store: Store, event_id: int) -> dict[str, Any]:
    """The event, when it is still one of its own: one merged into another has no posts or
    records left, so verdicts, tags and reports go to the event it went into."""
    event = existing_event(store, event_id)
    if event["merged_into"]:
        target = event["merged_into"]
        raise UsageError(f"事件 {event_id} 已并入事件 {target}，请对事件 {target} 操作")
    return event


def actor(by: str | None) -> str:
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "未知")


def act(store: Store, case_id: int, *, action: str, to: str | None, note: str | None, by: str | None,
        posts: list[int] | None = None, outcome: str | None = None, attach: Path | None = None) -> dict:
    """Record one action. 删帖申请 / 删帖 name the posts (删帖 also its outcome); any action may
    attach a document, which is kept in the store."""
    if action not in ACTIONS:
        raise UsageError(f"不认识的处置动作「{action}」：可用 {'、'.join(ACTIONS)}")
    case = _open_case(store, case_id)
    if action == "转办" and not to:
        raise UsageError("转办需要用 --to 写明转给哪个部门")
    extra = _deletion_record(store, case, action, posts or [], outcome)
    document = _read_document(attach) if attach is not None else None
    status, stamp = ACTIONS[action]
    at = clock.now_iso()
    with store.write():
        if document:
            extra.update(document_sha=document["sha256"], document_name=document["name"])
            store.keep_document(sha256=document["sha256"], name=document["name"], data=document["data"], at=at)
        store.add_case_action(case_id, at=at, action=action, to_dept=to, note=note, by=actor(by),
                              status=status, stamps={stamp: at} if stamp else {}, extra=extra)
    return store.get_case(case_id) or case


def _deletion_record(store: Store, case: dict, action: str, posts: list[int], outcome: str | None) -> dict:
    if action not in ("删帖申请", "删帖"):
        if posts or outcome:
            raise UsageError("--post 和 --outcome 只用于删帖申请、删帖")
        return {}
    if action == "删帖" and not posts:
        raise UsageError("删帖需要用 --post 写明帖子编号（可写多次；帖子编号见 yuqing event show）")
    missing = store.missing_post_ids(posts)
    if missing:
        raise UsageError(f"没有编号为 {'、'.join(map(str, missing))} 的帖子（帖子编号见 yuqing event show）")
    # A mistyped number would put another event's post (or a letter) into this case's record
    # and into the year's 删帖 figures.
    elsewhere = store.posts_outside_event(posts, case["event_id"])
    if elsewhere:
        raise UsageError(f"帖子 {'、'.join(map(str, elsewhere))} 不属于案件 {case['id']} 的事件 {case['event_id']}，"
                         f"请核对帖子编号（yuqing event show {case['event_id']}）")
    if action == "删帖" and outcome not in DELETION_OUTCOMES:
        raise UsageError(f"删帖需要用 --outcome 写明结果：{' 或 '.join(DELETION_OUTCOMES)}")
    if action == "删帖申请" and outcome:
        raise UsageError("删帖申请还没有结果；网站处理后用 --action 删帖 --outcome 已删除 记录")
    return {"post_ids": json.dumps(sorted(set(posts))) if posts else None, "outcome": outcome}


def _read_document(path: Path) -> dict:
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise InputError(f"附件 {path} 超过 {MAX_DOCUMENT_BYTES // 1024 // 1024} MiB")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取附件 {path}：{os_reason(exc)}") from None
    return {"sha256": hashlib.sha256(data).hexdigest(), "name": path.name, "data": data}


def close(store: Store, case_id: int, *, result: str, by: str | None, aftercare: bool = False) -> dict:
    if not result.strip():
        raise UsageError("办结需要用 --result 写明处置结果")
    _open_case(store, case_id)
    at = clock.now_iso()
    store.add_case_action(case_id, at=at, action="办结", to_dept=None, note=result, by=actor(by),
                          status=None, stamps={})
    store.close_case(case_id, at=at, result=result, status="持续关注" if aftercare else "已办结")
    return store.get_case(case_id) or {}


def _open_case(store: Store, case_id: int) -> dict:
    case = store.get_case(case_id)
    if case is None:
        raise UsageError(f"没有编号为 {case_id} 的案件（用 yuqing case list 查看）")
    if case["closed_at"]:
        raise UsageError(f"案件 {case_id} 已于 {clock.local_text(case['closed_at'])} 办结，不能再记录处置")
    return case


def overdue_items(case: dict, now_iso: str) -> list[str]:
    """The deadlines of a case that passed with nothing done: 「转办（2026-11-27 16:00）」."""
    return said_overdue(overdue_deadlines(case, now_iso))


def said_overdue(deadlines: list[tuple[str, str]]) -> list[str]:
    return [f"{label}（{clock.local_text(due)}）" for label, due in deadlines]


def overdue_deadlines(case: dict, now_iso: str) -> list[tuple[str, str]]:
    """(转办 / 答复 / 报告, when it was due) of the deadlines that passed with nothing done."""
    labels = {"report": "报告", "forward": "转办", "answer": "答复"}
    stamps = {"report": "reported_at", "forward": "forwarded_at", "answer": "answered_at"}
    late = []
    for key, label in labels.items():
        due = case.get(f"{key}_due")
        if due and not case.get(stamps[key]) and not case.get("closed_at") and due <= now_iso:
            late.append((label, due))
    return late
