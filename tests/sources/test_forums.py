"""Forum list parsing: real saved pages, the shipped samples, and small inline pages."""

from __future__ import annotations

import re
import time
from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from forum_fixtures import bloated_list_page, list_page_of_rows
from selectolax.lexbor import LexborHTMLParser

from yuqing.errors import ConfigError
from yuqing.models import Item
from yuqing.sources.forums import PRESETS, ForumPage, parse_count, parse_forum_page

SH = ZoneInfo("Asia/Shanghai")
# The netease page was saved on 2020-08-02 in the afternoon (「3 小时前」 = 13:11).
NETEASE_NOW = datetime(2020, 8, 2, 16, 30, tzinfo=SH)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=SH)
SAMPLES = resources.files("yuqing") / "sample" / "forum"


def by_guid(page: ForumPage) -> dict[str, Item]:
    return {item.guid: item for item in page.items if item.guid}


# ---------------------------------------------------------------- real pages


@pytest.fixture
def netease_html(corpora: Path) -> str:
    path = corpora / "gne_pages" / "test_list_page" / "netease_forum" / "1.html"
    if not path.is_file():
        pytest.skip(f"语料文件不存在：{path}")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def tieba_html(corpora: Path) -> str:
    path = corpora / "gne_pages" / "test_list_page" / "tieba" / "1.html"
    if not path.is_file():
        pytest.skip(f"语料文件不存在：{path}")
    return path.read_text(encoding="utf-8")


def parse_netease(html: str, now: datetime = NETEASE_NOW) -> ForumPage:
    return parse_forum_page(
        html, base_url="https://n.netease.com/forum-9-1.html", preset="discuz", now=now
    )


