"""`yuqing letter …`: 网络问政 letters (12345 hotline, 县长信箱, 领导留言板) imported from
their exports, listed with their reply deadlines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuqing.commands import letters_view
from yuqing.commands.common import current_rules, current_workspace, open_store
from yuqing.errors import ExitCode

# The import library (workcal, intake) is loaded where used: see the note in cli.py.

letter_app = typer.Typer(help="网络问政来信：12345 热线、县长信箱、领导留言板的导出表。\n\n示例：yuqing letter list --overdue",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(letter_app, name="letter")


@letter_app.command("import")
def letter_import(
    file: Annotated[Path, typer.Argument(help="导出的 CSV（UTF-8 或 GBK，Excel 另存即可）或 JSONL 文件")],
    channel: Annotated[str | None, typer.Option("--channel", help="渠道名称，如 12345热线；不给则取文件中的「渠道」列")] = None,
) -> None:
    """导入来信：按 渠道+编号 去重，再次导入较新的导出表会更新回复、办结时间和满意度。

    示例：yuqing letter import 县长信箱-20261130.csv --channel 县长信箱
    """
    from yuqing.notify.context import letter_reply_due
    from yuqing.sources.letters import import_letters

    rules = current_rules()
    reply_due = letter_reply_due(current_workspace().home, rules)
    with open_store() as store:
        report = import_letters(store, file, reply_due=reply_due, channel=channel)
    letters_view.print_letter_import(file, report, rules.letters.unlisted(report.channels),
                                     rules.letters.default_reply_workdays)
    raise typer.Exit(int(ExitCode.PARTIAL if report.errors else ExitCode.OK))


@letter_app.command("list")
def letter_list(
    overdue: Annotated[bool, typer.Option("--overdue", help="只看超过答复时限仍未回复的")] = False,
    channel: Annotated[str | None, typer.Option("--channel", help="只看这个渠道")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出来信：渠道、编号、来信时间、答复时限、状态、满意度、所属事件，最新的在前。

    示例：yuqing letter list --overdue
    """
    from yuqing.sources.letters import list_letters

    with open_store() as store:
        rows = list_letters(store, overdue=overdue, channel=channel)
    letters_view.print_letters(rows, as_json=as_json)
