"""Build the shipped negativity model, yuqing/text/tone_model.bin, from the corpora.

    pip install -e '.[train]'
    python bench/build_tone_model.py            # build, write the model and its hash
    python bench/build_tone_model.py --check    # build and compare with the shipped file

Training rows (docs/model.md lists sizes and licences), in this order:
  * ../shared/corpora/weibo_events: the four fifths not held out (crc32(text) % 5 != 0),
    each weighing WEIBO_WEIGHT rows;
  * ../shared/corpora/reviews ChnSentiCorp_htl_all and waimai_10k: the same four fifths;
  * half of the hand-labelled news titles of bench/tone_eval.py's development set
    (wechat_feeds latest/, crc32 % 2 == 0), each weighing NEWS_WEIGHT rows: the only
    news-register rows there are (the other half is kept for measuring and for the test
    of the office's teaching);
  * the built-in lexicon (yuqing.text.tone) as rows, each weighing LEXICON_WEIGHT: its
    negative words negative, its positive words, frames and exclusions not.
The register head (title or comment?, docs/model.md) learns titles, whatever their tone: the
trained news titles, the development titles left out of the tone sets as ambiguous (wechat
latest/, never scored), the thread titles of the two forum list pages of
../shared/corpora/gne_pages (Discuz!, Tieba), the titles of rodel_reader_feeds (V2EX,
阮一峰, 美团技术团队) and the 20,000 WeChat article titles of bench/register_titles.txt.gz
(bench/build_register_titles.py: other accounts of the feeds the corpora's wechat_feeds
came from); against the trained comment and review rows. The two classes weigh the same;
REGISTER_BIAS_OFFSET moves the head's bias to where cross-validation put the title share.

Held out and never trained on: each corpus's fifth with crc32 % 5 == 0, the other half of
the development titles and the blind news titles (snapshots/ only). bench/tone_eval.py
scores on them.

The same corpora give the same bytes (liblinear is deterministic, OpenBLAS starts with one
thread, the file has no timestamps), so the hash in bench/tone_model.sha256 checks the shipped file
(tests/text/test_negativity.py).
"""

from __future__ import annotations

import os

# The last bits of the weights depend on how many threads OpenBLAS was started with (this
# 2-core machine's default gave other bytes than one thread; limiting threads later does
# not help): one thread, fixed before numpy loads, gives the same bytes on every machine.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import hashlib  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tone_eval  # noqa: E402
from build_register_titles import load_register_titles  # noqa: E402

from yuqing.text import tone  # noqa: E402
from yuqing.text.negativity import LexiconJoin, RegisterHead, shipped_model_path, title_share  # noqa: E402
from yuqing.text.ngrams import weight_sums  # noqa: E402
from yuqing.text.tonetrain import fit_join, fit_model, fit_register, model_bytes  # noqa: E402

BITS = 18
REGISTER_BITS = 16
REGISTER_C = 64.0  # weak regularisation: more titles told from comments in cross-validation (16: fewer)
REGISTER_BOUNDARIES = True  # the register head reads the marks of a text's start and end (docs/model.md)
# With 20,000 more titles the head calls more texts titles at the reader's REGISTER_SHIFT
# (5): this moves its bias so that the share is sigmoid(logit - 0.5), the shift chosen by
# cross-validation (bench/tone_combination.py's criterion; docs/model.md, "More titles").
REGISTER_BIAS_OFFSET = -5.5
NEWS_WEIGHT = 8.0
WEIBO_WEIGHT = 3.0  # the register 舆情 is written in; with 1.0 the reviews drown it
LEXICON_WEIGHT = 2.0
# Tried and not taken (bench/tone_variants.py, docs/model.md): features scaled by their
# log-count ratios (NB-SVM, alpha 1) and the lexicon join learned on the validation folds
# instead of the fixed LEXICON_OFFSET / LEXICON_WEIGHT. Kept as switches so that the
# comparison can be rebuilt: NB_ALPHA = 1.0 and LEARNED_JOIN = (0.0,) build the variant
# "nb 1" of docs/model.md. The shipped file is built with both off.
NB_ALPHA = 0.0
LEARNED_JOIN: tuple[float, ...] | None = None  # the bands of the title share; None: the fixed join
FOLDS = 3
VALIDATION_SETS = ("news", "weibo_events", "hotel", "takeaway")
THRESHOLD = 0.5
HASH_FILE = ROOT / "bench" / "tone_model.sha256"


