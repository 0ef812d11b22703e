"""Benchmark one escalation of 10,000 graded events: file outbox and a loopback robot.

    python bench/escalate_bench.py                 # 10,000 events, about a minute
    python bench/escalate_bench.py --events 1000   # a quick smoke test

Setup: a fresh workspace whose rules.toml is the bundled one with the 值班员 role given
a WeCom robot 「值班群」 (20 messages a minute, yuqing's default for WeCom). The robot is
tests/robot_recorder.py's RobotRecorder on 127.0.0.1 in this process, which answers as
WeCom does and enforces the same 20-a-minute limit per key; its URL reaches yuqing only
through the environment variable YUQING_SECRET_DUTY_ROBOT, as credentials.py expects.
EVENTS graded events (55 % 一般, 25 % 较大, 12 % 重大, 8 % 特别重大), each with 1-8 posts
from bench/grade_bench.py's generator, are written straight into the store's `events`
and `posts` tables (no case, no notice yet). The clock is frozen (YUQING_NOW) inside duty
hours on a workday, so routine notices are not held for the morning.

Measured, each in a fresh subprocess:

1. yuqing: `escalate(Context(...), Dispatcher(...))` wired by yuqing.notify.context.build_context, as every command wires it
   wires it: opens 10,000 cases, numbers and records 10,000 notices with one file and one
   robot delivery each, writes the outbox files, sends what the robot's budget allows one
   by one and merges the rest into one summary message;
2. yuqing again on the same workspace (nothing new: the steady-state cost of a cron run
   with 10,000 open cases);
3. the floor: the same 10,000 notices (subject and body read back from the database)
   written as files by a trivial loop;
4. a reference: one Jinja environment, notice.md.j2 compiled once, rendered for every
   event and written (what rendering costs when the template is not rebuilt each time);
5. yuqing on a separate, smaller workspace (PROFILE_EVENTS events) under cProfile: the
   top 15 functions by cumulative time.

In the timed run the store's connection is wrapped to count every execute() and
executemany() call by statement (about a microsecond a call): a statement executed from
Python once per event is a per-event database round trip.

Figures are printed, never asserted. Loopback only; every child has a timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from grade_bench import (
    ROOT,
    iso,
    iter_posts,
    machine_line,
    peak_rss_mib,
    print_table,
    run_child,
    verdict,
)

NOW = "2026-03-10T10:00:00+08:00"  # a Tuesday, inside the default duty hours 08:30-17:30
LEVEL_SHARES = (("一般", 0.55), ("较大", 0.25), ("重大", 0.12), ("特别重大", 0.08))
ROBOT = "值班群"
SECRET = "duty_robot"  # -> YUQING_SECRET_DUTY_ROBOT
PER_MINUTE = 20

# ---------------------------------------------------------------------- the workspace


def robot_rules_text() -> str:
    """The bundled rules.toml with a WeCom robot for the 值班员 role."""
    from yuqing.rules import rules_path_for

    text = rules_path_for(None).read_text(encoding="utf-8")
    marker = '[roles."值班员"]\nemails = []\nrobots = []\n'
    if marker not in text:
        raise SystemExit("bundled rules.toml changed: cannot find the 值班员 role to give it a robot")
    text = text.replace(marker, f'[roles."值班员"]\nemails = []\nrobots = ["{ROBOT}"]\n')
    return text + (f'\n\n# -- added by bench/escalate_bench.py --\n[robots."{ROBOT}"]\nkind = "wecom"\n'
                   f'url_secret = "{SECRET}"\nper_minute = {PER_MINUTE}\n')


def _reasons(level: str, clicks: int, comments: int, sites: int) -> list[dict]:
    if level == "一般":
        return [{"rule": "base", "level": "一般", "text": "未触发任何升级规则 → 一般"}]
    if level == "较大":
        return [{"rule": "negative_spread", "level": "较大",
                 "text": f"负面声音出现在 {sites} 个网站 ≥ 2 → 较大"}]
    if level == "重大":
        return [{"rule": "threshold:clicks", "level": "重大", "text": f"点击 {clicks} ≥ 1000 → 重大"}]
    return [{"rule": "threshold:comments", "level": "特别重大", "text": f"跟帖 {comments} ≥ 500 → 特别重大"},
            {"rule": "category", "level": "特别重大", "text": "敏感类别（突发事件与安全事故）且已达重大 → 特别重大"}]


def build_store(db: Path, events: int, seed: int) -> tuple[int, int]:
    """EVENTS graded events with their posts, inserted directly (one transaction)."""
    from yuqing.store import Store

    rng = random.Random(seed)
    now = datetime.fromisoformat(NOW)
    sizes = [rng.choice((1, 1, 1, 2, 2, 3, 5, 8)) for _ in range(events)]
    posts = iter_posts(sum(sizes), seed=seed, days=1.0, start=now - timedelta(days=1))
    event_rows, post_rows = [], []
    levels = [lv for lv, share in LEVEL_SHARES for _ in range(round(share * 1000))]
    for event_id, size in enumerate(sizes, 1):
        members = [next(posts) for _ in range(size)]
        level = rng.choice(levels)
        clicks = rng.randint(1000, 9000) if level in ("重大", "特别重大") else rng.randint(0, 900)
        comments = rng.randint(500, 3000) if level == "特别重大" else rng.randint(0, 90)
        sites = len({p.site for p in members})
        first = members[0]
        event_rows.append((
            event_id, first.title, None, first.site, iso(first.at), iso(first.at),
            iso(members[-1].at), level,
            json.dumps(_reasons(level, clicks, comments, sites), ensure_ascii=False),
            json.dumps(["突发事件与安全事故"] if level == "特别重大" else [], ensure_ascii=False),
            json.dumps(["本县舆情"], ensure_ascii=False), int(level != "一般"), size, sites,
            sum(p.mainstream for p in members), clicks, comments, size - 1, iso(now),
        ))  # fmt: skip
        for p in members:
            post_rows.append((
                p.source, p.channel, p.site, int(p.mainstream), "url:" + p.url, p.url, p.title,
                p.text, iso(p.at), iso(p.at), iso(p.at), p.clicks, p.comments, event_id,
                int(level != "一般"), json.dumps(["本县舆情"], ensure_ascii=False),
            ))  # fmt: skip
    with Store(db) as store, store.write() as conn:
        conn.executemany(
            "INSERT INTO events (id, title, first_post_id, first_site, first_at, first_seen_at,"
            " last_seen_at, level, reasons, categories, topics, negative, posts, sites,"
            " mainstream_sites, clicks, comments, reprints, graded_at, dirty)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            event_rows,
        )
        conn.executemany(
            "INSERT INTO posts (source, channel, site, mainstream, key, url, title, text,"
            " published_at, first_seen_at, last_seen_at, clicks, comments, event_id, negative,"
            " topics, analysed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            post_rows,
        )
        conn.execute("UPDATE events SET first_post_id = (SELECT min(id) FROM posts"
                     " WHERE posts.event_id = events.id)")
    return len(event_rows), len(post_rows)


# ---------------------------------------------------------------------- children


class CountingConn:
    """A sqlite3.Connection stand-in counting execute()/executemany() calls by statement."""

    _MARKS = re.compile(r"\?(?:\s*,\s*\?)+")

    def __init__(self, conn):
        self._conn = conn
        self.calls: Counter[str] = Counter()
        self.many: Counter[str] = Counter()
        self.rows: Counter[str] = Counter()

    def _key(self, sql: str) -> str:
        return self._MARKS.sub("?,…", " ".join(sql.split()))

    def execute(self, sql: str, params=()):
        self.calls[self._key(sql)] += 1
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, seq):
        rows = list(seq)
        key = self._key(sql)
        self.many[key] += 1
        self.rows[key] += len(rows)
        return self._conn.executemany(sql, rows)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def _outbox_files(home: Path) -> int:
    return sum(1 for _ in (home / "outbox").rglob("*.md")) if (home / "outbox").exists() else 0


def _count_renders(started: float) -> None:
    """Report progress on stderr every 500 notices rendered (so a run killed at the timeout
    still tells its rate): wraps the `render` that yuqing.escalate imported."""
    import yuqing.escalate as escalate_module

    original = escalate_module.render
    count = [0]

    def render(*args, **kwargs):
        count[0] += 1
        if count[0] % 500 == 0:
            print(f"progress {count[0]} {time.perf_counter() - started:.2f}", file=sys.stderr, flush=True)
        return original(*args, **kwargs)

    escalate_module.render = render


def child_escalate(home_arg: str, mode: str) -> None:
    """mode: "count" wraps the connection to count SQL calls (about 1 us a call);
    "profile" also runs escalate() under cProfile."""
    from yuqing.escalate import escalate
    from yuqing.notify.context import build_context
    from yuqing.rules import load_rules
    from yuqing.store import Store

    home = Path(home_arg)
    rules = load_rules(home / "rules.toml")
    store = Store(home / "yuqing.db")
    counting = None
    profile = mode == "profile"
    if mode in ("count", "profile"):
        counting = CountingConn(store.conn)
        store.conn = counting  # every Store method and the Dispatcher go through it
    ctx, dispatcher = build_context(home, store, rules)
    files_before = _outbox_files(home)
    started = time.perf_counter()
    _count_renders(started)
    if profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        report = profiler.runcall(escalate, ctx, dispatcher)
        wall = time.perf_counter() - started
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(15)
        text = "\n".join(line for line in stream.getvalue().splitlines() if line.strip())
        print(text.replace(str(ROOT) + "/", "").replace(sys.prefix, "<venv>"))
    else:
        report = escalate(ctx, dispatcher)
        wall = time.perf_counter() - started
    conn = store.conn
    deliveries = [list(r) for r in conn.execute(
        "SELECT channel, status, coalesce(via, ''), count(*) FROM deliveries GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")]
    cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    store.close()
    out = {
        "wall": wall, "peak": peak_rss_mib(), "planned": len(report.planned), "sent": report.sent,
        "held": report.held, "failed": len(report.failed), "failed_sample": report.failed[:3],
        "files": _outbox_files(home) - files_before, "deliveries": deliveries, "cases": cases,
    }
    if counting is not None:
        out["sql"] = [[k, counting.calls[k], counting.many[k], counting.rows[k]]
                      for k in set(counting.calls) | set(counting.many)]
    print(json.dumps(out, ensure_ascii=False))


def child_floor(db: str, out_dir: str) -> None:
    """The floor: write the recorded notices as files, nothing else."""
    import sqlite3

    started = time.perf_counter()
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT notice_no, subject, body FROM notices ORDER BY id").fetchall()
    conn.close()
    read = time.perf_counter() - started
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for notice_no, subject, body in rows:
        (folder / f"{notice_no}.md").write_text(f"# {subject}\n\n{body}", encoding="utf-8")
    wall = time.perf_counter() - started
    print(json.dumps({"wall": wall, "read": read, "peak": peak_rss_mib(), "files": len(rows)}))


def child_render_once(db: str, out_dir: str) -> None:
    """Reference: notice.md.j2 compiled once, rendered per event with its posts, written."""
    import sqlite3

    from yuqing.render.templating import environment

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    started = time.perf_counter()
    events = [dict(r) for r in conn.execute("SELECT * FROM events ORDER BY id")]
    posts: dict[int, list[dict]] = {}
    for row in conn.execute("SELECT event_id, site, url, title FROM posts ORDER BY event_id, id"):
        posts.setdefault(row["event_id"], []).append(dict(row))
    conn.close()
    template = environment(None).get_template("notice.md.j2")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for number, event in enumerate(events, 1):
        ps = posts.get(event["id"], [])
        body = template.render(
            level=event["level"], old_level=None, title=event["title"], kind_text="首次达到该级别",
            notice_no=f"REF-{number:05d}", first_site=event["first_site"], first_at=event["first_at"],
            sites=event["sites"], mainstream_sites=event["mainstream_sites"], reprints=event["reprints"],
            clicks=event["clicks"], comments=event["comments"], growth="",
            reasons=[r["text"] for r in json.loads(event["reasons"])],
            deadlines=[{"label": "转办时限", "at": "03-10 12:00"}], actions=["研判"], departments=[],
            posts=ps[:10], more_posts=max(0, len(ps) - 10), generated_at="2026-03-10 10:00",
            nature=event["nature"], nature_basis=event["nature_basis"], dismissed_once=False,
            manual_level=None,
        )  # fmt: skip
        (folder / f"REF-{number:05d}.md").write_text(f"# {event['title']}\n\n{body}", encoding="utf-8")
    wall = time.perf_counter() - started
    print(json.dumps({"wall": wall, "peak": peak_rss_mib(), "files": len(events)}))


# ---------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per child")
    parser.add_argument("--profile-events", type=int, default=300,
                        help="events in the separate workspace escalated under cProfile (0: skip)")
    parser.add_argument("--keep", type=Path, help="keep the workspaces in this directory")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        {"escalate": child_escalate, "floor": child_floor, "render-once": child_render_once}[kind](*rest)
        return 0

    bench_started = time.perf_counter()
    print(f"escalate_bench: {machine_line()}; yuqing from {ROOT}")
    sys.path.insert(0, str(ROOT / "tests"))
    from robot_recorder import RobotRecorder  # tests/robot_recorder.py

    tmp = Path(tempfile.mkdtemp(prefix="escalate-bench-"))
    work = args.keep or tmp
    work.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    recorder = RobotRecorder().start()
    try:
        homes = {name: work / name for name in ("timed", "profiled")}
        for home in homes.values():
            if home.exists():
                shutil.rmtree(home)
            home.mkdir(parents=True)
            (home / "rules.toml").write_text(robot_rules_text(), encoding="utf-8")
        started = time.perf_counter()
        n_events, n_posts = build_store(homes["timed"] / "yuqing.db", args.events, args.seed)
        build_wall = time.perf_counter() - started
        if args.profile_events:
            build_store(homes["profiled"] / "yuqing.db", args.profile_events, args.seed)
        print(f"built {n_events:,} graded events with {n_posts:,} posts in {build_wall:.1f} s;"
              f" robot recorder at {recorder.base}", flush=True)

        def env_for(key: str) -> dict:
            env = dict(os.environ)
            env["YUQING_NOW"] = NOW
            env["YUQING_SECRET_" + SECRET.upper()] = recorder.add_wecom(key)
            return env

        def step(label: str, argv: list[str], env: dict | None = None) -> dict:
            print(f"  {label} ...", end="", flush=True)
            wall, data, err = run_child(argv, timeout=args.timeout, env=env)
            data.setdefault("wall", wall)
            data["stderr"] = err
            print(f" {wall:.1f} s" + (f" ({data['error']})" if "error" in data else ""), flush=True)
            if "error" in data and err and not data.get("killed"):
                print(err[-2000:])
            return data

        timed_env = env_for("bench-timed")
        first = step(f"yuqing escalate, {n_events:,} events", [*me, "escalate", str(homes["timed"]), "count"],
                     timed_env)
        requests = list(recorder.for_robot("bench-timed"))
        second = step("yuqing escalate again (nothing new)", [*me, "escalate", str(homes["timed"]), ""],
                      timed_env)
        requests_after = list(recorder.for_robot("bench-timed"))
        floor = step(f"floor: trivial loop writing the {first.get('planned', 0):,} notices",
                     [*me, "floor", str(homes["timed"] / "yuqing.db"), str(work / "floor-outbox")])
        once = step("reference: one Jinja environment, render + write",
                    [*me, "render-once", str(homes["timed"] / "yuqing.db"), str(work / "reference-outbox")])
        prof: dict = {}
        if args.profile_events:
            prof = step(f"profile: yuqing escalate, {args.profile_events:,} events, under cProfile",
                        [*me, "escalate", str(homes["profiled"]), "profile"], env_for("bench-profiled"))
    finally:
        recorder.stop()
        shutil.rmtree(tmp, ignore_errors=True)  # with --keep it stayed empty: the work is in KEEP

    if "error" in first:
        progress = [line.split() for line in first.get("stderr", "").splitlines() if line.startswith("progress ")]
        done = f"; {progress[-1][1]} notices rendered after {progress[-1][2]} s" if progress else ""
        print(f"\nyuqing escalate of {n_events:,} events did not finish: {first['error']}"
              f" (cpu {first.get('cpu', 0):.1f} s, peak >= {first.get('peak', 0):.0f} MiB{done})")
        if prof.get("stdout"):
            print(f"\nprofile: escalate() on {args.profile_events:,} events under cProfile")
            print(prof["stdout"])
        print("\ntargets")
        print(f"  FAIL  escalate {n_events:,} events in one run: killed after {first['wall']:.0f} s")
        return 1
    accepted = [r for r in requests if r.accepted]
    rejected = [r for r in requests if not r.accepted]
    summaries = [r for r in accepted if "舆情汇总" in r.content() or "值班汇总" in r.content()]
    via = Counter()
    for channel, status, how, count in first["deliveries"]:
        via[(channel, status, how)] += count
    robot_channel = f"robot:{ROBOT}"
    merged = sum(c for (ch, st, how), c in via.items() if ch == robot_channel and how == "summary")
    singles = sum(c for (ch, st, how), c in via.items() if ch == robot_channel and how == "single")
    robot_open = sum(c for (ch, st, how), c in via.items() if ch == robot_channel and st in ("due", "sending"))
    notices = first["planned"]

    def cpu(d: dict) -> str:
        return f"{d.get('cpu', 0):.2f}"

    rows = [
        (f"yuqing escalate, {n_events:,} events (file + robot)", f"{first['wall']:.2f}", cpu(first),
         f"{first['peak']:.0f}", f"{notices:,} notices", f"{notices / first['wall']:,.0f}"),
        (f"  outbox files written {first['files']:,}; cases opened {first['cases']:,};"
         f" deliveries sent {first['sent']:,}, held {first['held']:,}, failed {first['failed']:,}",
         "", "", "", "", ""),
        (f"  robot: {len(requests)} requests, {len(accepted)} accepted, {len(rejected)} rejected;"
         f" {singles} notices sent singly, {merged:,} merged into {len(summaries)} summary",
         "", "", "", "", ""),
        ("yuqing escalate again, same workspace (nothing new)", f"{second.get('wall', 0):.2f}", cpu(second),
         f"{second.get('peak', 0):.0f}", f"{second.get('planned', 0):,} notices",
         f"{len(requests_after) - len(requests)} robot requests"),
        (f"floor: trivial loop writing {floor.get('files', 0):,} notice files", f"{floor.get('wall', 0):.2f}",
         cpu(floor), f"{floor.get('peak', 0):.0f}", f"{floor.get('files', 0):,} files",
         f"{floor.get('files', 0) / max(floor.get('wall', 0), 1e-9):,.0f}"),
        ("  (+ reading them from SQLite first)", f"{floor.get('read', 0):.2f}", "", "", "", ""),
        ("reference: one Jinja env, render notice.md.j2 + write", f"{once.get('wall', 0):.2f}", cpu(once),
         f"{once.get('peak', 0):.0f}", f"{once.get('files', 0):,} files",
         f"{once.get('files', 0) / max(once.get('wall', 0), 1e-9):,.0f}"),
        (f"(setup) insert {n_events:,} events + {n_posts:,} posts directly", f"{build_wall:.2f}", "", "",
         "", ""),
    ]
    print()
    print_table(("what", "wall s", "cpu s", "peak MiB", "count", "per second"), rows)
    print("  wall s: the escalate() call (baselines: their loop) inside the child; cpu s: user+sys of"
          " the whole child, start-up included; peak MiB: the child's VmHWM")
    print(f"  load average {os.getloadavg()[0]:.2f} at the end (2 cores)")
    print()
    print("deliveries after the first run (channel, status, via: count)")
    for (channel, status, how), count in sorted(via.items()):
        print(f"  {channel:<14} {status:<8} {how or '-':<8} {count:>7,}")
    if rejected:
        print("robot rejections:", "; ".join(f"{r.status} {r.problems}" for r in rejected[:5]))

    per_event: list[list] = []
    if "sql" in first:
        sql = sorted(first["sql"], key=lambda r: -(r[1] + r[3]))
        per_event = [r for r in sql if r[1] + r[2] >= n_events / 2]
        print()
        print(f"SQL calls during the timed escalate() of {n_events:,} events (every execute() or"
              " executemany() call from Python is a round trip; the rows of one executemany() are not)")
        print_table(("statement", "execute()", "executemany()", "rows"),
                    [(r[0][:110], f"{r[1]:,}", f"{r[2]:,}", f"{r[3]:,}") for r in sql[:14]])
        total_exec = sum(r[1] for r in sql)
        print(f"  in all: {total_exec:,} execute() calls, {sum(r[2] for r in sql):,} executemany() calls"
              f" for {sum(r[3] for r in sql):,} rows; {len(sql)} distinct statements")
    if prof.get("stdout"):
        print()
        print(f"profile: escalate() on {args.profile_events:,} events (a separate workspace) under cProfile"
              f" ({prof.get('wall', 0):.1f} s, slower than unprofiled); top 15 by cumulative time")
        print(prof["stdout"])
    print()
    print("targets")
    print(f"  info  one run escalated {n_events:,} events in {first['wall']:.2f} s:"
          f" {notices / first['wall']:,.0f} notices per second (floor: {floor.get('wall', 0):.2f} s)")
    print(f"  {verdict(notices == n_events and first['files'] == n_events)}  every event got a notice"
          f" and an outbox file ({notices:,} notices, {first['files']:,} files for {n_events:,} events)")
    honoured = (not rejected and len(accepted) <= PER_MINUTE and robot_open == 0
                and singles + merged == notices and len(summaries) == 1)
    print(f"  {verdict(honoured)}  robot rate limit honoured with a merged summary: {len(accepted)} messages"
          f" <= {PER_MINUTE}/min, {len(rejected)} rejected, {singles} single + {merged:,} in"
          f" {len(summaries)} summary = {singles + merged:,} of {notices:,} notices, {robot_open} left open")
    if "sql" in first:
        names = "; ".join(f"{r[0][:60]}… x{r[1] + r[2]:,}" for r in per_event) or "none"
        print(f"  {verdict(not per_event)}  no per-event database round trip: statements called from"
              f" Python >= {n_events // 2:,} times in one run: {names}")
    else:
        print("  FAIL  no per-event database round trip: not measured (the timed run did not finish)")
    print(f"\nbench took {time.perf_counter() - bench_started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
