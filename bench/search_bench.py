"""Benchmark full-text search over 1,000,000 posts, the database size, and one `yuqing run`.

    python bench/search_bench.py                      # 1,000,000 posts + the run, about 5 minutes
    python bench/search_bench.py --posts 100000 --feeds 60 --items 10     # a quick smoke test
    python bench/search_bench.py --skip-run --keep /tmp/sb    # search only; keep the store
    python bench/search_bench.py --db /tmp/sb/search.db --skip-run     # reuse a kept store

Setup: POSTS posts spread over 2026, one batch per source and week (300 sources, one
transaction a week), in collection order. The first SAVE_ITEMS posts go through the real
indexing path, `Store.save_items`, which also fills the `post_search` FTS5 table with
`yuqing.text.search.grams` bigrams, and its rate is printed with what all POSTS would take that
way. The rest are inserted DIRECTLY with executemany — the same `posts` rows, the same
`observations` for forum figures, the same `post_search` rows (the grams strings built
from the pool once and checked against `grams()` on 2,000 rows) — because save_items
alone would take several minutes (--all-save-items does it anyway). Titles and texts
come from bench/grade_bench.py's generator: a pool of POOL distinct posts, each row pairing
one post's title with another's text, so no two rows repeat.

Queries (QUERIES, below; each class is printed apart): two-character words (拆迁 食品
城管 …), three and more characters (补偿款 幼儿园 …), ASCII mixed with Chinese (5G基站
12345热线 …), two terms that must both occur (拆迁 补偿款 …), and, for information only,
rare words and single characters (which fall back to a LIKE scan by design). Each query
runs once through `Store.search_posts(*match_expression(query_terms(q)), limit=50)` in a
fresh process (median, p90 and max per class; the target is on the median of the first
four classes). Baseline, same run, same queries: `LIKE '%term%'` on title or text for
every term, same ORDER BY and LIMIT, no index; the result lists are compared. Reference:
the same MATCH with `ORDER BY rowid DESC LIMIT 50` inside the subquery (a possible fix).

Then one `yuqing run` over FEEDS RSS feeds x ITEMS items on tests/server.py ScriptedServers
at 127.0.0.1-127.0.0.HOSTS, every response (304s too) delayed DELAY seconds: a fresh
workspace (sources.toml, and rules.toml with one county's topic, 清河县, about 7 % of the
posts, so grouping, grading and escalation do some work), first run and second run (all
304), each in a fresh subprocess.

Figures are printed, never asserted. Only loopback; every child has a timeout.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from grade_bench import (
    ALL_SOURCES,
    FORUM_SOURCES,
    ROOT,
    _w,
    iso,
    iter_posts,
    machine_line,
    monitored_rules_text,
    peak_rss_mib,
    print_table,
    run_child,
    verdict,
)

QUERIES = {
    "two characters": _w("拆迁 食品 城管 停水 医保 物业 暴雨 燃气 学校 欠薪 噪音 垃圾 交通 养老 污水 路灯 暖气 火灾"),
    "three or more": _w("补偿款 幼儿园 充电桩 农民工 电动车 市场监管局 垃圾分类 老旧小区 食品安全 便民热线 "
                        "流动摊贩 拖欠工资 安全隐患 政务服务"),
    "ASCII + Chinese": _w("5G基站 12345热线 0319 5G 12345 5G信号"),
    "two terms (AND)": ["拆迁 补偿款", "食品 学校", "城管 摊贩", "停水 小区", "5G基站 辐射",
                        "火灾 受伤", "物业 投诉", "燃气 安全"],
    "rare (info)": _w("地沟油 烂尾楼 校园霸凌 疫苗 暴力执法"),
    "one character (info)": _w("水 火 电"),
}
TARGET_CLASSES = ("two characters", "three or more", "ASCII + Chinese", "two terms (AND)")
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=8)
FORUM_NAMES = {name for _, _, name in FORUM_SOURCES}
RUN_COUNTY = "清河县"

# ---------------------------------------------------------------------- building


def build_store(db: Path, n_posts: int, pool_size: int, seed: int, via_save_items: int,
                progress: bool) -> dict:
    """POSTS posts, one batch per source and week, in collection order. The first
    VIA_SAVE_ITEMS go through Store.save_items; the rest are inserted with executemany into
    `posts` (the columns save_items writes, explicit ids), `observations` (forum figures, as
    save_items records them) and `post_search` (rowid, yuqing.text.search.grams(title + " " + text):
    exactly what Store._index_new inserts)."""
    from yuqing.models import Item
    from yuqing.store import Store
    from yuqing.text.search import grams

    started = time.perf_counter()
    pool = list(iter_posts(pool_size, seed=seed, days=30.0))
    # grams(title + " " + text) == grams(title) + " " + grams(text): the space ends every run,
    # so each pool title and text is turned into grams once (checked below on real rows)
    title_grams = [grams(p.title) for p in pool]
    text_grams = [grams(p.text) for p in pool]
    pool_wall = time.perf_counter() - started
    checked = 0
    sources = {name: (site, domain) for site, domain, name in ALL_SOURCES}
    names = sorted(sources)
    weeks = 52
    batches = len(names) * weeks
    timing = {"save_items": 0.0, "direct": 0.0}
    done = {"save_items": 0, "direct": 0}
    insert_post = ("INSERT INTO posts (id, source, channel, site, mainstream, key, url, guid, title, text,"
                   " author, published_at, first_seen_at, last_seen_at, clicks, comments)"
                   " VALUES (?, ?, ?, ?, 0, ?, ?, NULL, ?, ?, '', ?, ?, ?, ?, ?)")
    with Store(db) as store:
        conn = store.conn
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB for the bulk build (the queries use the default)
        i = 0
        next_id = 1
        reported = 0
        for week in range(weeks):
            seen = iso(YEAR_START + timedelta(days=week * 7 + 6, hours=12))
            conn.execute("BEGIN IMMEDIATE")
            rows, grams_rows, observations = [], [], []
            direct_started = None
            for s, name in enumerate(names):
                site, domain = sources[name]
                channel = "forum" if name in FORUM_NAMES else "rss"
                count = n_posts // batches + (1 if week * len(names) + s < n_posts % batches else 0)
                items = []
                for _ in range(count):
                    p = pool[i % pool_size]
                    text = pool[(i * 7919 + 13) % pool_size].text
                    at = YEAR_START + timedelta(days=week * 7 + (i % 7), hours=12 - (i % 11))
                    items.append(Item(url=f"https://{domain}/{week}/{i}.html", title=p.title, text=text,
                                      published_at=iso(at), clicks=p.clicks, comments=p.comments))
                    i += 1
                if done["save_items"] < via_save_items:
                    t0 = time.perf_counter()
                    counts = store.save_items(source=name, channel=channel, site=site, mainstream=False,
                                              items=items, seen_at=seen)
                    timing["save_items"] += time.perf_counter() - t0
                    done["save_items"] += counts.new
                    next_id = done["save_items"] + 1
                    continue
                if direct_started is None:
                    direct_started = time.perf_counter()
                first = i - count
                for k, item in enumerate(items):
                    rows.append((next_id, name, channel, site, None, item.url, item.title,  # key: m020
                                 item.text, item.published_at, seen, seen, item.clicks, item.comments))
                    n = first + k
                    indexed = " ".join(g for g in (title_grams[n % pool_size],
                                                   text_grams[(n * 7919 + 13) % pool_size]) if g)
                    if checked < 2000:
                        checked += 1
                        if indexed != grams(f"{item.title} {item.text}"):
                            raise SystemExit(f"bench bug: precomputed grams differ for post {next_id}")
                    grams_rows.append((next_id, indexed))
                    if item.clicks is not None or item.comments is not None:
                        observations.append((next_id, seen, item.clicks, item.comments))
                    next_id += 1
            if rows:
                conn.executemany(insert_post, rows)
                conn.executemany("INSERT INTO observations (post_id, observed_at, clicks, comments)"
                                 " VALUES (?, ?, ?, ?)", observations)
                conn.executemany("INSERT INTO post_search (rowid, grams) VALUES (?, ?)", grams_rows)
                done["direct"] += len(rows)
            conn.execute("COMMIT")
            if direct_started is not None:
                timing["direct"] += time.perf_counter() - direct_started
            total = done["save_items"] + done["direct"]
            if progress and total - reported >= n_posts // 5:
                reported = total
                print(f"    ... {total:,} posts stored ({done['save_items']:,} via save_items in"
                      f" {timing['save_items']:.0f} s, {done['direct']:,} directly in {timing['direct']:.0f} s)",
                      flush=True)
    return {"pool": pool_wall, "timing": timing, "done": done, "saved": done["save_items"] + done["direct"]}


def table_sizes(db: Path) -> dict[str, int]:
    """Bytes per table or index (dbstat); the FTS5 shadow tables one by one."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()
    groups: dict[str, int] = {}
    for name, size in rows:
        if name.startswith("post_search"):
            key = name + {"post_search_data": " (the index)", "post_search_content": " (stored grams text)",
                          "post_search_docsize": " (token counts)"}.get(name, "")
        elif name == "posts" or name.startswith(("posts_", "sqlite_autoindex_posts")):
            key = "posts + its indexes"
        else:
            key = "everything else"
        groups[key] = groups.get(key, 0) + size
    return groups


