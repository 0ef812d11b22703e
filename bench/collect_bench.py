"""Benchmark `yuqing collect` against named baselines measured in the same run.

    python bench/collect_bench.py                      # full run, about two minutes
    python bench/collect_bench.py --skip-baselines     # yuqing, probe and physics only
    python bench/collect_bench.py --feeds 60 --items 10 --delay 0.05

Setup: 300 RSS feeds x 30 items (Chinese titles and HTML descriptions, a distinct link
per item, a stable ETag and Last-Modified per feed), served from loopback addresses
127.0.0.1-127.0.0.30 (ten feeds each), every response delayed 100 ms, the 304s too.
The servers are tests/server.py's ScriptedServer, one per address, in this process.

Every figure is taken in a fresh subprocess: wall time from spawn to exit; "peak MiB",
the high-water RSS (VmHWM) of its largest process, sampled from /proc every 25 ms (not
ru_maxrss, see run_child); "tree MiB", the peak proportional set size of the whole
process tree, because yuqing parses in a process pool; and "cpu s", user + sys time
from os.wait4, pool workers included once they are reaped.

Only loopback traffic; every loop is bounded and every child has a timeout.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from collect_corpus import LAST_MODIFIED, Feed, etag_of, make_feed
from procmem import descendants, memory_kib

ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 150.0  # seconds; no single measurement may take longer
SAMPLE_INTERVAL = 0.025  # seconds between /proc samples of the child's process tree

# ---------------------------------------------------------------------- the feed servers


class LoopbackFeeds:
    """`feeds` feeds over `hosts` loopback addresses: one tests/server.py ScriptedServer each.

    ScriptedServer keeps up: 30 of them in this process answered 300 of these feeds
    (30 KiB each, 100 ms delay) to a raw-socket client in 2.0 s at 16 concurrent, 0.7 s at
    64 and 0.3 s at 300 concurrent, so at the 16 a collector uses they add ~5 ms a reply.
    """

    def __init__(self, feeds: int, items: int, delay: float, hosts: int, plain: bool = False):
        sys.path.insert(0, str(ROOT / "tests"))
        from server import ScriptedServer  # tests/server.py

        self.hosts = min(hosts, feeds)
        self.servers = [ScriptedServer(host=f"127.0.0.{n}") for n in range(1, self.hosts + 1)]
        self.feeds: list[Feed] = []
        self._items, self._delay, self._count, self._plain = items, delay, feeds, plain

    def start(self) -> None:
        for server in self.servers:
            server.start()
        for index in range(self._count):
            server = self.servers[index % len(self.servers)]
            path = f"/rss/{index:04d}.xml"
            body = make_feed(index, self._items, server.base_url, plain=self._plain)
            server.route(
                path, body, etag=etag_of(index), last_modified=LAST_MODIFIED, delay=self._delay,
                headers={"Content-Type": "application/rss+xml; charset=utf-8"},
            )  # fmt: skip
            self.feeds.append(Feed(server.url(path), body))

    def stats(self) -> tuple[int, int]:
        """(requests, conditional requests) so far."""
        requests = [r for s in self.servers for r in list(s.requests)]
        conditional = sum(1 for r in requests if "if-none-match" in r.headers)
        return len(requests), conditional

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


# ---------------------------------------------------------------------- measuring a child


@dataclass
class Measured:
    what: str
    wall: float
    peak_mib: float  # VmHWM of the largest process of the child's tree
    tree_mib: float  # peak PSS of the whole tree, sampled
    cpu: float  # user + sys of the child and its reaped descendants
    items: int | str
    note: str = ""
    served: str = ""  # what the feed servers answered during this measurement
    others: float = 0.0  # CPU seconds other processes on the machine used meanwhile


CHILD_ENV: dict[str, str] = dict(os.environ)  # --yuqing-src prepends to PYTHONPATH
CHILD_CWD = Path(tempfile.gettempdir())  # not the repo: `python -m` puts the cwd first


def run_child(
    argv: list[str], *, timeout: float = CHILD_TIMEOUT
) -> tuple[float, float, float, float, int, str, str]:
    """Run argv, return (wall, peak MiB, tree PSS MiB, cpu s, exit code, stdout, stderr).

    Peak is the largest VmHWM seen in /proc, not `ru_maxrss`: Linux carries the parent's
    resident size at fork over into the child's ru_maxrss (a /bin/true spawned by a
    300 MiB process reports 313 MiB), so RUSAGE_CHILDREN would show this bench's own size.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=CHILD_CWD, env=CHILD_ENV
        )
        reaped: list = []  # (end time, wait status, rusage), set by the waiter thread

        def wait() -> None:
            _, status, usage = os.wait4(proc.pid, 0)  # exact end time, not the next sample
            reaped.append((time.perf_counter(), status, usage))

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        tree_peak = 0
        hwm: dict[int, int] = {}
        while waiter.is_alive():
            if time.perf_counter() - started > timeout:
                for child in reversed(descendants(proc.pid)):
                    with _quiet():
                        os.kill(child, signal.SIGKILL)
                waiter.join(10)
                break
            tree = 0
            for p in descendants(proc.pid):
                peak, pss = memory_kib(p)
                hwm[p] = max(hwm.get(p, 0), peak)
                tree += pss
            tree_peak = max(tree_peak, tree)
            waiter.join(SAMPLE_INTERVAL)
        if not reaped:
            raise RuntimeError(f"could not reap {argv[:4]}")
        ended, status, usage = reaped[0]
        wall = ended - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if wall > timeout:
        stderr += f"\n[bench] killed after {timeout:g} s"
    cpu = usage.ru_utime + usage.ru_stime
    peak = max(hwm.values(), default=0) / 1024
    return wall, peak, tree_peak / 1024, cpu, proc.returncode, stdout, stderr


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is not None and issubclass(exc[0], OSError)  # type: ignore[arg-type]


