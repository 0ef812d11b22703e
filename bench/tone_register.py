"""What the shipped reader would score if it knew each text's register instead of guessing it:

    python bench/tone_register.py

For every held-out set of bench/tone_eval.py, F1 of the shipped reader with the title share
π guessed by its register head (as it ships), fixed at 0 (read as a comment: the model
alone, no lexicon) and fixed at 1 (read as a title: the lexicon joins at full weight); then
the comments' F1 read as comments at a few thresholds around the shipped one (to show how
flat it is there, never to choose one on these rows). It answers one question: how much of
the gap to the weibo target is the register head's, and what forcing a register costs where
it is wrong.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tone_eval  # noqa: E402

import yuqing.text.negativity as negativity  # noqa: E402

GUESSED = negativity.title_share
REGISTERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "guessed (shipped)": GUESSED,
    "comment (π = 0)": lambda logits: np.zeros(len(logits)),
    "title (π = 1)": lambda logits: np.ones(len(logits)),
}


def f1_by_register(reader: negativity.Negativity, rows: list[tuple[bool, str]]) -> list[float]:
    texts, gold = [t for _, t in rows], [g for g, _ in rows]
    found = []
    try:
        for share in REGISTERS.values():
            negativity.title_share = share
            found.append(tone_eval.scores([r.negative for r in reader.read_many(texts, explain=False)], gold)[2])
    finally:
        negativity.title_share = GUESSED
    return found


def main() -> int:
    reader = negativity.Negativity()
    sets = tone_eval.held_out_sets(tone_eval.DEFAULT_CORPORA.parent)
    print(f"F1 of the shipped reader ({reader.model.id}) by register, threshold {reader.threshold}")
    print(f"{'held-out set':34s}{'rows':>6s}" + "".join(f"{name:>20s}" for name in REGISTERS))
    for label, rows in sets:
        print(f"{label:34s}{len(rows):6d}" + "".join(f"{f:20.3f}" for f in f1_by_register(reader, rows)))
    print("\nread as comments (π = 0), by threshold:")
    negativity.title_share = REGISTERS["comment (π = 0)"]
    try:
        for label, rows in sets[:3]:
            scores = [r.score for r in reader.read_many([t for _, t in rows], explain=False)]
            gold = [g for g, _ in rows]
            cells = (f"{t:.2f}: {tone_eval.scores([s >= t for s in scores], gold)[2]:.3f}"
                     for t in (0.4, 0.45, 0.5, 0.55, 0.6))
            print(f"  {label:32s}" + "   ".join(cells))
    finally:
        negativity.title_share = GUESSED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