class TestNeteaseDiscuz:
    """A real Discuz! X3.2 forumdisplay page (逆水寒 official forum, 2020-08-02)."""

    def test_thread_count(self, netease_html: str) -> None:
        page = parse_netease(netease_html)
        # 2 sticky rows (stickthread_) + 40 normal rows; the separator tbody is not a thread.
        assert len(page.items) == 42
        assert len({i.url for i in page.items}) == 42
        assert page.login_required is False
        assert page.next_url == "https://n.netease.com/forum-9-2.html"

    def test_totals(self, netease_html: str) -> None:
        page = parse_netease(netease_html)
        assert sum(i.comments for i in page.items) == 2006
        assert sum(i.clicks for i in page.items) == 520753
        assert all(i.author for i in page.items)
        assert all(i.published_at for i in page.items)
        assert all(i.text == "" for i in page.items)

    @pytest.mark.parametrize(
        ("tid", "title", "author", "comments", "clicks"),
        [
            ("202823", "2020年7月30日游戏服务器维护内容", "自在门小师妹", 4, 3844),
            ("187479", "逆水寒官方&玩家信息沟通渠道公告", "论坛NPC", 814, 109593),
            ("202643", "新买的机子老出现游戏卡屏或卡崩", "撅撅撅", 22, 1171),
            (
                "187216",
                "【原创作者联盟】（逆水寒小课堂）滑雪吗？我超6！！【自在门】",
                "荼蘼寂寂",
                421,
                181120,
            ),
            ("202884", "“我是怎么在贴吧里勾搭到20多个小姐姐的”", "白帝城南", 1, 77),
            ("202877", "与君同饮把酒欢", "DarkSoul", 0, 64),
            ("196160", "你们的大宋映画开启的时候cpu温度能到多少", "UID", 10, 2914),
            ("202838", "玩游戏10余年，第一次碰到出了1年以上的职业改动机制的", "wyzdcq001", 3, 410),
        ],
    )
    def test_rows(
        self, netease_html: str, tid: str, title: str, author: str, comments: int, clicks: int
    ) -> None:
        item = by_guid(parse_netease(netease_html))[tid]
        assert item.title == title
        assert item.author == author
        assert item.comments == comments  # 回复
        assert item.clicks == clicks  # 查看
        # <base href="https://n.netease.com/"> on the page; rewritten thread URLs
        assert item.url == f"https://n.netease.com/thread-{tid}-1-1.html"

    def test_order_and_sticky_first(self, netease_html: str) -> None:
        guids = [i.guid for i in parse_netease(netease_html).items]
        assert guids[:3] == ["202823", "187479", "202643"]
        assert guids[-1] == "202838"

    @pytest.mark.parametrize(
        ("tid", "expected"),
        [
            # <span title="2020-7-30">3&nbsp;天前</span>: the title's date, at midnight
            ("202823", "2020-07-29T16:00:00+00:00"),
            ("202746", "2020-07-25T16:00:00+00:00"),  # 7 天前, title 2020-7-26
            ("202785", "2020-07-27T16:00:00+00:00"),  # 5 天前, title 2020-7-28
            ("202814", "2020-07-28T16:00:00+00:00"),  # 4 天前, title 2020-7-29
            # <span title="2020-8-1">昨天&nbsp;21:26</span>: title's day + text's clock
            ("202884", "2020-08-01T13:26:00+00:00"),
            ("202868", "2020-07-31T13:34:00+00:00"),  # 前天 21:34, title 2020-7-31
            ("202871", "2020-07-31T22:42:00+00:00"),  # 昨天 06:42, title 2020-8-1
            # plain absolute dates
            ("187479", "2019-04-29T16:00:00+00:00"),  # 2019-4-30
            ("199031", "2019-12-30T16:00:00+00:00"),  # 2019-12-31
        ],
    )
    def test_times(self, netease_html: str, tid: str, expected: str) -> None:
        assert by_guid(parse_netease(netease_html))[tid].published_at == expected

    def test_titled_times_do_not_depend_on_now(self, netease_html: str) -> None:
        """Rows whose text is relative carry the date in title=: any clock gives the same."""
        tree = LexborHTMLParser(netease_html)
        titled = []
        for row in tree.css("tbody[id*=thread_]"):
            span = row.css_first("td.by em span[title]")  # first td.by = the thread's start
            if span is not None and re.search(r"天前|昨天|前天", span.text()):
                titled.append(row.attributes["id"].rpartition("_")[2])
        assert len(titled) >= 20
        then = by_guid(parse_netease(netease_html))
        later = by_guid(parse_netease(netease_html, now=NOW))
        for tid in titled:
            assert then[tid].published_at == later[tid].published_at

    def test_rows_without_next_selector(self, netease_html: str) -> None:
        page = parse_forum_page(
            netease_html,
            base_url="https://n.netease.com/forum-9-1.html",
            preset="discuz",
            selectors={"next": "a.no-such-pager"},
            now=NETEASE_NOW,
        )
        assert len(page.items) == 42
        assert page.next_url is None

    def test_selectors_match_nothing_is_not_login(self, netease_html: str) -> None:
        # A guest page says 「您需要登录后才可以发帖」 under the list: about posting, not reading.
        page = parse_forum_page(
            netease_html,
            base_url="https://n.netease.com/",
            preset="generic",
            selectors={"row": "div.no-such-row", "title": "a"},
            now=NETEASE_NOW,
        )
        assert page.items == []
        assert page.login_required is False


def parse_tieba(html: str) -> ForumPage:
    return parse_forum_page(
        html,
        base_url="https://tieba.baidu.com/f?kw=%E8%B4%B4%E5%90%A7%E7%83%AD%E8%AE%AE&ie=utf-8",
        preset="tieba",
        now=NETEASE_NOW,
    )


