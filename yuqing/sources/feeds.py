"""Feed bytes to posts: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed by hand.

feedparser only ever gets bytes (a str would be taken for a path or URL), and only
UTF-8 bytes: we decide the encoding ourselves, because feedparser turns a GBK body
labelled UTF-8 into mojibake with nothing but a bozo flag.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from yuqing.clock import to_iso
from yuqing.errors import SourceError
from yuqing.models import Item
from yuqing.sources import fastfeed
from yuqing.sources.encoding import feed_bytes_as_utf8
from yuqing.text.clean import clean_line, html_to_text, normalize_url

NOT_A_FEED = "不是有效的订阅源"
log = logging.getLogger(__name__)
Made = tuple[Item, str]  # a post and the #fragment of the link it was read from


def parse_feed(
    body: bytes, *, url: str, content_type: str | None = None, charset: str | None = None,
    encoding_override: str | None = None,
) -> list[Item]:
    """Posts of a feed; salvage what parses, or raise SourceError 「不是有效的订阅源」."""
    if not body.strip():
        raise SourceError(NOT_A_FEED, f"{url}：{NOT_A_FEED}（内容为空）")
    if _looks_like_json(body, content_type):
        return _parse_json_feed(body, url=url)
    utf8 = feed_bytes_as_utf8(body, http_charset=charset, override=encoding_override)
    fast = fastfeed.entries(utf8, url)
    if fast is not None:
        return _items(fast, lambda fields: _item_from_fields(**fields))
    import feedparser  # only feeds the fast path declines (Atom, RSS 1.0, broken XML) need it

    parsed = feedparser.parse(
        io.BytesIO(utf8),
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
        sanitize_html=False,
        # Links inside descriptions are thrown away with the HTML: don't resolve them.
        resolve_relative_uris=False,
    )
    # A channel with no items yet is a feed; a page with neither items nor a recognised
    # feed element is not.
    if not parsed.entries and not (parsed.get("version") and parsed.feed):
        raise SourceError(NOT_A_FEED, f"{url}：{NOT_A_FEED}（{_bozo_reason(parsed, body)}）")
    return _items(parsed.entries, _item_from_entry)


def _items(entries: Iterable[Any], convert: Callable[[Any], Made | None]) -> list[Item]:
    """Each entry on its own: one that cannot be read is skipped, never the whole feed."""
    made = []
    for entry in entries:
        try:
            pair = convert(entry)
        except Exception:  # a hostile or broken entry; the rest of the feed still counts
            log.warning("skipped an unreadable feed entry", exc_info=True)
            continue
        if pair is not None:
            made.append(pair)
    return _keep_distinguishing_fragments(made)


def _keep_distinguishing_fragments(made: list[Made]) -> list[Item]:
    """Fragments are dropped from links (tracking anchors), except when they are all that
    tells a feed's guid-less entries apart (a blog linking each entry to archive.html#id)."""
    by_url: dict[str, list[Made]] = defaultdict(list)
    for item, fragment in made:
        if not item.guid and item.url:
            by_url[item.url].append((item, fragment))
    for url, group in by_url.items():
        if len(group) > 1 and len({fragment for _, fragment in group}) > 1:
            for item, fragment in group:
                if fragment:
                    item.url = f"{url}#{fragment}"
    return [item for item, _ in made]


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    head = body.lstrip()[:1]
    return head in (b"{", b"[")


def _bozo_reason(parsed, body: bytes) -> str:
    head = body.lstrip()[:200].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return "服务器返回的是网页而不是 RSS/Atom，可能需要登录或地址已变"
    exc = parsed.get("bozo_exception")
    return f"无法解析：{type(exc).__name__}" if exc else "没有找到任何条目"


def _item_from_entry(entry) -> Made | None:
    return _item_from_fields(
        link=entry.get("link") or "", guid=entry.get("id"), title=entry.get("title") or "",
        html=_entry_html(entry), author=entry.get("author") or "", published=_entry_time(entry),
    )


def _item_from_fields(*, link: str, guid: str | None, title: str, html: str, author: str,
                      published: str | None) -> Made | None:
    link = _safe_link(link)
    guid = (guid or "").strip() or None
    title = clean_line(html_to_text(title))
    text = html_to_text(html)
    if not (link or guid or title or text):
        return None
    if not link and not guid:  # nothing stable to key on: the content itself is the key
        guid = "sha1:" + hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
    item = Item(
        url=normalize_url(link) if link else "",
        title=title or clean_line(text)[:40] or "（无标题）",
        guid=guid,
        text=text,
        author=clean_line(author),
        published_at=published,
    )
    return item, _fragment(link)


def _fragment(link: str) -> str:
    return link.partition("#")[2]


def _safe_link(link: str) -> str:
    """Only http(s) links are kept: a `javascript:` link never reaches a report."""
    link = link.strip()
    return link if link.lower().startswith(("http://", "https://")) else ""


def _entry_html(entry) -> str:
    for content in entry.get("content") or []:
        if content.get("value"):
            return content["value"]
    return entry.get("summary") or entry.get("description") or ""


def _entry_time(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return to_iso(datetime.fromtimestamp(calendar.timegm(value), UTC))
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _parse_json_feed(body: bytes, *, url: str) -> list[Item]:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SourceError(NOT_A_FEED, f"{url}：{NOT_A_FEED}（JSON 无法解析）") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SourceError(NOT_A_FEED, f"{url}：{NOT_A_FEED}（不是 JSON Feed：缺少 items）")
    return _items(data["items"], _item_from_json)


def _item_from_json(raw: Any) -> Made | None:
    if not isinstance(raw, dict):
        return None
    link = _safe_link(str(raw.get("url") or raw.get("external_url") or ""))
    guid = str(raw.get("id")) if raw.get("id") not in (None, "") else None
    if not link and not guid:
        return None
    text = raw.get("content_text") or html_to_text(str(raw.get("content_html") or ""))
    author = raw.get("author") or (raw.get("authors") or [{}])[0]
    item = Item(
        url=normalize_url(link) if link else "",
        title=clean_line(str(raw.get("title") or "")) or "（无标题）",
        guid=guid,
        text=str(text or raw.get("summary") or ""),
        author=clean_line(str(author.get("name", "")) if isinstance(author, dict) else ""),
        published_at=_json_time(raw.get("date_published") or raw.get("date_modified")),
    )
    return item, _fragment(link)


def _json_time(value) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_iso(moment)
