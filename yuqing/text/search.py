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
from operator import add

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_WORD_CHARS = "0-9A-Za-z\u00c0-\u024f"
# One token per match: a CJK run (one character or more) or an ASCII word. Every CJK
# character is above U+024F, every word character at or below it, so a token's first
# character tells the two apart.
_TOKENS = re.compile(f"[{_CJK}]+|[{_WORD_CHARS}]+")
_LAST_WORD_CHAR = "\u024f"


def grams(text: str) -> str:
    """The indexed form of a text: CJK bigrams and ASCII words, space-separated. A run's
    overlapping bigrams are its characters paired with the next (in C, through map)."""
    out: list[str] = []
    for token in _TOKENS.findall(text or ""):
        if token[0] <= _LAST_WORD_CHAR:
            out.append(token.lower())
        elif len(token) > 1:
            out += map(add, token[:-1], token[1:])
        else:
            out.append(token)  # a lone CJK character
    return " ".join(out)


# Words an officer used to web search types between terms: AND is what several terms mean
# already; OR and NOT are not supported and must not be searched for as words.
QUERY_AND = "AND"
UNSUPPORTED_OPERATORS = ("OR", "NOT")


def query_terms(query: str) -> list[str]:
    return [t for t in query.split() if t.strip() and t != QUERY_AND]


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
_PHRASES = re.compile(r'"(?:[^"]|"")*"(?: AND "(?:[^"]|"")*")*')
# The ranges of _CJK, compared as numbers: sre compiles a class holding them slowly (some
# milliseconds each, at every start).
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))


def index_query(match: str) -> tuple[str, list[str]]:
    """(MATCH for an index without positions: every token of `match`'s phrases, ANDed;
    the phrases of two or more tokens a candidate's grams must contain, space-padded).
    Any other expression than match_expression's phrases joined by AND (a bare word) is
    passed on as it is."""
    if not _PHRASES.fullmatch(match):
        return match, []
    quoted = _PHRASE.findall(match)
    tokens: dict[str, None] = {}
    phrases = []
    for phrase in quoted:
        words = phrase.replace('""', '"').split()
        tokens.update(dict.fromkeys(words))
        if len(words) > 1:
            phrases.append(" " + " ".join(words) + " ")
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens), phrases


def has_phrases(title: str | None, text: str | None, phrases: list[str]) -> bool:
    """Whether the grams of a post's title and text (what the index was given) hold every
    phrase as consecutive tokens. A pattern of the phrase's own characters is tried first
    (`_phrase_pattern`): where it is found the phrase is there, which spares most candidates
    the grams; the grams decide the rest."""
    joined = f"{title} {text}"
    indexed = None
    for phrase in phrases:
        pattern = _phrase_pattern(phrase)
        if pattern is not None and pattern.search(joined):
            continue
        if indexed is None:
            indexed = " " + grams(joined) + " "
        if phrase not in indexed:
            return False
    return True


_ASCII_WORD = re.compile("[0-9a-z]+")
# The pattern's classes are simpler than the tokenizer's, and only make it stricter (sre
# compiles the exact CJK class slowly): any character from U+3400 up counts as CJK next to
# a run, and words are apart only by spaces and a few marks. Where it finds nothing the
# grams decide: the answer is the same.
_NOT_CJK_OR_ABOVE = "(?![^\x00-\u33ff])"  # followed by nothing from U+3400 up
_NOT_AFTER_CJK_OR_ABOVE = "(?<![^\x00-\u33ff])"
_GAP = "[\\s\\-_./·:]*"


def _is_cjk(chars: str) -> bool:
    return all(any(low <= ord(c) <= high for low, high in _CJK_RANGES) for c in chars)


@lru_cache(maxsize=256)
def _phrase_pattern(phrase: str) -> re.Pattern | None:
    """A pattern whose every match in a text tokenizes to the phrase's tokens in a row:
    each ASCII word whole and in either case (5g matches 5G, not a5G), each run of chained
    CJK bigrams (补偿 偿款 → 补偿款) ending its CJK run where another token follows, a lone
    CJK character alone in its run, and between them only characters that make no token.
    None for tokens it does not cover (Latin letters with accents)."""
    segments: list[tuple[str, str]] = []  # (kind, characters)
    for word in phrase.split():
        if len(word) == 2 and _is_cjk(word):
            if segments and segments[-1][0] == "cjk" and segments[-1][1][-1] == word[0]:
                segments[-1] = ("cjk", segments[-1][1] + word[1])
            else:
                segments.append(("cjk", word))
        elif len(word) == 1 and _is_cjk(word):
            segments.append(("single", word))
        elif _ASCII_WORD.fullmatch(word):
            segments.append(("word", word))
        else:
            return None
    parts = []
    for n, (kind, chars) in enumerate(segments):
        last = n == len(segments) - 1
        if kind == "word":  # either case, letter by letter (IGNORECASE compiles slowly too)
            body = "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in chars)
            parts.append(f"(?<![{_WORD_CHARS}]){body}(?![{_WORD_CHARS}])" if n == 0 else f"{body}(?![{_WORD_CHARS}])")
        else:
            # The segment before ends with a lookahead and the gap has no CJK: only the first
            # segment needs a lookbehind, and a chain may run on into more CJK on its left.
            before = _NOT_AFTER_CJK_OR_ABOVE if n == 0 and kind == "single" else ""
            after = _NOT_CJK_OR_ABOVE if not last or kind == "single" else ""
            parts.append(before + chars + after)
    return re.compile(_GAP.join(parts))


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
