"""Events: posts that match a monitoring topic are grouped with their reprints across
sites into one event, and every event touched by a run is re-graded.

Run after each collection (`update_events`). Work left by a killed run is simply still
pending (posts.analysed = 0, events.dirty = 1) and the next run finishes it.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from yuqing import clock
from yuqing.events.workers import in_order, pool_for
from yuqing.grade import (
    GROWTH_RULES,
    Figures,
    Grade,
    Reading,
    Reason,
    combine,
    grade_reading,
    is_mainstream_url,
    read,
    read_many,
)
from yuqing.rules import Rules, level_rank
from yuqing.store import Store
from yuqing.text.positive import positive_words

if TYPE_CHECKING:
    from yuqing.text.similar import Fingerprint, StoryIndex

ANALYSIS_CHUNK = 5000  # pending posts read, analysed and grouped at a time (bounds memory)
GRADING_CHUNK = 5000  # dirty events graded at a time
PARALLEL_FROM = 4 * ANALYSIS_CHUNK  # pending posts (or dirty events) that repay worker processes
FINGERPRINT_BATCH = 2000
POST_TEXT_FOR_GRADING = 2000  # characters read of a post analysed before readings were stored
SYSTEM_ACTOR = "系统"  # who a judgment is by when the rules, not a person, made it


@dataclass
class LevelChange:
    event_id: int
    title: str
    old: str | None
    new: str
    reasons: list[str]


@dataclass
class EventUpdate:
    analysed: int = 0
    matched: int = 0
    new_events: int = 0
    graded: int = 0
    changes: list[LevelChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "analysed": self.analysed, "matched": self.matched, "new_events": self.new_events,
            "graded": self.graded,
            "changes": [c.__dict__ for c in self.changes],
        }


def update_events(store: Store, rules: Rules, *, now: datetime | None = None) -> EventUpdate:
    now = now or clock.now()
    result = EventUpdate()
    with store.write(), _without_cycle_collection():  # grouping and grading of one run commit together
        _reread_tone(store, rules, store.grouped_posts_read_by_other_models(rules.tone_model_id))
        _group_pending(store, rules, now, result)
        _grade_dirty(store, rules, now, result)
    return result


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Grouping and grading allocate millions of small objects and no reference cycles;
    the cycle collector would only rescan them (a quarter of the time on 100k posts)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def regrade_all(store: Store, rules: Rules, *, now: datetime | None = None) -> EventUpdate:
    """After rules.toml changed: re-read every post's words, group posts that now match,
    and re-grade every event. Posts already in an event stay in it."""
    with store.write(), _without_cycle_collection():
        _reread_tone(store, rules, store.grouped_post_ids())
        store.reset_analysis()
        store.mark_all_events_dirty()
        return update_events(store, rules, now=now)


def _reread_tone(store: Store, rules: Rules, post_ids: list[int]) -> None:
    """Read grouped posts again (rules.toml or the tone model changed), a chunk at a time;
    their events are graded again."""
    if not post_ids:
        return
    with pool_for(rules, needed=len(post_ids) >= PARALLEL_FROM) as pool:
        for posts, readings in in_order(_post_chunks(store, post_ids), read_posts, rules, pool):
            store.refresh_readings([(*reading, post["id"]) for post, reading in zip(posts, readings, strict=True)])
    store.mark_all_events_dirty()


def _post_chunks(store: Store, post_ids: list[int]) -> Iterator[list[dict[str, Any]]]:
    """The posts to analyse, ANALYSIS_CHUNK at a time, read only as each is needed."""
    for start in range(0, len(post_ids), ANALYSIS_CHUNK):
        yield store.posts_to_analyse(post_ids[start:start + ANALYSIS_CHUNK])


def read_posts(rules: Rules, posts: list[dict[str, Any]]) -> list[tuple]:
    """(negative, topics, categories, mentions, tone score, tone reasons, tone model) of
    each post as stored (pure: may run in a worker)."""
    readings = read_many([f"{post['title']}\n{post['text']}" for post in posts], rules, positive=False)
    return [(int(reading.negative), *_reading_json(reading), *_tone_columns(reading)) for reading in readings]


def _tone_columns(reading: Reading) -> tuple[float | None, str, str]:
    return reading.score, _json(reading.negative_words), reading.model


def _json(values: tuple[str, ...] | list[str]) -> str:
    return _json_of(tuple(values)) if values else "[]"


@lru_cache(maxsize=4096)
def _json_of(values: tuple[str, ...]) -> str:
    return json.dumps(values, ensure_ascii=False)


def _stored_words(stored: str | None) -> tuple[str, ...]:
    """A stored JSON list of words, e.g. a post's tone reasons (nearly every post has its own)."""
    return tuple(json.loads(stored)) if stored and stored != "[]" else ()


