"""The shortcuts collection takes for the common case give exactly what the general code
gives: summaries without a DOM, URLs already normal, the usual RSS date, the bigram index."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from yuqing.clock import to_iso
from yuqing.sources.fastfeed import _usual_rfc822
from yuqing.text.clean import (
    _already_normal,
    _parsed_html_text,
    _simple_html_text,
    _tidy,
    normalize_url,
)
from yuqing.text.search import grams

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"

SUMMARIES = [
    "<p>第一段</p><p>第二段&amp;续</p>",
    '<p><img src="a.jpg" alt="x > y"/></p><p>正文<a href="http://a.cn/?a=1&amp;b=2">链接</a></p>',
    "<P>大写标签</P><BR>换行",
    "<p>a<p>b</p></p>c",  # the second </p> has no paragraph open: the parser makes one
    "<p>a<div>b</div></p>c",
    "a</p>b",
    "a</br>b",
    "<p>1 < 2</p>",
    "<p>注释<!-- x --></p>",
    "<ul><li>列表</li></ul>",
    "<p>回车\r\n换行\r单独</p>",
    "<p>&nbsp;空格&#12288;全角&lt;&gt;</p>",
    "<span>行内<strong>加粗</strong></span><br/>下一行",
    "<script>alert(1)</script><p>脚本</p>",
    "<p title='a<b'>引号里的尖括号</p>",
]


def _feed_descriptions() -> list[str]:
    """Titles and descriptions of the stored real feeds (where the corpora are present)."""
    found: list[str] = []
    for folder in ("rodel_reader_feeds", "wechat_feeds", "feedparser/wellformed/rss"):
        for path in sorted((CORPORA / folder).rglob("*.xml"))[:400] if (CORPORA / folder).exists() else []:
            try:
                root = ET.fromstring(path.read_bytes())
            except ET.ParseError:
                continue
            for node in root.iter():
                if isinstance(node.tag, str) and node.tag.split("}")[-1] in (
                        "description", "title", "summary", "content", "encoded") and node.text:
                    found.append(node.text)
    return found


@pytest.mark.parametrize("html", SUMMARIES)
def test_a_simple_summary_reads_as_the_html_parser_reads_it(html):
    simple = _simple_html_text(html)
    if simple is not None:
        assert _tidy(simple) == _parsed_html_text(html)


def test_the_shortcut_takes_the_usual_summaries_and_leaves_the_odd_ones():
    taken = {html for html in SUMMARIES if _simple_html_text(html) is not None}
    assert "<p>第一段</p><p>第二段&amp;续</p>" in taken
    assert not taken & {"a</p>b", "a</br>b", "<p>1 < 2</p>", "<p>注释<!-- x --></p>", "<ul><li>列表</li></ul>",
                        "<script>alert(1)</script><p>脚本</p>", "<p>a<p>b</p></p>c", "<p>a<div>b</div></p>c"}


def test_real_feed_summaries_read_the_same_either_way():
    texts = _feed_descriptions()
    if not texts:
        pytest.skip("../shared/corpora is not here")
    taken = [t for t in texts if "<" in t and _simple_html_text(t) is not None]
    assert taken  # the shortcut is used on real feeds
    differing = [t for t in taken if _tidy(_simple_html_text(t)) != _parsed_html_text(t)]
    assert differing == []


URLS = [
    "http://a.com/x?y=1", "https://a.com:443/x", "http://a.com:80/x", "https://a.com:80/x",
    "http://a.com:8080/x/y.html", "http://A.com/x", "HTTP://a.com/x", "http://a.com/x#f", "http://a.com/x?",
    "http://a.com/x?utm_source=1&b=2", "http://a.com", "http://a.com/a b", "http://a.com:99999/x",
    "http://a.com:080/x", "http://user@a.com/x", "http://a.com/x?q=中文", "http://[::1]/x", "http://a.com/\\x",
]


@pytest.mark.parametrize("url", URLS)
def test_a_url_taken_as_already_normal_is_one(url):
    if _already_normal(url):
        assert normalize_url(url) == url


def test_links_of_real_feeds_taken_as_normal_are_normal():
    links = [m for t in _feed_descriptions() for m in re.findall(r"https?://[^\s\"'<>]+", t)]
    links += ["http://127.0.0.1:38211/news/0001/-03.html", "https://www.gov.cn/zhengce/2024-06/01/content_1.htm"]
    taken = [u for u in links if _already_normal(u)]
    assert taken
    assert [u for u in taken if normalize_url(u) != u] == []


DATES = [
    "Sat, 01 Jun 2024 00:00:00 GMT", "Sat, 01 Jun 2024 08:00:00 +0800", "1 Jun 2024 23:59:59 -0530",
    "Mon, 29 Feb 2024 12:00:00 UTC", "Tue, 31 Feb 2024 12:00:00 GMT", "Sat, 01 Jun 2024 24:00:00 GMT",
    "Sat, 01 Foo 2024 00:00:00 GMT", "Sat, 01 Jun 2024 00:00 GMT", "Sat, 01 Jun 2024 00:00:00 CST",
    "Fri, 1 Jan 0999 09:05:07 GMT", "1 Jan 2025 00:00:00 Z", "Sun, 31 Dec 2023 23:30:00 -0000",
    "Mon, 01 Jan 2024 07:59:59 +0800", "Sat, 01 Jun 2024 00:00:00 +0000", "Wed, 31 Dec 9999 23:59:59 GMT",
]


@pytest.mark.parametrize("value", DATES)
def test_the_usual_rss_date_reads_as_email_utils_reads_it(value):
    fast = _usual_rfc822(value)
    if fast is not None:
        assert fast == to_iso(parsedate_to_datetime(value))
        assert fast == parsedate_to_datetime(value).astimezone(UTC).replace(microsecond=0).isoformat()


def test_to_iso_of_a_utc_moment_is_the_general_form():
    shanghai = ZoneInfo("Asia/Shanghai")
    moments = [datetime(2024, 6, 1, 8, tzinfo=UTC), datetime(2024, 6, 1, 8, 0, 0, 999_999, tzinfo=UTC),
               datetime(1, 1, 1, tzinfo=UTC), datetime(2024, 6, 1, 8, tzinfo=shanghai),
               datetime(2024, 6, 1, 8, tzinfo=ZoneInfo("UTC")), datetime(2024, 6, 1, 8, tzinfo=timezone(timedelta(0)))]
    for moment in moments:
        assert to_iso(moment) == moment.astimezone(UTC).replace(microsecond=0).isoformat()
    assert to_iso(moments[0]) == "2024-06-01T08:00:00+00:00"
    assert to_iso(moments[3]) == "2024-06-01T00:00:00+00:00"


def test_bigrams_keep_their_order_and_ascii_words():
    assert grams("拆迁补偿款 5G基站，单 İstanbul ABC") == "拆迁 迁补 补偿 偿款 5g 基站 单 i̇stanbul abc"
    assert grams("") == "" and grams("，。") == ""


def _grams_by_two_patterns(text: str) -> str:
    """grams as it read before its one-pattern form: runs, lone characters and words by one
    pattern, each run's overlapping bigrams by another."""
    cjk = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
    out: list[str] = []
    for run, single, word in re.findall(f"([{cjk}]{{2,}})|([{cjk}])|([0-9A-Za-z\u00c0-\u024f]+)", text):
        if run:
            out += re.findall(f"(?=([{cjk}]{{2}}))", run)
        else:
            out.append(single or word.lower())
    return " ".join(out)


