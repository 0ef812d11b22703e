"""How notices and cases are shown."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from rich.console import Console

from yuqing import clock
from yuqing.commands.console import (
    ChineseTable,
    escape,
    folding_table,
    print_json,
    styled_level,
    warn,
)
from yuqing.commands.console import out as _out
from yuqing.commands.events_view import judgment_lines

if TYPE_CHECKING:  # types only: escalate loads the channels and Jinja
    from yuqing.escalate import EscalateReport


def print_warnings(report: EscalateReport) -> None:
    """Configuration warnings met while escalating (secrets.toml permissions, calendar)."""
    for warning in report.warnings:
        warn(warning)


def plain(markdown_line: str) -> str:
    """A notice subject (escaped for Markdown and robots) as the officer reads it on a terminal."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown_line))


def channel_text(channel: str) -> str:
    if channel == "file":
        return "发件箱"
    if channel == "mail":
        return "邮件"
    return "机器人 " + channel.removeprefix("robot:")


def recipients_text(item: dict[str, Any]) -> str:
    """Each role with how it is reached, or that it is not: 「未配置联系人，只写入发件箱」."""
    from yuqing.escalate import NO_CONTACT

    parts = []
    for role in item["roles"]:
        contacts = item["recipients"].get(role, {}).get("contacts") or []
        parts.append(f"{role}（{'、'.join(contacts) if contacts else NO_CONTACT}）")
    return "、".join(parts)


def recipients_brief(item: dict[str, Any]) -> str:
    """「值班员（机器人 值班群）；舆情办公室、分管领导只写入发件箱」: one short line."""
    reached = [f"{role}（{'、'.join(item['recipients'][role]['contacts'])}）" for role in item["roles"]
               if item["recipients"].get(role, {}).get("contacts")]
    lonely = [role for role in item["roles"] if not item["recipients"].get(role, {}).get("contacts")]
    parts = ["、".join(reached)] if reached else []
    if lonely:
        parts.append(f"{'、'.join(lonely)}只写入发件箱（未配置联系人）")
    return "；".join(parts)


def delivery_text(delivery: dict[str, Any]) -> str:
    channel = channel_text(delivery["channel"])
    status = delivery["status"]
    if delivery["channel"] == "file" and status == "sent":
        return f"{channel}已写入"
    if status == "sent":
        return f"{channel}已送达"
    if status == "held":
        return f"{channel}非工作时间顺延到 {clock.local_text(delivery['until'])}"
    if status in ("failed", "config"):
        return f"{channel}失败（{delivery.get('detail') or ''}）"
    return f"{channel}未送达，稍后重试（{delivery.get('detail') or ''}）"


def print_escalation(report: EscalateReport, *, dry_run: bool, as_json: bool) -> None:
    if as_json:
        print_json({"dry_run": dry_run, **report.as_dict()})
        return
    console = _out()
    if not report.planned and not report.deliveries:
        console.print("没有需要发送的通知")
        return
    for item in report.planned:
        number = f" {item['notice_no']}" if item.get("notice_no") else ""
        console.print(f"{'将发送' if dry_run else '新通知'}{number}：{escape(plain(item['subject']))}")
        console.print(f"  发给：{escape(recipients_text(item))}")
        if not dry_run:
            done = [delivery_text(d) for d in report.deliveries_of(item.get("notice_no"))]
            console.print(f"  结果：{escape('；'.join(done) or '待发送')}")
    if not dry_run:
        held = f"，非工作时间顺延到上班 {report.held} 项" if report.held else ""
        console.print(f"写入发件箱 {report.written} 份，送达邮件或机器人 {report.delivered} 项{held}，"
                      f"失败 {len(report.failed)} 项")
        for failure in report.failed:
            warn(f"发送失败：{failure}")
    lonely = list(dict.fromkeys(role for item in report.planned for role in item.get("no_contact", [])))
    if lonely:
        done = "将只写入" if dry_run else "只写入了"
        warn(f"{'、'.join(lonely)}未配置联系人（邮箱或机器人），给他们的通知{done}发件箱 outbox/，"
             "请在 rules.toml 的 [roles] 中填写")


def print_cases(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    if not rows:
        Console(stderr=True).print("没有符合条件的案件")
        return
    table = folding_table("案件", "级别", "状态", "事件", "立案", "转办时限", "答复时限", "超时",
                          one_line=("案件", "级别", "状态"), time_columns=("立案", "转办时限", "答复时限"))
    table.columns[3].min_width = 10
    for row in rows:
        table.add_row(str(row["id"]), styled_level(row["level"]), row["status"], escape(row["title"]),
                      clock.local_text(row["opened_at"], "%m-%d %H:%M"),
                      clock.local_text(row["forward_due"], "%m-%d %H:%M"),
                      clock.local_text(row["answer_due"], "%m-%d %H:%M"),
                      f"[red]{'、'.join(row['overdue_kinds'])}[/]" if row["overdue_kinds"] else "")  # when: its column
    _out().print(table)


def print_case(case: dict[str, Any], actions: list[dict[str, Any]], judgments: list[dict[str, Any]], *,
               as_json: bool) -> None:
    if as_json:
        print_json({"case": case, "actions": actions, "judgments": judgments})
        return
    console = _out()
    console.print(f"[bold]案件 {case['id']}[/]（事件 {case['event_id']}）：{escape(case['title'])}")
    console.print(f"级别：{styled_level(case['level'])}　状态：{case['status']}　立案：{clock.local_text(case['opened_at'])}")
    for key, label in (("report", "报告"), ("forward", "转办"), ("answer", "答复")):
        due = case.get(f"{key}_due")
        if due:
            console.print(f"{label}时限：{clock.local_text(due)}")
    if case["overdue"]:
        console.print(f"[red]已超时：{escape('、'.join(case['overdue']))}[/]")
    if case["closed_at"]:
        console.print(f"办结：{clock.local_text(case['closed_at'])}　结果：{escape(case['result'] or '')}")
    table = ChineseTable("时间", "动作", "部门", "说明", "经办人")
    table.columns[3].overflow = "fold"  # a note is read in full, never cut off
    for action in actions:
        table.add_row(clock.local_text(action["at"]), action["action"], escape(action["to_dept"] or ""),
                      escape(action["note_text"]), escape(action["by"]))
    console.print(table)
    if judgments:
        console.print("研判记录：")
        for line in judgment_lines(judgments):
            console.print(f"  {escape(line)}")


def print_acted(case: dict[str, Any], action: str) -> None:
    Console(stderr=True, highlight=False).print(
        f"已记录：案件 {case['id']} {action}，当前状态 {case['status']}")
