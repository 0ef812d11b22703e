"""The officer's verdicts (人工研判): dismiss or restore an event, set its level by hand or
hand it back to the rules, merge events, split posts off, ignore a post.

Every verdict is appended to the judgment log (who, when, why) and the events it touches
are re-graded in the same transaction. Grading respects the verdicts: a manual level is
never lowered by the rules, a dismissed event sends no notice unless it rises above the
level it had when dismissed (see `grouping.reopen_risen_dismissals`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from yuqing import clock
from yuqing.errors import UsageError
from yuqing.events.cases import actor, kept_event
from yuqing.events.grouping import EventUpdate, regrade_all, update_events
from yuqing.rules import LEVELS, NATURES, Rules
from yuqing.store import Store
from yuqing.store.judgments import KIND_TEXT

UNMATCHED_REASON = "规则调整后不再命中主题"


@dataclass
class Verdict:
    kind: str
    event_id: int
    by: str
    at: str
    reason: str
    value: str | None = None
    event: dict[str, Any] = field(default_factory=dict)  # the event after the verdict
    touched: list[int] = field(default_factory=list)  # other events it changed
    case_closed: bool = False
    update: EventUpdate | None = None

    @property
    def text(self) -> str:
        return KIND_TEXT.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        event = self.event
        return {
            "kind": self.kind, "kind_text": self.text, "event_id": self.event_id, "by": self.by,
            "at": self.at, "reason": self.reason, "value": self.value, "touched": self.touched,
            "case_closed": self.case_closed,
            "event": {k: event.get(k) for k in ("id", "title", "level", "manual_level", "nature",
                                                 "nature_manual", "dismissed_at", "posts", "clicks",
                                                 "comments", "merged_into")},
            "level_changes": [c.__dict__ for c in self.update.changes] if self.update else [],
        }


def dismiss(store: Store, rules: Rules, event_id: int, *, reason: str, by: str | None) -> Verdict:
    """误报/无关: out of lists, reports and notices; its open case closes as 误报."""
    reason = _required(reason, "判为误报")
    with store.write():
        event = _listed_event(store, event_id)
        if event["dismissed_at"]:
            raise UsageError(f"事件 {event_id} 已于 {clock.local_text(event['dismissed_at'])} 判为误报"
                             f"（撤销用 yuqing event restore {event_id}）")
        verdict = _verdict(store, "dismiss", event_id, by, reason, value=event["level"])
        store.set_dismissed(event_id, at=verdict.at, level=event["level"])
        verdict.case_closed = store.close_case_for(event_id, at=verdict.at, action="误报", note=reason,
                                                   by=verdict.by, result=f"误报：{reason}")
        verdict.event = store.get_event(event_id) or event
    return verdict


def restore(store: Store, rules: Rules, event_id: int, *, reason: str, by: str | None) -> Verdict:
    """Undo a dismissal: the event is listed and notified again, its case reopens."""
    with store.write():
        event = _listed_event(store, event_id)
        if not event["dismissed_at"]:
            raise UsageError(f"事件 {event_id} 没有被判为误报，无需撤销")
        verdict = _verdict(store, "restore", event_id, by, reason.strip())
        store.set_dismissed(event_id, at=None, level=None)
        case = store.get_case_for_event(event_id)
        if case and (case["result"] or "").startswith("误报"):
            store.reopen_case_for(event_id, status="待研判")
        verdict.event = store.get_event(event_id) or event
    return verdict


def set_level(store: Store, rules: Rules, event_id: int, level: str | None, *, reason: str,
              by: str | None) -> Verdict:
    """人工定级 (level given) or hand the event back to the rules (level None)."""
    if level is not None and level not in LEVELS:
        raise UsageError(f"级别应为 {' / '.join(LEVELS)} 之一，而不是「{level}」")
    if level is not None:
        reason = _required(reason, "人工定级")
    with store.write():
        event = _listed_event(store, event_id)
        if level is None and not event["manual_level"]:
            raise UsageError(f"事件 {event_id} 没有人工定级，已由规则定级（{event['level']}）")
        verdict = _verdict(store, "level" if level else "auto", event_id, by, reason.strip(), value=level,
                           detail={"old_level": event["level"]})
        store.set_manual_level(event_id, level)
        verdict.update = update_events(store, rules)
        verdict.event = store.get_event(event_id) or event
    return verdict


def set_nature(store: Store, rules: Rules, event_id: int, nature: str | None, *, reason: str,
               by: str | None) -> Verdict:
    """人工定性 (负面 / 敏感 / 中性 / 正面), or hand the 性质 back to the rules (None). A 正面
    event is not raised by spread and sends nothing; the others are graded as usual."""
    if nature is not None and nature not in NATURES:
        raise UsageError(f"性质应为 {' / '.join(NATURES)} 之一，而不是「{nature}」")
    if nature is not None:
        reason = _required(reason, "人工定性")
    with store.write():
        event = _listed_event(store, event_id)
        if nature is None and not event["nature_manual"]:
            raise UsageError(f"事件 {event_id} 没有人工定性，已由规则定性（{event['nature'] or '未定'}）")
        verdict = _verdict(store, "nature" if nature else "nature_auto", event_id, by, (reason or "").strip(),
                           value=nature, detail={"old_nature": event["nature"], "old_level": event["level"]})
        store.set_manual_nature(event_id, nature)
        verdict.update = update_events(store, rules)
        verdict.event = store.get_event(event_id) or event
    return verdict


def merge(store: Store, rules: Rules, target: int, others: list[int], *, reason: str,
          by: str | None) -> Verdict:
    """The others' posts join the target; counts and grade are recomputed, history kept."""
    if not others:
        raise UsageError("至少给出两个事件编号：第一个保留，其余并入它")
    if target in others or len(set(others)) != len(others):
        raise UsageError("事件编号不能重复")
    with store.write():
        _listed_event(store, target)
        absorbed = [_listed_event(store, other) for other in others]
        verdict = _verdict(store, "merge", target, by, reason.strip(), value=json.dumps(others),
                           detail={"titles": {str(e["id"]): e["title"] for e in absorbed}})
        for event in absorbed:
            store.add_judgment(event["id"], at=verdict.at, kind="merged", value=str(target),
                               reason=verdict.reason, by=verdict.by)
            store.merge_event_into(event["id"], target)
            store.close_case_for(event["id"], at=verdict.at, action="合并", note=f"并入事件 {target}",
                                 by=verdict.by, result=f"已并入事件 {target}")
        verdict.touched = list(others)
        verdict.update = update_events(store, rules)
        verdict.event = store.get_event(target) or {}
    return verdict


