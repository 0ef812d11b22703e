"""Grading: an event's figures and words in, its level and the exact reasons out.

Levels, lowest first: 一般 < 较大 < 重大 < 特别重大. Every rule that fires yields a
`Reason` carrying the figure and the threshold; the highest level among them wins.

Every event also has a 性质 (nature): 敏感 when a sensitive category fired, else 负面 when
its words are negative, 正面 when they carry good news, 中性 otherwise; the officer may set
it by hand. Spread (clicks, comments, mainstream sites, negative voices, fermenting) raises
only the natures listed in `[grading] nature` (负面, 敏感, 中性 by default): a festival with
3,200 clicks is 正面传播, not 特别重大. Category and key-mention floors hold whatever the
nature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from yuqing.rules import LEVELS, NATURES, Rules, Topic, level_rank
from yuqing.text.positive import positive_words

BASE_LEVEL = LEVELS[0]
GAIN_FIGURES = ("clicks", "comments")  # for stock posts these count what was gained after first seen
GROWTH_RULES = frozenset({"threshold:clicks", "threshold:comments", "ferment"})


@dataclass(frozen=True)
class Figures:
    """What grading looks at. Growth figures are None when there is no history yet."""

    clicks: int = 0
    comments: int = 0
    sites: int = 0
    mainstream_sites: int = 0
    negative_sites: int = 0  # distinct sites carrying a negative post of the event
    clicks_before: int | None = None  # the figures one ferment window ago
    comments_before: int | None = None
    stock: str = ""  # "" all news | "all" stock only | "some": stock posts count what they gained

    @property
    def counted_as(self) -> str:
        """How clicks and comments were counted, said before the figure in a reason."""
        return {"all": "首次采集后新增", "some": "（存量帖按首次采集后新增计）"}.get(self.stock, "")


@dataclass(frozen=True)
class Reason:
    rule: str  # threshold:clicks | negative_spread | ferment | category | key_mention | base
    level: str
    text: str


@dataclass
class Grade:
    level: str
    reasons: list[Reason] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    negative: bool = False
    negative_words: list[str] = field(default_factory=list)  # 负面依据: what pushed the score
    topics: list[str] = field(default_factory=list)
    nature: str = "中性"
    nature_basis: str = ""  # why: 「负面依据：……」, 「正面依据：……」, 「敏感类别：……」, 「人工认定」
    tone_score: float | None = None
    tone_model: str = ""

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "nature": self.nature,
            "nature_basis": self.nature_basis,
            "reasons": [r.text for r in self.reasons],
            "categories": self.categories,
            "negative": self.negative,
            "tone": {"score": None if self.tone_score is None else round(self.tone_score, 3),
                     "reasons": self.negative_words, "model": self.tone_model},
            "topics": self.topics,
        }


@dataclass(frozen=True)
class Reading:
    """What grading takes from a post's words: read once per post when it is collected,
    and for an event the union over its posts (`combine`)."""

    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()  # key persons and places named
    negative: bool = False
    negative_words: tuple[str, ...] = ()  # the tone's reasons (负面依据), for negative posts
    positive_words: tuple[str, ...] = ()
    score: float | None = None  # negativity in [0, 1]; None for an event or an old reading
    model: str = ""  # the tone model that gave score and negative


def read(text: str, rules: Rules) -> Reading:
    """One scan for every keyword of the rule table, the tone model for the tone."""
    return read_many([text], rules)[0]


def read_many(texts: Sequence[str], rules: Rules, *, explain: bool | Callable[[int, Reading], bool] = True,
              positive: bool = True) -> list[Reading]:
    """`read` for a batch: the tone model scores the whole batch at once. ``explain``
    says which negative texts get their reasons (负面依据): all, none, or those for which
    it returns true given the text's index and its reading of the words (no tone yet).
    Without ``positive`` no positive words are looked for (stored readings keep none)."""
    words = [_word_reading(text, rules, positive) for text in texts]
    if callable(explain):
        explain = [explain(i, reading) for i, reading in enumerate(words)]
    tones = rules.negativity.read_many(texts, explain=explain)
    return [Reading(r.topics, r.categories, r.mentions, tone.negative, tone.reasons, r.positive_words,
                    tone.score, tone.model) for r, tone in zip(words, tones, strict=True)]


def _word_reading(text: str, rules: Rules, with_positive: bool = True) -> Reading:
    """What the rule table's words say of the text (its tone is read in the batch)."""
    found = rules.keywords.found(text)
    positive = positive_words(text, rules.positive_words) if with_positive else ()
    if not found:
        return Reading(positive_words=positive)
    categories_of, mention_order = rules.categories_of_word, rules.mention_order
    categories = {name for word in found for name in categories_of.get(word, ())}
    return Reading(
        topics=tuple(t.name for t in rules.topics if topic_holds(found, t)),
        categories=tuple(name for name in rules.categories if name in categories) if categories else (),
        mentions=tuple(sorted((w for w in found if w in mention_order), key=mention_order.__getitem__)),
        positive_words=positive,
    )


