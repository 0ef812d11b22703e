"""Benchmark `yuqing collect` against reader(16) and the baseline commit, in the same run.

    python bench/collect_bench.py                      # both shapes, every target, about 5 minutes
    python bench/collect_bench.py --skip-baselines     # yuqing's runs and the phases only
    python bench/collect_bench.py --feeds 60 --items 10 --delay 0.05 --shapes plain-text

Setup, for each feed shape (`html`: 3-6 paragraphs of HTML per description, ~1 KiB;
`plain-text`: one sentence): 300 RSS feeds x 30 items (Chinese titles, a distinct link per
item, a stable ETag and Last-Modified per feed), served from loopback addresses
127.0.0.1-127.0.0.30 (ten feeds each), every response delayed 100 ms, the 304s too. The
servers are tests/server.py's ScriptedServer, one per address, in this process.

Runs per shape, each in a fresh subprocess: yuqing's first run and unchanged run (all 304);
the baseline commit's first run (`git archive`, its own workspace: "today's" CPU per item);
reader's first and unchanged runs (`update_feeds(workers=16)`); then every tenth feed gains
3 new items (new ETag) and yuqing and reader each run once more (the cron case). Last, the
phases child times fetch, decode, parse, clean, index and store one after the other in one
process over the same feeds and prints CPU seconds per 1,000 stored items.

Targets (PASS/FAIL), wall time against reader in the same run: first run <= 0.5 x, unchanged
<= 1 x, 10%-changed <= 0.7 x, on both shapes; CPU per stored item of the first run <= 0.5 x
the baseline commit's.

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

from collect_corpus import LAST_MODIFIED, NEW_PER_CHANGE, Feed, etag_of, make_feed
from procmem import descendants, memory_kib

ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 300.0  # seconds; no single measurement may take longer (reader took 150 s at load 12)
SAMPLE_INTERVAL = 0.025  # seconds between /proc samples of the child's process tree
CHANGED_LAST_MODIFIED = "Sun, 02 Jun 2024 00:00:00 GMT"
# The commit this issue started from: its first run is measured beside ours (CPU per item).
BASELINE_REV = "4b11b76"

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
        self.versions = [0] * feeds

    def start(self) -> None:
        for server in self.servers:
            server.start()
        for index in range(self._count):
            self.feeds.append(self._serve(index))

    def _serve(self, index: int) -> Feed:
        server = self.servers[index % len(self.servers)]
        path = f"/rss/{index:04d}.xml"
        version = self.versions[index]
        body = make_feed(index, self._items, server.base_url, plain=self._plain, version=version)
        server.route(
            path, body, etag=etag_of(index, version), delay=self._delay,
            last_modified=LAST_MODIFIED if not version else CHANGED_LAST_MODIFIED,
            headers={"Content-Type": "application/rss+xml; charset=utf-8"},
        )  # fmt: skip
        return Feed(server.url(path), body)

    def change(self, every: int) -> int:
        """Give every `every`-th feed NEW_PER_CHANGE new items (a new ETag and date); return
        how many items are new."""
        changed = 0
        for index in range(0, self._count, every):
            self.versions[index] += 1
            self.feeds[index] = self._serve(index)
            changed += 1
        return changed * min(NEW_PER_CHANGE, self._items)

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
    argv: list[str], *, timeout: float = CHILD_TIMEOUT, env: dict[str, str] | None = None
) -> tuple[float, float, float, float, int, str, str]:
    """Run argv, return (wall, peak MiB, tree PSS MiB, cpu s, exit code, stdout, stderr).

    Peak is the largest VmHWM seen in /proc, not `ru_maxrss`: Linux carries the parent's
    resident size at fork over into the child's ru_maxrss (a /bin/true spawned by a
    300 MiB process reports 313 MiB), so RUSAGE_CHILDREN would show this bench's own size.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=CHILD_CWD, env=env or CHILD_ENV
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


def measure(what: str, argv: list[str], parse_items, env: dict[str, str] | None = None) -> Measured:
    busy, mine = _machine_busy(), _self_cpu()
    wall, peak, tree, cpu, code, stdout, stderr = run_child(argv, env=env)
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


