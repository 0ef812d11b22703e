"""Which of a fixed set of keywords occur in a text, in one pass.

The rule table's plain keyword lists (sensitive categories, key persons and places,
topics) hold hundreds of words; testing each with `in` costs one scan of the text per
word. An Aho-Corasick automaton (ahocorasick-rs, already used for the tone lexicon)
finds every occurrence, overlapping ones included, in one scan.
"""

from __future__ import annotations

from collections.abc import Iterable

try:
    import ahocorasick_rs as _ahocorasick
except ImportError:  # pragma: no cover - a declared dependency; the fallback keeps tests honest
    _ahocorasick = None


class KeywordSet:
    """`found(text)`: the keywords that occur in `text` as substrings (like `w in text`)."""

    def __init__(self, words: Iterable[str], *, use_automaton: bool = True):
        self.words = tuple(dict.fromkeys(w for w in words if w))
        self._automaton = None
        if self.words and use_automaton and _ahocorasick is not None:
            self._automaton = _ahocorasick.AhoCorasick(self.words)

    def found(self, text: str) -> frozenset[str]:
        if not text or not self.words:
            return frozenset()
        if self._automaton is None:
            return frozenset(w for w in self.words if w in text)
        words = self.words
        return frozenset(words[i] for i, _, _ in self._automaton.find_matches_as_indexes(text, overlapping=True))