class TestTieba:
    """A saved Baidu Tieba list (贴吧热议吧, 2020-08-02): 50 threads, 2 of them pinned."""

    def test_thread_count(self, tieba_html: str) -> None:
        page = parse_tieba(tieba_html)
        assert len(page.items) == 50
        assert page.login_required is False
        assert page.next_url == (
            "https://tieba.baidu.com/f?kw=%E8%B4%B4%E5%90%A7%E7%83%AD%E8%AE%AE&ie=utf-8&pn=50"
        )
        assert sum(i.comments for i in page.items) == 11664
        assert all(i.clicks is None for i in page.items)
        assert all(i.url == f"https://tieba.baidu.com/p/{i.guid}" for i in page.items)

    @pytest.mark.parametrize(
        ("tid", "comments", "author", "title"),
        [
            ("6401593389", 143, "烟给我烟", "【招聘】贴吧热议吧吧务邀请你的加入！！"),
            ("6787608290", 2498, "贴吧官方", "【官方活动】晒新版贴吧截图，盖楼赢好礼"),
            ("6854455512", 916, "撩人情鹃", "iPhone被指虚假防水宣传：你怎么看?"),
            (
                "6202296985",
                1764,
                "关注朋朋",
                "过户逝者手机号需本人到场，当事人灵魂拷问：死人能复生吗？",
            ),
            ("6856323181", 0, "xmp132508", "UVT，来了解一下。"),
            # the list shows 「娱乐圈吧...」; data-field has the whole nickname
            ("6855761188", 215, "娱乐圈吧智囊团", None),
            ("6435718768", 2196, "贴吧小baby", "#明星来了#更新最新贴吧APP，领取限定头像挂饰！"),
        ],
    )
    def test_rows(
        self, tieba_html: str, tid: str, comments: int, author: str, title: str | None
    ) -> None:
        item = by_guid(parse_tieba(tieba_html))[tid]
        assert item.comments == comments
        assert item.author == author
        if title is not None:
            assert item.title == title

    def test_summary_and_time(self, tieba_html: str) -> None:
        items = by_guid(parse_tieba(tieba_html))
        assert items["6855574054"].text.startswith("8月1日，青海省格尔木公安局通报称")
        assert items["6401593389"].text == ""  # pinned row without an excerpt
        assert items["6855761188"].published_at == "2020-08-02T03:01:00+00:00"  # 「11:01」
        assert items["6850399047"].published_at == "2020-07-29T16:00:00+00:00"  # 「7-30」

    def test_list_inside_html_comments(self, tieba_html: str) -> None:
        """Tieba as served hides the list in <code><!-- … --></code> for BigPipe."""
        start = tieba_html.index('<ul id="thread_list"')
        end = tieba_html.index('<div id="frs_list_pager"')
        hidden = (
            tieba_html[:start]
            + '<code class="pagelet_html" style="display:none;"><!--'
            + tieba_html[start:end]
            + "--></code>"
            + tieba_html[end:]
        )
        page = parse_tieba(hidden)
        assert len(page.items) == 50
        assert by_guid(page)["6787608290"].comments == 2498
        assert page.next_url is not None

    def test_real_pages_with_wrong_preset(self, tieba_html: str, netease_html: str) -> None:
        for html, preset in ((tieba_html, "discuz"), (netease_html, "tieba")):
            page = parse_forum_page(html, base_url="https://x.example/", preset=preset, now=NOW)
            assert page.items == []
            assert page.login_required is False


# ---------------------------------------------------------------- shipped samples


def sample(name: str, encoding: str) -> str:
    return (SAMPLES / name).read_bytes().decode(encoding)


