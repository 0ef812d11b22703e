"""Negativity (负面倾向) of a post: a trained model, the built-in lexicon and the office's words.

The model is a logistic regression over hashed character 1–3-grams (`yuqing.text.ngrams`).
The built-in lexicon (`yuqing.text.tone`) is part of its training data (each word a labelled
row), so what the lexicon knows costs nothing when scoring. The weights are int8 with one
scale, in a small file shipped in the package (``tone_model.bin``, see docs/model.md) or
trained by the office into the workspace (`yuqing tone train`). Scoring a batch is a
handful of numpy operations over its code points.

How a post is read (`Negativity.read_many`):

1. The office's exclusions (``[negative] exclusions`` in rules.toml) are blanked out of the
   text: neither the model nor the lexicon sees them.
2. logit = bias + Σ w[n-gram] / √(number of n-grams).
3. The register head (a second, small table over the same n-grams and the marks of the
   text's start and end) says how much the text reads like a headline or thread title
   rather than a comment or review: its title share
   π = sigmoid(register logit + REGISTER_SHIFT), 0 when below REGISTER_FLOOR.
4. The built-in lexicon's verdict joins in as far as the text is a title:
   logit += π · (LEXICON_OFFSET + LEXICON_WEIGHT · [the lexicon reads it as negative,
   `yuqing.text.tone.is_negative`]) (`LexiconJoin`: a model file may carry other offsets
   and weights, by band of π). The lexicon was written on news titles and beats the
   model there; on comments and reviews the model alone is better, and the lexicon is not
   even run on texts with π = 0 (most comments: the scan would halve the speed).
5. Each of the office's own words (``[negative] words``) found in the text and not negated
   adds its weight (``[negative.weights]``, default 1.0) and counts as the lexicon's verdict
   with π = 1 whatever the register: a post the model alone scores 0.5 moves to 0.98
   (weight 3: 0.998).
   The constants of 3.–4. were chosen by cross-validation over the training rows
   (bench/tone_combination.py, docs/model.md).
6. score = 1 / (1 + e^-logit) in [0, 1]; the post is negative when score ≥
   ``[negative] score_threshold`` (default: the model's own, 0.5).

The reasons (「负面依据」) are what pushed the score up most: the office's words, the
lexicon's words when it read the post as negative, then the words of the text (the
lexicon's and those of `yuqing.text.words`) whose n-grams weigh most, none overlapping
another; a text without such a word gets its top-weighted 2- and 3-grams instead.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from yuqing.text import tone
from yuqing.text.modelfile import MAGIC, model_id, read_header, shipped_model_path
from yuqing.text.ngrams import MAX_CHARS, top_grams, weight_ranks, weight_sums
from yuqing.text.tone import OfficeWords
from yuqing.text.words import WordFinder, reason_words

MAX_REASONS = 4
TOP_GRAMS = 16  # n-grams of a text that may become reasons
# How the built-in lexicon's verdict joins the model's logit, scaled by the text's title
# share (see the module docstring). Chosen by three-fold cross-validation over the training
# rows (every trained news title and three tenths of each trained comment and review set,
# scored by both heads refit without them) as the best mean of the news F1 and the
# comments' mean F1 (bench/tone_combination.py). The model alone is far below the lexicon
# on news titles and above it on comments and reviews.
# They make FIXED_JOIN, the join of the shipped file and of every file whose header has no
# `lexicon_join`; a file may carry a join learned on cross-validated logits instead
# (`LexiconJoin`, bench/build_tone_model.py LEARNED_JOIN; tried, not shipped: docs/model.md).
LEXICON_WEIGHT = 6.0
LEXICON_OFFSET = -3.0
REGISTER_SHIFT = 5.0
REGISTER_FLOOR = 0.3


class ModelError(ValueError):
    """The model file cannot be used; ``message`` says so in Chinese (yuqing.rules turns it
    into a ConfigError: this package imports nothing else of yuqing)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ToneReading:
    """What the tone of one post is: the score, the verdict, why, and which model said so."""

    score: float
    negative: bool
    reasons: tuple[str, ...]
    model: str

    def as_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 3), "negative": self.negative,
                "reasons": list(self.reasons), "model": self.model}


