"""The `yuqing` command: options in, one library call, output out.

Every expected failure is a `YuqingError`; `main()` prints its Chinese message to
stderr and exits with its code. Usage errors from the option parser are translated too.
"""

from __future__ import annotations

import copy
import sys
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import typer

from yuqing import __version__
from yuqing.commands import cases as cli_cases
from yuqing.commands import chrome, views
from yuqing.commands import duty as cli_duty
from yuqing.commands import events as cli_events
from yuqing.commands import letters as cli_letters
from yuqing.commands import ops as cli_ops
from yuqing.commands import report as cli_report
from yuqing.commands import tone as cli_tone
from yuqing.commands import topics as cli_topics
from yuqing.commands.common import (
    current_rules,
    current_workspace,
    open_store,
    read_stdin,
    set_workspace,
)
from yuqing.errors import ConfigError, ExitCode, UsageError, YuqingError, os_error_message
from yuqing.store.base import report_rebuilds_to
from yuqing.workspace import ensure_workspace, resolve_home

# Library modules are imported inside the commands: `yuqing collect` from cron should not
# pay for Jinja, the report and chart code or numpy before it fetches anything (start-up
# was a second of a three-second run). Keep this module's imports light.

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
source_app = typer.Typer(help="管理信息源（sources.toml）。\n\n示例：yuqing source list", no_args_is_help=True)
export_app = typer.Typer(help="导出数据。\n\n示例：yuqing export posts --format csv -o posts.csv", no_args_is_help=True)
app.add_typer(source_app, name="source")
app.add_typer(export_app, name="export")
cli_duty.register(app)
cli_events.register(app)
cli_topics.register(app)
cli_cases.register(app)
cli_report.register(app)
cli_letters.register(app)
cli_ops.register(app)
cli_tone.register(app)

def _print_version(value: bool) -> None:
    if value:  # eager: answered before Click asks for a command
        typer.echo(f"yuqing {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    home: Annotated[
        str | None,
        typer.Option("--home", help="工作目录（默认取环境变量 YUQING_HOME，否则 ~/yuqing）"),
    ] = None,
    version: Annotated[bool, typer.Option("--version", "-V", help="显示版本并退出", is_eager=True,
                                          callback=_print_version)] = False,
) -> None:
    """舆情监测值班工具：采集新闻网站和论坛、分级、预警、出报告。

    示例：yuqing todo
    """
    set_workspace(resolve_home(home))


# -- workspace ---------------------------------------------------------------


@app.command()
def init() -> None:
    """创建工作目录和带注释的示例配置（已有文件不会覆盖）。

    示例：yuqing init
    """
    from yuqing.store import Store
    from yuqing.workspace import init_workspace

    workspace = current_workspace()
    created = init_workspace(workspace)
    Store(workspace.db_path).close()
    views.print_init(workspace, created)


@app.command()
def paths() -> None:
    """显示工作目录中各文件的位置。

    示例：yuqing paths
    """
    views.print_paths(current_workspace())


# -- sources -----------------------------------------------------------------


@source_app.command("add")
def source_add(
    url: Annotated[str, typer.Argument(help="订阅地址或论坛列表页地址")],
    name: Annotated[str, typer.Option("--name", help="信息源名称（唯一）")],
    kind: Annotated[str | None, typer.Option("--kind", help="rss 或 forum（默认 rss；给了 --preset 则为 forum）")] = None,
    site: Annotated[str, typer.Option("--site", help="网站或版块名称，如 人民网、桂北人社区")] = "",
    mainstream: Annotated[bool, typer.Option("--mainstream", help="主流网站（中央、省级新闻网站）")] = False,
    own: Annotated[bool, typer.Option("--own", help="本单位自己的账号或网站（政务微博、公众号、门户新闻）：计入宣传，不当作舆情")] = False,
    preset: Annotated[str | None, typer.Option("--preset", help="论坛类型：discuz | phpbb | tieba")] = None,
    pages: Annotated[int, typer.Option("--pages", help="论坛最多翻几页")] = 1,
    encoding: Annotated[str | None, typer.Option("--encoding", help="强制使用的编码，如 gb18030")] = None,
    cookie_file: Annotated[str | None, typer.Option("--cookie-file", help="需要登录的论坛的 Cookie 文件")] = None,
) -> None:
    """添加一个信息源。

    示例：yuqing source add http://www.people.com.cn/rss/politics.xml --name 人民网-时政 --site 人民网 --mainstream
    """
    from yuqing.models import Source
    from yuqing.sources.config import add_source

    workspace = current_workspace()
    ensure_workspace(workspace)
    source = Source(name=name, kind=kind or ("forum" if preset else "rss"), url=url, site=site, mainstream=mainstream, own=own,
                    preset=preset, pages=pages, encoding=encoding, cookie_file=cookie_file)
    add_source(workspace.sources_path, source)
    views.err(f"已添加信息源「{name}」→ {workspace.sources_path}")


