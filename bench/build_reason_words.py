"""Build the word list that reasons (负面依据) are drawn from: yuqing/text/reason_words.txt.

    python bench/build_reason_words.py            # writes the file; the same bytes every time

Reasons used to be the text's top-weighted character 2- and 3-grams, which in unsegmented
Chinese are often pieces of two words (「的母」 from 「死者的母亲」). Reasons are now words:
the model's weight of the n-grams inside a word says how much the word pushed the score.

The words are those a segmenter found in weibo_events (the training rows of
bench/tone_eval.py: crc32 of the joined comment % 5 != 0; the corpus is segmented with
spaces), 2 to 4 Chinese characters, and the built-in lexicon's negative words, less the
function words below (pronouns, demonstratives, conjunctions, adverbs, counted measures):
they push scores but tell an officer nothing about why a post is negative.
"""

from __future__ import annotations

import re
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tone_eval import join_tokens  # noqa: E402

from yuqing.text import tone  # noqa: E402
from yuqing.text.words import WORDS_PATH  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
WORD = re.compile(r"[\u3400-\u9fff]{2,4}")
JIEBA_MIN_FREQUENCY = 50
CONTENT_TAGS = tuple("nvailj")  # first letter of jieba's part-of-speech tag
LEXICON_WORD = re.compile(r"[\u3400-\u9fff]{2,}")  # 「群体性事件」 too

FUNCTION_WORDS = frozenset("""
一个 一些 一下 一点 一样 一起 一直 一定 一次 一天 一条 一句 两个 三个 几个 多少 这个 那个 这些 那些
这样 那样 这么 那么 这种 这是 这件 这位 这次 那天 有些 有点 有人 有关 有没有 所有 任何 其他 其实
我们 你们 他们 她们 它们 自己 别人 人家 大家 什么 怎么 怎么样 怎样 为什么 为啥 为何 如何 哪里 哪儿
是不是 是否 不是 就是 还是 只是 但是 可是 而且 或者 因为 所以 如果 要是 就算 虽然 然后 而是 并且 既然
可以 可能 能够 应该 需要 必须 一定 不能 不会 不要 不想 不用 不了 不到 不行 只能 只有 才能 还要 还有
已经 现在 以后 之前 今天 每天 每次 时候 当时 以为 觉得 感觉 知道 看到 看看 看着 看来 好像 估计 记得
真的 真是 确实 其实 简直 居然 竟然 终于 突然 根本 绝对 多么 越来越 好好 的话 起来 出来 下去 过去 得到
出现 东西 事儿 心里 说话 告诉 说明 关键 明显 直接 情况 开始 继续 坚持 一下子 有的 没有 到底 难道 一般
""".split())  # noqa: SIM905 (a word list reads best as text)


def corpus_words(path: Path) -> set[str]:
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        tokens = line.split()
        if not tokens or zlib.crc32(join_tokens(tokens).encode("utf-8")) % 5 == 0:
            continue  # held out by bench/tone_eval.py
        words.update(t for t in tokens if WORD.fullmatch(t))
    return words


def jieba_words() -> tuple[set[str], set[str]]:
    """(content words used often enough, words tagged as another part of speech)."""
    from importlib.resources import files

    content, other = set(), set()
    for line in files("jieba").joinpath("dict.txt").read_text(encoding="utf-8").splitlines():
        word, frequency, tag = line.split()
        if not WORD.fullmatch(word):
            continue
        if not tag.startswith(CONTENT_TAGS):
            other.add(word)
        elif int(frequency) >= JIEBA_MIN_FREQUENCY:
            content.add(word)
    return content, other


def lexicon_words() -> set[str]:
    return {w for w in tone.DEFAULT_LEXICON.words if LEXICON_WORD.fullmatch(w)}


def main(out: Path = WORDS_PATH, corpora: Path = CORPORA) -> None:
    weibo = corpora / "weibo_events" / "train_review.txt"
    content, other = jieba_words()
    words = sorted((content | (corpus_words(weibo) - other) | lexicon_words()) - FUNCTION_WORDS)
    header = ("# Words a reason (负面依据) may be: built by bench/build_reason_words.py from jieba's\n"
              "# dictionary (MIT), the segmented weibo_events comments (research use, see docs/model.md)\n"
              "# and the built-in lexicon.\n")
    out.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words, {out.stat().st_size:,} bytes -> {out}")


if __name__ == "__main__":
    main()
