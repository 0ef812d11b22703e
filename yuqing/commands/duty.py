"""The duty desk: todo (what needs me now) and handover (交接班)."""

from __future__ import annotations

from typing import Annotated

import typer

from yuqing.commands import duty_view
from yuqing.commands.common import current_workspace, open_store

# Library modules are imported where used: see the note in cli.py.


def register(app: typer.Typer) -> None:
    app.command("todo")(todo_command)
    app.command("handover")(handover_command)


def todo_command(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """值班待办：现在要处理什么（接班后的第一条命令）。

    按紧急程度列出：超时和 2 小时内到期的案件、上次交接以来新的或有变化的较大及以上事件、
    发送失败或等上班再发的通知、失败或退避中的信息源、上次交接说明。没有事项时只显示一行「一切正常」。

    示例：yuqing todo
    """
    from yuqing.duty.todo import build_todo

    with open_store() as store:
        todo = build_todo(store, current_workspace())
    duty_view.print_todo(todo, as_json=as_json)


def handover_command(
    note: Annotated[str, typer.Option("--note", help="交接说明：下一班要注意什么")],
    by: Annotated[str | None, typer.Option("--by", help="交接人（默认当前登录用户）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """交接班：记录交接说明和本班情况，并在 reports/ 下写一份 Markdown。

    本班情况包括新事件（按级别）、级别上升、处置记录、办结案件，以及移交下一班的在办、超时案件，超时未回复的来信和异常信息源。
    下一次 yuqing todo 从这次交接起算「新」。

    示例：yuqing handover --note '案件 3 等县教育局回复，明早再催'
    """
    from yuqing.duty.handover import hand_over

    with open_store() as store:
        handover = hand_over(store, current_workspace(), note=note, by=by)
    duty_view.print_handover(handover, as_json=as_json)
