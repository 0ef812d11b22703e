"""The store's schema: named migrations applied in order (sqlite-utils' `Migrations`),
never edited once released. `Store` opens a store and applies what is pending; it loads
this module (and sqlite-utils, which loads numpy) only when something is.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from yuqing.text.search import grams

migrations = Migrations("yuqing")

# `PRAGMA application_id` of every yuqing store ("YQDB"): restore refuses other files.
APPLICATION_ID = 0x59514442


@migrations()
def m001_posts(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,          -- source name, or 'manual' / the import file's channel
            channel TEXT NOT NULL,         -- rss | forum | manual | import
            site TEXT NOT NULL DEFAULT '',
            mainstream INTEGER NOT NULL DEFAULT 0,
            key TEXT NOT NULL,             -- stable guid or normalised URL: the dedupe key
            url TEXT NOT NULL DEFAULT '',
            guid TEXT,
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL DEFAULT '',
            published_at TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            clicks INTEGER,
            comments INTEGER,
            UNIQUE (source, key)
        )
        """
    )
    db.execute("CREATE INDEX posts_first_seen ON posts (first_seen_at)")
    db.execute(
        """
        CREATE TABLE observations (
            post_id INTEGER NOT NULL REFERENCES posts (id),
            observed_at TEXT NOT NULL,
            clicks INTEGER,
            comments INTEGER
        )
        """
    )
    db.execute("CREATE INDEX observations_post ON observations (post_id, observed_at)")


@migrations()
def m002_source_health(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE source_state (
            name TEXT PRIMARY KEY,
            url TEXT,                      -- current URL: a 301 moves it, a 302 does not
            etag TEXT,
            last_modified TEXT,
            body_hash TEXT,
            last_attempt_at TEXT,
            last_success_at TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_reason TEXT,
            last_error TEXT,
            next_attempt_at TEXT,          -- backoff after failures
            last_item_count INTEGER,       -- threads/items parsed on the last good fetch
            gone INTEGER NOT NULL DEFAULT 0  -- the server answered 410
        )
        """
    )
    db.execute(
        """
        CREATE TABLE host_state (
            host TEXT PRIMARY KEY,
            retry_at TEXT NOT NULL         -- honour Retry-After until then
        )
        """
    )
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            exit_code INTEGER,
            summary TEXT
        )
        """
    )


