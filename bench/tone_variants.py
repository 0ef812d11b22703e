"""Compare variants of the negativity model's base learner and of how the built-in lexicon
joins it, by three-fold cross-validation over the TRAINING rows only:

    python bench/tone_variants.py                  # every variant, cross-validated
    python bench/tone_variants.py base nb          # some of them
    python bench/tone_variants.py --held-out base  # and, after choosing, the held-out sets

The folds are bench/build_tone_model.py's (`validation_set`): fold k holds out the trained
news titles with crc32("val:" + text) % 3 == k and the trained comments and reviews with
% 10 == k; the model and the register head are refit without them. For each base variant
(VARIANTS: C, buckets, NB-SVM log-count-ratio scaling, row weights) the table gives the F1 of
the model alone and of the reader for each way of joining the lexicon (JOINS): the fixed join
that ships (LEXICON_OFFSET, LEXICON_WEIGHT by title share), or a join learned by
`yuqing.text.tonetrain.fit_join` — for fold k on the other folds' validation rows, whose
logits and title shares come from heads that did not see them. News F1 rests on 320 titles
(48 negative): a difference of 0.03 there is two or three titles.

``--held-out`` then trains each variant on every training row and scores the held-out sets of
bench/tone_eval.py (float weights, so within a few flips of the built file). Use it to report
a variant already chosen, never to choose one.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import build_tone_model  # noqa: E402
import tone_eval  # noqa: E402

from yuqing.text import tone  # noqa: E402
from yuqing.text.negativity import FIXED_JOIN, LexiconJoin, title_share  # noqa: E402
from yuqing.text.ngrams import weight_sums  # noqa: E402
from yuqing.text.tonetrain import f1, fit_join, fit_model  # noqa: E402

SETS = build_tone_model.VALIDATION_SETS
FOLDS = build_tone_model.FOLDS


@dataclass(frozen=True)
class Variant:
    c: float = 4.0
    bits: int = build_tone_model.BITS
    nb: float = 0.0  # NB log-count-ratio scaling, smoothed by alpha; 0 = none
    weibo_weight: float = build_tone_model.WEIBO_WEIGHT
    news_weight: float = build_tone_model.NEWS_WEIGHT


VARIANTS = {
    "base": Variant(),
    "c2": Variant(c=2.0),
    "c8": Variant(c=8.0),
    "b20": Variant(bits=20),
    "nb": Variant(nb=1.0),
    "nb-c2": Variant(nb=1.0, c=2.0),
    "ww5": Variant(weibo_weight=5.0),
    "n24": Variant(news_weight=24.0),
}

JOINS = {  # name: (bands of the title share, rescale the model's logit too, fixed join above this share)
    "fixed": None,
    "1": ((0.0,), False, None),
    "1s": ((0.0,), True, None),
    "3": ((0.0, 0.7, 0.95), False, None),
    "3s": ((0.0, 0.7, 0.95), True, None),
    "2s": ((0.0, 0.9), True, None),
    "<0.8+fixed": ((0.0, 0.8), False, 0.8),
    "<0.95+fixed": ((0.0, 0.95), False, 0.95),
}


def weights_of(rows: tuple, variant: Variant) -> np.ndarray:
    weights = np.asarray(rows[2], dtype=float)
    weights = np.where(weights == build_tone_model.WEIBO_WEIGHT, variant.weibo_weight, weights)
    return np.where(weights == build_tone_model.NEWS_WEIGHT, variant.news_weight, weights)


def logits_of(texts: list[str], coef: np.ndarray, bias: float, bits: int) -> np.ndarray:
    sums, counts, _ = weight_sums(texts, coef.astype(np.float32), bits)
    return sums / np.sqrt(np.maximum(counts, 1)) + bias


@dataclass
class Validation:
    """The validation rows of every fold, read by heads that did not see them."""

    texts: list[str]
    gold: np.ndarray
    group: np.ndarray
    fold: np.ndarray
    weight: np.ndarray
    logit: np.ndarray
    share: np.ndarray
    lexicon: np.ndarray


def cross_validate(corpora: Path, rows: tuple, variant: Variant, registers: dict) -> Validation:
    texts, labels = rows[0], np.asarray(rows[1], dtype=bool)
    weights = weights_of(rows, variant)
    sets = build_tone_model.validation_sets(corpora)
    parts = []
    for k in range(FOLDS):
        where = [build_tone_model.validation_set(t, sets, k) for t in texts]
        val = [i for i, w in enumerate(where) if w]
        rest = [i for i, w in enumerate(where) if not w]
        coef, bias = fit_model([texts[i] for i in rest], labels[rest].tolist(), bits=variant.bits,
                               sample_weight=weights[rest].tolist(), c=variant.c, nb=variant.nb)
        held = [texts[i] for i in val]
        if k not in registers:  # the register head does not depend on the variant
            head = build_tone_model.register_head(*build_tone_model.register_rows(corpora), set(held))
            sums, counts, register_sums = weight_sums(held, np.zeros(1 << head.bits, np.float32), head.bits,
                                                      head.weights, boundaries=head.boundaries)
            registers[k] = title_share(register_sums / np.sqrt(np.maximum(counts, 1)) + head.bias)
        parts.append((held, labels[val], [where[i] for i in val], [k] * len(val), weights[val],
                      logits_of(held, coef, bias, variant.bits), registers[k]))
    held = [t for part in parts for t in part[0]]
    return Validation(held, *(np.concatenate([np.asarray(part[i]) for part in parts]) for i in range(1, 7)),
                      np.array([tone.is_negative(t) for t in held], dtype=float))


def join_for(v: Validation, join: tuple | None, rows: np.ndarray) -> LexiconJoin:
    """The join named by a JOINS entry, learned on the validation rows ``rows``."""
    if join is None:
        return FIXED_JOIN
    bands, rescale, fixed_above = join
    learned = fit_join(v.logit[rows], v.gold[rows], share=v.share[rows], verdict=v.lexicon[rows], bands=bands,
                       sample_weight=v.weight[rows], rescale=rescale)
    if fixed_above is None:
        return learned
    return LexiconJoin(learned.bands, (*learned.offsets[:-1], FIXED_JOIN.offsets[0]),
                       (*learned.weights[:-1], FIXED_JOIN.weights[0]), (*learned.scales[:-1], 0.0))


def f1s(v: Validation, logit: np.ndarray) -> list[float]:
    return [f1((logit[v.group == s] >= 0).tolist(), v.gold[v.group == s].tolist())[2] for s in SETS]


def reader_f1s(v: Validation, join: tuple | None) -> tuple[list[float], LexiconJoin]:
    z = v.logit.copy()
    for k in range(FOLDS):
        learned = join_for(v, join, v.fold != k)
        mine = v.fold == k
        z[mine] += learned.push(v.share[mine], v.lexicon[mine], v.logit[mine])
    return f1s(v, z), learned


def held_out(corpora: Path, rows: tuple, variant: Variant, v: Validation) -> list[tuple[str, list[float]]]:
    """F1 on bench/tone_eval.py's held-out sets of the variant trained on every training row,
    read alone and with each join (learned on all the validation rows)."""
    coef, bias = fit_model(rows[0], rows[1], bits=variant.bits, sample_weight=weights_of(rows, variant).tolist(),
                           c=variant.c, nb=variant.nb)
    head = build_tone_model.register_head(*build_tone_model.register_rows(corpora))
    sets = [(label, part) for label, part in tone_eval.held_out_sets(corpora) if "训练数据" not in label]
    everyone = np.ones(len(v.gold), dtype=bool)
    found = []
    for label, part in sets:
        texts, gold = [t for _, t in part], [g for g, _ in part]
        sums, counts, register_sums = weight_sums(texts, coef.astype(np.float32), variant.bits, head.weights,
                                                  boundaries=head.boundaries)
        scale = 1.0 / np.sqrt(np.maximum(counts, 1))
        logit = sums * scale + bias
        share = title_share(register_sums * scale + head.bias)
        verdict = np.array([tone.is_negative(t) if s > 0 else False for t, s in zip(texts, share, strict=True)],
                           dtype=float)
        scores = [f1((logit >= 0).tolist(), gold)[2]]
        for join in JOINS.values():
            z = logit + join_for(v, join, everyone).push(share, verdict, logit)
            scores.append(f1((z >= 0).tolist(), gold)[2])
        found.append((label, scores))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="负面倾向模型的变体：训练数据上的三折交叉验证")
    parser.add_argument("variants", nargs="*", choices=[[], *VARIANTS], default=[], metavar="VARIANT",
                        help="、".join(VARIANTS) + "（默认全部）")
    parser.add_argument("--held-out", action="store_true", help="选定之后：在留出集上报告（不可用于挑选）")
    args = parser.parse_args(argv)
    corpora = ROOT.parent / "shared" / "corpora"
    rows = build_tone_model.training_rows(corpora)
    registers: dict = {}
    print(f"{'variant':<22}" + "".join(f"{s:>14}" for s in SETS) + "  join of fold 2 (offset/weight/scale per band)")
    validations = {}
    for name in args.variants or VARIANTS:
        v = validations[name] = cross_validate(corpora, rows, VARIANTS[name], registers)
        print(f"{name + ' alone':<22}" + "".join(f"{f:>14.3f}" for f in f1s(v, v.logit)), flush=True)
        for join_name, join in JOINS.items():
            scores, last = reader_f1s(v, join)
            shown = " ".join(f"{o:.1f}/{w:.1f}/{s:.2f}" for o, w, s in zip(last.offsets, last.weights, last.scales,
                                                                             strict=True))
            print(f"{name + ' ' + join_name:<22}" + "".join(f"{f:>14.3f}" for f in scores) + f"  {shown}", flush=True)
    if args.held_out:
        for name, v in validations.items():
            print(f"\n{name}: held out — alone, " + ", ".join(JOINS))
            for label, scores in held_out(corpora, rows, VARIANTS[name], v):
                print(f"  {tone_eval._pad(label, 36)}" + "".join(f"{f:>8.3f}" for f in scores), flush=True)
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
