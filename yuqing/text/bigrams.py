"""search.grams for a whole feed's posts at once, vectorised: what collection indexes.

grams() builds every bigram as a Python string (HTML summaries of ~200 characters: ~40 us
a post, a tenth of a collect run's CPU). Here the posts' texts are one array of code
points; numpy marks what each character starts — a bigram (a CJK character followed by
another: it, the next one, a space), a lone CJK character (it, a space), a word character
(it, and a space after the word's last) — and one gather writes all the posts' index text,
which is then lower-cased and split per post. The result is grams() of each text exactly
(tests/text/test_fast_paths.py compares them); texts numpy cannot take (lone surrogates)
and very long ones go through grams() itself.
"""

from __future__ import annotations

import numpy as np

from yuqing.text.search import grams

# The posts of one call are cut into runs of at most this many characters: the index
# arrays take about 25 bytes per character of a run.
_CHUNK_CHARS = 1 << 20
_SPACE, _NEWLINE = 32, 10
# Inclusive code point ranges, as search._CJK and search._WORD_CHARS.
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))
_WORD_RANGES = ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F))


def grams_of_many(texts: list[str]) -> list[str]:
    """[grams(t) for t in texts], at a fraction of the CPU for a feed's worth of posts."""
    out: list[str] = []
    chunk: list[str] = []
    size = 0
    for text in texts:
        if len(text) > _CHUNK_CHARS:
            out += _grams_together(chunk)
            chunk, size = [], 0
            out.append(grams(text))
            continue
        if size + len(text) > _CHUNK_CHARS:
            out += _grams_together(chunk)
            chunk, size = [], 0
        chunk.append(text)
        size += len(text) + 1
    out += _grams_together(chunk)
    return out


def _in(code: np.ndarray, ranges: tuple[tuple[int, int], ...]) -> np.ndarray:
    hit = np.zeros(len(code), dtype=bool)
    for low, high in ranges:
        hit |= (code >= low) & (code <= high)
    return hit


def _grams_together(texts: list[str]) -> list[str]:
    if not texts:
        return []
    try:
        code = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # a lone surrogate
        return [grams(text) for text in texts]
    n = len(code)
    cjk = _in(code, _CJK_RANGES)
    word = _in(code, _WORD_RANGES)
    cjk_next = np.zeros(n, dtype=bool)
    cjk_next[:-1] = cjk[1:]
    cjk_before = np.zeros(n, dtype=bool)
    cjk_before[1:] = cjk[:-1]
    word_next = np.zeros(n, dtype=bool)
    word_next[:-1] = word[1:]
    pair = cjk & cjk_next
    lone = cjk & ~cjk_before & ~cjk_next
    # The newlines joining the texts (their own newlines are not tokens and vanish).
    joint = np.zeros(n, dtype=bool)
    joint[np.cumsum([len(text) + 1 for text in texts[:-1]], dtype=np.int64) - 1] = True
    # How many output characters each position writes, and which position each output
    # character comes from; n is a space, n + 1 a newline.
    counts = (pair * 3 + lone * 2 + word + (word & ~word_next) + joint).astype(np.int32)
    owner = np.repeat(np.arange(n, dtype=np.int32), counts)
    rank = np.arange(len(owner), dtype=np.int32) - np.repeat(np.cumsum(counts, dtype=np.int32) - counts, counts)
    source = np.where(rank == 0, np.where(joint[owner], n + 1, owner),
                      np.where((rank == 1) & pair[owner], owner + 1, n))
    written = np.concatenate([code, np.array([_SPACE, _NEWLINE], dtype=np.uint32)])[source]
    # Lower-casing the whole is lower-casing each word: CJK characters have no case. Each
    # text's grams end with the space after their last token.
    return [text[:-1] for text in written.tobytes().decode("utf-32-le").lower().split("\n")]
