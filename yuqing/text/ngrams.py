"""Hashed character 1–3-grams of a batch of texts, in numpy.

The negativity model (`yuqing.text.negativity`) reads a text as the bag of its character
1-, 2- and 3-grams, each hashed into one of ``2**bits`` buckets. The hash is our own
(multiplicative hashing of Unicode code points in uint32 arithmetic, the top bits kept),
so it is the same on every machine and Python version and the model file needs no
vocabulary; training (`yuqing.text.tonetrain`) and scoring share this module.

A batch is handled in one pass: the texts are joined with a separator, full-width Latin
letters and digits are folded to ASCII and upper case to lower, every n-gram of the joined
code points is hashed at once, and n-grams that touch a separator or white space are
dropped. The result is the bucket and owning text of every n-gram occurrence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_CHARS = 2000  # characters of a text that are read: a post's title and opening
ORDERS = (1, 2, 3)

_MULTIPLIERS = (np.uint32(0x9E3779B1), np.uint32(0x85EBCA77), np.uint32(0xC2B2AE3D))
_SPACES = np.array([ord(c) for c in " \t\r\n\u3000\u00a0"], dtype=np.uint32)


@dataclass(frozen=True)
class NgramBatch:
    """Every n-gram occurrence of a batch: its bucket, its text, where it starts and its order."""

    buckets: np.ndarray  # intp bucket index of each occurrence, grouped by order
    owners: np.ndarray  # intp index of the text it belongs to
    starts: np.ndarray  # intp start offset inside the text
    orders: np.ndarray  # int8 n of the n-gram
    counts: np.ndarray  # n-gram occurrences per text


def code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(folded code points of the texts joined by 0 and ended by three 0s, each text's
    start offset, each text's length)."""
    cut = [t[:MAX_CHARS] if t else "" for t in texts]
    joined = "\0".join(cut) + "\0\0\0"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).copy()
    wide = (codes >= 0xFF01) & (codes <= 0xFF5E)  # full-width ASCII forms
    codes[wide] -= np.uint32(0xFEE0)
    upper = (codes >= 0x41) & (codes <= 0x5A)
    codes[upper] += np.uint32(0x20)
    lengths = np.fromiter((len(t) for t in cut), dtype=np.intp, count=len(cut))
    starts = np.zeros(len(cut), dtype=np.intp)
    if len(cut) > 1:
        np.cumsum(lengths[:-1] + 1, out=starts[1:])
    return codes, starts, lengths


def _orders(codes: np.ndarray, bits: int):
    """(n, bucket of the n-gram starting at each position, whether that n-gram is whole)
    for n = 1, 2, 3 over every position but the three trailing separators."""
    usable = len(codes) - 3
    gaps = (codes == 0) | np.isin(codes, _SPACES)
    shift = np.uint32(32 - bits)
    h = np.zeros(usable, dtype=np.uint32)
    ok = np.ones(usable, dtype=bool)
    for n, multiplier in zip(ORDERS, _MULTIPLIERS, strict=True):
        h ^= codes[n - 1:n - 1 + usable]
        h *= multiplier
        ok &= ~gaps[n - 1:n - 1 + usable]
        yield n, h >> shift, ok


def ngrams(texts: Sequence[str], bits: int) -> NgramBatch:
    """The hashed 1–3-grams of every text, one row per occurrence (for training and reasons)."""
    codes, text_starts, lengths = code_points(texts)
    buckets, positions, orders = [], [], []
    for n, hashed, ok in _orders(codes, bits):
        at = np.flatnonzero(ok)
        buckets.append(hashed[at].astype(np.intp))
        positions.append(at)
        orders.append(np.full(len(at), n, dtype=np.int8))
    position = np.concatenate(positions)
    owners = np.searchsorted(text_starts, position, side="right") - 1
    counts = np.bincount(owners, minlength=len(lengths))
    return NgramBatch(np.concatenate(buckets), owners, position - text_starts[owners],
                      np.concatenate(orders), counts)