@dataclass(frozen=True)
class LexiconJoin:
    """How the built-in lexicon's verdict joins the model's logit z: a text whose title share
    π falls in band i (π ≥ bands[i], below the next edge) gains
    π · (offsets[i] + weights[i] · verdict + scales[i] · z)."""

    bands: tuple[float, ...] = (0.0,)  # lower edges, ascending, the first 0
    offsets: tuple[float, ...] = (LEXICON_OFFSET,)
    weights: tuple[float, ...] = (LEXICON_WEIGHT,)
    scales: tuple[float, ...] = (0.0,)

    def push(self, share: np.ndarray, verdict: np.ndarray, logits: np.ndarray) -> np.ndarray:
        offset, weight, scale = self.terms(share)
        return share * (offset + weight * verdict + scale * logits)

    def terms(self, share: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(offset, weight, scale) of each text's band."""
        band = np.searchsorted(np.asarray(self.bands), share, side="right") - 1
        return np.asarray(self.offsets)[band], np.asarray(self.weights)[band], np.asarray(self.scales)[band]

    def as_header(self) -> dict[str, list[float]]:
        return {"bands": list(self.bands), "offsets": list(self.offsets), "weights": list(self.weights),
                "scales": list(self.scales)}


FIXED_JOIN = LexiconJoin()  # LEXICON_OFFSET and LEXICON_WEIGHT for every title share


@dataclass(frozen=True)
class RegisterHead:
    """Weights over the top ``bits`` bits of the same n-gram hashes: > 0 reads as a title."""

    bits: int
    weights: np.ndarray  # float32, 2**bits
    bias: float
    # The marks of a text's start and end count as n-grams (False in files written before them).
    boundaries: bool = False
    # How the lexicon's verdict joins the logit (FIXED_JOIN unless the file says otherwise).
    join: LexiconJoin = FIXED_JOIN


@dataclass(frozen=True)
class ToneModel:
    """Weights over hashed n-grams and the lexicon features; ``header`` is what the file says."""

    bits: int
    weights: np.ndarray  # float32, 2**bits
    bias: float
    threshold: float
    id: str
    header: dict[str, Any] = field(default_factory=dict, compare=False)
    # None in files written before the register head (every text then counts as a title).
    register: RegisterHead | None = field(default=None, compare=False)


# -- the file ----------------------------------------------------------------------------

def encode_model(weights: np.ndarray, bias: float, threshold: float, info: dict[str, Any],
                 register: RegisterHead | None = None) -> bytes:
    """The model file: magic, header length, JSON header, zlib'd int8 weights (the
    register head's after the model's). The same weights always give the same bytes (no
    timestamps), so a build is checkable by hash."""
    bits, scale, quantised = _quantise(weights)
    header: dict[str, Any] = {"format": 1, "bits": bits, "scale": scale, "bias": float(bias),
                              "threshold": float(threshold)}
    raw = quantised.tobytes()
    if register is not None:
        register_bits, register_scale, register_quantised = _quantise(register.weights)
        if register_bits > bits:
            raise ValueError("the register head cannot have more buckets than the model")
        header.update({"format": 2, "register_bits": register_bits, "register_scale": register_scale,
                       "register_bias": float(register.bias)})
        if register.boundaries:
            header["register_boundaries"] = True
        if register.join != FIXED_JOIN:
            header["lexicon_join"] = register.join.as_header()
        raw += register_quantised.tobytes()
    payload = zlib.compress(raw, 9)
    header.update({"payload_sha256": hashlib.sha256(payload).hexdigest(), "payload_bytes": len(payload),
                   **info})
    raw = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return MAGIC + struct.pack("<I", len(raw)) + raw + payload


def _quantise(weights: np.ndarray) -> tuple[int, float, np.ndarray]:
    """(log2 of the length, scale, int8 weights) of a power-of-two-long weight vector."""
    weights = np.asarray(weights, dtype=np.float64)
    bits = int(round(math.log2(len(weights))))
    if 1 << bits != len(weights):
        raise ValueError("weights must have a power-of-two length")
    scale = float(np.abs(weights).max()) / 127 or 1.0
    return bits, scale, np.clip(np.rint(weights / scale), -127, 127).astype(np.int8)


def decode_model(data: bytes, where: str) -> ToneModel:
    """The model in ``data``; ModelError naming ``where`` when the file is not one or is damaged."""
    def broken(why: str) -> ModelError:
        return ModelError(f"负面倾向模型文件 {where} 无法使用：{why}"
                          "（yuqing tone reset 可恢复自带模型；自带模型损坏请重新安装 yuqing）")

    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise broken("不是 yuqing 的模型文件")
    try:
        header, payload_start = read_header(data)
        bits, scale = int(header["bits"]), float(header["scale"])
        expected = header["payload_sha256"]
        register_bits = int(header.get("register_bits", 0))
        register_scale = float(header.get("register_scale", 1.0))
        register_bias = float(header.get("register_bias", 0.0))
        register_boundaries = bool(header.get("register_boundaries", False))
        join = _join(header.get("lexicon_join"))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise broken("文件头已损坏") from None
    payload = data[payload_start:]
    if hashlib.sha256(payload).hexdigest() != expected:
        raise broken("校验和不符，文件已损坏或被截断")
    if not 10 <= bits <= 24:
        raise broken(f"哈希位数 {bits} 不在 10–24 之间")
    if register_bits and not 1 <= register_bits <= bits:
        raise broken(f"语体判别的哈希位数 {register_bits} 不在 1–{bits} 之间")
    raw = zlib.decompress(payload)
    if len(raw) != (1 << bits) + (1 << register_bits if register_bits else 0):
        raise broken("权重长度与文件头不符")
    every = np.frombuffer(raw, dtype=np.int8).astype(np.float32)
    weights = every[:1 << bits] * np.float32(scale)
    register = None
    if register_bits:
        register = RegisterHead(register_bits, every[1 << bits:] * np.float32(register_scale), register_bias,
                                register_boundaries, join)
    return ToneModel(bits, weights, float(header["bias"]), float(header["threshold"]), model_id(data, header), header,
                     register)


def _join(found: Any) -> LexiconJoin:
    """The lexicon join a file's header describes (FIXED_JOIN when it has none)."""
    if found is None:
        return FIXED_JOIN
    join = LexiconJoin(*(tuple(float(x) for x in found[key]) for key in ("bands", "offsets", "weights", "scales")))
    if not (len(join.bands) == len(join.offsets) == len(join.weights) == len(join.scales) >= 1
            and join.bands[0] == 0
            and list(join.bands) == sorted(join.bands)):
        raise ValueError("lexicon_join")
    return join


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, size: int) -> ToneModel:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ModelError(f"无法读取负面倾向模型文件 {path}：{exc.strerror or exc}") from None
    return decode_model(data, path)


