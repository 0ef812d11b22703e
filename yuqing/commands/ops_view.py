"""How status and search results are shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from yuqing import clock
from yuqing.commands.console import (
    ChineseTable,
    config_problems_heading,
    config_warnings_heading,
    err,
    escape,
    print_json,
)
from yuqing.commands.console import out as _out
from yuqing.sources.health import FAILING_STATUSES, backoff_reason
from yuqing.text.search import highlight, snippet


def print_status(data: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    console = _out()
    for found, heading, style in ((data.get("config_problems"), config_problems_heading, "red"),
                                  (data.get("config_warnings"), config_warnings_heading, "yellow")):
        if found:
            console.print(f"[{style}]{heading(len(found))}：[/]")
            for line in found:
                console.print(f"  {escape(line)}")
    run = data["last_run"]
    if run:
        console.print(f"最近运行：{clock.local_text(run['started_at'])}（{run['command']}）{run_outcome(run)}")
    else:
        console.print("最近运行：还没有运行过")
    failing = data["failing_sources"]
    count = "sources.toml 有错误，无法统计" if data["sources"] is None else f"{data['sources']} 个"
    console.print(f"信息源：{count}，异常 {len(failing)} 个")
    for source in failing:
        retry = f"，{backoff_reason(source['next_attempt_at'])}" if source.get("next_attempt_at") else ""
        console.print(f"  [red]{escape(source['name'])}[/]：连续失败 {source['failures']} 次"
                      f"（{escape(source['reason'] or '')}）{retry}")
    deliveries = data["deliveries"]
    held = f"（其中非工作时间顺延 {deliveries['held']}）" if deliveries.get("held") else ""
    console.print(f"通知：写入发件箱 {deliveries.get('written', 0)} 份，邮件或机器人已送达 {deliveries.get('sent', 0)}，"
                  f"待发 {deliveries.get('due', 0) + deliveries.get('sending', 0)}{held}，失败 {deliveries.get('failed', 0)}")
    for failed in data["failed_deliveries"][:5]:
        console.print(f"  [red]{failed['notice_no']} → {escape(failed['channel'])}[/]：{escape(failed['last_error'] or '')}")
    lonely = data.get("roles_without_contacts") or []
    if lonely:
        console.print(f"[yellow]联系人：{escape('、'.join(lonely))}未配置邮箱或机器人，给他们的通知只写入发件箱 outbox/"
                      "（在 rules.toml 的 \\[roles] 中填写）[/]")
    console.print(f"在办案件：{data['open_cases']} 件，超时 {len(data['overdue_cases'])} 件")
    for case in data["overdue_cases"][:10]:
        console.print(f"  [red]案件 {case['id']}[/]【{case['level']}】{escape(case['title'])}")
    if data["open_letters"] or data["overdue_letters"]:
        console.print(f"网上信件：待回复 {data['open_letters']} 封，超时 {len(data['overdue_letters'])} 封")
    for letter in data["overdue_letters"][:10]:
        console.print(f"  [red]{escape(letter['channel'])} {escape(letter['number'])}[/] {escape(letter['title'])}"
                      f"（答复时限 {clock.local_text(letter['reply_due'], '%Y-%m-%d %H:%M')}）")
    per_10k = data.get("bytes_per_10k_posts")
    density = f"，每万条 {per_10k / 1024 / 1024:.1f} MiB" if per_10k else "，帖子满 1000 条后估算每万条的大小"
    console.print(f"帖子：{data['posts']} 条；数据库 {data['database_bytes'] / 1024 / 1024:.1f} MiB{density}"
                  f"（{escape(data['home'])}）")


def run_outcome(run: dict[str, Any]) -> str:
    """成功 only when every source was collected: a run that left sources alone because they
    kept failing (backoff) is not a success, whatever exit code an older version stored."""
    failing = _failing_sources(run.get("summary"))
    if run["exit_code"] is None:
        return "未完成"
    if run["exit_code"] in (0, 1) and failing:
        return f"部分信息源失败（{failing} 个）"
    return {0: "成功", 1: "部分信息源失败"}.get(run["exit_code"], "出错")


def _failing_sources(summary: str | dict | None) -> int:
    if isinstance(summary, str):
        try:
            summary = json.loads(summary)
        except ValueError:
            return 0
    if not isinstance(summary, dict):
        return 0
    sources = (summary.get("collect") or {}).get("sources") or []
    return sum(1 for s in sources if s.get("status") in FAILING_STATUSES or str(s.get("reason", "")).startswith("退避中"))


def print_search(rows: list[dict[str, Any]], terms: list[str], *, as_json: bool, by: str = "published") -> None:
    if as_json:
        print_json(rows)
        return
    if not rows:
        Console(stderr=True).print("没有找到")
        return
    table = ChineseTable("帖子", "发布时间" if by == "published" else "采集时间", "网站", "标题 / 摘要", "级别")
    table.columns[3].min_width = 30
    for column in table.columns[2:4]:  # Chinese has no spaces to wrap at: fold, never cut
        column.overflow = "fold"
    for row in rows:
        title = highlight(escape(row["title"]), [escape(t) for t in terms], before="[bold yellow]", after="[/]")
        text = snippet(row["text"], terms)
        if text.strip() == row["title"].strip():  # feeds whose description repeats the title
            text = ""
        piece = highlight(escape(text), [escape(t) for t in terms], before="[bold yellow]", after="[/]")
        at = row["first_seen_at"] if by == "collected" else row["published_at"] or row["first_seen_at"]
        shown = clock.local_text if by == "collected" else clock.published_text
        table.add_row(str(row["id"]), shown(at, "%m-%d %H:%M"), escape(row["site"]),
                      f"{title}\n[dim]{piece}[/]" if piece else title, row["level"] or "")
    _out().print(table)


def print_backed_up(path: Path) -> None:
    """The path alone on stdout (for scripts), and a sentence for the officer."""
    typer.echo(str(path))
    err(f"已备份：{path}（{path.stat().st_size / 1024 / 1024:.1f} MiB；用 yuqing restore {path} 恢复）")


def print_restored(result: Any) -> None:
    typer.echo(f"已恢复：{result.source} → {result.target}")
    if result.kept is not None:
        err(f"恢复前的数据库已另存为 {result.kept}")
