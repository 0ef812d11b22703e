"""Charset detection: lying labels, GB18030 supersets, late <meta>, BOMs (T11–T13)."""

from __future__ import annotations

import re

import feedparser
import pytest

from yuqing.sources.encoding import (
    canonical_encoding,
    decode_body,
    feed_bytes_as_utf8,
    sniff_declared_encoding,
)

MOJIBAKE = re.compile("[\u00c0-\u00ff]")
TEXT = "朱镕基与陶喆出席人民网舆情论坛：网友热议𠮷野家涨价，记者北京报道。"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("GB_2312-80", "gb18030"),
        ("cp936", "gb18030"),
        ('"gb18030"', "gb18030"),
        ("UTF8", "utf-8"),
        ("utf-8-sig", "utf-8"),
        ("Big5", "big5"),
        ("iso-8859-1", "cp1252"),
        ("windows-1252", "cp1252"),
        ("utf-16le", "utf-16-le"),
        ("shift_jis", "shift_jis"),
        ("no-such-charset", None),
        ("base64", None),  # a codec, but not a text encoding
        ("utf-7", None),  # never decode web content as UTF-7
        ("", None),
        (None, None),
    ],
)
def test_canonical_encoding(label, expected):
    assert canonical_encoding(label) == expected


def test_t11_gbk_labelled_utf8_is_not_mojibake():
    body = f'<?xml version="1.0" encoding="utf-8"?><rss><title>{TEXT}</title></rss>'.encode(
        "gb18030"
    )
    text, used = decode_body(body, http_charset="utf-8")
    assert used == "gb18030"
    assert TEXT in text
    assert not MOJIBAKE.search(text)


@pytest.mark.parametrize(
    ("label", "content"),
    [("gb2312", "朱镕基、陶喆"), ("gbk", "𠮷野家"), ("GB2312", TEXT)],
)
def test_t12_gb_labels_decode_as_gb18030(label, content):
    body = content.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode(label)  # the trap: Python's own codec for the label fails
    text, used = decode_body(body, http_charset=label)
    assert (text, used) == (content, "gb18030")
    assert "\ufffd" not in text


def test_t13_late_meta_charset_is_sniffed():
    padding = "<meta name='keywords' content='" + "舆情," * 10 + "'>"
    head = "<html><head>" + "<!-- filler -->" * 90 + padding
    late = head.encode("ascii", errors="ignore")
    assert 1400 < len(late) < 1600
    body = late + b'<meta charset="gbk"><title>' + TEXT.encode("gbk", errors="ignore")
    assert sniff_declared_encoding(body) == "gb18030"
    http_equiv = (
        b"<html><head>" + b" " * 1500 + b'<META HTTP-EQUIV="Content-Type" '
        b'CONTENT="text/html; charset=big5">'
    )
    assert http_equiv.index(b"<META") >= 1500
    assert sniff_declared_encoding(http_equiv) == "big5"
    traditional = "新聞報導，今天天氣很好。".encode("big5")
    assert decode_body(http_equiv + traditional)[0].endswith("新聞報導，今天天氣很好。")


def test_sniff_order_and_limits():
    assert sniff_declared_encoding(b"\xef\xbb\xbf<?xml encoding='gbk'?>") == "utf-8"
    assert sniff_declared_encoding(b"\n\n<?xml version='1.0' encoding='GB2312'?><rss/>") == (
        "gb18030"
    )
    assert sniff_declared_encoding(b"<!-- <meta charset='big5'> --><p>") is None
    assert sniff_declared_encoding(b" " * 5000 + b"<meta charset='gbk'>") is None
    assert sniff_declared_encoding(b"<meta charset='klingon'><meta charset=utf-8>") == "utf-8"


def test_utf8_page_that_declares_gb2312(corpora):
    page = corpora / "gne_pages" / "tests" / "people" / "1.html"
    if not page.exists():
        pytest.skip(f"语料文件不存在：{page}")
    body = page.read_bytes()
    assert sniff_declared_encoding(body) == "gb18030"  # what it claims
    text, used = decode_body(body, http_charset="GB2312")
    assert used == "utf-8"
    assert "郑板桥" in text and "\ufffd" not in text


