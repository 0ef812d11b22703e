"""Where the CPU of one whole `yuqing collect` first run goes, step by step.

    python bench/collect_breakdown.py                       # plain-text feeds, 3 runs
    python bench/collect_breakdown.py --html --repeat 5
    python bench/collect_breakdown.py --yuqing-src /tmp/src-4b11b76   # another version
    python bench/collect_breakdown.py --yuqing-src /tmp/src-4b11b76 --yuqing-src .   # side by side

collect_bench.py times the child as a whole and the collection phases in a process of their
own; this runs the real command on the same loopback feeds (300 x 30, 100 ms per response),
each time on a fresh workspace, with the pipeline's steps wrapped to add up their CPU
(`time.process_time`; the parse pool's processes as one row):

  start-up        interpreter start and `import yuqing.cli` (typer, rich, ...)
  command line    from main() to the pipeline: typer's parsing (pydantic adapters), the
                  workspace, sources.toml, rules.toml
  open store      Store(): a new store's schema (and the imports that brings)
  collect: parse  parse_payload (decode, parse, clean, bigrams) of every feed
  collect: store  the writes of every feed (save_items, health row, batch commits)
  collect: rest   fetching and the event loop: what collect() spends besides the two above
  events          update_events: tone, topics, grouping and grading of the new posts
  escalate        the escalation step (imports, rules, outbox)
  the rest        replies, evidence pruning, the run rows, the report, exit
  parse workers   the CPU of reaped child processes: the parse pool (versions that parse
                  there from the first byte, like 4b11b76; yuqing now only after 16 MiB)

Each row is the median over the runs, the versions' runs interleaved; the load average is
printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from collect_bench import CHILD_CWD, LoopbackFeeds, compile_bytecode, write_sources

# Runs `yuqing collect` with the pipeline's steps wrapped; prints {step: cpu s} as JSON on
# stderr's last line (stdout is the command's own). Steps a version lacks are left out.
WRAPPER = r"""
import functools, json, os, sys, time
spent = {"start-up": time.process_time()}
import yuqing.cli, yuqing.collect, yuqing.pipeline
spent["start-up"] = time.process_time()
nested = []

def timed(owner, name, step):
    original = getattr(owner, name, None)
    if original is None:
        return
    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        started = time.process_time()
        nested.append(0.0)
        try:
            return original(*args, **kwargs)
        finally:
            total = time.process_time() - started
            inner = nested.pop()
            spent[step] = spent.get(step, 0.0) + total - inner
            if nested:
                nested[-1] += total
    setattr(owner, name, wrapper)

timed(yuqing.pipeline, "run_pipeline", "the rest")
timed(yuqing.pipeline, "Store", "open store")
timed(yuqing.pipeline, "collect", "collect: rest")
timed(yuqing.collect, "parse_payload", "collect: parse")
timed(yuqing.collect._Collector, "_store_batch", "collect: store")
timed(yuqing.pipeline, "update_events", "events")
timed(yuqing.pipeline, "_escalate", "escalate")
timed(yuqing.pipeline, "run_escalation", "escalate")
main_started = time.process_time()
try:
    code = yuqing.cli.main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
steps = sum(v for k, v in spent.items() if k != "start-up")
spent["command line"] = time.process_time() - main_started - steps
import resource
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
spent["parse workers"] = workers.ru_utime + workers.ru_stime
spent["total"] = time.process_time() + spent["parse workers"]
sys.stderr.write("\n" + json.dumps(spent) + "\n")
sys.exit(code)
"""

ORDER = ("start-up", "command line", "open store", "collect: parse", "parse workers", "collect: store",
         "collect: rest", "events", "escalate", "the rest", "total")


def one_run(home: Path, env: dict[str, str]) -> tuple[dict[str, float], int, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, "--home", str(home), "collect", "--json"],
                          capture_output=True, text=True, timeout=300, cwd=CHILD_CWD, env=env, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"yuqing collect exited {done.returncode}: {done.stderr[-1500:]}")
    spent = json.loads(done.stderr.strip().splitlines()[-1])
    return spent, json.loads(done.stdout)["new"], wall


def _version_env(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is None:
        import yuqing

        compile_bytecode(Path(yuqing.__file__).parent)
        return env
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH")) if p)
    compile_bytecode(src / "yuqing")
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", action="store_true", help="HTML summaries (default: plain-text)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--yuqing-src", type=Path, action="append", default=[],
                        help="measure the yuqing package in DIR (e.g. a `git archive` of a commit); '.' is the"
                             " installed one; repeat to compare versions, their runs interleaved")
    args = parser.parse_args()
    versions = [None if str(src) == "." else src for src in args.yuqing_src] or [None]
    envs = [_version_env(src) for src in versions]
    names = ["installed" if src is None else src.name for src in versions]
    runs: list[list[dict[str, float]]] = [[] for _ in versions]
    load = os.getloadavg()
    farm = LoopbackFeeds(args.feeds, args.items, args.delay, 30, plain=not args.html)
    farm.start()
    try:
        with tempfile.TemporaryDirectory(prefix="yuqing-breakdown-") as tmp:
            for n in range(args.repeat):
                for v, env in enumerate(envs):  # interleaved: the machine's load drifts alike for each
                    home = Path(tmp) / f"run-{n}-{v}"
                    write_sources(home, farm.feeds)
                    spent, new, wall = one_run(home, env)
                    runs[v].append(spent)
                    print(f"round {n + 1}, {names[v]}: {new:,} new posts, {spent['total']:.2f} s CPU,"
                          f" {wall:.2f} s wall", flush=True)
    finally:
        farm.stop()
    print_table(runs, names, args)
    end = os.getloadavg()
    print(f"load average {load[0]:.2f} at start, {end[0]:.2f} {end[1]:.2f} {end[2]:.2f} at the end")
    return 0


def print_table(runs: list[list[dict[str, float]]], names: list[str], args: argparse.Namespace) -> None:
    items = args.feeds * args.items
    shape = "html" if args.html else "plain-text"
    print(f"\nCPU s of one `yuqing collect` first run, {shape}, {args.feeds} x {args.items} feeds"
          f" (median of {args.repeat} interleaved runs; per 1,000 items in brackets)")
    width = max(22, *(len(n) + 4 for n in names))
    print(f"  {'step':<16}" + "".join(f"{n:>{width}}" for n in names))
    for step in ORDER:
        cells = []
        for version in runs:
            values = [r.get(step) for r in version]
            if None in values:
                cells.append(f"{'-':>{width}}")
                continue
            median = statistics.median(values)
            cells.append(f"{f'{median:.3f} ({median * 1e6 / items:.1f} ms)':>{width}}")
        print(f"  {step:<16}" + "".join(cells))


if __name__ == "__main__":
    sys.exit(main())
