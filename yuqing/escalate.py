"""Escalation: decide which notices are due, record them, then deliver them.

Planning and delivery are separate on purpose. A notice is recorded (with one delivery
row per channel, status `due`) before anything is sent, so a timeout or a crash never
causes a storm of re-sends; a delivery is marked `sending` before the network call, so a
crash between sending and recording risks at most one duplicate, carrying the same
notice number. Reruns find the dedupe keys taken and send nothing new.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yuqing import clock
from yuqing.notify.context import Context, build_context
from yuqing.notify.dispatch import Dispatcher
from yuqing.notify.routing import Escalation, LevelPolicy, departments_for
from yuqing.notify.workcal import (
    add_hours,
    format_deadline,
    in_duty,
    next_duty_start,
)
from yuqing.render.markup import markdown_to_text, md_text, one_line
from yuqing.render.templating import render
from yuqing.rules import LEVELS, Rules, level_rank
from yuqing.store import Store

if TYPE_CHECKING:  # channels (smtplib, email) is imported when a message is built
    from yuqing.notify.channels import Message, Outcome

log = logging.getLogger("yuqing.escalate")
NO_CONTACT = "未配置联系人，只写入发件箱"
MAX_ATTEMPTS = 6
RETRY_STEPS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
DEADLINES = (("report", "报告时限", "reported_at"), ("forward", "转办时限", "forwarded_at"),
             ("answer", "答复时限", "answered_at"))
KIND_TEXT = {"new": "首次达到该级别", "rise": "级别上升"}


@dataclass
class Planned:
    dedupe_key: str
    kind: str  # level | reminder | overdue | source
    subject: str
    roles: list[str]
    context: dict[str, Any]
    template: str
    level: str | None = None
    wake: bool = False
    event_id: int | None = None
    case_id: int | None = None
    source: str | None = None
    notice_no: str | None = None  # given when recorded
    letter_id: int | None = None


@dataclass
class EscalateReport:
    planned: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0
    held: int = 0
    failed: list[str] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # configuration problems, shown, not stored

    @property
    def written(self) -> int:
        """Notices written to the file outbox."""
        return sum(1 for d in self.deliveries if d["channel"] == "file" and d["status"] == "sent")

    @property
    def delivered(self) -> int:
        """Messages that reached a person's mail or robot."""
        return sum(1 for d in self.deliveries if d["channel"] != "file" and d["status"] == "sent")

    def deliveries_of(self, notice_no: str | None) -> list[dict[str, Any]]:
        return [d for d in self.deliveries if d["notice_no"] == notice_no]

    def as_dict(self) -> dict[str, Any]:
        return {"planned": self.planned, "sent": self.sent, "written": self.written, "delivered": self.delivered,
                "held": self.held, "failed": self.failed, "deliveries": self.deliveries}


# -- planning ------------------------------------------------------------------


def plan(ctx: Context) -> list[Planned]:
    planned = _level_notices(ctx) + _deadline_notices(ctx) + _letter_notices(ctx) + _source_notices(ctx)
    taken = ctx.store.existing_dedupe_keys([p.dedupe_key for p in planned])
    return [p for p in planned if p.dedupe_key not in taken]


def _case_levels(escalation: Escalation) -> list[str]:
    return list(LEVELS[LEVELS.index(escalation.case_min_level):])


def _dues(ctx: Context, policy: LevelPolicy, start: datetime) -> dict[str, str | None]:
    if not policy.wake:  # a routine item found at night is handed over when duty starts
        start = next_duty_start(start, ctx.calendar, ctx.duty)
    dues: dict[str, str | None] = {}
    for key, hours in (("report", policy.report_within_hours), ("forward", policy.forward_within_hours),
                       ("answer", policy.answer_within_hours)):
        if key == "report" and hours == 0:
            dues[key] = None  # "report at once": the notice itself is the report
            continue
        dues[key] = None if hours is None else clock.to_iso(
            add_hours(start, hours, working=policy.working_hours, cal=ctx.calendar, duty=ctx.duty))
    return dues