# ---------------------------------------------------------------------- children


def child_search(db: str) -> None:
    from yuqing.store import Store
    from yuqing.text.search import match_expression, query_terms

    store = Store(db)
    out: dict[str, list] = {}
    for cls, queries in QUERIES.items():
        for q in queries:
            match, singles = match_expression(query_terms(q))
            started = time.perf_counter()
            rows = store.search_posts(match, singles, limit=50)
            out.setdefault(cls, []).append([q, time.perf_counter() - started, [r["id"] for r in rows]])
    store.close()
    print(json.dumps({"queries": out, "peak": peak_rss_mib()}, ensure_ascii=False))


def child_reference(db: str) -> None:
    """A possible fix, for comparison: let FTS5 walk its doclists newest rowid first and stop
    at 50 (`ORDER BY rowid DESC LIMIT 50` inside the MATCH subquery), then join posts. Post
    ids grow in collection order, so rowid order is first_seen_at order."""
    from yuqing.store import Store
    from yuqing.text.search import index_query, match_expression, query_terms

    store = Store(db)
    sql = ("SELECT p.id, p.site, p.url, p.title, p.text, p.first_seen_at, p.published_at, p.clicks,"
           " p.comments, p.event_id, e.level FROM posts p LEFT JOIN events e ON e.id = p.event_id"
           " WHERE p.id IN (SELECT rowid FROM post_search WHERE post_search MATCH ? ORDER BY rowid DESC"
           " LIMIT ?) ORDER BY p.first_seen_at DESC, p.id DESC")
    out: dict[str, list] = {}
    for cls, queries in QUERIES.items():
        for q in queries:
            match, singles = match_expression(query_terms(q))
            if not match or singles or index_query(match)[1]:  # phrases need checking on the text (m020)
                continue
            started = time.perf_counter()
            rows = store.conn.execute(sql, [index_query(match)[0], 50]).fetchall()
            out.setdefault(cls, []).append([q, time.perf_counter() - started, [r[0] for r in rows]])
    store.close()
    print(json.dumps({"queries": out, "peak": peak_rss_mib()}, ensure_ascii=False))


