"""Cases (处置): what was done about an event, appended and never edited, until it is closed.

Each action may move the case's status and satisfy one of its deadlines: 上报 meets the
report deadline, 转办 the forward deadline, a reply / press release / rebuttal the
answer deadline. The year-end summary counts from these records.
"""

from __future__ import annotations

import getpass
import os

from yuqing import clock
from yuqing.errors import UsageError
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
    "辟谣": ("已回应", "answered_at"),
    "报警": (None, None),
    "善后跟踪": ("持续关注", None),
}


def actor(by: str | None) -> str:
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "未知")


def act(store: Store, case_id: int, *, action: str, to: str | None, note: str | None, by: str | None) -> dict:
    if action not in ACTIONS:
        raise UsageError(f"不认识的处置动作「{action}」：可用 {'、'.join(ACTIONS)}")
    case = _open_case(store, case_id)
    if action == "转办" and not to:
        raise UsageError("转办需要用 --to 写明转给哪个部门")
    status, stamp = ACTIONS[action]
    at = clock.now_iso()
    store.add_case_action(case_id, at=at, action=action, to_dept=to, note=note, by=actor(by),
                          status=status, stamps={stamp: at} if stamp else {})
    return store.get_case(case_id) or case


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
    """The deadlines of a case that passed with nothing done."""
    labels = {"report": "报告", "forward": "转办", "answer": "答复"}
    stamps = {"report": "reported_at", "forward": "forwarded_at", "answer": "answered_at"}
    late = []
    for key, label in labels.items():
        due = case.get(f"{key}_due")
        if due and not case.get(stamps[key]) and not case.get("closed_at") and due <= now_iso:
            late.append(f"{label}（{clock.local_text(due)}）")
    return late
