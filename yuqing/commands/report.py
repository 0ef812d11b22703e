"""`yuqing report …`: render a report from the store into reports/ (or stdout)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from yuqing import clock
from yuqing.commands.common import current_rules, current_workspace, open_store
from yuqing.commands.views import print_json
from yuqing.errors import UsageError

# report (Jinja, charts) and sources are imported where used: see the note in cli.py.

report_app = typer.Typer(help="生成报告：当日舆情、重要舆情摘报、网络舆情通报、周报、年度工作总结。\n\n示例：yuqing report daily",
                         no_args_is_help=True)

FormatOption = Annotated[str, typer.Option("--format", help="md（默认）、html（可打印的单文件网页）或 docx（Word）")]
StdoutOption = Annotated[bool, typer.Option("--stdout", help="直接打印 Markdown，不写文件")]


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


def _today():
    return clock.now().astimezone(clock.SHANGHAI).date()


def _emit(kind: str, data: dict[str, Any], stem: str, fmt: str, to_stdout: bool) -> Path | None:
    from yuqing import report

    if fmt not in report.FORMATS:
        raise UsageError(f"--format 只能是 {' / '.join(report.FORMATS)}，而不是「{fmt}」")
    workspace = current_workspace()
    if to_stdout:
        data.setdefault("charts", [])
        sys.stdout.write(report.render_report(kind, data, workspace.home))
        return None
    path = report.write_report(kind, data, folder=workspace.reports_dir, stem=stem, fmt=fmt, home=workspace.home)
    typer.echo(str(path))
    return path


@report_app.command("daily")
def daily(
    day: Annotated[str | None, typer.Option("--date", help="哪一天（默认今天），如 2026-11-27")] = None,
    fmt: FormatOption = "md", to_stdout: StdoutOption = False,
) -> None:
    """当日舆情：新增事件、在办案件、超时事项、发出的通知、信息源状况。

    示例：yuqing report daily --format docx
    """
    from yuqing import report
    from yuqing.sources.config import load_sources

    when = report.parse_day(day, _today())
    sources = load_sources(current_workspace().sources_path)
    with open_store() as store:
        data = report.daily_data(store, current_rules(), sources, when)
    _emit("daily", data, f"daily-{when.isoformat()}", fmt, to_stdout)


@report_app.command("digest")
def digest(
    start: Annotated[str | None, typer.Option("--from", help="起始日期（默认今天）")] = None,
    end: Annotated[str | None, typer.Option("--to", help="结束日期（含，默认同起始日期）")] = None,
    issue: Annotated[bool, typer.Option("--issue", help="正式编号（第 N 期、总第 N 期）并记录收录的事件（不加则为预览）")] = False,
    force: Annotated[bool, typer.Option("--force", help="同一时段已编发时重新编发，替换原来那一期（编号不变）")] = False,
    include: Annotated[list[int] | None, typer.Option("--include", help="加入本期要情的事件编号（可多次给出，不论级别）")] = None,
    exclude: Annotated[list[int] | None, typer.Option("--exclude", help="本期不收录的事件编号（可多次给出）")] = None,
    note: Annotated[str, typer.Option("--note", help="编者按（印在要情之前）")] = "",
    fmt: FormatOption = "md", to_stdout: StdoutOption = False,
) -> None:
    """《重要舆情摘报》：按年编号并累计总期数；不加 --issue 时为不占编号的预览。

    默认收录较大及以上事件（rules.toml 的 office.digest_min_level），编辑可用 --include、
    --exclude 增删，用 --note 写编者按；报送、抄送取自 rules.toml 的 \\[office]。

    示例：yuqing report digest --from 2026-11-23 --to 2026-11-27 --issue --note '请相关单位及时回应'
    """
    from yuqing import report

    first = report.parse_day(start, _today())
    last = report.parse_day(end, first) if end else first
    if last < first:
        raise UsageError("--to 不能早于 --from")
    period = report.Period(report.local_midnight(first), report.local_midnight(last + timedelta(days=1)))
    choice = report.DigestChoice(tuple(include or ()), tuple(exclude or ()), note)
    rules = current_rules()
    if issue and to_stdout:
        raise UsageError("--issue 会写入编号后的报告文件，不能与 --stdout 同用")
    with open_store() as store:
        if issue:
            workspace = current_workspace()
            issued = report.issue_digest(store, rules, period, choice, force=force, fmt=fmt,
                                         home=workspace.home, folder=workspace.reports_dir)
            typer.echo(str(issued.path))
            return
        data = report.digest_data(store, rules, period, choice)
    data.update(preview=True, number=None, serial=None, issued_on=f"{_today():%Y年%m月%d日}")
    _emit("digest", data, f"digest-preview-{first.isoformat()}", fmt, to_stdout)


@report_app.command("event")
def event(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    fmt: FormatOption = "md", to_stdout: StdoutOption = False,
) -> None:
    """《网络舆情通报》：一个事件的帖子、数字变化、级别变化和处置情况。

    示例：yuqing report event 12 --format docx
    """
    from yuqing import report

    with open_store() as store:
        data = report.event_data(store, current_rules(), event_id)
    _emit("event", data, f"event-{event_id}-{_today():%Y%m%d}", fmt, to_stdout)


@report_app.command("weekly")
def weekly(
    week: Annotated[str | None, typer.Option("--week", help="哪一周：2026-W48 或该周内某天（默认本周）")] = None,
    fmt: FormatOption = "md", to_stdout: StdoutOption = False,
) -> None:
    """周报：各级别、主题、网站的数量，重点事件，与上周比较，附图表。

    示例：yuqing report weekly --week 2026-W48 --format html
    """
    from yuqing import report

    period = report.week_period(week, _today())
    with open_store() as store:
        data = report.weekly_data(store, current_rules(), period)
    iso = period.start.date().isocalendar()
    _emit("weekly", data, f"weekly-{iso.year}-W{iso.week:02d}", fmt, to_stdout)


@report_app.command("annual")
def annual(
    year: Annotated[int | None, typer.Option("--year", min=2000, max=2100, help="年份（默认今年）")] = None,
    fmt: FormatOption = "md", to_stdout: StdoutOption = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出各项数字和口径（JSON，比率为小数），不写文件")] = False,
) -> None:
    """年度工作总结的全部数字（每项都由数据库计算并说明口径），附图表。

    示例：yuqing report annual
    """
    from yuqing import report
    from yuqing.sources.config import load_sources

    year = year or _today().year
    sources = load_sources(current_workspace().sources_path)
    with open_store() as store:
        data = report.annual_data(store, current_rules(), sources, year)
    if as_json:
        print_json(report.annual_figures(data))
        return
    _emit("annual", data, f"annual-{year}", fmt, to_stdout)
