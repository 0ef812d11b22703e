"""Training the negativity model: the shipped build and the office's own retraining.

Two ways in:

``fit_model`` (scikit-learn, the ``train`` extra) trains a logistic regression from scratch
on labelled texts; ``bench/build_tone_model.py`` uses it to build the shipped model from the
corpora named in docs/model.md.

``adapt_model`` (numpy only) is what `yuqing tone train` runs: the training corpora are not
shipped (their licence is research use), so the office's labelled posts move the shipped
weights instead. It minimises C·Σ log-loss of the reader's logit over the office's posts (the
two classes weighing the same) + ½‖θ − θ_shipped‖², θ both heads' weights and biases: the
shipped build's objective with the shipped weights as the prior. The reader's logit is
scoring's (`yuqing.text.negativity`): the model's, the lexicon's push as far as a text reads
as a title, the office's words. So the labels correct what the reader got wrong, and where
that was the register (a comment taken for a headline) the register head moves too. What
the labels say moves the n-grams they contain; everything else stays as shipped.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from yuqing.text.negativity import (
    FIXED_JOIN,
    NO_OFFICE_WORDS,
    LexiconJoin,
    Negativity,
    RegisterHead,
    ToneModel,
    encode_model,
    title_share,
)
from yuqing.text.ngrams import boundary_buckets, ngrams
from yuqing.text.tone import OfficeWords

C = 4.0  # inverse regularisation strength of the shipped build and of adaptation


@dataclass(frozen=True)
class Sparse:
    """Features of a batch as (text, bucket, value) triples: value = 1 / √(the text's n-grams)."""

    owners: np.ndarray
    buckets: np.ndarray
    values: np.ndarray
    rows: int


def features(texts: Sequence[str], bits: int, *, boundaries: bool = False) -> Sparse:
    """The n-grams of the texts; with ``boundaries`` also the marks of each text's start and
    end, valued like its n-grams (`yuqing.text.ngrams.weight_sums`)."""
    batch = ngrams(texts, bits)
    scale = 1.0 / np.sqrt(np.maximum(batch.counts, 1))
    owners, buckets = batch.owners, batch.buckets
    if boundaries:
        marks, marked = boundary_buckets(texts, bits)
        owners, buckets = np.concatenate([owners, marks]), np.concatenate([buckets, marked])
    return Sparse(owners, buckets, scale[owners], len(texts))


def sparse_matrix(texts: Sequence[str], bits: int, *, boundaries: bool = False):
    """The features of the texts as a scipy CSR matrix (texts × 2**bits)."""
    import scipy.sparse as sp

    f = features(texts, bits, boundaries=boundaries)
    matrix = sp.csr_matrix((f.values, (f.owners, f.buckets)), shape=(f.rows, 1 << bits))
    matrix.sum_duplicates()
    return matrix


def nb_ratios(matrix, labels: Sequence[bool], alpha: float = 1.0) -> np.ndarray:
    """Log-count ratios of the buckets (Wang & Manning 2012): how much more often a bucket
    occurs in negative texts than in the others, smoothed by ``alpha``."""
    y = np.asarray(labels, dtype=bool)
    p = alpha + np.asarray(matrix[y].sum(axis=0)).ravel()
    q = alpha + np.asarray(matrix[~y].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def fit_model(texts: Sequence[str], labels: Sequence[bool], *, bits: int = 18,
              sample_weight: Sequence[float] | None = None, c: float = C, boundaries: bool = False,
              nb: float = 0.0) -> tuple[np.ndarray, float]:
    """(n-gram weights, bias) of a logistic regression (liblinear: deterministic for the
    same rows in the same order). With ``nb`` > 0 each bucket's feature is first scaled by
    its log-count ratio (`nb_ratios`, smoothed by ``nb``; Wang & Manning's NB-SVM with a
    logistic loss) and the ratio is folded into the weight it gets, so scoring stays one
    weight per bucket."""
    matrix = sparse_matrix(texts, bits, boundaries=boundaries)
    if not nb:
        return _fit(matrix, labels, sample_weight, c)
    import scipy.sparse as sp

    ratios = nb_ratios(matrix, labels, nb)
    coef, bias = _fit(matrix @ sp.diags(ratios), labels, sample_weight, c)
    return coef * ratios, bias


def join_columns(share: np.ndarray, verdict: np.ndarray, bands: Sequence[float],
                 logits: np.ndarray | None = None) -> np.ndarray:
    """The lexicon join as features (`LexiconJoin`): per band of the title share, π and
    π·verdict (and π·model logit when ``logits`` is given) where the text's π falls in the
    band, else 0."""
    share = np.asarray(share, dtype=np.float64)
    edges = (*bands, np.inf)
    columns = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        inside = np.where((share >= lo) & (share < hi), share, 0.0)
        columns += [inside, inside * np.asarray(verdict, dtype=np.float64)]
        if logits is not None:
            columns.append(inside * logits)
    return np.column_stack(columns)


def fit_join(logits: np.ndarray, labels: Sequence[bool], *, share: np.ndarray, verdict: np.ndarray,
             bands: Sequence[float], sample_weight: Sequence[float], rescale: bool = True,
             l2: float = 1.0) -> LexiconJoin:
    """The lexicon join learned on top of the model: a logistic regression with the model's
    logit as a fixed offset and the join's columns as features (`join_columns`), fitted by
    Newton's method. ``logits`` must come from models that did not see the rows (cross-
    fitting): on its own training rows the model has learned the titles by heart and the
    fit would find no use for the lexicon."""
    x = join_columns(share, verdict, bands, logits if rescale else None)
    y = np.asarray(labels, dtype=np.float64)
    weight = np.asarray(sample_weight, dtype=np.float64)
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(logits + x @ beta, -30, 30)))
        gradient = x.T @ (weight * (p - y)) + l2 * beta
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + l2 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    per_band = 3 if rescale else 2
    return LexiconJoin(tuple(float(b) for b in bands), tuple(beta[0::per_band].tolist()),
                       tuple(beta[1::per_band].tolist()),
                       tuple(beta[2::per_band].tolist()) if rescale else (0.0,) * len(bands))


