"""Text helpers: URL normalisation and HTML to plain text."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_TRACKING_PARAMS = ("utm_",)
_BLOCK_TAGS = "p, div, br, li, tr, h1, h2, h3, h4, h5, h6, section, article, blockquote, pre"
_SPACES = re.compile(r"[ \t\u00a0\u3000\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What clean_line and _tidy change besides the ends: control characters, line breaks, tabs,
# wide spaces and runs of spaces. A line with none of them comes back stripped, and most
# titles and plain descriptions are such a line.
_UNTIDY = re.compile(r"[\x00-\x1f\x7f\u00a0\u3000]|  ")
# The same without the line break: text with none of these has no spaces to collapse.
_UNTIDY_BESIDES_LINES = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\u00a0\u3000]|  ")


def normalize_url(url: str) -> str:
    """Drop the fragment and utm_* parameters; lower-case scheme and host; drop default ports."""
    url = url.strip()
    if _already_normal(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if _port_ok(parts) else None
    netloc = host
    if parts.username:
        netloc = f"{parts.username}@{host}"
    if port and str(port) != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    query = parts.query
    if query and "utm_" in query:
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                if not k.lower().startswith(_TRACKING_PARAMS)]
        query = urlencode(kept)
    path = parts.path or ("/" if host else "")
    return urlunsplit((scheme, netloc, path, query, ""))


# http(s), a lower-case host, maybe a port, a path, maybe a query: what nearly every feed
# link looks like, and what normalize_url would give back unchanged.
_NORMAL_URL = re.compile(r"(https?)://[a-z0-9.-]+(?::([1-9][0-9]{0,4}))?/[^#\s\x00-\x1f\\]*")


def _already_normal(url: str) -> bool:
    match = _NORMAL_URL.fullmatch(url)
    if match is None or url.endswith("?") or "utm_" in url:
        return False
    port = match.group(2)
    return port is None or (int(port) <= 65535 and port != _DEFAULT_PORTS[match.group(1)])


def _port_ok(parts) -> bool:
    try:
        return parts.port is not None
    except ValueError:
        return False


def clean_line(text: str | None) -> str:
    """One line of display text: control characters gone, whitespace collapsed."""
    if not text:
        return ""
    if not _UNTIDY.search(text):
        return text.strip()
    return _SPACES.sub(" ", _CONTROL.sub("", text).replace("\n", " ")).strip()


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment: scripts and styles dropped, blocks on their own lines."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return _tidy(html)
    simple = _simple_html_text(html)
    if simple is not None:
        return _tidy(simple)
    return _parsed_html_text(html)


def _parsed_html_text(html: str) -> str:
    """html_to_text through the HTML parser: right for anything, a DOM's cost."""
    tree = LexborHTMLParser(f"<div>{html}</div>")
    for node in tree.css("script, style, noscript, template, iframe, object"):
        node.decompose()
    for node in tree.css(_BLOCK_TAGS):
        node.insert_before("\n")
    root = tree.body or tree.root
    return _tidy(root.text(separator="", strip=False) if root else "")


# A tag whose quoted attribute values may hold < or >; names are matched case-blind.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)(?:\s[^<>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^<>\"']*)*)?/?>")
# Inline tags plus the two block tags summaries use: nothing the HTML parser would drop,
# move or turn into a table, so taking the text between tags gives what the parser gives.
_SIMPLE_TAGS = frozenset({"p", "div", "br", "img", "a", "span", "strong", "b", "i", "em", "u", "font",
                          "sup", "sub", "small", "big"})
_SIMPLE_BLOCKS = frozenset({"p", "div", "br"})


def _simple_html_text(html: str) -> str | None:
    """The text of a summary made only of paragraphs, links, images and inline markup (most
    feed descriptions) without building a DOM; None when anything else is in it (comments,
    scripts, tables, lists, a stray `<`, an end tag with no start), for the real parser."""
    # split() gives text, then each tag's (closing slash, name) and the text after it: no
    # match objects to ask, about a third less time on a summary of a few dozen tags.
    parts = _TAG.split(html)
    pieces = [parts[0]]
    opened: dict[str, int] = {}
    for at in range(1, len(parts), 3):
        name = parts[at + 1].lower()
        if name not in _SIMPLE_TAGS:
            return None
        if parts[at]:  # an end tag
            if name == "br" or opened.get(name, 0) <= 0:
                return None  # `</br>` and an unopened `</p>` make elements of their own
            opened[name] -= 1
        else:
            if name == "p" or name == "div":
                opened["p"] = 0  # a new paragraph or a div ends an open paragraph
            opened[name] = opened.get(name, 0) + 1
            if name in _SIMPLE_BLOCKS:
                pieces.append("\n")
        pieces.append(parts[at + 2])
    text = "".join(pieces)
    if "<" in text:
        return None  # a `<` that is not a tag we know: the parser decides what it is
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as the HTML parser does
    return unescape(text) if "&" in text else text


def _tidy(text: str) -> str:
    if not _UNTIDY.search(text):
        return text.strip()
    if not _UNTIDY_BESIDES_LINES.search(text):  # a summary's paragraphs: only the line ends to strip
        return _BLANK_LINES.sub("\n\n", "\n".join([line.strip() for line in text.split("\n")])).strip()
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