def _machine_busy() -> float:
    """CPU seconds all processes on this machine have used since boot (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # this bench: the servers, the sampler
    return usage.ru_utime + usage.ru_stime


def wait_quiet(limit: float, *, threshold: float = 0.1, window: float = 1.0) -> float:
    """Wait (at most `limit` s) until other processes use < `threshold` of the CPUs for a
    `window`; return the seconds waited. On a shared machine, other people's test runs
    otherwise land in the middle of a measurement (see the "others" column)."""
    started = time.perf_counter()
    cores = os.cpu_count() or 1
    while time.perf_counter() - started < limit:
        busy, mine = _machine_busy(), _self_cpu()
        time.sleep(window)
        others = _machine_busy() - busy - (_self_cpu() - mine)
        if others < threshold * cores * window:
            break
    return time.perf_counter() - started


def measure(what: str, argv: list[str], parse_items) -> Measured:
    busy, mine = _machine_busy(), _self_cpu()
    wall, peak, tree, cpu, code, stdout, stderr = run_child(argv)
    others = _machine_busy() - busy - (_self_cpu() - mine) - cpu
    try:
        items, note = parse_items(code, stdout)
    except Exception as exc:  # a broken run is reported, not hidden
        items, note = "?", f"CHECK FAILED: could not read the result: {exc!r}"
        tail = stderr.strip().splitlines()[-5:]
        if tail:
            note += " | " + " / ".join(tail)
    return Measured(what, wall, peak, tree, cpu, items, note, others=max(0.0, others))


# ---------------------------------------------------------------------- children


def child_baseline_a(url_file: str) -> None:
    """Sequential: one httpx client, GET each feed, feedparser.parse(bytes)."""
    import feedparser
    import httpx

    urls = Path(url_file).read_text().split()
    entries = 0
    with httpx.Client(timeout=20.0) as client:
        for url in urls:
            response = client.get(url)
            response.raise_for_status()
            entries += len(feedparser.parse(response.content).entries)
    print(json.dumps({"entries": entries}))


def child_reader(db: str, url_file: str) -> None:
    """reader (lemon24): add the feeds once, then update_feeds(workers=16, scheduled=False)."""
    try:
        import sgmllib  # noqa: F401
    except ImportError:
        # reader 3.26 vendors a feedparser that does `import sgmllib`, a module it no longer
        # pulls in (feedparser >= 6.0.12 depends on feedparser-sgmllib instead). Upstream
        # feedparser itself does `import feedparser_sgmllib as sgmllib`; do the same.
        import feedparser_sgmllib

        sys.modules["sgmllib"] = feedparser_sgmllib
    from reader import make_reader

    urls = Path(url_file).read_text().split()
    reader = make_reader(db)
    for url in urls:
        reader.add_feed(url, exist_ok=True)
    before = reader.get_entry_counts().total
    reader.update_feeds(workers=16, scheduled=False)
    after = reader.get_entry_counts().total
    broken = sum(1 for f in reader.get_feeds() if f.last_exception)
    reader.close()
    print(json.dumps({"new": after - before, "total": after, "broken": broken}))


def child_probe(url_file: str, concurrency: str) -> None:
    """The practical latency floor: async GETs, `concurrency` at a time, no parsing at all."""
    import asyncio

    import httpx

    urls = Path(url_file).read_text().split()

    async def run() -> int:
        gate = asyncio.Semaphore(int(concurrency))
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=int(concurrency))
        async with httpx.AsyncClient(timeout=20.0, limits=limits) as client:

            async def one(url: str) -> int:
                async with gate:
                    response = await client.get(url)
                    response.raise_for_status()
                    return len(response.content)

            return sum(await asyncio.gather(*(one(u) for u in urls)))

    print(json.dumps({"bytes": asyncio.run(run()), "feeds": len(urls)}))


# ---------------------------------------------------------------------- the bench


def write_sources(home: Path, feeds: list[Feed]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, feed in enumerate(feeds):
        lines += [
            "[[sources]]",
            f'name = "测试源-{index:04d}"',
            'kind = "rss"',
            f'url = "{feed.url}"',
            f'site = "测试站点{index % 30:02d}"',
            "",
        ]
    (home / "sources.toml").write_text("\n".join(lines), encoding="utf-8")


def _yuqing_result(home: Path, expect_new: int, expect_status: str):
    def parse(code: int, stdout: str) -> tuple[int, str]:
        summary = json.loads(stdout)
        with sqlite3.connect(home / "yuqing.db") as conn:
            stored = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        statuses: dict[str, int] = {}
        for source in summary["sources"]:
            statuses[source["status"]] = statuses.get(source["status"], 0) + 1
        problems = []
        if code != 0:
            problems.append(f"exit {code}")
        if summary["new"] != expect_new:
            problems.append(f"new={summary['new']}, expected {expect_new}")
        if statuses.get(expect_status, 0) != len(summary["sources"]):
            problems.append(f"statuses {statuses}")
        if problems:
            return summary["new"], "CHECK FAILED: " + "; ".join(problems)
        return summary["new"], f"{stored:,} posts in the database"

    return parse


def _json_result(key: str, expect: int | None):
    def parse(code: int, stdout: str) -> tuple[int, str]:
        data = json.loads(stdout.strip().splitlines()[-1])
        problems = []
        if code != 0:
            problems.append(f"exit {code}")
        if expect is not None and data[key] != expect:
            problems.append(f"{key}={data[key]}, expected {expect}")
        if data.get("broken"):
            problems.append(f"{data['broken']} broken feeds")
        return data[key], ("CHECK FAILED: " + "; ".join(problems)) if problems else ""

    return parse


def _exit_ok(code: int, stdout: str) -> tuple[str, str]:
    return "-", "" if code == 0 else f"CHECK FAILED: exit {code}"


def parse_cpu(feeds: list[Feed]) -> tuple[float, float, int]:
    """CPU seconds of feedparser alone, and of yuqing's parse_feed, over the same bodies."""
    import feedparser

    from yuqing.sources.feeds import parse_feed

    started = time.thread_time()
    entries = sum(len(feedparser.parse(f.body).entries) for f in feeds)
    feedparser_cpu = time.thread_time() - started
    content_type = "application/rss+xml; charset=utf-8"
    started = time.thread_time()
    for f in feeds:
        parse_feed(f.body, url=f.url, content_type=content_type, charset="utf-8")
    yuqing_cpu = time.thread_time() - started
    return feedparser_cpu, yuqing_cpu, entries