def _level_notices(ctx: Context) -> list[Planned]:
    escalation = ctx.escalation
    levels = _case_levels(escalation)
    # A letter-only event at 一般 is followed by the letter's own reply deadline, not a case.
    events = ctx.store.events_for_cases(levels, ctx.rules.quiet_natures,
                                        letters_from=[lv for lv in levels if level_rank(lv) > 0])
    now_iso = clock.to_iso(ctx.now)
    to_open = [(e["id"], e["level"], now_iso, _dues(ctx, escalation.policy(e["level"]), ctx.now))
               for e in events if e["case_id"] is None]
    ctx.store.open_cases_for(to_open)  # one statement for all new cases, not one per event
    for event in events:
        old_level = event["case_level"]
        if old_level and level_rank(event["level"]) > level_rank(old_level):
            ctx.store.raise_case(event["case_id"], event["level"],
                                 _dues(ctx, escalation.policy(event["level"]), ctx.now))
            ctx.store.supersede_held(event["id"], list(LEVELS[:level_rank(event["level"])]))
    taken = ctx.store.existing_dedupe_keys([f"level:{e['id']}:{e['level']}" for e in events])
    fresh = [e for e in events if f"level:{e['id']}:{e['level']}" not in taken and not _lowered(e)]
    ids = [e["id"] for e in fresh]
    posts_by_event = ctx.store.event_posts(ids)
    cases = ctx.store.cases_by_event(ids)
    dismissed_once = ctx.store.ever_dismissed(ids)
    planned = []
    for event in fresh:
        event["dismissed_once"] = event["id"] in dismissed_once
        old_level = event["case_level"]
        rise = old_level is not None and level_rank(event["level"]) > level_rank(old_level)
        planned.append(_event_notice(ctx, event, posts_by_event.get(event["id"], []), cases.get(event["id"]),
                                     escalation.policy(event["level"]), old_level if rise else None,
                                     f"level:{event['id']}:{event['level']}"))
    return planned


def _lowered(event: dict) -> bool:
    """Set below its case's level by hand (人工定级): nothing to announce."""
    return event["case_level"] is not None and level_rank(event["level"]) < level_rank(event["case_level"])


def _event_notice(ctx: Context, event: dict, posts: list[dict], case: dict | None, policy: LevelPolicy,
                  old_level: str | None, key: str) -> Planned:
    topics = json.loads(event["topics"] or "[]")
    text = " ".join(f"{p['title']} {p['text'][:500]}" for p in posts[:20])
    departments = departments_for(text, topics, ctx.escalation)
    context = {
        "level": event["level"], "old_level": old_level, "title": event["title"],
        "nature": event.get("nature"), "nature_basis": event.get("nature_basis"),
        "kind_text": KIND_TEXT["rise" if old_level else "new"],
        "first_site": event["first_site"] or "", "first_at": event["first_at"],
        "sites": event["sites"], "mainstream_sites": event["mainstream_sites"],
        "reprints": event["reprints"], "clicks": event["clicks"], "comments": event["comments"],
        "growth": _growth_text(event),
        "reasons": [r["text"] for r in json.loads(event["reasons"] or "[]")],
        "deadlines": _deadline_lines(case, policy),
        "actions": list(policy.actions), "departments": departments,
        "posts": posts[:10], "more_posts": max(0, len(posts) - 10),
        "dismissed_once": event.get("dismissed_once", False),
        "manual_level": event.get("manual_level"),
    }
    verb = f"升级为{event['level']}" if old_level else event["level"]
    return Planned(
        dedupe_key=key, kind="level", subject=f"【{verb}舆情】{one_line(event['title'])[:60]}",
        roles=list(dict.fromkeys([*policy.report_to, *departments])), context=context,
        template=policy.template, level=event["level"], wake=policy.wake, event_id=event["id"],
        case_id=case["id"] if case else None,
    )


def _growth_text(event: dict) -> str:
    if event.get("comments_before") is None:
        return ""
    return (f"24 小时内点击 {event['clicks_before']} → {event['clicks']}，"
            f"跟帖 {event['comments_before']} → {event['comments']}")