def test_utf8_labelled_gb2312_synthetic():
    body = f"<meta charset=gb2312><p>{TEXT}</p>".encode()
    assert decode_body(body, http_charset="gb2312") == (
        f"<meta charset=gb2312><p>{TEXT}</p>",
        "utf-8",
    )


def test_big5_labelled_and_unlabelled():
    content = "中華民國臺灣的新聞報導，今天天氣很好，民眾關心政府政策。"
    body = content.encode("big5")
    assert decode_body(body, http_charset="big5") == (content, "big5")
    assert decode_body(body) == (content, "big5")  # decodes as GB18030 too, but reads rarer
    simplified = "中华人民共和国国务院今天发布新闻，群众关心政府政策。".encode("gbk")
    assert decode_body(simplified) == (
        "中华人民共和国国务院今天发布新闻，群众关心政府政策。",
        "gb18030",
    )


def test_boms_and_utf16():
    xml = '<?xml version="1.0" encoding="utf-16"?><rss><title>舆情</title></rss>'
    assert decode_body(xml.encode("utf-16")) == (xml, "utf-16-le")
    assert decode_body(xml.encode("utf-16-be"))[0] == xml  # no BOM: the '<' pattern
    assert decode_body(codecs_bom_utf8() + TEXT.encode(), http_charset="gbk") == (TEXT, "utf-8")
    assert decode_body(xml.encode("utf-16-le"), http_charset="utf-16") == (xml, "utf-16-le")


def codecs_bom_utf8() -> bytes:
    return b"\xef\xbb\xbf"


def test_ascii_empty_and_override():
    assert decode_body(b"<rss><title>plain</title></rss>", http_charset="gbk") == (
        "<rss><title>plain</title></rss>",
        "ascii",
    )
    assert decode_body(b"") == ("", "utf-8")
    # The officer's override wins even over valid UTF-8.
    body = "舆情".encode()
    assert decode_body(body, override="latin-1") == (body.decode("cp1252"), "cp1252")
    assert decode_body(TEXT.encode("gb18030"), override="gb2312") == (TEXT, "gb18030")
    assert decode_body(TEXT.encode("gb18030"), override="nonsense") == (TEXT, "gb18030")


def test_latin1_label_on_gbk_bytes_is_read_as_gbk():
    text, used = decode_body(TEXT.encode("gb18030"), http_charset="iso-8859-1")
    assert (text, used) == (TEXT, "gb18030")
    assert decode_body("café au lait".encode("latin-1"), http_charset="iso-8859-1") == (
        "café au lait",
        "cp1252",
    )


def test_undecodable_falls_back_with_replacement():
    broken = TEXT.encode() + b"\xff" + TEXT.encode()
    text, used = decode_body(broken)
    assert used == "utf-8"
    assert text.count("\ufffd") == 1 and TEXT in text


def test_feed_bytes_as_utf8_feeds_feedparser_exactly():
    xml = (
        '\n\n<?xml version="1.0" encoding="gb2312"?>'
        f"<rss version='2.0'><channel><title>舆情</title><item><title>{TEXT}</title>"
        "<link>http://example.cn/1</link></item></channel></rss>"
    )
    body = xml.encode("gb18030")
    out = feed_bytes_as_utf8(body, http_charset="utf-8")  # the label lies
    assert out.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    parsed = feedparser.parse(
        out, response_headers={"content-type": "application/rss+xml; charset=utf-8"}
    )
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].title == TEXT
    with_bom = feed_bytes_as_utf8(b"\xef\xbb\xbf<rss/>")
    assert with_bom == b"<rss/>"


def test_western_text_with_smart_quotes_stays_western():
    english = "He said “hello” and “goodbye” to the world’s press — twice.".encode("cp1252")
    assert decode_body(english, http_charset="iso-8859-1") == (english.decode("cp1252"), "cp1252")
    assert decode_body(english) == (english.decode("cp1252"), "cp1252")
