"""Commands that teach the tone model: post tone, tone train, tone reset."""

from __future__ import annotations

from typing import Annotated

import typer

from yuqing.commands import tone_view
from yuqing.commands.common import current_rules, current_workspace, open_store

# Library modules are imported where used: see the note in cli.py.

post_app = typer.Typer(help="单条帖子：人工研判。\n\n示例：yuqing post tone 123 负面", no_args_is_help=True)
tone_app = typer.Typer(help="负面倾向模型：用本单位的人工研判重新训练、恢复自带模型。\n\n示例：yuqing tone train",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(post_app, name="post")
    app.add_typer(tone_app, name="tone")


@post_app.callback()
def _post() -> None:
    """单条帖子：人工研判。"""


@post_app.command("tone")
def post_tone(
    post_id: Annotated[int, typer.Argument(help="帖子编号（yuqing search、event show 中可见）")],
    verdict: Annotated[str | None, typer.Argument(help="负面 或 非负面（不给则只显示模型判读和研判记录）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """记录值班员对一条帖子负面倾向的研判（负面 / 非负面），保留在研判记录中；分级以人工研判为准。

    示例：yuqing post tone 123 负面
    """
    from yuqing.events.teach import label_post

    rules = current_rules()
    with open_store() as store:
        result = label_post(store, rules, post_id, verdict)
    tone_view.print_label(result, recorded=verdict is not None, as_json=as_json)


@tone_app.callback()
def _tone() -> None:
    """负面倾向模型：用本单位的人工研判重新训练、恢复自带模型。"""


@tone_app.command("train")
def tone_train(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """用本单位人工研判过的帖子调整自带模型，存入工作目录并从此使用；在留出的四分之一研判上比较训练前后。

    示例：yuqing tone train
    """
    from yuqing.events.teach import train_local_model

    rules = current_rules()
    with open_store() as store:
        result = train_local_model(store, rules, current_workspace().tone_model_path)
    tone_view.print_train(result, as_json=as_json)


@tone_app.command("reset")
def tone_reset() -> None:
    """删除本单位训练的模型，恢复使用随程序发布的模型。

    示例：yuqing tone reset
    """
    from yuqing.events.teach import reset_local_model

    tone_view.print_reset(reset_local_model(current_workspace().tone_model_path))
