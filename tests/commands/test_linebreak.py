"""Chinese folds by its line-breaking rule on the terminal: help screens and listings."""

from __future__ import annotations

import re

import pytest
from helpers import run
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from test_help import command_paths

from yuqing.commands.linebreak import NO_LINE_END, NO_LINE_START, ChineseText, chinese, fold

TEXTS = [
    "人工定级：规则不会把它降低，只有规则给出更高级别时才上调（并预警）。--auto 交还规则。",
    "先复制到工作目录中的临时文件、校验并落盘，再在运行锁下一次性替换：中途被打断时，原数据库原封不动。",
    "清河县城关镇老街拆迁补偿款拖欠半年，到底谁来管？（转自桂北人社区）「烂尾」《通报》……",
    "只有标点：。，、；！？）》」』",
]


def _folded(text: Text, width: int) -> list[str]:
    return [line.plain.rstrip() for line in text.wrap(Console(width=width), width)]


@pytest.mark.parametrize("width", range(6, 41))  # two marks in a row and a character: 6 cells
def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(width):
    for text in TEXTS:
        lines = _folded(ChineseText(text, overflow="fold"), width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost or doubled
        assert all(cell_len(line) <= width for line in lines), lines
        if text.startswith("只有标点"):
            continue  # nothing but marks: no break can keep the rule
        for before, after in zip(lines, lines[1:], strict=False):
            assert after[:1] not in NO_LINE_START and before.rstrip()[-1:] not in NO_LINE_END, (width, lines)


def test_plain_rich_breaks_the_rule_where_ours_keeps_it():
    text = TEXTS[0]
    assert _folded(Text(text, overflow="fold"), 17)[4].startswith("）")
    assert not _folded(ChineseText(text, overflow="fold"), 17)[4].startswith("）")


def test_styles_go_with_their_characters():
    text = chinese(Text.from_markup("[red]重大[/]事件（较大）。后续"))
    lines = text.wrap(Console(width=8), 8)
    assert lines[0].plain == "重大事件" and [(s.start, s.end, str(s.style)) for s in lines[0].spans] == [(0, 2, "red")]
    assert [line.plain for line in lines] == ["重大事件", "（较", "大）。后", "续"]


@pytest.mark.parametrize("columns", ["80", "100"])
def test_help_screens_keep_the_rule(monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    for path in [[], *command_paths()]:
        for line in run(*path, "--help").stdout.splitlines():
            for cell in re.split(r"[│┃]", line):
                assert cell.strip()[:1] not in NO_LINE_START, (path, line)


def test_docstring_lines_join_without_a_space_between_chinese_characters(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert "中途被打断时，原数据库原封不动。" in run("restore", "--help").stdout


def test_lines_fill_up_across_a_space_in_chinese_text():
    """rich breaks only at spaces and moved 「居民多次被困」 whole to a new line, leaving
    「梯频繁故障」 half empty; a Chinese line may break between any two characters."""
    title = "清河县幸福小区电梯频繁故障 居民多次被困"
    assert _folded(Text(title, overflow="fold"), 16) == ["清河县幸福小区电", "梯频繁故障", "居民多次被困"]
    assert _folded(ChineseText(title, overflow="fold"), 16) == ["清河县幸福小区电", "梯频繁故障 居民", "多次被困"]


def test_latin_words_stay_whole_and_an_overlong_one_is_cut_by_cells():
    lines = _folded(ChineseText("访问 https://example.com/a/very/long/path 查看 details 详情", overflow="fold"), 12)
    assert lines[0] == "访问" and "".join(lines).replace(" ", "") == "访问https://example.com/a/very/long/path查看details详情"
    assert all(cell_len(line) <= 12 for line in lines) and any("details" in line for line in lines)


def test_a_short_bracketed_mark_stays_whole():
    lines = _folded(chinese(Text.from_markup("清河县老街居民聚集讨说法 [yellow]（已排除）[/]")), 16)
    assert lines == ["清河县老街居民聚", "集讨说法", "（已排除）"]


def test_an_example_command_breaks_only_between_its_arguments():
    example = "示例：yuqing source add http://www.people.com.cn/rss/politics.xml --name 人民网-时政 --site 人民网 --mainstream"
    lines = fold(example, 76)
    assert len(lines) == 2 and any("人民网-时政" in line for line in lines)
    assert " ".join(lines) == example
    # Prose still breaks between Chinese characters.
    assert len(fold("电梯频繁故障居民多次被困" * 8, 20)[0]) == 10


@pytest.mark.parametrize("width", range(12, 52))
def test_a_closing_mark_takes_the_whole_word_down_with_it(width):
    text = "工作目录（默认取环境变量 YUQING_HOME，否则 ~/yuqing）"
    lines = fold(text, width)
    for before, after in zip(lines, lines[1:], strict=False):
        assert not (re.match(r"[A-Za-z0-9_~/]", before[-1:]) and re.match(r"[A-Za-z0-9_~/]", after[:1])), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