def _fmt_items(items: int | str) -> str:
    return f"{items:,}" if isinstance(items, int) else str(items)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int, *, left: bool) -> str:
    gap = " " * (width - _width(text))
    return text + gap if left else gap + text


def print_table(rows: list[Measured]) -> None:
    header = ("what", "wall s", "peak MiB", "tree MiB", "cpu s", "items", "served", "others")
    cells = [header]
    for r in rows:
        cells.append((r.what, f"{r.wall:.2f}", f"{r.peak_mib:.0f}", f"{r.tree_mib:.0f}",
                      f"{r.cpu:.2f}", _fmt_items(r.items), r.served, f"{r.others:.1f}"))  # fmt: skip
    widths = [max(_width(c[i]) for c in cells) for i in range(len(header))]

    def line(cols: tuple[str, ...]) -> str:
        parts = [_pad(cols[0], widths[0], left=True)]
        parts += [_pad(c, w, left=False) for c, w in zip(cols[1:], widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))
    for r in rows:
        if r.note:
            print(f"  * {r.what}: {r.note}")
    print("  peak: VmHWM of the largest process; tree: peak PSS of all its processes;"
          " others: CPU s other processes on the machine used meanwhile")  # fmt: skip


def _served(before: tuple[int, int], after: tuple[int, int]) -> str:
    requests, conditional = after[0] - before[0], after[1] - before[1]
    return f"{requests} ({conditional} cond.)" if conditional else str(requests)