def load_model(path: Path | None = None) -> ToneModel:
    """The model at ``path`` (default: the shipped one), read once per file version."""
    path = path or shipped_model_path()
    try:
        stat = path.stat()
    except OSError as exc:
        raise ModelError(f"无法读取负面倾向模型文件 {path}：{exc.strerror or exc}") from None
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


# -- reading -----------------------------------------------------------------------------

@dataclass(frozen=True)
class JoinInputs:
    """The reader's terms for a batch of texts apart from the two heads (`Negativity.join_inputs`)."""

    texts: list[str]  # the office's exclusions blanked out
    office: np.ndarray  # Σ weights of the office's words found in each text
    forced: np.ndarray  # bool: an office word was found, so the text counts as a title
    verdict: np.ndarray  # 1.0 where the lexicon or the office's words read the text as negative


NO_OFFICE_WORDS = OfficeWords(None)


class Negativity:
    """Scores posts with one model and the office's words; the model is read on first use."""

    def __init__(self, model_path: Path | None = None, office: OfficeWords = NO_OFFICE_WORDS):
        self.model_path = model_path
        self.office = office
        self._model: ToneModel | None = None
        self._finder: tuple[WordFinder, list[float]] | None = None  # see _word_finder
        self._ranks: tuple[np.ndarray, np.ndarray] | None = None  # weight_ranks of self.model

    @property
    def model(self) -> ToneModel:
        if self._model is None:
            self._model = load_model(self.model_path)
        return self._model

    @property
    def threshold(self) -> float:
        return self.office.score_threshold or self.model.threshold

    def read(self, text: str) -> ToneReading:
        return self.read_many([text])[0]

    def read_many(self, texts: Sequence[str], *, explain: bool | Sequence[bool] = True) -> list[ToneReading]:
        """Score the texts. The negative ones get their reasons when ``explain`` is true, or
        where it is true when it is one flag per text: grouping explains only the posts of
        events, since explaining every negative post of a big backlog doubles the time."""
        model = self.model
        texts = [self._blank_exclusions(t or "") for t in texts]
        register = model.register
        sums, counts, register_sums = weight_sums(texts, model.weights, model.bits,
                                                  None if register is None else register.weights,
                                                  boundaries=register is not None and register.boundaries)
        scale = 1.0 / np.sqrt(np.maximum(counts, 1))
        own = sums * scale + model.bias  # the model's own logit
        logits = own.copy()
        share = title_share(register_sums * scale + register.bias) if register else np.ones(len(texts))
        office_hits = self._office_hits(texts)
        logits += self._office_logits(office_hits, len(texts))
        share[list(office_hits)] = 1.0  # the office's words count in every register
        lexicon_hits = _lexicon_verdicts(texts, np.flatnonzero(share).tolist())
        verdict = np.zeros(len(texts))
        verdict[[*{*lexicon_hits, *office_hits}]] = 1.0  # the office's words extend the lexicon
        logits += (register.join if register else FIXED_JOIN).push(share, verdict, own)
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
        negative = scores >= self.threshold
        wanted = negative if isinstance(explain, bool) else negative & np.asarray(explain, dtype=bool)
        which = np.flatnonzero(wanted).tolist() if explain is not False else []
        unread = [i for i in which if share[i] == 0]  # comments: the lexicon was not run on them
        words = _words_first(office_hits, {**lexicon_hits, **_lexicon_verdicts(texts, unread)})
        explained = self._reasons(texts, which, words)
        return [ToneReading(score, bool(flag), explained.get(i, ()), model.id)
                for i, (score, flag) in enumerate(zip(scores.tolist(), negative.tolist(), strict=True))]

    def join_inputs(self, texts: Sequence[str]) -> JoinInputs:
        """What joins the model's logit for each text besides the register (steps 1, 4 and 5
        above), with the lexicon run on every text: for training on the reader's whole logit
        (`yuqing.text.tonetrain.adapt_model`)."""
        texts = [self._blank_exclusions(t or "") for t in texts]
        office_hits = self._office_hits(texts)
        verdict = np.zeros(len(texts))
        verdict[[*{*_lexicon_verdicts(texts, range(len(texts))), *office_hits}]] = 1.0
        forced = np.zeros(len(texts), dtype=bool)
        forced[list(office_hits)] = True
        return JoinInputs(texts, self._office_logits(office_hits, len(texts)), forced, verdict)

    def explain(self, text: str) -> tuple[str, ...]:
        """The reasons for one text whatever its score (what pushed it up most)."""
        return self.explain_many([text])[0]

    def explain_many(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        texts = [self._blank_exclusions(t or "") for t in texts]
        words = _words_first(self._office_hits(texts), _lexicon_verdicts(texts, range(len(texts))))
        found = self._reasons(texts, list(range(len(texts))), words)
        return [found[i] for i in range(len(texts))]

    def _reasons(self, texts: Sequence[str], which: list[int],
                 words_first: dict[int, list[str]]) -> dict[int, tuple[str, ...]]:
        """The reasons of the texts at the indexes ``which``: words (see `_reasons`); a text
        where no word pushed its score up gets its top n-grams instead, ranked for all such
        texts in one batch."""
        if not which:
            return {}  # nothing to explain: the word list is not even read
        finder, push = self._word_finder()
        read = {i: texts[i][:MAX_CHARS] for i in which}
        find = finder.for_batch(sum(map(len, read.values())))
        found = {i: _reasons(texts[i], [(push[k], lo, hi) for k, lo, hi in find(read[i])], words_first.get(i, []))
                 for i in which}
        bare = [i for i in which if not found[i]]
        if bare:
            model = self.model
            top = top_grams([texts[i] for i in bare], model.weights, model.bits, TOP_GRAMS, self._ranked())
            found.update((i, _reasons(texts[i], grams, [])) for i, grams in zip(bare, top, strict=True))
        return found

    def _ranked(self) -> tuple[np.ndarray, np.ndarray]:
        if self._ranks is None:
            self._ranks = weight_ranks(self.model.weights)
        return self._ranks

    def _word_finder(self) -> tuple[WordFinder, list[float]]:
        """The `reason_words` that push a score up under this model — how much: the weights
        of the n-grams inside each — and a finder of them."""
        if self._finder is None:
            listed = reason_words()
            pushes = weight_sums(list(listed), self.model.weights, self.model.bits)[0]
            up = np.flatnonzero(pushes > 0).tolist()
            self._finder = WordFinder([listed[k] for k in up]), pushes[up].tolist()
        return self._finder

    def _blank_exclusions(self, text: str) -> str:
        for phrase in self.office.exclusions:
            if phrase in text:
                text = text.replace(phrase, " " * len(phrase))
        return text

    def _office_logits(self, office_hits: dict[int, list[str]], count: int) -> np.ndarray:
        added = np.zeros(count)
        for i, hits in office_hits.items():
            added[i] = sum(self.office.lexicon.weight(h) for h in hits)
        return added

    def _office_hits(self, texts: Sequence[str]) -> dict[int, list[str]]:
        lexicon = self.office.lexicon
        if lexicon is None:
            return {}
        found = {}
        for i, text in enumerate(texts):
            hits = tone.negative_hits(text, lexicon)
            if hits:
                found[i] = hits
        return found


def title_share(register_logits: np.ndarray, *, shift: float = REGISTER_SHIFT,
                floor: float = REGISTER_FLOOR) -> np.ndarray:
    """How far each text is a title: sigmoid(register logit + REGISTER_SHIFT), 0 below
    REGISTER_FLOOR (those are read by the model alone). The bench scripts try other
    shifts and floors."""
    share = 1.0 / (1.0 + np.exp(-np.clip(register_logits + shift, -30, 30)))
    share[share < floor] = 0.0
    return share


def _lexicon_verdicts(texts: Sequence[str], which: Iterable[int]) -> dict[int, list[str]]:
    """The built-in lexicon's hits of the texts at the indexes ``which`` that it reads as
    negative, by index."""
    found = {}
    for i in which:
        hits, score = tone.analyse(texts[i])
        if hits and score >= tone.DEFAULT_LEXICON.threshold:
            found[i] = hits
    return found


def _words_first(office_hits: dict[int, list[str]], lexicon_hits: dict[int, list[str]]) -> dict[int, list[str]]:
    """The words each text's reasons start with: the office's, then the lexicon's."""
    return {i: office_hits.get(i, []) + lexicon_hits.get(i, []) for i in {*office_hits, *lexicon_hits}}


def _reasons(text: str, candidates: list[tuple[float, int, int]], words_first: list[str]) -> tuple[str, ...]:
    """Up to MAX_REASONS phrases: the office's and the lexicon's words that made the
    verdict, then the candidates — (push, start, end) of the text's words, or of its top
    n-grams — by how much they pushed the score, none overlapping another."""
    found = list(dict.fromkeys(words_first))
    if len(found) >= MAX_REASONS:
        return tuple(found[:MAX_REASONS])
    # Where the lexicon's words stand is taken too: no 「人死」 out of 「3人死亡」 after 死亡.
    taken = [(at, at + len(word)) for word in found for at in _places(text, word)]
    for push, lo, hi in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if push <= 0 or len(found) >= MAX_REASONS:
            break
        phrase = text[lo:hi]
        if not _WORDLIKE.fullmatch(phrase) or any(lo < b and hi > a for a, b in taken):
            continue
        taken.append((lo, hi))
        if not any(phrase in f or f in phrase for f in found):
            found.append(phrase)
    return tuple(found[:MAX_REASONS])


def _places(text: str, word: str) -> list[int]:
    """Where ``word`` starts in ``text`` (a negated hit such as 「不满意」 may stand nowhere)."""
    places, at = [], text.find(word)
    while at >= 0 and word:
        places.append(at)
        at = text.find(word, at + len(word))
    return places


_WORDLIKE = re.compile(r"[\u3400-\u9fff]+")  # Chinese characters only: no punctuation or digits