def child_like(db: str) -> None:
    conn = sqlite3.connect(db)
    out: dict[str, list] = {}
    for cls, queries in QUERIES.items():
        for q in queries:
            terms = q.split()
            where = " AND ".join("(title LIKE ? OR text LIKE ?)" for _ in terms)
            params = [v for t in terms for v in (f"%{t}%", f"%{t}%")]
            started = time.perf_counter()
            rows = conn.execute(f"SELECT id FROM posts WHERE {where} ORDER BY first_seen_at DESC, id DESC"
                                " LIMIT 50", params).fetchall()
            out.setdefault(cls, []).append([q, time.perf_counter() - started, [r[0] for r in rows]])
    conn.close()
    print(json.dumps({"queries": out, "peak": peak_rss_mib()}, ensure_ascii=False))


def child_plan(db: str, query: str) -> None:
    """EXPLAIN QUERY PLAN of the SQL Store.search_posts runs (captured with a trace callback),
    and of the reference form."""
    from yuqing.store import Store
    from yuqing.text.search import index_query, match_expression, query_terms

    store = Store(db)
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    match, singles = match_expression(query_terms(query))
    store.search_posts(match, singles, limit=50)
    store.conn.set_trace_callback(None)
    sql = next(q for q in seen if "FROM posts p" in q)
    plans = {}
    for name, text in (("yuqing", sql), ("reference", sql.replace(
            f"MATCH '{index_query(match)[0]}')", f"MATCH '{index_query(match)[0]}' ORDER BY rowid DESC LIMIT 50)"))):
        plans[name] = [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + text)]
    store.close()
    print(json.dumps({"sql": sql, "plans": plans}, ensure_ascii=False))