def test_bigrams_as_the_two_pattern_tokenizer_gave_them():
    import random

    rng = random.Random(16)
    alphabet = ["拆", "迁", "补", "偿", "㐀", "䶿", "一", "鿿", "豈", "﫿", "\U00020000", "\U0002fa1f", "\U0002fa20",
                "㏿", "가", "A", "z", "0", "É", "ɏ", "ɐ", "İ", "ß", " ", "，", "-", "_", "\n", "\u3000", "ｱ"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(20000)]
    texts += _feed_descriptions()[:3000]
    assert [t for t in texts if grams(t) != _grams_by_two_patterns(t)] == []


def test_a_tidy_line_comes_back_stripped_as_the_general_code_gives_it():
    import random

    from yuqing.text import clean

    def general_tidy(text: str) -> str:
        text = clean._CONTROL.sub("", text)
        lines = [clean._SPACES.sub(" ", line).strip() for line in text.split("\n")]
        return clean._BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()

    def general_clean_line(text: str) -> str:
        return clean._SPACES.sub(" ", clean._CONTROL.sub("", text).replace("\n", " ")).strip()

    rng = random.Random(16)
    alphabet = ["县", "a", " ", "  ", "\t", "\n", "\r", "\x00", "\x1c", "\x7f", "\x85", "\u00a0", "\u3000", "\u2000",
                "\u2028", "\f", "\v", "，", "&", "<"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(30000)]
    texts += _feed_descriptions()[:3000]
    assert [t for t in texts if clean._tidy(t) != general_tidy(t)] == []
    assert [t for t in texts if clean.clean_line(t) != general_clean_line(t)] == []
    assert clean.clean_line(" 清河县 通报 ") == "清河县 通报"


def test_a_feeds_bigrams_at_once_are_each_posts_bigrams(monkeypatch):
    import random

    from yuqing.text import bigrams

    rng = random.Random(8)
    alphabet = ["拆", "迁", "补", "偿", "㐀", "䶿", "一", "鿿", "豈", "﫿", "\U00020000", "\U0002fa1f", "\U0002fa20",
                "㏿", "가", "A", "z", "0", "É", "ɏ", "ɐ", "İ", "ß", " ", "，", "-", "_", "\n", "\u3000", "ｱ", "\x00"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(6000)]
    texts += _feed_descriptions()[:3000]
    batches = [texts[at:at + size] for size in (1, 2, 30, 997) for at in range(0, len(texts), size)]
    batches += [[], [""], ["", ""], ["拆", ""], ["a\ud800b 拆迁", "补偿"]]  # a lone surrogate: grams() itself
    assert [b for b in batches if bigrams.grams_of_many(b) != [grams(t) for t in b]] == []
    monkeypatch.setattr(bigrams, "_CHUNK_CHARS", 40)  # runs cut short, and texts longer than a run
    assert [b for b in batches if bigrams.grams_of_many(b) != [grams(t) for t in b]] == []