@migrations()
def m003_events(db: Database) -> None:
    for column in (
        "event_id INTEGER",
        "negative INTEGER",  # NULL until analysed
        "topics TEXT",  # JSON list of matched topic names
        "fingerprint BLOB",  # near-duplicate signature (topic-matched posts only)
        "analysed INTEGER NOT NULL DEFAULT 0",
    ):
        db.execute(f"ALTER TABLE posts ADD COLUMN {column}")
    db.execute("CREATE INDEX posts_pending ON posts (id) WHERE analysed = 0")
    db.execute("CREATE INDEX posts_event ON posts (event_id)")
    db.execute(
        """
        CREATE TABLE post_bands (       -- LSH keys: posts sharing one are candidate reprints
            key INTEGER NOT NULL,
            post_id INTEGER NOT NULL,
            at TEXT NOT NULL            -- the post's time, for the grouping window
        )
        """
    )
    db.execute("CREATE INDEX post_bands_at ON post_bands (at)")
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            first_post_id INTEGER,
            first_site TEXT,
            first_at TEXT,              -- when the story first appeared (首发)
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            level TEXT,
            reasons TEXT,               -- JSON list of {rule, level, text}
            categories TEXT,
            topics TEXT,
            negative INTEGER NOT NULL DEFAULT 0,
            posts INTEGER NOT NULL DEFAULT 0,
            sites INTEGER NOT NULL DEFAULT 0,
            mainstream_sites INTEGER NOT NULL DEFAULT 0,
            clicks INTEGER NOT NULL DEFAULT 0,
            comments INTEGER NOT NULL DEFAULT 0,
            reprints INTEGER NOT NULL DEFAULT 0,
            clicks_before INTEGER,      -- figures one ferment window ago (growth)
            comments_before INTEGER,
            dirty INTEGER NOT NULL DEFAULT 1,
            graded_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX events_dirty ON events (id) WHERE dirty = 1")
    db.execute(
        """
        CREATE TABLE level_changes (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES events (id),
            at TEXT NOT NULL,
            old_level TEXT,             -- NULL when the event was first graded
            new_level TEXT NOT NULL,
            reasons TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX level_changes_event ON level_changes (event_id, at)")


@migrations()
def m004_cases_and_notices(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL UNIQUE REFERENCES events (id),
            status TEXT NOT NULL,        -- 待研判 已上报 已转办 已回应 已办结 持续关注 已升级
            level TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            report_due TEXT, forward_due TEXT, answer_due TEXT,
            reported_at TEXT, forwarded_at TEXT, answered_at TEXT,
            first_action_at TEXT,
            closed_at TEXT,
            result TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE case_actions (      -- append-only: what was done, when, by whom
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            to_dept TEXT,
            note TEXT,
            by TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX case_actions_case ON case_actions (case_id, at)")
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER case_actions_append_only_{verb.lower()} BEFORE {verb} ON case_actions"
            " BEGIN SELECT RAISE(ABORT, 'case_actions is append-only'); END"
        )
    db.execute(
        """
        CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            notice_no TEXT NOT NULL UNIQUE,
            dedupe_key TEXT NOT NULL UNIQUE, -- one notice per event and level change, per deadline
            kind TEXT NOT NULL,              -- level | reminder | overdue | source | digest
            event_id INTEGER, case_id INTEGER, source TEXT,
            level TEXT,
            wake INTEGER NOT NULL DEFAULT 0, -- may go out outside duty hours
            subject TEXT NOT NULL,
            body TEXT NOT NULL,              -- rendered Markdown
            roles TEXT NOT NULL,             -- JSON list
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            notice_id INTEGER NOT NULL REFERENCES notices (id),
            channel TEXT NOT NULL,           -- file | mail | robot:NAME
            status TEXT NOT NULL,            -- due | sending | sent | failed | superseded
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT,
            last_error TEXT,
            sent_at TEXT,
            via TEXT,                        -- single | digest | summary
            UNIQUE (notice_id, channel)
        )
        """
    )
    db.execute("CREATE INDEX deliveries_open ON deliveries (status, next_try_at)")
    db.execute("CREATE TABLE robot_sends (robot TEXT NOT NULL, sent_at TEXT NOT NULL)")
    db.execute("CREATE INDEX robot_sends_robot ON robot_sends (robot, sent_at)")
    db.execute("CREATE TABLE robot_blocks (robot TEXT PRIMARY KEY, until TEXT NOT NULL)")
    db.execute("CREATE TABLE notice_numbers (year INTEGER PRIMARY KEY, last INTEGER NOT NULL)")


@migrations()
def m005_digests(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE digests (          -- 《重要舆情摘报》: numbered per year, each period issued once
            id INTEGER PRIMARY KEY,
            year INTEGER NOT NULL,
            number INTEGER NOT NULL,
            period_from TEXT NOT NULL,
            period_to TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            path TEXT,
            UNIQUE (year, number)
        )
        """
    )
    db.execute("CREATE INDEX digests_period ON digests (period_from, period_to)")
    db.execute(
        """
        CREATE TABLE digest_items (
            digest_id INTEGER NOT NULL REFERENCES digests (id),
            event_id INTEGER NOT NULL REFERENCES events (id),
            UNIQUE (digest_id, event_id)
        )
        """
    )


@migrations()
def m006_search(db: Database) -> None:
    db.execute("CREATE VIRTUAL TABLE post_search USING fts5 (grams, tokenize = 'unicode61')")
    rows = list(db.execute("SELECT id, title, text FROM posts"))
    db.conn.executemany(
        "INSERT INTO post_search (rowid, grams) VALUES (?, ?)",
        [(post_id, grams(f"{title} {text}")) for post_id, title, text in rows],
    )


