"""Post readings, events and their grades."""

from __future__ import annotations

import json
from typing import Any

from yuqing.store.base import StoreBase

# The officer's latest verdict on post p (tone_labels), NULL when there is none.
_LATEST_VERDICT = "(SELECT l.negative FROM tone_labels l WHERE l.post_id = p.id ORDER BY l.id DESC LIMIT 1)"


class EventsMixin(StoreBase):
    def pending_post_times(self) -> list[tuple[int, str]]:
        """(id, publication or first-seen time) of the posts not yet analysed."""
        return list(self.conn.execute(
            "SELECT id, coalesce(published_at, first_seen_at) FROM posts WHERE analysed = 0"
        ))

    def posts_to_analyse(self, post_ids: list[int]) -> list[dict[str, Any]]:
        """The given posts as analysis reads them, in the order given."""
        cols = ("id", "title", "text", "published_at", "first_seen_at", "own")
        selected = [*cols[:-1], "source IN (SELECT name FROM own_sources)"]
        rows = self.conn.execute(
            f"SELECT {', '.join(selected)} FROM posts WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(post_ids)],
        )
        found = {row[0]: dict(zip(cols, row, strict=True)) for row in rows}
        return [found[i] for i in post_ids if i in found]

    def all_post_texts(self) -> list[dict[str, Any]]:
        cols = ("id", "title", "text", "event_id", "negative", "topics")
        rows = self.conn.execute(f"SELECT {', '.join(cols)} FROM posts ORDER BY id")
        return [dict(zip(cols, row, strict=True)) for row in rows]

    def recent_fingerprints(self, since: str) -> list[tuple[int, int, bytes, str]]:
        """(post_id, event_id, fingerprint, time) of grouped posts first seen since `since`."""
        rows = self.conn.execute(
            """
            SELECT id, event_id, fingerprint, coalesce(published_at, first_seen_at) FROM posts
            WHERE first_seen_at >= ? AND fingerprint IS NOT NULL AND event_id IS NOT NULL
            """,
            [since],
        )
        return list(rows)

    def create_events(self, events: list[tuple[str, str]]) -> list[int]:
        """New events from (title, first seen at); their ids, in order."""
        with self.write() as conn:  # the write lock is held: nobody else can take these ids
            (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
            ids = list(range(last + 1, last + 1 + len(events)))
            conn.executemany(
                "INSERT INTO events (id, title, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)",
                [(event_id, title, seen_at, seen_at) for event_id, (title, seen_at) in zip(ids, events, strict=True)],
            )
            return ids

    def save_analysis(self, rows: list[tuple]) -> None:
        """rows: (event_id, negative, topics_json, categories_json, mentions_json,
        tone_score, tone_reasons_json, tone_model, fingerprint, post_id)."""
        with self.write() as conn:
            conn.executemany(
                "UPDATE posts SET event_id = ?, negative = ?, topics = ?, categories = ?, mentions = ?,"
                " tone_score = ?, tone_reasons = ?, tone_model = ?, fingerprint = ?, analysed = 1"
                " WHERE id = ?",
                rows,
            )
            event_ids = sorted({row[0] for row in rows if row[0] is not None})
            # Events created this run are dirty already: a lookup, not a row rewrite (a third of the time).
            conn.executemany("UPDATE events SET dirty = 1 WHERE id = ? AND dirty = 0", [(e,) for e in event_ids])

    def mark_all_events_dirty(self) -> None:
        with self.write() as conn:
            conn.execute("UPDATE events SET dirty = 1 WHERE dirty = 0")

    def reset_analysis(self) -> None:
        """After rules.toml changed: posts outside events are matched and grouped again;
        posts inside events keep their event (see `refresh_readings`)."""
        with self.write() as conn:
            conn.execute("UPDATE posts SET analysed = 0 WHERE event_id IS NULL")

    def grouped_post_ids(self) -> list[int]:
        return [row[0] for row in self.conn.execute("SELECT id FROM posts WHERE event_id IS NOT NULL ORDER BY id")]

    def refresh_readings(self, rows: list[tuple]) -> None:
        """rows: (negative, topics_json, categories_json, mentions_json, tone_score,
        tone_reasons_json, tone_model, post_id)."""
        with self.write() as conn:
            conn.executemany(
                "UPDATE posts SET negative = ?, topics = ?, categories = ?, mentions = ?,"
                " tone_score = ?, tone_reasons = ?, tone_model = ? WHERE id = ?", rows
            )

    def grouped_posts_read_by_other_models(self, model: str) -> list[int]:
        """Grouped posts whose tone another model read (or none): to be read again."""
        rows = self.conn.execute(
            "SELECT id FROM posts WHERE event_id IS NOT NULL AND tone_model IS NOT ? ORDER BY id", [model]
        )
        return [row[0] for row in rows]

    def add_tone_label(self, post_id: int, negative: bool, at: str, score: float | None,
                       model: str | None) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO tone_labels (post_id, negative, at, score, model) VALUES (?, ?, ?, ?, ?)",
                [post_id, int(negative), at, score, model],
            )
            # The officer's verdict outweighs the model's (see event_posts_for_grading).
            conn.execute("UPDATE events SET dirty = 1 WHERE id = (SELECT event_id FROM posts WHERE id = ?)",
                         [post_id])

    def tone_labels(self, post_id: int | None = None) -> list[dict[str, Any]]:
        """Every verdict, oldest first (one post's when given)."""
        sql = "SELECT id, post_id, negative, at, score, model FROM tone_labels"
        params: list[Any] = []
        if post_id is not None:
            sql += " WHERE post_id = ?"
            params.append(post_id)
        cols = ("id", "post_id", "negative", "at", "score", "model")
        return [dict(zip(cols, row, strict=True)) for row in self.conn.execute(sql + " ORDER BY id", params)]

    def labelled_posts(self) -> list[dict[str, Any]]:
        """Each labelled post's latest verdict with its title and text, by post id."""
        rows = self.conn.execute(
            """
            SELECT p.id, p.title, p.text, l.negative FROM tone_labels l JOIN posts p ON p.id = l.post_id
            WHERE l.id = (SELECT max(id) FROM tone_labels WHERE post_id = l.post_id)
            ORDER BY p.id
            """
        )
        return [{"id": i, "title": t, "text": x, "negative": bool(n)} for i, t, x, n in rows]

    def post_tone(self, post_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT id, title, text, negative, tone_score, tone_reasons, tone_model, event_id"
            " FROM posts WHERE id = ?", [post_id]).fetchone()
        if row is None:
            return None
        cols = ("id", "title", "text", "negative", "tone_score", "tone_reasons", "tone_model", "event_id")
        return dict(zip(cols, row, strict=True))

    def dirty_event_ids(self) -> list[int]:
        return [row[0] for row in self.conn.execute("SELECT id FROM events WHERE dirty = 1 ORDER BY id")]

    def event_posts(self, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Each event's posts, oldest first."""
        cols = ("id", "event_id", "site", "url", "title", "text", "mainstream", "negative",
                "published_at", "first_seen_at", "last_seen_at", "clicks", "comments", "source", "body_sha",
                "stock", "base_clicks", "base_comments", "ignored", "tone_score", "tone_reasons", "tone_model",
                "verdict")
        selected = [f"p.{c}" for c in cols[:-1]] + [_LATEST_VERDICT]
        selected[cols.index("negative")] = f"coalesce({_LATEST_VERDICT}, p.negative)"
        return self._event_rows(event_ids, cols, selected)

    def event_posts_for_grading(self, event_ids: list[int], *, text_chars: int) -> dict[int, list[dict[str, Any]]]:
        """Each event's posts as grading reads them, oldest first: figures and readings;
        the start of the text only for posts without a stored reading (see m009)."""
        cols = ("id", "event_id", "site", "url", "title", "mainstream", "negative", "topics", "categories",
                "mentions", "tone_score", "tone_reasons", "published_at", "first_seen_at", "last_seen_at",
                "clicks", "comments", "stock", "base_clicks", "base_comments", "own", "text")
        selected = [f"p.{c}" for c in cols[:-2]]
        selected.append("p.source IN (SELECT name FROM own_sources)")
        # The officer's latest verdict on a post outweighs the model's reading.
        selected[cols.index("negative")] = f"coalesce({_LATEST_VERDICT}, p.negative)"
        selected.append(f"CASE WHEN p.categories IS NULL THEN substr(p.text, 1, {int(text_chars)}) END")
        return self._event_rows(event_ids, cols, selected, counted_only=True)

    def _event_rows(self, event_ids: list[int], cols: tuple[str, ...],
                    selected: list[str], *, counted_only: bool = False) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {e: [] for e in event_ids}
        rows = self.conn.execute(
            f"SELECT {', '.join(selected)} FROM posts p"
            " WHERE p.event_id IN (SELECT value FROM json_each(?))"
            + (" AND p.ignored = 0" if counted_only else "")
            + " ORDER BY coalesce(p.published_at, p.first_seen_at), p.id",
            [json.dumps(event_ids)],
        )
        for row in rows:
            post = dict(zip(cols, row, strict=True))
            found[post["event_id"]].append(post)
        return found

    def figures_before(self, post_ids: list[int], cutoff: str) -> dict[int, tuple[int, int]]:
        """Each post's clicks and comments as last observed at or before `cutoff`, else
        as first observed after it (a post that appeared inside the window)."""
        result: dict[int, tuple[int, int]] = {}
        for start in range(0, len(post_ids), 500):
            chunk = post_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"""
                SELECT post_id, clicks, comments FROM (
                    SELECT post_id, clicks, comments, row_number() OVER (
                        PARTITION BY post_id
                        ORDER BY (observed_at <= ?) DESC,
                                 CASE WHEN observed_at <= ? THEN observed_at END DESC,
                                 observed_at ASC) AS pick
                    FROM observations WHERE post_id IN ({marks})
                ) WHERE pick = 1
                """,
                [cutoff, cutoff, *chunk],
            )
            for post_id, clicks, comments in rows:
                result[post_id] = (clicks or 0, comments or 0)
        return result

    def event_levels(self, event_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
        """event id -> (level, manual level)."""
        found: dict[int, tuple[str | None, str | None]] = {}
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT id, level, manual_level FROM events WHERE id IN ({marks})", chunk)
            found.update((event_id, (level, manual)) for event_id, level, manual in rows)
        return found

    def set_manual_nature(self, event_id: int, nature: str | None) -> None:
        """Set (or, with None, hand back to the rules) the event's 性质; it is re-graded."""
        with self.write() as conn:
            conn.execute("UPDATE events SET nature_manual = ?, dirty = 1 WHERE id = ?", [nature, event_id])

    def manual_natures(self, event_ids: list[int]) -> dict[int, str]:
        """The 性质 the officer set by hand, for those of the events that have one."""
        found: dict[int, str] = {}
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.conn.execute(
                f"SELECT id, nature_manual FROM events WHERE id IN ({marks}) AND nature_manual IS NOT NULL",
                chunk))
        return found

    EVENT_GRADE_COLUMNS = (
        "title", "first_post_id", "first_site", "first_at", "first_seen_at", "last_seen_at",
        "level", "reasons", "categories", "topics", "negative", "posts", "sites",
        "mainstream_sites", "clicks", "comments", "reprints", "clicks_before",
        "comments_before", "quiet", "graded_at", "nature", "nature_basis",
    )

    def save_event_grades(self, rows: list[tuple], changes: list[tuple]) -> None:
        """rows: the EVENT_GRADE_COLUMNS of an event, then its id (positional parameters bind
        in half the time of named ones); changes: (event_id, at, old, new, reasons_json)."""
        assignments = ", ".join(f"{c} = ?" for c in self.EVENT_GRADE_COLUMNS)
        with self.write() as conn:
            conn.executemany(f"UPDATE events SET {assignments}, dirty = 0 WHERE id = ?", rows)
            conn.executemany(
                "INSERT INTO level_changes (event_id, at, old_level, new_level, reasons)"
                " VALUES (?, ?, ?, ?, ?)",
                changes,
            )

    def list_events(
        self, *, level_at_least: list[str] | None = None, since: str | None = None,
        topic: str | None = None, limit: int | None = None, by: str = "collected", dismissed: bool = False,
    ) -> list[dict[str, Any]]:
        """Events, the latest first. `by="published"`: by their posts' publication times
        (`last_published_at`; `since` keeps events with a post published since then);
        `by="collected"`: by when they were last collected (`last_seen_at`). Events judged
        误报 are left out, or, with `dismissed`, are the only ones listed."""
        published = "(SELECT max(coalesce(p.published_at, p.first_seen_at)) FROM posts p WHERE p.event_id = events.id)"
        sql = f"SELECT *, {published} AS last_published_at FROM events WHERE posts > 0"
        sql += " AND dismissed_at IS NOT NULL" if dismissed else " AND dismissed_at IS NULL"
        params: list[Any] = []
        if level_at_least:
            sql += f" AND level IN ({','.join('?' * len(level_at_least))})"
            params += level_at_least
        if since and by == "published":
            sql += (" AND EXISTS (SELECT 1 FROM posts p WHERE p.event_id = events.id"
                    " AND coalesce(p.published_at, p.first_seen_at) >= ?)")
            params.append(since)
        elif since:
            sql += " AND last_seen_at >= ?"
            params.append(since)
        if topic:
            sql += " AND EXISTS (SELECT 1 FROM json_each(events.topics) WHERE value = ?)"
            params.append(topic)
        sql += f" ORDER BY {'last_published_at' if by == 'published' else 'last_seen_at'} DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def count_dismissed(self) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM events WHERE posts > 0 AND dismissed_at IS NOT NULL").fetchone()[0]

    def get_event(self, event_id: int) -> dict[str, Any] | None:
        cursor = self.conn.execute("SELECT * FROM events WHERE id = ?", [event_id])
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def level_history(self, event_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT at, old_level, new_level, reasons FROM level_changes WHERE event_id = ?"
            " ORDER BY at, id",
            [event_id],
        )
        return [{"at": a, "old_level": o, "new_level": n, "reasons": json.loads(r)} for a, o, n, r in rows]

    def post_event_columns(self) -> dict[int, tuple[int | None, str | None, int | None]]:
        """post id → (event_id, event level, negative): for the export."""
        rows = self.conn.execute(
            "SELECT p.id, p.event_id, e.level, p.negative FROM posts p"
            " LEFT JOIN events e ON e.id = p.event_id"
        )
        return {pid: (eid, level, neg) for pid, eid, level, neg in rows}
