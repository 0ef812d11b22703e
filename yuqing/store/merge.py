"""One article, one post: folding posts that different sources stored under the same
normalised URL (a portal's feed and an aggregator carrying its link) into one.

Used by migration m010 on stores written before sightings existed. The first post
stored survives; the others' sightings, observations and event membership move to it.
Events and notices are never deleted: an event left without posts is hidden
(`posts = 0`) and keeps its history, cases and notices.
"""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import urlsplit

_MERGED_FIGURES = """
UPDATE posts SET
    first_seen_at = min(first_seen_at, :first_seen_at),
    last_seen_at = max(last_seen_at, :last_seen_at),
    published_at = coalesce(published_at, :published_at),
    clicks = CASE WHEN :clicks IS NULL THEN clicks ELSE max(coalesce(clicks, 0), :clicks) END,
    comments = CASE WHEN :comments IS NULL THEN comments ELSE max(coalesce(comments, 0), :comments) END,
    text = CASE WHEN text = '' THEN :text ELSE text END,
    body_sha = coalesce(body_sha, :body_sha),
    site = CASE WHEN mainstream = 0 AND :mainstream = 1 THEN :site ELSE site END,
    mainstream = max(mainstream, :mainstream)
WHERE id = :survivor
"""

_ADOPTED_EVENT = """
UPDATE posts SET event_id = :event_id, negative = :negative, topics = :topics,
    categories = :categories, mentions = :mentions, fingerprint = :fingerprint, analysed = :analysed
WHERE id = :survivor AND event_id IS NULL
"""

_POST_FIELDS = ("id", "source", "url", "first_seen_at", "last_seen_at", "published_at", "clicks",
                "comments", "text", "body_sha", "site", "mainstream", "event_id", "negative", "topics",
                "categories", "mentions", "fingerprint", "analysed")


# An http(s) URL as urlsplit reads it: the netloc runs to the first / ? or #, the
# fragment is dropped; what is left of path + query decides.
_WEB_URL = re.compile(r"https?://([^/?#]*)([^#]*)")
_SITE_ROOT_TAILS = frozenset({"", "/", "?", "/?"})  # no path and no query


def is_article_url(url: str) -> bool:
    """Whether a URL names one page: a bare site root (a feed whose every item links to
    the home page) must not fold unrelated items together.

    Every stored item's URL is asked: the usual printable-ASCII http(s) URL without
    brackets is split by one regex, as urlsplit would split it (urlsplit costs twice
    as much); anything else goes through urlsplit."""
    if not url:
        return False
    if url.isascii() and url.isprintable():
        web = _WEB_URL.match(url)
        if web and "[" not in web[1] and "]" not in web[1]:
            return web[2] not in _SITE_ROOT_TAILS
    return _is_article_url_split(url)


def _is_article_url_split(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: no page anyone can open
        return False
    return bool(parts.query) or parts.path not in ("", "/")


def duplicate_groups(conn: sqlite3.Connection) -> list[list[int]]:
    """Post ids to fold, first stored first: per URL, one post from each source that
    carried it (two items of one source keep their own posts, as they always did)."""
    rows = conn.execute(
        "SELECT url, id, source FROM posts WHERE url != '' AND url IN"
        " (SELECT url FROM posts WHERE url != '' GROUP BY url HAVING count(DISTINCT source) > 1)"
        " ORDER BY url, id"
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for url, post_id, source in rows:
        if is_article_url(url):
            groups.setdefault(url, []).append((post_id, source))
    result = []
    for members in groups.values():
        sources: set[str] = set()
        group = []
        for post_id, source in members:
            if source not in sources:
                sources.add(source)
                group.append(post_id)
        result.append(group)
    return result


def merge_into(conn: sqlite3.Connection, survivor: int, others: list[int]) -> set[int]:
    """Fold `others` into `survivor`; the ids of the events involved."""
    events: set[int] = set()
    (survivor_event,) = conn.execute("SELECT event_id FROM posts WHERE id = ?", [survivor]).fetchone()
    if survivor_event is not None:
        events.add(survivor_event)
    for other in others:
        row = dict(zip(_POST_FIELDS, conn.execute(
            f"SELECT {', '.join(_POST_FIELDS)} FROM posts WHERE id = ?", [other]).fetchone(), strict=True))
        conn.execute(_MERGED_FIGURES, {**row, "survivor": survivor})
        if row["event_id"] is not None:
            events.add(row["event_id"])
            conn.execute(_ADOPTED_EVENT, {**row, "survivor": survivor})
        conn.execute("UPDATE sightings SET post_id = ? WHERE post_id = ?", [survivor, other])
        conn.execute("UPDATE observations SET post_id = ? WHERE post_id = ?", [survivor, other])
        conn.execute("UPDATE events SET first_post_id = ? WHERE first_post_id = ?", [survivor, other])
        unindex_post(conn, other)
        conn.execute("DELETE FROM posts WHERE id = ?", [other])
    return events


def unindex_post(conn: sqlite3.Connection, post_id: int) -> None:
    """Take a post out of the search index (before the post itself goes). Since m013 the
    index is contentless: FTS5 forgets a row only when told the grams it was given."""
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'post_search'").fetchone()
    if "content = ''" not in sql:  # the m006 table, which keeps its own copy
        conn.execute("DELETE FROM post_search WHERE rowid = ?", [post_id])
        return
    from yuqing.text.search import grams

    row = conn.execute("SELECT title, text FROM posts WHERE id = ?", [post_id]).fetchone()
    if row is not None:
        conn.execute("INSERT INTO post_search (post_search, rowid, grams) VALUES ('delete', ?, ?)",
                     [post_id, grams(f"{row[0]} {row[1]}")])


def settle_events(conn: sqlite3.Connection, event_ids: set[int]) -> None:
    """Events that lost or gained posts are graded again on the next run; one left with
    no posts is hidden from lists (its cases and notices stay as they were)."""
    for event_id in sorted(event_ids):
        (left,) = conn.execute("SELECT count(*) FROM posts WHERE event_id = ?", [event_id]).fetchone()
        if left:
            conn.execute("UPDATE events SET dirty = 1 WHERE id = ?", [event_id])
        else:
            conn.execute("UPDATE events SET posts = 0, dirty = 0 WHERE id = ?", [event_id])