def _deadline_lines(case: dict | None, policy: LevelPolicy) -> list[dict[str, str]]:
    lines = []
    if policy.report_within_hours == 0:
        lines.append({"label": "报告时限", "at": "立即"})
    for key, label, _stamp in DEADLINES:
        due = case.get(f"{key}_due") if case else None
        if due:
            lines.append({"label": label, "at": format_deadline(clock.parse_iso(due))})
    return lines


def _deadline_notices(ctx: Context) -> list[Planned]:
    escalation = ctx.escalation
    window = timedelta(minutes=escalation.reminder_before_minutes)
    now_iso = clock.to_iso(ctx.now)
    planned = []
    for case in ctx.store.open_cases():
        policy = escalation.policy(case["level"])
        for key, label, stamp in DEADLINES:
            due = case.get(f"{key}_due")
            if not due or case.get(stamp):
                continue  # no such deadline, or already met
            due_at = clock.parse_iso(due)
            if due <= now_iso:
                roles = list(policy.report_to)
                roles += [escalation.roles[r].next for r in policy.report_to
                          if r in escalation.roles and escalation.roles[r].next]
                planned.append(_alert(
                    f"overdue:{case['id']}:{key}:{due}", "overdue", f"【超时催办】{label}已过：{one_line(case['title'])[:50]}",
                    list(dict.fromkeys(roles)), case,
                    [f"事件：{md_text(case['title'])}（{case['level']}，案件 {case['id']}）",
                     f"{label}：{format_deadline(due_at)}，已超时，尚未记录处置", "请立即处置并用 yuqing case act 记录"],
                    wake=True))
            elif ctx.now >= due_at - window:
                planned.append(_alert(
                    f"remind:{case['id']}:{key}:{due}", "reminder", f"【时限提醒】{label}将到：{one_line(case['title'])[:50]}",
                    list(policy.report_to), case,
                    [f"事件：{md_text(case['title'])}（{case['level']}，案件 {case['id']}）",
                     f"{label}：{format_deadline(due_at)}"], wake=policy.wake))
    return planned


def _alert(key: str, kind: str, subject: str, roles: list[str], case: dict, lines: list[str], *,
           wake: bool) -> Planned:
    return Planned(dedupe_key=key, kind=kind, subject=subject, roles=roles,
                   context={"heading": subject, "lines": lines}, template="alert.md.j2",
                   level=case["level"], wake=wake, event_id=case["event_id"], case_id=case["id"])


def _letter_notices(ctx: Context) -> list[Planned]:
    """网络问政 letters not yet replied: a reminder before the reply deadline, 超时催办 after it."""
    policy = ctx.rules.letters
    window = timedelta(hours=policy.remind_before_hours)
    now_iso = clock.to_iso(ctx.now)
    planned = []
    for letter in ctx.store.list_letters(open_only=True):
        due = letter["reply_due"]
        if not due:
            continue
        due_at = clock.parse_iso(due)
        what = f"{md_text(letter['channel'])} {md_text(letter['number'])}「{md_text(letter['title'])}」"
        lines = [f"来信：{what}", f"来信时间：{_moment_text(ctx, letter['received_at'])}",
                 f"答复时限：{_moment_text(ctx, due)}"]
        if due <= now_iso:
            roles = list(policy.report_to)
            roles += [ctx.escalation.roles[r].next for r in policy.report_to
                      if r in ctx.escalation.roles and ctx.escalation.roles[r].next]
            subject = f"【超时催办】来信答复时限已过：{one_line(letter['title'])[:50]}"
            planned.append(_letter_alert(f"overdue-letter:{letter['id']}:{due}", "overdue", subject,
                                         list(dict.fromkeys(roles)), letter,
                                         [*lines[:2], f"{lines[2]}，已超时，尚未回复", "请督促承办单位答复，"
                                          "答复后以新的导出表 yuqing letter import 更新"], wake=True))
        elif ctx.now >= due_at - window:
            subject = f"【时限提醒】来信答复时限将到：{one_line(letter['title'])[:50]}"
            planned.append(_letter_alert(f"remind-letter:{letter['id']}:{due}", "reminder", subject,
                                         list(policy.report_to), letter, lines, wake=False))
    return planned


