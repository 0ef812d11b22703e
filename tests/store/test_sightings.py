"""One article, one post: the same normalised URL through two sources is one post with a
sighting from each, never two posts, two events or two notices (issue 13, item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import run
from test_collect import add_source, rss

from yuqing.models import Item
from yuqing.store import Store


def save(store, items, *, source, site="站", mainstream=False, seen_at="2026-11-27T01:00:00+00:00"):
    with store.write():
        return store.save_items(source=source, channel="rss", site=site, mainstream=mainstream,
                                items=items, seen_at=seen_at)


def test_same_url_from_two_sources_is_one_post_with_two_sightings(tmp_path):
    store = Store(tmp_path / "y.db")
    first = save(store, [Item(url="http://portal.cn/a/1.html", title="一", guid="agg-77", clicks=5)],
                 source="聚合", site="聚合站")
    second = save(store, [Item(url="http://portal.cn/a/1.html", title="一", guid="http://portal.cn/a/1.html")],
                  source="门户", site="门户网", mainstream=True, seen_at="2026-11-27T02:00:00+00:00")
    assert (first.new, second.new, second.seen) == (1, 0, 1)
    (post,) = store.iter_posts()
    sightings = store.sightings(post["id"])
    assert [(s["source"], s["key"], s["site"]) for s in sightings] == [
        ("聚合", "guid:agg-77", "聚合站"), ("门户", "guid:http://portal.cn/a/1.html", "门户网")]
    assert (post["site"], post["last_seen_at"]) == ("门户网", "2026-11-27T02:00:00+00:00")
    assert store.count_posts("聚合") == store.count_posts("门户") == store.count_posts() == 1
    again = save(store, [Item(url="http://portal.cn/a/1.html", title="一", guid="http://portal.cn/a/1.html")],
                 source="门户", site="门户网", mainstream=True, seen_at="2026-11-27T03:00:00+00:00")
    assert (again.new, again.seen) == (0, 1)
    assert store.sightings(post["id"])[1]["last_seen_at"] == "2026-11-27T03:00:00+00:00"


def test_one_sources_two_items_and_bare_site_roots_stay_apart(tmp_path):
    store = Store(tmp_path / "y.db")
    save(store, [Item(url="http://a.cn/x", title="一", guid="g1"), Item(url="http://a.cn/x", title="二", guid="g2")],
         source="s1")
    save(store, [Item(url="http://home.cn/", title="甲", guid="h1")], source="s1")
    save(store, [Item(url="http://home.cn/", title="乙", guid="h2")], source="s2")
    assert store.count_posts() == 4


def _unmigrate(path):
    """A store as m011 left it: no sightings, duplicates allowed across sources."""
    import sqlite3

    from sqlite_utils import Database

    from yuqing.store.schema import migrations

    migrations.apply(Database(path), stop_before="m012_post_sightings")
    return sqlite3.connect(path, isolation_level=None)  # .execute, .close: what the test needs


def _unmigrate_judgments(store):
    store.conn.execute("DROP TABLE judgments")
    for column in ("stock", "base_clicks", "base_comments", "ignored"):
        store.conn.execute(f"ALTER TABLE posts DROP COLUMN {column}")
    for column in ("manual_level", "dismissed_at", "dismissed_level", "merged_into", "unmatched", "quiet"):
        store.conn.execute(f"ALTER TABLE events DROP COLUMN {column}")


def _post(conn, post_id, source, url, *, event=None, clicks=None, mainstream=0, site="站", seen="2026-11-27T01:00:00+00:00"):
    conn.execute(
        "INSERT INTO posts (id, source, channel, site, mainstream, key, url, title, text, first_seen_at,"
        " last_seen_at, clicks, event_id, analysed) VALUES (?, ?, 'rss', ?, ?, ?, ?, '清河县拆迁', '正文', ?, ?, ?, ?, 1)",
        [post_id, source, site, mainstream, f"url:{url}", url, seen, seen, clicks, event],
    )
    conn.execute("INSERT INTO post_search (rowid, grams) VALUES (?, '清河 河县')", [post_id])


def test_migration_merges_existing_duplicates_and_keeps_history(tmp_path):
    path = tmp_path / "y.db"
    store = conn = _unmigrate(path)
    for event_id in (1, 2):
        conn.execute("INSERT INTO events (id, title, first_post_id, first_seen_at, last_seen_at, posts, dirty)"
                     " VALUES (?, '清河县拆迁', ?, 't', 't', 1, 0)", [event_id, event_id])
    _post(conn, 1, "聚合", "http://portal.cn/a/1.html", event=1, clicks=10)
    _post(conn, 2, "门户", "http://portal.cn/a/1.html", event=2, clicks=30, mainstream=1, site="门户网",
          seen="2026-11-27T03:00:00+00:00")
    _post(conn, 3, "聚合", "http://portal.cn/a/2.html")
    conn.execute("INSERT INTO observations VALUES (2, '2026-11-27T03:00:00+00:00', 30, NULL)")
    conn.execute("INSERT INTO notices (notice_no, dedupe_key, kind, event_id, subject, body, roles, created_at)"
                 " VALUES ('2026-0001', 'level:2:一般', 'level', 2, 's', 'b', '[]', 't')")
    store.close()

    store = Store(path)
    assert [p["id"] for p in store.iter_posts()] == [1, 3]
    (post,) = [p for p in store.iter_posts() if p["id"] == 1]
    assert (post["clicks"], post["site"], post["last_seen_at"]) == (30, "门户网", "2026-11-27T03:00:00+00:00")
    assert [s["source"] for s in store.sightings(1)] == ["聚合", "门户"]
    assert store.observations(1) == [{"observed_at": "2026-11-27T03:00:00+00:00", "clicks": 30, "comments": None}]
    assert [e["id"] for e in store.list_events()] == [1]  # the emptied event is hidden, not deleted
    assert store.get_event(1)["dirty"] == 1 and store.get_event(2)["posts"] == 0
    assert store.conn.execute("SELECT event_id FROM notices").fetchall() == [(2,)]
    assert store.conn.execute("SELECT rowid FROM post_search WHERE post_search MATCH '清河' ORDER BY rowid"
                              ).fetchall() == [(1,), (3,)]
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


TOPIC = '\n[[topics]]\nname = "清河县"\nkeywords = ["清河"]\n'


def _two_sources_one_link(home, http_server):
    from yuqing.rules import rules_path_for

    home.mkdir(parents=True, exist_ok=True)
    (home / "rules.toml").write_text(rules_path_for(None).read_text(encoding="utf-8") + TOPIC, encoding="utf-8")
    link = "http://www.portal.cn/news/2026/1127/qinghe.html"
    http_server.route("/portal.xml", rss([("清河县城关镇老街拆迁补偿款拖欠半年", link)]))
    http_server.route("/agg.xml", rss([("清河县城关镇老街拆迁补偿款拖欠半年", link + "?utm_source=agg")], guid=False))
    add_source(http_server.url("/agg.xml"), "聚合", "rss", "--site", "聚合资讯")
    add_source(http_server.url("/portal.xml"), "门户", "rss", "--site", "门户网", "--mainstream")


def _one_post_one_event_one_notice(home):
    with Store(home / "yuqing.db") as store:
        posts = list(store.iter_posts())
        assert len(posts) == 1
        assert {s["source"] for s in store.sightings(posts[0]["id"])} == {"聚合", "门户"}
        assert len(store.list_events()) == 1
        assert store.conn.execute("SELECT count(*) FROM notices WHERE kind = 'level'").fetchone()[0] == 1
    assert len(list((home / "outbox").rglob("*.md"))) == 1


def test_two_sources_one_link_in_process(yuqing_home, http_server, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T10:00:00+08:00")
    _two_sources_one_link(yuqing_home, http_server)
    result = run("collect", "--force", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["new"] == 1
    _one_post_one_event_one_notice(yuqing_home)
    shown = run("event", "show", "1")
    assert "经 2 个信息源采集：聚合、门户" in shown.stdout
    assert json.loads(run("event", "show", "1", "--json").stdout)["posts"][0]["sources"] == ["聚合", "门户"]


@pytest.mark.slow
def test_two_sources_one_link_through_subprocess(yuqing_home, http_server):
    _two_sources_one_link(yuqing_home, http_server)
    env = {**os.environ, "YUQING_HOME": str(yuqing_home), "YUQING_NOW": "2026-11-27T10:00:00+08:00"}
    for _ in range(2):  # a second run sees both again and adds nothing
        done = subprocess.run([sys.executable, "-m", "yuqing.cli", "run"], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    _one_post_one_event_one_notice(yuqing_home)
