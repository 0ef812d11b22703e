"""Everyday commands around the store: status, search, backup, restore."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from yuqing import clock
from yuqing.commands import ops_view
from yuqing.commands.common import current_workspace, open_store
from yuqing.errors import InputError, UsageError

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
    """一眼看全：最近一次运行、信息源健康、待发或失败的通知、超时案件、数据库大小。

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
    from yuqing.text.search import match_expression, query_terms

    terms = query_terms(" ".join(query))
    match, singles = match_expression(terms)
    if match is None and not singles:
        raise UsageError("请给出要搜索的词")
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
    target = target.expanduser().resolve()
    if target.exists():
        raise UsageError(f"{target} 已存在：请换一个文件名（不会覆盖）")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open_store() as store:
        store.backup_to(target)
    typer.echo(str(target))


def restore_command(
    source: Annotated[Path, typer.Argument(help="用 yuqing backup 做的备份文件")],
) -> None:
    """检查备份完好后恢复到工作目录（当前数据库先另存为 yuqing.db.before-restore）。

    示例：yuqing restore /mnt/u盘/yuqing-20261127.db
    """
    from yuqing.store import Store
    from yuqing.store.lock import run_lock

    source = source.expanduser().resolve()
    _check_backup(source)
    workspace = current_workspace()
    with run_lock(workspace.home, "恢复"):
        if workspace.db_path.exists():
            with Store(workspace.db_path) as store:
                keep = workspace.home / f"yuqing.db.before-restore-{clock.now().astimezone(clock.SHANGHAI):%Y%m%d%H%M%S}"
                store.backup_to(keep)
            for suffix in ("", "-wal", "-shm"):
                Path(str(workspace.db_path) + suffix).unlink(missing_ok=True)
        shutil.copyfile(source, workspace.db_path)
        Store(workspace.db_path).close()  # applies any newer migrations
    typer.echo(f"已恢复：{source} → {workspace.db_path}")


def _check_backup(path: Path) -> None:
    if not path.is_file():
        raise InputError(f"备份文件不存在：{path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path} 不是有效的 yuqing 备份：{exc}") from None
    if not ok:
        raise InputError(f"{path} 完整性检查未通过，不能恢复")
    if not {"posts", "_sqlite_migrations"} <= tables:
        raise InputError(f"{path} 不是 yuqing 的数据库备份（缺少 posts 表）")
