"""`yuqing topic`: monitoring topics in rules.toml, edited from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from yuqing.commands import topics_view
from yuqing.commands.common import current_workspace, open_store

# Library modules are imported where used: see the note in cli.py.

topic_app = typer.Typer(help="监测主题（rules.toml 中的 \\[\\[topics]]）：列出、添加、删除、试匹配。\n\n示例：yuqing topic list",
                        no_args_is_help=True)

KEYWORDS_HELP = "关键词，任一出现即命中；多个词用逗号分开，如 拆迁,征地"
ALL_HELP = "这些词必须全部出现（如本县县名）；逗号分开"
EXCLUDE_HELP = "出现这些词则不算命中（如 招聘,出租）；逗号分开"


def register(app: typer.Typer) -> None:
    app.add_typer(topic_app, name="topic")


@topic_app.command("list")
def topic_list(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出监测主题。

    示例：yuqing topic list
    """
    from yuqing.topics.edit import list_topics, rules_file

    path = rules_file(current_workspace())
    topics_view.print_topics(path, list_topics(path), as_json=as_json)


@topic_app.command("add")
def topic_add(
    name: Annotated[str, typer.Argument(help="主题名称，如 征地拆迁")],
    keywords: Annotated[str, typer.Option("--keywords", help=KEYWORDS_HELP)],
    all_words: Annotated[str | None, typer.Option("--all", help=ALL_HELP)] = None,
    exclude: Annotated[str | None, typer.Option("--exclude", help=EXCLUDE_HELP)] = None,
    replace: Annotated[bool, typer.Option("--replace", help="替换同名的主题")] = False,
) -> None:
    """添加（或用 --replace 修改）一个监测主题，保留 rules.toml 中的注释，并重新匹配、重新分级。

    示例：yuqing topic add 征地拆迁 --keywords 拆迁,征地,补偿款 --all 清河 --exclude 招聘
    """
    from yuqing.rules import load_rules
    from yuqing.topics.edit import add_topic, make_topic, reconcile_workspace, rules_file

    topic = make_topic(name, keywords, all_words, exclude)
    path = rules_file(current_workspace())
    replaced = add_topic(path, topic, replace=replace)
    topics_view.print_topic_saved(path, topic, replaced=replaced)
    result = reconcile_workspace(current_workspace(), load_rules(path))
    topics_view.print_reconciled(result)


@topic_app.command("remove")
def topic_remove(
    name: Annotated[str, typer.Argument(help="主题名称")],
) -> None:
    """删除一个监测主题，并重新匹配、重新分级（已归入事件的帖子仍留在事件中）。

    示例：yuqing topic remove 征地拆迁
    """
    from yuqing.rules import load_rules
    from yuqing.topics.edit import reconcile_workspace, remove_topic, rules_file

    path = rules_file(current_workspace())
    topic = remove_topic(path, name)
    topics_view.print_topic_removed(path, topic)
    result = reconcile_workspace(current_workspace(), load_rules(path))
    topics_view.print_reconciled(result)


@topic_app.command("test")
def topic_test(
    name: Annotated[str, typer.Argument(help="主题名称")],
    keywords: Annotated[str | None, typer.Option("--keywords", help="先不保存，试一试这些关键词；" + KEYWORDS_HELP)] = None,
    all_words: Annotated[str | None, typer.Option("--all", help=ALL_HELP)] = None,
    exclude: Annotated[str | None, typer.Option("--exclude", help=EXCLUDE_HELP)] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="看最近几天的帖子")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """试匹配：一个主题会命中最近 30 天发布的多少条已采集帖子，并举 5 个例子（不修改任何东西）。

    示例：yuqing topic test 征地拆迁　或先试再加：yuqing topic test 拆迁 --keywords 拆迁,强拆
    """
    from yuqing.topics.edit import find_topic, make_topic, rules_file
    from yuqing.topics.trial import try_topic

    if keywords is not None:
        topic = make_topic(name, keywords, all_words, exclude)
    else:
        topic = find_topic(rules_file(current_workspace()), name)
    with open_store() as store:
        trial = try_topic(store, topic, days=days)
    topics_view.print_trial(trial, draft=keywords is not None, as_json=as_json)