def _moment_text(ctx: Context, iso: str) -> str:
    """'11月20日 周五 10:05', with the year when it is not this year's."""
    moment = clock.parse_iso(iso)
    this_year = ctx.now.astimezone(clock.SHANGHAI).year
    return format_deadline(moment, year=moment.astimezone(clock.SHANGHAI).year != this_year)


def _letter_alert(key: str, kind: str, subject: str, roles: list[str], letter: dict, lines: list[str], *,
                  wake: bool) -> Planned:
    return Planned(dedupe_key=key, kind=kind, subject=subject, roles=roles,
                   context={"heading": subject, "lines": lines}, template="alert.md.j2",
                   level=letter["level"], wake=wake, event_id=letter["event_id"], letter_id=letter["id"])


def _source_notices(ctx: Context) -> list[Planned]:
    escalation = ctx.escalation
    planned = []
    for name, state in ctx.store.all_source_states().items():
        if (state.get("consecutive_failures") or 0) < escalation.source_failure_runs:
            continue
        streak = state.get("last_success_at") or "never"
        planned.append(Planned(
            dedupe_key=f"source:{name}:{streak}", kind="source",
            subject=f"【信息源故障】{one_line(name)} 连续失败 {state['consecutive_failures']} 次",
            roles=[escalation.operator_role],
            context={"heading": f"信息源故障：{one_line(name)}", "lines": [
                f"连续失败 {state['consecutive_failures']} 次，原因：{md_text(state.get('last_reason'))}",
                f"最近错误：{md_text(state.get('last_error'))}",
                f"最近成功：{clock.local_text(state.get('last_success_at')) or '从未成功'}",
                "恢复前不会重复通知；请检查地址、Cookie 或选择器（yuqing source list）"]},
            template="alert.md.j2", wake=False, source=name))
    return planned


# -- recording -----------------------------------------------------------------


def channels_for(roles: list[str], escalation: Escalation) -> list[str]:
    channels = ["file"]
    if escalation.mail and any(escalation.roles[r].emails for r in roles if r in escalation.roles):
        channels.append("mail")
    for role in roles:
        for robot in escalation.roles[role].robots if role in escalation.roles else ():
            channels.append(f"robot:{robot}")
    return list(dict.fromkeys(channels))


def record(ctx: Context, planned: list[Planned]) -> None:
    if not planned:
        return
    year = ctx.now.astimezone(clock.SHANGHAI).year
    numbers = ctx.store.next_notice_numbers(year, len(planned))
    generated = clock.local_text(clock.to_iso(ctx.now))
    rows, channels = [], {}
    templates = ctx.home / "templates"
    for item, number in zip(planned, numbers, strict=True):
        notice_no = item.notice_no = f"{ctx.escalation.notice_prefix}-{year}-{number:04d}"
        body = render(item.template, {**item.context, "notice_no": notice_no, "generated_at": generated}, templates)
        rows.append({
            "notice_no": notice_no, "dedupe_key": item.dedupe_key, "kind": item.kind,
            "event_id": item.event_id, "case_id": item.case_id, "source": item.source, "level": item.level,
            "letter_id": item.letter_id,
            "wake": int(item.wake), "subject": f"{item.subject}（{notice_no}）", "body": body,
            "roles": json.dumps(item.roles, ensure_ascii=False), "created_at": clock.to_iso(ctx.now),
        })
        channels[item.dedupe_key] = channels_for(item.roles, ctx.escalation)
    ctx.store.record_notices(rows, channels)


# -- delivery ------------------------------------------------------------------


def deliver(ctx: Context, dispatcher: Dispatcher, report: EscalateReport) -> None:
    pending = ctx.store.open_deliveries(clock.to_iso(ctx.now))
    by_channel: dict[str, list[dict]] = {}
    for delivery in pending:
        by_channel.setdefault(delivery["channel"], []).append(delivery)
    on_duty = in_duty(ctx.now, ctx.calendar, ctx.duty)
    for channel, items in by_channel.items():
        if channel == "file":
            _deliver_files(ctx, items, report)
            continue
        ready, held = [], []
        for item in items:
            (ready if item["wake"] or on_duty else held).append(item)
        if held:
            _hold(ctx, held, report)
        if ready:
            _deliver_channel(ctx, dispatcher, channel, ready, report)


