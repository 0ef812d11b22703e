import subprocess
import sys
import time

from helpers import modules_loaded_opening_store, undo_letters_and_work_records

from yuqing.models import Item
from yuqing.store import LATEST_MIGRATION, Store
from yuqing.store.schema import APPLICATION_ID, migrate


def save(store, items, source="s", seen_at="2026-11-27T01:00:00+00:00"):
    with store.write():
        return store.save_items(source=source, channel="forum", site="站", mainstream=False,
                                items=items, seen_at=seen_at)


def test_migrations_apply_once_and_set_pragmas(tmp_path):
    path = tmp_path / "y.db"
    Store(path).close()
    store = Store(path)  # reopening applies nothing twice
    names = [r[0] for r in store.conn.execute("SELECT name FROM _sqlite_migrations")]
    assert names[:3] == ["m001_posts", "m002_source_health", "m003_events"]
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 30000


def test_dedupe_by_guid_and_url_and_observations(tmp_path):
    store = Store(tmp_path / "y.db")
    first = save(store, [
        Item(url="http://a/1", title="一", guid="g1", clicks=10, comments=1),
        Item(url="http://a/2", title="二", guid="g1"),  # same guid, other URL: same post
        Item(url="http://a/3", title="三"),
    ])
    assert (first.new, first.seen) == (2, 0)
    again = save(store, [Item(url="http://a/1", title="一", guid="g1", clicks=25, comments=4)],
                 seen_at="2026-11-27T02:00:00+00:00")
    assert (again.new, again.seen) == (1 - 1, 1)
    post = next(p for p in store.iter_posts() if p["guid"] == "g1")
    assert (post["clicks"], post["comments"]) == (25, 4)
    assert post["first_seen_at"] == "2026-11-27T01:00:00+00:00"
    assert [o["clicks"] for o in store.observations(post["id"])] == [10, 25]
    assert store.count_posts() == 2


def test_a_failing_batch_leaves_nothing(tmp_path):
    store = Store(tmp_path / "y.db")
    try:
        with store.write():
            store.save_items(source="s", channel="rss", site="x", mainstream=False,
                             items=[Item(url="http://a/1", title="一")], seen_at="t")
            raise RuntimeError("crash mid-batch")
    except RuntimeError:
        pass
    assert store.count_posts() == 0


def test_writer_waits_for_another_writer_instead_of_failing(tmp_path):
    """T20: another process holds the write lock for a while; we wait and succeed."""
    path = tmp_path / "y.db"
    Store(path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"locked"
    store = Store(path)
    started = time.monotonic()
    save(store, [Item(url="http://a/1", title="一")])
    assert time.monotonic() - started >= 1.0
    assert store.count_posts() == 1
    holder.wait(timeout=10)


HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(1.5)
conn.execute("COMMIT")
"""


def test_a_current_store_opens_without_loading_the_migrations(tmp_path):
    from yuqing.store.schema import migrations

    assert [m.name for m in migrations._migrations][-1] == LATEST_MIGRATION
    Store(tmp_path / "y.db").close()  # creates and migrates
    assert modules_loaded_opening_store(tmp_path / "y.db", ("yuqing.store.schema", "sqlite_utils", "numpy")) == []


def test_a_store_from_before_sightings_gets_them_and_the_contentless_index(tmp_path):
    from sqlite_utils import Database

    from yuqing.store.schema import migrations

    old = Database(tmp_path / "y.db")
    migrations.apply(old, stop_before="m012_post_sightings")
    old.close()
    store = Store(tmp_path / "y.db")
    assert store.conn.execute("SELECT count(*) FROM sightings").fetchone() == (0,)
    search_sql = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'post_search'").fetchone()[0]
    assert "content = ''" in search_sql  # m018's contentless index, already swapped in
    store.close()


def test_a_store_missing_the_latest_migration_gets_it(tmp_path):
    store = Store(tmp_path / "y.db")
    old = Item(url="http://bbs.example.cn/t/1", title="置顶：版规", published_at="2019-04-27T00:00:00+00:00",
               clicks=139191, comments=465)
    new = Item(url="http://bbs.example.cn/t/2", title="昨天的帖子", published_at="2026-11-26T00:00:00+00:00",
               clicks=10, comments=1)
    with store.write():
        store.save_items(source="论坛", channel="forum", site="论坛", mainstream=False, items=[old, new],
                         seen_at="2026-11-27T02:00:00+00:00")
    # m015 and the migrations after it: a store is current when it has the latest one.
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name >= 'm015_judgments'")  # m018 is a no-op then
    store.conn.execute("DROP TABLE judgments")
    for column in ("stock", "base_clicks", "base_comments", "ignored"):
        store.conn.execute(f"ALTER TABLE posts DROP COLUMN {column}")
    for column in ("manual_level", "dismissed_at", "dismissed_level", "merged_into", "unmatched", "quiet"):
        store.conn.execute(f"ALTER TABLE events DROP COLUMN {column}")
    for column in ("tone_score", "tone_reasons", "tone_model"):
        store.conn.execute(f"ALTER TABLE posts DROP COLUMN {column}")
    store.conn.execute("DROP TABLE tone_labels")
    undo_letters_and_work_records(store.conn)
    store.close()
    store = Store(tmp_path / "y.db")
    columns = {row[1] for row in store.conn.execute("PRAGMA table_info(posts)")}
    assert {"stock", "base_clicks", "ignored", "tone_score", "tone_reasons", "tone_model"} <= columns
    assert store.conn.execute("SELECT count(*) FROM judgments").fetchone() == (0,)
    assert store.tone_labels() == []
    # Posts already stored become stock when they were old when first seen, counted from then.
    rows = store.conn.execute("SELECT title, stock, base_clicks, base_comments FROM posts ORDER BY id").fetchall()
    assert rows == [("置顶：版规", 1, 139191, 465), ("昨天的帖子", 0, None, None)]
    columns = {row[1] for row in store.conn.execute("PRAGMA table_info(case_actions)")}
    assert {"post_ids", "outcome", "document_sha", "document_name"} <= columns
    assert store.event_tags([1]) == {1: []}
    store.close()


def test_a_store_from_before_identity_gets_its_application_id(tmp_path):
    store = Store(tmp_path / "y.db")
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm013_store_identity'")
    store.conn.execute("PRAGMA application_id = 0")
    migrate(store.conn)  # what opening does when a migration is pending
    assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    store.close()
