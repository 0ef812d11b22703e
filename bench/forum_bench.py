"""How long a forum list page takes to parse as it grows to 5 MiB, in two shapes.

Portals bloat list pages with scripts, styles and sidebar links; a busy board can serve a
page that is nothing but thread rows. Both are parsed with the Discuz! preset; the named
baseline is the real sample page (`yuqing/sample/forum/discuz-list-1.html`, GBK) of which
they are made, scaled by size: a parser that stays linear keeps the ratio near 1.

    python bench/forum_bench.py [--runs 3]

Targets (they were timed assertions in tests/sources/test_forums.py until session 4):
the bloated 5 MiB page in < 0.5 s and 5 MiB of rows in < 2 s, best of the runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from yuqing.sources.forums import parse_forum_page

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from forum_fixtures import MIB, bloated_list_page, list_page_of_rows  # noqa: E402 (tests/forum_fixtures.py)

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def sample() -> str:
    path = resources.files("yuqing") / "sample" / "forum" / "discuz-list-1.html"
    return path.read_bytes().decode("gbk")


def best_of(runs: int, html: str) -> tuple[float, int]:
    best, items = float("inf"), 0
    for _ in range(runs):
        started = time.perf_counter()
        page = parse_forum_page(html, base_url="https://x.example/", preset="discuz", now=NOW)
        best = min(best, time.perf_counter() - started)
        items = len(page.items)
    return best, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    page = sample()
    base_s, base_items = best_of(max(runs, 20), page)
    base_bytes = len(page.encode("utf-8"))
    rows_page, copies = list_page_of_rows(page)
    shapes = [("bloated with scripts and sidebars", bloated_list_page(page), base_items, 0.5),
              ("all thread rows", rows_page, 1 + 12 * copies, 2.0)]
    print(f"{'page':36} {'MiB':>5} {'items':>6} {'best s':>7} {'x baseline per byte':>20}")
    print(f"{'baseline: the real sample page':36} {base_bytes / MIB:5.2f} {base_items:6} {base_s:7.4f} {1:20.2f}")
    verdicts = []
    for name, html, expected, target in shapes:
        seconds, items = best_of(runs, html)
        size = len(html.encode("utf-8"))
        ratio = (seconds / size) / (base_s / base_bytes)
        print(f"{name:36} {size / MIB:5.2f} {items:6} {seconds:7.3f} {ratio:20.2f}")
        ok = seconds < target and items == expected
        verdicts.append(f"  {'PASS' if ok else 'FAIL'}  {name}: {seconds:.3f} s < {target} s, "
                        f"{items} items (expected {expected})")
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores shared: other work inflates the seconds)")
    print("targets")
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