def child_counts(db: str) -> None:
    """How many posts each query's index lookup yields (FTS, no LIMIT; for a phrase, the
    posts holding all its bigrams, which the search then checks): context for the timings."""
    from yuqing.text.search import index_query, match_expression, query_terms

    conn = sqlite3.connect(db)
    out = {}
    for queries in QUERIES.values():
        for q in queries:
            match, _ = match_expression(query_terms(q))
            if match:
                out[q] = conn.execute("SELECT count(*) FROM post_search WHERE post_search MATCH ?",
                                      [index_query(match)[0]]).fetchone()[0]
    conn.close()
    print(json.dumps({"counts": out}, ensure_ascii=False))


# ---------------------------------------------------------------------- the feeds for `yuqing run`


def feed_xml(index: int, items: list, base: str) -> bytes:
    newest = datetime(2026, 3, 10, 1, 0, tzinfo=UTC).timestamp() - index * 60
    parts = []
    for n, p in enumerate(items):
        link = f"{base}/news/{index:04d}/{n:03d}.html"
        html = "".join(f"<p>{escape(s)}。</p>" for s in p.text.split("。") if s)
        parts.append(
            f"<item>\n<title>{escape(p.title)}</title>\n<link>{link}</link>\n"
            f'<guid isPermaLink="true">{link}</guid>\n<description><![CDATA[{html}]]></description>\n'
            f"<pubDate>{email.utils.formatdate(newest - n * 1800, usegmt=True)}</pubDate>\n</item>\n")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
            f"<title>测试源 {index}</title>\n<link>{base}/</link>\n<description>县域新闻</description>\n"
            + "".join(parts) + "</channel>\n</rss>\n").encode()


