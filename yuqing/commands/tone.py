"""Commands that teach the tone model: tone train, tone reset (post tone sits with the
other post verdicts in events.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from yuqing.commands import tone_view
from yuqing.commands.common import current_rules, current_workspace, open_store

# Library modules are imported where used: see the note in cli.py.

tone_app = typer.Typer(help="负面倾向模型：用本单位的人工研判重新训练、恢复自带模型。\n\n示例：yuqing tone train",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(tone_app, name="tone")


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