@source_app.command("list")
def source_list(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出信息源及其健康状况（最近成功、连续失败次数、最近错误）。

    示例：yuqing source list
    """
    from yuqing.sources.config import load_sources

    workspace = current_workspace()
    sources = load_sources(workspace.sources_path)
    with open_store() as store:
        states = store.all_source_states()
        counts = {s.name: store.count_posts(s.name) for s in sources}
    views.print_sources(sources, states, counts, as_json=as_json)


@source_app.command("disable")
def source_disable(name: Annotated[str, typer.Argument(help="信息源名称")]) -> None:
    """停用一个信息源（保留已采集的数据）。

    示例：yuqing source disable 桂北人社区
    """
    from yuqing.sources.config import set_enabled

    set_enabled(current_workspace().sources_path, name, False)
    views.err(f"已停用信息源「{name}」")


@source_app.command("enable")
def source_enable(name: Annotated[str, typer.Argument(help="信息源名称")]) -> None:
    """重新启用一个信息源，并清除 410 停用标记和退避等待。

    示例：yuqing source enable 桂北人社区
    """
    from yuqing.sources.config import enable_source

    enable_source(current_workspace(), name)
    views.err(f"已启用信息源「{name}」")


# -- collection ----------------------------------------------------------------


@app.command("collect")
def collect_command(
    names: Annotated[list[str] | None, typer.Argument(help="只采集这些信息源（默认全部启用的）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 摘要")] = False,
    force: Annotated[bool, typer.Option("--force", help="忽略失败退避和 Retry-After 等待，立即采集")] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256, help="同时抓取的数量（每个网站最多 2 个）")] = 32,
    timeout: Annotated[float, typer.Option("--timeout", min=1, max=600, help="单次抓取的总时限（秒）")] = 20.0,
    escalate: Annotated[bool, typer.Option("--escalate/--no-escalate", help="采集后发送预警通知")] = True,
) -> None:
    """采集信息源：抓取、解析、入库、归并事件、分级、发送预警。退出码 0 全部成功，1 部分失败。

    示例：yuqing collect 桂北人社区 --force
    """
    from yuqing.collect import CollectOptions
    from yuqing.pipeline import run_pipeline, setup_logging
    from yuqing.sources.config import load_sources, select_sources

    workspace = current_workspace()
    ensure_workspace(workspace)
    setup_logging(workspace.logs_dir)  # a run by hand is logged like the cron run
    sources = select_sources(load_sources(workspace.sources_path), names or [])
    if not sources:
        raise ConfigError(f"没有启用的信息源：先用 yuqing source add 添加（{workspace.sources_path}）")
    rules = current_rules()  # a broken rules.toml stops the run before anything is fetched
    options = CollectOptions(concurrency=concurrency, deadline=timeout, force=force, home=workspace.home)
    with views.collect_progress(len(sources)) as tick:
        result = run_pipeline(workspace, rules, sources, options, command="collect", on_outcome=tick,
                              escalate=escalate)
    views.print_collect_report(result.collect, result.events, result.notices, as_json=as_json,
                               replies=result.replies)
    raise typer.Exit(int(result.collect.exit_code))


@app.command("run")
def run_command(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 摘要")] = False,
) -> None:
    """给 cron 用的一次完整运行：采集 → 归并分级 → 发送预警；日志写入 logs/。

    退出码：0 成功，1 部分信息源失败，2 配置错误，3 数据库错误，4 另一次运行尚未结束。

    示例：yuqing run
    """
    from yuqing.collect import CollectOptions
    from yuqing.pipeline import logged_run, run_pipeline
    from yuqing.sources.config import load_sources, select_sources

    workspace = current_workspace()
    ensure_workspace(workspace)
    with logged_run(workspace.logs_dir):
        sources = select_sources(load_sources(workspace.sources_path), [])
        if not sources:
            raise ConfigError(f"没有启用的信息源：先用 yuqing source add 添加（{workspace.sources_path}）")
        rules = current_rules()
        options = CollectOptions(home=workspace.home)
        with views.collect_progress(len(sources)) as tick:
            result = run_pipeline(workspace, rules, sources, options, command="run", on_outcome=tick,
                                  escalate=True)
    views.print_collect_report(result.collect, result.events, result.notices, as_json=as_json,
                               replies=result.replies)
    raise typer.Exit(int(result.collect.exit_code))


EscalateOption = Annotated[bool, typer.Option("--escalate/--no-escalate", help="达到预警级别时立即发送通知")]


@app.command("add")
def add_command(
    title: Annotated[str, typer.Option("--title", help="标题")] = "",
    text: Annotated[str | None, typer.Option("--text", help="正文（不给则从标准输入读取）")] = None,
    url: Annotated[str, typer.Option("--url", help="原文链接")] = "",
    site: Annotated[str, typer.Option("--site", help="网站或渠道，如 12345热线")] = "",
    author: Annotated[str, typer.Option("--author", help="作者")] = "",
    clicks: Annotated[int | None, typer.Option("--clicks", help="点击/浏览数")] = None,
    comments: Annotated[int | None, typer.Option("--comments", help="评论/跟帖数")] = None,
    escalate: EscalateOption = True,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """录入一条粘贴来的帖子（正文从标准输入读取），当即归并、分级；达到预警级别的立即发送通知。

    示例：echo '正文……' | yuqing add --title '标题' --site 12345热线
    """
    from yuqing.pipeline import take_in
    from yuqing.sources.intake import MANUAL_SOURCE, add_post, make_item
    from yuqing.store import post_key

    body = text if text is not None else read_stdin()
    item = make_item(title=title, text=body, url=url, author=author, clicks=clicks, comments=comments)
    workspace = current_workspace()
    ensure_workspace(workspace)
    rules = current_rules()
    counts = []

    def store_post(store):
        counts.append(add_post(store, item, site=site, stock_hours=rules.stock_hours))
        return MANUAL_SOURCE, [post_key(item)]

    result = take_in(workspace, rules, store_post, escalate=escalate)
    views.err("已录入 1 条" if counts[0].new else "已存在相同的帖子，已更新数字")
    views.print_intake(result, as_json=as_json)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV 或 JSONL 文件")],
    source: Annotated[str, typer.Option("--source", help="渠道名称，如 12345热线、县长信箱")] = "导入",
    site: Annotated[str, typer.Option("--site", help="行中没有网站/来源列时使用的名称")] = "",
    escalate: EscalateOption = True,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """导入 CSV/JSONL（12345 热线、县长信箱、网信办转来的条目），逐行报告错误；当即归并、分级并预警。

    示例：yuqing import 12345热线-11月.csv --source 12345热线
    """
    from yuqing.pipeline import take_in
    from yuqing.sources.intake import MANUAL_SOURCE, import_file

    if source == MANUAL_SOURCE:
        raise UsageError(f"渠道名称「{MANUAL_SOURCE}」留给 yuqing add 使用")
    workspace = current_workspace()
    ensure_workspace(workspace)
    rules = current_rules()
    reports = []

    def store_rows(store):
        reports.append(import_file(store, file, source=source, site=site, stock_hours=rules.stock_hours))
        return source, reports[0].keys

    result = take_in(workspace, rules, store_rows, escalate=escalate)
    views.print_import_report(file, reports[0])
    views.print_intake(result, as_json=as_json)
    raise typer.Exit(int(ExitCode.PARTIAL if reports[0].errors else ExitCode.OK))


@export_app.command("posts")
def export_posts(
    fmt: Annotated[str, typer.Option("--format", help="jsonl（英文键，给程序读）或 csv（中文表头，带 BOM，可直接用 Excel 打开）")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件（默认标准输出）")] = None,
) -> None:
    """导出已采集的帖子。

    示例：yuqing export posts --format csv -o posts.csv
    """
    _export("posts", fmt, output)


@export_app.command("judgments")
def export_judgments(
    fmt: Annotated[str, typer.Option("--format", help="jsonl（英文键，给程序读）或 csv（中文表头，带 BOM，可直接用 Excel 打开）")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件（默认标准输出）")] = None,
) -> None:
    """导出全部人工研判记录（误报、人工定级、合并、拆分、排除帖子），按时间先后。

    示例：yuqing export judgments --format csv -o 研判记录.csv
    """
    _export("judgments", fmt, output)


def _export(table: str, fmt: str, output: Path | None) -> None:
    from yuqing.render.export import export_table

    if output is None and fmt == "csv" and hasattr(sys.stdout, "reconfigure"):  # CSV writes its own \r\n
        sys.stdout.reconfigure(newline="")
    with open_store() as store:
        count = export_table(store, table, fmt, output, sys.stdout)
    views.err(f"已导出 {count} 条" + (f" → {output}" if output else ""))


@app.command()
def demo(
    keep: Annotated[Path | None, typer.Option("--keep", help="把演示工作目录保存到这里（默认用临时目录）")] = None,
) -> None:
    """离线演示：在本机启动示例网站，采集示例 RSS 和论坛页面到临时工作目录并展示结果。

    示例：yuqing demo --keep ./演示
    """
    from yuqing.demo import run_demo

    result = run_demo(keep)
    views.print_demo(result)


# -- help panels -----------------------------------------------------------------

# Every command's panel in `yuqing --help`, panels and commands in the order of a duty
# day. A command not listed here lands in a last panel 「命令」: add new ones here.
HELP_PANELS: dict[str, tuple[str, ...]] = {
    "值班": ("todo", "run", "collect", "status", "handover"),
    "研判": ("events", "event", "post", "tone", "grade", "regrade", "search", "topic"),
    "处置": ("case", "letter", "escalate"),
    "报告": ("report",),
    "信息源": ("source", "import", "add"),
    "维护": ("init", "paths", "backup", "restore", "archive", "export", "rules", "demo"),
}

chrome.apply(app, HELP_PANELS)


# -- the edge ------------------------------------------------------------------


@lru_cache(maxsize=1)
def click_command() -> typer.core.TyperGroup:
    """The click command typer builds from ``app``. Typer builds it again on every call
    (reading every command's signature and evaluating its type hints: about 0.1 s), so a
    process that runs several commands (the tests, the docs generator) builds it once."""
    return typer.main.get_command(app)


def command_for(argv: list[str]) -> typer.core.TyperGroup:
    """The click command for one invocation: the root group holding only the command
    `argv` names, when it names one of ours (a cron `yuqing collect` need not build the
    other commands: ~60 ms), else every command (the root's help, --version, a typo)."""
    name = _named_command(argv)
    if name is None:
        return click_command()
    partial = copy.copy(app)
    partial.registered_commands = [i for i in app.registered_commands if chrome.command_name(i) == name]
    partial.registered_groups = [i for i in app.registered_groups if i.name == name]
    return typer.main.get_command(partial)


def _named_command(argv: list[str]) -> str | None:
    tokens = iter(argv)
    for token in tokens:
        if token == "--home":
            next(tokens, None)
        elif not token.startswith("--home="):
            if token.startswith("-"):  # --help, --version, an option we do not know
                return None
            return token if token in _top_names() else None
    return None


@lru_cache(maxsize=1)
def _top_names() -> frozenset[str]:
    return frozenset([chrome.command_name(i) for i in app.registered_commands]
                     + [i.name for i in app.registered_groups if i.name])


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning every expected failure into a Chinese message."""
    report_rebuilds_to(views.print_rebuild_progress)
    args = sys.argv[1:] if argv is None else argv
    try:
        result = command_for(args).main(args=args, prog_name="yuqing", standalone_mode=False)
    except YuqingError as error:
        views.err(error.message, error=True)
        return _exit(int(error.exit_code), argv)
    except typer.TyperException as error:
        views.err(views.translate_usage_error(error), error=True)
        return _exit(int(ExitCode.USAGE), argv)
    except OSError as error:  # writing workspace files or an output path the officer named
        message, code = os_error_message(error, current_workspace().home)
        views.err(message, error=True)
        return _exit(int(code), argv)
    except typer.Abort:
        views.err("已中止", error=True)
        return _exit(int(ExitCode.INTERRUPTED), argv)
    except KeyboardInterrupt:
        views.err("已中断（已入库的数据不受影响）", error=True)
        return _exit(int(ExitCode.INTERRUPTED), argv)
    code = result if isinstance(result, int) else 0
    return _exit(code, argv)


def _exit(code: int, argv: list[str] | None) -> int:
    if argv is None:  # called as the console script
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
