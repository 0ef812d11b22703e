"""Migration m020 (issue 16): a search index without positions, sightings rows only for posts
several sources carried, no URL repeated in posts.key; an m019 store converted in place
answers every search, sighting and key lookup as before, and a kill -9 loses nothing."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database
from test_search_rebuild import answers as store_answers
from test_search_rebuild import old_answers, old_store

from yuqing.models import Item
from yuqing.store import Store
from yuqing.store.schema import migrations
from yuqing.text.search import grams, match_expression, query_terms

WORDS = ["拆迁", "补偿款", "食品安全", "城管", "学校", "停水", "物业", "5G基站", "补偿", "款项"]
QUERIES = ["拆迁", "补偿款", "拆迁 补偿款", "5G基站", "城管 学校", "物业", "食品安全", "补偿", "偿款", "全城"]
SEEN = "2026-01-0{}T00:00:00+00:00"


def m019_store(path, posts: int) -> None:
    """A store as m019 left it: a contentless index with positions, a sightings row for every
    post (post 2 carried by a second source too), posts.key spelling out the URL."""
    db = Database(path)
    migrations.apply(db, stop_before="m020_lean_store")
    conn = db.conn
    conn.execute("DROP TABLE post_search")  # what m018's rebuild finished with
    conn.execute("ALTER TABLE post_index RENAME TO post_search")
    conn.execute("DROP TABLE search_rebuild")
    rows, index, sightings = [], [], []
    for n in range(1, posts + 1):
        title = f"{WORDS[n % len(WORDS)]}问题第{n}号"
        # 补偿 and 款项 together without 补偿款: found for 补偿, not for 补偿款
        text = f"群众反映{WORDS[(n * 3) % len(WORDS)]}和{WORDS[(n + 1) % len(WORDS)]}的情况。"
        source = f"源{n % 3}"
        key, url = (f"guid:g{n}", f"http://example.cn/{n}") if n % 5 == 0 else (f"url:http://example.cn/{n}", "")
        url = url or key[4:]
        seen = SEEN.format(1 + n % 3)
        rows.append((n, source, "rss", f"站{n % 3}", key, url, f"g{n}" if n % 5 == 0 else None, title, text,
                     seen, seen))
        index.append((n, grams(f"{title} {text}")))
        sightings.append((n, source, key, f"站{n % 3}", 0, seen, seen))
    sightings.append((2, "门户", "url:http://example.cn/2", "门户网", 1, SEEN.format(5), SEEN.format(6)))
    conn.executemany("INSERT INTO posts (id, source, channel, site, key, url, guid, title, text, first_seen_at,"
                     " last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("UPDATE posts SET site = '门户网', mainstream = 1, last_seen_at = ? WHERE id = 2", [SEEN.format(6)])
    conn.executemany("INSERT INTO sightings (post_id, source, key, site, mainstream, first_seen_at, last_seen_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", sightings)
    conn.executemany("INSERT INTO post_search (rowid, grams) VALUES (?, ?)", index)
    conn.commit()
    db.close()


def phrase_answers(path) -> dict[str, list[int]]:
    """What an index with positions answers (the m019 table)."""
    return old_answers(path, QUERIES, limit=5000)


def answers(store: Store) -> dict[str, list[int]]:
    return store_answers(store, QUERIES, limit=5000)


def what_sightings_show(store: Store, posts: int) -> dict:
    keys = {f"源{s}": [f"guid:g{n}" if n % 5 == 0 else f"url:http://example.cn/{n}" for n in range(1, posts + 1)]
            for s in range(3)}
    return {
        "sightings": {n: store.sightings(n) for n in range(1, posts + 1)},
        "counts": {s: store.count_posts(s) for s in (*keys, "门户")},
        "ids": {s: store.post_ids(s, k) for s, k in keys.items()},
        "portal": store.post_ids("门户", ["url:http://example.cn/2"]),
        "by_source": sorted(p["id"] for p in store.iter_posts(source="门户")),
    }


def m019_sightings(path, posts: int) -> dict:
    """The same read straight from the m019 tables (every sighting a row)."""
    conn = sqlite3.connect(path)
    cols = ("source", "key", "site", "mainstream", "first_seen_at", "last_seen_at")
    out = {
        "sightings": {n: [dict(zip(cols, r, strict=True)) for r in conn.execute(
            f"SELECT {', '.join(cols)} FROM sightings WHERE post_id = ? ORDER BY first_seen_at, rowid", [n])]
            for n in range(1, posts + 1)},
        "counts": dict(conn.execute("SELECT source, count(*) FROM sightings GROUP BY source")),
        "ids": {}, "portal": {"url:http://example.cn/2": 2}, "by_source": [2],
    }
    for source, key, post_id in conn.execute("SELECT source, key, post_id FROM sightings WHERE source != '门户'"):
        out["ids"].setdefault(source, {})[key] = post_id
    conn.close()
    return out


def test_an_m019_store_is_converted_in_place_and_answers_as_before(tmp_path):
    path = tmp_path / "y.db"
    m019_store(path, 900)
    before, shown = phrase_answers(path), m019_sightings(path, 900)
    assert all(before[q] for q in QUERIES if q != "全城") and before["补偿"] != before["补偿款"]
    with Store(path) as store:
        assert answers(store) == before
        assert what_sightings_show(store, 900) == shown
        search_sql = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'post_search'").fetchone()[0]
        rows = store.conn.execute("SELECT post_id, source FROM sightings ORDER BY rowid").fetchall()
        keys = dict(store.conn.execute("SELECT id, key FROM posts WHERE id IN (1, 5)"))
        left = store.conn.execute("SELECT name FROM sqlite_master WHERE name IN ('search_rebuild', 'post_index')")
        assert left.fetchall() == []
    assert "detail = none" in search_sql
    assert rows == [(2, "源2"), (2, "门户")]  # only the post two sources carried keeps rows
    assert keys == {1: None, 5: "guid:g5"}  # the URL is not repeated; a guid is the key


def test_one_source_posts_have_no_sightings_rows_until_a_second_source_carries_them(tmp_path):
    with Store(tmp_path / "y.db") as store:
        for source, site, mainstream, seen in (("聚合", "聚合站", False, 1), ("聚合", "聚合站", False, 2),
                                               ("门户", "门户网", True, 3)):
            with store.write():
                store.save_items(source=source, channel="rss", site=site, mainstream=mainstream,
                                 seen_at=SEEN.format(seen),
                                 items=[Item(url="http://portal.cn/a/1.html", title="县城停水", text="物业")])
            if seen == 2:
                assert store.conn.execute("SELECT count(*) FROM sightings").fetchone() == (0,)
                assert [(s["source"], s["last_seen_at"]) for s in store.sightings(1)] == [("聚合", SEEN.format(2))]
        shown = [(s["source"], s["key"], s["site"], s["mainstream"], s["first_seen_at"], s["last_seen_at"])
                 for s in store.sightings(1)]
        post = store.conn.execute("SELECT key, site, last_seen_at FROM posts").fetchone()
    # The aggregator's sighting keeps its own site and times; the post names the portal.
    assert shown == [("聚合", "url:http://portal.cn/a/1.html", "聚合站", 0, SEEN.format(1), SEEN.format(2)),
                     ("门户", "url:http://portal.cn/a/1.html", "门户网", 1, SEEN.format(3), SEEN.format(3))]
    assert post == (None, "门户网", SEEN.format(3))


def test_phrases_match_as_an_index_with_positions_would(tmp_path):
    """The index without positions, checked on the candidates, against FTS5's own phrase
    matching over the same grams (detail=full), on texts where the bigrams of a word occur
    apart, across a line break or two CJK runs (便民 民热线: a phrase match, though not the
    characters 便民热线), in Latin and mixed."""
    texts = ["补偿款到位", "补偿，款项", "偿款补偿", "补偿\n款", "5G 基站", "5G基站建设", "基站5G", "iPhone15手机",
             "IPHONE15 手机", "食品安全检查", "安全食品", "全城停水", "城管执法", "拆迁补偿款拆迁",
             "便民 民热线", "便民热线", "12345热线", "a12345热线", "看5G信号塔", "5g-信号", "信号5G", "a5G信号",
             "5G县城", "5G县", "补偿款项", "a12345热线，另有12345号", "5G县城，县", "热线123456，另有12345号", "热线12345电话"]
    with Store(tmp_path / "y.db") as store:
        with store.write():
            store.save_items(source="s", channel="rss", site="站", mainstream=False, seen_at=SEEN.format(1),
                             items=[Item(url=f"http://a.cn/{n}", title=f"第{n}", text=t)
                                    for n, t in enumerate(texts)])
        reference = sqlite3.connect(":memory:")
        reference.execute("CREATE VIRTUAL TABLE r USING fts5 (grams, tokenize = 'ascii')")
        reference.executemany("INSERT INTO r (rowid, grams) VALUES (?, ?)",
                              [(n + 1, grams(f"第{n} {t}")) for n, t in enumerate(texts)])
        for query in ("补偿款", "补偿", "5G基站", "iphone15手机", "食品安全", "全城 停水", "拆迁 补偿款", "款项 补偿",
                      "便民热线", "12345热线", "5G信号", "5G县", "补偿,款项", "热线12345"):
            match, singles = match_expression(query_terms(query))
            expected = [r[0] for r in reference.execute("SELECT rowid FROM r WHERE r MATCH ? ORDER BY rowid DESC",
                                                        [match])]
            assert [r["id"] for r in store.search_posts(match, singles)] == expected, query
            assert expected or query == "款项 补偿"


@pytest.mark.slow
def test_the_m020_rebuild_killed_with_sigkill_resumes_and_loses_nothing(tmp_path):
    from test_search_rebuild import kill_rebuild_after_three_chunks

    path = tmp_path / "y.db"
    m019_store(path, 6000)
    before, shown = phrase_answers(path), m019_sightings(path, 6000)
    assert kill_rebuild_after_three_chunks(path) == [300, 600, 900]
    conn = sqlite3.connect(path)
    done = conn.execute("SELECT done_id FROM search_rebuild").fetchone()[0]
    half = conn.execute("SELECT count(*) FROM posts WHERE key IS NULL").fetchone()[0]
    conn.close()
    assert 900 <= done < 6000 and 0 < half < 6000  # stopped part-way, the committed chunks on disk
    with Store(path) as store:  # the next open resumes and finishes
        assert answers(store) == before
        assert what_sightings_show(store, 6000) == shown
        left = store.conn.execute("SELECT count(*) FROM posts WHERE key LIKE 'url:%'").fetchone()[0]
    assert left == 0


def test_a_copy_m018_left_unfinished_is_started_over_into_the_new_index(tmp_path):
    path = tmp_path / "y.db"
    old_store(path, 1200)  # m009's layout: the index keeps its own grams
    before = old_answers(path)
    db = Database(path)
    migrations.apply(db, stop_before="m020_lean_store")  # m018 created post_index ...
    grams_of = db.conn.execute("SELECT rowid, grams FROM post_search WHERE rowid <= 300").fetchall()
    db.conn.executemany("INSERT INTO post_index (rowid, grams) VALUES (?, ?)", grams_of)
    db.conn.execute("UPDATE search_rebuild SET done_id = 300")  # ... and copied 300 posts, then the upgrade
    db.conn.commit()
    db.close()
    with Store(path) as store:
        assert store_answers(store, before) == before
        search_sql = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'post_search'").fetchone()[0]
    assert "detail = none" in search_sql


def test_the_cli_says_so_while_an_upgrade_rebuilds_the_index(yuqing_home, monkeypatch):
    """Upgrading a county's decade of posts takes minutes on the first command: the officer
    sees why it waits and that stopping it loses nothing."""
    from helpers import run

    assert run("init").exit_code == 0
    db = yuqing_home / "yuqing.db"
    for leftover in yuqing_home.glob("yuqing.db*"):
        leftover.unlink()
    m019_store(db, 50)
    monkeypatch.setattr("yuqing.store.rebuild.REBUILD_CHUNK", 20)
    result = run("status")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("正在升级数据库")]
    assert len(lines) == 3 and "已处理到第 20 条帖子，共 50 条" in lines[0] and "第 50 条" in lines[-1]
    assert "帖子：50 条" in result.stdout + result.stderr
    assert "正在升级数据库" not in run("status").stderr  # once converted, never again
