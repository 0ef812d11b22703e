"""Bytes on disk per byte of stored text, against the baseline commit, in the same run.

    python bench/store_bench.py                    # 100,000 posts, about 3 minutes
    python bench/store_bench.py --posts 20000      # a quick look

Setup: POSTS real-shaped posts made from /work/shared/corpora/weibo_events (11,045 Weibo
comments on online group events, segmented with spaces: joined back): a title of one
comment (at most 40 characters) and a text of four to seven others, ~400 bytes of UTF-8
together, as the issue measured. They are stored the way collection stores them: in batches
of 30 per source (300 sources) through `Store.save_items`, each batch with its raw evidence
(an RSS body carrying the batch, as `yuqing collect` keeps it), one transaction per batch.

Each version builds its store in a fresh subprocess (this checkout, and `git archive` of
the baseline commit); after `PRAGMA wal_checkpoint(TRUNCATE)` the database and its WAL are
measured and split by table (dbstat). Then the baseline's store is opened by this checkout
(its pending migrations, the index rebuilt in chunks by m018/m020): its time, the size
after, and the search results of QUERIES compared with the baseline's own answers on its
own store. `--baseline-rev ab6e4ee` (main before m020) gives m020's own before and after. Figures are printed with
PASS/FAIL; nothing is asserted in tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "weibo_events" / "train_review.txt"
BASELINE_REV = "4b11b76"
TARGET = 3.0  # bytes on disk per byte of UTF-8 title + text
QUERIES = ["成都", "学校", "警察", "回应", "真相 调查", "死者 母亲", "云南", "安阳", "袁爷爷", "下台"]
CHILD_TIMEOUT = 900.0


def load_comments(path: Path) -> list[str]:
    """The comments with the segmenter's spaces removed (kept between two Latin words)."""
    joined = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [text for line in lines if (text := joined.sub("", line.strip()))]


def posts(n: int, comments: list[str], seed: int = 7):
    """(source index, title, text, url) for n posts; the same for the same arguments."""
    rng = random.Random(seed)
    for i in range(n):
        title = comments[rng.randrange(len(comments))][:40]
        text = "".join(comments[rng.randrange(len(comments))] for _ in range(rng.randint(4, 7)))
        source = i // 30 % 300
        yield source, title, text, f"https://site{source:03d}.example.cn/2026/{i // 1000:04d}/{i:07d}.html"


def rss_body(batch: list[tuple]) -> bytes:
    items = "".join(
        f"<item><title>{escape(t)}</title><link>{u}</link><guid>{u}</guid>"
        f"<description><![CDATA[<p>{x}</p>]]></description>"
        f"<pubDate>Sat, 01 Jun 2024 00:00:00 GMT</pubDate></item>\n"
        for _, t, x, u in batch
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>测试源</title>\n'
            f"{items}</channel></rss>\n").encode()


def child_build(db: str, n: str) -> None:
    """Store the posts through the version of yuqing on sys.path (this checkout or the baseline)."""
    from yuqing import store as store_module
    from yuqing.models import Item
    from yuqing.store import Store

    NEW_API = hasattr(store_module, "Evidence")
    Evidence = getattr(store_module, "Evidence", None)
    comments = load_comments(CORPUS)
    started = time.process_time()
    text_bytes = 0
    batch: list[tuple] = []
    with Store(db) as store:

        def flush() -> None:
            source = f"测试源-{batch[0][0]:03d}"
            items = [Item(url=u, title=t, text=x, published_at="2024-06-01T00:00:00+00:00") for _, t, x, u in batch]
            body = rss_body(batch)
            seen = f"2026-{1 + batch[0][0] % 12:02d}-01T00:00:00+00:00"
            sha = hashlib.sha256(body).hexdigest()
            with store.write():
                if NEW_API:  # collection's way since m018: the evidence goes in with the posts
                    store.save_items(source=source, channel="rss", site=f"站点{batch[0][0]:03d}", mainstream=False,
                                     items=items, seen_at=seen, evidence=Evidence(sha, batch[0][3], seen, body))
                else:
                    counts = store.save_items(source=source, channel="rss", site=f"站点{batch[0][0]:03d}",
                                              mainstream=False, items=items, seen_at=seen)
                    store.keep_evidence(source=source, sha256=sha, url=batch[0][3], fetched_at=seen, body=body,
                                        post_keys=counts.new_keys)
            batch.clear()

        for post in posts(int(n), comments):
            if batch and post[0] != batch[0][0]:
                flush()
            batch.append(post)
            text_bytes += len(post[1].encode()) + len(post[2].encode())
        if batch:
            flush()
        stored = store.count_posts()
    print(json.dumps({"text_bytes": text_bytes, "posts": stored, "cpu": time.process_time() - started}))


def child_search(db: str) -> None:
    from yuqing.store import Store
    from yuqing.text.search import match_expression, query_terms

    with Store(db) as store:
        out = {}
        for q in QUERIES:
            started = time.perf_counter()
            rows = store.search_posts(*match_expression(query_terms(q)), limit=50)
            out[q] = {"ids": [r["id"] for r in rows], "ms": (time.perf_counter() - started) * 1000}
    print(json.dumps(out, ensure_ascii=False))


def child_open(db: str) -> None:
    """Open (and so migrate) the store; report how long that took."""
    from yuqing.store import Store

    started = time.perf_counter()
    with Store(db) as store:
        posts = store.count_posts()
    print(json.dumps({"seconds": time.perf_counter() - started, "posts": posts}))


def run_child(args: list[str], src: Path | None) -> dict:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH")) if p)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args], env=env,
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT, cwd=tempfile.gettempdir(),
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["wall"] = time.perf_counter() - started
    return data


