"""Thread pages -> replies, on pages built from each board's real markup."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from forum_fixtures import discuz_thread_page, phpbb_thread_page, tieba_thread_page

from yuqing.errors import ConfigError
from yuqing.sources.replies import MAX_REPLIES, MAX_REPLY_CHARS, parse_thread_page

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
POSTS = [
    ("楼主甲", "老街拆迁补偿款至今没到位。", "2026-11-20 09:07"),
    ("网友乙", "补偿标准太低，强烈要求公开！", "2026-11-20 10:01"),
    ("网友丙", "我家也是，去了三次都说在走流程。", "2026-11-21 08:00"),
]


def test_discuz_thread_keeps_the_post_apart_and_drops_quoted_floors():
    page = parse_thread_page(discuz_thread_page(7, "老街拆迁", POSTS, quote_first=True), preset="discuz", now=NOW)
    assert page.opening == "老街拆迁补偿款至今没到位。"
    assert [(r.floor, r.author, r.text) for r in page.replies] == [
        (2, "网友乙", "补偿标准太低，强烈要求公开！"), (3, "网友丙", "我家也是，去了三次都说在走流程。")]
    assert page.replies[0].posted_at == "2026-11-20T02:01:00+00:00"


def test_phpbb_and_tieba_threads():
    phpbb = parse_thread_page(phpbb_thread_page("老街拆迁", [(a, t, "2026-11-20T01:07:00+00:00") for a, t, _ in POSTS]),
                              preset="phpbb", now=NOW)
    assert [r.author for r in phpbb.replies] == ["网友乙", "网友丙"] and phpbb.opening == POSTS[0][1]
    tieba = parse_thread_page(tieba_thread_page("老街拆迁", POSTS), preset="tieba", now=NOW)
    assert [(r.floor, r.text) for r in tieba.replies] == [(2, POSTS[1][1]), (3, POSTS[2][1])]
    assert tieba.replies[1].posted_at == "2026-11-21T00:00:00+00:00"  # the tail's time, not 「来自Android客户端」


def test_generic_preset_needs_a_replies_selector():
    html = "<ul><li class='r'><b>甲</b><p>说得对，必须查清楚</p></li><li class='r'><b>乙</b><p>坐等结果</p></li></ul>"
    with pytest.raises(ConfigError, match="replies"):
        parse_thread_page(html, preset="generic", now=NOW)
    page = parse_thread_page(html, preset="generic", selectors={"replies": "li.r", "reply_text": "p",
                                                                "reply_author": "b"}, now=NOW)
    assert [(r.floor, r.author, r.text) for r in page.replies] == [(1, "甲", "说得对，必须查清楚"), (2, "乙", "坐等结果")]


def test_hostile_replies_are_capped_and_inert():
    long_text = "长" * (MAX_REPLY_CHARS * 3)
    posts = [POSTS[0], ("坏人", "<script>alert(1)</script>\x07正常的话" + long_text, "2026-11-20 10:01")]
    posts += [(f"网友{n}", f"第{n}条回复内容", "2026-11-20 10:01") for n in range(MAX_REPLIES + 20)]
    html = discuz_thread_page(7, "t", posts).replace("正常的话", "<script>steal()</script>正常的话", 1)
    page = parse_thread_page(html, preset="discuz", now=NOW)
    assert len(page.replies) == MAX_REPLIES
    first = page.replies[0].text
    assert len(first) == MAX_REPLY_CHARS and first.endswith("…") and "\x07" not in first
    # What the netizen typed stays as text; a real script element is not their words.
    assert first.startswith("<script>alert(1)</script>正常的话") and "steal" not in first
    deep = "<div>" * 50_000 + "x" + "</div>" * 50_000
    assert parse_thread_page(deep, preset="discuz", now=NOW).replies == []


def test_real_list_pages_are_not_mistaken_for_threads(corpora):
    pages = corpora / "gne_pages" / "test_list_page"
    for preset, path in (("discuz", pages / "netease_forum" / "1.html"), ("tieba", pages / "tieba" / "1.html")):
        html = path.read_bytes().decode("utf-8", errors="replace")
        assert parse_thread_page(html, preset=preset, now=NOW).replies == []