def split(store: Store, rules: Rules, event_id: int, post_ids: list[int], *, reason: str,
          by: str | None) -> Verdict:
    """The given posts leave the event and form a new one; both are graded."""
    if not post_ids:
        raise UsageError("请给出要拆出的帖子编号（yuqing event show 事件编号 可查看）")
    with store.write():
        event = _listed_event(store, event_id)
        own = set(store.post_ids_of_event(event_id))
        strangers = [p for p in post_ids if p not in own]
        if strangers:
            raise UsageError(f"帖子 {'、'.join(map(str, strangers))} 不属于事件 {event_id}"
                             f"（yuqing event show {event_id} 可查看它的帖子）")
        if own <= set(post_ids):
            raise UsageError(f"不能拆出事件 {event_id} 的全部帖子：至少留下一条")
        first = min(post_ids)
        post = store.get_post(first) or {}
        [new_id] = store.create_events([(post.get("title") or event["title"], clock.now_iso())])
        verdict = _verdict(store, "split", event_id, by, reason.strip(), value=str(new_id),
                           detail={"posts": post_ids})
        store.add_judgment(new_id, at=verdict.at, kind="split_from", value=str(event_id),
                           reason=verdict.reason, by=verdict.by, detail={"posts": post_ids})
        store.move_posts(post_ids, new_id)
        store.mark_events_dirty([event_id])
        verdict.touched = [new_id]
        verdict.update = update_events(store, rules)
        verdict.event = store.get_event(event_id) or event
    return verdict


def ignore_post(store: Store, rules: Rules, post_id: int, *, reason: str, by: str | None) -> Verdict:
    """One irrelevant post inside a real event: kept, shown as excluded, not counted."""
    reason = _required(reason, "排除帖子")
    with store.write():
        post = store.get_post(post_id)
        if post is None:
            raise UsageError(f"没有编号为 {post_id} 的帖子（yuqing event show 事件编号 可查看帖子编号）")
        if post["event_id"] is None:
            raise UsageError(f"帖子 {post_id} 不属于任何事件，无需排除")
        if post["ignored"]:
            raise UsageError(f"帖子 {post_id} 已被排除")
        event_id = post["event_id"]
        if store.counted_posts(event_id) <= 1:
            raise UsageError(f"帖子 {post_id} 是事件 {event_id} 唯一计入的帖子："
                             f"整件事无关请用 yuqing event dismiss {event_id}")
        verdict = _verdict(store, "ignore", event_id, by, reason, value=str(post_id), post_id=post_id,
                           detail={"title": post["title"]})
        store.set_post_ignored(post_id, True)
        verdict.update = update_events(store, rules)
        verdict.event = store.get_event(event_id) or {}
    return verdict


@dataclass
class Regrade:
    update: EventUpdate
    unmatched: list[dict[str, Any]]  # listed events no topic matches any more
    dismissed: list[Verdict]  # those dismissed by --close-unmatched

    def as_dict(self) -> dict[str, Any]:
        return {**self.update.as_dict(), "unmatched": self.unmatched,
                "dismissed": [v.as_dict() for v in self.dismissed]}


def regrade(store: Store, rules: Rules, *, close_unmatched: bool, by: str | None) -> Regrade:
    """After rules.toml changed: re-read and re-grade everything, then reconcile the events
    no topic matches any more: dismissed with --close-unmatched, else marked for the officer."""
    update = regrade_all(store, rules)
    with store.write():
        unmatched = store.unmatched_events()
        dismissed = [dismiss(store, rules, event["id"], reason=UNMATCHED_REASON, by=by)
                     for event in unmatched] if close_unmatched else []
        store.mark_unmatched()
    return Regrade(update, unmatched, dismissed)


def _required(reason: str | None, what: str) -> str:
    if not reason or not reason.strip():
        raise UsageError(f"{what}需要用 --reason 写明理由（会记入研判记录）")
    return reason.strip()


def _listed_event(store: Store, event_id: int) -> dict[str, Any]:
    event = kept_event(store, event_id)
    if not event["posts"]:
        raise UsageError(f"事件 {event_id} 已没有帖子")
    return event


def _verdict(store: Store, kind: str, event_id: int, by: str | None, reason: str, *,
             value: str | None = None, post_id: int | None = None,
             detail: dict[str, Any] | None = None) -> Verdict:
    verdict = Verdict(kind, event_id, actor(by), clock.now_iso(), reason, value)
    store.add_judgment(event_id, at=verdict.at, kind=kind, value=value, reason=reason, by=verdict.by,
                       post_id=post_id, detail=detail)
    return verdict
