"""What one-article-one-post (sightings, migration m011) costs the store's batch writes.

    python bench/sightings_bench.py [--baseline /work/main]

Stores 300 sources x 30 items (first run: all new), stores them again (second run: all
seen), then a second set of 300 sources carrying the same links (every item a sighting of
a post another source stored). Each phase is timed in a fresh subprocess for this tree
and, in the same run, for the baseline tree (default: the git revision before sightings,
checked out to a temporary folder), which stores the third phase as new posts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES, ITEMS = 300, 30

PHASES = r"""
import json, sys, time
from yuqing.models import Item
from yuqing.store import Store

store = Store(sys.argv[1])
sources, items = int(sys.argv[2]), int(sys.argv[3])

def batch(s, prefix):
    return [Item(url=f"http://site{s}.cn/news/{n}.html", title=f"清河县新闻{s}-{n}", guid=f"{prefix}{s}-{n}",
                 text="正文" * 50) for n in range(items)]

def phase(prefix, at):
    started, cpu = time.perf_counter(), time.process_time()
    new = seen = 0
    for s in range(sources):
        with store.write():
            counts = store.save_items(source=f"{prefix}{s}", channel="rss", site=f"站{s}", mainstream=False,
                                      items=batch(s, prefix), seen_at=at)
        new, seen = new + counts.new, seen + counts.seen
    return {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu, "new": new, "seen": seen}

assert Item.__module__ and sys.modules["yuqing"].__file__.startswith(sys.argv[4]), sys.modules["yuqing"].__file__
out = {"first": phase("a", "2026-11-27T01:00:00+00:00"), "again": phase("a", "2026-11-27T02:00:00+00:00"),
       "other sources": phase("b", "2026-11-27T03:00:00+00:00"), "posts": store.count_posts()}
print(json.dumps(out))
"""


def measure(tree: Path) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        done = subprocess.run([sys.executable, "-c", PHASES, str(Path(folder) / "b.db"), str(SOURCES), str(ITEMS),
                               str(tree)],
                              capture_output=True, text=True, env=env, check=True, timeout=1800,
                              cwd=folder)  # not this checkout: `-c` puts the working folder first
        return json.loads(done.stdout)


def baseline_tree(revision: str, folder: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), revision],
                   check=True, capture_output=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="f21a3d7~1", help="git revision without sightings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = baseline_tree(args.baseline, Path(folder) / "base")
        try:
            rows = {"yuqing (sightings)": measure(ROOT), f"baseline {args.baseline} (posts only)": measure(base)}
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], capture_output=True)
    print(f"load average {os.getloadavg()[0]:.2f}; {SOURCES} sources x {ITEMS} items a phase")
    print(f"{'tree':40} {'phase':14} {'wall s':>7} {'cpu s':>7} {'new':>6} {'seen':>6} {'items/s':>8}")
    for name, result in rows.items():
        for phase in ("first", "again", "other sources"):
            r = result[phase]
            print(f"{name:40} {phase:14} {r['wall']:7.2f} {r['cpu']:7.2f} {r['new']:6} {r['seen']:6}"
                  f" {SOURCES * ITEMS / r['wall']:8.0f}")
        print(f"{name:40} posts stored: {result['posts']}")


if __name__ == "__main__":
    main()