def _fit(matrix, labels: Sequence[bool], sample_weight: Sequence[float] | None, c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(C=c, solver="liblinear", max_iter=2000)
    classifier.fit(matrix, np.asarray(labels, dtype=bool), sample_weight=sample_weight)
    return classifier.coef_.ravel().copy(), float(classifier.intercept_[0])


def fit_register(titles: Sequence[str], others: Sequence[str], *, bits: int = 16,
                 c: float = C, boundaries: bool = False) -> RegisterHead:
    """The register head: a logistic regression telling titles (news headlines, thread
    titles) from comments and reviews, the two classes weighing the same in total; with
    ``boundaries`` it also reads the marks of each text's start and end."""
    weight = len(others) / max(len(titles), 1)
    coef, bias = fit_model([*titles, *others], [True] * len(titles) + [False] * len(others), bits=bits,
                           sample_weight=[weight] * len(titles) + [1.0] * len(others), c=c,
                           boundaries=boundaries)
    return RegisterHead(bits, coef.astype(np.float32), bias, boundaries)


@dataclass(frozen=True)
class Adapted:
    """The office's model: the tone weights and, when the model has one, the register head."""

    weights: np.ndarray
    bias: float
    register: RegisterHead | None


def adapt_model(model: ToneModel, texts: Sequence[str], labels: Sequence[bool], *,
                office: OfficeWords = NO_OFFICE_WORDS, c: float = C, steps: int = 300) -> Adapted:
    """Both heads moved towards the labelled texts (see the module docstring), fitted on the
    reader's whole logit: the model's, the lexicon's push as far as a text reads as a title,
    the office's words. Full-batch Adam over the buckets the texts touch; deterministic."""
    joined = Negativity(None, office).join_inputs(texts)
    tone = _Table(features(joined.texts, model.bits), model.weights, model.bias)
    register = model.register
    title = None if register is None else _Table(
        features(joined.texts, register.bits, boundaries=register.boundaries), register.weights, register.bias)
    join = register.join if register is not None else FIXED_JOIN
    prior = np.concatenate([tone.prior] + ([title.prior] if title else []))
    theta = prior.copy()
    y = np.asarray(labels, dtype=np.float64)
    # Each class weighs half: an office labels mostly calm posts, and unweighted they would
    # drag every score down (measured on news titles: F1 0.41 -> 0.24 instead of 0.49).
    positives = max(y.sum(), 1.0)
    balance = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * max(len(y) - positives, 1.0)))
    moment, velocity = np.zeros_like(theta), np.zeros_like(theta)
    rate = 0.05
    for step in range(1, steps + 1):
        own = tone.logits(theta[:tone.size])
        if title is None:
            share, slope = np.ones(len(y)), np.zeros(len(y))
        else:
            share, slope = _share_and_slope(title.logits(theta[tone.size:]), joined.forced)
        offset, weight, scale = join.terms(share)
        lexicon = offset + weight * joined.verdict + scale * own  # LexiconJoin.push without the share
        logits = own + share * lexicon + joined.office
        p = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
        residual = c * balance * (p - y)
        grad = theta - prior
        grad[:tone.size] += tone.gradient(residual * (1.0 + share * scale))
        if title is not None:
            grad[tone.size:] += title.gradient(residual * slope * lexicon)
        moment = 0.9 * moment + 0.1 * grad
        velocity = 0.999 * velocity + 0.001 * grad * grad
        theta -= rate * (moment / (1 - 0.9 ** step)) / (np.sqrt(velocity / (1 - 0.999 ** step)) + 1e-8)
    weights, bias = tone.moved(theta[:tone.size])
    if title is not None:
        register_weights, register_bias = title.moved(theta[tone.size:])
        register = replace(register, weights=register_weights.astype(np.float32), bias=register_bias)
    return Adapted(weights, bias, register)