def store_size(db: Path) -> int:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def table_sizes(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    finally:
        conn.close()
    groups: dict[str, int] = {}
    for name, size in rows:
        if name.startswith(("post_search", "post_index")):
            key = "search index" + (" (stored grams text)" if name.endswith("_content") else "")
        elif name == "posts":
            key = "posts"
        elif name.startswith(("posts_", "sqlite_autoindex_posts")):
            key = "posts' indexes"
        elif name.startswith(("raw_bodies", "sqlite_autoindex_raw_bodies")):
            key = "raw evidence"
        elif name.startswith(("sightings", "sqlite_autoindex_sightings")):
            key = "sightings + their indexes"
        else:
            key = "everything else"
        groups[key] = groups.get(key, 0) + size
    return groups


def export_rev(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "yuqing", "templates", "rules.toml"],
                             capture_output=True, check=True)
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--baseline-rev", default=BASELINE_REV, help="commit to compare with ('' to skip)")
    parser.add_argument("--keep", type=Path, help="keep the stores in this directory")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        {"build": child_build, "search": child_search, "open": child_open}[kind](*rest)
        return 0
    if not CORPUS.exists():
        raise SystemExit(f"corpus missing: {CORPUS}")
    load = os.getloadavg()
    print(f"store_bench: {args.posts:,} posts from {CORPUS.parent.name}; load average {load[0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        versions: list[tuple[str, Path | None]] = [("this checkout", None)]
        if args.baseline_rev:
            versions.append((f"baseline {args.baseline_rev}", export_rev(args.baseline_rev, work / "baseline-src")))
        results = {}
        for label, src in versions:
            db = work / f"{'new' if src is None else 'baseline'}.db"
            for old in work.glob(db.name + "*"):
                old.unlink()
            print(f"  {label}: storing ...", end="", flush=True)
            built = run_child(["build", str(db), str(args.posts)], src)
            size = store_size(db)
            searched = run_child(["search", str(db)], src)
            results[label] = (db, built, size, table_sizes(db), searched)
            print(f" {built['wall']:.1f} s", flush=True)
        migrated = None
        if args.baseline_rev:
            db = results[versions[1][0]][0]
            copy = work / "migrated.db"
            for old in work.glob("migrated.db*"):
                old.unlink()
            store_size(db)
            copy.write_bytes(db.read_bytes())
            print("  migrating the baseline's store in place ...", end="", flush=True)
            opened = run_child(["open", str(copy)], None)
            print(f" {opened['seconds']:.1f} s", flush=True)
            migrated = (opened, store_size(copy), run_child(["search", str(copy)], None))

    print()
    print(f"{'store':<34} {'MiB':>8} {'bytes/text byte':>16} {'per 10k posts':>14} {'store cpu s':>12}")
    for label, (_db, built, size, _parts, _s) in results.items():
        ratio = size / built["text_bytes"]
        print(f"{label:<34} {size / 2**20:>8.1f} {ratio:>16.2f} {size / built['posts'] * 1e4 / 2**20:>10.1f} MiB"
              f" {built['cpu']:>12.1f}")
    if migrated:
        base_built = results[versions[1][0]][1]
        print(f"{'baseline store after migration':<34} {migrated[1] / 2**20:>8.1f}"
              f" {migrated[1] / base_built['text_bytes']:>16.2f}"
              f" {migrated[1] / base_built['posts'] * 1e4 / 2**20:>10.1f} MiB")
    for label, (_db, built, size, parts, _s) in results.items():
        print(f"\n{label}: {built['posts']:,} posts, {built['text_bytes'] / built['posts']:.0f} bytes of"
              f" title+text a post; by table (dbstat):")
        for name, part in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(f"  {name:<34} {part / 2**20:>8.1f} MiB {part / built['text_bytes']:>6.2f} bytes/text byte"
                  f" {part / size:>5.0%}")
    new_label = versions[0][0]
    new_built, new_size = results[new_label][1], results[new_label][2]
    searches = results[new_label][4]
    print("\nsearch (ms, each query once, limit 50): " + "; ".join(
        f"{q} {searches[q]['ms']:.1f}" for q in QUERIES))
    load_end = os.getloadavg()
    print(f"load average {load[0]:.2f} at start, {load_end[0]:.2f} at the end (2 cores, shared)")
    print("\ntargets")
    ratio = new_size / new_built["text_bytes"]
    print(f"  {'PASS' if ratio <= TARGET else 'FAIL'}  {ratio:.2f} bytes on disk per byte of title+text <= {TARGET:g}"
          + (f" (baseline {results[versions[1][0]][2] / results[versions[1][0]][1]['text_bytes']:.2f})"
             if len(versions) > 1 else ""))
    if len(versions) > 1:
        base = results[versions[1][0]][4]
        same = sum(1 for q in QUERIES if base[q]["ids"] == searches[q]["ids"])
        print(f"  {'PASS' if same == len(QUERIES) else 'FAIL'}  same search results as the baseline on the same"
              f" posts: {same}/{len(QUERIES)} queries")
    if migrated:
        base = results[versions[1][0]][4]
        same = sum(1 for q in QUERIES if base[q]["ids"] == migrated[2][q]["ids"])
        ok = same == len(QUERIES) and migrated[1] < results[versions[1][0]][2]
        print(f"  {'PASS' if ok else 'FAIL'}  the migrated baseline store answers {same}/{len(QUERIES)} queries as"
              f" before and shrank {results[versions[1][0]][2] / 2**20:.1f} -> {migrated[1] / 2**20:.1f} MiB"
              f" (migration {migrated[0]['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