class TestSamples:
    def test_discuz_sample_is_gbk(self) -> None:
        raw = (SAMPLES / "discuz-list-1.html").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert b'<meta charset="gbk"' in raw
        assert "清河县第一中学" in raw.decode("gbk")

    def test_discuz_page_1(self) -> None:
        page = parse_forum_page(
            sample("discuz-list-1.html", "gbk"),
            base_url="https://bbs.guibei.example/forum-2-1.html",
            preset="discuz",
            now=NOW,
        )
        assert len(page.items) == 13  # 1 sticky 版规 + 12 threads
        assert page.next_url == "https://bbs.guibei.example/discuz-list-2.html"
        assert page.login_required is False  # the header quick-login form does not count
        items = by_guid(page)
        canteen = items["21307"]
        assert "食堂" in canteen.title
        assert (canteen.clicks, canteen.comments) == (1250, 86)
        assert canteen.author == "清河妈妈"
        assert canteen.published_at == "2026-11-27T00:12:00+00:00"  # title="2026-11-27 08:12"
        # extra=page%3D1 is dropped: the same thread listed on page 2 keeps its URL
        assert canteen.url == "https://bbs.guibei.example/forum.php?mod=viewthread&tid=21307"
        demolition = items["21296"]
        assert "拆迁补偿" in demolition.title
        assert (demolition.clicks, demolition.comments) == (320, 41)
        assert demolition.published_at == "2026-11-26T06:32:00+00:00"  # 昨天 14:32
        assert items["20871"].title.startswith("【版规】")
        assert items["21311"].title == "求推荐县城靠谱的装修师傅 & 水电工"

    def test_discuz_page_2(self) -> None:
        page = parse_forum_page(
            sample("discuz-list-2.html", "gbk"),
            base_url="https://bbs.guibei.example/discuz-list-2.html",
            preset="discuz",
            now=NOW,
        )
        assert len(page.items) == 5
        assert page.next_url is None
        assert by_guid(page)["21060"].comments == 44

    def test_discuz_sample_from_disk(self) -> None:
        """`yuqing demo` may hand over a file: URL as the base."""
        path = Path(str(SAMPLES / "discuz-list-1.html"))
        page = parse_forum_page(
            sample("discuz-list-1.html", "gbk"), base_url=path.as_uri(), preset="discuz", now=NOW
        )
        assert len(page.items) == 13
        assert page.next_url == (path.parent / "discuz-list-2.html").as_uri()

    def test_phpbb_sample(self) -> None:
        page = parse_forum_page(
            sample("phpbb-list.html", "utf-8"),
            base_url="https://bbs.qinghe.example/viewforum.php?f=3",
            preset="phpbb",
            now=NOW,
        )
        assert len(page.items) == 5
        assert page.next_url is None
        items = by_guid(page)
        assert items["57"].url == "https://bbs.qinghe.example/viewtopic.php?t=57"  # no sid=
        assert (items["57"].comments, items["57"].clicks) == (3, 2418)  # 「2,418」
        assert items["57"].author == "清河论坛管理员"  # username-coloured
        assert items["88"].clicks == 12000  # 「1.2万」
        assert items["93"].published_at == "2026-11-26T23:05:00+00:00"  # <time datetime>
        assert items["91"].published_at == "2026-11-24T13:18:00+00:00"  # text after »
        assert items["86"].comments == 0


# ---------------------------------------------------------------- inline pages

GENERIC_PAGE = """
<html><body>
<div class="list">
  <div class="post"><h3><a href="/t/1?from=list">  第一个
      帖子 </a></h3><span class="who">张三</span><i class="when">2 小时前</i>
      <b class="hits">1.2万</b><b class="re">1,234</b><p class="sum">摘要一</p></div>
  <div class="post"><h3><a href="/t/2">第二个帖子</a></h3><span class="who">李四</span>
      <i class="when" title="2026-11-20 08:00">7 天前</i><b class="hits">-</b></div>
  <div class="post"><h3><a href="/t/1?from=list">重复的第一个</a></h3></div>
  <div class="post"><h3></h3><span class="who">no title</span></div>
  <div class="post"><h3><a href="javascript:void(0)">javascript link</a></h3></div>
</div>
<a class="more" href="?page=2">下一页</a>
</body></html>
"""
GENERIC_SELECTORS = {
    "row": "div.post",
    "title": "h3 a",
    "author": ".who",
    "time": ".when",
    "clicks": ".hits",
    "comments": ".re",
    "next": "a.more",
    "summary": ".sum",
}


