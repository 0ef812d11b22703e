"""Everyday commands around the store: status, search, backup, restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuqing import clock
from yuqing.commands import ops_view
from yuqing.commands.common import current_workspace, open_store
from yuqing.errors import UsageError
from yuqing.workspace import ensure_workspace

# Library modules are imported where used: see the note in cli.py.


def register(app: typer.Typer) -> None:
    app.command("status")(status_command)
    app.command("search")(search_command)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.command("archive")(archive_command)


def archive_command(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="zip 文件路径（默认放在 reports/ 下）")] = None,
) -> None:
    """资料归档：把一个事件的帖子、原始网页证据（含 sha256）、数字变化、处置记录、通知和通报打包成 zip。

    示例：yuqing archive 12
    """
    from yuqing.commands.common import current_rules
    from yuqing.render.archive import archive_event

    workspace = current_workspace()
    target = output or workspace.reports_dir / f"archive-event-{event_id}-{clock.now().astimezone(clock.SHANGHAI):%Y%m%d}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open_store() as store:
        result = archive_event(store, current_rules(), event_id, target, workspace.home)
    typer.echo(result["path"])


def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """一眼看全：最近一次运行、信息源健康、待发或失败的通知、超时案件和来信、数据库大小。

    示例：yuqing status --json
    """
    from yuqing.pipeline import status_report

    data = status_report(current_workspace())
    ops_view.print_status(data, as_json=as_json)


def search_command(
    query: Annotated[list[str], typer.Argument(help="关键词，多个词都要出现；两个字的词也能搜")],
    since: Annotated[str | None, typer.Option("--since", help="最近多久发布的：7d、24h 或日期")] = None,
    collected: Annotated[bool, typer.Option("--collected", help="按采集时间筛选（默认按发布时间）")] = False,
    level: Annotated[str | None, typer.Option("--level", help="只看这个级别及以上的事件中的帖子")] = None,
    site: Annotated[str | None, typer.Option("--site", help="只看这个网站")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="最多显示几条")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """全文检索已采集的帖子（标题和正文），命中处高亮。

    示例：yuqing search 拆迁 补偿 --since 30d
    """
    from yuqing.commands.timespec import parse_since
    from yuqing.rules import LEVELS
    from yuqing.text.search import UNSUPPORTED_OPERATORS, match_expression, query_terms

    text = " ".join(query)
    terms = query_terms(text)
    operator = next((t for t in terms if t in UNSUPPORTED_OPERATORS), None)
    if operator:
        raise UsageError(f"检索不支持 {operator}：给出的几个词都要出现；要查其中任一个词，请分别检索")
    match, singles = match_expression(terms)
    if match is None and not singles:
        if not text.strip():
            raise UsageError("请给出要搜索的词")
        raise UsageError(f"「{text.strip()[:30]}」中没有可检索的文字：检索只认汉字、字母和数字，标点和表情符号不参与")
    if level is not None and level not in LEVELS:
        raise UsageError(f"--level 应为 {' / '.join(LEVELS)} 之一")
    levels = list(LEVELS[LEVELS.index(level):]) if level else None
    cutoff = clock.to_iso(parse_since(since)) if since else None
    with open_store() as store:
        rows = store.search_posts(match, singles, since=cutoff, level=levels, site=site, limit=limit,
                                  by="collected" if collected else "published")
    ops_view.print_search(rows, terms, as_json=as_json, by="collected" if collected else "published")


def backup_command(
    target: Annotated[Path, typer.Argument(help="备份文件路径")],
) -> None:
    """在运行中也能做出一致的数据库备份（VACUUM INTO）。

    示例：yuqing backup /mnt/u盘/yuqing-20261127.db
    """
    from yuqing.store.backup import backup_database

    workspace = current_workspace()
    ensure_workspace(workspace)
    ops_view.print_backed_up(backup_database(workspace.db_path, target))


def restore_command(
    source: Annotated[Path, typer.Argument(help="用 yuqing backup 做的备份文件")],
) -> None:
    """检查备份完好后恢复到工作目录（当前数据库先另存为 yuqing.db.before-restore-时间）。

    先复制到工作目录中的临时文件、校验并落盘，再在运行锁下一次性替换：中途被打断时，
    原数据库原封不动。

    示例：yuqing restore /mnt/u盘/yuqing-20261127.db
    """
    from yuqing.store.backup import restore_database

    workspace = current_workspace()
    result = restore_database(workspace.home, workspace.db_path, source, f"{clock.now().astimezone(clock.SHANGHAI):%Y%m%d%H%M%S}")
    ops_view.print_restored(result)
