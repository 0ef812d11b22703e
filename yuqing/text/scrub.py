"""Text made safe to store: the one gate every post's strings pass (see `models.Item`).

A lone surrogate (`"\\udc00"` from a JSON Feed) cannot be encoded as UTF-8, so SQLite
refused the whole batch; NUL and other control characters cut or garble what reports
and robots show. Each is replaced here, in one item, instead of failing a source.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _replacement(match: re.Match[str]) -> str:
    char = match.group()
    return "\ufffd" if "\ud800" <= char <= "\udfff" else ""


def scrub(text: str) -> str:
    """`text` without control characters (tab and line breaks stay), surrogates as U+FFFD."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_replacement, text)


def scrub_optional(text: str | None) -> str | None:
    return None if text is None else scrub(text)


def all_safe(*texts: str) -> bool:
    """Whether none of `texts` has anything scrub would change: one search over them joined
    (joining makes no new character: surrogates stay single code points)."""
    return not _UNSAFE.search("".join(texts))
