"""Where the CPU of one whole `yuqing collect` first run goes, step by step.

    python bench/collect_breakdown.py                       # plain-text feeds, 3 runs
    python bench/collect_breakdown.py --html --repeat 5
    python bench/collect_breakdown.py --yuqing-src /tmp/src-4b11b76   # another version

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

Each row is the median over the runs; the load average is printed with the table.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", action="store_true", help="HTML summaries (default: plain-text)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--yuqing-src", type=Path, help="measure the yuqing package in DIR instead")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.yuqing_src:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(args.yuqing_src), env.get("PYTHONPATH")) if p)
        compile_bytecode(args.yuqing_src / "yuqing")
    else:
        import yuqing

        compile_bytecode(Path(yuqing.__file__).parent)
    farm = LoopbackFeeds(args.feeds, args.items, args.delay, 30, plain=not args.html)
    runs: list[dict[str, float]] = []
    load = os.getloadavg()
    farm.start()
    try:
        with tempfile.TemporaryDirectory(prefix="yuqing-breakdown-") as tmp:
            for n in range(args.repeat):
                home = Path(tmp) / f"run-{n}"
                write_sources(home, farm.feeds)
                spent, new, wall = one_run(home, env)
                runs.append(spent)
                print(f"run {n + 1}: {new:,} new posts, {spent['total']:.2f} s CPU, {wall:.2f} s wall", flush=True)
    finally:
        farm.stop()
    items = args.feeds * args.items
    shape = "html" if args.html else "plain-text"
    print(f"\nCPU of one `yuqing collect` first run, {shape}, {args.feeds} x {args.items}"
          f" (median of {len(runs)}; {args.yuqing_src or 'installed yuqing'})")
    print(f"  {'step':<16}{'cpu s':>8}{'ms/1,000 items':>16}{'share':>8}")
    total = statistics.median(r["total"] for r in runs)
    for step in ORDER:
        values = [r.get(step) for r in runs]
        if None in values:
            continue
        median = statistics.median(values)
        print(f"  {step:<16}{median:>8.3f}{median * 1000 / items * 1000:>16.1f}{median / total:>8.0%}")
    end = os.getloadavg()
    print(f"load average {load[0]:.2f} at start, {end[0]:.2f} {end[1]:.2f} {end[2]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
