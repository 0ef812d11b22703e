"""The console every view writes to: data on stdout, messages on stderr, level colours.

Views import from here and never from each other's callers, so the view modules form no
circle.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table
from rich.text import Text

from yuqing import clock
from yuqing.commands.linebreak import chinese

MAX_SHOWN = 300  # characters of one data string on the terminal (a 1 MB title is cut)
MAX_MESSAGE = 800  # characters of one message: paths fit, a 10 MB CSV header does not
LEVEL_STYLE = {"一般": "", "较大": "yellow", "重大": "bold red", "特别重大": "bold white on red"}
NATURE_STYLE = {"负面": "red", "敏感": "magenta", "中性": "", "正面": "green"}


def config_problems_heading(count: int, hint: str = "") -> str:
    return f"配置错误 {count} 处（定时运行会因此停止{hint}）"


def config_warnings_heading(count: int) -> str:
    return f"配置警告 {count} 处（不影响运行，但这些设置不会生效）"


def escape(text: object, limit: int = MAX_SHOWN) -> str:
    """A data string for the terminal: rich markup escaped, cut to `limit` characters."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit] + f"…（共 {len(text)} 字）"
    return rich_escape(text)


def folding_table(*headers: str, one_line: tuple[str, ...] = (), time_columns: tuple[str, ...] = ()) -> Table:
    """A table for an 80-column terminal: Chinese has no spaces to wrap at, so every cell
    folds onto more lines instead of being cut with 「…」; the ``one_line`` columns (short
    words: 级别, 状态) never break, and ``time_columns`` are kept to 「11-27 15:00」's width
    so that the titles get the room. Cells fold by the Chinese rule: no line starts with
    「，」 or 「）」."""
    table = ChineseTable(*headers)
    for column in table.columns:
        column.no_wrap = column.header in one_line
        column.overflow = "fold"
        if column.header in time_columns:
            column.max_width = 11
    return table


class ChineseTable(Table):
    """A table whose text cells fold by the Chinese line-breaking rule (`linebreak`)."""

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*(chinese(Text.from_markup(cell)) if isinstance(cell, str) else cell
                          for cell in renderables), **kwargs)


def out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def err(message: str, *, error: bool = False) -> None:
    """A message for the officer on stderr (errors in red on a terminal)."""
    text = escape(message, MAX_MESSAGE)
    err_console().print(f"[bold red]错误：[/]{text}" if error else text)


def warn(message: str) -> None:
    err_console().print(f"[yellow]{escape(message, MAX_MESSAGE)}[/]")


def print_json(data: Any) -> None:
    """JSON for scripts: times in Asia/Shanghai (+08:00), like every other output."""
    sys.stdout.write(json.dumps(clock.localise(data), ensure_ascii=False, indent=2) + "\n")


def styled_level(level: str | None) -> str:
    if not level:
        return ""
    style = LEVEL_STYLE.get(level, "")
    return f"[{style}]{level}[/]" if style else level


def styled_nature(nature: str | None, *, listing: bool = False) -> str:
    """性质 in its colour; in listings a 正面 event reads 正面传播 (counted, never escalated)."""
    if not nature:
        return ""
    text = "正面传播" if listing and nature == "正面" else nature
    style = NATURE_STYLE.get(nature, "")
    return f"[{style}]{text}[/]" if style else text
