"""What the officer sees: rich tables on a terminal, plain lines and JSON otherwise.

Data goes to stdout, messages to stderr. Every data string is escaped before it meets
rich markup (a post titled `[突发]` must keep its tag).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yuqing import clock
from yuqing.commands.cases_view import plain, print_escalation, print_warnings, recipients_brief
from yuqing.commands.console import (
    ChineseTable,
    err,
    err_console,
    escape,
    folding_table,
    print_json,
    styled_level,
)
from yuqing.commands.console import out as _out
from yuqing.commands.events_view import judgment_lines, print_event_changes, print_events
from yuqing.sources.health import failing_label

if TYPE_CHECKING:  # types only: importing collect here would load httpx for every command
    from yuqing.collect import CollectReport, SourceOutcome
    from yuqing.models import Source
    from yuqing.workspace import Workspace

STATUS_TEXT = {"ok": "成功", "unchanged": "无变化", "failed": "失败", "backoff": "失败", "gone": "失败",
               "skipped": "跳过"}


def print_init(workspace: Workspace, created: list[Path]) -> None:
    err(f"工作目录：{workspace.home}")
    for path in created:
        err(f"  已创建 {path}")
    if not created:
        err("  配置文件都已存在，未作改动")


def print_paths(workspace: Workspace) -> None:
    for label, path in workspace.paths().items():
        sys.stdout.write(f"{label}\t{path}\n")


def print_sources(
    sources: list[Source], states: dict[str, dict], counts: dict[str, int], *, as_json: bool
) -> None:
    rows = [_source_row(s, states.get(s.name, {}), counts.get(s.name, 0)) for s in sources]
    if as_json:
        print_json(rows)
        return
    if not rows:
        err("还没有信息源：用 yuqing source add 添加")
        return
    table = folding_table("名称", "类型", "网站", "主流", "状态", "帖子", "最近\n成功", "连续\n失败", "最近\n错误",
                          one_line=("类型", "主流", "帖子"), time_columns=("最近\n成功",))
    for row in rows:
        table.add_row(
            escape(row["name"]), row["kind"], escape(row["site"]), "是" if row["mainstream"] else "",
            row["status"], str(row["posts"]), clock.local_text(row["last_success_at"], "%m-%d %H:%M"),
            str(row["consecutive_failures"] or ""), escape(row["last_error"] or ""),
        )
    _out().print(table)


def _source_row(source: Source, state: dict, posts: int) -> dict[str, Any]:
    if not source.enabled:
        status = "已停用"
    elif state.get("gone"):
        status = "已停用(410)"
    elif state.get("consecutive_failures"):
        status = failing_label(state)  # the reason has its own column
    elif state.get("last_success_at"):
        status = "正常"
    else:
        status = "未采集"
    return {
        "name": source.name, "kind": source.kind, "site": source.site,
        "mainstream": source.mainstream, "enabled": source.enabled, "url": state.get("url") or source.url,
        "status": status, "posts": posts, "last_success_at": state.get("last_success_at"),
        "consecutive_failures": state.get("consecutive_failures") or 0, "last_reason": state.get("last_reason"),
        "last_error": state.get("last_error"), "next_attempt_at": state.get("next_attempt_at"),
    }


@contextmanager
def collect_progress(total: int) -> Iterator[Callable[[SourceOutcome], None]]:
    """A progress bar on a terminal; one plain line per source otherwise."""
    console = err_console()
    if not console.is_terminal:
        def plain(outcome: SourceOutcome) -> None:
            sys.stderr.write(_outcome_line(outcome) + "\n")  # cron logs: no colour, no markup

        yield plain
        return
    progress = Progress(
        TextColumn("采集中"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )
    task = progress.add_task("collect", total=total)
    with progress:
        yield lambda outcome: progress.advance(task)


def _outcome_line(outcome: SourceOutcome) -> str:
    if outcome.status == "ok":
        return f"{outcome.name}：成功，新增 {outcome.new}，已有 {outcome.seen}"
    if outcome.status in ("backoff", "gone"):
        return f"{outcome.name}：{outcome_status(outcome)}：{outcome.message}"
    if outcome.status in ("failed", "skipped"):
        return f"{outcome.name}：{outcome_status(outcome)}{outcome.message}"
    return f"{outcome.name}：{outcome_status(outcome)}"


def outcome_status(outcome: SourceOutcome) -> str:
    """「失败（退避中，下次 HH:MM 重试）」: a source left alone because it failed still reads 失败."""
    status = STATUS_TEXT.get(outcome.status, outcome.status)
    return f"{status}（{outcome.reason}）" if outcome.reason else status


def print_collect_report(report: CollectReport, events=None, notices=None, *, as_json: bool,
                         replies=None) -> None:
    if notices is not None:
        print_warnings(notices)
    if as_json:
        data = report.as_dict()
        if events is not None:
            data["events"] = events.as_dict()
        if replies is not None:
            data["replies"] = replies.as_dict()
        if notices is not None:
            data["notices"] = notices.as_dict()
        print_json(data)
        return
    table = ChineseTable("信息源", "网站", "结果", "新增", "已有", "原因")
    table.columns[5].overflow = "fold"  # an address in the reason is read whole, never cut
    for o in report.outcomes:
        style = "red" if o.failed else "yellow" if o.status == "skipped" else ""
        status = escape(outcome_status(o) if o.failed else STATUS_TEXT[o.status])
        table.add_row(
            escape(o.name), escape(o.site), f"[{style}]{status}[/]" if style else status,
            str(o.new), str(o.seen), escape(o.message or o.reason),
        )
    _out().print(table)
    failed = len(report.failed)
    err(f"共 {len(report.outcomes)} 个信息源，新增 {report.new} 条" + (f"，{failed} 个失败" if failed else ""))
    if events is not None:
        print_event_changes(events)
    if replies is not None and (replies.threads or replies.failures):
        err(f"读取论坛帖子回复：{replies.threads} 个帖子，{replies.replies} 条回复"
            + (f"，{len(replies.failures)} 个帖子未能读取（详见 logs/）" if replies.failures else ""))
    if notices is not None and (notices.planned or notices.failed):
        print_escalation(notices, dry_run=False, as_json=False)


MAX_ROW_ERRORS = 20  # listed one by one; the rest are counted


def print_import_report(path: Path, report) -> None:
    for error in report.errors[:MAX_ROW_ERRORS]:
        err(f"{path} {error}", error=True)
    if len(report.errors) > MAX_ROW_ERRORS:
        err(f"{path} 另有 {len(report.errors) - MAX_ROW_ERRORS} 行错误未列出", error=True)
    err(f"{path}：新增 {report.new} 条，已有 {report.seen} 条，错误 {len(report.errors)} 行")


def print_intake(result, *, as_json: bool) -> None:
    """Each post stored by hand: its event, level and reasons; then what was notified."""
    if result.notices is not None:
        print_warnings(result.notices)
    if as_json:
        print_json(result.as_dict())
        return
    console = _out()
    for post in result.posts:
        head = f"帖子 {post['id']}「{escape(post['title'])}」"
        if post["event_id"] is None:
            console.print(f"{head}：未命中监测主题，未归入事件（可检索）")
            continue
        stock = "（存量帖，累计数字不触发预警）" if post["stock"] else ""
        console.print(f"{head} → 事件 {post['event_id']}，级别 {styled_level(post['level'])}{stock}")
        for reason in post["reasons"]:
            console.print(f"  · {escape(reason)}")
    if result.notices is not None and (result.notices.planned or result.notices.failed):
        print_escalation(result.notices, dry_run=False, as_json=False)


def print_demo(result) -> None:
    console = _out()
    console.print(f"[bold]演示：清河县某个工作日的三次定时运行[/]（示例网站 {escape(result.server_url)}，仅本机回环，离线）")
    if result.letters is not None:
        letters = result.letters
        console.print(f"导入 12345 热线导出表 {escape(result.letters_file.name)}（GBK）：来信 {letters.new} 封"
                      "（yuqing letter import；答复时限按工作日计算）")
    for run in result.runs:
        report, events, notices = run.result.collect, run.result.events, run.result.notices
        console.print(f"\n[bold]{clock.local_text(clock.to_iso(clock.parse_iso(run.at)))}[/] 采集 {len(report.outcomes)} 个信息源，"
                      f"新增帖子 {report.new} 条，命中主题 {events.matched} 条，新事件 {events.new_events} 个")
        for change in events.changes:
            if change.old:
                console.print(f"  事件 {change.event_id}「{escape(change.title)}」{change.old} → [bold red]{change.new}[/]"
                              f"（{escape(change.reasons[0])}）")
        if notices:
            for item in notices.planned:
                console.print(f"  通知：{escape(plain(item['subject']))} → {escape(recipients_brief(item))}")
        if run is result.runs[0]:
            console.print("  论坛上的旧帖（存量）照样入库、归并，但累计的点击、跟帖不触发预警："
                          "如 2019 年的置顶版规帖，点击 13 万多，没有发通知")
            for verdict in result.verdicts:
                console.print(f"  人工研判：{escape(verdict.by)} 把事件 {verdict.event_id}「{escape(verdict.event.get('title') or '')}」"
                              f"{verdict.text}{'「' + verdict.value + '」' if verdict.kind == 'level' else ''}"
                              f"（{escape(verdict.reason)}）")
    console.print("\n[bold]当前事件[/]（同一件事在各网站的转载已合并；判为误报的不列出）：")
    print_events(result.events, as_json=False)
    own = result.publicity
    if own.get("posts"):
        names = "、".join(own["mainstream_names"])
        console.print(f"\n[bold]正面宣传[/]：本单位发稿 {own['posts']} 篇，被主流网站转载 {own['mainstream_reprints']} 次"
                      f"{f'（{escape(names)}）' if names else ''}；只计入宣传成效，不发预警。")
    console.print("\n[bold]研判记录[/]：")
    for judgment, line in zip(result.judgments, judgment_lines(result.judgments), strict=True):
        console.print(f"  事件 {judgment['event_id']}「{escape(judgment['title'])}」　{escape(line)}")
    console.print(f"\n共入库 {result.total} 条帖子；机器人收到 {result.robot_messages} 条消息。")
    from yuqing.commands.duty_view import todo_lines, wrap
    if result.todo is not None:
        console.print(f"\n[bold]{clock.local_text(result.todo.now, '%H:%M')} 交班前：yuqing todo[/]")
        for line in todo_lines(result.todo):
            console.print(escape(line))
    if result.handover is not None:
        console.print(f"\n[bold]交接班：yuqing handover --note …[/]（{escape(result.handover.by)}）")
        for line in wrap(result.handover.note):
            console.print(escape(line))
        console.print()
    console.print("[bold]去哪里看[/]：")
    console.print(f"  数据库　{escape(str(result.home / 'yuqing.db'))}")
    console.print(f"  通知　　{escape(str(result.outbox))}/")
    for path in result.reports:
        console.print(f"  报告　　{escape(str(path))}")
    if result.temporary:
        console.print("（演示用的是临时目录，结束后已删除；用 yuqing demo --keep DIR 保留下来慢慢看）")


_USAGE_MESSAGES: dict[str, Callable[[Any], str]] = {
    "NoSuchOption": lambda e: _no_such_option(str(getattr(e, "option_name", ""))),
    "MissingParameter": lambda e: f"缺少参数：{_param_hint(e)}",
    "BadParameter": lambda e: f"参数 {_param_hint(e)} 的值无效：{_value_problem(e.message)}",
    "BadOptionUsage": lambda e: f"选项 {getattr(e, 'option_name', '')} 用法错误：{e.message}",
    "BadArgumentUsage": lambda e: f"参数用法错误：{e.message}",
    "NoArgsIsHelpError": lambda e: "请给出子命令",
    "FileError": lambda e: f"无法打开文件：{getattr(e, 'ui_filename', '')}",
}


def _no_such_option(name: str) -> str:
    # A negative number where an id belongs reads to the parser as an option.
    if re.fullmatch(r"-\d+", name):
        return f"编号不能为负数：{name}"
    return f"没有这个选项：{name}"


_VALUE_PROBLEMS = (
    (re.compile(r"valid integer"), lambda m: "应为整数"),
    (re.compile(r"valid number|valid float"), lambda m: "应为数字"),
    (re.compile(r"greater than or equal to (\S+)"), lambda m: f"不能小于 {m.group(1)}"),
    (re.compile(r"less than or equal to (\S+)"), lambda m: f"不能大于 {m.group(1)}"),
    (re.compile(r"greater than (\S+)"), lambda m: f"应大于 {m.group(1)}"),
    (re.compile(r"less than (\S+)"), lambda m: f"应小于 {m.group(1)}"),
    (re.compile(r"valid boolean"), lambda m: "应为 true 或 false"),
)


def _value_problem(message: str) -> str:
    for pattern, say in _VALUE_PROBLEMS:
        match = pattern.search(message)
        if match:
            return say(match)
    return message


def _param_hint(error: Any) -> str:
    param = getattr(error, "param", None)
    if getattr(param, "param_type_name", None) == "argument" and param.metavar:
        return param.metavar
    if param is not None and getattr(param, "opts", None):
        return " / ".join(param.opts)
    hint = getattr(error, "param_hint", None)
    if isinstance(hint, (list, tuple)):
        return " / ".join(hint)
    return str(hint or getattr(param, "name", "") or "")


_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", re.DOTALL)


def translate_usage_error(error: Exception) -> str:
    """The option parser's English message, said in Chinese; the raw detail kept at the end."""
    name = type(error).__name__
    message = getattr(error, "message", str(error))
    if name == "UsageError" and "Missing command" in message:
        return "请给出子命令（用 --help 查看全部命令）"
    if name == "UsageError" and "No such command" in message:
        command = message.split("'")[1] if "'" in message else message
        ctx = getattr(error, "ctx", None)
        group = getattr(ctx, "command_path", None) or "yuqing"
        close = _close_command(ctx, command)
        guess = f"是不是 {group} {close}？" if close else ""
        return f"没有这个命令：{command}（{guess}用 {group} --help 查看全部命令）"
    extra = _EXTRA_ARGUMENTS.match(message) if name == "UsageError" else None
    if extra:
        return f"多余的参数：{extra.group(1)}（这个命令不接受它；用 --help 查看用法）"
    text = _USAGE_MESSAGES[name](error) if name in _USAGE_MESSAGES else f"用法错误：{message}"
    return text + "（用 --help 查看用法）"


def _close_command(ctx: Any, typed: str) -> str | None:
    """The group's command nearest to a mistyped one (「colect」 → collect), if any is near."""
    import difflib

    group = getattr(ctx, "command", None)
    if group is None or not hasattr(group, "list_commands"):
        return None
    found = difflib.get_close_matches(typed, group.list_commands(ctx), n=1, cutoff=0.75)
    return found[0] if found else None


def print_rebuild_progress(done: int, last: int) -> None:
    """A line per chunk while an upgrade rebuilds the search index on open."""
    err(f"正在升级数据库（重建检索索引）：已处理到第 {done:,} 条帖子，共 {last:,} 条；"
        "可以中断，下次打开时从这里继续")
