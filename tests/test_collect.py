"""`yuqing collect` end to end against a real loopback server (RELIABILITY.md T01–T19)."""

from __future__ import annotations

import json
from email.utils import format_datetime

import pytest
from helpers import run
from server import endless_chunked, never_answer

from yuqing import clock
from yuqing.store import Store

RSS = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0"><channel><title>测试</title><link>http://example.cn/</link>
{items}
</channel></rss>"""


def rss(items: list[tuple[str, str]], *, guid: bool = True, encoding: str = "utf-8", dated: bool = True) -> str:
    """Items dated now (YUQING_NOW when set): news, not stock (存量), when collected."""
    parts = []
    date = f"<pubDate>{format_datetime(clock.now())}</pubDate>" if dated else ""
    for title, link in items:
        g = f"<guid>{link}</guid>" if guid else ""
        parts.append(f"<item><title>{title}</title><link>{link}</link>{g}{date}"
                     "<description>&lt;p&gt;正文&lt;/p&gt;</description></item>")
    return RSS.format(items="\n".join(parts), encoding=encoding)


def add_source(url, name="源", kind="rss", *extra):
    result = run("source", "add", url, "--kind", kind, "--name", name, *extra)
    assert result.exit_code == 0, result.stderr


def collect(*args):
    result = run("collect", "--json", "--force", *args)
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def stored(home, source=None):
    with Store(home / "yuqing.db") as store:
        return list(store.iter_posts(source=source))


def state(home, name):
    with Store(home / "yuqing.db") as store:
        return store.source_state(name)


def test_rss_items_stored_and_rerun_inserts_nothing(yuqing_home, http_server):
    http_server.route("/feed.xml", rss([("清河县新闻一", "http://example.cn/1?utm_source=rss#top"),
                                        ("清河县新闻二", "http://example.cn/2")]),
                      headers={"Content-Type": "application/rss+xml"})
    add_source(http_server.url("/feed.xml"))
    result, summary = collect()
    assert result.exit_code == 0, result.stderr
    assert summary["sources"][0]["new"] == 2
    posts = stored(yuqing_home)
    assert {p["url"] for p in posts} == {"http://example.cn/1", "http://example.cn/2"}
    assert posts[0]["text"] == "正文" and posts[0]["site"] == "源"
    result, summary = collect()
    assert summary["new"] == 0 and len(stored(yuqing_home)) == 2


def test_guidless_feed_dedupes_by_link_and_utm_variants(yuqing_home, http_server):
    """T17: same item twice, utm_* variants."""
    items = [("甲", "http://example.cn/a?utm_medium=x"), ("甲", "http://example.cn/a"),
             ("乙", "http://example.cn/b?utm_campaign=y&id=1"), ("乙", "http://example.cn/b?id=1")]
    http_server.route("/f", rss(items, guid=False))
    add_source(http_server.url("/f"))
    collect()
    assert sorted(p["url"] for p in stored(yuqing_home)) == ["http://example.cn/a",
                                                             "http://example.cn/b?id=1"]


@pytest.mark.slow
def test_one_hanging_source_fails_by_deadline_others_stored(yuqing_home, http_server):
    """T01: the server accepts and never answers; exit 1 (partial)."""
    http_server.handler("/hang", never_answer)
    http_server.route("/ok", rss([("好的", "http://example.cn/ok")]))
    add_source(http_server.url("/hang"), "挂起")
    add_source(http_server.url("/ok"), "正常")
    result, summary = collect("--timeout", "2")
    assert result.exit_code == 1
    by_name = {s["name"]: s for s in summary["sources"]}
    assert by_name["挂起"]["status"] == "failed" and by_name["挂起"]["reason"] == "超时"
    assert by_name["正常"]["new"] == 1
    assert state(yuqing_home, "挂起")["consecutive_failures"] == 1


def test_endless_body_stores_nothing_partial(yuqing_home, http_server):
    """T03: an endless chunked body is cut at the cap; nothing of it is stored."""
    http_server.handler("/endless", endless_chunked(b"<item><title>x</title></item>" * 1000))
    add_source(http_server.url("/endless"))
    result, summary = collect()
    assert summary["sources"][0]["reason"] == "内容过大"
    assert stored(yuqing_home) == []


def test_conditional_get_and_body_hash_skip(yuqing_home, http_server):
    """T10: ETag → 304; a server resending the same body is skipped by hash; new body stored."""
    http_server.route("/etag", rss([("一", "http://example.cn/1")]), etag='"v1"')
    add_source(http_server.url("/etag"), "有ETag")
    http_server.route("/same", rss([("二", "http://example.cn/2")]))
    add_source(http_server.url("/same"), "无ETag")
    collect()
    result, summary = collect()
    statuses = {s["name"]: s["status"] for s in summary["sources"]}
    assert statuses == {"有ETag": "unchanged", "无ETag": "unchanged"}
    assert http_server.requests[-2].headers.get("if-none-match") == '"v1"' or \
        http_server.requests[-1].headers.get("if-none-match") == '"v1"'
    http_server.route("/etag", rss([("一", "http://example.cn/1"), ("三", "http://example.cn/3")]),
                      etag='"v1"')
    http_server.route("/same", rss([("二", "http://example.cn/2"), ("四", "http://example.cn/4")]))
    result, summary = collect()
    assert {s["name"]: s["new"] for s in summary["sources"]}["无ETag"] == 1


def test_retry_after_is_honoured_per_host(yuqing_home, http_server):
    """T05: 429 with Retry-After → later runs skip that host until the time passes."""
    http_server.route("/limited", b"", status=429, headers={"Retry-After": "120"})
    add_source(http_server.url("/limited"), "限流")
    result, summary = collect()
    assert summary["sources"][0]["reason"] == "限流"
    hits = http_server.hits("/limited")
    http_server.route("/other", rss([("一", "http://example.cn/1")]))
    add_source(http_server.url("/other"), "同站另一个")
    result = run("collect", "--json")
    summary = json.loads(result.stdout)
    statuses = {s["name"]: s["status"] for s in summary["sources"]}
    assert statuses == {"限流": "backoff", "同站另一个": "skipped"}  # the failed one is still failing
    assert http_server.hits("/limited") == hits and http_server.hits("/other") == 0  # nothing sent while waiting
    assert result.exit_code == 1


def test_failure_count_then_recovery(yuqing_home, http_server):
    """T06: 503 ×3 then 200 → consecutive failures 1, 2, 3, 0."""
    http_server.sequence("/flaky", [{"status": 503, "body": b""}] * 3 + [
        {"body": rss([("恢复", "http://example.cn/r")])}])
    add_source(http_server.url("/flaky"), "不稳定")
    counts = []
    for _ in range(4):
        collect()
        counts.append(state(yuqing_home, "不稳定")["consecutive_failures"])
    assert counts == [1, 2, 3, 0]


def test_404_backs_off_but_stays_enabled_and_410_disables(yuqing_home, http_server):
    """T07."""
    http_server.route("/missing", b"nope", status=404)
    http_server.route("/gone", b"", status=410)
    add_source(http_server.url("/missing"), "404")
    add_source(http_server.url("/gone"), "410")
    delays = []
    for _ in range(5):
        collect()
        s = state(yuqing_home, "404")
        delays.append((s["next_attempt_at"], s["last_attempt_at"]))
    assert state(yuqing_home, "404")["consecutive_failures"] == 5
    assert state(yuqing_home, "404")["last_reason"] == "HTTP 404"
    listed = json.loads(run("source", "list", "--json").stdout)
    by_name = {s["name"]: s for s in listed}
    assert by_name["404"]["enabled"] and by_name["404"]["status"].startswith("失败")
    assert by_name["410"]["status"] == "已停用(410)"
    hits = http_server.hits("/gone")
    result, summary = collect()
    gone = next(s for s in summary["sources"] if s["name"] == "410")
    assert gone["status"] == "gone" and "410" in gone["message"]
    assert result.exit_code == 1  # an enabled source that answers 410 is failing until the officer acts
    assert http_server.hits("/gone") == hits
    assert run("source", "enable", "410").exit_code == 0
    assert state(yuqing_home, "410")["gone"] == 0


def test_backoff_grows_and_is_capped():
    from datetime import timedelta

    from yuqing.collect import backoff_delay
    assert [backoff_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=10), timedelta(minutes=20),
                                                     timedelta(minutes=40)]
    assert backoff_delay(50) == timedelta(hours=24)


def test_301_moves_the_stored_url_302_does_not(yuqing_home, http_server):
    """T08."""
    http_server.route("/new", rss([("搬家", "http://example.cn/moved")]))
    http_server.redirect("/old", http_server.url("/new"), status=301)
    http_server.route("/tmp-target", rss([("临时", "http://example.cn/tmp")]))
    http_server.redirect("/tmp", http_server.url("/tmp-target"), status=302)
    add_source(http_server.url("/old"), "永久")
    add_source(http_server.url("/tmp"), "临时")
    collect()
    assert state(yuqing_home, "永久")["url"] == http_server.url("/new")
    assert state(yuqing_home, "临时").get("url") in (None, "")
    collect()
    assert http_server.hits("/old") == 1 and http_server.hits("/tmp") == 2


def test_gbk_labelled_utf8_is_stored_exactly(yuqing_home, http_server):
    """T11/T12 through the whole collector."""
    title = "镕喆𠮷：清河县食品安全通报"
    body = rss([(title, "http://example.cn/gbk")], encoding="utf-8").encode("gb18030")
    http_server.route("/gbk", body, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    body2 = rss([(title, "http://example.cn/gb2312")], encoding="gb2312").encode("gb18030")
    http_server.route("/gb2312", body2, headers={"Content-Type": "text/xml"})
    add_source(http_server.url("/gbk"), "错标")
    add_source(http_server.url("/gb2312"), "声明gb2312")
    collect()
    titles = [p["title"] for p in stored(yuqing_home)]
    assert titles == [title, title]
    assert not any("\ufffd" in t or any("\u00c0" <= ch <= "\u00ff" for ch in t) for t in titles)


@pytest.mark.parametrize("body, content_type", [
    (b"", "application/rss+xml"),
    (b"<html><body><form><input type=password name=pw></form></body></html>", "text/html"),
    (b'{"hello": "world"}', "application/json"),
    (b"\x00\x01\x02 binary junk", "application/octet-stream"),
])
def test_not_a_feed_fails_clearly_and_keeps_earlier_rows(yuqing_home, http_server, body, content_type):
    """T14."""
    http_server.route("/f", rss([("旧条目", "http://example.cn/old")]))
    add_source(http_server.url("/f"))
    collect()
    http_server.route("/f", body, headers={"Content-Type": content_type})
    result, summary = collect()
    assert result.exit_code == 1
    assert summary["sources"][0]["reason"] == "不是有效的订阅源"
    assert [p["title"] for p in stored(yuqing_home)] == ["旧条目"]


def test_truncated_feed_salvages_items(yuqing_home, http_server):
    """T14: a feed cut mid-way still gives the items before the cut."""
    full = rss([("完整一", "http://example.cn/1"), ("完整二", "http://example.cn/2")])
    http_server.route("/cut", full[: full.index("完整二") - 30])
    add_source(http_server.url("/cut"))
    result, summary = collect()
    assert [p["title"] for p in stored(yuqing_home)] == ["完整一"]


@pytest.mark.slow
def test_xml_bomb_and_external_dtd_not_expanded(yuqing_home, http_server):
    """T15."""
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
                      for i in range(9))
            + f'<!ENTITY ext SYSTEM "{http_server.url("/dtd")}">]>'
            '<rss version="2.0"><channel><title>t</title><item><title>&lol8;&ext;</title>'
            '<link>http://example.cn/bomb</link></item></channel></rss>')
    http_server.route("/bomb", bomb)
    add_source(http_server.url("/bomb"))
    collect()
    assert http_server.hits("/dtd") == 0
    for post in stored(yuqing_home):
        assert len(post["title"]) < 10_000


def test_forum_source_end_to_end_with_bump(yuqing_home, http_server):
    """A thread bumped back to the top is the same post with a new observation."""
    from forum_fixtures import discuz_page

    http_server.route("/forum", discuz_page([(101, "路灯坏了", 10, 100), (102, "食堂饭菜变质", 50, 900)]).encode("gbk"),
                      headers={"Content-Type": "text/html"})
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    result, summary = collect()
    assert result.exit_code == 0, result.stderr
    assert summary["sources"][0]["new"] == 2
    http_server.route("/forum", discuz_page([(102, "食堂饭菜变质", 120, 1500), (101, "路灯坏了", 10, 100)]).encode("gbk"),
                      headers={"Content-Type": "text/html"})
    result, summary = collect()
    assert summary["sources"][0]["new"] == 0 and summary["sources"][0]["seen"] == 2
    posts = {p["title"]: p for p in stored(yuqing_home)}
    assert posts["食堂饭菜变质"]["clicks"] == 1500 and posts["食堂饭菜变质"]["comments"] == 120
    with Store(yuqing_home / "yuqing.db") as store:
        history = store.observations(posts["食堂饭菜变质"]["id"])
    assert [(o["clicks"], o["comments"]) for o in history] == [(900, 50), (1500, 120)]


def test_forum_selectors_broken_and_login_page_are_failures(yuqing_home, http_server):
    from forum_fixtures import discuz_page

    http_server.route("/forum", discuz_page([(1, "一", 1, 1)]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz")
    collect()
    http_server.route("/forum", "<html><body><div class='new-layout'>改版了</div></body></html>")
    result, summary = collect()
    assert summary["sources"][0]["reason"] == "选择器失效" and result.exit_code == 1
    http_server.route("/forum", "<html><body>您需要登录后才可以浏览<form><input type='password'></form></body></html>")
    result, summary = collect()
    assert summary["sources"][0]["reason"] == "需要登录"
    assert len(stored(yuqing_home)) == 1


def test_cookie_file_is_sent_and_reread_every_run(yuqing_home, http_server):
    from forum_fixtures import discuz_page

    http_server.route("/forum", discuz_page([(1, "一", 1, 1)]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz",
               "--cookie-file", "cookies/bbs.txt")
    result, summary = collect()
    assert summary["sources"][0]["reason"] == "Cookie 文件缺失"
    (yuqing_home / "cookies").mkdir()
    (yuqing_home / "cookies" / "bbs.txt").write_text("auth=old; sid=1\n", encoding="utf-8")
    collect()
    assert "auth=old" in http_server.requests[-1].headers["cookie"]
    (yuqing_home / "cookies" / "bbs.txt").write_text(
        "# Netscape HTTP Cookie File\n.127.0.0.1\tTRUE\t/\tFALSE\t0\tauth\tnew\n", encoding="utf-8")
    collect()
    assert "auth=new" in http_server.requests[-1].headers["cookie"]


def test_second_collect_while_one_runs_exits_at_once(yuqing_home, http_server):
    """T18 (lock part): the second run exits with code 4; a dead holder's lock is taken over."""
    import subprocess
    import sys
    import time

    from yuqing.store.lock import run_lock
    http_server.route("/f", rss([("一", "http://example.cn/1")]))
    add_source(http_server.url("/f"))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time; from pathlib import Path; from yuqing.store.lock import run_lock\n"
         "with run_lock(Path(sys.argv[1])):\n print('held', flush=True); time.sleep(30)", str(yuqing_home)],
        stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"held"
    started = time.monotonic()
    busy = run("collect")
    assert busy.exit_code == 4 and "另一个 yuqing 任务正在运行" in busy.stderr
    assert time.monotonic() - started < 5
    holder.kill()
    holder.wait()
    with run_lock(yuqing_home):  # the kernel released the dead process's lock
        pass
    assert run("collect").exit_code == 0
