"""Evidence links and the 网民观点 lines, from the rows the store gives."""

from __future__ import annotations

from yuqing.render.evidence import MAX_MAINSTREAM_LINKS, links_of, voices_of


def _post(n: int, site: str, *, mainstream: int = 0, channel: str = "rss", url: str | None = None) -> dict:
    return {"site": site, "title": f"标题{n}", "url": url if url is not None else f"http://s{n}.example.cn/a",
            "mainstream": mainstream, "channel": channel, "at": "2026-11-23T01:00:00+00:00"}


def test_first_post_then_one_link_per_mainstream_site():
    posts = [_post(0, "县论坛", channel="forum"), _post(1, "人民网", mainstream=1), _post(2, "人民网", mainstream=1),
             _post(3, "小网站"), *[_post(10 + n, f"主流{n}", mainstream=1) for n in range(MAX_MAINSTREAM_LINKS + 2)]]
    links = links_of(posts)
    assert links["first"]["site"] == "县论坛"
    sites = [link["site"] for link in links["mainstream"]]
    assert sites[0] == "人民网" and len(sites) == MAX_MAINSTREAM_LINKS and "小网站" not in sites
    assert links["more_mainstream"] == 3  # 人民网 once + 7 others, five shown


def test_unsafe_links_are_dropped_but_the_site_name_stays():
    links = links_of([_post(0, "某站", url="javascript:alert(1)")])
    assert links["first"] == {"site": "某站", "title": "标题0", "url": "", "at": "2026-11-23T01:00:00+00:00"}


def test_voices_split_by_tone_or_say_why_there_are_none():
    replies = [{"text": "太过分了，必须彻查", "negative": 1}, {"text": "必须彻查到底", "negative": 1},
               {"text": "等官方通报吧", "negative": 0}]
    voices = voices_of(replies, [_post(0, "论坛", channel="forum")], 1)
    assert [(g["tone"], g["count"]) for g in voices["groups"]] == [("负面", 2), ("中性及正面", 1)]
    assert voices["note"] == ""
    assert "订阅源不含网民回复" in voices_of([], [_post(0, "人民网")], 0)["note"]
    assert "尚未读取" in voices_of([], [_post(0, "论坛", channel="forum")], 0)["note"]
    assert "暂无网民回复" in voices_of([], [_post(0, "论坛", channel="forum")], 1)["note"]
    # a read that failed is said, with its reason, not passed off as one not yet made
    failed = voices_of([], [_post(0, "论坛", channel="forum")], 0, "论坛「帖」的回复：… 返回 HTTP 404（页面不存在）")
    assert failed["note"].startswith("读取论坛帖子的回复未成功（论坛「帖」的回复") and "HTTP 404" in failed["note"]
    assert "尚未读取" not in failed["note"]
    assert "暂无网民回复" in voices_of([], [_post(0, "论坛", channel="forum")], 1, "更早的一次失败")["note"]
