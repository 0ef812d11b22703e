"""Commands about grading and events: grade, events, event show, regrade, rules check."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from yuqing import clock
from yuqing.commands import events_view, tone_view
from yuqing.commands.common import current_rules, current_workspace, open_store, read_stdin
from yuqing.errors import ConfigError, ExitCode, UsageError
from yuqing.sources.inputs import bounded_lines

if TYPE_CHECKING:  # the rest is imported where used: see the note in cli.py
    pass

event_app = typer.Typer(help="查看单个事件，记录人工研判：误报、人工定级、合并、拆分。\n\n示例：yuqing event show 12",
                        no_args_is_help=True)
post_app = typer.Typer(help="单条帖子的人工研判：排除、负面倾向。\n\n示例：yuqing post ignore 41 --reason 另一件事", no_args_is_help=True)
rules_app = typer.Typer(help="分级规则表（rules.toml）。\n\n示例：yuqing rules check", no_args_is_help=True)

ReasonOption = Annotated[str, typer.Option("--reason", help="理由（记入研判记录）")]
ByOption = Annotated[str | None, typer.Option("--by", help="研判人（默认当前登录名）")]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON")]


def register(app: typer.Typer) -> None:
    app.command("grade")(grade_command)
    app.command("events")(events_command)
    app.command("regrade")(regrade_command)
    app.add_typer(event_app, name="event")
    app.add_typer(post_app, name="post")
    app.add_typer(rules_app, name="rules")


def grade_command(
    pasted: Annotated[str | None, typer.Argument(
        help="粘贴的帖子内容（标题和正文都可以；也可以用 --text 或从标准输入读入）", show_default=False)] = None,
    title: Annotated[str, typer.Option("--title", help="标题")] = "",
    text: Annotated[str | None, typer.Option("--text", help="正文（不给则从标准输入读取）")] = None,
    clicks: Annotated[int, typer.Option("--clicks", help="点击/浏览数")] = 0,
    comments: Annotated[int, typer.Option("--comments", help="跟帖/评论数")] = 0,
    sites: Annotated[int | None, typer.Option("--sites", help="转载的网站数（默认等于主流网站数，至少 1）")] = None,
    mainstream: Annotated[int, typer.Option("--mainstream", help="转载的主流网站数")] = 0,
    batch: Annotated[str | None, typer.Option("--batch", help="JSONL 文件（- 表示标准输入），每行一条，逐行输出结果")] = None,
    url: Annotated[str | None, typer.Option("--url", help="抓取这个帖子或文章页面并分级")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """给一条粘贴来的帖子分级：列出级别、触发的每条规则、敏感类别、是否负面、命中的主题。

    示例：yuqing grade '清河县老城区排水改造三年没完工，一下雨又淹了'
    示例：yuqing grade --title '清河一中食堂食物中毒' --comments 520
    """
    from yuqing.events.adhoc import AdhocPost, adhoc_from_url, grade_adhoc, grade_batch_lines

    if pasted is not None and text is not None:
        raise UsageError("帖子内容给了两次：命令行上的内容和 --text 只能用一个")
    text = pasted if pasted is not None else text
    rules = current_rules()
    if batch is not None:
        lines = bounded_lines(_stdin_bytes(), "标准输入") if batch == "-" else _batch_lines(batch)
        bad = 0
        for result in grade_batch_lines(lines, rules):
            bad += "error" in result
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        raise typer.Exit(int(ExitCode.PARTIAL if bad else ExitCode.OK))
    if url is not None:
        post = adhoc_from_url(url, clicks=clicks, comments=comments, sites=sites, mainstream=mainstream)
    else:
        body = text if text is not None else read_stdin()
        post = AdhocPost(title=title, text=body, clicks=clicks, comments=comments, sites=sites,
                         mainstream=mainstream)
    result = grade_adhoc(post, rules)
    events_view.print_grade(result, post, as_json=as_json)


def _stdin_bytes() -> BinaryIO:
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer
    return io.BytesIO(sys.stdin.read().encode("utf-8"))  # an in-memory stdin (the test runner)


def _batch_lines(path: str) -> Iterator[str]:
    from yuqing.errors import InputError, os_reason

    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed when the lines run out
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{os_reason(exc)}") from None
    with handle:
        yield from bounded_lines(handle, path)


def events_command(
    level: Annotated[str | None, typer.Option("--level", help="只看这个级别及以上，如 重大")] = None,
    since: Annotated[str | None, typer.Option("--since", help="最近多久发布的：如 7d、24h、2026-11-01")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="只看这个监测主题")] = None,
    collected: Annotated[bool, typer.Option("--collected", help="按采集时间筛选和排序（默认按发布时间）")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="最多显示几条")] = 100,
    dismissed: Annotated[bool, typer.Option("--dismissed", help="只看判为误报的事件")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出事件（同一件事在各网站的转载合并为一个事件），最近发布的在前；判为误报的不列出（用 --dismissed 查看）。

    示例：yuqing events --level 重大 --since 7d
    """
    from yuqing.commands.timespec import parse_since
    from yuqing.rules import LEVELS

    if level is not None and level not in LEVELS:
        raise UsageError(f"--level 应为 {' / '.join(LEVELS)} 之一，而不是「{level}」")
    levels = list(LEVELS[LEVELS.index(level):]) if level else None
    cutoff = clock.to_iso(parse_since(since)) if since else None
    with open_store() as store:
        rows = store.list_events(level_at_least=levels, since=cutoff, topic=topic, limit=limit,
                                 by="collected" if collected else "published", dismissed=dismissed)
        hidden = 0 if dismissed else store.count_dismissed()
    events_view.print_events(rows, as_json=as_json, by="collected" if collected else "published",
                             dismissed_hidden=hidden)


