import subprocess
import sys
import time

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
    from yuqing.store import LATEST_MIGRATION
    from yuqing.store.schema import migrations

    assert [m.name for m in migrations._migrations][-1] == LATEST_MIGRATION
    Store(tmp_path / "y.db").close()  # creates and migrates
    probe = (
        "import sys; from yuqing.store import Store; Store(sys.argv[1]).close(); "
        "print(sorted(m for m in ('yuqing.store.schema', 'sqlite_utils', 'numpy') if m in sys.modules))"
    )
    opened = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "y.db")],
                            capture_output=True, text=True, timeout=60)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == "[]"


def test_a_store_missing_the_latest_migration_gets_it(tmp_path):
    store = Store(tmp_path / "y.db")
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('m014_replies_and_digest_editions', ?)", [LATEST_MIGRATION])
    store.conn.execute("DROP TABLE replies")
    store.conn.execute("DROP TABLE thread_fetches")
    for column in ("serial", "note", "reissued_at"):
        store.conn.execute(f"ALTER TABLE digests DROP COLUMN {column}")
    for column in ("tone_score", "tone_reasons", "tone_model"):
        store.conn.execute(f"ALTER TABLE posts DROP COLUMN {column}")
    store.conn.execute("DROP TABLE tone_labels")
    store.close()
    store = Store(tmp_path / "y.db")
    tables = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    columns = {row[1] for row in store.conn.execute("PRAGMA table_info(digests)")}
    assert {"replies", "thread_fetches"} <= tables and {"serial", "note", "reissued_at"} <= columns
    assert {"tone_score", "tone_reasons", "tone_model"} <= {row[1] for row in store.conn.execute("PRAGMA table_info(posts)")}
    assert store.tone_labels() == []
    store.close()


def test_a_store_from_before_identity_gets_its_application_id(tmp_path):
    store = Store(tmp_path / "y.db")
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm013_store_identity'")
    store.conn.execute("PRAGMA application_id = 0")
    migrate(store.conn)  # what opening does when a migration is pending
    assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    store.close()
