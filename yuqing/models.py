"""Plain data passed between the collector, the parsers and the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from yuqing.text.scrub import all_safe, scrub, scrub_optional

SOURCE_KINDS = ("rss", "forum")
FORUM_PRESETS = ("discuz", "phpbb", "tieba", "generic")


@dataclass
class Source:
    name: str
    kind: str  # "rss" | "forum"
    url: str
    site: str = ""
    mainstream: bool = False
    enabled: bool = True
    preset: str | None = None  # forum only: discuz | phpbb | tieba | generic
    selectors: dict[str, str] = field(default_factory=dict)  # generic preset (and overrides)
    pages: int = 1  # forum only: list pages to follow
    encoding: str | None = None  # override when a site lies about its charset
    headers: dict[str, str] = field(default_factory=dict)
    cookie_file: str | None = None  # Netscape cookies.txt or a "k=v; k2=v2" line
    own: bool = False  # the office's own account or site: counted as publicity, never 舆情
    allow_private: bool = False  # may redirect into intranet, loopback or link-local addresses


@dataclass
class Item:
    """One post as parsed from a feed entry or a forum list row (not yet stored)."""

    url: str
    title: str
    guid: str | None = None
    text: str = ""
    author: str = ""
    published_at: str | None = None  # UTC ISO-8601
    clicks: int | None = None
    comments: int | None = None
    grams: str | None = None  # the search index form, computed in the parse worker when it can be

    def __post_init__(self) -> None:
        # Every source's text passes here before it can reach the store or a report.
        self.url = str(self.url or "")
        self.title = str(self.title or "")
        self.guid = self.guid if self.guid is None else str(self.guid)
        self.text = str(self.text or "")
        self.author = str(self.author or "")
        if all_safe(self.url, self.title, self.guid or "", self.text, self.author, self.published_at or ""):
            return  # nearly every item: one search instead of one per field
        self.url = scrub(self.url)
        self.title = scrub(self.title)
        self.guid = scrub_optional(self.guid)
        self.text = scrub(self.text)
        self.author = scrub(self.author)
        self.published_at = scrub_optional(self.published_at)
