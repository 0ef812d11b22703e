"""Migration m018: the search index moves to a contentless FTS5 table in chunks, and posts
point at their evidence by rowid; a kill -9 in the middle loses nothing."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import zlib

import pytest
from sqlite_utils import Database

from yuqing.store import Store
from yuqing.store.schema import migrations
from yuqing.text.search import grams, match_expression, query_terms

WORDS = ["拆迁", "补偿款", "食品安全", "城管", "学校", "停水", "物业", "5G基站"]
QUERIES = ["拆迁", "补偿款", "拆迁 补偿款", "5G基站", "城管 学校", "物业"]


def old_store(path, posts: int) -> None:
    """A store as m009 left it: the FTS table holds its own copy of the grams, and posts
    point at their evidence by sha256."""
    db = Database(path)
    migrations.apply(db, stop_before="m018_contentless_search")
    conn = db.conn
    bodies = []
    for batch in range(0, posts, 100):
        body = f"<rss>第{batch}批</rss>".encode()
        sha = hashlib.sha256(body).hexdigest()
        bodies.append((sha, "http://example.cn/rss", "2026-01-01T00:00:00+00:00", len(body), zlib.compress(body)))
    conn.executemany("INSERT INTO raw_bodies (sha256, url, fetched_at, size, data) VALUES (?, ?, ?, ?, ?)", bodies)
    rows, index = [], []
    for n in range(1, posts + 1):
        title = f"{WORDS[n % len(WORDS)]}问题第{n}号"
        text = f"群众反映{WORDS[(n * 3) % len(WORDS)]}和{WORDS[(n + 1) % len(WORDS)]}的情况。"
        rows.append((n, "源", "rss", "站", f"url:http://example.cn/{n}", f"http://example.cn/{n}", title, text,
                     "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", bodies[(n - 1) // 100][0]))
        index.append((n, grams(f"{title} {text}")))
    conn.executemany("INSERT INTO posts (id, source, channel, site, key, url, title, text, first_seen_at,"
                     " last_seen_at, body_sha) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO post_search (rowid, grams) VALUES (?, ?)", index)
    conn.commit()
    db.close()


def answers(store: Store, queries=QUERIES, limit: int = 1000) -> dict[str, list[int]]:
    """What the store's search answers: every match, newest first."""
    return {q: [r["id"] for r in store.search_posts(*match_expression(query_terms(q)), limit=limit)]
            for q in queries}


def old_answers(path, queries=QUERIES, limit: int = 1000) -> dict[str, list[int]]:
    """What an index that keeps positions answers (m009's, m019's): every match, newest
    first, read straight from its table."""
    import sqlite3

    conn = sqlite3.connect(path)
    out = {}
    for q in queries:
        match, _ = match_expression(query_terms(q))
        out[q] = [r[0] for r in conn.execute(
            "SELECT rowid FROM post_search WHERE post_search MATCH ? ORDER BY rowid DESC LIMIT ?", [match, limit])]
    conn.close()
    return out


def test_an_old_store_is_converted_in_place_and_answers_as_before(tmp_path):
    path = tmp_path / "y.db"
    old_store(path, 1200)
    before = old_answers(path)
    assert all(before.values())
    with Store(path) as store:
        after = answers(store)
        tables = {r[0]: r[1] for r in store.conn.execute("SELECT name, sql FROM sqlite_master")}
        refs = {r[0] for r in store.conn.execute("SELECT DISTINCT body_sha FROM posts")}
        evidence = store.evidence(store.conn.execute("SELECT body_sha FROM posts WHERE id = 150").fetchone()[0])
    assert after == before
    assert "content = ''" in tables["post_search"] and "post_index" not in tables
    assert "post_search_content" not in tables and "search_rebuild" not in tables
    assert refs == {str(n) for n in range(1, 13)}  # twelve bodies, now by rowid
    assert evidence is not None and evidence["data"] == "<rss>第100批</rss>".encode()