def training_rows(corpora: Path) -> tuple[list[str], list[bool], list[float], dict[str, int]]:
    texts: list[str] = []
    labels: list[bool] = []
    weights: list[float] = []
    sizes: dict[str, int] = {}
    parts = [("weibo_events", tone_eval.train(tone_eval.load_weibo(corpora)), WEIBO_WEIGHT)]
    for name in tone_eval.CORPORA:
        parts.append((name, tone_eval.train(tone_eval.load(corpora / "reviews", name)), 1.0))
    dev, _, _ = tone_eval.news_split(corpora)
    parts.append(("news_titles_dev_half", dev, NEWS_WEIGHT))
    parts.append(("lexicon", lexicon_rows(), LEXICON_WEIGHT))
    for name, rows, weight in parts:
        sizes[name] = len(rows)
        for gold, text in rows:
            texts.append(text)
            labels.append(gold)
            weights.append(weight)
    return texts, labels, weights, sizes


def register_rows(corpora: Path) -> tuple[list[str], list[str]]:
    """(titles, comments and reviews) the register head learns from: training rows only."""
    import feedparser

    titles = [t for _, t in tone_eval.news_split(corpora)[0]]
    titles += tone_eval.ambiguous_development_titles(corpora)
    titles += forum_titles(corpora / "gne_pages" / "test_list_page")
    for path in sorted((corpora / "rodel_reader_feeds").rglob("*.xml")):
        titles += [e.get("title", "").strip() for e in feedparser.parse(str(path)).entries]
    titles += load_register_titles()
    others = [t for _, t in tone_eval.train(tone_eval.load_weibo(corpora))]
    for name in tone_eval.CORPORA:
        others += [t for _, t in tone_eval.train(tone_eval.load(corpora / "reviews", name))]
    return [t for t in dict.fromkeys(titles) if t], others


def forum_titles(pages: Path) -> list[str]:
    """The thread titles of the saved Discuz! and Tieba list pages."""
    from datetime import UTC, datetime

    from yuqing.sources.forums import parse_forum_page

    titles = []
    for preset, name in (("discuz", "netease_forum"), ("tieba", "tieba")):
        html = (pages / name / "1.html").read_text(encoding="utf-8")
        page = parse_forum_page(html, base_url="http://forum.invalid/", preset=preset,
                                now=datetime(2020, 8, 1, tzinfo=UTC))
        titles += [item.title for item in page.items]
    return titles


def lexicon_rows() -> list[tuple[bool, str]]:
    """The built-in lexicon as labelled rows: its negative words negative, its positive
    words, frames and exclusions not. The model learns what the lexicon knows about news
    words the corpora rarely hold (遇难, 偷排, 拖欠) at no cost when scoring."""
    lexicon = tone.DEFAULT_LEXICON
    rows = [(True, w) for w in lexicon.words if not w.startswith("[")]
    rows += [(False, w) for w in (*lexicon.positive_words, *lexicon.frames, *lexicon.exclusions)
             if not w.startswith("[")]
    return rows


def register_head(titles: list[str], others: list[str], unseen: set[str] | frozenset[str] = frozenset()
                  ) -> RegisterHead:
    """The register head fit on the titles and others not in ``unseen``, its bias moved by
    REGISTER_BIAS_OFFSET."""
    head = fit_register([t for t in titles if t not in unseen], [t for t in others if t not in unseen],
                        bits=REGISTER_BITS, c=REGISTER_C, boundaries=REGISTER_BOUNDARIES)
    return dataclasses.replace(head, bias=head.bias + REGISTER_BIAS_OFFSET)


# -- validation folds over the training rows (the learned join, bench/tone_combination.py,
# bench/tone_variants.py) --------------------------------------------------------------

def validation_sets(corpora: Path) -> dict[str, set[str]]:
    """The training texts of each set; a share of them is validation (`validation_set`)."""
    sets = {"news": {t for _, t in tone_eval.news_split(corpora)[0]},
            "weibo_events": {t for _, t in tone_eval.train(tone_eval.load_weibo(corpora))}}
    for name, label in zip(tone_eval.CORPORA, ("hotel", "takeaway"), strict=True):
        sets[label] = {t for _, t in tone_eval.train(tone_eval.load(corpora / "reviews", name))}
    return sets


