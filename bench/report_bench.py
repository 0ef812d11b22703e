"""Benchmark the annual report (年度工作总结) over 1,000,000 posts and 20,000 events.

    python bench/report_bench.py                   # 1,000,000 posts, about two minutes
    python bench/report_bench.py --posts 100000 --events 2000     # a quick smoke test

Setup: a workspace with 300 sources in sources.toml and a store holding POSTS posts and
EVENTS events spread evenly over YEAR (Beijing time), written with executemany straight
into `posts`, `events`, `cases`, `case_actions`, `digests` and `digest_items` (the
schema is the store's own: `Store()` creates it). Post titles and texts come from
bench/grade_bench.py's generator (a pool of distinct posts, each title paired with
another post's text, so no two rows repeat); 80 % of the posts carry the matched topic,
about 3 posts an event point at their event. Every event has a case (case_min_level is
一般) with 2-5 actions, 85 % answered and 75 % closed; one 《重要舆情摘报》 a week. No
full-text index is built (`Store.save_items` would also fill `post_search`; the annual
report does not read it).

Measured, each in a fresh subprocess, the database warm in the page cache:

1. `yuqing --home H report annual --year YEAR --stdout` end to end (start-up included);
2. `yuqing.report.annual_data` called directly, with the time of each store query;
3. the floor: `SELECT count(*) FROM posts` plus reading every events row into Python dicts.

Figures are printed, never asserted. No network; every child has a timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grade_bench import (
    ALL_SOURCES,
    ROOT,
    iso,
    iter_posts,
    machine_line,
    peak_rss_mib,
    print_table,
    run_child,
    verdict,
)

LEVELS = (("一般", 0.62), ("较大", 0.22), ("重大", 0.11), ("特别重大", 0.05))
ACTIONS = ("研判", "上报", "转办", "核实", "回复", "发布通稿", "删帖申请", "辟谣", "善后跟踪")

# ---------------------------------------------------------------------- the store


def write_sources(home: Path) -> None:
    lines = []
    for site, domain, name in ALL_SOURCES:
        lines += ["[[sources]]", f'name = "{name}"', 'kind = "rss"',
                  f'url = "https://{domain}/rss/{name}.xml"', f'site = "{site}"', ""]
    (home / "sources.toml").write_text("\n".join(lines), encoding="utf-8")


def build(db: Path, n_posts: int, n_events: int, year: int, seed: int, pool_size: int) -> dict:
    """Bulk-load the store; returns counts and timings."""
    from yuqing.store import Store

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    pool = list(iter_posts(pool_size, seed=seed, days=30.0))
    timings["pool"] = time.perf_counter() - started
    start = datetime(year, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # Beijing midnight
    span = (datetime(year + 1, 1, 1, tzinfo=UTC) - timedelta(hours=8) - start).total_seconds()

    Store(db).close()  # the schema, by the store's own migrations
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")

    # events first: posts point at them
    started = time.perf_counter()
    levels = [lv for lv, share in LEVELS for _ in range(round(share * 100))]
    event_rows, case_rows, action_rows = [], [], []
    event_at: list[datetime] = []
    action_id = 0
    for e in range(1, n_events + 1):
        at = start + timedelta(seconds=(e - 1 + rng.random()) * span / n_events)
        event_at.append(at)
        level = rng.choice(levels)
        posts = rng.choice((1, 1, 2, 3, 3, 4, 6, 8))
        clicks = rng.randint(1000, 30000) if level in ("重大", "特别重大") else rng.randint(0, 900)
        comments = rng.randint(100, 3000) if level in ("重大", "特别重大") else rng.randint(0, 90)
        sample = pool[rng.randrange(pool_size)]
        reasons = [{"rule": "base", "level": level, "text": f"规则 → {level}"}]
        event_rows.append((
            e, sample.title, sample.site, iso(at), iso(at), iso(at + timedelta(hours=rng.randint(1, 96))),
            level, json.dumps(reasons, ensure_ascii=False), "[]", json.dumps(["本县舆情"], ensure_ascii=False),
            int(level != "一般"), posts, min(posts, rng.randint(1, 4)), rng.randint(0, 2) if level != "一般" else 0,
            clicks, comments, posts - 1, iso(at),
        ))  # fmt: skip
        opened = at + timedelta(minutes=rng.randint(5, 120))
        answer_due = opened + timedelta(hours=24)
        first_action = opened + timedelta(minutes=rng.randint(10, 600))
        answered = opened + timedelta(hours=rng.uniform(1, 40)) if rng.random() < 0.85 else None
        closed = (answered + timedelta(hours=rng.uniform(1, 72))) if answered and rng.random() < 0.88 else None
        case_rows.append((
            e, e, "已办结" if closed else ("已回应" if answered else "已转办"), level, iso(opened),
            None, iso(opened + timedelta(hours=2)), iso(answer_due), iso(opened + timedelta(minutes=30)),
            iso(opened + timedelta(hours=1)), iso(answered) if answered else None, iso(first_action),
            iso(closed) if closed else None, "已核实并回应" if closed else None,
        ))  # fmt: skip
        for k, action in enumerate(rng.sample(ACTIONS, rng.randint(2, 5))):
            action_id += 1
            action_rows.append((action_id, e, iso(first_action + timedelta(hours=k)), action,
                                "县住建局" if action == "转办" else None, None, "值班员"))
    with conn:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events (id, title, first_site, first_at, first_seen_at, last_seen_at, level,"
            " reasons, categories, topics, negative, posts, sites, mainstream_sites, clicks, comments,"
            " reprints, graded_at, dirty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            event_rows,
        )
        conn.executemany(
            "INSERT INTO cases (id, event_id, status, level, opened_at, report_due, forward_due,"
            " answer_due, reported_at, forwarded_at, answered_at, first_action_at, closed_at, result)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            case_rows,
        )
        conn.executemany(
            "INSERT INTO case_actions (id, case_id, at, action, to_dept, note, by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            action_rows,
        )
        digest_rows, item_rows = [], []
        for week in range(52):
            begin = start + timedelta(days=7 * week)
            digest_rows.append((week + 1, year, week + 1, iso(begin), iso(begin + timedelta(days=7)),
                                iso(begin + timedelta(days=7, hours=9))))
            item_rows += [(week + 1, e) for e in rng.sample(range(1, n_events + 1), min(10, n_events))]
        conn.executemany("INSERT INTO digests (id, year, number, period_from, period_to, issued_at)"
                         " VALUES (?, ?, ?, ?, ?, ?)", digest_rows)
        conn.executemany("INSERT OR IGNORE INTO digest_items (digest_id, event_id) VALUES (?, ?)", item_rows)
        conn.execute("COMMIT")
    timings["events"] = time.perf_counter() - started

    # posts: in publication order; about 3 an event belong to that event
    started = time.perf_counter()
    event_posts = {e: row[11] for e, row in enumerate(event_rows, 1)}
    per_event = sum(event_posts.values())
    event_slots = sorted(rng.sample(range(n_posts), min(per_event, n_posts)))
    owners = [e for e, k in event_posts.items() for _ in range(k)][: len(event_slots)]
    owner_at = dict(zip(event_slots, owners, strict=True))
    topics_yes = json.dumps(["本县舆情"], ensure_ascii=False)
    insert = ("INSERT INTO posts (id, source, channel, site, mainstream, key, url, title, text,"
              " published_at, first_seen_at, last_seen_at, clicks, comments, event_id, negative, topics,"
              " analysed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)")
    conn.execute("BEGIN")
    batch = []
    for i in range(n_posts):
        p = pool[i % pool_size]
        text = pool[(i * 7919 + 13) % pool_size].text
        at = start + timedelta(seconds=(i + 0.5) * span / n_posts)
        stamp = iso(at)
        seen = iso(at + timedelta(minutes=7))
        event = owner_at.get(i)
        url = f"https://{p.domain}/{i}.html"
        batch.append((i + 1, p.source, p.channel, p.site, int(p.mainstream), "url:" + url, url, p.title, text,
                      stamp, seen, seen, p.clicks, p.comments, event, int(rng.random() < 0.2),
                      topics_yes if event or rng.random() < 0.8 else "[]"))
        if len(batch) >= 20_000:
            conn.executemany(insert, batch)
            batch.clear()
    if batch:
        conn.executemany(insert, batch)
    conn.execute("COMMIT")
    timings["posts"] = time.perf_counter() - started
    started = time.perf_counter()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    timings["checkpoint"] = time.perf_counter() - started
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("posts", "events", "cases", "case_actions", "digests", "digest_items")}
    conn.close()
    return {"timings": timings, "counts": counts}


# ---------------------------------------------------------------------- children


def child_annual_data(home_arg: str, year: str) -> None:
    """annual_data called directly, with each Store query timed."""
    from yuqing import report
    from yuqing.rules import load_rules, rules_path_for
    from yuqing.sources.config import load_sources
    from yuqing.store import Store

    home = Path(home_arg)
    query_time: dict[str, float] = {}
    query_rows: dict[str, int] = {}
    for name in ("events_between", "cases_between", "action_counts_between", "count_posts_between",
                 "monthly_levels", "digest_totals"):
        original = getattr(Store, name)

        def timed(self, *a, _original=original, _name=name, **k):
            started = time.perf_counter()
            result = _original(self, *a, **k)
            query_time[_name] = query_time.get(_name, 0.0) + time.perf_counter() - started
            query_rows[_name] = len(result) if isinstance(result, list | dict) else 1
            return result

        setattr(Store, name, timed)
    rules = load_rules(rules_path_for(None))
    sources = load_sources(home / "sources.toml")
    store = Store(home / "yuqing.db")
    started = time.perf_counter()
    data = report.annual_data(store, rules, sources, int(year))
    wall = time.perf_counter() - started
    started = time.perf_counter()
    markdown = report.render_report("annual", {**data, "charts": []}, home)
    render = time.perf_counter() - started
    store.close()
    print(json.dumps({"wall": wall, "render": render, "peak": peak_rss_mib(), "queries": query_time,
                      "rows": query_rows, "posts": data["posts"], "events": len(data["events"]),
                      "cases": data["cases"], "chars": len(markdown)}))


def child_floor(db: str) -> None:
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    posts = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    count_wall = time.perf_counter() - started
    cursor = conn.execute("SELECT * FROM events")
    names = [d[0] for d in cursor.description]
    events = [dict(zip(names, row, strict=True)) for row in cursor]
    wall = time.perf_counter() - started
    conn.close()
    print(json.dumps({"wall": wall, "count": count_wall, "peak": peak_rss_mib(), "posts": posts,
                      "events": len(events)}))


# ---------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--pool", type=int, default=40_000, help="distinct generated posts to draw from")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per child")
    parser.add_argument("--keep", type=Path, help="keep the workspace in this directory")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        {"annual-data": child_annual_data, "floor": child_floor}[kind](*rest)
        return 0

    bench_started = time.perf_counter()
    print(f"report_bench: {machine_line()}; yuqing from {ROOT}")
    tmp = Path(tempfile.mkdtemp(prefix="report-bench-"))
    work = args.keep or tmp
    home = work / "home"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    try:
        write_sources(home)
        db = home / "yuqing.db"
        started = time.perf_counter()
        built = build(db, args.posts, args.events, args.year, args.seed, min(args.pool, args.posts))
        build_wall = time.perf_counter() - started
        size = sum(p.stat().st_size for p in home.glob("yuqing.db*"))
        c = built["counts"]
        t = built["timings"]
        print(f"built the store in {build_wall:.1f} s (pool of posts {t['pool']:.1f} s, events/cases"
              f" {t['events']:.1f} s, posts {t['posts']:.1f} s, checkpoint + ANALYZE {t['checkpoint']:.1f} s):"
              f" {c['posts']:,} posts, {c['events']:,} events, {c['cases']:,} cases,"
              f" {c['case_actions']:,} case actions, {c['digests']} digests with {c['digest_items']:,} items",
              flush=True)

        def step(label: str, argv: list[str], expect_json: bool = True) -> tuple[float, dict]:
            print(f"  {label} ...", end="", flush=True)
            wall, data, err = run_child(argv, timeout=args.timeout, expect_json=expect_json)
            print(f" {wall:.2f} s" + (f" ({data['error']})" if "error" in data else ""), flush=True)
            if "error" in data and err:
                print(err[-2000:])
            return wall, data

        cli = [sys.executable, "-m", "yuqing.cli", "--home", str(home), "report", "annual",
               "--year", str(args.year), "--stdout"]
        cli_wall, cli_data = step("yuqing report annual --stdout", cli, expect_json=False)
        data_wall, data = step("report.annual_data, in-process", [*me, "annual-data", str(home), str(args.year)])
        floor_wall, floor = step("floor: count(*) + read all events", [*me, "floor", str(db)])
        start_wall, _ = step("yuqing paths (start-up only)",
                             [sys.executable, "-m", "yuqing.cli", "--home", str(home), "paths"], expect_json=False)
        cli2_wall, cli2 = step("yuqing report annual --stdout, again", cli, expect_json=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # with --keep it stayed empty: the work is in KEEP

    rows = [
        (f"yuqing report annual --year {args.year} --stdout (subprocess)", f"{cli_wall:.2f}",
         f"{cli_data.get('cpu', 0):.2f}", f"{cli_data.get('peak', 0):.0f}",
         f"{cli_data.get('lines', 0):,} lines", f"{c['posts'] / cli_wall:,.0f} posts"),
        ("  the same, a second time", f"{cli2_wall:.2f}", f"{cli2.get('cpu', 0):.2f}",
         f"{cli2.get('peak', 0):.0f}", f"{cli2.get('lines', 0):,} lines", ""),
        ("  of which start-up: yuqing paths, same workspace", f"{start_wall:.2f}", "", "", "", ""),
        ("report.annual_data (the call alone, in a fresh process)", f"{data.get('wall', 0):.2f}",
         f"{data.get('cpu', 0):.2f}", f"{data.get('peak', 0):.0f}", f"{data.get('events', 0):,} events",
         f"{data.get('posts', 0) / max(data.get('wall', 1e-9), 1e-9):,.0f} posts"),
        ("  + rendering annual.md.j2", f"{data.get('render', 0):.2f}", "", "", f"{data.get('chars', 0):,} chars", ""),
    ]
    for name, seconds in sorted(data.get("queries", {}).items(), key=lambda kv: -kv[1]):
        rows.append((f"  Store.{name}", f"{seconds:.3f}", "", "", f"{data['rows'].get(name, 0):,} rows", ""))
    rows += [
        ("floor: SELECT count(*) FROM posts + all events rows", f"{floor.get('wall', 0):.2f}",
         f"{floor.get('cpu', 0):.2f}", f"{floor.get('peak', 0):.0f}", f"{floor.get('events', 0):,} events", ""),
        ("  of which SELECT count(*) FROM posts", f"{floor.get('count', 0):.2f}", "", "",
         f"{floor.get('posts', 0):,} posts", ""),
        ("(setup) bulk insert with executemany, no FTS", f"{build_wall:.1f}", "", "",
         f"{c['posts']:,} posts", f"{c['posts'] / build_wall:,.0f}"),
    ]
    print()
    print_table(("what", "wall s", "cpu s", "peak MiB", "count", "per second"), rows)
    print("  the CLI rows time the whole subprocess (start-up, imports, rules, sources, queries, template);"
          " cpu s: user+sys of the child; peak MiB: its VmHWM")
    mib = size / 2**20
    print(f"  database {mib:,.0f} MiB ({size / 1e6:,.0f} MB) for {c['posts']:,} posts without the"
          f" full-text index: {mib / (c['posts'] / 1e6):,.0f} MiB per million posts")
    print(f"  load average {os.getloadavg()[0]:.2f} at the end (2 cores)")
    print()
    print("targets")
    ok = "error" not in cli_data and cli_data.get("lines", 0) > 0
    print(f"  {verdict(ok and cli_wall <= 10.0)}  annual report over {c['posts']:,} posts and {c['events']:,}"
          f" events in {cli_wall:.2f} s <= 10 s (CLI, end to end)")
    print(f"  info  annual_data alone {data.get('wall', 0):.2f} s; floor {floor.get('wall', 0):.2f} s;"
          f" annual_data / floor = {data.get('wall', 0) / max(floor.get('wall', 1e-9), 1e-9):.1f}x")
    print(f"\nbench took {time.perf_counter() - bench_started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
