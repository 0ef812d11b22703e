"""How notices and cases are shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from yuqing import clock
from yuqing.commands.console import escape, print_json, styled_level, warn
from yuqing.commands.console import out as _out

if TYPE_CHECKING:  # types only: escalate loads the channels and Jinja
    from yuqing.escalate import EscalateReport


def print_warnings(report: EscalateReport) -> None:
    """Configuration warnings met while escalating (secrets.toml permissions, calendar)."""
    for warning in report.warnings:
        warn(warning)


def print_escalation(report: EscalateReport, *, dry_run: bool, as_json: bool) -> None:
    if as_json:
        print_json({"dry_run": dry_run, **report.as_dict()})
        return
    console = _out()
    if not report.planned and not report.deliveries:
        console.print("没有需要发送的通知")
        return
    for item in report.planned:
        channels = "、".join(item["channels"])
        console.print(f"{'将发送' if dry_run else '新通知'}：{escape(item['subject'])}")
        console.print(f"  发给：{escape('、'.join(item['roles']))}　渠道：{escape(channels)}"
                      f"　{'可在非工作时间发送' if item['wake'] else '非工作时间顺延到上班'}")
        if dry_run:
            for role, who in item["recipients"].items():
                people = "、".join(who["emails"] + [f"机器人 {r}" for r in who["robots"]]) or "（未配置联系人）"
                console.print(f"    {escape(role)}：{escape(people)}")
    if not dry_run:
        console.print(f"已发出 {report.sent} 项，顺延到上班 {report.held} 项，失败 {len(report.failed)} 项")
        for failure in report.failed:
            warn(f"发送失败：{failure}")


def print_cases(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    if not rows:
        Console(stderr=True).print("没有符合条件的案件")
        return
    table = Table("案件", "级别", "状态", "事件", "立案", "转办时限", "答复时限", "超时")
    for column in table.columns:
        column.no_wrap = column.header != "事件"
    table.columns[3].min_width = 20
    for row in rows:
        table.add_row(str(row["id"]), styled_level(row["level"]), row["status"], escape(row["title"]),
                      clock.local_text(row["opened_at"], "%m-%d %H:%M"),
                      clock.local_text(row["forward_due"], "%m-%d %H:%M"),
                      clock.local_text(row["answer_due"], "%m-%d %H:%M"),
                      f"[red]{escape('、'.join(row['overdue']))}[/]" if row["overdue"] else "")
    _out().print(table)


def print_case(case: dict[str, Any], actions: list[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print_json({"case": case, "actions": actions})
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
    table = Table("时间", "动作", "部门", "说明", "经办人")
    for action in actions:
        table.add_row(clock.local_text(action["at"]), action["action"], escape(action["to_dept"] or ""),
                      escape(action["note"] or ""), escape(action["by"]))
    console.print(table)


def print_acted(case: dict[str, Any], action: str) -> None:
    Console(stderr=True, highlight=False).print(
        f"已记录：案件 {case['id']} {action}，当前状态 {case['status']}")