def validation_set(text: str, sets: dict[str, set[str]], fold: int) -> str | None:
    """The set a training text validates in fold ``fold`` (None: a training row there): fold
    k holds out the news titles with crc32("val:" + text) % 3 == k and the comments and
    reviews with % 10 == k, so every trained news title and three tenths of each comment
    set are validated once."""
    crc = zlib.crc32(("val:" + text).encode("utf-8"))
    for name in VALIDATION_SETS:
        if text in sets[name]:
            return name if crc % (FOLDS if name == "news" else 10) == fold else None
    return None


def fold_logits(corpora: Path, fold: int, rows: tuple, sets: dict[str, set[str]], *,
                nb: float = NB_ALPHA) -> tuple[list, ...]:
    """(texts, gold, set names, row weights, model logits, register logits) of fold
    ``fold``'s validation rows, read by both heads refit without them."""
    texts, labels, weights, _ = rows
    where = [validation_set(t, sets, fold) for t in texts]
    val = [i for i, w in enumerate(where) if w]
    rest = [i for i, w in enumerate(where) if not w]
    coef, bias = fit_model([texts[i] for i in rest], [labels[i] for i in rest], bits=BITS,
                           sample_weight=[weights[i] for i in rest], nb=nb)
    titles, others = register_rows(corpora)
    register = register_head(titles, others, {texts[i] for i in val})
    held_texts = [texts[i] for i in val]
    sums, counts, register_sums = weight_sums(held_texts, coef.astype(np.float32), BITS,
                                              register.weights, boundaries=register.boundaries)
    scale = 1.0 / np.sqrt(np.maximum(counts, 1))
    return (held_texts, [labels[i] for i in val], [where[i] for i in val], [weights[i] for i in val],
            (sums * scale + bias).tolist(), (register_sums * scale + register.bias).tolist())


def learned_join(corpora: Path, rows: tuple, bands: tuple[float, ...]) -> LexiconJoin:
    """How the lexicon joins (`LexiconJoin`), learned on the validation rows of the three
    folds (every trained news title and three tenths of the comments and reviews, with their
    training row weights) from the logits and title shares of heads that did not see them."""
    sets = validation_sets(corpora)
    parts = [fold_logits(corpora, fold, rows, sets) for fold in range(FOLDS)]
    texts = [t for part in parts for t in part[0]]
    gold, weights, logits, register = (np.array([x for part in parts for x in part[i]]) for i in (1, 3, 4, 5))
    verdict = np.array([tone.is_negative(t) for t in texts], dtype=np.float64)
    return fit_join(logits, gold, share=title_share(register), verdict=verdict, bands=bands,
                    sample_weight=weights, rescale=False)


def build(corpora: Path) -> bytes:
    """The model file's bytes (run as a script, or in a process whose OpenBLAS was started
    with one thread, for the shipped bytes: see the top of this file)."""
    rows = training_rows(corpora)
    texts, labels, weights, sizes = rows
    titles, others = register_rows(corpora)
    coef, bias = fit_model(texts, labels, bits=BITS, sample_weight=weights, nb=NB_ALPHA)
    register = register_head(titles, others)
    if LEARNED_JOIN is not None:
        register = dataclasses.replace(register, join=learned_join(corpora, rows, LEARNED_JOIN))
    sizes = {**sizes, "register_titles": len(titles), "register_others": len(others)}
    info = {"kind": "builtin", "trained_on": sizes,
            "row_weights": {"weibo_events": WEIBO_WEIGHT, "news_titles_dev_half": NEWS_WEIGHT,
                            "lexicon": LEXICON_WEIGHT},
            "register_c": REGISTER_C, "register_bias_offset": REGISTER_BIAS_OFFSET,
            "features": f"hashed character 1-3-grams, 2^{BITS} buckets (register head 2^{REGISTER_BITS})"}
    if NB_ALPHA:
        info["nb_alpha"] = NB_ALPHA
    return model_bytes(coef, bias, THRESHOLD, info, register)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="构建随包发布的负面倾向模型")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--check", action="store_true", help="只构建并与已发布的文件比较")
    args = parser.parse_args(argv)
    data = build(args.corpora)
    digest = hashlib.sha256(data).hexdigest()
    target = shipped_model_path()
    if args.check:
        shipped = hashlib.sha256(target.read_bytes()).hexdigest()
        print(f"构建：{digest}\n发布：{shipped}\n{'一致' if shipped == digest else '不一致'}")
        return 0 if shipped == digest else 1
    target.write_bytes(data)
    HASH_FILE.write_text(f"{digest}  yuqing/text/{target.name}\n", encoding="utf-8")
    print(f"{target}：{len(data):,} 字节，sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
