"""Profile `yuqing collect` (first run) against the benchmark's loopback feeds.

    python bench/profile_collect.py                 # 300 x 30, 100 ms, profiles in a temp dir
    python bench/profile_collect.py --out /tmp/prof --yuqing-src /tmp/yq-head

Four profiles, each printed as a short summary:

1. `main`: `yuqing collect` under cProfile on a fresh workspace, as shipped. Parsing
   moves to the process pool only after 16 MiB (`POOL_AFTER_BYTES`), so at the default
   size this holds parsing too, with the event loop, fetching, storing and whatever
   collect does after that.
2. `unchanged`: the same command again on that workspace: every feed answers 304.
3. `inline`: a fresh run with the pool switched off (`yuqing.collect._parse_pool`
   returns None), so one profile holds every CPU second of the run whatever its size.
4. `parse`: `yuqing.sources.feeds.parse_feed` over the same 300 bodies in-process, no I/O.

The timer is CPU time by default (`--timer wall` for wall time), so other processes on
a shared machine do not inflate the figures. The .prof files are kept in --out for
`python -m pstats` or snakeviz.
"""

from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from collect_bench import LoopbackFeeds, write_sources

# Runs `yuqing <args>` under cProfile with the timer named in $BENCH_TIMER and writes the
# profile to $BENCH_PROF; with $BENCH_INLINE set, parsing stays in this process too.
RUNNER = """
import cProfile, os, sys, time
if os.environ.get("BENCH_INLINE"):
    import yuqing.collect
    yuqing.collect._parse_pool = lambda count: None  # every parse in this process
from yuqing.cli import main
timer = time.process_time if os.environ["BENCH_TIMER"] == "cpu" else time.perf_counter
profiler = cProfile.Profile(timer)
try:
    profiler.runcall(main, sys.argv[1:])
finally:
    profiler.dump_stats(os.environ["BENCH_PROF"])
"""


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, timeout=300, check=False)
    if done.returncode != 0:
        print(done.stderr.decode("utf-8", "replace")[-2000:])
        raise SystemExit(f"{argv[:6]} exited {done.returncode}")
    return time.perf_counter() - started


def summarize(path: Path, title: str, wall: float | None, top: int) -> None:
    stats = pstats.Stats(str(path))
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"\n=== {title}: {total:.2f} s profiled" + (f", {wall:.2f} s wall" if wall else ""))
    rows = []
    for (file, line, name), (_cc, _nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((tt, ct, f"{_short(file)}:{line}({name})"))
    print(f"  top {top} by own time (tottime):")
    for tt, ct, where in sorted(rows, reverse=True)[:top]:
        print(f"    {tt:7.2f} s own {ct:7.2f} s cum  {where}")
    print(f"  yuqing functions by cumulative time (top {top}):")
    mine = [r for r in rows if "yuqing/" in r[2] and "<" not in r[2].split("(")[-1]]
    for tt, ct, where in sorted(mine, key=lambda r: r[1], reverse=True)[:top]:
        print(f"    {ct:7.2f} s cum {tt:7.2f} s own  {where}")


def _short(file: str) -> str:
    for marker in ("site-packages/", "/yuqing/", "/lib/python3"):
        if marker in file:
            head, _, tail = file.partition(marker)
            return ("yuqing/" if marker == "/yuqing/" else "") + tail
    return file


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--hosts", type=int, default=30)
    parser.add_argument("--plain", action="store_true", help="plain-text descriptions")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, help="keep the .prof files here")
    parser.add_argument("--timer", choices=("cpu", "wall"), default="cpu",
                        help="cpu (process time: robust on a busy machine, hides waiting) or"
                        " wall (shows time spent waiting in epoll)")  # fmt: skip
    parser.add_argument("--yuqing-src", type=Path, metavar="DIR")
    args = parser.parse_args()

    env = dict(os.environ)
    if args.yuqing_src:
        src = str(args.yuqing_src.resolve())
        sys.path.insert(0, src)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    import yuqing

    print(f"yuqing from {Path(yuqing.__file__).parent}")
    with tempfile.TemporaryDirectory(prefix="yuqing-profile-") as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        farm = LoopbackFeeds(args.feeds, args.items, args.delay, args.hosts, args.plain)
        farm.start()
        try:
            walls = {}
            runner = out / "run_profiled.py"
            runner.write_text(RUNNER)
            for kind in ("main", "unchanged", "inline"):
                home = Path(tmp) / ("home-inline" if kind == "inline" else "home-main")
                if kind != "unchanged":
                    write_sources(home, farm.feeds)
                run_env = {**env, "BENCH_TIMER": args.timer, "BENCH_PROF": str(out / f"{kind}.prof")}
                if kind == "inline":
                    run_env["BENCH_INLINE"] = "1"
                argv = [sys.executable, str(runner), "--home", str(home), "collect", "--json"]
                walls[kind] = _run(argv, run_env, Path(tmp))
        finally:
            farm.stop()

        import cProfile

        from yuqing.sources.feeds import parse_feed

        timer = time.process_time if args.timer == "cpu" else time.perf_counter
        profiler = cProfile.Profile(timer)
        profiler.enable()
        for feed in farm.feeds:
            parse_feed(feed.body, url=feed.url, content_type="application/rss+xml; charset=utf-8",
                       charset="utf-8")  # fmt: skip
        profiler.disable()
        profiler.dump_stats(out / "parse.prof")

        summarize(out / "main.prof", "main: collect as shipped (main process only)",
                  walls["main"], args.top)  # fmt: skip
        summarize(out / "unchanged.prof", "unchanged: the second run, every feed 304",
                  walls["unchanged"], args.top)  # fmt: skip
        summarize(out / "inline.prof", "inline: collect with parsing in-process",
                  walls["inline"], args.top)  # fmt: skip
        summarize(out / "parse.prof", "parse: parse_feed over the same bodies", None, args.top)
        if args.out:
            print(f"\nprofiles in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
