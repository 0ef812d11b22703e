"""Choose how the built-in lexicon's verdict joins the model's logit (LEXICON_WEIGHT and
LEXICON_OFFSET in yuqing/text/negativity.py) on a validation split of the TRAINING rows:

    python bench/tone_combination.py

The validation rows are a third of the trained news titles and a tenth of the trained
weibo rows (by crc32 of "val:" + text); the model is refit on the other training rows
(bench/build_tone_model.py's rows and weights), and logit' = model logit + w·[lexicon says
negative] + c is scored on the validation rows for a grid of (w, c). The pair with the best
mean F1 over the two registers wins. The held-out sets of bench/tone_eval.py are not read.
"""

from __future__ import annotations

import os
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import build_tone_model  # noqa: E402
import tone_eval  # noqa: E402

from yuqing.text import tone  # noqa: E402
from yuqing.text.negativity import Negativity, decode_model  # noqa: E402
from yuqing.text.tonetrain import fit_model, model_bytes  # noqa: E402

WEIGHTS = (0, 0.5, 1, 1.5, 2, 3, 4, 5, 6, 8)
OFFSETS = (-4, -3, -2.5, -2, -1.5, -1, -0.5, 0)


def _f1(predicted: np.ndarray, gold: np.ndarray) -> float:
    return tone_eval.scores(predicted.tolist(), gold.tolist())[2]


def main() -> int:
    corpora = ROOT.parent / "shared" / "corpora"
    texts, labels, weights, _ = build_tone_model.training_rows(corpora)
    news = {t for _, t in tone_eval.news_split(corpora)[0]}
    weibo = {t for _, t in tone_eval.train(tone_eval.load_weibo(corpora))}

    def validation(text: str) -> bool:
        crc = zlib.crc32(("val:" + text).encode("utf-8"))
        return crc % 3 == 0 if text in news else text in weibo and crc % 10 == 0

    val = [i for i, t in enumerate(texts) if validation(t)]
    rest = sorted(set(range(len(texts))) - set(val))
    coef, bias = fit_model([texts[i] for i in rest], [labels[i] for i in rest], bits=build_tone_model.BITS,
                           sample_weight=[weights[i] for i in rest])
    reader = Negativity(None)
    reader._model = decode_model(model_bytes(coef, bias, build_tone_model.THRESHOLD, {"kind": "validation"}), "")
    rows = [texts[i] for i in val]
    gold = np.array([labels[i] for i in val])
    is_news = np.array([t in news for t in rows])
    model_logit = np.array([r.score for r in reader.read_many(rows, explain=False)])
    # read_many already adds the shipped combination: take it back out to get the bare model
    lexicon = np.array([tone.is_negative(t) for t in rows], dtype=float)
    from yuqing.text.negativity import LEXICON_OFFSET, LEXICON_WEIGHT
    clipped = np.clip(model_logit, 1e-9, 1 - 1e-9)
    model_logit = np.log(clipped / (1 - clipped)) - LEXICON_OFFSET - LEXICON_WEIGHT * lexicon
    print(f"验证集：新闻标题 {is_news.sum()} 条（负面 {gold[is_news].sum()}），"
          f"微博 {(~is_news).sum()} 条（负面 {gold[~is_news].sum()}）")
    print(f"只用模型：新闻 F1 {_f1(model_logit[is_news] >= 0, gold[is_news]):.3f}，"
          f"微博 F1 {_f1(model_logit[~is_news] >= 0, gold[~is_news]):.3f}；"
          f"只用旧词典：新闻 {_f1(lexicon[is_news] > 0, gold[is_news]):.3f}，"
          f"微博 {_f1(lexicon[~is_news] > 0, gold[~is_news]):.3f}")
    results = []
    for w in WEIGHTS:
        for c in OFFSETS:
            logit = model_logit + w * lexicon + c
            f_news, f_weibo = _f1(logit[is_news] >= 0, gold[is_news]), _f1(logit[~is_news] >= 0, gold[~is_news])
            results.append(((f_news + f_weibo) / 2, w, c, f_news, f_weibo))
    print(f"{'w':>5}{'c':>6}{'新闻 F1':>9}{'微博 F1':>9}{'平均':>8}")
    for mean, w, c, f_news, f_weibo in sorted(results, reverse=True)[:8]:
        print(f"{w:>5}{c:>6}{f_news:>9.3f}{f_weibo:>9.3f}{mean:>8.3f}")
    print(f"负载：{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
