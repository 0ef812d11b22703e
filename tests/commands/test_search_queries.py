"""`yuqing search` with what officers really type: AND between words, OR, an emoji, quotes,
one character, 200 characters. Each gives hits or one Chinese line, never a wrong silence."""

from __future__ import annotations

import json

import pytest
from helpers import run

POSTS = ("县医院和第一小学门口道路积水", "县医院新楼启用", "🎁 送永久高级版兑换码")


@pytest.fixture
def posts(yuqing_home):
    for title in POSTS:
        assert run("add", "--title", title, "--site", "县论坛", "--no-escalate", stdin=title).exit_code == 0


def titles(*query: str) -> list[str]:
    result = run("search", *query, "--json")
    assert result.exit_code == 0, result.stderr
    return sorted(row["title"] for row in json.loads(result.stdout))


def test_and_between_words_means_what_two_words_mean(posts):
    assert titles("医院", "AND", "小学") == titles("医院", "小学") == ["县医院和第一小学门口道路积水"]


@pytest.mark.parametrize("operator", ["OR", "NOT"])
def test_or_and_not_are_refused_not_searched_as_words(posts, operator):
    result = run("search", "医院", operator, "小学")
    assert result.exit_code == 2 and f"检索不支持 {operator}" in result.stderr


def test_a_query_with_nothing_searchable_says_so(posts):
    for query in ("🎁", "*", '"', "（）"):
        result = run("search", query)
        assert result.exit_code == 2, query
        assert "没有可检索的文字" in result.stderr and query in result.stderr
    assert "请给出要搜索的词" in run("search", "  ").stderr


def test_odd_but_searchable_queries(posts):
    assert titles("院") == ["县医院和第一小学门口道路积水", "县医院新楼启用"]
    assert titles('"医院"') == titles("医院")
    assert titles("医院" * 100) == []
    assert titles("🎁", "兑换码") == ["🎁 送永久高级版兑换码"]
