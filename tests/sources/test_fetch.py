"""The fetcher against a real loopback server: T01–T05, T08, T09 and the everyday paths."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import logging
import socket
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from server import (
    ScriptedServer,
    drip,
    endless_chunked,
    gzip_bomb,
    huge_content_length,
    never_answer,
    write_response,
)

from yuqing.errors import SourceError
from yuqing.sources.fetch import (
    MAX_FEED_BYTES,
    USER_AGENT,
    Fetcher,
    FetchResult,
    parse_retry_after,
    redact_url,
)

MiB = 1024 * 1024
FEED = "<?xml version='1.0'?><rss><channel><title>舆情</title></channel></rss>"


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch):
    # Loopback only: an inherited proxy setting must not carry test traffic elsewhere.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


def fetch(url: str, **kwargs) -> FetchResult:
    options = {k: kwargs.pop(k) for k in list(kwargs) if k in _FETCHER_OPTIONS}

    async def run() -> FetchResult:
        async with Fetcher(**options) as fetcher:
            return await fetcher.fetch(url, **kwargs)

    return asyncio.run(run())


_FETCHER_OPTIONS = {
    "concurrency",
    "per_host",
    "deadline",
    "connect_timeout",
    "read_timeout",
    "max_redirects",
    "transport",
}


def fetch_error(url: str, **kwargs) -> SourceError:
    with pytest.raises(SourceError) as caught:
        fetch(url, **kwargs)
    return caught.value


# ---------------------------------------------------------------------- everyday


def test_ok_headers_cookies_and_charset(http_server):
    http_server.route(
        "/feed?x=1",
        FEED,
        headers={"Content-Type": 'application/rss+xml; charset="GB2312"'},
        etag='"e1"',
        last_modified="Mon, 01 Jan 2024 00:00:00 GMT",
    )
    result = fetch(
        http_server.url("/feed?x=1"),
        headers={"Referer": "http://example.cn/", "Accept-Encoding": "br"},
        cookies={"sid": "abc", "lang": "zh"},
    )
    assert result.status == 200
    assert result.body == FEED.encode()
    assert result.url == http_server.url("/feed?x=1")
    assert result.permanent_url is None
    assert (result.etag, result.last_modified) == ('"e1"', "Mon, 01 Jan 2024 00:00:00 GMT")
    assert result.charset == "GB2312"
    assert result.headers["content-type"].startswith("application/rss+xml")
    sent = http_server.requests[0].headers
    assert sent["user-agent"] == USER_AGENT
    assert sent["accept-encoding"] == "gzip, deflate"  # never br: we inflate ourselves
    assert sent["referer"] == "http://example.cn/"
    assert sent["cookie"] == "sid=abc; lang=zh"


def test_conditional_get_returns_304(http_server):
    http_server.route("/e", FEED, etag='"v2"')
    http_server.route("/m", FEED, last_modified="Tue, 02 Jan 2024 00:00:00 GMT")
    result = fetch(http_server.url("/e"), etag='"v2"')
    assert (result.status, result.body, result.etag) == (304, b"", '"v2"')
    assert http_server.requests[-1].headers["if-none-match"] == '"v2"'
    result = fetch(http_server.url("/m"), last_modified="Tue, 02 Jan 2024 00:00:00 GMT")
    assert result.status == 304
    assert http_server.requests[-1].headers["if-modified-since"] == "Tue, 02 Jan 2024 00:00:00 GMT"
    assert fetch(http_server.url("/e"), etag='"old"').body == FEED.encode()


def test_a_304_leaves_its_connection_open_for_the_next_request(http_server):
    # An unchanged run is nearly all 304s: a new TCP connection for each cost ~1 ms of CPU.
    http_server.route("/a", FEED, etag='"a"')
    http_server.route("/b", FEED, etag='"b"')

    async def run() -> list[int]:
        async with Fetcher() as fetcher:
            return [(await fetcher.fetch(http_server.url(p), etag=e)).status
                    for p, e in (("/a", '"a"'), ("/b", '"b"'), ("/a", '"a"'))]

    assert asyncio.run(run()) == [304, 304, 304]
    assert http_server.connections == 1


def test_gzip_and_deflate_are_decoded(http_server):
    body = (FEED * 200).encode()
    http_server.route("/gz", gzip.compress(body), headers={"Content-Encoding": "gzip"})
    http_server.route("/zlib", zlib.compress(body), headers={"Content-Encoding": "deflate"})
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    http_server.route(
        "/raw", raw.compress(body) + raw.flush(), headers={"Content-Encoding": "deflate"}
    )
    http_server.route("/liar", body, headers={"Content-Encoding": "gzip"})  # not compressed
    http_server.route("/br", b"\x0b\x02\x80opaque", headers={"Content-Encoding": "br"})
    two_members = gzip.compress(body[:1000]) + gzip.compress(body[1000:])
    http_server.route("/multi", two_members, headers={"Content-Encoding": "gzip"})
    for path in ("/gz", "/zlib", "/raw", "/liar", "/multi"):
        assert fetch(http_server.url(path)).body == body, path
    assert fetch(http_server.url("/br")).body == b"\x0b\x02\x80opaque"  # passed through raw


def test_corrupt_gzip(http_server):
    broken = bytearray(gzip.compress((FEED * 100).encode()))
    broken[30:40] = b"\x00" * 10
    http_server.route("/bad", bytes(broken), headers={"Content-Encoding": "gzip"})
    assert fetch_error(http_server.url("/bad")).reason == "解压失败"


def test_http_errors(http_server):
    http_server.route("/gone", status=410)
    http_server.route("/forbidden", status=403)
    http_server.route("/oops", "boom", status=500)
    error = fetch_error(http_server.url("/missing"))
    assert (error.reason, error.status, error.gone) == ("HTTP 404", 404, False)
    assert http_server.url("/missing") in error.message
    error = fetch_error(http_server.url("/gone"))
    assert (error.reason, error.status, error.gone) == ("已删除(410)", 410, True)
    assert fetch_error(http_server.url("/forbidden")).reason == "HTTP 403"
    assert fetch_error(http_server.url("/oops")).reason == "HTTP 500"


def test_connection_refused_is_network_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = fetch_error(f"http://127.0.0.1:{port}/feed")
    assert error.reason == "网络错误"
    assert error.message.endswith("连接被拒绝")  # no English class name after a known cause


def test_reset_mid_body_is_network_error(http_server):
    async def cut(request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<rss>")
        await writer.drain()
        writer.transport.abort()

    http_server.handler("/cut", cut)
    assert fetch_error(http_server.url("/cut")).reason == "网络错误"


def test_secrets_in_urls_are_redacted_in_messages(http_server):
    url = http_server.url("/robot?access_token=SECRET1&key=SECRET2&page=2")
    error = fetch_error(url)
    assert "SECRET" not in error.message
    assert "page=2" in error.message
    assert (
        redact_url("https://u:pw@x.cn/f?api_key=k&q=舆情")
        == "https://u:***@x.cn/f?api_key=***&q=舆情"
    )


def test_httpx_does_not_log_urls_at_info():
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING


def test_mock_transport_is_accepted():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=gzip.compress(b"<rss/>"), headers={"Content-Encoding": "gzip"}
        )

    result = fetch("http://mock.invalid/feed", transport=httpx.MockTransport(answer))
    assert result.body == b"<rss/>"


# ---------------------------------------------------------------------- T01, T02: time


def test_t01_never_answers_times_out_others_succeed(http_server):
    http_server.handler("/hang", never_answer)
    http_server.route("/ok", FEED, delay=0.2)

    async def run():
        async with Fetcher(deadline=1.0) as fetcher:
            return await asyncio.gather(
                fetcher.fetch(http_server.url("/hang")),
                fetcher.fetch(http_server.url("/ok")),
                return_exceptions=True,
            )

    started = time.monotonic()
    hung, ok = asyncio.run(run())
    elapsed = time.monotonic() - started
    assert isinstance(hung, SourceError) and hung.reason == "超时"
    assert isinstance(ok, FetchResult) and ok.body == FEED.encode()
    assert 0.9 < elapsed < 2.0


def test_t02_drip_is_cut_by_the_deadline(http_server):
    # Each byte arrives well within the read timeout; only the overall deadline can stop it.
    http_server.handler("/drip", drip(FEED.encode(), 0.1))
    started = time.monotonic()
    error = fetch_error(http_server.url("/drip"), deadline=1.0, read_timeout=5.0)
    assert error.reason == "超时"
    assert time.monotonic() - started < 1.8


def test_read_timeout(http_server):
    http_server.route("/slow", FEED, delay=2)
    error = fetch_error(http_server.url("/slow"), deadline=5.0, read_timeout=0.3)
    assert error.reason == "超时" and "0.3 秒" in error.message


# ---------------------------------------------------------------------- T03, T04: size


def test_t03_huge_content_length_refused_before_reading(http_server):
    http_server.handler("/huge", huge_content_length(50_000_000))
    started = time.monotonic()
    error = fetch_error(http_server.url("/huge"))
    assert error.reason == "内容过大"
    assert "声明的长度" in error.message
    assert time.monotonic() - started < 1


def test_t03_endless_chunked_aborted_at_cap(http_server):
    http_server.handler("/endless", endless_chunked())
    error = fetch_error(http_server.url("/endless"), max_bytes=1 * MiB)
    assert error.reason == "内容过大" and "1 MiB" in error.message
    started = time.monotonic()
    error = fetch_error(http_server.url("/endless"))  # the real 15 MiB cap
    assert error.reason == "内容过大" and "15 MiB" in error.message
    assert time.monotonic() - started < 3


def test_body_at_exactly_the_cap_is_accepted(http_server):
    http_server.route("/exact", b"x" * MiB)
    http_server.route("/over", b"x" * (MiB + 1), headers={"Transfer-Encoding": "chunked"})
    assert len(fetch(http_server.url("/exact"), max_bytes=MiB).body) == MiB
    assert fetch_error(http_server.url("/over"), max_bytes=MiB).reason == "内容过大"


def test_t04_gzip_bomb_aborted_with_bounded_memory(http_server):
    http_server.handler("/bomb", gzip_bomb(200 * MiB))  # ~200 KiB on the wire
    started = time.monotonic()
    tracemalloc.start()
    try:
        error = fetch_error(http_server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.reason == "内容过大"
    assert peak < MAX_FEED_BYTES + 8 * MiB, f"peak {peak / MiB:.1f} MiB"
    assert time.monotonic() - started < 3


# ---------------------------------------------------------------------- T05: rate limits


def test_t05_retry_after_forms(http_server):
    later = datetime.now(UTC) + timedelta(seconds=300)
    http_server.route("/seconds", status=429, headers={"Retry-After": "120"})
    http_server.route(
        "/date",
        status=429,
        headers={"Retry-After": email.utils.format_datetime(later, usegmt=True)},
    )
    http_server.route("/garbage", status=429, headers={"Retry-After": "soon-ish"})
    http_server.route("/busy", status=503)
    error = fetch_error(http_server.url("/seconds"))
    assert (error.reason, error.status, error.retry_after) == ("限流", 429, 120)
    assert 290 <= fetch_error(http_server.url("/date")).retry_after <= 301
    assert fetch_error(http_server.url("/garbage")).retry_after == 600
    error = fetch_error(http_server.url("/busy"))
    assert (error.reason, error.status, error.retry_after) == ("服务不可用", 503, 600)


def test_parse_retry_after():
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120
    assert parse_retry_after(" 0 ", now=now) == 0
    assert parse_retry_after("Mon, 01 Jan 2024 12:05:00 GMT", now=now) == 300
    assert parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now=now) == 0  # past
    assert parse_retry_after("999999999", now=now) == 86400  # capped at 24 h
    assert parse_retry_after("Fri, 01 Mar 2024 00:00:00 GMT", now=now) == 86400
    for junk in (None, "", "-5", "soon", "inf", "nan", "1e3", "Mon, 99 Foo 2024"):
        assert parse_retry_after(junk, now=now) == 600, junk
    assert parse_retry_after("soon", default=30, now=now) == 30


# ---------------------------------------------------------------------- T08: redirects


def test_t08_permanent_and_temporary_redirects(http_server):
    http_server.redirect("/moved", "/new", status=301)
    http_server.redirect("/moved308", http_server.url("/new"), status=308)
    http_server.redirect("/temp", "/new", status=302)
    http_server.redirect("/mix", "/temp", status=301)  # 301 then 302
    http_server.redirect("/twice", "/moved", status=301)  # 301 then 301
    http_server.redirect("/self", "/new?utm=1", status=307)
    http_server.route("/new", FEED)
    http_server.route("/new?utm=1", FEED)
    new = http_server.url("/new")
    moved = fetch(http_server.url("/moved"))
    assert (moved.url, moved.permanent_url, moved.body) == (new, new, FEED.encode())
    assert fetch(http_server.url("/moved308")).permanent_url == new
    assert fetch(http_server.url("/twice")).permanent_url == new
    temp = fetch(http_server.url("/temp"))
    assert (temp.url, temp.permanent_url) == (new, None)
    assert fetch(http_server.url("/mix")).permanent_url is None
    assert fetch(http_server.url("/self")).permanent_url is None


def test_t08_loops_and_long_chains(http_server):
    http_server.redirect("/loop", "/loop")
    http_server.redirect("/ping", "/pong", status=302)
    http_server.redirect("/pong", "/ping", status=302)
    for i in range(6):
        http_server.redirect(f"/c{i}", f"/c{i + 1}")
    http_server.route("/c6", FEED)
    assert fetch_error(http_server.url("/loop")).reason == "重定向过多"
    assert fetch_error(http_server.url("/ping")).reason == "重定向过多"
    assert fetch_error(http_server.url("/c0")).reason == "重定向过多"  # 6 hops
    five = fetch(http_server.url("/c1"))  # 5 hops
    assert five.url == http_server.url("/c6") and five.permanent_url == five.url
    assert http_server.hits("/c6") == 1


def test_redirect_keeps_cookies_on_site_and_drops_them_elsewhere(http_server):
    other = ScriptedServer(host="127.0.0.2")
    other.start()
    try:
        other.route("/landing", FEED)
        http_server.route(
            "/set", status=302, headers={"Location": "/final", "Set-Cookie": "gate=1; Path=/"}
        )
        http_server.route("/final", FEED)
        http_server.redirect("/away", other.url("/landing"), status=302)
        fetch(http_server.url("/set"), cookies={"sid": "s"})
        assert http_server.requests[-1].headers["cookie"] == "sid=s; gate=1"
        fetch(http_server.url("/away"), cookies={"sid": "s"}, headers={"Authorization": "Bearer t"})
        landed = other.requests[-1].headers
        assert "cookie" not in landed and "authorization" not in landed
    finally:
        other.stop()


# ---------------------------------------------------------------------- T09: schemes


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/feed.xml",
        "javascript:alert(1)",
        "gopher://127.0.0.1/",
    ],
)
def test_t09_other_schemes_refused_before_io(http_server, url):
    error = fetch_error(url)
    assert error.reason == "不支持的协议"
    assert http_server.requests == []


def test_t09_redirect_to_file_refused(http_server):
    http_server.redirect("/evil", "file:///etc/passwd", status=302)
    error = fetch_error(http_server.url("/evil"))
    assert error.reason == "不支持的协议"
    assert "file:" in error.message
    assert len(http_server.requests) == 1


def test_bad_urls():
    assert fetch_error("not a url").reason == "地址无效"
    assert fetch_error("http:///nohost").reason == "地址无效"


# ---------------------------------------------------------------------- concurrency


def _counting_handler(state: dict, pause: float):
    async def handle(request, writer):
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        await asyncio.sleep(pause)
        state["now"] -= 1  # before answering: the client may send the next one at once
        await write_response(writer, 200, FEED)

    return handle


def test_per_host_limit_queues_without_eating_the_deadline(http_server):
    state = {"now": 0, "max": 0}
    for i in range(6):
        http_server.handler(f"/slow{i}", _counting_handler(state, 0.3))

    async def run():
        # 6 × 0.3 s through 2 slots is 0.9 s, longer than the 0.6 s deadline: the wait
        # in the queue must not count against a source.
        async with Fetcher(per_host=2, deadline=0.6) as fetcher:
            return await asyncio.gather(
                *(fetcher.fetch(http_server.url(f"/slow{i}")) for i in range(6))
            )

    started = time.monotonic()
    results = asyncio.run(run())
    assert [r.status for r in results] == [200] * 6
    assert state["max"] == 2
    assert 0.85 < time.monotonic() - started < 2


def test_global_limit_across_hosts(http_server):
    other = ScriptedServer(host="127.0.0.2")
    other.start()
    state = {"now": 0, "max": 0}
    other_state = {"now": 0, "max": 0}
    try:
        for i in range(4):
            http_server.handler(f"/s{i}", _counting_handler(state, 0.2))
            other.handler(f"/s{i}", _counting_handler(other_state, 0.2))
        urls = [s.url(f"/s{i}") for s in (http_server, other) for i in range(4)]
        in_flight = {"now": 0, "max": 0}

        async def one(fetcher: Fetcher, url: str) -> FetchResult:
            return await fetcher.fetch(url)

        async def run():
            async with Fetcher(concurrency=3, per_host=2) as fetcher:

                async def watch():
                    while True:
                        in_flight["max"] = max(in_flight["max"], state["now"] + other_state["now"])
                        await asyncio.sleep(0.01)

                watcher = asyncio.create_task(watch())
                try:
                    return await asyncio.gather(*(one(fetcher, u) for u in urls))
                finally:
                    watcher.cancel()

        results = asyncio.run(run())
        assert len(results) == 8
        assert state["max"] <= 2 and other_state["max"] <= 2
        assert in_flight["max"] <= 3
    finally:
        other.stop()


def test_the_client_sends_when_the_environment_names_proxies(http_server, monkeypatch):
    """Requests go to the transport directly unless proxy variables are set; then httpx's
    client, which routes by them, sends. Both ask the same and read the same."""
    http_server.redirect("/moved", "/new", status=301)
    http_server.route("/new", FEED, etag='"v1"')

    def seen(result: FetchResult) -> tuple:
        return result.status, result.url, result.permanent_url, result.body, result.etag

    direct = fetch(http_server.url("/moved"), etag='"v0"', cookies={"sid": "s"})
    monkeypatch.setenv("no_proxy", "*")  # a proxy setting that sends nothing elsewhere
    through_client = fetch(http_server.url("/moved"), etag='"v0"', cookies={"sid": "s"})
    assert seen(through_client) == seen(direct) == (200, http_server.url("/new"), http_server.url("/new"),
                                                    FEED.encode(), '"v1"')
    asked = [(r.method, r.path, sorted(r.headers.items())) for r in http_server.requests]
    assert len(asked) == 4 and asked[:2] == asked[2:]


def test_a_connection_the_server_closed_after_answering_is_not_reused_for_the_next_fetch(http_server):
    # No "Connection: close" in the answer, then the server hangs up: the idle connection
    # looks reusable; the next fetch to that host must still get its answer.
    async def answer_and_hang_up(request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")

    http_server.handler("/once", answer_and_hang_up)
    http_server.route("/next", FEED)

    async def run() -> list[bytes]:
        async with Fetcher() as fetcher:
            return [(await fetcher.fetch(http_server.url(path))).body
                    for path in ("/once", "/next", "/once", "/next")]

    assert asyncio.run(run()) == [b"first", FEED.encode()] * 2
    # /once hangs up on a new connection, then on the one /next left open: three in all.
    assert http_server.connections == 3


def test_a_header_http_cannot_carry_fails_the_source_as_a_network_error(http_server):
    http_server.route("/f", FEED)
    error = fetch_error(http_server.url("/f"), headers={"X-Token": "abc "})  # a trailing space
    assert error.reason == "网络错误"
    assert "LocalProtocolError" in error.message
    assert http_server.requests == []  # refused before anything was sent