def weight_sums(texts: Sequence[str], weights: np.ndarray, bits: int,
                register: np.ndarray | None = None, boundaries: bool = False,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(Σ weights of each text's n-grams, number of n-grams of each text, Σ ``register``
    weights of each text's n-grams or None): scoring's fast path, position by position with
    no per-occurrence rows. ``register`` is a second, smaller table (2^k buckets, k ≤ bits)
    read with the top k bits of the same hashes, so both sums share one hashing pass; with
    ``boundaries`` its sums include the marks of each text's start and end
    (`boundary_buckets`), which count like any other n-gram."""
    if not len(texts):
        return np.zeros(0), np.zeros(0, dtype=np.int64), None if register is None else np.zeros(0)
    codes, text_starts, lengths = code_points(texts)
    usable = len(codes) - 3
    # One slot more than there are positions, so that an empty last text starts inside.
    total = np.zeros(usable + 1, dtype=np.float64)
    whole = np.zeros(usable + 1, dtype=np.int32)
    register_total = None if register is None else np.zeros(usable + 1, dtype=np.float64)
    narrow = 0 if register is None else bits - (len(register).bit_length() - 1)
    for _, hashed, ok in _orders(codes, bits):
        total[:usable] += np.where(ok, weights[hashed], 0)
        whole[:usable] += ok
        if register is not None:
            register_total[:usable] += np.where(ok, register[hashed >> np.uint32(narrow)], 0)
    # reduceat sums from each text's start to the next one's (the separator adds nothing).
    empty = lengths == 0
    sums, counts = _per_text(total, text_starts, empty), _per_text(whole, text_starts, empty)
    register_sums = None if register is None else _per_text(register_total, text_starts, empty)
    if register is not None and boundaries:
        owners, buckets = _boundaries(codes, text_starts, lengths, bits - narrow)
        register_sums += np.bincount(owners, weights=register[buckets], minlength=len(texts))
    return sums, counts.astype(np.int64), register_sums


def _per_text(values: np.ndarray, text_starts: np.ndarray, empty: np.ndarray) -> np.ndarray:
    sums = np.add.reduceat(values, text_starts)
    sums[empty] = 0
    return sums


# Bit layout of the sort key of one n-gram occurrence in `top_grams`: text, then weight rank
# (descending), then start, then order; a start fits in 11 bits since MAX_CHARS < 2**11.
_ORDER_BITS, _START_BITS, _RANK_BITS = 2, 11, 24


def weight_ranks(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct weights ascending, each bucket's index among them) for `top_grams`."""
    values, ranks = np.unique(weights, return_inverse=True)
    return values, ranks.reshape(-1)


def top_grams(texts: Sequence[str], weights: np.ndarray, bits: int, k: int,
              ranked: tuple[np.ndarray, np.ndarray] | None = None,
              min_order: int = 2) -> list[list[tuple[float, int, int]]]:
    """(weight, start, end) of each text's ``k`` n-grams of at least ``min_order``
    characters with the largest positive weights, largest first (ties: the earlier, then
    the shorter). One sort of packed integer keys over the batch, not one per text.
    ``ranked`` is `weight_ranks` of the weights, for callers that keep it."""
    if not len(texts):
        return []
    codes, text_starts, _ = code_points(texts)
    values, ranks = ranked or weight_ranks(weights)
    top_rank = len(values) - 1
    keys = []
    for n, hashed, ok in _orders(codes, bits):
        if n < min_order:
            continue
        bucket = hashed.astype(np.intp)
        at = np.flatnonzero(ok & (weights[bucket] > 0))
        owners = np.searchsorted(text_starts, at, side="right") - 1
        key = owners.astype(np.int64) << (_RANK_BITS + _START_BITS + _ORDER_BITS)
        key |= (top_rank - ranks[bucket[at]]).astype(np.int64) << (_START_BITS + _ORDER_BITS)
        key |= (at - text_starts[owners]).astype(np.int64) << _ORDER_BITS
        key |= n
        keys.append(key)
    key = np.sort(np.concatenate(keys))
    owners = key >> (_RANK_BITS + _START_BITS + _ORDER_BITS)
    bounds = np.searchsorted(owners, np.arange(len(texts) + 1))
    key = key[np.arange(len(key)) - bounds[owners] < k]
    rank = top_rank - ((key >> (_START_BITS + _ORDER_BITS)) & ((1 << _RANK_BITS) - 1))
    starts = (key >> _ORDER_BITS) & ((1 << _START_BITS) - 1)
    rows = list(zip(values[rank].tolist(), starts.tolist(), (starts + (key & 3)).tolist(), strict=True))
    bounds = np.searchsorted(key >> (_RANK_BITS + _START_BITS + _ORDER_BITS), np.arange(len(texts) + 1)).tolist()
    return [rows[bounds[j]:bounds[j + 1]] for j in range(len(texts))]


# Marks of a text's start and end for the register head: beyond Unicode, so no real
# n-gram hashes like them.
_START, _END = 0x110000, 0x110001
_START_HASHED = np.uint32(_START * int(_MULTIPLIERS[0]) % (1 << 32))


def boundary_buckets(texts: Sequence[str], bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(owning text, bucket) of the n-grams that mark where each text starts and ends: its
    first one and two characters after a start mark, its last one and two before an end mark
    (white space at either end skipped). Headlines and comments differ most there (a comment
    ends in 。！~ or an emoticon, a reply starts with 回复)."""
    return _boundaries(*code_points(texts), bits)


def _boundaries(codes: np.ndarray, text_starts: np.ndarray, lengths: np.ndarray,
                bits: int) -> tuple[np.ndarray, np.ndarray]:
    ends = text_starts + lengths
    first = _skip_spaces(codes, text_starts.copy(), ends, 1)
    last = _skip_spaces(codes, ends - 1, text_starts - 1, -1)
    has = first < ends
    two = has & (last > first)
    one_owners, two_owners = np.flatnonzero(has), np.flatnonzero(two)
    m1, m2, m3 = _MULTIPLIERS
    end = np.uint32(_END)
    head = (_START_HASHED ^ codes[first[one_owners]]) * m2
    tail = (codes[last[one_owners]] * m1 ^ end) * m2
    head3 = ((_START_HASHED ^ codes[first[two_owners]]) * m2 ^ codes[first[two_owners] + 1]) * m3
    tail3 = ((codes[last[two_owners] - 1] * m1 ^ codes[last[two_owners]]) * m2 ^ end) * m3
    owners = np.concatenate([one_owners, one_owners, two_owners, two_owners])
    hashed = np.concatenate([head, tail, head3, tail3])
    return owners, (hashed >> np.uint32(32 - bits)).astype(np.intp)


def _skip_spaces(codes: np.ndarray, at: np.ndarray, stop: np.ndarray, step: int) -> np.ndarray:
    """Each position of ``at`` moved by ``step`` past white space, not beyond ``stop``
    (a text's leading or trailing white space is rare and short: few rounds)."""
    moving = np.flatnonzero((at != stop) & np.isin(codes[at], _SPACES))
    while len(moving):
        at[moving] += step
        moving = moving[(at[moving] != stop[moving]) & np.isin(codes[at[moving]], _SPACES)]
    return at
