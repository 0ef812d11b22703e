"""事件概要: an extractive summary of a post's text — sentences of the post itself, chosen
and never rewritten.

The method (the README's 报告 section says the same for officers):

1. Split the text into sentences after 。！？；!?; and line breaks; drop boilerplate
   (来源、责任编辑、原标题、扫码…) and fragments under MIN_CHARS characters.
2. Score each sentence by three plain signals, each in [0, 1]:
   - title: the share of the title's character bigrams the sentence contains (weight 2);
   - centrality: how much of the sentence's bigrams recur elsewhere in the text, i.e. it
     speaks about what the whole post is about (weight 1);
   - lead: 1 for the first sentence, falling as 1 / (1 + position) (weight 1): news and
     complaints put the facts first.
3. Take the two best (three when the text runs past LONG_TEXT characters), keep them in
   the order they were written, each clipped at MAX_SENTENCE characters with 「……」.

Without any text the summary is the title, and the caller is told so (`from_title`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["Summary", "representative", "summarise"]

MIN_CHARS = 8
LONG_TEXT = 300
MAX_SENTENCE = 120
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*[”」』\"]?")
_BOILERPLATE = re.compile(r"^(?:来源|责任编辑|编辑|原标题|作者|记者|通讯员|图片来源|本文来源|转自)[:：]|扫码|"
                          r"版权所有|未经授权|点击(?:查看|进入|阅读)|关注公众号|免责声明")
_PLAIN = re.compile(r"[\W_]+", re.UNICODE)


@dataclass
class Summary:
    text: str
    from_title: bool  # no text to summarise: the title stands in


def summarise(text: str | None, title: str) -> Summary:
    sentences = _sentences(text or "")
    if not sentences:
        return Summary(title, from_title=True)
    count = 3 if len(text or "") > LONG_TEXT else 2
    title_grams = _bigrams(title)
    text_grams = Counter(g for s in sentences for g in set(_bigrams(s)))
    scored = [
        (_score(s, i, title_grams, text_grams), i) for i, s in enumerate(sentences)
    ]
    chosen = sorted(i for _, i in sorted(scored, key=lambda pair: (-pair[0], pair[1]))[:count])
    return Summary("".join(_clip(sentences[i]) for i in chosen), from_title=False)


def _sentences(text: str) -> list[str]:
    found = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        if len(_PLAIN.sub("", sentence)) < MIN_CHARS or _BOILERPLATE.search(sentence):
            continue
        found.append(sentence)
    return found


def _bigrams(text: str) -> list[str]:
    plain = _PLAIN.sub("", text)
    return [plain[i:i + 2] for i in range(len(plain) - 1)]


def _score(sentence: str, position: int, title_grams: list[str], text_grams: Counter) -> float:
    grams = set(_bigrams(sentence))
    title = len(grams & set(title_grams)) / len(set(title_grams)) if title_grams else 0.0
    recurring = sum(1 for g in grams if text_grams[g] > 1)
    centrality = recurring / len(grams) if grams else 0.0
    lead = 1 / (1 + position)
    return 2 * title + centrality + lead


def _clip(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE:
        return sentence
    return sentence[:MAX_SENTENCE].rstrip("，,、；;：:") + "……"


MIN_REPLY_CHARS = 4  # 「顶」「+1」「mark」 say nothing
MAX_QUOTE = 60


def representative(texts: list[str], count: int) -> list[str]:
    """The `count` replies that best stand for a group of replies, as written (clipped at
    MAX_QUOTE): those sharing most words with the others (what many say), with a small
    preference for replies long enough to carry a point; one of each wording."""
    candidates = [(i, t) for i, t in enumerate(texts) if len(_PLAIN.sub("", t)) >= MIN_REPLY_CHARS]
    grams = {i: set(_bigrams(t)) for i, t in candidates}
    shared = Counter(g for gs in grams.values() for g in gs)

    def score(i: int, text: str) -> float:
        own = grams[i]
        agreement = sum(1 for g in own if shared[g] > 1) / len(own) if own else 0.0
        return agreement + 0.5 * min(len(text), 40) / 40

    chosen: list[str] = []
    seen: set[str] = set()
    for _, text in sorted(candidates, key=lambda pair: (-score(*pair), pair[0])):
        wording = _PLAIN.sub("", text)[:20]
        if wording in seen:
            continue
        seen.add(wording)
        chosen.append(text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE] + "……")
        if len(chosen) == count:
            break
    return chosen
