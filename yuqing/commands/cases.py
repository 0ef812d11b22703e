"""Commands about notices and cases: escalate, case list/show/act/close."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yuqing import clock
from yuqing.commands import cases_view
from yuqing.commands.common import current_rules, current_workspace, open_store
from yuqing.errors import ExitCode, UsageError

if TYPE_CHECKING:  # the rest is imported where used: see the note in cli.py
    pass

case_app = typer.Typer(help="案件处置：记录研判、上报、转办、回复……直至办结。\n\n示例：yuqing case list --overdue", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("escalate")(escalate_command)
    app.add_typer(case_app, name="case")


def escalate_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示会发什么、发给谁、走哪个渠道，不发送")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """发送预警通知：新达到或升级的事件、时限提醒、超时催办、信息源故障。重复运行不会重复发送。

    示例：yuqing escalate --dry-run
    """
    from yuqing.escalate import run_escalation
    from yuqing.pipeline import setup_logging

    rules = current_rules()
    setup_logging(current_workspace().logs_dir)  # what was delivered, to whom, is logged
    with open_store() as store:
        report = run_escalation(current_workspace().home, store, rules, dry_run=dry_run)
    cases_view.print_warnings(report)
    cases_view.print_escalation(report, dry_run=dry_run, as_json=as_json)
    raise typer.Exit(ExitCode.PARTIAL if report.failed else ExitCode.OK)


@case_app.command("list")
def case_list(
    status: Annotated[str | None, typer.Option("--status", help="只看这个状态，如 待研判")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只看超时的")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出案件及其状态和时限。

    示例：yuqing case list --overdue
    """
    from yuqing.events import cases

    if status is not None and status not in cases.STATUSES:
        raise UsageError(f"--status 应为 {' / '.join(cases.STATUSES)} 之一")
    now_iso = clock.now_iso()
    with open_store() as store:
        rows = store.list_cases(status=status)
    for row in rows:
        late = cases.overdue_deadlines(row, now_iso)
        row["overdue"], row["overdue_kinds"] = cases.said_overdue(late), [label for label, _ in late]
    if overdue:
        rows = [r for r in rows if r["overdue"]]
    cases_view.print_cases(rows, as_json=as_json)


@case_app.command("show")
def case_show(
    case_id: Annotated[int, typer.Argument(help="案件编号")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """显示一个案件：事件、时限、全部处置记录。

    示例：yuqing case show 3
    """
    from yuqing.events import cases

    with open_store() as store:
        case = store.get_case(case_id)
        if case is None:
            raise UsageError(f"没有编号为 {case_id} 的案件（用 yuqing case list 查看）")
        actions = store.case_actions(case_id)
        judgments = store.judgments([case["event_id"]])[case["event_id"]]
    case["overdue"] = cases.overdue_items(case, clock.now_iso())
    cases_view.print_case(case, actions, judgments, as_json=as_json)


@case_app.command("act")
def case_act(
    case_id: Annotated[int, typer.Argument(help="案件编号")],
    action: Annotated[str, typer.Option("--action", help="研判、上报、转办、核实、回复、发布通稿、删帖申请、删帖、辟谣、报警、善后跟踪")],
    to: Annotated[str | None, typer.Option("--to", help="转给哪个部门")] = None,
    note: Annotated[str | None, typer.Option("--note", help="说明")] = None,
    by: Annotated[str | None, typer.Option("--by", help="经办人（默认当前登录名）")] = None,
    post: Annotated[list[int] | None, typer.Option("--post", help="删帖申请、删帖涉及的帖子编号（可写多次）")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="删帖的结果：已删除 或 未删除")] = None,
    attach: Annotated[Path | None, typer.Option("--attach", help="附上文件（答复材料、通稿等），保存进数据库")] = None,
) -> None:
    """记录一次处置（只追加，不修改）。

    示例：yuqing case act 3 --action 转办 --to 县教育局 --by 张三
    """
    from yuqing.events import cases

    with open_store() as store:
        case = cases.act(store, case_id, action=action, to=to, note=note, by=by, posts=post, outcome=outcome,
                         attach=attach)
    cases_view.print_acted(case, action)


@case_app.command("close")
def case_close(
    case_id: Annotated[int, typer.Argument(help="案件编号")],
    result: Annotated[str, typer.Option("--result", help="处置结果")],
    by: Annotated[str | None, typer.Option("--by", help="经办人（默认当前登录名）")] = None,
    aftercare: Annotated[bool, typer.Option("--aftercare", help="办结后继续关注（持续关注）")] = False,
) -> None:
    """办结案件。

    示例：yuqing case close 3 --result '已整改，网民表示满意'
    """
    from yuqing.events import cases

    with open_store() as store:
        case = cases.close(store, case_id, result=result, by=by, aftercare=aftercare)
    cases_view.print_acted(case, "办结")
