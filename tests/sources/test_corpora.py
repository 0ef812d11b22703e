"""Real-world material nobody here wrote, collected through the real collector from a
loopback server. Skips with a reason when ../shared/corpora is absent."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import feedparser
import pytest

from yuqing.collect import CollectOptions, collect
from yuqing.models import Source
from yuqing.store import Store
from yuqing.text.clean import normalize_url

_HEADER = re.compile(rb"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.MULTILINE)
_COMPRESSION = {".gz": "gzip", ".z": "deflate"}


def feedparser_headers(body: bytes, suffix: str) -> tuple[int, dict[str, str]]:
    """The `Header:` lines of a feedparser test file as an HTTP status and headers."""
    status, headers = 200, {}
    for name, value in _HEADER.findall(body[:4000]):
        key, text = name.decode("ascii").title(), value.decode("latin-1")
        if key == "Status":
            status = int(text)
        elif key != "Location":  # their redirect targets point at feedparser's own server
            headers[key] = text
    if suffix in _COMPRESSION:
        headers["Content-Encoding"] = _COMPRESSION[suffix]
    if 300 <= status < 400:
        status = 200  # a redirect with no usable target: serve the body itself
    return status, headers


@pytest.mark.slow
def test_feedparser_peer_suite_goes_through_collect_without_a_crash(corpora, http_server, tmp_path):
    root = corpora / "feedparser" / "tests"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".rdf", ".gz", ".z"))
    assert len(files) > 2000
    sources = []
    for index, path in enumerate(files):
        body = path.read_bytes()
        status, headers = feedparser_headers(body, path.suffix)
        route = f"/peer/{index}"
        http_server.route(route, body, status=status, headers=headers)
        sources.append(Source(name=str(path.relative_to(root)), kind="rss", url=http_server.url(route)))
    with Store(tmp_path / "y.db") as store:
        report = collect(store, sources, CollectOptions(concurrency=32, deadline=10))
        stored_items = store.count_posts()
    statuses = Counter(o.status for o in report.outcomes)
    reasons = Counter(o.reason for o in report.failed)
    print(f"\nfeedparser peer suite: {len(files)} files, {statuses}, stored {stored_items} items, "
          f"failures by reason {dict(reasons)}")
    assert len(report.outcomes) == len(files)
    assert statuses["ok"] + statuses["failed"] == len(files)
    for outcome in report.failed:  # every failure is a clear Chinese reason, never a crash
        assert outcome.reason and outcome.message and "Traceback" not in outcome.message
    assert "内部错误" not in reasons
    assert statuses["ok"] > 0.9 * len(files)
    # Most files test feed-level elements or entries with nothing readable (only an author,
    # an image): every entry with a title, link, id or text is stored.
    assert stored_items >= 500


@pytest.mark.slow
def test_wechat_snapshots_in_time_order_store_exactly_the_distinct_links(corpora, http_server, tmp_path):
    snapshots = sorted((corpora / "wechat_feeds" / "snapshots").iterdir())
    assert len(snapshots) == 26
    accounts = sorted(p.name for p in snapshots[0].iterdir())
    sources = [Source(name=a, kind="rss", url=http_server.url(f"/wx/{a}")) for a in accounts]
    expected: dict[str, set[str]] = {a: set() for a in accounts}
    new_per_run = []
    with Store(tmp_path / "y.db") as store:
        for snapshot in snapshots:
            for account in accounts:
                path = snapshot / account
                if path.exists():
                    body = path.read_bytes()
                    http_server.route(f"/wx/{account}", body)
                    parsed = feedparser.parse(body)
                    expected[account] |= {normalize_url(e.link) for e in parsed.entries if e.get("link")}
            report = collect(store, sources, CollectOptions())
            assert not report.failed, [o.message for o in report.failed]
            new_per_run.append(report.new)
        for account in accounts:
            stored = {p["url"] for p in store.iter_posts(source=account)}
            assert stored == expected[account], account
        total = store.count_posts()
    print(f"\nwechat snapshots: {len(snapshots)} runs, new per run {new_per_run}, "
          f"{total} distinct posts")
    assert total == sum(len(v) for v in expected.values())
    assert new_per_run[0] > 0 and sum(new_per_run[1:]) == total - new_per_run[0]


def test_chinese_feeds_as_served_today(corpora, http_server, tmp_path):
    root = corpora / "rodel_reader_feeds" / "src" / "Utilities" / "FeedParser.Test" / "TestData"
    files = sorted(p for p in root.rglob("*.xml"))
    sources = []
    for index, path in enumerate(files):
        http_server.route(f"/rodel/{index}", path.read_bytes())
        sources.append(Source(name=path.name + str(index), kind="rss", url=http_server.url(f"/rodel/{index}")))
    with Store(tmp_path / "y.db") as store:
        report = collect(store, sources, CollectOptions())
        assert not report.failed, [o.message for o in report.failed]
        for source, path in zip(sources, files, strict=True):
            entries = feedparser.parse(path.read_bytes()).entries
            posts = list(store.iter_posts(source=source.name))
            assert len(posts) == len({e.get("id") or e.get("link") for e in entries}) > 0
            for post in posts:
                assert "\ufffd" not in post["title"] and post["title"].strip()


def test_real_discuz_list_through_collect(corpora, http_server, tmp_path):
    page = corpora / "gne_pages" / "test_list_page" / "netease_forum" / "1.html"
    http_server.route("/forum.php", page.read_bytes(), headers={"Content-Type": "text/html"})
    source = Source(name="网易论坛", kind="forum", preset="discuz", url=http_server.url("/forum.php"),
                    site="逆水寒论坛")
    with Store(tmp_path / "y.db") as store:
        report = collect(store, [source], CollectOptions())
        posts = list(store.iter_posts())
    assert report.outcomes[0].new == 42
    assert all(p["clicks"] is not None and p["comments"] is not None for p in posts)
    assert all(p["url"].startswith("http") and p["title"] for p in posts)


def test_corpora_path_is_the_shared_one(corpora):
    assert isinstance(corpora, Path) and (corpora / "README.md").exists()
