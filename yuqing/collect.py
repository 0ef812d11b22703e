"""Collection: fetch every due source concurrently, parse, and store each source's batch
atomically, keeping per-source health (backoff, Retry-After, 410, broken selectors).

Fetching is async (one shared `Fetcher`); parsing is CPU work, done in this process
until a run has parsed many megabytes, then in a small process pool while the event loop
keeps fetching; storing happens on the main thread, each source's writes whole or not at
all (a savepoint), several sources to a commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from yuqing import clock
from yuqing.errors import ExitCode, SourceError, StoreError, YuqingError
from yuqing.events.workers import cores, die_with_parent
from yuqing.models import Item, Source
from yuqing.sources.fetch import MAX_FEED_BYTES, MAX_PAGE_BYTES, Fetcher, FetchResult
from yuqing.sources.health import FAILING_STATUSES, backoff_reason
from yuqing.store.posts import EVIDENCE_LEVEL, Evidence

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from yuqing.rules import Rules
    from yuqing.store import Store

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(minutes=10)
BACKOFF_CAP = timedelta(hours=24)
POOL_THRESHOLD = 8  # below this many sources a process pool costs more than it saves
# Bodies are parsed in this process until this many bytes have been parsed in the run; only
# then does the pool start. Handing a body to a worker and its items back costs about a
# third as much CPU again as parsing it (300 plain-text feeds: 0.78 s in-process, 1.16 s
# through two workers), which pays only when parsing is long enough for a second core to
# shorten the run: 16 MiB is about 3 s of parsing.
POOL_AFTER_BYTES = 16 * 1024 * 1024
# Sources' writes share one transaction until this many are in it or it has been open this
# long: a commit (and the search-index segment it writes) cost more than a feed's posts, and
# a kill -9 loses at most the open batch, whose sources keep their old ETags and come back.
BATCH_SOURCES = 50
BATCH_SECONDS = 1.0


@dataclass
class SourceOutcome:
    name: str
    site: str
    status: str  # ok | unchanged | failed | backoff | gone | skipped
    new: int = 0
    seen: int = 0
    reason: str = ""
    message: str = ""
    retry_at: str | None = None  # backoff: when the next run tries again

    @property
    def failed(self) -> bool:
        """Still failing: failed now, or left alone because it failed before (backoff, 410).
        Such a source never reads as healthy, and the run exits 1 while it lasts."""
        return self.status in FAILING_STATUSES


@dataclass
class CollectReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(o.new for o in self.outcomes)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.failed else ExitCode.OK

    def as_dict(self) -> dict:
        return {
            "new": self.new,
            "failed": len(self.failed),
            "exit_code": int(self.exit_code),
            "sources": [dict(vars(o)) for o in self.outcomes],  # flat fields: asdict's deep copy is not needed
        }


@dataclass
class Parsed:
    items: list[Item]
    next_url: str | None = None
    packed: bytes | None = None  # the body compressed for the evidence table, off the event loop


@dataclass
class CollectOptions:
    # Fetches in flight over all hosts. Sites are spared by per_host; the global cap only
    # bounds our own sockets, and a cron run over hundreds of slow county sites is waiting on
    # the network: 32 halves the latency floor of 16 (300 feeds at 100 ms: 0.94 s, not 1.88 s).
    concurrency: int = 32
    per_host: int = 2
    deadline: float = 20.0
    force: bool = False  # ignore backoff and Retry-After waits
    home: Path | None = None  # cookie files are relative to the workspace
    thread_pause: float = 0.2  # least seconds between two thread pages of one host (see collect_replies)
    stock_hours: float = 72.0  # posts older than this when first seen are stock (存量)


def collect(
    store: Store,
    sources: list[Source],
    options: CollectOptions | None = None,
    *,
    on_outcome: Callable[[SourceOutcome], None] | None = None,
) -> CollectReport:
    return asyncio.run(collect_async(store, sources, options or CollectOptions(), on_outcome))


async def collect_async(
    store: Store,
    sources: list[Source],
    options: CollectOptions,
    on_outcome: Callable[[SourceOutcome], None] | None = None,
) -> CollectReport:
    report = CollectReport()
    fetcher = Fetcher(concurrency=options.concurrency, per_host=options.per_host, deadline=options.deadline)
    collector = _Collector(store, fetcher, options, len(sources))
    try:
        async with fetcher:
            tasks = [asyncio.create_task(collector.run_source(s)) for s in sources]
            for task in asyncio.as_completed(tasks):
                outcome = await task
                report.outcomes.append(outcome)
                if on_outcome:
                    on_outcome(outcome)
    finally:
        collector.close()
    order = {s.name: i for i, s in enumerate(sources)}
    report.outcomes.sort(key=lambda o: order[o.name])
    return report


def _parse_pool(source_count: int) -> Executor | None:
    if source_count < POOL_THRESHOLD or cores() < 2:
        return None
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=min(4, cores()), initializer=die_with_parent)


def _load_parsers() -> None:
    """Import the parsers (feedparser, selectolax) only once something needs parsing: a run
    where every source answers 304 never does. Called before the pool starts, so the
    forked workers inherit them instead of each importing them again."""
    from yuqing.sources import (
        feeds,  # noqa: F401
        )
    from yuqing.text import bigrams  # noqa: F401


class _Collector:
    def __init__(self, store: Store, fetcher: Fetcher, options: CollectOptions, source_count: int):
        self.store = store
        self.fetcher = fetcher
        self.options = options
        self.source_count = source_count
        self.pool: Executor | None = None
        self._pool_started = False
        self._parsers_loaded = False
        self._parsed_bytes = 0  # the pool starts once this passes POOL_AFTER_BYTES
        self._batch_size = 0  # sources written in the open transaction
        self._batch_started = 0.0
        self._batch_timer: asyncio.TimerHandle | None = None
        self._batch_error: StoreError | None = None  # a commit the timer made failed

    def _parse_pool(self, size: int) -> Executor | None:
        if not self._parsers_loaded:
            self._parsers_loaded = True
            _load_parsers()
        self._parsed_bytes += size
        if not self._pool_started and self._parsed_bytes > POOL_AFTER_BYTES:
            self._pool_started = True
            self.pool = _parse_pool(self.source_count)
        return self.pool

    def close(self) -> None:
        try:
            self._commit_batch()
            if self._batch_error is not None:
                raise self._batch_error
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
                self.pool = None

    @contextmanager
    def _source_writes(self) -> Iterator[None]:
        """One source's writes, whole or not at all, inside the run's current batch."""
        if self._batch_error is not None:
            raise self._batch_error
        if not self._batch_size:
            self.store.begin_batch()
            self._batch_started = time.monotonic()
            self._batch_timer = asyncio.get_running_loop().call_later(BATCH_SECONDS, self._commit_on_time)
        self._batch_size += 1
        with self.store.part():
            yield
        if self._batch_size >= BATCH_SOURCES or time.monotonic() - self._batch_started >= BATCH_SECONDS:
            self._commit_batch()

    def _commit_batch(self) -> None:
        if self._batch_timer is not None:
            self._batch_timer.cancel()
            self._batch_timer = None
        self._batch_size = 0
        self.store.commit_batch()

    def _commit_on_time(self) -> None:
        """The batch's time is up while slow sources are still out: commit what is done so
        the write lock is not held for them (between tasks: no source is mid-write)."""
        self._batch_timer = None
        try:
            self._commit_batch()
        except StoreError as error:  # raised again by the next write, or at the end of the run
            self._batch_error = error

    async def run_source(self, source: Source) -> SourceOutcome:
        """One source, start to end: whatever goes wrong in it is its own failure."""
        state = self.store.source_state(source.name)
        started = clock.now()
        try:
            skipped = self._skipped(source, state, started)
            if skipped:
                return skipped
            return await self._collect_source(source, state, started)
        except SourceError as error:
            return self._failed(source, state, error, started)
        except StoreError:
            raise  # the database's trouble (locked, full, damaged), not this source's
        except YuqingError as error:  # e.g. a selector in sources.toml the parser rejects
            return self._failed(source, state, SourceError("配置错误", f"{source.name}：{error.message}"), started)
        except Exception as exc:  # a bug or a parser crash on one source must not stop the rest
            log.exception("collecting %s failed unexpectedly", source.name)
            error = SourceError("内部错误", f"{source.name}：处理时出现内部错误（{type(exc).__name__}），"
                                "详情见 logs/；其他信息源不受影响")
            return self._failed(source, state, error, started)

    def _failed(self, source: Source, state: dict, error: SourceError, started: datetime) -> SourceOutcome:
        self._record_failure(source, state, error, started)
        return SourceOutcome(source.name, source.site, "failed", reason=error.reason, message=error.message)

    def _skipped(self, source: Source, state: dict, now: datetime) -> SourceOutcome | None:
        """Why this run leaves the source alone, if it does."""
        if state.get("gone"):
            return SourceOutcome(source.name, source.site, "gone", reason="已停用(410)",
                                 message=f"服务器曾返回 410（已永久删除），已停止采集；"
                                 f"地址更正后用 yuqing source enable {source.name} 恢复")
        if self.options.force:
            return None
        due = state.get("next_attempt_at")
        if due and due > clock.to_iso(now):
            return SourceOutcome(source.name, source.site, "backoff", reason=backoff_reason(due, now),
                                 message=state.get("last_reason") or state.get("last_error") or "",
                                 retry_at=due)
        host_wait = self.store.host_retry_at(_host(state.get("url") or source.url))
        if host_wait and host_wait > clock.to_iso(now):
            return SourceOutcome(source.name, source.site, "skipped", reason="等待限流解除",
                                 message=f"{source.name}：网站要求稍后再访问（Retry-After），"
                                 f"{clock.local_text(host_wait)} 后再试")
        return None

    async def _collect_source(self, source: Source, state: dict, started: datetime) -> SourceOutcome:
        url = state.get("url") or source.url
        headers = dict(source.headers)
        cookies = read_cookie_file(source, self.options.home)
        max_bytes = MAX_FEED_BYTES if source.kind == "rss" else MAX_PAGE_BYTES
        first = await self.fetcher.fetch(
            url, etag=state.get("etag"), last_modified=state.get("last_modified"),
            headers=headers, cookies=cookies, max_bytes=max_bytes, allow_private=source.allow_private,
        )
        body_hash = hashlib.sha256(first.body).hexdigest() if first.status == 200 else None
        if first.status == 304 or body_hash == state.get("body_hash"):
            self._record_unchanged(source, first, started)
            return SourceOutcome(source.name, source.site, "unchanged")
        parsed = await self._parse(source, first, started)
        packed = parsed.packed
        items = list(parsed.items)
        pages = 1
        next_url = parsed.next_url
        while source.kind == "forum" and next_url and pages < source.pages:
            page = await self.fetcher.fetch(next_url, headers=headers, cookies=cookies, max_bytes=max_bytes,
                                            allow_private=source.allow_private)
            more = await self._parse(source, page, started)
            items.extend(more.items)
            next_url = more.next_url
            pages += 1
        if source.kind == "forum" and not items:
            raise _selectors_failed(source, state)
        counts = self._store_batch(source, items, first, body_hash, started, packed,
                                   first_collection=state.get("last_success_at") is None)
        return SourceOutcome(source.name, source.site, "ok", new=counts.new, seen=counts.seen)

    async def _parse(self, source: Source, result: FetchResult, now: datetime) -> Parsed:
        args = (source.kind, result.body, result.url, result.headers.get("content-type"),
                result.charset, source.encoding, source.preset, source.selectors, clock.to_iso(now))
        pool = self._parse_pool(len(result.body))
        if pool is not None:
            from concurrent.futures.process import BrokenProcessPool

            try:
                return await asyncio.get_running_loop().run_in_executor(pool, parse_payload, *args)
            except BrokenProcessPool:
                log.warning("parse pool broke; parsing the rest in-process")
                self.pool = None
                pool.shutdown(wait=False, cancel_futures=True)
        return parse_payload(*args)

    def _store_batch(self, source: Source, items: list[Item], result: FetchResult,
                     body_hash: str | None, started: datetime, packed: bytes | None = None, *,
                     first_collection: bool):
        seen_at = clock.to_iso(started)
        fields = {
            "etag": result.etag, "last_modified": result.last_modified, "body_hash": body_hash,
            "last_attempt_at": seen_at, "last_success_at": seen_at, "consecutive_failures": 0,
            "last_reason": None, "last_error": None, "next_attempt_at": None,
            "last_item_count": len(items),
        }
        if result.permanent_url:
            fields["url"] = result.permanent_url
        evidence = Evidence(body_hash, result.url, seen_at, result.body, packed) if body_hash else None
        with self._source_writes():  # the posts, their evidence and the health row together
            counts = self.store.save_items(
                source=source.name, channel=source.kind, site=source.site or source.name,
                mainstream=source.mainstream, items=items, seen_at=seen_at, evidence=evidence,
                stock_before=clock.to_iso(started - timedelta(hours=self.options.stock_hours)),
                first_collection=first_collection,
            )
            self.store.update_source_state(source.name, **fields)
        return counts

    def _record_unchanged(self, source: Source, result: FetchResult, started: datetime) -> None:
        seen_at = clock.to_iso(started)
        fields = {
            "last_attempt_at": seen_at, "last_success_at": seen_at, "consecutive_failures": 0,
            "last_reason": None, "last_error": None, "next_attempt_at": None,
        }
        if result.status == 200:
            fields.update(etag=result.etag, last_modified=result.last_modified)
        if result.permanent_url:
            fields["url"] = result.permanent_url
        with self._source_writes():
            self.store.update_source_state(source.name, **fields)

    def _record_failure(self, source: Source, state: dict, error: SourceError, started: datetime) -> None:
        failures = int(state.get("consecutive_failures") or 0) + 1
        fields = {
            "last_attempt_at": clock.to_iso(started),
            "consecutive_failures": failures,
            "last_reason": error.reason,
            "last_error": error.message,
            "next_attempt_at": clock.to_iso(started + backoff_delay(failures)),
        }
        if error.gone:
            fields["gone"] = 1
        with self._source_writes():
            self.store.update_source_state(source.name, **fields)
            if error.retry_after:
                wait = min(error.retry_after, BACKOFF_CAP.total_seconds())
                retry_at = clock.to_iso(started + timedelta(seconds=wait))
                self.store.set_host_retry_at(_host(state.get("url") or source.url), retry_at)


def backoff_delay(failures: int) -> timedelta:
    """10 min after the first failure, doubling, capped at 24 h: never dropped."""
    if failures <= 0:
        return timedelta(0)
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** min(failures - 1, 16)))


def parse_payload(
    kind: str, body: bytes, url: str, content_type: str | None, charset: str | None,
    encoding: str | None, preset: str | None, selectors: dict[str, str], now_iso: str,
) -> Parsed:
    """Bytes of one response to items, with their search-index form (CPU work done here
    rather than on the event loop). Top-level and picklable: it runs in the pool."""
    if kind == "rss":
        from yuqing.sources.feeds import parse_feed

        parsed = Parsed(parse_feed(body, url=url, content_type=content_type, charset=charset,
                                   encoding_override=encoding))
    else:
        from yuqing.sources.encoding import decode_body
        from yuqing.sources.forums import parse_forum_page

        html, _ = decode_body(body, http_charset=charset, override=encoding)
        page = parse_forum_page(html, base_url=url, preset=preset or "discuz",
                                selectors=selectors or None, now=clock.parse_iso(now_iso))
        if page.login_required:
            raise SourceError("需要登录", f"{url}：返回的是登录页而不是帖子列表，请更新 Cookie 文件")
        parsed = Parsed(page.items, page.next_url)
    from yuqing.text.bigrams import grams_of_many  # numpy: not for a run where all is unchanged

    indexed = grams_of_many([f"{item.title} {item.text}" for item in parsed.items])
    for item, text in zip(parsed.items, indexed, strict=True):
        item.grams = text
    if parsed.items:
        parsed.packed = zlib.compress(body, EVIDENCE_LEVEL)
    return parsed


def _selectors_failed(source: Source, state: dict) -> SourceError:
    before = state.get("last_item_count")
    if before:
        return SourceError("选择器失效", f"{source.name}：列表页解析出 0 个帖子（上次 {before} 个），"
                           "论坛改版或选择器失效，请检查 sources.toml")
    return SourceError("选择器失效", f"{source.name}：列表页没有解析出任何帖子，请检查 preset 或选择器")


def read_cookie_file(source: Source, home: Path | None) -> dict[str, str] | None:
    """Cookies for a board behind a login; re-read on every run so a new file needs no restart."""
    if not source.cookie_file:
        return None
    path = Path(source.cookie_file).expanduser()
    if not path.is_absolute() and home is not None:
        path = home / path
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError:
        raise SourceError("Cookie 文件缺失", f"{source.name}：无法读取 Cookie 文件 {path}") from None
    return parse_cookie_text(text)


def parse_cookie_text(text: str) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#HttpOnly_"):
            line = line[len("#HttpOnly_"):]
        elif not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 7:  # Netscape cookies.txt
            cookies[fields[5]] = fields[6]
            continue
        for pair in line.split(";"):
            name, sep, value = pair.strip().partition("=")
            if sep and name:
                cookies[name.strip()] = value.strip()
    return cookies


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:  # a malformed address fails its own fetch, with a reason
        return ""


# -- netizens' replies under forum threads -----------------------------------------

REPLY_MIN_LEVEL = "较大"  # thread pages are read for events at this level and above
THREAD_REREAD = timedelta(hours=6)  # a thread page is read again at most this often
THREAD_WINDOW = timedelta(days=3)  # ...while its event was seen this recently
# Between two thread pages of one host we wait twice as long as the last page took (a
# slow, busy board gets more room), at least THREAD_PAUSE and at most THREAD_PAUSE_MAX.
THREAD_PAUSE = 0.2
THREAD_PAUSE_MAX = 5.0
MAX_THREADS_PER_HOST = 10  # per run; the rest wait for the next run
MAX_THREADS_PER_RUN = 40


@dataclass
class RepliesReport:
    threads: int = 0
    replies: int = 0
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"threads": self.threads, "replies": self.replies, "failed": len(self.failures),
                "failures": self.failures}


def collect_replies(store: Store, sources: list[Source], rules: Rules, *, event_id: int | None = None,
                    home: Path | None = None, pause: float = THREAD_PAUSE,
                    reread: timedelta = THREAD_REREAD) -> RepliesReport:
    """Read the thread pages of forum posts in events at 较大 and above (or of one event)
    and store the replies under them with their tone. Polite: one page at a time per
    host with a pause between that grows with the board's response time, at most
    MAX_THREADS_PER_HOST pages per host and run, each thread at most every `reread` and
    only while its event is still being seen (THREAD_WINDOW), Retry-After kept."""
    from yuqing.rules import LEVELS

    now = clock.now()
    due = store.threads_to_read(levels=list(LEVELS[LEVELS.index(REPLY_MIN_LEVEL):]),
                                read_before=clock.to_iso(now - reread),
                                seen_since=clock.to_iso(now - THREAD_WINDOW), event_id=event_id)
    by_name = {s.name: s for s in sources}
    report = RepliesReport()
    by_host: dict[str, list[tuple[dict, Source]]] = {}
    for post in due:
        source = by_name.get(post["source"])
        host = _host(post["url"])
        if source is None or source.kind != "forum" or len(by_host.get(host, ())) >= MAX_THREADS_PER_HOST:
            continue
        by_host.setdefault(host, []).append((post, source))
        if sum(map(len, by_host.values())) >= MAX_THREADS_PER_RUN:
            break
    if by_host:
        asyncio.run(_read_threads(store, by_host, rules, report, home, pause))
    return report


async def _read_threads(store: Store, by_host: dict[str, list[tuple[dict, Source]]], rules: Rules,
                        report: RepliesReport, home: Path | None, pause: float) -> None:
    async with Fetcher(concurrency=4, per_host=1) as fetcher:
        await asyncio.gather(*(_read_host(store, fetcher, host, posts, rules, report, home, pause)
                               for host, posts in by_host.items()))


async def _read_host(store: Store, fetcher: Fetcher, host: str, posts: list[tuple[dict, Source]], rules: Rules,
                     report: RepliesReport, home: Path | None, pause: float) -> None:
    loop = asyncio.get_running_loop()
    took = 0.0
    for index, (post, source) in enumerate(posts):
        if index and pause:
            await asyncio.sleep(min(max(pause, 2 * took), THREAD_PAUSE_MAX))
        started = clock.now()
        wait = store.host_retry_at(host)
        if wait and wait > clock.to_iso(started):
            return  # the site asked us to come back later: the rest of its threads wait too
        began = loop.time()
        try:
            opening, replies = await _read_thread(fetcher, post, source, rules, home, started)
        except SourceError as error:
            took = loop.time() - began
            message = f"{source.name}「{post['title']}」的回复：{error.message}"
            store.record_thread_failure(post["id"], clock.to_iso(started), message)
            report.failures.append(message)
            if error.retry_after:
                wait_s = min(error.retry_after, BACKOFF_CAP.total_seconds())
                store.set_host_retry_at(host, clock.to_iso(started + timedelta(seconds=wait_s)))
            continue
        took = loop.time() - began
        store.save_replies(post["id"], replies, clock.to_iso(started), opening=opening)
        report.threads += 1
        report.replies += len(replies)


async def _read_thread(fetcher: Fetcher, post: dict, source: Source, rules: Rules, home: Path | None,
                       now: datetime) -> tuple[str, list[dict]]:
    from yuqing.errors import ConfigError
    from yuqing.sources.encoding import decode_body
    from yuqing.sources.replies import parse_thread_page
    result = await fetcher.fetch(post["url"], headers=dict(source.headers),
                                 cookies=read_cookie_file(source, home), max_bytes=MAX_PAGE_BYTES)
    html, _ = decode_body(result.body, http_charset=result.charset, override=source.encoding)
    try:
        page = parse_thread_page(html, preset=source.preset or "discuz", selectors=source.selectors, now=now)
    except ConfigError as error:
        raise SourceError("选择器错误", str(error)) from None
    tones = rules.negativity.read_many([r.text for r in page.replies], explain=False)
    return page.opening, [{"floor": r.floor, "author": r.author, "text": r.text, "posted_at": r.posted_at,
             "negative": int(tone.negative)} for r, tone in zip(page.replies, tones, strict=True)]
