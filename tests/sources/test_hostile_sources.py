"""One bad source or item never stops the others; redirects never lead inside (issue 11)."""

from __future__ import annotations

import json
import socket

import pytest
from helpers import run
from server import ScriptedServer

from yuqing.store import Store

GOOD_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>县融媒体中心</title>
<item><title>县城供水管网改造今日开工</title><link>http://news.example.cn/a/1.html</link>
<guid>n-1</guid><description>县住建局通报，工程今日开工。</description></item>
</channel></rss>"""


def _rss_route(server, path: str = "/feed.xml", body: str = GOOD_FEED) -> str:
    server.route(path, body, headers={"content-type": "application/rss+xml"})
    return server.url(path)


def _add(url: str, name: str, *extra: str) -> None:
    result = run("source", "add", url, "--kind", "rss", "--name", name, *extra)
    assert result.exit_code == 0, result.stderr


def _posts(home, source=None) -> list[dict]:
    with Store(home / "yuqing.db") as store:
        return list(store.iter_posts(source=source))


def _state(home, name) -> dict:
    with Store(home / "yuqing.db") as store:
        return store.source_state(name)


def test_a_malformed_url_is_refused_when_added_and_when_read(yuqing_home, http_server):
    result = run("source", "add", "http://[::1", "--kind", "rss", "--name", "坏地址")
    assert result.exit_code == 2
    assert "坏地址" in result.stderr and "不是有效的网址" in result.stderr
    _add(_rss_route(http_server), "县融媒体")
    with open(yuqing_home / "sources.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[[sources]]\nname = "手写的坏源"\nkind = "rss"\nurl = "http://[::1"\n')
    result = run("run")
    assert result.exit_code == 2
    assert "手写的坏源" in result.stderr and "Traceback" not in result.stderr


def test_a_source_whose_parse_crashes_fails_alone(yuqing_home, http_server):
    http_server.route("/board", "<html><body><div class='t'>帖子</div></body></html>",
                      headers={"content-type": "text/html; charset=utf-8"})
    _add(_rss_route(http_server), "县融媒体")
    with open(yuqing_home / "sources.toml", "a", encoding="utf-8") as handle:
        handle.write(f'\n[[sources]]\nname = "选择器写错的论坛"\nkind = "forum"\npreset = "generic"\n'
                     f'url = "{http_server.url("/board")}"\n[sources.selectors]\nrow = "div[[["\ntitle = "a"\n')
    result = run("run", "--json")
    assert result.exit_code == 1, result.stderr
    summary = json.loads(result.stdout)
    by_name = {s["name"]: s for s in summary["sources"]}
    assert by_name["县融媒体"]["status"] == "ok" and by_name["县融媒体"]["new"] == 1
    assert by_name["选择器写错的论坛"]["status"] == "failed"
    assert "Traceback" not in result.stderr
    assert len(_posts(yuqing_home)) == 1


def test_json_feed_items_with_surrogates_nul_or_bad_shapes_keep_the_good_ones(yuqing_home, http_server):
    # Written by hand: a lone surrogate is legal JSON text but not encodable UTF-8.
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": ['
        '{"id": "1", "url": "http://news.example.cn/1", "title": "\\udc00县城停水通知", "content_text": "正文"},'
        '{"id": "2", "url": "http://news.example.cn/2", "title": "路灯\\u0000不亮", "content_text": "夜里\\u0007黑"},'
        '{"id": "3", "url": "http://news.example.cn/3", "title": "坏作者", "authors": 5},'
        '{"id": "4", "url": "http://[::1", "title": "坏链接"},'
        '{"id": "5", "url": "http://news.example.cn/5", "title": "正常的帖子", "content_text": "正常"}'
        "]}"
    )
    http_server.route("/feed.json", body.encode(), headers={"content-type": "application/feed+json"})
    _add(http_server.url("/feed.json"), "县政务号")
    result = run("run", "--json")
    assert result.exit_code == 0, result.stderr
    titles = sorted(p["title"] for p in _posts(yuqing_home))
    assert titles == ["坏链接", "正常的帖子", "路灯不亮", "\ufffd县城停水通知"]
    assert all("\x00" not in p["text"] and "\x07" not in p["text"] for p in _posts(yuqing_home))
    assert run("search", "停水").exit_code == 0


def test_guidless_items_that_differ_only_by_fragment_stay_apart(yuqing_home, http_server):
    entries = "\n".join(
        f"<item><title>值班日志第{i}条</title><link>http://blog.example.cn/archive.html#entry-{i}</link>"
        f"<description>第{i}条的内容。</description></item>" for i in range(15)
    )
    feed = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>博客</title>{entries}</channel></rss>'
    _add(_rss_route(http_server, "/blog.xml", feed), "个人博客")
    assert run("run").exit_code == 0
    posts = _posts(yuqing_home)
    assert len(posts) == 15
    assert {p["url"] for p in posts} == {f"http://blog.example.cn/archive.html#entry-{i}" for i in range(15)}
    assert run("collect", "--force").exit_code == 0
    assert len(_posts(yuqing_home)) == 15


def test_a_tracking_fragment_on_a_single_link_is_still_dropped(yuqing_home, http_server):
    feed = GOOD_FEED.replace("<guid>n-1</guid>", "").replace("1.html", "1.html?utm_source=rss#comments")
    _add(_rss_route(http_server, "/f.xml", feed), "县融媒体")
    assert run("run").exit_code == 0
    assert [p["url"] for p in _posts(yuqing_home)] == ["http://news.example.cn/a/1.html"]


def test_a_redirect_to_cloud_metadata_is_refused_and_shown_in_health(yuqing_home, http_server):
    http_server.redirect("/feed.xml", "http://169.254.169.254/latest/meta-data/", status=302)
    _add(http_server.url("/feed.xml"), "被劫持的源")
    _add(_rss_route(http_server, "/ok.xml"), "县融媒体")
    result = run("run", "--json")
    assert result.exit_code == 1
    state = _state(yuqing_home, "被劫持的源")
    assert state["last_reason"] == "重定向到内网"
    assert "169.254.169.254" in state["last_error"] and "allow_private" in state["last_error"]
    assert _posts(yuqing_home, "被劫持的源") == [] and len(_posts(yuqing_home, "县融媒体")) == 1
    listed = json.loads(run("source", "list", "--json").stdout)
    assert "重定向到内网" in json.dumps(listed, ensure_ascii=False)


def _outward_address() -> str | None:
    """This machine's own non-loopback address, if it has one (a stand-in for an intranet host)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_a_redirect_into_another_kind_of_address_needs_allow_private(yuqing_home, http_server):
    address = _outward_address()
    if address is None:
        pytest.skip("本机没有非回环地址")
    inner = ScriptedServer(host=address)
    inner.start()
    try:
        _rss_route(inner, "/intranet.xml")
        http_server.redirect("/moved.xml", inner.url("/intranet.xml"), status=302)
        _add(http_server.url("/moved.xml"), "跳到内网")
        assert run("run").exit_code == 1
        assert _state(yuqing_home, "跳到内网")["last_reason"] == "重定向到内网"
        assert inner.hits("/intranet.xml") == 0  # refused before any byte went there
        text = (yuqing_home / "sources.toml").read_text(encoding="utf-8")
        (yuqing_home / "sources.toml").write_text(
            text.replace('name = "跳到内网"', 'name = "跳到内网"\nallow_private = true'), encoding="utf-8")
        result = run("collect", "--force")
        assert result.exit_code == 0, result.stderr
        assert len(_posts(yuqing_home, "跳到内网")) == 1
    finally:
        inner.stop()


def test_a_redirect_between_loopback_servers_still_works(yuqing_home, http_server):
    other = ScriptedServer(host="127.0.0.2")
    other.start()
    try:
        http_server.redirect("/feed.xml", _rss_route(other, "/real.xml"), status=302)
        _add(http_server.url("/feed.xml"), "本机测试源")
        assert run("run").exit_code == 0
        assert len(_posts(yuqing_home)) == 1
    finally:
        other.stop()


def test_a_host_name_is_judged_by_the_address_it_resolves_to(yuqing_home, http_server):
    address = _outward_address()
    if address is None:
        pytest.skip("本机没有非回环地址")
    intranet = ScriptedServer(host=address)
    intranet.start()
    try:
        # An intranet source on purpose; its redirect to "localhost" lands on this machine.
        intranet.redirect("/feed.xml", f"http://localhost:{http_server.port}/local.xml", status=302)
        _rss_route(http_server, "/local.xml")
        _add(intranet.url("/feed.xml"), "内网源")
        assert run("run").exit_code == 1
        state = _state(yuqing_home, "内网源")
        assert state["last_reason"] == "重定向到内网" and "本机地址" in state["last_error"]
        assert http_server.hits("/local.xml") == 0
    finally:
        intranet.stop()
