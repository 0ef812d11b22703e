"""What the integrity check that `run` and `status` now make costs on a large store.

Builds a store of N posts (title, body and their search grams, as collection writes them)
and times `PRAGMA quick_check` (what yuqing runs) against the named baseline
`PRAGMA integrity_check` (the full check, which also cross-checks every index), each on a
cold-ish and a warm page cache, in the same run.

    python bench/integrity_bench.py [posts]     # default 100,000
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from yuqing.store import Store
from yuqing.text.search import grams

BODY = "群众反映县城第{i}片区供水水压不足，夜间经常停水，已多次拨打热线，希望有关部门尽快解决。" * 6


def build(path: Path, count: int) -> None:
    with Store(path) as store, store.write() as conn:
        for start in range(0, count, 10_000):
            rows = [(f"url:{i}", f"县城供水问题反映{i}", BODY.format(i=i)) for i in range(start, min(count, start + 10_000))]
            cursor = conn.executemany(
                "INSERT INTO posts (source, channel, key, title, text, first_seen_at, last_seen_at)"
                " VALUES ('bench', 'rss', ?, ?, ?, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')", rows)
            del cursor
        conn.execute("INSERT INTO post_search (rowid, grams) SELECT id, ? || title FROM posts", [grams(BODY.format(i=0))])


def timed(path: Path, pragma: str) -> tuple[float, float, str]:
    conn = sqlite3.connect(path)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        answer = conn.execute(pragma).fetchone()[0]
        return time.perf_counter() - wall, time.process_time() - cpu, answer
    finally:
        conn.close()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "yuqing.db"
        build(path, count)
        size = path.stat().st_size / 1024 / 1024
        print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; {count:,} posts, {size:,.0f} MiB")
        print(f"{'what':<44}{'wall s':>8}{'cpu s':>8}  answer")
        for label, pragma in (("yuqing: PRAGMA quick_check(1)", "PRAGMA quick_check(1)"),
                              ("baseline: PRAGMA integrity_check", "PRAGMA integrity_check"),
                              ("yuqing: PRAGMA quick_check(1), again", "PRAGMA quick_check(1)")):
            wall, cpu, answer = timed(path, pragma)
            print(f"{label:<44}{wall:>8.2f}{cpu:>8.2f}  {answer}")


if __name__ == "__main__":
    main()