def combine(readings: Iterable[Reading], rules: Rules) -> Reading:
    """An event's reading: what any of its posts says, in the rule table's order."""
    readings = list(readings)
    if len(readings) == 1:
        return readings[0]
    scores = [r.score for r in readings if r.score is not None]

    def union(values: Iterable[str], order: Iterable[str]) -> tuple[str, ...]:
        present = set(values)
        return tuple(name for name in order if name in present)

    return Reading(
        topics=union((t for r in readings for t in r.topics), (t.name for t in rules.topics)),
        categories=union((c for r in readings for c in r.categories), rules.categories),
        mentions=union((m for r in readings for m in r.mentions), rules.mention_order),
        negative=any(r.negative for r in readings),
        negative_words=tuple(dict.fromkeys(w for r in readings for w in r.negative_words)),
        positive_words=tuple(dict.fromkeys(w for r in readings for w in r.positive_words)),
        score=max(scores) if scores else None,
        model=next((r.model for r in readings if r.model), ""),
    )


def grade(figures: Figures, text: str, rules: Rules) -> Grade:
    """Grade one pasted post (or any text) from its figures and its words."""
    return grade_reading(figures, read(text, rules), rules)


def nature_of(reading: Reading) -> tuple[str, str]:
    """(性质, its basis) from what the words say."""
    if reading.categories:
        return "敏感", f"敏感类别：{'、'.join(reading.categories)}"
    if reading.negative:
        words = "、".join(reading.negative_words[:5])
        return "负面", f"负面依据：{words}" if words else "负面倾向"
    if reading.positive_words:
        return "正面", f"正面依据：{'、'.join(reading.positive_words[:5])}"
    return "中性", ""


def grade_reading(figures: Figures, reading: Reading, rules: Rules, *, nature: str | None = None,
                  publicity: bool = False) -> Grade:
    """Grade from figures and what the words say (an event: `combine` of its posts).
    `nature` is the officer's 性质 when set by hand; `publicity`: the office's own post
    started it, so it is 正面 and never raised by spread."""
    found_nature, basis = ("正面", "本单位发布") if publicity else nature_of(reading)
    if nature in NATURES and nature != found_nature:
        basis = "人工认定"
    nature = nature if nature in NATURES else found_nature
    spread = list(_threshold_reasons(figures, rules)) + _larger_reasons(figures, reading.negative, rules)
    if nature in rules.spread_natures and not publicity:
        reasons = spread
    else:
        reasons = [_not_by_spread(nature, spread)] if spread else []
    categories = list(reading.categories)
    reasons += _category_reasons(categories, reasons)
    reasons += _mention_reasons(reading.mentions)
    level = max((r.level for r in reasons), key=level_rank, default=BASE_LEVEL)
    if not reasons:
        reasons.append(Reason("base", BASE_LEVEL, "未触发任何升级规则 → 一般"))
    reasons.sort(key=lambda r: -level_rank(r.level))
    return Grade(level, reasons, categories, reading.negative, list(reading.negative_words),
                 list(reading.topics), nature, basis, reading.score, reading.model)


def _not_by_spread(nature: str, spread: list[Reason]) -> Reason:
    """What spread would have done to an event whose nature it does not raise."""
    what = "；".join(r.text.rsplit(" → ", 1)[0] for r in spread)
    label = "正面报道" if nature == "正面" else f"{nature}事件"
    return Reason("nature", BASE_LEVEL, f"{label}，不按传播量升级（{what}）")


