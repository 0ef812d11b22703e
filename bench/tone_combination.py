"""Choose how the built-in lexicon's verdict joins the model's logit (LEXICON_WEIGHT,
LEXICON_OFFSET, REGISTER_SHIFT and REGISTER_FLOOR in yuqing/text/negativity.py) on a
validation split of the TRAINING rows:

    python bench/tone_combination.py

Three folds over the TRAINING rows (by crc32 of "val:" + text): fold k holds out the trained
news titles with crc % 3 == k and the trained rows of each comment and review set
(weibo_events, hotel, takeaway) with crc % 10 == k; both heads are refit on the rest
(bench/build_tone_model.py's rows and weights; the register head without the held-out
titles and comments). So every trained news title is scored once, by heads that did not
see it (320 titles, 48 negative), and three tenths of the comments. Then
logit' = model logit + π·(c + w·[lexicon says negative]), with the title share
π = sigmoid(register logit + s), set to 0 below f, is scored on the validation rows for a
grid of (s, f, w, c). The rule with the best mean of the news F1 and the mean F1 of the three
comment sets wins; on a tie, the larger floor f (fewer texts need the lexicon scan). The
held-out sets of bench/tone_eval.py are not read.
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import build_tone_model  # noqa: E402
import tone_eval  # noqa: E402

from yuqing.text import tone  # noqa: E402

FOLDS = build_tone_model.FOLDS
SHIFTS = (0, 1, 2, 3, 4, 5)
FLOORS = (0, 0.05, 0.1, 0.2, 0.3)
WEIGHTS = (0, 1, 2, 3, 4, 5, 6)
OFFSETS = (0, -1, -1.5, -2, -2.5, -3)
SETS = build_tone_model.VALIDATION_SETS


def _f1(predicted: np.ndarray, gold: np.ndarray) -> float:
    return tone_eval.scores(predicted.tolist(), gold.tolist())[2]


def fold_logits(corpora: Path, fold: int, rows: tuple, sets: dict[str, set[str]]) -> tuple[list, ...]:
    """(texts, gold, set names, model logits, register logits) of fold ``fold``'s held-out
    rows, read by both heads refit without them (the shipped model's features)."""
    texts, gold, where, _, model, register = build_tone_model.fold_logits(corpora, fold, rows, sets)
    return texts, gold, where, model, register


def main() -> int:
    corpora = ROOT.parent / "shared" / "corpora"
    rows = build_tone_model.training_rows(corpora)
    sets = build_tone_model.validation_sets(corpora)
    parts = [fold_logits(corpora, fold, rows, sets) for fold in range(FOLDS)]
    held_texts = [t for part in parts for t in part[0]]
    gold = np.array([g for part in parts for g in part[1]])
    group = np.array([w for part in parts for w in part[2]])
    model_logit = np.array([x for part in parts for x in part[3]])
    register_logit = np.array([x for part in parts for x in part[4]])
    lexicon = np.array([tone.is_negative(t) for t in held_texts], dtype=float)

    def f1s(logit: np.ndarray) -> list[float]:
        return [_f1(logit[group == name] >= 0, gold[group == name]) for name in SETS]

    print("验证集：" + "，".join(f"{name} {(group == name).sum()} 条（负面 {gold[group == name].sum()}）"
                              for name in SETS))
    print("只用模型：" + " ".join(f"{f:.3f}" for f in f1s(model_logit)) +
          "；只用旧词典：" + " ".join(f"{f:.3f}" for f in f1s(np.where(lexicon > 0, 1.0, -1.0))) +
          "；旧规则 w=4 c=−2 全部文本：" + " ".join(f"{f:.3f}" for f in f1s(model_logit + 4 * lexicon - 2)))
    results = []
    for shift, floor, w, c in itertools.product(SHIFTS, FLOORS, WEIGHTS, OFFSETS):
        share = 1.0 / (1.0 + np.exp(-(register_logit + shift)))
        share[share < floor] = 0.0
        scores = f1s(model_logit + share * (c + w * lexicon))
        mean = (scores[0] + sum(scores[1:]) / 3) / 2
        lexicon_share = float((share > 0)[group != "news"].mean())
        results.append((round(mean, 4), floor, shift, w, c, scores, lexicon_share))
    results.sort(key=lambda r: (-r[0], -r[1], r[2], r[3], r[4]))
    print(f"{'s':>4}{'f':>6}{'w':>4}{'c':>6}  " + "".join(f"{name:>14}" for name in SETS) + f"{'平均':>8}  评论中要扫词典")
    for mean, floor, shift, w, c, scores, lexicon_share in results[:10]:
        print(f"{shift:>4}{floor:>6}{w:>4}{c:>6}  " + "".join(f"{f:>14.3f}" for f in scores) +
              f"{mean:>8.3f}  {lexicon_share:.0%}")
    print(f"负载：{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