def _deliver_files(ctx: Context, items: list[dict], report: EscalateReport) -> None:
    rows = []
    for item in items:
        day = ctx.now.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d")
        folder = ctx.home / "outbox" / day
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{item['notice_no']}.md"
        path.write_text(f"# {md_text(item['subject'])}\n\n{item['body']}", encoding="utf-8")
        rows.append(("sent", None, None, clock.to_iso(ctx.now), "single", item["id"]))
        report.deliveries.append({"notice_no": item["notice_no"], "channel": "file", "status": "sent",
                                  "path": str(path)})
        log.info("notice %s written to the outbox: %s", item["notice_no"], path)
        report.sent += 1
    ctx.store.finish_deliveries(rows)


def _hold(ctx: Context, items: list[dict], report: EscalateReport) -> None:
    until = clock.to_iso(next_duty_start(ctx.now, ctx.calendar, ctx.duty))
    ctx.store.finish_deliveries([("due", until, None, None, None, i["id"]) for i in items])
    report.held += len(items)
    for item in items:
        report.deliveries.append({"notice_no": item["notice_no"], "channel": item["channel"],
                                  "status": "held", "until": until})
        log.info("notice %s → %s held until duty starts (%s)", item["notice_no"], item["channel"], until)


def _deliver_channel(ctx: Context, dispatcher: Dispatcher, channel: str, items: list[dict],
                     report: EscalateReport) -> None:
    fresh = [i for i in items if not (i["status"] == "sending" and i["attempts"] >= 2)]
    stuck = [i for i in items if i not in fresh]
    if stuck:  # a crash twice between send and record: stop, a person must look
        ctx.store.finish_deliveries([("failed", None, "发送结果不明（进程两次在发送后中断），请人工确认是否已收到",
                                      None, None, i["id"]) for i in stuck])
    batches = _batches(ctx, dispatcher, channel, fresh)
    for batch, via in batches:
        message = _message_for(ctx, batch, via)
        ctx.store.mark_sending([i["id"] for i in batch])
        outcome = dispatcher.send(channel, message, _roles_of(batch))
        _record_outcome(ctx, dispatcher, channel, batch, via, outcome, report)


def _batches(ctx: Context, dispatcher: Dispatcher, channel: str, items: list[dict]) -> list[tuple[list[dict], str]]:
    """One message per notice; a digest when several non-urgent ones waited for duty time;
    a merged summary for what a robot's rate budget cannot take this minute."""
    urgent = [i for i in items if i["wake"]]
    routine = [i for i in items if not i["wake"]]
    batches: list[tuple[list[dict], str]] = [([i], "single") for i in urgent]
    if len(routine) > 1 and any(_was_held(i) for i in routine):
        batches.append((routine, "digest"))
    else:
        batches += [([i], "single") for i in routine]
    budget = dispatcher.budget(channel, ctx.now)
    if budget is None or len(batches) <= budget:
        return batches
    if budget <= 0:
        return []
    kept = batches[:budget - 1]
    merged = [i for batch, _ in batches[budget - 1:] for i in batch]
    return [*kept, (merged, "summary")]


def _was_held(item: dict) -> bool:
    return item["next_try_at"] is not None


def _message_for(ctx: Context, batch: list[dict], via: str) -> Message:
    from yuqing.notify.channels import Message

    if via == "single":
        item = batch[0]
        return Message(notice_no=item["notice_no"], subject=item["subject"], markdown=item["body"],
                       plain=partial(markdown_to_text, item["body"]))
    generated = clock.local_text(clock.to_iso(ctx.now))
    body = render("digest.md.j2", {"count": len(batch), "items": batch, "generated_at": generated},
                  ctx.home / "templates")
    numbers = "、".join(i["notice_no"] for i in batch[:3]) + ("等" if len(batch) > 3 else "")
    return Message(notice_no=batch[0]["notice_no"], subject=f"【舆情汇总】{len(batch)} 条（{numbers}）",
                   markdown=body, plain=partial(_summary_text, body, [i["body"] for i in batch]))


