"""Full-text search that finds two-character Chinese words.

SQLite's trigram tokenizer matches nothing under three characters, and 拆迁, 食品, 城管
are two. We index overlapping character bigrams of every CJK run and whole lower-cased
ASCII words, space-separated (the index's 'ascii' tokenizer splits on the spaces), and turn a query term into the phrase of its own bigrams: 补偿款 becomes
the phrase "补偿 偿款", which only consecutive text matches. A lone CJK character falls
back to a LIKE scan.

Since m020 the index keeps no positions (FTS5 `detail=none`, less than half the size), so
it cannot match a phrase itself: `index_query` asks it for the posts holding every bigram,
and `has_phrases` keeps those whose own grams hold each phrase's bigrams in a row, which is
what the phrase query matched.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
# One token per match: a CJK run of two or more, a lone CJK character, or an ASCII word.
_TOKENS = re.compile(f"([{_CJK}]{{2,}})|([{_CJK}])|([0-9A-Za-z\u00c0-\u024f]+)")
_BIGRAMS = re.compile(f"(?=([{_CJK}]{{2}}))")  # every overlapping pair, found in C


def grams(text: str) -> str:
    """The indexed form of a text: CJK bigrams and ASCII words, space-separated."""
    out: list[str] = []
    for run, single, word in _TOKENS.findall(text or ""):
        if run:
            out += _BIGRAMS.findall(run)
        elif single:
            out.append(single)
        else:
            out.append(word.lower())
    return " ".join(out)


def query_terms(query: str) -> list[str]:
    return [t for t in query.split() if t.strip()]


def match_expression(terms: list[str]) -> tuple[str | None, list[str]]:
    """(FTS5 MATCH expression for the indexable terms, single CJK characters to LIKE)."""
    phrases, singles = [], []
    for term in terms:
        indexed = grams(term)
        if not indexed:
            continue
        if len(indexed) == 1 and re.fullmatch(f"[{_CJK}]", indexed):
            singles.append(indexed)
            continue
        phrases.append('"' + indexed.replace('"', '""') + '"')
    return (" AND ".join(phrases) or None), singles


_PHRASE = re.compile(r'"((?:[^"]|"")*)"')
_CJK_PAIR = re.compile(f"[{_CJK}]{{2}}")


def index_query(match: str) -> tuple[str, list[str]]:
    """(MATCH for an index without positions: every token of `match`'s phrases, ANDed;
    the phrases of two or more tokens a candidate's grams must contain, space-padded)."""
    tokens: dict[str, None] = {}
    phrases = []
    for phrase in _PHRASE.findall(match):
        words = phrase.replace('""', '"').split()
        tokens.update(dict.fromkeys(words))
        if len(words) > 1:
            phrases.append(" " + " ".join(words) + " ")
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens), phrases


def has_phrases(title: str | None, text: str | None, phrases: list[str]) -> bool:
    """Whether the grams of a post's title and text (what the index was given) hold every
    phrase as consecutive tokens. A phrase of chained CJK bigrams (补偿 偿款) is there when
    its characters (补偿款) are, which is checked first: it spares most candidates the grams."""
    indexed = None
    for phrase in phrases:
        chars = _chained_cjk(phrase)
        if chars and (chars in (title or "") or chars in (text or "")):
            continue
        if indexed is None:
            indexed = " " + grams(f"{title} {text}") + " "
        if phrase not in indexed:
            return False
    return True


@lru_cache(maxsize=256)
def _chained_cjk(phrase: str) -> str | None:
    """补偿款 for " 补偿 偿款 ": CJK bigrams each starting with the last character of the one
    before. Those characters in a text lie in one CJK run, whose bigrams are the phrase."""
    words = phrase.split()
    if not all(_CJK_PAIR.fullmatch(w) for w in words):
        return None
    if any(a[1] != b[0] for a, b in zip(words, words[1:], strict=False)):
        return None
    return words[0] + "".join(w[1] for w in words[1:])


def highlight(text: str, terms: list[str], *, before: str = "【", after: str = "】") -> str:
    if not text or not terms:
        return text or ""
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    return pattern.sub(lambda m: f"{before}{m.group(0)}{after}", text)


def snippet(text: str, terms: list[str], width: int = 60) -> str:
    """The part of the text around the first match."""
    text = " ".join((text or "").split())
    lowered = text.lower()
    positions = [lowered.find(t.lower()) for t in terms if t and lowered.find(t.lower()) >= 0]
    if not positions:
        return text[:width]
    start = max(0, min(positions) - width // 3)
    piece = text[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
