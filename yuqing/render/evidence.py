"""What every report item carries besides its figures: the links to its evidence (the
first post and the mainstream reprints, with site names), the 事件概要 (an extractive
summary of the first post, text/summary.py) and the 网民观点 (the replies netizens wrote
under the forum threads, split by tone)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from yuqing.render.templating import safe_url
from yuqing.text.summary import representative, summarise

if TYPE_CHECKING:
    from yuqing.store import Store

MAX_MAINSTREAM_LINKS = 5
QUOTES_PER_TONE = 3
TONES = ("负面", "中性及正面")


def add_evidence(store: Store, events: list[dict[str, Any]], *, summary: bool = False,
                 voices: bool = False) -> None:
    """Set `links` on each event (and `summary`, `voices` when asked), in place."""
    ids = [e["id"] for e in events]
    if not ids:
        return
    posts = store.evidence_posts(ids)
    for event in events:
        event["links"] = links_of(posts[event["id"]])
    if summary:
        firsts = store.first_post_texts(ids)
        for event in events:
            first = firsts.get(event["id"]) or {}
            found = summarise(first.get("text"), first.get("title") or event["title"])
            event["summary"], event["summary_from_title"] = found.text, found.from_title
    if voices:
        replies = store.replies_for_events(ids)
        reads = store.thread_reads_for_events(ids)
        failures = store.thread_read_failures(ids)
        for event in events:
            event["voices"] = voices_of(replies[event["id"]], posts[event["id"]], reads.get(event["id"], 0),
                                        failures.get(event["id"]))


def links_of(posts: list[dict[str, Any]]) -> dict[str, Any]:
    """The first post and one link per further mainstream site."""
    if not posts:
        return {"first": None, "mainstream": [], "more_mainstream": 0}
    first, rest = posts[0], posts[1:]
    mainstream: list[dict[str, Any]] = []
    sites = {first["site"]}
    for post in rest:
        if post["mainstream"] and post["site"] not in sites:
            sites.add(post["site"])
            mainstream.append(_link(post))
    return {"first": _link(first), "mainstream": mainstream[:MAX_MAINSTREAM_LINKS],
            "more_mainstream": max(0, len(mainstream) - MAX_MAINSTREAM_LINKS)}


def _link(post: dict[str, Any]) -> dict[str, Any]:
    return {"site": post["site"], "title": post["title"], "url": safe_url(post["url"]), "at": post["at"]}


def voices_of(replies: list[dict[str, Any]], posts: list[dict[str, Any]], threads_read: int,
              failure: str | None = None) -> dict[str, Any]:
    """Replies split by tone with counts and representative quotes; or why there are none
    (``failure``: the message of the event's latest thread read that failed)."""
    groups = []
    for tone, negative in zip(TONES, (1, 0), strict=True):
        texts = [r["text"] for r in replies if bool(r["negative"]) == bool(negative)]
        if texts:
            groups.append({"tone": tone, "count": len(texts), "quotes": representative(texts, QUOTES_PER_TONE)})
    return {"total": len(replies), "groups": groups,
            "note": _no_replies_note(replies, posts, threads_read, failure)}


def _no_replies_note(replies: list, posts: list[dict[str, Any]], threads_read: int, failure: str | None) -> str:
    if replies:
        return ""
    if not any(p["channel"] == "forum" for p in posts):
        return "均为新闻网站订阅源的报道，订阅源不含网民回复，暂无网民观点"
    if not threads_read and failure:
        return f"读取论坛帖子的回复未成功（{failure}），以后的采集会再读"
    if not threads_read:
        return "论坛帖子的回复尚未读取（较大及以上事件的帖子在采集时读取）"
    return "论坛帖子下暂无网民回复"
