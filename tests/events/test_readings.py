"""A post's words are read once (topics, categories, key mentions, tone) and an event is
graded from its posts' readings; large backlogs are analysed in chunks with the same result."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

import yuqing.events.grouping as events_module
from yuqing.events.grouping import update_events
from yuqing.grade import Figures, combine, grade, grade_reading, match_topics, read
from yuqing.models import Item
from yuqing.rules import load_rules, rules_path_for
from yuqing.store import Store
from yuqing.text.keywords import KeywordSet

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


@pytest.fixture
def rules(tmp_path):
    text = rules_path_for(None).read_text(encoding="utf-8") + """
[[topics]]
name = "清河县"
keywords = ["清河"]
exclude = ["招聘"]

[[topics]]
name = "清河教育"
keywords = ["清河"]
all = ["学校", "食堂"]
"""
    text = text.replace("persons = [", 'persons = ["王建国", ', 1)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


@pytest.mark.parametrize("use_automaton", [True, False])
def test_keyword_set_finds_overlapping_and_nested_words(use_automaton):
    words = KeywordSet(["火灾", "火", "灾害", "清河", "清河县", ""], use_automaton=use_automaton)
    assert words.found("清河县发生火灾害") == {"火灾", "火", "灾害", "清河", "清河县"}
    assert words.found("") == frozenset()
    assert words.found("邻县修路") == frozenset()


def test_reading_matches_what_substring_tests_give(rules):
    text = "清河县第一中学学校食堂发生食物中毒，王建国到场处置。网友投诉处理太慢。"
    reading = read(text, rules)
    assert reading.topics == ("清河县", "清河教育")
    assert reading.topics == tuple(match_topics(text, rules.topics))
    expected = tuple(name for name, ws in rules.categories.items() if any(w in text for w in ws))
    assert reading.categories == expected and "食品药品安全" in expected
    assert reading.mentions == ("王建国",)
    assert reading.negative and reading.negative_words and reading.score >= 0.5
    assert reading.model.startswith("builtin-")
    assert read("清河县学校招聘食堂厨师", rules).topics == ("清河教育",)  # 招聘 excludes only 清河县


def test_event_reading_is_the_union_of_its_posts_in_table_order(rules):
    first = read("清河县某路段交通事故", rules)
    second = read("清河县群众投诉停水，王建国回应", rules)
    event = combine([second, first], rules)
    assert event.topics == ("清河县",)
    assert set(event.categories) == set(first.categories) | set(second.categories)
    assert list(event.categories) == [c for c in rules.categories if c in event.categories]
    assert event.mentions == ("王建国",) and event.negative
    graded = grade_reading(Figures(sites=2), event, rules)
    assert graded.level == grade(Figures(sites=2), "清河县某路段交通事故\n清河县群众投诉停水，王建国回应", rules).level


def _store_with_posts(path, posts):
    store = Store(path)
    with store.write():
        for n, (title, text, at) in enumerate(posts):
            store.save_items(source=f"s{n % 3}", channel="rss", site=f"站点{n % 3}", mainstream=False,
                             items=[Item(url=f"http://s{n}.example.cn/{n}", title=title, guid=None, text=text,
                                         published_at=at.isoformat())],
                             seen_at=at.isoformat())
    return store


STORIES = [
    ("清河县第一中学食堂被指食材变质", "清河县第一中学食堂被指使用变质食材，多名学生出现腹痛，县教育局已成立调查组进驻学校调查处理。"),
    ("清河县人民路发生一起交通事故 3人受伤", "今天上午清河县人民路与建设路交叉口发生一起交通事故，造成3人受伤，伤者已送医救治，事故原因正在调查。"),
    ("清河县召开冬季森林防火工作会议", "清河县召开冬季森林防火工作会议，县长出席并讲话，要求各乡镇压紧压实责任，确保不发生森林火灾。"),
]


def _backlog():
    posts = []
    for day in range(6):
        for k, (title, text) in enumerate(STORIES):
            at = T0 + timedelta(days=day * 8, hours=k)  # apart by more than the window
            posts.append((f"{title}（第{day}期）", f"第{day}期：{text}", at))
            posts.append((f"转载｜{title}（第{day}期）", f"来源：清河发布 第{day}期：{text}", at + timedelta(minutes=30)))
    posts.append(("邻县新闻：某镇修路", "邻县某镇修路。", T0))
    return posts


def _recording(pool_for, started):
    @contextmanager
    def recording(rules, *, needed):
        with pool_for(rules, needed=needed) as pool:
            started.append(pool)
            yield pool
    return recording


def _events_and_groups(path):
    conn = sqlite3.connect(path)
    groups = sorted(tuple(sorted(r[0].split(","))) for r in conn.execute(
        "SELECT group_concat(title) FROM posts WHERE event_id IS NOT NULL GROUP BY event_id"))
    levels = sorted(conn.execute("SELECT title, level, categories, topics, posts FROM events"))
    conn.close()
    return groups, levels


@pytest.mark.parametrize("workers", [False, True], ids=["in-process", "worker processes"])
def test_chunked_analysis_gives_the_same_events_as_one_pass(tmp_path, rules, monkeypatch, workers):
    now = T0 + timedelta(days=50)
    whole = _store_with_posts(tmp_path / "whole.db", _backlog())
    result = update_events(whole, rules, now=now)
    whole.close()
    monkeypatch.setattr(events_module, "ANALYSIS_CHUNK", 4)
    monkeypatch.setattr(events_module, "FINGERPRINT_BATCH", 3)
    monkeypatch.setattr(events_module, "GRADING_CHUNK", 2)
    monkeypatch.setattr(events_module, "PARALLEL_FROM", 1 if workers else 10**9)
    started = []
    monkeypatch.setattr(events_module, "pool_for", _recording(events_module.pool_for, started))
    chunked = _store_with_posts(tmp_path / "chunked.db", _backlog())
    chunked_result = update_events(chunked, rules, now=now)
    chunked.close()
    assert [pool is not None for pool in started] == [workers, workers]  # grouping, grading
    assert (result.analysed, result.matched, result.new_events) == (37, 36, 18)
    assert (chunked_result.analysed, chunked_result.matched, chunked_result.new_events) == (37, 36, 18)
    groups, levels = _events_and_groups(tmp_path / "whole.db")
    assert all(len(g) == 2 for g in groups)  # each story and its reprint, nothing more
    assert (groups, levels) == _events_and_groups(tmp_path / "chunked.db")


def test_posts_analysed_before_readings_were_stored_are_graded_from_their_text(tmp_path, rules):
    store = _store_with_posts(tmp_path / "old.db", [(STORIES[0][0], STORIES[0][1], T0)])
    update_events(store, rules, now=T0 + timedelta(hours=1))
    fresh = store.conn.execute("SELECT level, categories FROM events").fetchone()
    # What a store analysed before m009 holds: no stored reading for the post.
    store.conn.execute("UPDATE posts SET categories = NULL, mentions = NULL")
    store.conn.execute("UPDATE events SET dirty = 1, level = NULL, categories = NULL")
    update_events(store, rules, now=T0 + timedelta(hours=1))
    assert store.conn.execute("SELECT level, categories FROM events").fetchone() == fresh
    assert "食品药品安全" in fresh[1]
    store.close()


@pytest.mark.parametrize("workers", [False, True], ids=["in-process", "worker processes"])
def test_regrade_rereads_every_grouped_post(tmp_path, rules, monkeypatch, workers):
    from yuqing.events.grouping import regrade_all

    monkeypatch.setattr(events_module, "ANALYSIS_CHUNK", 4)
    monkeypatch.setattr(events_module, "PARALLEL_FROM", 1 if workers else 10**9)
    store = _store_with_posts(tmp_path / "r.db", _backlog())
    now = T0 + timedelta(days=50)
    update_events(store, rules, now=now)
    assert not store.conn.execute("SELECT count(*) FROM events WHERE categories LIKE '%生产质量%'").fetchone()[0]
    edited = tmp_path / "edited.toml"
    edited.write_text(rules.path.read_text(encoding="utf-8").replace(
        '"生产质量" = [', '"生产质量" = ["森林防火", ', 1), encoding="utf-8")
    result = regrade_all(store, load_rules(edited), now=now)
    fire = store.conn.execute(
        "SELECT count(*) FROM events WHERE title LIKE '%森林防火%' AND categories LIKE '%生产质量%'").fetchone()[0]
    posts = store.conn.execute(
        "SELECT count(*) FROM posts WHERE title LIKE '%森林防火%' AND categories LIKE '%生产质量%'").fetchone()[0]
    store.close()
    assert fire == 6 and posts == 12  # six days' story and its reprint, all read again
    assert result.graded == 18
