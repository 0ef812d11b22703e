"""The words a reason (负面依据) may be, and where they occur in a text.

Chinese is written without spaces, so the character n-grams the tone model weighs are
often pieces of two words (「的母」 in 「死者的母亲」). A reason is shown to an officer, so it
is a whole word: one of a list (``reason_words.txt``, built by bench/build_reason_words.py
from jieba's dictionary, segmented Weibo comments and the built-in lexicon, without
function words).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

try:
    import ahocorasick_rs as _ahocorasick
except ImportError:  # pragma: no cover - the wheel is on every supported platform
    _ahocorasick = None

WORDS_PATH = Path(__file__).with_name("reason_words.txt")
# Characters to scan from which building the automaton (about 50 ms for the words that push
# scores up) costs less than looking up every substring (about 2.5 µs a character; the
# automaton scans one in 0.1 µs).
AUTOMATON_FROM = 20_000

Matches = list[tuple[int, int, int]]  # (index of the word, start, end)


@lru_cache(maxsize=1)
def reason_words() -> tuple[str, ...]:
    lines = WORDS_PATH.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    return tuple(lines[header:])  # one word a line after the comment lines


class WordFinder:
    """Where some of the listed words occur in a text, overlapping occurrences included, as
    (index among ``words``, start, end): with an automaton for a big batch, by looking up
    each substring for a little text."""

    def __init__(self, words: Sequence[str]):
        self.words = tuple(words)
        self._longest = max(map(len, self.words), default=0)
        self._index: dict[str, int] | None = None
        self._automaton = None

    def for_batch(self, characters: int) -> Callable[[str], Matches]:
        """The finder for a batch of texts of that many characters in all."""
        if characters >= AUTOMATON_FROM and _ahocorasick is not None and self.words:
            if self._automaton is None:
                self._automaton = _ahocorasick.AhoCorasick(self.words, matchkind=_ahocorasick.MatchKind.Standard)
            automaton = self._automaton
            return lambda text: automaton.find_matches_as_indexes(text, overlapping=True)
        if self._index is None:
            self._index = {word: index for index, word in enumerate(self.words)}
        index_of, longest = self._index, self._longest
        return lambda text: matches_by_lookup(text, index_of, longest)


def matches_by_lookup(text: str, index_of: dict[str, int], longest: int) -> Matches:
    """Every substring of 2 to ``longest`` characters looked up."""
    size, found = len(text), []
    for start in range(size):
        for end in range(start + 2, min(start + longest, size) + 1):
            index = index_of.get(text[start:end])
            if index is not None:
                found.append((index, start, end))
    return found
