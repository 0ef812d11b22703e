"""T19: `kill -9` at random points of `yuqing collect`; the store stays sound and a final
run reaches exactly the state of a clean run. Plus T02/T04/T16 through the collector."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from helpers import run
from server import drip, gzip_bomb
from test_collect import add_source, rss

from yuqing.store import Store


def _serve_feeds(http_server, count: int, items: int) -> list[str]:
    urls = []
    for n in range(count):
        entries = [(f"第{n}号源的第{i}条新闻", f"http://example.cn/{n}/{i}") for i in range(items)]
        http_server.route(f"/feed/{n}", rss(entries), delay=random.uniform(0.02, 0.15))
        urls.append(http_server.url(f"/feed/{n}"))
    return urls


def _sources_toml(urls: list[str]) -> str:
    return "".join(f'[[sources]]\nname = "源{n}"\nkind = "rss"\nurl = "{url}"\n\n'
                   for n, url in enumerate(urls))


def _snapshot(db_path) -> set[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return set(conn.execute("SELECT source, key, url, title FROM posts"))
    finally:
        conn.close()


@pytest.mark.slow
def test_kill_9_at_random_points_keeps_the_store_sound(tmp_path, http_server):
    random.seed(19)
    urls = _serve_feeds(http_server, count=40, items=40)
    victim, clean = tmp_path / "victim", tmp_path / "clean"
    for home in (victim, clean):
        home.mkdir()
        (home / "sources.toml").write_text(_sources_toml(urls), encoding="utf-8")
    command = [sys.executable, "-m", "yuqing.cli", "collect", "--force", "--concurrency", "4"]
    env = dict(os.environ, YUQING_HOME=str(victim))
    kills = 0
    for _ in range(20):
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.2, 1.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
        if (victim / "yuqing.db").exists():
            conn = sqlite3.connect(victim / "yuqing.db")
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # Every source's batch is whole or absent: 0 or 40 posts, never in between. A run
            # killed while the first migration ran leaves a store without tables (each
            # migration is one transaction), which the next run completes.
            has_posts = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'posts'").fetchone()
            per_source = conn.execute("SELECT count(*) FROM posts GROUP BY source").fetchall() if has_posts else []
            conn.close()
            assert all(n == 40 for (n,) in per_source), per_source
    assert kills >= 10  # most runs were really interrupted
    final = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert final.returncode == 0, final.stderr.decode()
    reference = subprocess.run(command, env=dict(os.environ, YUQING_HOME=str(clean)),
                               capture_output=True, timeout=120)
    assert reference.returncode == 0
    assert _snapshot(victim / "yuqing.db") == _snapshot(clean / "yuqing.db")
    assert len(_snapshot(clean / "yuqing.db")) == 40 * 40


def test_drip_is_cut_and_nothing_partial_is_stored(yuqing_home, http_server):
    """T02."""
    http_server.handler("/drip", drip(rss([("慢", "http://example.cn/slow")]).encode(), 0.5))
    add_source(http_server.url("/drip"))
    started = time.monotonic()
    result = run("collect", "--json", "--timeout", "2")
    assert time.monotonic() - started < 10
    summary = json.loads(result.stdout)
    assert summary["sources"][0]["reason"] == "超时" and result.exit_code == 1
    with Store(yuqing_home / "yuqing.db") as store:
        assert store.count_posts() == 0


def test_gzip_bomb_is_refused(yuqing_home, http_server):
    """T04 through the collector: decoded size capped, nothing stored."""
    http_server.handler("/bomb", gzip_bomb(200 * 1024 * 1024))
    add_source(http_server.url("/bomb"))
    result = run("collect", "--json")
    assert json.loads(result.stdout)["sources"][0]["reason"] == "内容过大"


def test_feed_parsers_are_only_given_bytes(yuqing_home, http_server, monkeypatch):
    """T16: feedparser (RSS 1.0 goes to it) and the fast path both get bytes, never a str."""
    import feedparser

    from yuqing.sources import fastfeed

    seen = []
    real_parse, real_fromstring = feedparser.parse, fastfeed.ET.fromstring

    def checking_parse(source, *args, **kwargs):
        seen.append(("feedparser", type(source)))
        assert isinstance(source, io.BytesIO)
        return real_parse(source, *args, **kwargs)

    def checking_fromstring(data, *args, **kwargs):
        seen.append(("fast", type(data)))
        assert isinstance(data, bytes)
        return real_fromstring(data, *args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", checking_parse)
    monkeypatch.setattr(fastfeed.ET, "fromstring", checking_fromstring)
    http_server.route("/rss2", rss([("一", "http://example.cn/1")]))
    http_server.route("/rss1", RSS1)
    add_source(http_server.url("/rss2"), "二")
    add_source(http_server.url("/rss1"), "一")
    assert run("collect").exit_code == 0
    assert ("fast", bytes) in seen and ("feedparser", io.BytesIO) in seen
    with Store(yuqing_home / "yuqing.db") as store:
        assert store.count_posts() == 2


RSS1 = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="http://example.cn/"><title>RSS 1.0</title><link>http://example.cn/</link></channel>
<item rdf:about="http://example.cn/rdf1"><title>RDF 条目</title><link>http://example.cn/rdf1</link></item>
</rdf:RDF>"""