def child_phases(url_file: str, concurrency: str, db: str) -> None:
    """CPU seconds of each stage of collection, one after the other in this process, over
    the feeds in url_file: fetch (yuqing's Fetcher, `concurrency` at a time), decode (to
    UTF-8), parse (the XML into raw entry fields), clean (HTML to text, URLs, titles),
    index (the CJK bigrams of title + text) and store (Store.save_items with the evidence,
    FTS rows included, into a new store at db; committed as the collector commits: every
    BATCH_SOURCES feeds, one savepoint each, or one transaction per feed in versions
    without batches).

    It adapts to older versions (run with the baseline commit first on PYTHONPATH): without
    `feeds._items` the items are built one by one, and without `store.Evidence` (4b11b76)
    the evidence is kept as that version's collector kept it, `keep_evidence` after
    `save_items` in the feed's transaction."""
    import asyncio
    import hashlib

    from yuqing.sources import fastfeed, feeds
    from yuqing.sources.encoding import feed_bytes_as_utf8
    from yuqing.sources.fetch import Fetcher
    from yuqing.store import Store
    from yuqing.text.search import grams

    def build_items(fields: list[dict]) -> list:
        if hasattr(feeds, "_items"):
            return feeds._items(fields, lambda f: feeds._item_from_fields(**f))
        return [item for f in fields if (item := feeds._item_from_fields(**f))]

    def save(store, n: int, items: list, result):
        sha = hashlib.sha256(result.body).hexdigest()
        seen = "2026-01-01T00:00:00+00:00"
        try:
            from yuqing.store import Evidence
        except ImportError:  # 4b11b76: the evidence kept after the posts, in the same transaction
            counts = store.save_items(source=f"source-{n}", channel="rss", site="site", mainstream=False,
                                      items=items, seen_at=seen)
            if counts.new_keys:
                store.keep_evidence(source=f"source-{n}", sha256=sha, url=result.url, fetched_at=seen,
                                    body=result.body, post_keys=counts.new_keys)
            return counts
        return store.save_items(source=f"source-{n}", channel="rss", site="site", mainstream=False,
                                items=items, seen_at=seen, evidence=Evidence(sha, result.url, seen, result.body))

    urls = Path(url_file).read_text().split()
    cpu: dict[str, float] = dict.fromkeys(("fetch", "decode", "parse", "clean", "index", "store"), 0.0)
    try:
        from yuqing.collect import BATCH_SOURCES
    except ImportError:  # a version that commits every feed on its own
        BATCH_SOURCES = 1  # noqa: N806

    async def fetch_all() -> list:
        async with Fetcher(concurrency=int(concurrency)) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(u) for u in urls))

    started = time.process_time()
    results = asyncio.run(fetch_all())
    cpu["fetch"] = time.process_time() - started
    stored = 0
    with Store(db) as store:
        for n, result in enumerate(results):
            t0 = time.process_time()
            utf8 = feed_bytes_as_utf8(result.body, http_charset=result.charset)
            t1 = time.process_time()
            fields = fastfeed.entries(utf8, result.url)
            t2 = time.process_time()
            if fields is None:  # not the fast path's: feedparser parses and cleans
                items = feeds.parse_feed(result.body, url=result.url, charset=result.charset)
            else:
                items = build_items(fields)
            t3 = time.process_time()
            for item in items:
                item.grams = grams(f"{item.title} {item.text}")
            t4 = time.process_time()
            if BATCH_SOURCES > 1 and n % BATCH_SOURCES == 0:
                store.begin_batch()
            with store.part() if BATCH_SOURCES > 1 else store.write():
                counts = save(store, n, items, result)
            if BATCH_SOURCES > 1 and ((n + 1) % BATCH_SOURCES == 0 or n + 1 == len(results)):
                store.commit_batch()
            t5 = time.process_time()
            stored += counts.new
            for phase, spent in zip(("decode", "parse", "clean", "index", "store"),
                                    (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
                cpu[phase] += spent
    print(json.dumps({"stored": stored, "cpu": cpu}))


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


def _yuqing_result(home: Path, expect_new: int, expect_status: str | None):
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
        if expect_status is None and statuses.get("failed"):
            problems.append(f"statuses {statuses}")
        if expect_status is not None and statuses.get(expect_status, 0) != len(summary["sources"]):
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


@dataclass
class Shape:
    """One feed shape's runs: yuqing's and the baselines' rows, keyed by run."""

    name: str
    rows: dict[str, Measured]
    phases: dict | None = None
    baseline_phases: dict | None = None  # the same phases of the baseline commit


def measure_shape(args: argparse.Namespace, name: str, work: Path, concurrency: int,
                  baseline_src: Path | None, all_rows: list[Measured]) -> Shape:
    farm = LoopbackFeeds(args.feeds, args.items, args.delay, args.hosts, plain=name == "plain-text")
    expected = args.feeds * args.items
    shape = Shape(name, {})
    home, base_home = work / f"yuqing-{name}", work / f"baseline-{name}"
    url_file, db = work / f"urls-{name}.txt", str(work / f"reader-{name}.sqlite")
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    yuqing = [sys.executable, "-m", "yuqing.cli", "--home", str(home)]

    def step(key: str, what: str, argv: list[str], parse, env: dict[str, str] | None = None) -> None:
        print(f"  {what} ...", end="", flush=True)
        if args.wait_quiet:
            waited = wait_quiet(args.wait_quiet)
            if waited > 1.5:
                print(f" (waited {waited:.0f} s for a quiet machine)", end="", flush=True)
        before = farm.stats()
        row = measure(f"{name}: {what}", argv, parse, env)
        row.served = _served(before, farm.stats())
        print(f" {row.wall:.2f} s", flush=True)
        shape.rows[key] = row
        all_rows.append(row)

    farm.start()
    try:
        write_sources(home, farm.feeds)
        url_file.write_text("\n".join(f.url for f in farm.feeds) + "\n")
        reader = not args.skip_baselines and importlib.util.find_spec("reader") is not None
        step("first", "yuqing first run", [*yuqing, "collect", "--json"], _yuqing_result(home, expected, "ok"))
        step("unchanged", "yuqing unchanged (all 304)", [*yuqing, "collect", "--json"],
             _yuqing_result(home, 0, "unchanged"))
        if baseline_src is not None:
            write_sources(base_home, farm.feeds)
            env = {**CHILD_ENV, "PYTHONPATH": os.pathsep.join(
                p for p in (str(baseline_src), CHILD_ENV.get("PYTHONPATH")) if p)}
            step("baseline", f"baseline {args.baseline_rev}: yuqing first run",
                 [sys.executable, "-m", "yuqing.cli", "--home", str(base_home), "collect", "--json"],
                 _yuqing_result(base_home, expected, "ok"), env)
        if reader:
            step("reader first", "reader first run", [*me, "reader", db, str(url_file)],
                 _json_result("new", expected))
            step("reader unchanged", "reader unchanged", [*me, "reader", db, str(url_file)],
                 _json_result("new", 0))
        new = farm.change(10)
        step("changed", "yuqing, 10% of feeds changed", [*yuqing, "collect", "--json"],
             _yuqing_result(home, new, None))
        if reader:
            step("reader changed", "reader, 10% of feeds changed", [*me, "reader", db, str(url_file)],
                 _json_result("new", new))
        if args.with_feedparser:
            step("feedparser", "A: httpx sequential + feedparser", [*me, "baseline-a", str(url_file)],
                 _json_result("entries", expected))
        shape.phases = time_phases("phases (in one process)", [*me, "phases", str(url_file), str(concurrency),
                                                               str(work / f"phases-{name}.db")], CHILD_ENV)
        if baseline_src is not None:
            shape.baseline_phases = time_phases(
                f"phases of {args.baseline_rev}", [*me, "phases", str(url_file), str(concurrency),
                                                   str(work / f"phases-{name}-{args.baseline_rev}.db")], env)
    finally:
        farm.stop()
    return shape


def time_phases(what: str, argv: list[str], env: dict[str, str]) -> dict | None:
    print(f"  {what} ...", end="", flush=True)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=CHILD_TIMEOUT, env=env,
                          cwd=CHILD_CWD, check=False)
    if done.returncode != 0:
        print(" FAILED: " + " / ".join(done.stderr.strip().splitlines()[-3:]), flush=True)
        return None
    print(" done", flush=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


PHASES = ("fetch", "decode", "parse", "clean", "index", "store")


def _per_thousand(phases: dict) -> list[float]:
    per = 1000 / max(phases["stored"], 1)
    return [phases["cpu"][n] * per for n in PHASES]


def print_phases(shapes: list[Shape], baseline_rev: str = "") -> None:
    print("CPU seconds per 1,000 stored items, by phase (each phase timed in one process over the"
          " same feeds)")
    header = ("shape", *PHASES, "sum", "whole first run")
    cells = [header]

    def whole(row: Measured | None) -> str:
        return f"{row.cpu * 1000 / row.items:.3f}" if row and isinstance(row.items, int) and row.items else "-"

    for shape in shapes:
        for phases, label, first in ((shape.phases, shape.name, shape.rows.get("first")),
                                     (shape.baseline_phases, f"{shape.name} {baseline_rev}",
                                      shape.rows.get("baseline"))):
            if phases:
                values = _per_thousand(phases)
                cells.append((label, *(f"{v:.3f}" for v in values), f"{sum(values):.3f}", whole(first)))
    widths = [max(_width(c[i]) for c in cells) for i in range(len(header))]
    for row in cells:
        print("  " + "  ".join(_pad(c, w, left=i == 0) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    print("  whole first run: the `yuqing collect` child's CPU (start-up, grouping and grading included)"
          " per 1,000 items stored")
    if any(shape.baseline_phases for shape in shapes):
        print(f"  {baseline_rev}: the baseline commit's own code timed by the same phases (its store, one"
              " transaction per feed)")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_targets(shapes: list[Shape], args: argparse.Namespace) -> bool:
    print("targets (wall time, measured beside the baseline in the same run)")
    all_ok = True

    def target(ok: bool, text: str) -> None:
        nonlocal all_ok
        all_ok = all_ok and ok
        print(f"  {_verdict(ok)}  {text}")

    for shape in shapes:
        r = shape.rows
        for mine, theirs, factor, label in (("first", "reader first", 0.5, "first run"),
                                             ("unchanged", "reader unchanged", 1.0, "unchanged run"),
                                             ("changed", "reader changed", 0.7, "10%-changed run")):
            if theirs not in r:
                print(f"  SKIP  {shape.name}: {label} <= {factor:g} x reader (reader not measured)")
                continue
            ours, limit = r[mine], factor * r[theirs].wall
            ok = ours.wall <= limit and "FAILED" not in ours.note and "FAILED" not in r[theirs].note
            target(ok, f"{shape.name}: yuqing {label} {ours.wall:.2f} s <= {factor:g} x reader"
                       f" {r[theirs].wall:.2f} s = {limit:.2f} s (ratio {ours.wall / r[theirs].wall:.2f})")
        if "baseline" in r and isinstance(r["first"].items, int) and isinstance(r["baseline"].items, int):
            ours = r["first"].cpu / max(r["first"].items, 1) * 1000
            before = r["baseline"].cpu / max(r["baseline"].items, 1) * 1000
            target(ours <= 0.5 * before and "FAILED" not in r["first"].note,
                   f"{shape.name}: CPU per stored item {ours:.3f} ms <= 0.5 x {args.baseline_rev}'s"
                   f" {before:.3f} ms = {0.5 * before:.3f} ms (ratio {ours / before:.2f})")
        else:
            print(f"  SKIP  {shape.name}: CPU per stored item halved (baseline {args.baseline_rev} not measured)")
        if shape.phases and shape.baseline_phases:
            ours, before = sum(_per_thousand(shape.phases)), sum(_per_thousand(shape.baseline_phases))
            target(ours <= 0.5 * before,
                   f"{shape.name}: collection work (phase sum, fetch to store) {ours:.3f} ms per item <= 0.5 x"
                   f" {args.baseline_rev}'s {before:.3f} ms = {0.5 * before:.3f} ms (ratio {ours / before:.2f})")
    return all_ok


def compile_bytecode(package: Path) -> None:
    """Compile a package's modules to __pycache__ as `pip install` does, so each child loads
    bytecode like an installed yuqing (and reader, from site-packages) instead of compiling
    every module again: with PYTHONDONTWRITEBYTECODE set, nothing else writes it."""
    import compileall

    compileall.compile_dir(str(package), quiet=1)


def export_rev(rev: str, into: Path) -> Path | None:
    """`git archive REV yuqing templates rules.toml` into `into`: the version to compare with."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "yuqing", "templates", "rules.toml"],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        print(f"  baseline {rev}: git archive failed: {archive.stderr.decode(errors='replace').strip()}")
        return None
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=30, help="items per feed")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per response, 304s too")
    parser.add_argument("--hosts", type=int, default=30, help="loopback addresses 127.0.0.1..N")
    parser.add_argument("--shapes", default="html,plain-text",
                        help="feed shapes to measure, comma-separated: html (~1 KiB of HTML per"
                        " description), plain-text (one sentence)")  # fmt: skip
    parser.add_argument("--skip-baselines", action="store_true",
                        help="only yuqing's runs and the phases: no reader, no baseline commit")  # fmt: skip
    parser.add_argument("--baseline-rev", default=BASELINE_REV,
                        help="the commit whose first run sets 'today's' CPU per item (git archive of"
                        f" this repository; default {BASELINE_REV}; '' to skip)")  # fmt: skip
    parser.add_argument("--with-feedparser", action="store_true",
                        help="also time sequential httpx + feedparser (slow: ~45 s on the HTML shape)")
    parser.add_argument("--keep", type=Path, help="keep the workspaces here instead of a temp dir")
    parser.add_argument("--serve", type=float, metavar="SECONDS",
                        help="only start the feeds and write a fresh workspace under --keep,"
                        " serve for SECONDS, then stop: for profiling by hand")  # fmt: skip
    parser.add_argument("--plain", action="store_true", help="with --serve: plain-text descriptions")
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
        runners = {"baseline-a": child_baseline_a, "reader": child_reader, "probe": child_probe,
                   "phases": child_phases}
        runners[kind](*rest)
        return 0
    if not 1 <= args.hosts <= 254 or args.feeds < 1 or args.items < 1 or args.delay < 0:
        parser.error("need 1 <= --hosts <= 254, --feeds >= 1, --items >= 1, --delay >= 0")
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    if not shapes or set(shapes) - {"html", "plain-text"}:
        parser.error("--shapes takes html and/or plain-text")
    if args.serve is not None:
        return serve(args, LoopbackFeeds(args.feeds, args.items, args.delay, args.hosts, args.plain))

    import yuqing
    from yuqing.collect import CollectOptions

    concurrency = CollectOptions().concurrency
    bench_started = time.perf_counter()
    rows: list[Measured] = []
    results: list[Shape] = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if any(work.glob("yuqing-*")) or any(work.glob("reader-*")):
            raise SystemExit(f"{work} holds an earlier run; give an empty --keep directory")
        baseline_src = None
        if args.baseline_rev and not args.skip_baselines:
            baseline_src = export_rev(args.baseline_rev, work / f"src-{args.baseline_rev}")
        for package in [Path(yuqing.__file__).parent] + ([baseline_src / "yuqing"] if baseline_src else []):
            compile_bytecode(package)
        print(f"yuqing from {Path(yuqing.__file__).parent}; {os.cpu_count()} cores,"
              f" load average {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f} at start")  # fmt: skip
        print(f"{args.feeds} feeds x {args.items} items on {min(args.hosts, args.feeds)} loopback addresses,"
              f" {args.delay * 1000:.0f} ms per response; shapes: {', '.join(shapes)}", flush=True)
        for name in shapes:
            print(f"{name} descriptions:", flush=True)
            results.append(measure_shape(args, name, work, concurrency, baseline_src, rows))
    load_end = os.getloadavg()
    floor = args.feeds * args.delay / concurrency
    print()
    print_table(rows)
    print()
    print_phases(results, args.baseline_rev)
    print()
    print(f"latency floor = {args.feeds} feeds x {args.delay:g} s / concurrency: yuqing ({concurrency}, at most"
          f" {CollectOptions().per_host} per host) {floor:.2f} s, reader (16 workers)"
          f" {args.feeds * args.delay / 16:.2f} s")
    print(f"load average {load_start[0]:.2f} at start, {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}"
          " at the end (2 cores shared: compare the ratios, not the seconds)")
    print()
    print_targets(results, args)
    print(f"\nbench took {time.perf_counter() - bench_started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
