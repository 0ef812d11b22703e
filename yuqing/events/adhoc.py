"""Grading a pasted post, or a spreadsheet's worth of them, without a workspace."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from yuqing.errors import UsageError, json_reason
from yuqing.grade import Figures, Grade, grade
from yuqing.rules import Rules


@dataclass
class AdhocPost:
    title: str = ""
    text: str = ""
    clicks: int = 0
    comments: int = 0
    sites: int | None = None  # defaults to the mainstream count, at least 1
    mainstream: int = 0
    url: str = ""


def figures_of(post: AdhocPost) -> Figures:
    _check(post)
    sites = post.sites if post.sites is not None else max(1, post.mainstream)
    return Figures(clicks=post.clicks, comments=post.comments, sites=sites,
                   mainstream_sites=post.mainstream)


def _check(post: AdhocPost) -> None:
    if not (post.title or "").strip() and not (post.text or "").strip():
        raise UsageError("没有可分级的内容：标题和正文都为空")
    for label, value in (("点击数", post.clicks), ("跟帖数", post.comments),
                         ("网站数", post.sites), ("主流网站数", post.mainstream)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"{label}应为非负整数：{value!r}")
        if value < 0:
            raise UsageError(f"{label}不能为负数：{value}")
    if post.sites is not None and post.mainstream > post.sites:
        raise UsageError(f"主流网站数 {post.mainstream} 不能多于网站数 {post.sites}")


def adhoc_from_url(url: str, *, clicks: int, comments: int, sites: int | None, mainstream: int) -> AdhocPost:
    """Fetch one article or thread page and read its title, text and visible figures; the
    officer's own figures win over what the page shows."""
    import asyncio

    from yuqing.errors import SourceError
    from yuqing.sources.article import read_article
    from yuqing.sources.encoding import decode_body
    from yuqing.sources.fetch import MAX_PAGE_BYTES, Fetcher

    async def fetch():
        async with Fetcher(concurrency=1, per_host=1) as fetcher:
            return await fetcher.fetch(url, max_bytes=MAX_PAGE_BYTES)

    try:
        result = asyncio.run(fetch())
    except SourceError as error:
        raise UsageError(f"无法读取 {url}：{error.message}") from None
    html, _ = decode_body(result.body, http_charset=result.charset)
    article = read_article(html)
    return AdhocPost(title=article.title, text=article.text,
                     clicks=clicks or article.clicks or 0, comments=comments or article.comments or 0,
                     sites=sites, mainstream=mainstream, url=url)


def grade_adhoc(post: AdhocPost, rules: Rules) -> Grade:
    figures = figures_of(post)
    return grade(figures, f"{post.title}\n{post.text}", rules)


def grade_batch_lines(lines: Iterable[str], rules: Rules) -> Iterator[dict[str, Any]]:
    """One result per non-empty JSONL line, in order; a bad line gives {"line", "error"}."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            post = _post_from_json(line)
            yield grade_adhoc(post, rules).as_dict()
        except UsageError as error:
            yield {"line": number, "error": error.message}


def _post_from_json(line: str) -> AdhocPost:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UsageError(f"不是有效的 JSON（{json_reason(exc)}）") from None
    if not isinstance(data, dict):
        raise UsageError("应为 JSON 对象")
    return AdhocPost(
        title=str(data.get("title") or ""),
        text=str(data.get("text") or ""),
        clicks=_whole(data, "clicks", 0),
        comments=_whole(data, "comments", 0),
        sites=_whole(data, "sites", None),
        mainstream=_whole(data, "mainstream", 0),
    )


def _whole(data: dict, key: str, default: int | None) -> Any:
    """JSON numbers must be whole: 3.0 is fine, 3.5 and "3" are not."""
    value = data.get(key, default)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{key} 应为非负整数：{value!r}")
    return value