# Topics, categories and mentions: few distinct values, so worth a cache.
_names = lru_cache(maxsize=4096)(_stored_words)


def _reading_json(reading: Reading) -> tuple[str, str, str]:
    """(topics, categories, mentions) as stored on the post."""
    return _json(reading.topics), _json(reading.categories), _json(reading.mentions)


# -- grouping ------------------------------------------------------------------


def _seeded_index(store: Store, rules: Rules, since: str) -> StoryIndex:
    """Posts grouped by earlier runs inside the window, filed under their events.

    StoryIndex names a group by the id of its first post; seeded groups use the negated
    event id so the two can never collide.
    """
    from yuqing.text.similar import Fingerprint, StoryIndex, prepare

    index = StoryIndex(window_days=rules.event_window_days)
    seeded = sorted(store.recent_fingerprints(since), key=lambda row: row[3])
    prints = [Fingerprint.from_bytes(blob) for _, _, blob, _ in seeded]
    prepare(prints)
    index.seed_many((post_id, fp, clock.parse_iso(at), -event_id)
                    for (post_id, event_id, _, at), fp in zip(seeded, prints, strict=True))
    return index


def _group_pending(store: Store, rules: Rules, now: datetime, result: EventUpdate) -> None:
    """Read, match and group the pending posts in time order, a chunk at a time. With a
    big backlog, worker processes read and fingerprint the next chunks meanwhile."""
    pending = sorted((clock.parse_iso(at), post_id) for post_id, at in store.pending_post_times())
    if not pending:
        return
    window = timedelta(days=rules.event_window_days)
    index = _seeded_index(store, rules, clock.to_iso(min(pending[0][0], now) - window))
    event_of_group: dict[int, int] = {}  # StoryIndex group -> event id, for groups new this run
    chunks = _post_chunks(store, [post_id for _, post_id in pending])
    with pool_for(rules, needed=len(pending) >= PARALLEL_FROM) as pool:
        for posts, analysis in in_order(chunks, analyse_posts, rules, pool):
            events_of = _assign_events(store, index, posts, analysis, event_of_group, result)
            store.save_analysis([
                (events_of.get(post["id"]), a.negative, a.topics, a.categories, a.mentions, *a.tone, a.blob,
                 post["id"])
                for post, a in zip(posts, analysis, strict=True)
            ])
            result.analysed += len(posts)


@dataclass(slots=True)
class PostAnalysis:
    """What analysis stores on a post (the reading as JSON), and the fingerprint of a
    topic-matched post."""

    negative: int
    topics: str
    categories: str
    mentions: str
    tone: tuple[float | None, str, str]  # score, reasons (JSON), model id
    fingerprint: Fingerprint | None = None
    blob: bytes | None = None  # the fingerprint as stored


