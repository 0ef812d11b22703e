"""Text helpers: URL normalisation and HTML to plain text."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_TRACKING_PARAMS = ("utm_",)
_BLOCK_TAGS = "p, div, br, li, tr, h1, h2, h3, h4, h5, h6, section, article, blockquote, pre"
_SPACES = re.compile(r"[ \t\u00a0\u3000\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize_url(url: str) -> str:
    """Drop the fragment and utm_* parameters; lower-case scheme and host; drop default ports."""
    url = url.strip()
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


def _port_ok(parts) -> bool:
    try:
        return parts.port is not None
    except ValueError:
        return False


def clean_line(text: str | None) -> str:
    """One line of display text: control characters gone, whitespace collapsed."""
    if not text:
        return ""
    return _SPACES.sub(" ", _CONTROL.sub("", text).replace("\n", " ")).strip()


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment: scripts and styles dropped, blocks on their own lines."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return _tidy(html)
    tree = LexborHTMLParser(f"<div>{html}</div>")
    for node in tree.css("script, style, noscript, template, iframe, object"):
        node.decompose()
    for node in tree.css(_BLOCK_TAGS):
        node.insert_before("\n")
    root = tree.body or tree.root
    return _tidy(root.text(separator="", strip=False) if root else "")


def _tidy(text: str) -> str:
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