class _Table:
    """One head's weights over the buckets a batch touches, and its bias, as a vector."""

    def __init__(self, batch: Sparse, weights: np.ndarray, bias: float):
        self.batch = batch
        self.touched, self.local = np.unique(batch.buckets, return_inverse=True)
        self.all = weights
        self.prior = np.concatenate([weights[self.touched].astype(np.float64), [bias]])
        self.size = len(self.prior)

    def logits(self, theta: np.ndarray) -> np.ndarray:
        b = self.batch
        return np.bincount(b.owners, weights=theta[:-1][self.local] * b.values, minlength=b.rows) + theta[-1]

    def gradient(self, residual: np.ndarray) -> np.ndarray:
        b = self.batch
        return np.concatenate([np.bincount(self.local, weights=residual[b.owners] * b.values,
                                           minlength=self.size - 1), [residual.sum()]])

    def moved(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        weights = self.all.astype(np.float64)
        weights[self.touched] = theta[:-1]
        return weights, float(theta[-1])


def _share_and_slope(register_logits: np.ndarray, forced: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The title share as the reader takes it (`negativity.title_share`; 1 where the office's
    words force it) and its derivative by the register logit (0 where it is floored or forced)."""
    share = title_share(register_logits)
    slope = np.where(share > 0, share * (1.0 - share), 0.0)
    share[forced], slope[forced] = 1.0, 0.0
    return share, slope


def model_bytes(weights: np.ndarray, bias: float, threshold: float, info: dict[str, Any],
                register: RegisterHead | None = None) -> bytes:
    return encode_model(weights, bias, threshold, info, register)


def split_held_out(keys: Sequence[str], share: int = 4) -> list[bool]:
    """True for the keys held out for scoring: crc32 of the key modulo ``share`` is 0."""
    return [zlib.crc32(key.encode("utf-8")) % share == 0 for key in keys]


def shuffled(items: list[Any], seed: int = 14) -> list[Any]:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


def f1(predicted: Sequence[bool], gold: Sequence[bool]) -> tuple[float, float, float]:
    """(precision, recall, F1) of the negative class."""
    tp = sum(1 for p, g in zip(predicted, gold, strict=True) if p and g)
    fp = sum(1 for p, g in zip(predicted, gold, strict=True) if p and not g)
    fn = sum(1 for p, g in zip(predicted, gold, strict=True) if g and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)