@migrations()
def m007_evidence(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE raw_bodies (        -- 截屏取证: the fetched bytes a post was read from
            sha256 TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            size INTEGER NOT NULL,
            data BLOB NOT NULL           -- zlib-compressed
        )
        """
    )
    db.execute("ALTER TABLE posts ADD COLUMN body_sha TEXT")
    db.execute("CREATE INDEX posts_body_sha ON posts (body_sha)")


@migrations()
def m008_drop_post_bands(db: Database) -> None:
    # Grouping now reads fingerprints of the window's posts straight from posts.
    db.execute("DROP TABLE post_bands")


@migrations()
def m009_post_readings(db: Database) -> None:
    # What grading takes from each post's words, read once when the post is analysed.
    # NULL for posts analysed before this migration: grading reads their text instead.
    db.execute("ALTER TABLE posts ADD COLUMN categories TEXT")  # JSON list of category names
    db.execute("ALTER TABLE posts ADD COLUMN mentions TEXT")  # JSON list of key persons and places


@migrations()
def m010_event_nature(db: Database) -> None:
    # 性质: 负面 / 敏感 / 中性 / 正面, and why; nature_manual is the officer's when set by hand.
    # NULL until the event is next graded (regrade grades them all).
    db.execute("ALTER TABLE events ADD COLUMN nature TEXT")
    db.execute("ALTER TABLE events ADD COLUMN nature_basis TEXT")
    db.execute("ALTER TABLE events ADD COLUMN nature_manual TEXT")
    # Sources marked own = true in sources.toml (the office's publicity), as of the last run.
    db.execute("CREATE TABLE own_sources (name TEXT PRIMARY KEY)")


@migrations()
def m011_handovers(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE handovers (        -- 交接班: the end of a duty shift
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            note TEXT NOT NULL,
            since TEXT,                 -- the shift's start: the previous handover, if any
            summary TEXT NOT NULL,      -- JSON: new events by level, actions, closed and open cases
            path TEXT                   -- the Markdown copy under reports/
        )
        """
    )
    db.execute("CREATE INDEX handovers_at ON handovers (at)")


@migrations()
def m012_post_sightings(db: Database) -> None:
    # One article is one post however many sources carry it: each source's sighting of it
    # (its own key, site and times) is a row here. Posts that two sources stored twice
    # before this migration are merged into the first one stored.
    db.execute(
        """
        CREATE TABLE sightings (         -- which sources carried a post, under which key
            post_id INTEGER NOT NULL REFERENCES posts (id),
            source TEXT NOT NULL,
            key TEXT NOT NULL,           -- the source's own dedupe key (guid or URL)
            site TEXT NOT NULL DEFAULT '',
            mainstream INTEGER NOT NULL DEFAULT 0,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            UNIQUE (source, key)
        )
        """
    )
    db.execute("CREATE INDEX sightings_post ON sightings (post_id)")
    db.execute(
        "INSERT INTO sightings (post_id, source, key, site, mainstream, first_seen_at, last_seen_at)"
        " SELECT id, source, key, site, mainstream, first_seen_at, last_seen_at FROM posts"
    )
    db.execute("CREATE INDEX posts_url ON posts (url) WHERE url != ''")
    merge_duplicate_posts(db.conn)


def merge_duplicate_posts(conn: sqlite3.Connection) -> int:
    """Fold posts that different sources stored under one normalised URL into the first
    one stored; the number of posts folded away."""
    from yuqing.store.merge import duplicate_groups, merge_into

    touched_events: set[int] = set()
    folded = 0
    for group in duplicate_groups(conn):
        survivor, *others = group
        touched_events |= merge_into(conn, survivor, others)
        folded += len(others)
    if touched_events:
        from yuqing.store.merge import settle_events

        settle_events(conn, touched_events)
    return folded


@migrations()
def m013_store_identity(db: Database) -> None:
    # A yuqing store says so in its header: restore refuses any other SQLite file.
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


