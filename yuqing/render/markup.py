"""Scraped text into Markdown, and Markdown back into plain text.

Text stays as published: a field is escaped only where Markdown would read it as
something else, and only with Markdown's own backslash escapes, so `逆水寒官方&玩家`,
`夜读 | 标题`, `[职场话题]` and `#话题#` go into a notice unchanged and `a*b_c*` becomes
`a\\*b_c\\*` (which every Markdown renderer shows as `a*b_c*`). Whether a field needs an
escape is decided by parsing it with the same CommonMark parser the HTML and Word
reports use. Plain-text outputs (mail, Feishu text messages) never see an escape: they
get `markdown_to_text` of the Markdown.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it is imported with the first parse: a run with no notice needs none
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_MENTION = re.compile(r"@(?=all\b|所有人|everyone|here\b|\d{11}\b)", re.IGNORECASE)
# Characters Markdown may read as syntax, grouped by the construct they make.
_ESCAPE_CLASSES = ("&", "<", "`", "[]", "*", "_", "~", "\\")
_ALL_SPECIAL = re.compile(r"([\\`*_\[\]<>&~!#|])")


@functools.lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with GFM tables and strikethrough, raw HTML off (as the reports render)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


def one_line(value: object) -> str:
    """A field as one line of text: control characters and line breaks become spaces."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(" ", text).replace("\n", " ").replace("\r", " ").strip()


_CLASS_OF_TOKEN = {"link_open": "[]", "image": "[]", "code_inline": "`", "s_open": "~", "html_inline": "<"}
_BY_MARKER = ("em_open", "strong_open")  # `*` or `_`: the marker the text used


def _misread(markdown: str, text: str) -> set[str]:
    """The character classes whose syntax makes `markdown` show something other than `text`."""
    tokens = parser().parseInline(markdown)
    children = (tokens[0].children or []) if tokens else []
    found = {_CLASS_OF_TOKEN[c.type] for c in children if c.type in _CLASS_OF_TOKEN}
    found |= {c.markup[:1] for c in children if c.type in _BY_MARKER}
    found |= {"<" for c in children if c.type == "link_open" and c.markup == "autolink"}
    if not found and "".join(c.content for c in children) != text:
        # only entities (&amp;) and backslash escapes change text without making a token
        found = {chars for chars in ("&", "\\") if chars in text}
    return found


def _escape(text: str, classes: set[str]) -> str:
    if "\\" in classes:  # first, so the escapes added next are not doubled
        text = text.replace("\\", "\\\\")
    chars = "".join(c for c in classes if c != "\\")
    return re.sub(f"([{re.escape(chars)}])", r"\\\1", text) if chars else text


@functools.lru_cache(maxsize=4096)
def md_inline(value: str) -> str:
    """One line of scraped text as Markdown inline content that renders exactly as it
    reads; robot mentions (@所有人) made inert."""
    text = _MENTION.sub("＠", one_line(value))
    # Unbalanced brackets would end the link text of `[标题](地址)` early.
    needed: set[str] = set() if text.count("[") == text.count("]") else {"[]"}
    markdown = _escape(text, needed)
    for _ in range(len(_ESCAPE_CLASSES)):
        misread = _misread(markdown, text)
        if not misread:
            return markdown
        if misread <= needed:
            break
        needed |= misread
        markdown = _escape(text, needed)
    return _ALL_SPECIAL.sub(r"\\\1", text)


def md_text(value: object) -> str:
    """The `md` template filter: a field inside a Markdown line (not a table cell)."""
    return md_inline(one_line(value))


def md_cell(value: object) -> str:
    """The `cell` template filter: a field inside a Markdown table cell, where every
    unescaped `|` would end the cell."""
    return md_text(value).replace("|", "\\|")


def markdown_to_text(markdown: str) -> str:
    """Markdown as a person reads it in a plain-text mail: no markup, no escapes; links
    as「标题（地址）」, list items with「- 」, table rows with「 | 」between cells."""
    lines: list[str] = []
    prefix: list[str] = []
    row: list[str] | None = None
    for token in parser().parse(markdown):
        if token.type == "bullet_list_open":
            prefix.append("- ")
        elif token.type == "ordered_list_open":
            prefix.append("1. ")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            prefix.pop()
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            lines.append(" | ".join(row))
            row = None
        elif token.type == "inline":
            text = _inline_plain(token.children or [])
            if row is not None:
                row.append(text)
            else:
                indent = "  " * max(len(prefix) - 1, 0)
                lines.append(f"{indent}{prefix[-1] if prefix else ''}{text}")
        elif token.type in ("heading_close", "paragraph_close") and not prefix:
            lines.append("")
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
        elif token.type == "hr":
            lines.append("—" * 10)
    return "\n".join(lines).strip() + "\n"


def _inline_plain(children: list[Token]) -> str:
    parts: list[str] = []
    link: str | None = None
    for child in children:
        if child.type == "link_open":
            link = child.attrGet("href") or ""
        elif child.type == "link_close":
            if link:
                parts.append(f"（{link}）")
            link = None
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.content:  # text, code, an image's alt text
            parts.append(child.content)
    return "".join(parts)