def analyse_posts(rules: Rules, posts: list[dict[str, Any]]) -> list[PostAnalysis]:
    """Read every post and fingerprint those that match a topic (pure: may run in a
    worker, so it also makes the stored forms grouping would otherwise make in order)."""
    from yuqing.text.similar import fingerprints

    texts = [f"{post['title']}\n{post['text']}" for post in posts]
    # Reasons are shown for posts in events only: explaining every negative post of a
    # big backlog would double the time tone takes.
    readings = read_many(texts, rules, explain=lambda i, reading: bool(reading.topics or posts[i]["own"]),
                         positive=False)
    # The office's own posts are grouped too, so that their mainstream reprints are found.
    matched = [post for post, reading in zip(posts, readings, strict=True) if reading.topics or post["own"]]
    prints: list[Fingerprint] = []
    for start in range(0, len(matched), FINGERPRINT_BATCH):
        # One vectorised call per batch: about 15x faster than fingerprinting one by one.
        prints += fingerprints((p["title"], p["text"]) for p in matched[start:start + FINGERPRINT_BATCH])
    found = iter(prints)
    analysed = []
    for post, reading in zip(posts, readings, strict=True):
        analysis = PostAnalysis(int(reading.negative), *_reading_json(reading), _tone_columns(reading))
        if reading.topics or post["own"]:
            fp = analysis.fingerprint = next(found)  # with its lookup caches, made in the batch
            analysis.blob = fp.to_bytes()
        analysed.append(analysis)
    return analysed


def _assign_events(store: Store, index: StoryIndex, posts: list[dict[str, Any]], analysis: list[PostAnalysis],
                   event_of_group: dict[int, int], result: EventUpdate) -> dict[int, int]:
    """post id -> event id for the topic-matched posts, in time order.

    Events for new groups are created together at the end, in the order the groups began.
    """
    matched = [(post, a.fingerprint) for post, a in zip(posts, analysis, strict=True) if a.fingerprint]
    groups = index.add_fingerprints([(post["id"], fp, _post_time(post)) for post, fp in matched])
    group_of: dict[int, int] = {}
    founders: dict[int, dict[str, Any]] = {}  # new group -> its first post
    for (post, _), group in zip(matched, groups, strict=True):
        if group >= 0 and group not in event_of_group and group not in founders:
            founders[group] = post
        group_of[post["id"]] = group
    new_ids = store.create_events([(p["title"], p["first_seen_at"]) for p in founders.values()])
    event_of_group.update(zip(founders, new_ids, strict=True))
    result.new_events += len(new_ids)
    result.matched += len(group_of)
    return {post_id: -group if group < 0 else event_of_group[group] for post_id, group in group_of.items()}


def _post_time(post: dict[str, Any]) -> datetime:
    return clock.parse_iso(post.get("published_at") or post["first_seen_at"])


# -- grading ---------------------------------------------------------------------


def _grade_dirty(store: Store, rules: Rules, now: datetime, result: EventUpdate) -> None:
    """Grade the events touched since their last grading, a chunk at a time. With many,
    worker processes grade chunks while this process reads and writes the store."""
    event_ids = store.dirty_event_ids()
    cutoff = clock.to_iso(now - timedelta(hours=rules.larger.ferment_window_hours))
    graded_at = clock.to_iso(now)
    chunks = (_grading_input(store, event_ids[start:start + GRADING_CHUNK], cutoff, graded_at)
              for start in range(0, len(event_ids), GRADING_CHUNK))
    with pool_for(rules, needed=len(event_ids) >= PARALLEL_FROM) as pool:
        for _, (rows, changes, level_changes) in in_order(chunks, grade_events, rules, pool):
            store.save_event_grades(rows, changes)
            result.graded += len(rows)
            result.changes += level_changes
    store.settle_empty_events()
    reopen_risen_dismissals(store, graded_at)


def reopen_risen_dismissals(store: Store, at: str) -> None:
    """A dismissed event that rose above its level when dismissed is back: the officer
    hears of it (the notice says it was dismissed once), and its case reopens."""
    for event in store.risen_dismissed_events():
        reason = f"级别升至{event['level']}，高于判为误报时的{event['dismissed_level']}，恢复跟踪"
        store.add_judgment(event["id"], at=at, kind="reopen", value=event["level"], reason=reason,
                           by=SYSTEM_ACTOR)
        store.set_dismissed(event["id"], at=None, level=None)
        store.reopen_case_for(event["id"], status="已升级")


