"""Reasons (负面依据) are whole words, not pieces of two: the word list, where its words
occur, and the reasons a real comment gets."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from helpers import bench_script

from yuqing.text import words
from yuqing.text.negativity import Negativity
from yuqing.text.tone import DEFAULT_LEXICON

ROOT = Path(__file__).resolve().parents[2]

# Real Weibo comments (weibo_events, held out of the model's training) whose top n-grams
# were pieces of two words: 「的母」「亲微博」「了呢好」, 「太危」, 「老百」「姓需要」.
COMMENTS = ["为什么死者的母亲微博被封了呢好恐怖", "旅游还是不要去云南了，太危险了", "小老百姓需要的时候就老坏"]
FRAGMENTS = {"的母", "亲微博", "了呢好", "太危", "老百", "姓需要"}


def test_reasons_of_real_comments_are_listed_words():
    listed = set(words.reason_words()) | set(DEFAULT_LEXICON.words)
    for text, reading in zip(COMMENTS, Negativity().read_many(COMMENTS), strict=True):
        assert reading.negative, text
        assert reading.reasons and set(reading.reasons) <= listed, (text, reading.reasons)
        assert not set(reading.reasons) & FRAGMENTS
    assert {"母亲", "恐怖"} <= set(Negativity().read(COMMENTS[0]).reasons)
    assert "危险" in Negativity().read(COMMENTS[1]).reasons


def test_the_list_has_words_and_no_function_words():
    listed = set(words.reason_words())
    assert {"母亲", "没人管", "下台", "欺负", "保护伞"} <= listed
    assert not {"一个", "我们", "什么", "如果", "已经"} & listed
    assert all(len(w) >= 2 for w in listed)
    assert "群体性事件" in listed  # the lexicon's longer words too


def test_every_occurrence_is_found_overlapping_ones_too():
    text = "为什么死者的母亲微博被封了"
    finder = words.WordFinder(words.reason_words())
    for characters in (1, words.AUTOMATON_FROM):
        found = {(finder.words[k], lo, hi) for k, lo, hi in finder.for_batch(characters)(text)}
        assert {("死者", 3, 5), ("母亲", 6, 8), ("微博", 8, 10)} <= found
        assert all(text[lo:hi] == word for word, lo, hi in found)


def test_the_automaton_and_the_plain_lookup_agree(corpora):
    weibo = bench_script("tone_eval").load_weibo(corpora)
    sample = [text for _, text in weibo if zlib.crc32(text.encode("utf-8")) % 50 == 0]
    assert len(sample) > 100
    finder = words.WordFinder(words.reason_words())
    automaton, lookup = finder.for_batch(words.AUTOMATON_FROM), finder.for_batch(1)
    for text in sample:
        assert sorted(automaton(text)) == sorted(lookup(text)), text


def test_the_build_script_gives_the_shipped_list_again(corpora, tmp_path):
    pytest.importorskip("jieba", reason="jieba 未安装（pip install -e '.[test]'），跳过重建词表")
    build = bench_script("build_reason_words")
    out = tmp_path / "reason_words.txt"
    build.main(out, corpora)
    assert out.read_bytes() == words.WORDS_PATH.read_bytes()


def test_a_text_without_listed_words_still_gets_its_top_ngrams():
    reading = Negativity().read("真不是个东西！")  # 「东西」 is a function word: no listed word
    assert reading.negative
    assert reading.reasons
    assert all(r.strip() for r in reading.reasons)


@pytest.mark.parametrize("text", ["", "。。。", "a" * 5000])
def test_no_words_no_matches(text):
    finder = words.WordFinder(words.reason_words())
    assert finder.for_batch(1)(text) == finder.for_batch(words.AUTOMATON_FROM)(text) == []
    assert words.WordFinder([]).for_batch(words.AUTOMATON_FROM)(text) == []


def test_a_calm_text_does_not_read_the_word_list():
    words.reason_words.cache_clear()
    assert not Negativity().read("今天天气很好，公园里人很多").negative
    assert words.reason_words.cache_info().currsize == 0
