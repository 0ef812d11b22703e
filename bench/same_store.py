"""Whether two versions of yuqing store the same thing from the same feeds.

    python bench/same_store.py /tmp/src-main .            # plain-text feeds
    python bench/same_store.py /tmp/src-main . --html     # HTML summaries

Each version (a `git archive` of a commit, or '.' for the installed one) collects the
collect bench's loopback feeds (300 x 30 by default) plus 40 of them again under other
names (sightings: one article, one post) into a workspace of its own, twice (the first
run, then the unchanged one), with YUQING_NOW fixed. Then every table is compared row by
row, rows sorted, leaving out the columns that differ by construction: ids (sources finish
in any order, so posts get other ids), applied_at of the migrations, run durations; a
post's body_sha is compared as the sha256 of the raw body it points at. The search index
is contentless, so it is compared by its answers: the posts (by URL) each of 80 title
bigrams finds. Prints IDENTICAL or the tables that differ.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from collect_bench import CHILD_CWD, LoopbackFeeds, write_sources

LEFT_OUT = {"applied_at", "id", "rowid", "body_sha", "duration_ms", "pid"}
NOW = "2024-06-14T08:00:00+00:00"
RUN = "import sys, yuqing.cli; sys.exit(yuqing.cli.main(sys.argv[1:]))"


def collect(src: str, home: Path) -> tuple[int, str]:
    env = dict(os.environ, YUQING_NOW=NOW)
    if src != ".":
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-c", RUN, "--home", str(home), "collect", "--json"],
                          capture_output=True, text=True, cwd=CHILD_CWD, env=env, timeout=600, check=False)
    summary = done.stdout.strip()
    return done.returncode, (json.loads(summary)["new"] if summary.startswith("{") else done.stderr[-300:])


def tables(db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    out: dict[str, list[str]] = {}
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for name in names:
        if name.startswith(("post_search", "sqlite_")):
            continue
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info('{name}')")]
        kept = [c for c in columns if c not in LEFT_OUT and not c.endswith("_id")]
        select = ", ".join(f'"{c}"' for c in kept) or "count(*)"
        if name == "posts":
            select += ", (SELECT sha256 FROM raw_bodies r WHERE r.rowid = CAST(posts.body_sha AS INTEGER))"
        out[name] = sorted(map(repr, conn.execute(f'SELECT {select} FROM "{name}"')))
    words = [r[0] for r in conn.execute("SELECT substr(title, 3, 2) FROM posts ORDER BY url LIMIT 80")]
    out["<search answers>"] = [repr((w, sorted(r[0] for r in conn.execute(
        "SELECT p.url FROM post_search s JOIN posts p ON p.id = s.rowid WHERE post_search MATCH ?", [f'"{w}"']))))
        for w in words]
    conn.execute("INSERT INTO post_search (post_search, rank) VALUES ('integrity-check', 1)")
    conn.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="yuqing source dir of the first version ('.' = installed)")
    parser.add_argument("b", help="yuqing source dir of the second version")
    parser.add_argument("--html", action="store_true", help="HTML summaries (default: plain-text)")
    parser.add_argument("--feeds", type=int, default=300)
    args = parser.parse_args()
    farm = LoopbackFeeds(args.feeds, 30, 0.0, 30, plain=not args.html)
    farm.start()
    try:
        with tempfile.TemporaryDirectory(prefix="yuqing-same-") as tmp:
            dumps = []
            for n, src in enumerate((args.a, args.b)):
                home = Path(tmp) / f"v{n}"
                write_sources(home, farm.feeds)
                again = "".join(f'\n[[sources]]\nname = "转载-{i:03d}"\nkind = "rss"\nurl = "{feed.url}"\n'
                                f'site = "聚合{i % 7}"\n' + ("mainstream = true\n" if i % 3 == 0 else "")
                                for i, feed in enumerate(farm.feeds[:40]))
                with (home / "sources.toml").open("a", encoding="utf-8") as toml:
                    toml.write(again)
                runs = [collect(src, home), collect(src, home)]
                print(f"{src}: (exit, new) of the first and the unchanged run: {runs}")
                dumps.append(tables(home / "yuqing.db"))
    finally:
        farm.stop()
    a, b = dumps
    differ = [t for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)]
    for name in sorted(set(a) | set(b)):
        rows_a, rows_b = a.get(name, []), b.get(name, [])
        if name in differ:
            only_a, only_b = sorted(set(rows_a) - set(rows_b)), sorted(set(rows_b) - set(rows_a))
            print(f"DIFFERENT {name}: {len(rows_a)} vs {len(rows_b)} rows; first only in a: {only_a[:1]},"
                  f" only in b: {only_b[:1]}")
        elif rows_a:
            print(f"same {name}: {len(rows_a)} rows")
    print("DIFFERENT" if differ else "IDENTICAL")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
