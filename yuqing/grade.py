"""Grading: an event's figures and words in, its level and the exact reasons out.

Levels, lowest first: 一般 < 较大 < 重大 < 特别重大. Every rule that fires yields a
`Reason` carrying the figure and the threshold; the highest level among them wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .rules import LEVELS, Rules, Topic, level_rank
from .tone import is_negative as tone_is_negative
from .tone import negative_hits

BASE_LEVEL = LEVELS[0]


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
    negative_words: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "reasons": [r.text for r in self.reasons],
            "categories": self.categories,
            "negative": self.negative,
            "topics": self.topics,
        }

    def reasons_json(self) -> list[dict]:
        return [{"rule": r.rule, "level": r.level, "text": r.text} for r in self.reasons]


def grade(figures: Figures, text: str, rules: Rules, *, negative: bool | None = None) -> Grade:
    """Grade an event (or one pasted post) from its figures and its words.

    `negative` may be given when the caller already knows it (an event is negative when
    any of its posts is); otherwise it is read from `text`.
    """
    words = negative_hits(text, rules.tone)
    is_negative = tone_is_negative(text, rules.tone) if negative is None else negative
    reasons = list(_threshold_reasons(figures, rules))
    reasons += _larger_reasons(figures, is_negative, rules)
    categories = matching_categories(text, rules)
    reasons += _category_reasons(categories, reasons)
    reasons += _mention_reasons(text, rules)
    level = max((r.level for r in reasons), key=level_rank, default=BASE_LEVEL)
    if not reasons:
        reasons.append(Reason("base", BASE_LEVEL, "未触发任何升级规则 → 一般"))
    reasons.sort(key=lambda r: -level_rank(r.level))
    return Grade(level, reasons, categories, is_negative, words, match_topics(text, rules.topics))


def _threshold_reasons(figures: Figures, rules: Rules):
    """The highest band reached on each figure (以上 includes the number itself)."""
    best: dict[str, tuple[int, Reason]] = {}
    for threshold in rules.thresholds:
        value = getattr(figures, threshold.figure)
        if value < threshold.min:
            continue
        rank = level_rank(threshold.level)
        if threshold.figure not in best or rank > best[threshold.figure][0]:
            text = f"{threshold.label} {value} ≥ {threshold.min} → {threshold.level}"
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


def _mention_reasons(text: str, rules: Rules) -> list[Reason]:
    found = [w for w in (*rules.key_persons, *rules.key_places) if w in text]
    if not found:
        return []
    return [Reason("key_mention", "较大", f"提及重要人物或重点区域（{'、'.join(dict.fromkeys(found))}）→ 较大")]


def matching_categories(text: str, rules: Rules) -> list[str]:
    return [name for name, words in rules.categories.items() if any(w in text for w in words)]


def match_topics(text: str, topics: tuple[Topic, ...]) -> list[str]:
    """Topic names whose keywords (any), `all` (every one) and `exclude` (none) hold."""
    return [t.name for t in topics if topic_matches(text, t)]


def topic_matches(text: str, topic: Topic) -> bool:
    return (
        any(k in text for k in topic.keywords)
        and all(k in text for k in topic.all)
        and not any(k in text for k in topic.exclude)
    )



def is_mainstream_url(url: str, rules: Rules) -> bool:
    """A post on a central or provincial news site, by its domain."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in rules.mainstream_domains)
