"""A collection batch writes its posts' search rows at its commit, in the same transaction:
one index segment per batch instead of one per source's savepoint, and a source undone
inside the batch leaves none behind."""

import pytest

from yuqing.models import Item
from yuqing.store import Store

SEEN = "2026-12-01T08:00:00+00:00"


def _save(store: Store, source: str, count: int = 3) -> None:
    items = [Item(url=f"http://example.cn/{source}/{n}", title=f"{source}，第{n}条消息", text="水库蓄水正常")
             for n in range(count)]
    store.save_items(source=source, channel="rss", site=source, mainstream=False, items=items, seen_at=SEEN)


def _segments(store: Store) -> int:
    return store.conn.execute("SELECT count(DISTINCT segid) FROM post_search_idx").fetchone()[0]


def _index_is_sound(store: Store) -> None:
    store.conn.execute("INSERT INTO post_search (post_search, rank) VALUES ('integrity-check', 0)")


def test_a_batch_indexes_its_sources_at_commit_and_a_failed_one_not_at_all(tmp_path):
    names = [f"源{chr(0x7532 + n)}" for n in range(20)]  # 源甲, 源申, ...: one bigram each
    with Store(tmp_path / "y.db") as store:
        store.begin_batch()
        for name in names:
            with pytest.raises(RuntimeError) if name == names[7] else _nothing(), store.part():
                _save(store, name)
                if name == names[7]:
                    raise RuntimeError("a bug after the writes")
        assert store.search_posts("水库", [], limit=100) == []  # held back until the commit
        store.commit_batch()
        found = store.search_posts("水库", [], limit=100)
        assert len(found) == 19 * 3
        assert store.search_posts(names[7], []) == []
        assert len(store.search_posts(names[8], [])) == 3
        assert _segments(store) == 1  # one segment for the batch, not one per source
        _index_is_sound(store)
    with Store(tmp_path / "y.db") as reopened:  # committed for other connections too
        assert len(reopened.search_posts("水库", [], limit=100)) == 19 * 3


def test_without_a_batch_a_write_indexes_at_once(tmp_path):
    with Store(tmp_path / "y.db") as store:
        with store.write():
            _save(store, "单源")
            assert len(store.search_posts("单源", [])) == 3
        with store.part():  # a part outside a batch is a write of its own
            _save(store, "另源")
        assert len(store.search_posts("另源", [])) == 3
        _index_is_sound(store)


def test_a_batch_rolled_back_leaves_nothing_for_the_next(tmp_path):
    with Store(tmp_path / "y.db") as store:
        store.begin_batch()
        with store.part():
            _save(store, "甲源")
        store.conn.execute("ROLLBACK")  # as SQLite does itself on a full disk
        store.commit_batch()  # nothing left to commit: a no-op
        store.begin_batch()
        with store.part():
            _save(store, "乙源")
        store.commit_batch()
        assert store.search_posts("甲源", []) == []
        assert len(store.search_posts("乙源", [])) == 3
        _index_is_sound(store)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False
