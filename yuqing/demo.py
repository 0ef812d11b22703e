"""`yuqing demo`: the whole collection path, offline, on bundled sample data.

A loopback HTTP server serves the sample feeds and forum pages (one a GBK Discuz! list
sent without a charset, as many county forums do); a temporary workspace collects them.
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
import threading
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .collect import CollectOptions, CollectReport, collect
from .events import update_events
from .models import Source
from .rules import load_rules
from .sources import add_source, load_sources
from .store import Store
from .workspace import Workspace, bundled_path, init_workspace

# (name, kind, path on the sample server, site, mainstream, preset, pages)
DEMO_SOURCES = (
    ("人民网-地方", "rss", "feeds/renmin-difang.xml", "人民网", True, None, 1),
    ("清河县政府网", "rss", "feeds/qinghe-gov.atom", "清河县人民政府", False, None, 1),
    ("某省新闻网", "rss", "feeds/xinwen-wang.json", "某省新闻网", True, None, 1),
    ("桂北人社区-百姓话题", "forum", "forum/discuz-list-1.html", "桂北人社区", False, "discuz", 2),
    ("清河论坛-phpBB", "forum", "forum/phpbb-list.html", "清河论坛", False, "phpbb", 1),
)

# The demo office watches its own county: one topic is enough to form events.
DEMO_TOPICS = """
[[topics]]
name = "清河县"
keywords = ["清河"]
exclude = ["招聘", "出租", "转让"]
"""

_TYPES = {".xml": "application/rss+xml", ".atom": "application/atom+xml",
          ".json": "application/feed+json", ".html": "text/html"}


class _SampleHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | Path) -> str:
        # No charset on purpose: the collector must sniff it (the forum pages are GBK).
        return _TYPES.get(Path(str(path)).suffix, mimetypes.guess_type(str(path))[0] or "text/plain")

    def log_message(self, format: str, *args: Any) -> None:  # keep the demo output clean
        pass


class SampleServer:
    """The bundled sample site on 127.0.0.1, in a background thread."""

    def __init__(self, root: Path | None = None):
        handler = partial(_SampleHandler, directory=str(root or bundled_path("sample")))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> SampleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class DemoResult:
    home: Path
    server_url: str
    report: CollectReport
    posts: list[dict[str, Any]]
    total: int
    temporary: bool
    events: list[dict[str, Any]]


def demo_sources(base_url: str) -> list[Source]:
    return [
        Source(name=name, kind=kind, url=base_url + path, site=site, mainstream=mainstream,
               preset=preset, pages=pages)
        for name, kind, path, site, mainstream, preset, pages in DEMO_SOURCES
    ]


def run_demo(keep: Path | None = None) -> DemoResult:
    temporary = keep is None
    home = Path(tempfile.mkdtemp(prefix="yuqing-demo-")) if keep is None else keep.resolve()
    try:
        workspace = Workspace(home)
        if init_workspace(workspace):
            text = workspace.rules_path.read_text(encoding="utf-8")
            text = text.replace('name = ""  ', 'name = "清河县网络舆情工作领导小组办公室"  ', 1)
            workspace.rules_path.write_text(text + DEMO_TOPICS, encoding="utf-8")
        with SampleServer() as server:
            configured = {s.name for s in load_sources(workspace.sources_path)}
            for source in demo_sources(server.url):
                if source.name not in configured:
                    add_source(workspace.sources_path, source)
            rules = load_rules(workspace.rules_path)
            with Store(workspace.db_path) as store:
                report = collect(store, demo_sources(server.url), CollectOptions(home=home))
                update_events(store, rules)
                posts = store.recent_posts(limit=30)
                total = store.count_posts()
                events = store.list_events(limit=20)
        return DemoResult(home, server.url, report, posts, total, temporary, events)
    finally:
        if temporary:
            shutil.rmtree(home, ignore_errors=True)