@dataclass
class GradingInput:
    event_ids: list[int]
    posts_by_event: dict[int, list[dict[str, Any]]]
    before: dict[int, tuple[int, int]]  # post id -> (clicks, comments) one ferment window ago
    old_levels: dict[int, tuple[str | None, str | None]]  # event id -> (level, manual level)
    graded_at: str
    manual_natures: dict[int, str] = field(default_factory=dict)


def _grading_input(store: Store, event_ids: list[int], cutoff: str, graded_at: str) -> GradingInput:
    posts_by_event = store.event_posts_for_grading(event_ids, text_chars=POST_TEXT_FOR_GRADING)
    before = store.figures_before([p["id"] for posts in posts_by_event.values() for p in posts], cutoff)
    return GradingInput(event_ids, posts_by_event, before, store.event_levels(event_ids), graded_at,
                        store.manual_natures(event_ids))


def grade_events(rules: Rules, given: GradingInput) -> tuple[list[tuple], list[tuple], list[LevelChange]]:
    """(events rows as Store.save_event_grades takes them, level_changes rows, level
    changes) for the given events (pure: may run in a worker)."""
    rows, changes, level_changes = [], [], []
    for event_id in given.event_ids:
        posts = given.posts_by_event[event_id]
        if not posts:
            continue
        old, manual = given.old_levels.get(event_id, (None, None))
        row, event_grade = _grade_event(event_id, posts, given.before, rules,
                                        given.manual_natures.get(event_id))
        if manual:  # the officer's level holds, and is announced even for stock (存量)
            event_grade = _with_manual_level(event_grade, manual)
            row["level"], row["reasons"] = event_grade.level, _reasons_json(tuple(event_grade.reasons))
            row["quiet"] = 0
        row["graded_at"] = given.graded_at
        rows.append((*_grade_columns(row), event_id))
        if old != event_grade.level:
            changes.append((event_id, given.graded_at, old, event_grade.level, row["reasons"]))
            level_changes.append(LevelChange(event_id, row["title"], old, event_grade.level,
                                             [r.text for r in event_grade.reasons]))
    return rows, changes, level_changes


_grade_columns = itemgetter(*Store.EVENT_GRADE_COLUMNS)  # a graded row as save_event_grades takes it


def _with_manual_level(event_grade: Grade, manual: str) -> Grade:
    """人工定级 holds: the rules never lower it and raise it only by firing higher."""
    manual_reason = Reason("manual", manual, f"人工定级：{manual}")
    if level_rank(event_grade.level) > level_rank(manual):
        reasons = [*event_grade.reasons, manual_reason]
        return replace(event_grade, reasons=reasons)
    reasons = [manual_reason, *(r for r in event_grade.reasons if r.rule != "base")]
    return replace(event_grade, level=manual, reasons=reasons)


def event_figures(posts: list[dict[str, Any]], before: dict[int, tuple[int, int]],
                  mainstream_ids: set[int]) -> Figures:
    """The figures grading looks at (``mainstream_ids``: `mainstream_post_ids`). A stock
    post (存量) counts only what it gained after it was first seen, and the sites carrying
    it before then do not count as spread."""
    news = [p for p in posts if not p.get("stock")]
    sites = {p["site"] for p in news}
    mainstream = {p["site"] for p in news if p["id"] in mainstream_ids}
    negative_sites = {p["site"] for p in posts if p["negative"]}
    with_history = [p for p in posts if p["id"] in before]
    clicks_before = sum(before[p["id"]][0] for p in with_history) if with_history else None
    comments_before = sum(before[p["id"]][1] for p in with_history) if with_history else None
    return Figures(
        clicks=sum(_counted(p, "clicks") for p in posts),
        comments=sum(_counted(p, "comments") for p in posts),
        sites=len(sites),
        mainstream_sites=len(mainstream),
        negative_sites=len(negative_sites),
        clicks_before=clicks_before,
        comments_before=comments_before,
        stock="" if len(news) == len(posts) else ("all" if not news else "some"),
    )


