"""The help screens' own words in Chinese, and the commands grouped in panels.

typer builds `--help` from module-level strings in `typer.rich_utils` (panel titles,
「[required]」, 「[default: …]」) and from its vendored Click, which hard-codes "Usage: ",
"[OPTIONS]" and the help option's "Show this message and exit." (no gettext hook to
translate through). The strings are replaced when help is first shown; the Click ones through
the command classes every yuqing command is built with (`apply`). tests/commands/test_help.py
fails if an English word of help chrome comes back after a typer upgrade.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

USAGE_PREFIX = "用法："
HELP_OPTION_TEXT = "显示本帮助并退出"
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
MISSING_COMMAND = "请给出子命令（用 --help 查看全部命令）"

_RICH_STRINGS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已停用）",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "用 [blue]{command_path} {help_option}[/] 查看用法。",
}

# typer's value labels (`<str>`, `<int range>`…) said in Chinese; flags need none.
_TYPE_LABELS = {
    "str": "文字", "int": "整数", "float": "数字", "bool": "", "path": "路径", "file": "路径",
    "directory": "目录", "int range": "整数", "float range": "数字", "list[str]": "文字…", "list[int]": "整数…",
    "datetime": "时间",
}


# Positional arguments by their Chinese names: on the usage line (「{事件编号}」), in the
# argument panel and in 「缺少参数：事件编号」, where the Python names (event_id) would show.
ARGUMENT_NAMES = {
    "case_id": "案件编号", "event_id": "事件编号", "event_ids": "事件编号", "post_id": "帖子编号",
    "post_ids": "帖子编号", "query": "关键词", "names": "信息源名称", "name": "名称", "url": "地址",
    "file": "文件", "target": "备份文件", "source": "备份文件", "level": "级别", "nature": "性质",
    "tag": "标记", "verdict": "判定", "table": "部分", "pasted": "帖子内容",
}


def install() -> None:
    """Put the Chinese strings into typer's help renderer. Called when help is shown:
    importing typer.rich_utils (rich's Markdown, markdown-it) costs every command
    a fifth of a second of start-up otherwise."""
    from typer import rich_utils

    for name, text in _RICH_STRINGS.items():
        setattr(rich_utils, name, text)
    for name in ("_make_command_help", "_get_parameter_help"):
        if not getattr(getattr(rich_utils, name), "folds", False):
            setattr(rich_utils, name, _folding(getattr(rich_utils, name)))
    if not getattr(rich_utils._get_help_text, "folds", False):
        rich_utils._get_help_text = _folding_description(rich_utils._get_help_text)


def _folding(make_help):
    """A command's summary or an option's help in a panel folds onto more lines: Chinese
    has no spaces to wrap at, and the table's default would cut the rest of a long text
    off with 「…」. It folds by the Chinese rule (no line starts with 。 or ）). (An
    option's help comes as rich Columns of its parts.)"""
    def folding_help(**kwargs: Any):
        return _folding_chinese(make_help(**kwargs))

    folding_help.folds = True
    return folding_help


def _folding_chinese(made: Any) -> Any:
    """A rich Text, or the Text parts of Columns or a Group, as ChineseText that folds."""
    from rich.text import Text

    from yuqing.commands.linebreak import chinese

    parts = [made] if isinstance(made, Text) else made.renderables
    for at, part in enumerate(parts):
        if isinstance(part, Text):
            part.overflow = "fold"
            parts[at] = chinese(part)
    return parts[0] if isinstance(made, Text) else made


# A line break in a docstring after a Chinese character or mark, and the next line's indent:
# typer turns a lone line break into a space, which shows in the middle of Chinese text.
_CHINESE_LINE_BREAK = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])\n[ \t]*(?=\S)")


def _folding_description(get_help_text):
    """A command's own help (its docstring) folds by the Chinese rule too, and its lines
    join without the space typer puts between them."""
    def folding_description(*, obj: Any, markup_mode: Any):
        obj.help = _CHINESE_LINE_BREAK.sub("", obj.help or "")
        return _folding_chinese(get_help_text(obj=obj, markup_mode=markup_mode))

    folding_description.folds = True
    return folding_description