class TestGeneric:
    def test_custom_selectors(self) -> None:
        page = parse_forum_page(
            GENERIC_PAGE,
            base_url="https://bbs.example.cn/list?page=1",
            preset="generic",
            selectors=GENERIC_SELECTORS,
            now=NOW,
        )
        assert [i.title for i in page.items] == ["第一个 帖子", "第二个帖子"]
        first, second = page.items
        assert first.url == "https://bbs.example.cn/t/1?from=list"
        assert (first.author, first.clicks, first.comments) == ("张三", 12000, 1234)
        assert first.published_at == "2026-11-27T00:00:00+00:00"
        assert first.text == "摘要一"
        assert first.guid is None
        assert second.clicks is None  # 「-」
        assert second.comments is None  # no element
        assert second.published_at == "2026-11-20T00:00:00+00:00"  # from title=
        assert page.next_url == "https://bbs.example.cn/list?page=2"
        assert page.login_required is False

    def test_link_selector(self) -> None:
        html = (
            '<ul><li class="t"><span class="name">标题</span>'
            '<a class="go" href="https://other.example/x">查看</a></li></ul>'
        )
        page = parse_forum_page(
            html,
            base_url="https://bbs.example.cn/",
            preset="generic",
            selectors={"row": "li.t", "title": ".name", "link": "a.go"},
            now=NOW,
        )
        assert [(i.title, i.url) for i in page.items] == [("标题", "https://other.example/x")]

    @pytest.mark.parametrize("missing", ["row", "title"])
    def test_missing_required_selector(self, missing: str) -> None:
        selectors = {k: v for k, v in GENERIC_SELECTORS.items() if k != missing}
        with pytest.raises(ConfigError) as err:
            parse_forum_page(
                GENERIC_PAGE,
                base_url="https://x.example/",
                preset="generic",
                selectors=selectors,
                now=NOW,
            )
        assert missing in err.value.message
        assert "缺少" in err.value.message

    def test_missing_selectors_entirely(self) -> None:
        with pytest.raises(ConfigError, match="row"):
            parse_forum_page("<p>", base_url="https://x.example/", preset="generic", now=NOW)

    def test_bad_css(self) -> None:
        with pytest.raises(ConfigError, match="不是有效的 CSS 选择器"):
            parse_forum_page(
                "<p>",
                base_url="https://x.example/",
                preset="generic",
                selectors={"row": "div[", "title": "a"},
                now=NOW,
            )

    def test_unknown_preset_and_key(self) -> None:
        with pytest.raises(ConfigError, match="未知的论坛预设"):
            parse_forum_page("<p>", base_url="https://x.example/", preset="vbulletin", now=NOW)
        with pytest.raises(ConfigError, match="titel"):
            parse_forum_page(
                "<p>",
                base_url="https://x.example/",
                preset="discuz",
                selectors={"titel": "a"},
                now=NOW,
            )

    def test_override_one_key_of_a_preset(self) -> None:
        html = sample("discuz-list-1.html", "gbk").replace(
            '<td class="num">', '<td class="num"><span class="hot">热</span>'
        )
        page = parse_forum_page(
            html,
            base_url="https://bbs.guibei.example/",
            preset="discuz",
            selectors={"comments": "td.num span.hot"},
            now=NOW,
        )
        assert len(page.items) == 13
        assert all(i.comments is None for i in page.items)  # 「热」 has no number
        assert by_guid(page)["21307"].clicks == 1250  # other keys keep the preset's

    def test_presets_exist(self) -> None:
        assert set(PRESETS) == {"discuz", "phpbb", "tieba", "generic"}
        for name in ("discuz", "phpbb", "tieba"):
            assert {"row", "title", "next"} <= set(PRESETS[name])


class TestDiscuzUrls:
    def test_extra_and_rewrite_normalised(self) -> None:
        rows = "".join(
            f'<tbody id="normalthread_{tid}"><tr><th><a class="s xst" href="{href}">帖{tid}</a>'
            f'</th><td class="num"><a>1</a><em>2</em></td></tr></tbody>'
            for tid, href in (
                (1, "forum.php?mod=viewthread&amp;tid=1&amp;extra=page%3D3"),
                (2, "thread-2-1-4.html"),
                (3, "/bbs/thread-3-1-1.html#lastpost"),
                (4, "forum.php?mod=viewthread&amp;tid=4&amp;extra=page%3D1&amp;page=2"),
            )
        )
        # stickthread row that repeats tid 1 from another list page: one item, not two
        rows += (
            '<tbody id="stickthread_1"><tr><th><a class="xst" '
            'href="forum.php?mod=viewthread&amp;tid=1&amp;extra=page%3D1">帖1</a></th></tr></tbody>'
        )
        page = parse_forum_page(
            f"<table>{rows}</table>",
            base_url="https://bbs.example.cn/forum-2-4.html",
            preset="discuz",
            now=NOW,
        )
        assert [(i.guid, i.url) for i in page.items] == [
            ("1", "https://bbs.example.cn/forum.php?mod=viewthread&tid=1"),
            ("2", "https://bbs.example.cn/thread-2-1-1.html"),
            ("3", "https://bbs.example.cn/bbs/thread-3-1-1.html"),
            ("4", "https://bbs.example.cn/forum.php?mod=viewthread&tid=4"),
        ]


