"""Collection writes several sources in one transaction: each source's writes are still whole
or absent, a source that fails mid-write takes nothing else with it, the write lock is not
held for slow sources, and parsing in the pool gives what parsing in-process gives."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest
from helpers import run
from test_collect import add_source, collect, rss, state, stored

import yuqing.collect
from yuqing.events.workers import cores
from yuqing.store import Store


def _feed_url(http_server, name: str) -> str:
    return http_server.url(f"/{name.encode().hex()}.xml")


def _serve(http_server, names: list[str], items: int = 5, delay: float = 0.0) -> None:
    for name in names:
        entries = [(f"{name}县第{i}条新闻", f"http://example.cn/{name}/{i}") for i in range(items)]
        http_server.route(f"/{name.encode().hex()}.xml", rss(entries), delay=delay)
        add_source(_feed_url(http_server, name), name)


def test_a_source_failing_mid_write_is_undone_alone(yuqing_home, http_server, monkeypatch):
    _serve(http_server, ["甲", "乙", "丙"])
    real_save = Store.save_items

    def save_then_fail(self, **kwargs):
        counts = real_save(self, **kwargs)  # its posts, sightings and search rows are written
        if kwargs["source"] == "乙":
            raise RuntimeError("a bug after the writes")
        return counts

    monkeypatch.setattr(Store, "save_items", save_then_fail)
    result, summary = collect()
    assert result.exit_code == 1
    assert {s["name"]: s["status"] for s in summary["sources"]} == {"甲": "ok", "乙": "failed", "丙": "ok"}
    assert sorted({p["source"] for p in stored(yuqing_home)}) == ["丙", "甲"]
    assert len(stored(yuqing_home)) == 10
    with Store(yuqing_home / "yuqing.db") as store:
        assert store.count_posts("乙") == 0  # no sightings left behind
        assert store.search_posts("乙县", []) == []  # nor search rows
        assert len(store.search_posts("甲县", [])) == 5
    failed = state(yuqing_home, "乙")
    assert failed["consecutive_failures"] == 1 and failed["etag"] is None and failed["last_success_at"] is None
    monkeypatch.setattr(Store, "save_items", real_save)
    result, summary = collect()  # the next run takes it in whole
    assert result.exit_code == 0 and summary["new"] == 5 and len(stored(yuqing_home, "乙")) == 5


def _snapshot(home) -> list[tuple]:
    with Store(home / "yuqing.db") as store:
        posts = sorted((p["source"], p["url"], p["guid"], p["title"], p["text"], p["published_at"])
                       for p in store.iter_posts())
        found = sorted(p["url"] for p in store.search_posts("县第", []))
    return [*posts, tuple(found)]


@pytest.mark.slow
@pytest.mark.skipif(cores() < 2, reason="the parse pool needs two cores")
def test_parsing_in_the_pool_stores_what_parsing_here_stores(tmp_path, http_server, monkeypatch):
    names = [f"源{n}" for n in range(yuqing.collect.POOL_THRESHOLD + 1)]
    pools = []
    real_pool = yuqing.collect._parse_pool

    def noting_pool(count):
        pools.append(real_pool(count))
        return pools[-1]

    monkeypatch.setattr(yuqing.collect, "_parse_pool", noting_pool)
    homes = {}
    for after in (yuqing.collect.POOL_AFTER_BYTES, 0):  # in-process, then every body in the pool
        monkeypatch.setattr(yuqing.collect, "POOL_AFTER_BYTES", after)
        homes[after] = tmp_path / f"home-{after}"
        monkeypatch.setenv("YUQING_HOME", str(homes[after]))
        if after:
            _serve(http_server, names)
        else:
            for name in names:
                add_source(_feed_url(http_server, name), name)
        result, summary = collect()
        assert result.exit_code == 0 and summary["new"] == 5 * len(names)
    assert len(pools) == 1 and pools[0] is not None  # only the second run started the pool
    assert _snapshot(homes[0]) == _snapshot(homes[yuqing.collect.POOL_AFTER_BYTES])


@pytest.mark.slow
def test_finished_sources_are_committed_while_a_slow_one_is_out(tmp_path, http_server):
    """The write lock is not held for a source still downloading: what is stored is
    committed within about BATCH_SECONDS, and another writer gets in meanwhile."""
    home = tmp_path / "home"
    env = dict(os.environ, YUQING_HOME=str(home))
    os.environ["YUQING_HOME"] = str(home)
    try:
        _serve(http_server, [f"快{n}" for n in range(6)])
        _serve(http_server, ["慢"], delay=6.0)
    finally:
        del os.environ["YUQING_HOME"]
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "collect", "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 5.0
        count = 0
        while time.monotonic() < deadline and count < 30:
            time.sleep(0.2)
            if (home / "yuqing.db").exists():
                conn = sqlite3.connect(home / "yuqing.db", timeout=1.0)
                try:
                    count = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
                except sqlite3.OperationalError:  # the first migration is still running
                    count = 0
                finally:
                    conn.close()
        assert count == 30 and proc.poll() is None  # the fast ones are in, the slow one is out
        conn = sqlite3.connect(home / "yuqing.db", timeout=1.0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")  # another writer is not kept waiting
            conn.execute("ROLLBACK")
        finally:
            conn.close()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert run("status").exit_code == 0
    with Store(home / "yuqing.db") as store:
        assert store.count_posts() == 35
