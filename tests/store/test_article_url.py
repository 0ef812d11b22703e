"""is_article_url: the hand-split fast path answers exactly as urlsplit does."""

from __future__ import annotations

import random
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from yuqing.store.merge import is_article_url

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"


def by_urlsplit(url: str) -> bool:
    """The meaning the fast path must keep, as the function read before it had one."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.query) or parts.path not in ("", "/")


@pytest.mark.parametrize(("url", "article"), [
    ("", False),
    ("http://portal.cn", False),
    ("http://portal.cn/", False),
    ("https://portal.cn/?", False),
    ("https://portal.cn?", False),
    ("https://portal.cn/#top", False),
    ("https://portal.cn#/news/1", False),  # a fragment is not a page
    ("https://portal.cn/?#a", False),
    ("http://portal.cn/a/1.html", True),
    ("http://portal.cn?id=7", True),
    ("http://portal.cn/?id=7#c", True),
    ("http://portal.cn//", True),
    ("http://user:pw@portal.cn:8080/x", True),
    ("http://[::1]/a", True),
    ("http://[::1", False),  # an unclosed IPv6 bracket: no page anyone can open
    ("http://::1]/a", False),
    ("HTTP://PORTAL.CN/a", True),
    ("http://门户.cn/新闻/1", True),
    ("http://门户.cn/", False),
    (" http://portal.cn/", False),
    ("http://portal.cn/\t", False),  # urlsplit drops tabs and newlines
    ("http://portal.cn/a\nb", True),
    ("/a/1.html", True),
    ("mailto:x@y.cn", True),
    ("http://", False),
    ("http:///a", True),
])
def test_article_url_cases(url, article):
    assert is_article_url(url) is article
    assert by_urlsplit(url) is article


def test_agrees_with_urlsplit_on_generated_urls():
    rng = random.Random(16)
    pieces = ["http://", "https://", "HTTP://", "ftp:", "//", "/", "?", "#", "[", "]", "::1", "@", ":80",
              "portal.cn", "a", "门户", "\t", "\n", " ", "\x7f", "=", "%2F", "ａ", "℀"]
    urls = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 7))) for _ in range(20000)]
    urls += ["http://" + u for u in urls[:5000]] + ["https://x.cn" + u for u in urls[:5000]]
    disagree = [u for u in urls if is_article_url(u) != by_urlsplit(u)]
    assert disagree == []
    assert {is_article_url(u) for u in urls} == {True, False}


def test_agrees_with_urlsplit_on_corpus_links():
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is absent")
    links: set[str] = set()
    for path in (CORPORA / "wechat_feeds").rglob("*.xml"):
        links.update(re.findall(r"https?://[^<\s\"']+", path.read_text(encoding="utf-8", errors="replace")))
    assert len(links) > 500
    assert [u for u in links if is_article_url(u) != by_urlsplit(u)] == []