def test_phpbb_old_table_layout() -> None:
    """subsilver2 (phpBB 3.0) has no li.row: the preset falls back to table rows."""
    html = (
        '<table class="tablebg"><tr><td class="row1"><a href="./viewtopic.php?f=2&amp;t=5'
        '&amp;sid=abc" class="topictitle">老版本主题</a> <a href="./memberlist.php?u=3" '
        'class="username-coloured">管理员</a></td></tr>'
        '<tr><td class="row1"><a href="./viewtopic.php?f=2&amp;t=6" class="topictitle">第二</a>'
        "</td></tr></table>"
    )
    page = parse_forum_page(
        html, base_url="https://old.example/forum/viewforum.php?f=2", preset="phpbb", now=NOW
    )
    assert [(i.guid, i.url, i.author) for i in page.items] == [
        ("5", "https://old.example/forum/viewtopic.php?f=2&t=5", "管理员"),
        ("6", "https://old.example/forum/viewtopic.php?f=2&t=6", ""),
    ]


LOGIN_PAGES = {
    "discuz_message": """<html><head><title>提示信息 - 清河人社区</title></head><body>
        <div id="messagetext" class="alert_info"><p>抱歉，您尚未登录，没有权限访问该版块</p></div>
        </body></html>""",
    "discuz_login_form": """<html><body><div id="ct"><form id="loginform" action="member.php?mod=logging">
        <input type="text" name="username"><input type="password" name="password">
        <button>登录</button></form></div></body></html>""",
    "phpbb": """<html><body><form action="./ucp.php?mode=login" method="post" id="login">
        <h2>The board requires you to be registered and logged in to view this forum.</h2>
        <input type="text" name="username"><input type="PASSWORD" name="password"></form></body></html>""",
    "plain_text": "<html><body><p>您需要登录才能查看本版内容，请先登录。</p></body></html>",
    "english": "<html><body><p>You must be logged in to do that.</p></body></html>",
}


class TestLoginDetection:
    @pytest.mark.parametrize("name", sorted(LOGIN_PAGES))
    @pytest.mark.parametrize("preset", ["discuz", "phpbb", "tieba"])
    def test_login_pages(self, name: str, preset: str) -> None:
        page = parse_forum_page(
            LOGIN_PAGES[name], base_url="https://x.example/", preset=preset, now=NOW
        )
        assert page.items == []
        assert page.login_required is True

    def test_page_with_rows_is_never_login(self) -> None:
        html = sample("discuz-list-1.html", "gbk").replace(
            "</body>", "<p>抱歉，您尚未登录，没有权限访问该版块</p><input type=password></body>"
        )
        page = parse_forum_page(html, base_url="https://x.example/", preset="discuz", now=NOW)
        assert len(page.items) == 13
        assert page.login_required is False

    def test_empty_list_is_not_login(self) -> None:
        html = re.sub(
            r'<tbody id="(?:normal|stick)thread_.*?</tbody>',
            "",
            sample("discuz-list-1.html", "gbk"),
            flags=re.S,
        )
        page = parse_forum_page(html, base_url="https://x.example/", preset="discuz", now=NOW)
        assert page.items == []
        assert page.login_required is False  # only the header quick-login has a password

    def test_posting_hint_is_not_login(self) -> None:
        html = "<html><body><div>暂无主题</div><p>您需要登录后才可以发帖</p></body></html>"
        page = parse_forum_page(html, base_url="https://x.example/", preset="discuz", now=NOW)
        assert page.login_required is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2万", 12000),
        ("10万+", 100000),
        ("3.5w", 35000),
        ("1,234", 1234),
        ("2k", 2000),
        ("1.5亿", 150000000),
        ("3 <dfn>回复</dfn>", 3),
        ("  42 ", 42),
        ("0", 0),
        ("-", None),
        ("", None),
        (None, None),
        ("热", None),
    ],
)
def test_parse_count(text: str | None, expected: int | None) -> None:
    assert parse_count(text) == expected


