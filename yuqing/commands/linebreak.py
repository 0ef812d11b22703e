"""Folding Chinese on the terminal by its line-breaking rule (禁则).

rich breaks lines only at spaces: Chinese, which has none, was folded wherever the width ran
out, so a line could start with 「。」 or 「）」 or end with 「（」, and a title such as
「电梯频繁故障 居民多次被困」 left half a line empty before 「居民多次被困」. Here a line may break
between any two Chinese characters (`break_offsets`: lines fill up; Latin words and short
bracketed marks stay whole), and wherever a line would start with a closing mark or end with
an opening one, characters of the line before go down with it (`keep_rule`: that line gets
shorter; a line pushed past the width hands its end on to the next). `ChineseText` does this
for rich (help screens, tables), `fold` for plain strings (todo, handover).
"""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len
from rich.containers import Lines
from rich.text import Text

NO_LINE_START = frozenset("。，、；：！？）》」』】〉〕”’…‥·%～,.;:!?)]}")
NO_LINE_END = frozenset("（《「『【〈〔“‘([{")
# Chinese characters and full-width marks: a line may break after any one of them.
_WIDE = r"\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
# What a line may break after: a short bracketed mark such as 「（已排除）」 or 「（存量）」 (kept
# whole), one Chinese character or full-width mark, a run of other characters (a Latin word,
# a number, a URL), or spaces; each with the spaces after it.
_UNITS = re.compile(rf"[（【〔][^（）【】〔〕\s]{{1,6}}[）】〕]\s*|[{_WIDE}]\s*|[^\s{_WIDE}]+\s*|\s+")
# An example command (「示例：yuqing source add … --name 人民网-时政」) breaks only at its spaces:
# an argument cut in two (「人民」 / 「网-时政」) reads as two.
_EXAMPLE = re.compile(r"\s*示例[：:]\s*yuqing\b")
_COMMAND_UNITS = re.compile(r"\S+\s*|\s+")


class ChineseText(Text):
    """A rich Text whose folded lines keep the Chinese line-breaking rule."""

    def wrap(self, console: Any, width: int, *, justify: Any = None, overflow: Any = None,
             tab_size: int = 8, no_wrap: bool | None = None) -> Lines:
        folding = (overflow or self.overflow or "fold") == "fold"
        if not folding or (no_wrap if no_wrap is not None else self.no_wrap) or overflow == "ignore":
            return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size,
                                no_wrap=no_wrap)  # cut or kept on one line: no line to move characters to
        lines = Lines()
        for paragraph in self.split(allow_blank=True):
            if "\t" in paragraph:
                paragraph.expand_tabs(tab_size)
            kept = Lines(_folded(paragraph, width))
            kept.justify(console, width, justify=justify or self.justify or "default", overflow="fold")
            lines.extend(kept)
        return lines


def break_offsets(text: str, width: int) -> list[int]:
    """Where to break ``text`` into lines of at most ``width`` cells: greedily, after any
    unit (`_UNITS`; in an example command, `_COMMAND_UNITS`) that still fits; a unit wider
    than a line is cut by cells."""
    offsets: list[int] = []
    used = 0  # cells on the current line
    for unit in (_COMMAND_UNITS if _EXAMPLE.match(text) else _UNITS).finditer(text):
        start, word = unit.start(), unit.group()
        cells = cell_len(word.rstrip())
        if used and used + cells > width:  # trailing spaces may hang past the edge
            offsets.append(start)
            used = 0
        if cells > width:
            at = start
            for piece in _pieces(word.rstrip(), width)[:-1]:  # its spaces hang on the last piece
                at += len(piece)
                offsets.append(at)
            used = cell_len(text[at:unit.end()])
        else:
            used += cell_len(word)
    return offsets


def _pieces(word: str, width: int) -> list[str]:
    """``word`` cut into pieces of at most ``width`` cells (a wide character never split)."""
    pieces, piece, cells = [], "", 0
    for char in word:
        size = cell_len(char)
        if piece and cells + size > width:
            pieces.append(piece)
            piece, cells = "", 0
        piece += char
        cells += size
    return [*pieces, piece]


def fold(text: str, width: int) -> list[str]:
    """A plain one-paragraph string as lines of at most ``width`` cells, by the same rule;
    the spaces a line breaks at are dropped."""
    return [line.plain.rstrip() for line in _folded(Text(text), width)] or [""]


def _folded(paragraph: Text, width: int) -> list[Text]:
    lines = list(paragraph.divide(break_offsets(paragraph.plain, width)))
    for line in lines:
        line.rstrip_end(width)
    return keep_rule(lines, width)


def chinese(text: Text) -> ChineseText:
    """The same text, styles and settings as a ChineseText."""
    if isinstance(text, ChineseText):
        return text
    kept = ChineseText(text.plain, style=text.style, justify=text.justify, overflow=text.overflow,
                       no_wrap=text.no_wrap, end=text.end, tab_size=text.tab_size)
    kept.spans = list(text.spans)
    return kept


def keep_rule(lines: list[Text], width: int) -> list[Text]:
    """Folded lines with no line starting with a closing mark or ending with an opening one:
    the characters before the break go down with the closing mark (or the opening mark
    goes down itself); a line that grows past the width hands its last characters on."""
    lines = list(lines)
    at = 1
    while at < len(lines):  # a carried overflow may add a line at the end
        before, line = lines[at - 1], lines[at]
        if _bad_break(before.plain, line.plain):
            cut = len(before) - 1
            while cut > 0 and (_bad_break(before.plain[:cut], before.plain[cut:])
                               or _inside_word(before.plain, cut)):
                cut -= 1
            if cut > 0:
                lines[at - 1], lines[at] = before[:cut], before[cut:] + line
        _carry_overflow(lines, at, width)  # characters moved down, here or to the line before
        at += 1
    return lines


_WORD_CHAR = re.compile(rf"[^\s{_WIDE}]")  # of a Latin word, a number, a path


def _inside_word(text: str, cut: int) -> bool:
    """Whether a break at ``cut`` would split a Latin word or a path (「~/yuqin」 / 「g）」)."""
    return bool(_WORD_CHAR.match(text[cut - 1]) and _WORD_CHAR.match(text[cut]))


def _bad_break(before: str, after: str) -> bool:
    return after[:1] in NO_LINE_START or before[-1:] in NO_LINE_END


def _carry_overflow(lines: list[Text], at: int, width: int) -> None:
    line = lines[at]
    spill = 0
    while cell_len(line.plain[: len(line) - spill].rstrip()) > width and len(line) - spill > 1:
        spill += 1
    if spill:
        cut = len(line) - spill
        whole = cut  # a Latin word or a path goes down whole, unless it is the whole line
        while whole > 0 and _inside_word(line.plain, whole):
            whole -= 1
        cut = whole or cut
        lines[at] = line[:cut]
        if at + 1 < len(lines):
            lines[at + 1] = line[cut:] + lines[at + 1]
        else:
            lines.append(line[cut:])
