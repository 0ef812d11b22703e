"""How letters are shown."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from yuqing import clock
from yuqing.commands.console import ChineseTable, err, out, print_json, styled_level

if TYPE_CHECKING:
    from yuqing.sources.letters import LetterImport


def print_letter_import(path: Path, report: LetterImport, unlisted: list[str], default_days: int) -> None:
    for error in report.errors:
        err(f"{path} {error}", error=True)
    for warning in report.warnings:
        err(f"{path} {warning}")
    for channel in unlisted:
        err(f"渠道「{channel}」不在 rules.toml 的 [letters.reply_workdays] 中，答复时限按默认 {default_days} 个工作日")
    err(f"{path}：新增 {report.new} 封，更新 {report.updated} 封，无变化 {report.unchanged} 封，"
        f"错误 {len(report.errors)} 行")


def print_letters(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    if not rows:
        err("没有符合条件的来信")
        return
    # Fits 80 columns: channel over number, the status over the rating.
    table = ChineseTable("来信", "标题", "收到", "答复时限", "状态", "事件")
    for column in table.columns:
        column.no_wrap = column.header in ("收到", "答复时限")
        column.overflow = "fold"
    table.columns[1].min_width = 12
    for row in rows:
        due = _when(row["reply_due"])
        table.add_row(
            f"{escape(row['channel'])}\n{escape(row['number'])}", escape(row["title"]),
            _when(row["received_at"], day_only=True), f"[red]{due} 超时[/]" if row["overdue"] else due,
            row["status"] + (f"\n{escape(row['rating'])}" if row["rating"] else ""),
            f"{row['event_id']} {styled_level(row['level'])}" if row["event_id"] else "",
        )
    out().print(table)


def _when(value: str | None, *, day_only: bool = False) -> str:
    """Month-day (and time) in the current year; with the year otherwise."""
    if not value:
        return ""
    this_year = clock.now().astimezone(clock.SHANGHAI).year
    same_year = clock.parse_iso(value).astimezone(clock.SHANGHAI).year == this_year
    fmt = ("%m-%d" if same_year else "%Y-%m-%d") + ("" if day_only else " %H:%M")
    return clock.local_text(value, fmt)