def _summary_text(summary: str, bodies: list[str]) -> str:
    """A merged summary as plain text: the list, then every notice in full."""
    return "\n\n".join(markdown_to_text(part) for part in [summary, *bodies])


def _roles_of(batch: list[dict]) -> list[str]:
    roles: list[str] = []
    for item in batch:
        roles += json.loads(item["roles"])
    return list(dict.fromkeys(roles))


def _record_outcome(ctx: Context, dispatcher: Dispatcher, channel: str, batch: list[dict], via: str,
                    outcome: Outcome, report: EscalateReport) -> None:
    now_iso = clock.to_iso(ctx.now)
    rows = []
    for item in batch:
        if outcome.status == "sent":
            rows.append(("sent", None, None, now_iso, via, item["id"]))
            report.sent += 1
        elif outcome.status == "config" or item["attempts"] + 1 >= MAX_ATTEMPTS:
            rows.append(("failed", None, outcome.detail, None, via, item["id"]))
            report.failed.append(f"{item['notice_no']} → {channel}：{outcome.detail}")
        else:  # transient or ambiguous: try again later, same notice number
            step = RETRY_STEPS[min(item["attempts"], len(RETRY_STEPS) - 1)]
            wait = max(step, timedelta(seconds=outcome.retry_after or 0))
            rows.append(("due", clock.to_iso(ctx.now + wait), outcome.detail, None, None, item["id"]))
        report.deliveries.append({"notice_no": item["notice_no"], "channel": channel,
                                  "status": outcome.status, "via": via, "detail": outcome.detail})
        log.info("notice %s → %s (%s): %s %s", item["notice_no"], channel, ",".join(json.loads(item["roles"])),
                 outcome.status, outcome.detail or "")
    ctx.store.finish_deliveries(rows)
    dispatcher.after_send(channel, outcome, ctx.now)


# -- the whole step ------------------------------------------------------------------


def run_escalation(home: Path, store: Store, rules: Rules, *, now: datetime | None = None,
                   dry_run: bool = False, mail_ssl_context=None) -> EscalateReport:
    """The escalation step for a workspace, configured as every command configures it."""
    ctx, dispatcher = build_context(home, store, rules, now=now, mail_ssl_context=mail_ssl_context)
    return escalate(ctx, dispatcher, dry_run=dry_run)


def escalate(ctx: Context, dispatcher: Dispatcher, *, dry_run: bool = False) -> EscalateReport:
    report = EscalateReport()
    if dry_run:
        with ctx.store.rolled_back():  # a dry run opens no case and takes no number
            report.planned = [_describe(ctx, p) for p in plan(ctx)]
        report.warnings = dispatcher.secrets.warnings + ctx.warnings
        return report
    with ctx.store.write():  # cases, notice numbers and due deliveries commit together
        planned = plan(ctx)
        record(ctx, planned)
    report.planned = [_describe(ctx, p) for p in planned]
    deliver(ctx, dispatcher, report)
    report.warnings = dispatcher.secrets.warnings + ctx.warnings
    return report


def _describe(ctx: Context, item: Planned) -> dict[str, Any]:
    escalation = ctx.escalation
    recipients = {}
    for role in item.roles:
        spec = escalation.roles.get(role)
        recipients[role] = {"emails": list(spec.emails) if spec else [],
                            "robots": list(spec.robots) if spec else [],
                            "contacts": escalation.contacts(role)}
    return {"kind": item.kind, "level": item.level, "subject": item.subject, "roles": item.roles,
            "channels": channels_for(item.roles, escalation), "recipients": recipients,
            "no_contact": [role for role in item.roles if not escalation.contacts(role)],
            "notice_no": item.notice_no, "event_id": item.event_id, "case_id": item.case_id, "letter_id": item.letter_id,
            "wake": item.wake}