class Feeds:
    """FEEDS feeds over HOSTS loopback addresses, one tests/server.py ScriptedServer each."""

    def __init__(self, feeds: int, items: int, delay: float, hosts: int, seed: int):
        sys.path.insert(0, str(ROOT / "tests"))
        from server import ScriptedServer  # tests/server.py

        self.servers = [ScriptedServer(host=f"127.0.0.{n}") for n in range(1, min(hosts, feeds) + 1)]
        self.feeds, self.items, self.delay, self.seed = feeds, items, delay, seed
        self.urls: list[str] = []

    def start(self) -> None:
        posts = iter_posts(self.feeds * self.items, seed=self.seed, days=1.0)
        for server in self.servers:
            server.start()
        for index in range(self.feeds):
            server = self.servers[index % len(self.servers)]
            path = f"/rss/{index:04d}.xml"
            body = feed_xml(index, [next(posts) for _ in range(self.items)], server.base_url)
            server.route(path, body, etag=f'"feed-{index:04d}"', delay=self.delay,
                         last_modified="Tue, 10 Mar 2026 00:00:00 GMT",
                         headers={"Content-Type": "application/rss+xml; charset=utf-8"})
            self.urls.append(server.url(path))

    def requests(self) -> int:
        return sum(len(s.requests) for s in self.servers)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def write_workspace(home: Path, urls: list[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, url in enumerate(urls):
        lines += ["[[sources]]", f'name = "测试源-{index:04d}"', 'kind = "rss"', f'url = "{url}"',
                  f'site = "测试站点{index % 30:02d}"', ""]
    (home / "sources.toml").write_text("\n".join(lines), encoding="utf-8")
    # one county's office: its topic is its own county (about 7 % of the generated posts)
    (home / "rules.toml").write_text(monitored_rules_text(counties=[RUN_COUNTY]), encoding="utf-8")


def run_summary(data: dict) -> str:
    if "error" in data:
        return data["error"]
    try:
        summary = json.loads(data["stdout"])
    except (KeyError, ValueError):
        return "no JSON summary"
    statuses: dict[str, int] = {}
    for source in summary.get("sources", []):
        statuses[source["status"]] = statuses.get(source["status"], 0) + 1
    events = summary.get("events") or {}
    notices = summary.get("notices") or {}
    return (f"new {summary.get('new', 0):,}; sources {statuses}; matched {events.get('matched', 0):,},"
            f" events {events.get('new_events', 0):,}, notices {len(notices.get('planned', [])):,}")


# ---------------------------------------------------------------------- main


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--pool", type=int, default=40_000, help="distinct generated posts to draw from")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--hosts", type=int, default=30)
    parser.add_argument("--skip-run", action="store_true", help="no `yuqing run` part")
    parser.add_argument("--save-items", type=int, default=60_000,
                        help="posts stored through Store.save_items (timed); the rest directly")
    parser.add_argument("--all-save-items", action="store_true",
                        help="store every post through Store.save_items (slow: see the printed rate)")
    parser.add_argument("--db", type=Path, help="reuse a store built by an earlier --keep run")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per child")
    parser.add_argument("--keep", type=Path, help="keep the store and workspace in this directory")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        {"search": child_search, "like": child_like, "counts": child_counts,
         "reference": child_reference, "plan": child_plan}[kind](*rest)
        return 0

    bench_started = time.perf_counter()
    print(f"search_bench: {machine_line()}; yuqing from {ROOT}")
    tmp = Path(tempfile.mkdtemp(prefix="search-bench-"))
    work = args.keep or tmp
    work.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]

    def step(label: str, argv: list[str], **kw) -> tuple[float, dict]:
        print(f"  {label} ...", end="", flush=True)
        wall, data, err = run_child(argv, timeout=args.timeout, **kw)
        print(f" {wall:.1f} s" + (f" ({data['error']})" if "error" in data else ""), flush=True)
        if "error" in data and err:
            print(err[-2000:])
        return wall, data

    run_rows: list[tuple] = []
    try:
        if args.db:
            db = args.db
            built = {"pool": 0.0, "timing": {"save_items": 0.0, "direct": 0.0},
                     "done": {"save_items": 0, "direct": 0},
                     "saved": sqlite3.connect(db).execute("SELECT count(*) FROM posts").fetchone()[0]}
            print(f"reusing {db}: {built['saved']:,} posts")
        else:
            db = work / "search.db"
            for leftover in work.glob("search.db*"):
                leftover.unlink()
            via = args.posts if args.all_save_items else min(args.save_items, args.posts)
            print(f"building {args.posts:,} posts: {via:,} through Store.save_items, the rest directly ...",
                  flush=True)
            built = build_store(db, args.posts, min(args.pool, args.posts), args.seed, via, progress=True)
            conn = sqlite3.connect(db)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            t = built["timing"]
            print(f"  built in {built['pool'] + t['save_items'] + t['direct']:.1f} s", flush=True)
        size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
        parts = table_sizes(db)
        _, counts = step("counting matches per query (FTS, no LIMIT)", [*me, "counts", str(db)])
        _, fts = step("yuqing Store.search_posts, every query once", [*me, "search", str(db)])
        _, like = step("baseline: LIKE '%term%' scan, every query once", [*me, "like", str(db)])
        _, ref = step("reference: FTS5 ORDER BY rowid DESC LIMIT 50, every query once",
                      [*me, "reference", str(db)])
        _, plan = step("query plans (EXPLAIN QUERY PLAN) for 食品", [*me, "plan", str(db), "食品"])

        if not args.skip_run:
            feeds = Feeds(args.feeds, args.items, args.delay, args.hosts, args.seed)
            feeds.start()
            try:
                home = work / "run-home"
                if home.exists():
                    shutil.rmtree(home)
                write_workspace(home, feeds.urls)
                env = dict(os.environ)
                env["YUQING_NOW"] = "2026-03-10T10:00:00+08:00"
                cli = [sys.executable, "-m", "yuqing.cli", "--home", str(home), "run", "--json"]
                for label in ("first run", "second run (all 304)"):
                    before = feeds.requests()
                    wall, data = step(f"yuqing run, {args.feeds} feeds x {args.items}, {label}", cli,
                                      env=env, expect_json=False)
                    data["stdout"] = data.get("stdout", "")
                    run_rows.append((label, wall, data, feeds.requests() - before))
            finally:
                feeds.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # with --keep it stayed empty: the work is in KEEP

    n = built["saved"]
    fts_q = fts.get("queries", {})
    like_q = like.get("queries", {})
    ref_q = ref.get("queries", {})
    match_counts = counts.get("counts", {})
    rows, all_first, target_first = [], [], []
    for cls in QUERIES:
        firsts = [r[1] for r in fts_q.get(cls, [])]
        likes = [r[1] for r in like_q.get(cls, [])]
        if not firsts:
            continue
        all_first += firsts
        if cls in TARGET_CLASSES:
            target_first += firsts
        agree = sum(1 for a, b in zip(fts_q[cls], like_q.get(cls, []), strict=False) if a[2] == b[2])
        matched = [match_counts.get(r[0], 0) for r in fts_q[cls]]
        rows.append((f"yuqing search: {cls} ({len(firsts)})", f"{statistics.median(firsts) * 1000:.1f}",
                     f"{_pct(firsts, 0.9) * 1000:.1f}", f"{max(firsts) * 1000:.1f}",
                     f"{statistics.median(matched):,.0f}" if any(matched) else "-", f"{agree}/{len(firsts)}"))
        if likes:
            rows.append((f"  baseline LIKE scan: {cls}", f"{statistics.median(likes) * 1000:.1f}",
                         f"{_pct(likes, 0.9) * 1000:.1f}", f"{max(likes) * 1000:.1f}", "", ""))
        refs = [r[1] for r in ref_q.get(cls, [])]
        if refs:
            ours = {r[0]: r[2] for r in fts_q[cls]}
            same = sum(1 for r in ref_q[cls] if ours.get(r[0]) == r[2])
            rows.append((f"  reference FTS5 rowid DESC LIMIT: {cls}", f"{statistics.median(refs) * 1000:.1f}",
                         f"{_pct(refs, 0.9) * 1000:.1f}", f"{max(refs) * 1000:.1f}", "",
                         f"{same}/{len(refs)} = yuqing"))
    print()
    print(f"search over {n:,} posts (ms per query; each method in a fresh process, each query once; limit 50)")
    print_table(("queries", "median", "p90", "max", "median matches", "same top 50"), rows)
    print("  same top 50: queries whose 50 results (ids, in order) equal the LIKE baseline's (reference"
          " rows: equal yuqing's)")
    slow = sorted(((r[1], cls, r[0]) for cls in TARGET_CLASSES for r in fts_q.get(cls, [])), reverse=True)[:6]
    print("  slowest queries: " + "; ".join(f"{q} {t * 1000:.0f} ms ({match_counts.get(q, 0):,} matches)"
                                          for t, _, q in slow))
    if plan.get("plans"):
        print("  query plan of yuqing's search (食品): " + " | ".join(plan["plans"]["yuqing"]))
        print("  query plan of the reference:         " + " | ".join(plan["plans"]["reference"]))
        print("  (yuqing's SQL: " + " ".join(plan["sql"].split())[:400] + ")")
    print()
    mib = size / 2**20
    print(f"database: {mib:,.0f} MiB ({size / 1e9:.2f} GB) for {n:,} posts ="
          f" {mib / max(n / 1e6, 1e-9):,.0f} MiB per million posts")
    if parts:
        print_table(("  table (dbstat)", "MiB", "share"), [
            (f"  {name}", f"{bytes_ / 2**20:,.0f}", f"{bytes_ / size:.0%}")
            for name, bytes_ in sorted(parts.items(), key=lambda kv: -kv[1]) if bytes_ >= 2**20])
    t, done = built["timing"], built["done"]
    rate = done["save_items"] / t["save_items"] if t["save_items"] else 0.0
    direct_rate = done["direct"] / t["direct"] if t["direct"] else 0.0
    print(f"building: {built['pool']:.1f} s generating the pool;"
          f" {done['save_items']:,} posts through Store.save_items in {t['save_items']:.1f} s"
          f" ({rate:,.0f} posts/s, batches of ~{n // (len(ALL_SOURCES) * 52)} per source and week,"
          f" FTS included)" + (f" -> {n:,} that way would take ~{n / rate:,.0f} s" if rate else ""))
    if done["direct"]:
        print(f"  the other {done['direct']:,} posts were inserted DIRECTLY (executemany into posts,"
              f" observations and post_search with yuqing.text.search.grams) in {t['direct']:.1f} s"
              f" ({direct_rate:,.0f} posts/s): same rows and index, without save_items' per-batch lookups")
    if run_rows:
        print()
        print(f"`yuqing run` over {args.feeds} RSS feeds x {args.items} items on {min(args.hosts, args.feeds)}"
              f" loopback addresses, {args.delay * 1000:.0f} ms a response")
        print_table(("run", "wall s", "cpu s", "peak MiB", "requests", "result"), [
            (label, f"{wall:.2f}", f"{data.get('cpu', 0):.2f}", f"{data.get('peak', 0):.0f}", f"{served}",
             run_summary(data)) for label, wall, data, served in run_rows])
        print("  wall: the whole `python -m yuqing.cli run` subprocess; peak: its VmHWM (sampled)")
    print(f"  load average {os.getloadavg()[0]:.2f} at the end (2 cores)")
    print()
    print("targets")
    if target_first:
        median = statistics.median(target_first)
        two = statistics.median([r[1] for r in fts_q.get("two characters", [])] or [0])
        print(f"  {verdict(median <= 0.050)}  median query {median * 1000:.1f} ms <= 50 ms over"
              f" {len(target_first)} queries ({', '.join(TARGET_CLASSES)}; two-character median"
              f" {two * 1000:.1f} ms)")
    else:
        print("  FAIL  median query <= 50 ms: no measurement")
    print(f"  info  database size per million posts: {mib / max(n / 1e6, 1e-9):,.0f} MiB")
    for label, wall, data, _ in run_rows:
        print(f"  info  yuqing run over {args.feeds} sources, {label}: {wall:.2f} s ({run_summary(data)})")
    print(f"\nbench took {time.perf_counter() - bench_started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