def _chinese_type(original):
    def display(ctx: Any) -> str | None:
        label = original(ctx)
        if label is None:
            return None
        bare = label.strip("<>")
        return _TYPE_LABELS.get(bare, label)
    return display


class _Chinese:
    """What both command classes change: the usage line, the help option, type labels."""

    def format_help(self, ctx, formatter) -> None:
        install()
        super().format_help(ctx, formatter)

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE_PREFIX)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if not getattr(param, "_yuqing_chinese", False):
                param.display_type_rich = _chinese_type(param.display_type_rich)
                if param.param_type_name == "argument" and param.metavar is None:
                    param.metavar = ARGUMENT_NAMES.get(param.name)
                if hasattr(param, "type_descriptor"):  # typer's own parameter classes
                    param.process_value = _sparing_coercion(param, param.process_value)
                param._yuqing_chinese = True
        return params


_PLAIN_TYPES = (str, int, float)


def _sparing_coercion(param: Any, process_value):
    """typer (0.29) passes every value through a pydantic TypeAdapter, and building the
    first one imports pydantic: 0.1-0.15 s of every command's start, mostly to hand back
    a default or a string that is a string already. Such values skip it; anything to
    convert or check (a number typed on the command line, min/max, paths) still goes
    through typer."""
    described = param.type_descriptor
    info = described.parameter_info
    unchecked = all(getattr(info, name, None) in (None, False) for name in ("min", "max", "clamp"))
    annotation = described.annotation if described.annotation in _PLAIN_TYPES else None
    words = described.annotation == list[str]

    def needs_typer(ctx, value) -> bool:
        if annotation is None or type(value) is not annotation:
            return True
        return not unchecked and ctx.get_parameter_source(param.name).name != "DEFAULT"  # our own defaults are valid

    def sparing_process_value(ctx, value):
        if value is None and not param.required:
            value = () if param.multiple or param.nargs == -1 else None
        elif words and value and isinstance(value, (list, tuple)) and all(type(v) is str for v in value):
            value = list(value)  # as typer hands a list[str] over
        elif needs_typer(ctx, value):  # a missing required value too: typer says what is missing
            return process_value(ctx, value)
        return param.callback(ctx, param, value) if param.callback is not None else value

    return sparing_process_value


class ChineseCommand(_Chinese, TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = OPTIONS_METAVAR
        super().__init__(*args, **kwargs)


class ChineseGroup(_Chinese, TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = OPTIONS_METAVAR
        kwargs["subcommand_metavar"] = SUBCOMMAND_METAVAR
        super().__init__(*args, **kwargs)


class RootGroup(ChineseGroup):
    """The `yuqing` group: commands listed panel by panel, in the order of the day."""

    order: dict[str, int] = {}

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        last = len(self.order)
        return sorted(names, key=lambda name: (self.order.get(name, last), names.index(name)))


def command_name(info) -> str:
    """The name a registered typer command is called by."""
    return info.name or info.callback.__name__.replace("_", "-")


def apply(app: typer.Typer, panels: Mapping[str, Sequence[str]]) -> None:
    """Build every command of `app` with the Chinese classes and put each named command
    in its panel; a name not (yet) registered is skipped."""
    panel_of = {name: panel for panel, names in panels.items() for name in names}
    RootGroup.order = {name: i for i, name in enumerate(n for names in panels.values() for n in names)}
    app.info.cls = RootGroup
    _apply(app, panel_of)


def _apply(app: typer.Typer, panel_of: Mapping[str, str]) -> None:
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):  # typer's default, not a class of our own
            info.cls = ChineseCommand
        info.rich_help_panel = panel_of.get(command_name(info), info.rich_help_panel)
    for info in app.registered_groups:
        info.cls = ChineseGroup
        info.rich_help_panel = panel_of.get(info.name, info.rich_help_panel)
        _apply(info.typer_instance, {})
