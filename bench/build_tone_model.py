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
../shared/corpora/gne_pages (Discuz!, Tieba) and the titles of rodel_reader_feeds (V2EX,
阮一峰, 美团技术团队); against the trained comment and review rows. The two classes weigh
the same.

Held out and never trained on: each corpus's fifth with crc32 % 5 == 0, the other half of
the development titles and the blind news titles (snapshots/ only). bench/tone_eval.py
scores on them.

The same corpora give the same bytes (liblinear is deterministic; the file has no
timestamps), so the hash in bench/tone_model.sha256 checks the shipped file
(tests/text/test_negativity.py).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tone_eval  # noqa: E402

from yuqing.text import tone  # noqa: E402
from yuqing.text.negativity import shipped_model_path  # noqa: E402
from yuqing.text.tonetrain import fit_model, fit_register, model_bytes  # noqa: E402

BITS = 18
REGISTER_BITS = 16
REGISTER_C = 64.0  # weak regularisation: more titles told from comments in cross-validation (16: fewer)
REGISTER_BOUNDARIES = True  # the register head reads the marks of a text's start and end (docs/model.md)
NEWS_WEIGHT = 8.0
WEIBO_WEIGHT = 3.0  # the register 舆情 is written in; with 1.0 the reviews drown it
LEXICON_WEIGHT = 2.0
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


def build(corpora: Path) -> bytes:
    texts, labels, weights, sizes = training_rows(corpora)
    coef, bias = fit_model(texts, labels, bits=BITS, sample_weight=weights)
    titles, others = register_rows(corpora)
    register = fit_register(titles, others, bits=REGISTER_BITS, c=REGISTER_C, boundaries=REGISTER_BOUNDARIES)
    sizes["register_titles"], sizes["register_others"] = len(titles), len(others)
    info = {"kind": "builtin", "trained_on": sizes,
            "row_weights": {"weibo_events": WEIBO_WEIGHT, "news_titles_dev_half": NEWS_WEIGHT,
                            "lexicon": LEXICON_WEIGHT},
            "register_c": REGISTER_C,
            "features": f"hashed character 1-3-grams, 2^{BITS} buckets (register head 2^{REGISTER_BITS})"}
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