def mainstream_post_ids(posts: list[dict[str, Any]], rules: Rules) -> set[int]:
    """The posts on central or provincial news sites: marked so, or known by their domain."""
    return {p["id"] for p in posts if p["mainstream"] or is_mainstream_url(p["url"], rules)}


def _counted(post: dict[str, Any], figure: str) -> int:
    value = post[figure] or 0
    if not post.get("stock"):
        return value
    return max(0, value - (post[f"base_{figure}"] or 0))


def post_reading(post: dict[str, Any], rules: Rules) -> Reading:
    """A grouped post's stored reading, without positive words (see `_with_positive_words`);
    read from its text if it has none yet (m009)."""
    if post["categories"] is None:
        return read(f"{post['title']}\n{post['text'] or ''}", rules)
    return Reading(
        topics=_names(post["topics"]),
        categories=_names(post["categories"]),
        mentions=_names(post["mentions"]),
        negative=bool(post["negative"]),
        negative_words=_stored_words(post.get("tone_reasons")) if post["negative"] else (),
        score=post.get("tone_score"),
    )


def _with_positive_words(reading: Reading, posts: list[dict[str, Any]], rules: Rules) -> Reading:
    """The event's reading with the positive words of its posts' titles, which decide its
    性质 only when no post is negative or sensitive (most events are, so they are spared)."""
    if reading.negative or reading.categories:
        return reading
    words = [w for p in posts for w in positive_words(p["title"], rules.positive_words)]
    if not words:
        return reading
    return replace(reading, positive_words=tuple(dict.fromkeys((*reading.positive_words, *words))))


@lru_cache(maxsize=4096)
def _reasons_json(reasons: tuple[Reason, ...]) -> str:
    """Most events fire the same few reasons (「未触发任何升级规则 → 一般」)."""
    return json.dumps([{"rule": r.rule, "level": r.level, "text": r.text} for r in reasons], ensure_ascii=False)


def _grade_event(
    event_id: int, posts: list[dict[str, Any]], before: dict[int, tuple[int, int]], rules: Rules,
    manual_nature: str | None = None,
) -> tuple[dict[str, Any], Grade]:
    mainstream_ids = mainstream_post_ids(posts, rules)
    figures = event_figures(posts, before, mainstream_ids)
    reading = _with_positive_words(combine((post_reading(p, rules) for p in posts), rules), posts, rules)
    publicity = any(p["own"] for p in posts)
    event_grade = grade_reading(figures, reading, rules, nature=manual_nature, publicity=publicity)
    quiet = figures.stock == "all" and not any(r.rule in GROWTH_RULES for r in event_grade.reasons)
    first = posts[0]  # ordered by publication time
    row = {
        "id": event_id,
        "title": first["title"],
        "first_post_id": first["id"],
        "first_site": first["site"],
        "first_at": first["published_at"] or first["first_seen_at"],
        "first_seen_at": min(p["first_seen_at"] for p in posts),
        "last_seen_at": max(p["last_seen_at"] for p in posts),
        "level": event_grade.level,
        "reasons": _reasons_json(tuple(event_grade.reasons)),
        "categories": _json(event_grade.categories),
        "topics": _json(event_grade.topics),
        "negative": int(event_grade.negative),
        "posts": len(posts),
        "sites": len({p["site"] for p in posts}),
        "mainstream_sites": len({p["site"] for p in posts if p["id"] in mainstream_ids}),
        "clicks": sum(p["clicks"] or 0 for p in posts),
        "comments": sum(p["comments"] or 0 for p in posts),
        "reprints": len(posts) - 1,
        "clicks_before": figures.clicks_before,
        "comments_before": figures.comments_before,
        "nature": event_grade.nature,
        "nature_basis": event_grade.nature_basis,
        "quiet": int(quiet),
    }
    return row, event_grade