def test_new_posts_are_found_and_point_at_their_evidence(tmp_path):
    from yuqing.models import Item
    from yuqing.store import Evidence

    with Store(tmp_path / "y.db") as store:
        with store.write():
            store.save_items(source="s", channel="rss", site="站", mainstream=False, seen_at="2026-01-01T00:00:00+00:00",
                             items=[Item(url="http://a.cn/1", title="拆迁补偿款", text="城管")],
                             evidence=Evidence("a" * 64, "http://a.cn/rss", "2026-01-01T00:00:00+00:00", b"<rss/>"))
            store.save_items(source="s", channel="rss", site="站", mainstream=False, seen_at="2026-01-02T00:00:00+00:00",
                             items=[Item(url="http://a.cn/1", title="拆迁补偿款", text="城管")],
                             evidence=Evidence("b" * 64, "http://a.cn/rss", "2026-01-02T00:00:00+00:00", b"<rss2/>"))
        rows = store.search_posts(*match_expression(query_terms("补偿款")))
        ref = store.conn.execute("SELECT body_sha FROM posts").fetchone()[0]
        kept = store.conn.execute("SELECT count(*) FROM raw_bodies").fetchone()[0]
        assert [r["title"] for r in rows] == ["拆迁补偿款"]
        assert store.evidence(ref)["data"] == b"<rss/>"
        assert kept == 1  # the second body brought no new post: nothing to keep it for


KILLED_CHILD = """
import sys, time
import yuqing.store.base as base
import yuqing.store.rebuild as rebuild

def report(done, last):
    print(done, flush=True)
    time.sleep(0.05)  # time for the parent to kill it part-way

rebuild.REBUILD_CHUNK = 300
base.report_rebuilds_to(report)
from yuqing.store import Store
Store(sys.argv[1]).close()
print("finished", flush=True)
"""


def kill_rebuild_after_three_chunks(path) -> list[int]:
    """Open the store at ``path`` in a child that rebuilds its index 300 posts a chunk, and
    SIGKILL it once three chunks are committed; the progress it reported."""
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(path)], stdout=subprocess.PIPE, text=True)
    progress = [int(child.stdout.readline()) for _ in range(3)]
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return progress


@pytest.mark.slow
def test_a_rebuild_killed_with_sigkill_resumes_where_it_stopped(tmp_path):
    path = tmp_path / "y.db"
    old_store(path, 6000)
    before = old_answers(path)
    assert kill_rebuild_after_three_chunks(path) == [300, 600, 900]
    import sqlite3

    conn = sqlite3.connect(path)
    done = conn.execute("SELECT done_id FROM search_rebuild").fetchone()[0]
    conn.close()
    assert 900 <= done < 6000  # stopped part-way; the committed chunks' progress is on disk
    with Store(path) as store:  # the next open resumes and finishes
        after = answers(store)
        left = store.conn.execute("SELECT name FROM sqlite_master WHERE name IN ('search_rebuild', 'post_index')")
        assert left.fetchall() == []
        hex_refs = store.conn.execute("SELECT count(*) FROM posts WHERE length(body_sha) = 64").fetchone()[0]
    assert after == before  # every post once, none lost, none twice
    assert hex_refs == 0


def test_a_post_taken_out_of_the_contentless_index_is_no_longer_found(tmp_path):
    from yuqing.models import Item
    from yuqing.store.merge import unindex_post

    with Store(tmp_path / "y.db") as store:
        with store.write():
            store.save_items(source="s", channel="rss", site="站", mainstream=False, seen_at="2026-01-01T00:00:00+00:00",
                             items=[Item(url=f"http://a.cn/{n}", title="拆迁补偿款", text=f"第{n}条") for n in (1, 2)])
        with store.write() as conn:
            unindex_post(conn, 1)
        rows = store.search_posts(*match_expression(query_terms("补偿款")))
    assert [r["id"] for r in rows] == [2]
