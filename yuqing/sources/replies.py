"""Forum thread pages -> the netizens' replies under the first post. Pure: HTML in,
replies out, no I/O.

Same presets as the thread lists (forums.py): Discuz! X, phpBB 3, Baidu Tieba, and
``generic``, where the officer's ``replies`` selector (in the source's ``selectors``)
picks each reply and ``reply_text`` / ``reply_author`` / ``reply_time`` optionally pick
parts inside it. The first post of a thread is the post itself, not a reply: the presets
skip floor 1; a ``generic`` selector is expected to match replies only.

Scraped text is hostile: deep nesting is defused as for lists, scripts and quoted earlier
floors are dropped, control characters go, and each reply and the count per thread are
capped (MAX_REPLY_CHARS, MAX_REPLIES).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode

from yuqing.errors import ConfigError
from yuqing.sources.forums import _defuse_deep_nesting, _first, _select, _text
from yuqing.sources.forumtime import parse_forum_time
from yuqing.text.clean import clean_line

__all__ = ["MAX_REPLIES", "MAX_REPLY_CHARS", "REPLY_SELECTOR_KEYS", "Reply", "ThreadPage", "parse_thread_page"]

MAX_REPLY_CHARS = 1000
MAX_REPLIES = 300
REPLY_SELECTOR_KEYS = ("replies", "reply_text", "reply_author", "reply_time")

# What sits inside a reply's text box but is not what this netizen wrote.
_NOT_THEIR_WORDS = "script, style, noscript, template, blockquote, .quote, .pstatus, .tip, .attach_nopermission"

THREAD_PRESETS: dict[str, dict[str, str]] = {
    "discuz": {
        "replies": "div[id^=post_]:has(td[id^=postmessage_])",
        "reply_text": "td[id^=postmessage_], td.t_f",
        "reply_author": ".authi a.xw1, .pls .authi a, .authi a",
        "reply_time": "em[id^=authorposton]",
        "floor": "a[id^=postnum]",
    },
    "phpbb": {
        "replies": "div.post",
        "reply_text": "div.content",
        "reply_author": ".postprofile a.username, .postprofile a.username-coloured, p.author a.username",
        "reply_time": "p.author time, time",
    },
    "tieba": {
        "replies": "div.l_post",
        "reply_text": "div.d_post_content",
        "reply_author": "a.p_author_name, .d_name a",
        "reply_time": ".post-tail-wrap .tail-info, .tail-info",
        "floor": ".post-tail-wrap .tail-info",
    },
    "generic": {},
}

_FLOOR = re.compile(r"(\d+)\s*(?:楼|#|F)?")
# Discuz! names its first floors instead of numbering them.
_NAMED_FLOORS = {"楼主": 1, "沙发": 2, "板凳": 3, "地板": 4}
_POSTED_PREFIX = re.compile(r"^\s*(?:发表于|發表於|发表时间|posted|楼主)\s*[:：]?\s*", re.IGNORECASE)


@dataclass
class Reply:
    floor: int
    author: str
    text: str
    posted_at: str | None  # UTC ISO-8601


@dataclass
class ThreadPage:
    opening: str  # the text of floor 1 (the post itself), "" when not on this page
    replies: list[Reply]


def parse_thread_page(html: str, *, preset: str, selectors: dict[str, str] | None = None,
                      now: datetime) -> ThreadPage:
    """The replies on one thread page; floor 1 (the post itself) is kept apart."""
    sel = _thread_selectors(preset, selectors or {})
    tree = LexborHTMLParser(_defuse_deep_nesting(html or ""))
    tree.strip_tags(["script", "style", "noscript", "template"])
    replies: list[Reply] = []
    opening = ""
    floors: set[int] = set()
    for position, node in enumerate(_select(tree, sel["replies"], "replies"), start=1):
        reply = _reply(node, sel, preset, position, now)
        if reply is None or reply.floor in floors:
            continue
        if preset != "generic" and reply.floor == 1:
            opening = reply.text
            continue
        floors.add(reply.floor)
        replies.append(reply)
        if len(replies) >= MAX_REPLIES:
            break
    return ThreadPage(opening, replies)


def _thread_selectors(preset: str, overrides: dict[str, str]) -> dict[str, str]:
    if preset not in THREAD_PRESETS:
        raise ConfigError(f"未知的论坛预设「{preset}」，可选：{'、'.join(THREAD_PRESETS)}")
    sel = dict(THREAD_PRESETS[preset])
    sel.update({k: v.strip() for k, v in overrides.items() if k in REPLY_SELECTOR_KEYS and v.strip()})
    if not sel.get("replies"):
        raise ConfigError("generic 预设读取帖子回复需要 [sources.selectors] 中的 replies（每条回复的选择器）")
    return sel


def _reply(node: LexborNode, sel: dict[str, str], preset: str, position: int, now: datetime) -> Reply | None:
    box = _first(node, sel.get("reply_text"), "reply_text") or node
    text = _own_words(box)
    if not text:
        return None
    field = _data_field(node) if preset == "tieba" else {}
    author = _text(_first(node, sel.get("reply_author"), "reply_author"))
    author = str(field.get("author", {}).get("user_name") or author) if field else author
    return Reply(
        floor=_floor(node, sel.get("floor"), field) or position,
        author=clean_line(author)[:60],
        text=text,
        posted_at=_posted_at(node, sel.get("reply_time"), field, now),
    )


def _own_words(box: LexborNode) -> str:
    # Parse a copy: removing the quotes from the page tree would also shorten the
    # texts the other selectors read.
    copy = LexborHTMLParser(box.html or "")
    for quoted in copy.css(_NOT_THEIR_WORDS):
        quoted.decompose()
    root = copy.body or copy.root
    text = clean_line(" ".join((root.text(deep=True) or "").split())) if root is not None else ""
    if len(text) > MAX_REPLY_CHARS:
        text = text[: MAX_REPLY_CHARS - 1] + "…"
    return text


def _floor(node: LexborNode, selector: str | None, field: dict) -> int | None:
    number = field.get("content", {}).get("post_no") if field else None
    if isinstance(number, int) and number > 0:
        return number
    if not selector:
        return None
    for candidate in _select(node, selector, "floor"):
        text = _text(candidate)
        m = _FLOOR.fullmatch(text.strip())
        if m:
            return int(m.group(1))
        for name, number in _NAMED_FLOORS.items():
            if name in text:
                return number
    return None


def _posted_at(node: LexborNode, selector: str | None, field: dict, now: datetime) -> str | None:
    date = field.get("content", {}).get("date") if field else None
    if isinstance(date, str) and date:
        parsed = parse_forum_time(date, now=now)
        if parsed:
            return parsed
    # Tieba's tail holds 「来自Android客户端」「2楼」 and the time: the first that reads as one.
    for target in _select(node, selector, "reply_time") if selector else []:
        parsed = _time_of(target, now)
        if parsed:
            return parsed
    return None


def _time_of(target: LexborNode, now: datetime) -> str | None:
    machine = target.attributes.get("datetime")
    if machine:
        parsed = parse_forum_time(machine, now=now)
        if parsed:
            return parsed
    title = target.attributes.get("title")
    if not title:
        titled = target.css_first("[title]")
        title = titled.attributes.get("title") if titled is not None else None
    title = _POSTED_PREFIX.sub("", title) if title else None
    return parse_forum_time(_POSTED_PREFIX.sub("", _text(target)), now=now, title=title)


def _data_field(node: LexborNode) -> dict:
    try:
        value = json.loads(node.attributes.get("data-field") or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    for key in ("author", "content"):
        if not isinstance(value.get(key), dict):
            value[key] = {}
    return value