@event_app.command("show")
def event_show(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """显示一个事件：各帖子、数字随时间的变化、级别变化及原因。

    示例：yuqing event show 12
    """
    from yuqing.events.cases import existing_event

    with open_store() as store:
        event = existing_event(store, event_id)
        event["tags"] = store.event_tags([event_id])[event_id]
        posts = store.event_posts([event_id])[event_id]
        for post in posts:
            post["sources"] = [s["source"] for s in store.sightings(post["id"])]
        history = store.level_history(event_id)
        observations = {p["id"]: store.observations(p["id"]) for p in posts}
        judgments = store.judgments([event_id])[event_id]
    events_view.print_event(event, posts, history, observations, judgments, as_json=as_json)


@event_app.command("dismiss")
def event_dismiss(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    reason: ReasonOption = "",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """判为误报或无关：不再出现在事件列表、日报、周报、摘报和年度数字中，不再预警（除非以后升到更高级别），在办案件以「误报」办结。

    示例：yuqing event dismiss 7 --reason '游玩咨询，与舆情无关'
    """
    from yuqing.events import verdicts

    with open_store() as store:
        verdict = verdicts.dismiss(store, current_rules(), event_id, reason=reason, by=by)
    events_view.print_verdict(verdict, as_json=as_json)


@event_app.command("restore")
def event_restore(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    reason: ReasonOption = "",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """撤销误报：事件重新列出、重新预警，案件恢复办理。

    示例：yuqing event restore 7 --reason '需继续关注'
    """
    from yuqing.events import verdicts

    with open_store() as store:
        verdict = verdicts.restore(store, current_rules(), event_id, reason=reason, by=by)
    events_view.print_verdict(verdict, as_json=as_json)


@event_app.command("level")
def event_level(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    level: Annotated[str | None, typer.Argument(help="一般 / 较大 / 重大 / 特别重大")] = None,
    auto: Annotated[bool, typer.Option("--auto", help="取消人工定级，交还规则自动定级")] = False,
    reason: ReasonOption = "",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """人工定级：规则不会把它降低，只有规则给出更高级别时才上调（并预警）。--auto 交还规则。

    示例：yuqing event level 6 较大 --reason '涉及拆迁补偿'；yuqing event level 6 --auto
    """
    from yuqing.events import verdicts

    if auto == (level is not None):
        raise UsageError("请给出级别（如 yuqing event level 3 重大 --reason …），或用 --auto 交还规则定级")
    with open_store() as store:
        verdict = verdicts.set_level(store, current_rules(), event_id, level, reason=reason, by=by)
    events_view.print_verdict(verdict, as_json=as_json)


@event_app.command("nature")
def event_nature(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    nature: Annotated[str | None, typer.Argument(help="负面 / 敏感 / 中性 / 正面")] = None,
    auto: Annotated[bool, typer.Option("--auto", help="取消人工定性，交还规则判断")] = False,
    reason: ReasonOption = "",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """人工定性：正面事件只计入正面宣传，不按传播量升级、不立案、不预警；其他性质照常分级。--auto 交还规则。

    示例：yuqing event nature 6 正面 --reason '县融媒体发布的文化节报道'；yuqing event nature 6 --auto
    """
    from yuqing.events import verdicts

    if auto == (nature is not None):
        raise UsageError("请给出性质（如 yuqing event nature 3 正面 --reason …），或用 --auto 交还规则定性")
    with open_store() as store:
        verdict = verdicts.set_nature(store, current_rules(), event_id, nature, reason=reason, by=by)
    events_view.print_verdict(verdict, as_json=as_json)


@event_app.command("merge")
def event_merge(
    event_ids: Annotated[list[int], typer.Argument(help="事件编号：第一个保留，其余并入它")],
    reason: ReasonOption = "",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """合并事件：其余事件的帖子并入第一个，重新计算数字和级别，保留各自的记录。

    示例：yuqing event merge 3 5 8 --reason '同一件事'
    """
    from yuqing.events import verdicts

    with open_store() as store:
        verdict = verdicts.merge(store, current_rules(), event_ids[0], event_ids[1:], reason=reason, by=by)
    events_view.print_verdict(verdict, as_json=as_json)


@event_app.command("split")
def event_split(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    post_ids: Annotated[list[int], typer.Argument(help="要拆出的帖子编号（yuqing event show 可查看）")],
    reason: ReasonOption = "",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """拆分事件：把误并进来的帖子拆成一个新事件，两边都重新分级。

    示例：yuqing event split 3 41 42 --reason '另一件事'
    """
    from yuqing.events import verdicts

    with open_store() as store:
        verdict = verdicts.split(store, current_rules(), event_id, post_ids, reason=reason, by=by)
    events_view.print_verdict(verdict, as_json=as_json)


@post_app.command("ignore")
def post_ignore(
    post_id: Annotated[int, typer.Argument(help="帖子编号（yuqing event show 可查看）")],
    reason: ReasonOption = "",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """排除事件中一条无关的帖子：保留记录，不再计入事件的数字和级别。

    示例：yuqing post ignore 41 --reason '另一条街的事'
    """
    from yuqing.events import verdicts

    with open_store() as store:
        verdict = verdicts.ignore_post(store, current_rules(), post_id, reason=reason, by=by)
    events_view.print_verdict(verdict, as_json=as_json)


@post_app.command("tone")
def post_tone(
    post_id: Annotated[int, typer.Argument(help="帖子编号（yuqing search、event show 中可见）")],
    verdict: Annotated[str | None, typer.Argument(help="负面 或 非负面（不给则只显示模型判读和研判记录）")] = None,
    reason: Annotated[str, typer.Option("--reason", help="理由（可选，记入研判记录）")] = "",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """记录值班员对一条帖子负面倾向的研判（负面 / 非负面），保留在研判记录中；分级以人工研判为准。

    示例：yuqing post tone 123 负面
    """
    from yuqing.events.teach import label_post

    rules = current_rules()
    with open_store() as store:
        result = label_post(store, rules, post_id, verdict, reason=reason, by=by)
    tone_view.print_label(result, recorded=verdict is not None, as_json=as_json)


@event_app.command("replies")
def event_replies(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """立即读取一个事件中论坛帖子的回复（网民观点），不论级别；较大及以上事件在每次采集时自动读取。

    示例：yuqing event replies 12
    """
    from yuqing.collect import collect_replies
    from yuqing.events.cases import existing_event
    from yuqing.sources.config import load_sources

    workspace = current_workspace()
    sources = load_sources(workspace.sources_path)
    with open_store() as store:
        existing_event(store, event_id)
        report = collect_replies(store, sources, current_rules(), event_id=event_id, home=workspace.home,
                                 reread=timedelta(0))
    events_view.print_replies_report(report, as_json=as_json)
    if report.failures:
        raise typer.Exit(int(ExitCode.PARTIAL))


@event_app.command("tag")
def event_tag(
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    tag: Annotated[str, typer.Argument(help="标记：社情民意")],
    remove: Annotated[bool, typer.Option("--remove", help="去掉这个标记")] = False,
    by: Annotated[str | None, typer.Option("--by", help="经办人（默认当前登录名）")] = None,
) -> None:
    """给事件加标记（如 社情民意：摘报和年度总结单独计数）；--remove 去掉。

    示例：yuqing event tag 12 社情民意
    """
    from yuqing.events.tags import tag_event

    with open_store() as store:
        changed = tag_event(store, event_id, tag, remove=remove, by=by)
    events_view.print_tagged(event_id, tag, remove=remove, changed=changed)


def regrade_command(
    close_unmatched: Annotated[bool, typer.Option(
        "--close-unmatched", help="把不再命中任何主题的事件判为误报（理由：规则调整后不再命中主题）")] = False,
    by: ByOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """修改 rules.toml 之后：重新匹配主题、重新计算每个事件的级别，列出变化和不再命中主题的事件。

    示例：yuqing regrade --close-unmatched
    """
    from yuqing.events.verdicts import regrade

    with open_store() as store:
        result = regrade(store, current_rules(), close_unmatched=close_unmatched, by=by)
    events_view.print_regrade(result, as_json=as_json)


@rules_app.command("show")
def rules_show(
    table: Annotated[str, typer.Argument(help="要查看的部分：negative（负面倾向的自带词表和本单位补充）")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """查看规则中不写在 rules.toml 里的部分。

    示例：yuqing rules show negative
    """
    from yuqing.text.tone import builtin_vocabulary

    if table != "negative":
        raise UsageError(f"目前只能查看 negative（负面倾向），而不是「{table}」")
    rules = current_rules()
    events_view.print_negative_vocabulary(builtin_vocabulary(), rules, as_json=as_json)


@rules_app.command("check")
def rules_check(
    file: Annotated[Path | None, typer.Argument(help="要检查的文件（默认工作目录中的 rules.toml）")] = None,
) -> None:
    """检查 rules.toml：每个错误都指出文件、表和键以及应写成什么。

    示例：yuqing rules check
    """
    from yuqing.rules import load_rules, rules_findings, rules_path_for

    workspace = current_workspace()
    path = file or rules_path_for(workspace if workspace.rules_path.exists() else None)
    problems, warnings = rules_findings(path)
    if problems:
        raise ConfigError(f"{path} 有 {len(problems)} 处错误：\n" + "\n".join(problems + warnings))
    events_view.print_rules_ok(path, load_rules(path))