def serve(args: argparse.Namespace, farm) -> int:
    if args.keep is None:
        raise SystemExit("--serve needs --keep DIR for the workspace")
    home = args.keep / "yuqing-home"
    if home.exists():
        raise SystemExit(f"{home} exists; give an empty --keep directory")
    farm.start()
    try:
        write_sources(home, farm.feeds)
        (args.keep / "urls.txt").write_text("\n".join(f.url for f in farm.feeds) + "\n")
        print(f"serving {len(farm.feeds)} feeds for {args.serve:g} s; workspace {home}")
        print(f"  yuqing --home {home} collect --json", flush=True)
        time.sleep(max(0.0, min(args.serve, 3600.0)))
    finally:
        farm.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=30, help="items per feed")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per response, 304s too")
    parser.add_argument("--hosts", type=int, default=30, help="loopback addresses 127.0.0.1..N")
    parser.add_argument("--plain", action="store_true",
                        help="one plain-text sentence per description instead of ~1 KiB of HTML")  # fmt: skip
    parser.add_argument("--skip-baselines", action="store_true",
                        help="only yuqing's runs, the floor probe and the physics")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="keep the workspaces here instead of a temp dir")
    parser.add_argument("--serve", type=float, metavar="SECONDS",
                        help="only start the feeds and write a fresh workspace under --keep,"
                        " serve for SECONDS, then stop: for profiling by hand")  # fmt: skip
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="before each measurement wait up to SECONDS until other processes"
                        " leave the CPUs idle (for shared machines; default: do not wait)")  # fmt: skip
    parser.add_argument("--yuqing-src", type=Path, metavar="DIR",
                        help="measure the yuqing package in DIR (e.g. a `git archive` of a"
                        " commit) instead of the installed one")  # fmt: skip
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.yuqing_src:
        src = str(args.yuqing_src.resolve())
        if not (args.yuqing_src / "yuqing" / "__init__.py").exists():
            parser.error(f"--yuqing-src: no yuqing/__init__.py under {src}")
        sys.path.insert(0, src)
        CHILD_ENV["PYTHONPATH"] = os.pathsep.join(
            p for p in (src, os.environ.get("PYTHONPATH")) if p
        )

    if args.child:
        kind, *rest = args.child
        runners = {"baseline-a": child_baseline_a, "reader": child_reader, "probe": child_probe}
        runners[kind](*rest)
        return 0
    if not 1 <= args.hosts <= 254 or args.feeds < 1 or args.items < 1 or args.delay < 0:
        parser.error("need 1 <= --hosts <= 254, --feeds >= 1, --items >= 1, --delay >= 0")
    farm = LoopbackFeeds(args.feeds, args.items, args.delay, args.hosts, args.plain)
    if args.serve is not None:
        return serve(args, farm)

    import yuqing
    from yuqing.collect import CollectOptions

    concurrency = CollectOptions().concurrency
    expected = args.feeds * args.items
    bench_started = time.perf_counter()
    rows: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        farm.start()
        try:
            size = sum(len(f.body) for f in farm.feeds) / len(farm.feeds) / 1024
            print(f"yuqing from {Path(yuqing.__file__).parent}; {os.cpu_count()} cores,"
                  f" load average {os.getloadavg()[0]:.2f} at start")  # fmt: skip
            corpus = "plain-text" if args.plain else "HTML"
            print(f"{args.feeds} feeds x {args.items} items ({corpus} descriptions)"
                  f" on {farm.hosts} loopback addresses"
                  f", {args.delay * 1000:.0f} ms per response,"
                  f" {size:.1f} KiB per feed", flush=True)  # fmt: skip
            home = work / "yuqing-home"
            if home.exists() or (work / "reader.sqlite").exists():
                raise SystemExit(f"{work} holds an earlier run; give an empty --keep directory")
            write_sources(home, farm.feeds)
            url_file = work / "urls.txt"
            url_file.write_text("\n".join(f.url for f in farm.feeds) + "\n")
            me = [sys.executable, str(Path(__file__).resolve()), "--child"]
            yuqing = [sys.executable, "-m", "yuqing.cli", "--home", str(home)]

            def step(what: str, argv: list[str], parse) -> Measured:
                print(f"  {what} ...", end="", flush=True)
                if args.wait_quiet:
                    waited = wait_quiet(args.wait_quiet)
                    if waited > 1.5:
                        print(f" (waited {waited:.0f} s for a quiet machine)", end="", flush=True)
                before = farm.stats()
                row = measure(what, argv, parse)
                row.served = _served(before, farm.stats())
                print(f" {row.wall:.2f} s", flush=True)
                rows.append(row)
                return row

            first = step("yuqing collect, first run", [*yuqing, "collect", "--json"],
                         _yuqing_result(home, expected, "ok"))  # fmt: skip
            unchanged = step("yuqing collect, all 304", [*yuqing, "collect", "--json"],
                             _yuqing_result(home, 0, "unchanged"))  # fmt: skip
            step("yuqing paths (start-up only)", [*yuqing, "paths"], _exit_ok)
            step("yuqing collect --help (start-up only)", [*yuqing, "collect", "--help"], _exit_ok)
            # What an all-304 run imports before its first request: no I/O, no parsing.
            collect_imports = step("import what collect needs (start-up only)",
                                   [sys.executable, "-c", "import yuqing.cli, yuqing.pipeline"],
                                   _exit_ok)  # fmt: skip
            step(f"probe: httpx async x{concurrency}, GET only",
                 [*me, "probe", str(url_file), str(concurrency)], _json_result("feeds", None))  # fmt: skip
            reader_first = None
            if not args.skip_baselines:
                step("A: httpx sequential + feedparser", [*me, "baseline-a", str(url_file)],
                     _json_result("entries", expected))  # fmt: skip
                db = str(work / "reader.sqlite")
                if importlib.util.find_spec("reader") is None:
                    print("  B: reader is not installed: pip install -e '.[bench]'")
                else:
                    reader_first = step("B: reader, first run",
                                        [*me, "reader", db, str(url_file)],
                                        _json_result("new", expected))  # fmt: skip
                    step("B: reader, unchanged", [*me, "reader", db, str(url_file)],
                         _json_result("new", 0))  # fmt: skip
        finally:
            farm.stop()
    feedparser_cpu, yuqing_parse_cpu, entries = parse_cpu(farm.feeds)

    floor = args.feeds * args.delay / concurrency
    print()
    print_table(rows)
    print()
    print("physics")
    print(f"  latency floor = {args.feeds} feeds x {args.delay:g} s / {concurrency} concurrent"
          f" = {floor:.2f} s")  # fmt: skip
    per_entry = feedparser_cpu / max(entries, 1) * 1e6
    print(f"  feedparser.parse CPU, same bodies, in-process: {feedparser_cpu:.2f} s"
          f" for {entries:,} entries ({per_entry:.0f} us per entry)")  # fmt: skip
    print(f"  yuqing.sources.feeds.parse_feed CPU, same bodies: {yuqing_parse_cpu:.2f} s"
          f" ({yuqing_parse_cpu / max(feedparser_cpu, 1e-9):.2f} x feedparser alone)")  # fmt: skip
    cores = os.cpu_count() or 1
    print(f"  so on {cores} cores parsing alone needs >= {yuqing_parse_cpu / cores:.2f} s of wall")
    print(f"  an all-304 run needs >= floor + importing what collect needs"
          f" = {floor:.2f} + {collect_imports.wall:.2f} = {floor + collect_imports.wall:.2f} s")  # fmt: skip
    print()
    print("targets")
    if reader_first is not None:
        limit = 0.5 * reader_first.wall
        ok = first.wall <= limit and "FAILED" not in first.note
        print(f"  {'PASS' if ok else 'FAIL'}  yuqing first run {first.wall:.2f} s <= 0.5 x reader"
              f" first run {reader_first.wall:.2f} s = {limit:.2f} s")  # fmt: skip
    else:
        print("  SKIP  yuqing first run <= 0.5 x reader first run (--skip-baselines)")
    limit = 1.2 * floor
    ok = unchanged.wall <= limit and "FAILED" not in unchanged.note
    print(f"  {'PASS' if ok else 'FAIL'}  yuqing unchanged run {unchanged.wall:.2f} s <= 1.2 x"
          f" latency floor {floor:.2f} s = {limit:.2f} s")  # fmt: skip
    print(f"\nbench took {time.perf_counter() - bench_started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