# ---------------------------------------------------------------- hostile input


class TestHostile:
    def test_unclosed_tags_and_script_in_title(self) -> None:
        html = (
            '<table><tbody id="normalthread_1"><tr><th><a class="xst" href="t1">'
            "<script>alert('x')</script>危险<b>标题"
            '<tbody id="normalthread_2"><tr><th><a class="xst" href="t2">第二<style>p{}</style>'
            '<td class="num"><a>5<em>9'
        )
        page = parse_forum_page(html, base_url="https://x.example/", preset="discuz", now=NOW)
        titles = [i.title for i in page.items]
        assert titles[0] == "危险标题"
        assert all("alert" not in t and "p{}" not in t for t in titles)

    def test_garbage_inputs(self) -> None:
        for html in (
            "",
            "\x00\x01\x02",
            "<<<>>>",
            "<a href=",
            "�" * 1000,
            "<tbody id=normalthread_",
        ):
            page = parse_forum_page(html, base_url="https://x.example/", preset="discuz", now=NOW)
            assert page.items == []
            assert page.login_required is False

    def test_bad_data_field(self) -> None:
        html = (
            '<ul><li class="j_thread_list" data-field="{not json"><a class="j_th_tit" href="/p/7">'
            'x</a><span class="threadlist_rep_num">4</span></li>'
            '<li class="j_thread_list" data-field="[1,2]"><a class="j_th_tit" href="/p/8">y</a>'
            '</li><li class="j_thread_list" data-field=\'{"reply_num": "many"}\'>'
            '<a class="j_th_tit" href="/p/9">z</a></li></ul>'
        )
        page = parse_forum_page(
            html, base_url="https://tieba.baidu.com/f?kw=x", preset="tieba", now=NOW
        )
        assert [(i.guid, i.comments) for i in page.items] == [("7", 4), ("8", None), ("9", None)]

    def test_deeply_nested_divs(self) -> None:
        html = "<div>" * 40_000 + '<a class="xst" href="/deep">深</a>' + "</div>" * 100  # ~200 KB
        start = time.perf_counter()
        page = parse_forum_page(
            html,
            base_url="https://x.example/",
            preset="generic",
            selectors={"row": "div", "title": "a.xst"},
            now=NOW,
        )
        assert time.perf_counter() - start < 2.0  # undefused, lexbor needs ~4 s here
        assert [i.url for i in page.items] == ["https://x.example/deep"]

    def test_balanced_deep_nesting(self) -> None:
        html = "<DIV class=x>" * 60_000 + "</DIV>" * 60_000
        start = time.perf_counter()
        page = parse_forum_page(html, base_url="https://x.example/", preset="discuz", now=NOW)
        assert time.perf_counter() - start < 2.0
        assert page.items == []


def parse_discuz(html: str) -> ForumPage:
    return parse_forum_page(html, base_url="https://x.example/", preset="discuz", now=NOW)


def test_a_five_mebibyte_page_gives_its_rows() -> None:
    """A list page bloated to 5 MiB by scripts, styles and sidebar links, as portals are
    (how long it takes: bench/forum_bench.py)."""
    html = bloated_list_page(sample("discuz-list-1.html", "gbk"))
    page = parse_discuz(html)
    assert len(page.items) == 13


@pytest.mark.slow
def test_five_mebibytes_of_rows() -> None:
    """Worst case: 5 MiB that is all thread rows (3,700 of them), every one read (how long
    it takes: bench/forum_bench.py)."""
    html, n = list_page_of_rows(sample("discuz-list-1.html", "gbk"))
    page = parse_discuz(html)
    assert len(page.items) == 1 + 12 * n  # the sticky row is outside the copied block
