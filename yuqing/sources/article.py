"""One article or forum thread page → its title, main text and any visible figures
(查看/点击/阅读, 回复/评论/跟帖), for `yuqing grade --url`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from yuqing.sources.forums import parse_count
from yuqing.text.clean import clean_line, html_to_text

_NOISE = "script, style, noscript, iframe, nav, header, footer, aside, form, template, svg"
_CONTENT_HINTS = (
    "article", "[itemprop=articleBody]", ".article-content", ".article", "#article", ".content",
    "#content", ".post-content", ".t_f", ".pcb", ".d_post_content", ".rm_txt_con", "#Content",
    ".main-content", ".text", "#artibody", ".post_body", ".news_txt",
)
_CLICKS = re.compile(r"(?:查看|点击|浏览|阅读|阅读量|浏览量|人气)\s*[:：]?\s*([\d,.]+\s*万?)")
_COMMENTS = re.compile(r"(?:回复|评论|跟帖|回帖)\s*[:：]?\s*([\d,.]+\s*万?)")


@dataclass
class Article:
    title: str
    text: str
    clicks: int | None = None
    comments: int | None = None


def read_article(html: str) -> Article:
    tree = LexborHTMLParser(html)
    title = _title(tree)
    for node in tree.css(_NOISE):
        node.decompose()
    text = _main_text(tree)
    head_text = clean_line(_visible_text(tree))[:5000]
    return Article(title=title, text=text, clicks=_figure(_CLICKS, head_text),
                   comments=_figure(_COMMENTS, head_text))


def _title(tree: LexborHTMLParser) -> str:
    for selector, attribute in (("meta[property='og:title']", "content"), ("h1", None), ("title", None)):
        node = tree.css_first(selector)
        if node is None:
            continue
        value = node.attributes.get(attribute) if attribute else node.text()
        value = clean_line(value)
        if value:
            return value
    return ""


def _main_text(tree: LexborHTMLParser) -> str:
    best = ""
    for selector in _CONTENT_HINTS:
        for node in tree.css(selector):
            text = html_to_text(node.html or "")
            if len(text) > len(best):
                best = text
    if len(best) >= 50:
        return best
    # No known container: the longest run of paragraphs wins.
    paragraphs = [clean_line(p.text()) for p in tree.css("p")]
    joined = "\n".join(p for p in paragraphs if len(p) >= 10)
    return joined if len(joined) > len(best) else best


def _visible_text(tree: LexborHTMLParser) -> str:
    body = tree.body
    return body.text(separator=" ") if body else ""


def _figure(pattern: re.Pattern, text: str) -> int | None:
    match = pattern.search(text)
    return parse_count(match.group(1)) if match else None