def _threshold_reasons(figures: Figures, rules: Rules):
    """The highest band reached on each figure (以上 includes the number itself)."""
    best: dict[str, tuple[int, Reason]] = {}
    for threshold in rules.thresholds:
        value = getattr(figures, threshold.figure)
        if value < threshold.min:
            continue
        rank = level_rank(threshold.level)
        if threshold.figure not in best or rank > best[threshold.figure][0]:
            label = threshold.label
            if threshold.figure in GAIN_FIGURES and figures.stock == "all":
                label = figures.counted_as + label
            elif threshold.figure in GAIN_FIGURES and figures.stock:
                label += figures.counted_as
            text = f"{label} {value} ≥ {threshold.min} → {threshold.level}"
            best[threshold.figure] = (rank, Reason(f"threshold:{threshold.figure}", threshold.level, text))
    return [reason for _, reason in best.values()]


def _larger_reasons(figures: Figures, is_negative: bool, rules: Rules) -> list[Reason]:
    larger = rules.larger
    reasons = []
    negative_sites = figures.negative_sites if figures.negative_sites else (figures.sites if is_negative else 0)
    if is_negative and negative_sites >= larger.negative_min_sites:
        reasons.append(Reason(
            "negative_spread", "较大",
            f"负面声音出现在 {negative_sites} 个网站 ≥ {larger.negative_min_sites} → 较大"))
    ferment = _ferment_text(figures, rules)
    if ferment:
        reasons.append(Reason("ferment", "较大", ferment))
    return reasons


def _ferment_text(figures: Figures, rules: Rules) -> str | None:
    larger = rules.larger
    if figures.comments_before is None or figures.clicks_before is None:
        return None
    new_comments = figures.comments - figures.comments_before
    if new_comments < larger.ferment_min_new_comments:
        return None
    hours = f"{larger.ferment_window_hours:g}"
    for label, now, before in (("跟帖", figures.comments, figures.comments_before),
                               ("点击", figures.clicks, figures.clicks_before)):
        if before > 0 and now >= larger.ferment_factor * before:
            return (f"发酵：{hours} 小时内{label} {before} → {now}（≥ {larger.ferment_factor:g} 倍），"
                    f"新增跟帖 {new_comments} ≥ {larger.ferment_min_new_comments} → 较大")
        if before == 0 and now > 0 and label == "跟帖":
            return (f"发酵：{hours} 小时内跟帖从 0 增至 {now}，"
                    f"新增跟帖 {new_comments} ≥ {larger.ferment_min_new_comments} → 较大")
    return None


def _category_reasons(categories: list[str], reasons: list[Reason]) -> list[Reason]:
    if not categories:
        return []
    names = "、".join(categories)
    major = [r for r in reasons if r.level == "重大"]
    if major:
        return [Reason("category", "特别重大", f"敏感类别（{names}）且已达重大 → 特别重大")]
    return [Reason("category", "较大", f"敏感类别（{names}）→ 较大")]


def _mention_reasons(mentions: Iterable[str]) -> list[Reason]:
    found = "、".join(dict.fromkeys(mentions))
    if not found:
        return []
    return [Reason("key_mention", "较大", f"提及重要人物或重点区域（{found}）→ 较大")]


def match_topics(text: str, topics: tuple[Topic, ...]) -> list[str]:
    """Topic names whose keywords (any), `all` (every one) and `exclude` (none) hold."""
    found = {w for t in topics for w in (*t.keywords, *t.all, *t.exclude) if w in text}
    return [t.name for t in topics if topic_holds(found, t)]


def topic_holds(found: set[str] | frozenset[str], topic: Topic) -> bool:
    return (
        not found.isdisjoint(topic.keywords)
        and all(k in found for k in topic.all)
        and found.isdisjoint(topic.exclude)
    )


def is_mainstream_url(url: str, rules: Rules) -> bool:
    """A post on a central or provincial news site, by its domain."""
    return _is_mainstream_host(_host(url), rules.mainstream_domains)


def _host(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0] if sep else ""
    if not netloc or "[" in netloc or "\\" in netloc or not scheme.isalpha():
        return (urlsplit(url).hostname or "").lower()  # IPv6, odd forms: the careful parser
    return netloc.rpartition("@")[2].partition(":")[0].lower()


@lru_cache(maxsize=4096)
def _is_mainstream_host(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)