@migrations()
def m014_replies_and_digest_editions(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE replies (           -- 网民回复: the replies under a forum thread (its comments)
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts (id),
            floor INTEGER NOT NULL,      -- the reply's place in the thread (2 = first reply)
            author TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            posted_at TEXT,
            negative INTEGER NOT NULL DEFAULT 0,
            fetched_at TEXT NOT NULL,
            UNIQUE (post_id, floor)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE thread_fetches (    -- when each thread page was last read, and how it went
            post_id INTEGER PRIMARY KEY REFERENCES posts (id),
            fetched_at TEXT NOT NULL,
            ok INTEGER NOT NULL,
            replies INTEGER NOT NULL DEFAULT 0,
            opening TEXT,                -- floor 1 as read there: the post's own text (事件概要)
            message TEXT
        )
        """
    )
    db.execute("ALTER TABLE digests ADD COLUMN serial INTEGER")  # 总第 N 期, across years
    db.execute("ALTER TABLE digests ADD COLUMN note TEXT")  # 编者按
    db.execute("ALTER TABLE digests ADD COLUMN reissued_at TEXT")  # last --force reissue
    db.execute("UPDATE digests SET serial = (SELECT count(*) FROM digests d WHERE d.id <= digests.id)")


@migrations()
def m015_judgments(db: Database) -> None:
    # 人工研判: the officer's verdicts, appended and never edited, like case_actions.
    # `kind` is a column so new verdict kinds (e.g. an event's nature) slot in.
    db.execute(
        """
        CREATE TABLE judgments (        -- append-only: who judged what about an event, when, why
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES events (id),
            post_id INTEGER REFERENCES posts (id),
            at TEXT NOT NULL,
            kind TEXT NOT NULL,          -- dismiss | restore | level | auto | merge | merged | split | ignore | reopen
            value TEXT,                  -- the level set, the other event's id, …
            reason TEXT NOT NULL DEFAULT '',
            by TEXT NOT NULL,
            detail TEXT                  -- JSON: what else the verdict touched (post ids, old level)
        )
        """
    )
    db.execute("CREATE INDEX judgments_event ON judgments (event_id, at)")
    for verb in ("update", "delete"):
        db.execute(
            f"CREATE TRIGGER judgments_append_only_{verb} BEFORE {verb.upper()} ON judgments"
            " BEGIN SELECT RAISE(ABORT, 'judgments is append-only'); END"
        )
    db.execute("ALTER TABLE events ADD COLUMN manual_level TEXT")  # 人工定级: rules never go below it
    db.execute("ALTER TABLE events ADD COLUMN dismissed_at TEXT")  # 误报: out of lists and notices
    db.execute("ALTER TABLE events ADD COLUMN dismissed_level TEXT")  # the level when dismissed
    db.execute("ALTER TABLE events ADD COLUMN merged_into INTEGER")
    db.execute("ALTER TABLE events ADD COLUMN unmatched INTEGER NOT NULL DEFAULT 0")  # no topic after regrade
    db.execute("ALTER TABLE events ADD COLUMN quiet INTEGER NOT NULL DEFAULT 0")  # stock only, nothing new
    # 存量: a post already old when first collected; thresholds count what it gains after.
    db.execute("ALTER TABLE posts ADD COLUMN stock INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE posts ADD COLUMN base_clicks INTEGER")  # figures when first seen
    db.execute("ALTER TABLE posts ADD COLUMN base_comments INTEGER")
    db.execute("ALTER TABLE posts ADD COLUMN ignored INTEGER NOT NULL DEFAULT 0")  # 人工排除 from its event
    # Posts stored before: those already 72 h old (the default stock_hours) when first seen
    # are stock from now on, counted from their first observation; their events are re-graded
    # by the next run, so a sticky thread with years of views stops being 特别重大.
    db.execute(
        """
        UPDATE posts SET stock = 1,
            base_clicks = coalesce((SELECT o.clicks FROM observations o WHERE o.post_id = posts.id
                                    ORDER BY o.observed_at, o.rowid LIMIT 1), clicks, 0),
            base_comments = coalesce((SELECT o.comments FROM observations o WHERE o.post_id = posts.id
                                      ORDER BY o.observed_at, o.rowid LIMIT 1), comments, 0)
        WHERE published_at IS NOT NULL AND julianday(published_at) < julianday(first_seen_at) - 3
        """
    )
    db.execute("UPDATE events SET dirty = 1 WHERE id IN (SELECT event_id FROM posts WHERE stock = 1)")


@migrations()
def m016_letters(db: Database) -> None:
    # 网络问政 letters (12345 hotline, 县长信箱, 领导留言板): one row per channel + 编号; the letter
    # is also stored as a post (post_id) so it is matched, grouped, graded and searched like one.
    db.execute(
        """
        CREATE TABLE letters (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,         -- 12345热线 | 县长信箱 | 领导留言板 | …
            number TEXT NOT NULL,          -- 编号 in the channel's own export
            title TEXT NOT NULL DEFAULT '',
            content TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',  -- the message board's page; not on the post: a letter
                                           -- on people.com.cn's board is not mainstream coverage
            received_at TEXT NOT NULL,     -- 来信时间
            reply_due TEXT,                -- working days of the channel from rules.toml [letters]
            replied_at TEXT,               -- 回复时间
            closed_at TEXT,                -- 办结时间
            rating TEXT,                   -- 满意度/评价 as exported
            satisfied INTEGER,             -- 1 satisfied, 0 not, NULL not rated or not recognised
            post_id INTEGER REFERENCES posts (id),
            imported_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (channel, number)
        )
        """
    )
    db.execute("CREATE INDEX letters_received ON letters (received_at)")
    db.execute("CREATE INDEX letters_open ON letters (reply_due) WHERE replied_at IS NULL")
    db.execute("ALTER TABLE notices ADD COLUMN letter_id INTEGER")  # reminders about a letter


@migrations()
def m017_work_records(db: Database) -> None:
    # What the year-end summary counts beyond cases: 社情民意 tags, 删帖 posts and outcomes,
    # 答复材料 documents attached to actions.
    db.execute(
        """
        CREATE TABLE event_tags (
            event_id INTEGER NOT NULL REFERENCES events (id),
            tag TEXT NOT NULL,             -- 社情民意
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            PRIMARY KEY (event_id, tag)
        )
        """
    )
    for column in (
        "post_ids TEXT",       # JSON list: the posts a 删帖申请 / 删帖 action is about
        "outcome TEXT",        # 删帖: 已删除 | 未删除
        "document_sha TEXT",   # an attached document (答复材料), kept in documents
        "document_name TEXT",
    ):
        db.execute(f"ALTER TABLE case_actions ADD COLUMN {column}")
    db.execute(
        """
        CREATE TABLE documents (          -- files attached to case actions, kept in the store
            sha256 TEXT PRIMARY KEY,      -- so a backup carries them
            name TEXT NOT NULL,
            size INTEGER NOT NULL,
            added_at TEXT NOT NULL,
            data BLOB NOT NULL            -- zlib-compressed
        )
        """
    )


@migrations()
def m018_contentless_search(db: Database) -> None:
    (search_sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'post_search'").fetchone()
    if "content = ''" in search_sql:
        return  # already contentless: a store that lost this migration's record
    # post_search stored a second copy of every post's bigram text next to its index (about
    # 40% of the file) though posts holds the text it is made from. post_index keeps only the
    # index. Filling it is chunked and resumable, outside this transaction: see
    # yuqing/store/rebuild.py, which swaps it in as post_search when it is done. To delete a
    # post from it, insert ('delete', rowid, grams of the post's title and text).
    # grams() already lower-cases and splits on spaces, so the plain 'ascii' tokenizer reads
    # them as unicode61 did, at two thirds of its cost (it still folds ASCII case, and keeps
    # every non-ASCII character inside a token: a CJK bigram stays one token).
    db.execute(
        "CREATE VIRTUAL TABLE post_index USING fts5 (grams, content = '', columnsize = 0, tokenize = 'ascii')"
    )
    # Copying in chunks of 20,000 posts, a 1 MiB buffer of pending terms (the default) flushes
    # and merges segments over and over: 64 MiB made the copy three times faster. Reset when done.
    db.execute("INSERT INTO post_index (post_index, rank) VALUES ('hashsize', 67108864)")
    db.execute("CREATE TABLE search_rebuild (done_id INTEGER NOT NULL)")  # last post id copied; -1: vacuum
    db.execute("INSERT INTO search_rebuild (done_id) VALUES (0)")


@migrations()
def m019_post_tone(db: Database) -> None:
    # The tone model's reading of each post, and the officer's own verdicts on tone.
    db.execute("ALTER TABLE posts ADD COLUMN tone_score REAL")  # negativity in [0, 1]
    db.execute("ALTER TABLE posts ADD COLUMN tone_reasons TEXT")  # JSON list: 负面依据
    db.execute("ALTER TABLE posts ADD COLUMN tone_model TEXT")  # id of the model that read it
    db.execute(
        """
        CREATE TABLE tone_labels (       -- the officer's verdicts (人工研判), newest counts
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            negative INTEGER NOT NULL,   -- 1 负面, 0 非负面
            at TEXT NOT NULL,
            score REAL,                  -- the model's score when the officer judged
            model TEXT                   -- and the model that gave it
        )
        """
    )
    db.execute("CREATE INDEX tone_labels_post ON tone_labels (post_id, id)")


@migrations()
def m020_lean_store(db: Database) -> None:
    # A store took about 4.4 bytes on disk per byte of text (issue 16). Three cuts:
    # 1. The search index keeps no positions (detail = none): less than half the size. A
    #    phrase (the bigrams of a longer word) is then checked on the candidates' own text
    #    (yuqing.text.search.has_phrases). Filling it is chunked and resumable like m018's
    #    copy (yuqing/store/rebuild.py), from the posts' titles and texts; a copy m018 left
    #    unfinished is started over into the new table.
    db.execute("DROP TABLE IF EXISTS post_index")
    db.execute(
        "CREATE VIRTUAL TABLE post_index USING fts5"
        " (grams, content = '', columnsize = 0, detail = none, tokenize = 'ascii')"
    )
    db.execute("INSERT INTO post_index (post_index, rank) VALUES ('hashsize', 67108864)")
    db.execute("CREATE TABLE IF NOT EXISTS search_rebuild (done_id INTEGER NOT NULL)")
    db.execute("DELETE FROM search_rebuild")
    db.execute("INSERT INTO search_rebuild (done_id) VALUES (0)")
    # 2. A post carried by one source is its own sighting: sightings holds rows only for
    #    posts two or more sources carried (all of their sightings, the first one's too).
    #    The rebuild's chunks delete the rows m012 wrote that only repeat the post row.
    #    all_sightings is every sighting either way (n orders a post's sightings).
    db.execute("DROP VIEW IF EXISTS all_sightings")
    db.execute(
        """
        CREATE VIEW all_sightings AS
            SELECT post_id, source, key, site, mainstream, first_seen_at, last_seen_at, rowid AS n
            FROM sightings
            UNION ALL
            SELECT id, source, coalesce(key, 'url:' || url), site, mainstream, first_seen_at, last_seen_at, 0
            FROM posts p WHERE NOT EXISTS (SELECT 1 FROM sightings s WHERE s.post_id = p.id)
        """
    )
    # 3. posts.key repeated the URL ("url:" + url) of every post without a guid, in the row
    #    and in the (source, key) index: NULL there now (yuqing.store.base.stored_key), set
    #    by the rebuild's chunks. Dropping a NOT NULL constraint leaves the file as it is,
    #    so the table's SQL is edited in place (https://sqlite.org/lang_altertable.html,
    #    "Making Other Kinds Of Table Schema Changes").
    _allow_null_key(db.conn)
    # 4. Nothing looks posts up by their evidence since m018 made body_sha a rowid.
    db.execute("DROP INDEX IF EXISTS posts_body_sha")


_KEY_NOT_NULL = "key TEXT NOT NULL,             -- stable guid or normalised URL: the dedupe key"
_KEY_NULLABLE = "key TEXT,                      -- 'guid:' + guid; NULL: 'url:' + url (m020)"


def _allow_null_key(conn: sqlite3.Connection) -> None:
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'posts'").fetchone()
    if _KEY_NOT_NULL not in sql:
        return
    (version,) = conn.execute("PRAGMA schema_version").fetchone()
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'posts'",
                     [sql.replace(_KEY_NOT_NULL, _KEY_NULLABLE)])
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the pending migrations, each in its own transaction."""
    migrations.apply(Database(conn, execute_plugins=False))


def migration_names() -> list[str]:
    """Every migration this yuqing knows, in order (restore refuses stores with others)."""
    return [migration.name for migration in migrations._migrations]
