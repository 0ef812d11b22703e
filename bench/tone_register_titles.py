"""Choose the register head's extra titles and shift by three-fold cross-validation:

    python bench/tone_register_titles.py                       # 20,000 titles, shifts -1.5 .. 1
    python bench/tone_register_titles.py --count 5000 --shift 0 1 2 --floor 0.3 0.5

For each count of bench/register_titles.txt.gz's titles (the first COUNT) the register head
is refit without each fold's validation rows (bench/build_tone_model.py's folds, as in
bench/tone_variants.py), and the validation rows are read with the fixed join at each
shift of the title share (sigmoid(head logit + shift), 0 below the floor) — the shift is
what build_tone_model.py's REGISTER_BIAS_OFFSET sets (shift = 5 + offset). Prints
cross-validated F1 per set, tone_combination.py's criterion (mean of the news F1 and of the
comment sets' mean F1) and the share of Weibo comments read as titles. The model's tone
weights do not depend on the register head, so they are fitted once per fold.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import build_register_titles  # noqa: E402
import build_tone_model  # noqa: E402
import tone_variants  # noqa: E402

from yuqing.text.negativity import FIXED_JOIN, title_share  # noqa: E402
from yuqing.text.ngrams import weight_sums  # noqa: E402
from yuqing.text.tonetrain import fit_register  # noqa: E402


def register_logits(v: tone_variants.Validation, titles: list[str], others: list[str], c: float) -> np.ndarray:
    """Each validation row's register logit, from a head fit without its fold's rows."""
    logits = np.zeros(len(v.texts))
    for k in range(build_tone_model.FOLDS):
        mine = v.fold == k
        held = [t for t, m in zip(v.texts, mine, strict=True) if m]
        unseen = set(held)
        head = fit_register([t for t in titles if t not in unseen], [t for t in others if t not in unseen],
                            bits=build_tone_model.REGISTER_BITS, c=c, boundaries=build_tone_model.REGISTER_BOUNDARIES)
        _, counts, sums = weight_sums(held, np.zeros(1 << head.bits, np.float32), head.bits, head.weights,
                                      boundaries=head.boundaries)
        logits[mine] = sums / np.sqrt(np.maximum(counts, 1)) + head.bias
    return logits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="语体判别：额外标题数与偏移的交叉验证")
    parser.add_argument("--count", type=int, nargs="+", default=[build_register_titles.COUNT])
    parser.add_argument("--shift", type=float, nargs="+", default=[-1.5, -1.0, -0.5, 0.0, 0.5, 1.0])
    parser.add_argument("--floor", type=float, nargs="+", default=[0.3])
    parser.add_argument("--c", type=float, default=build_tone_model.REGISTER_C)
    args = parser.parse_args(argv)
    corpora = ROOT.parent / "shared" / "corpora"
    rows = build_tone_model.training_rows(corpora)
    v = tone_variants.cross_validate(corpora, rows, tone_variants.Variant(), {})
    extra = build_register_titles.load_register_titles()
    titles, others = build_tone_model.register_rows(corpora)
    known = set(extra)
    base = [t for t in titles if t not in known]
    weibo = v.group == "weibo_events"
    print(f"{'titles':>8}{'shift':>7}{'floor':>7}" + "".join(f"{s:>14}" for s in tone_variants.SETS)
          + f"{'criterion':>11}{'weibo as titles':>17}")
    for count in args.count:
        logits = register_logits(v, base + extra[:count], others, args.c)
        for shift in args.shift:
            for floor in args.floor:
                found = title_share(logits, shift=shift, floor=floor)
                scores = tone_variants.f1s(v, v.logit + FIXED_JOIN.push(found, v.lexicon, v.logit))
                criterion = (scores[0] + float(np.mean(scores[1:]))) / 2
                print(f"{count:8d}{shift:7.1f}{floor:7.1f}" + "".join(f"{f:14.3f}" for f in scores)
                      + f"{criterion:11.4f}{np.mean(found[weibo] > 0):16.0%}", flush=True)
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
