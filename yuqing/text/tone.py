"""Negative tone (负面倾向) of a post: a Chinese lexicon with negation, exclusions and frames.

The detector is a pure function of the text and a :class:`ToneLexicon`; nothing is read
from disk at call time and no word segmenter is used (jieba, tried as a word-boundary check
on one-character entries, made the detector five times slower, costs 1.4 s to load its
dictionary and scored no better in the bench of the time).

One scan finds every lexicon entry, left to right, taking the *longest* entry at each
position, so overlapping entries resolve to the longer one: 「不满意」 beats 「不满」, the
exclusion 「出差」 hides 「差」. The scan is an Aho-Corasick automaton (the ``ahocorasick-rs``
package) when it is installed, else one compiled regular expression (a flat alternation,
longest first: the same matches, about four times slower overall).

Every entry has a kind:

``words``
    Negative words (投诉, 拖欠, 不作为, 太差 ...). A word counts unless a *negation* starts
    within ``window`` **characters** before it, in the same clause (no 「，。！？；」 between)
    and after the previous lexicon entry: 「并非乱收费」「没有拖欠」「没有任何拖欠」 do not
    count, 「不是不作为」 does not count either (the officer reads it; the words say it is
    not 不作为). Compounds that hold a negation character but negate nothing
    (``negation_exceptions``: 不断, 不少, 无论, 不仅 ...) are not negations; *modal*
    negations (``modal_negations``: 无法, 不敢, 不能, 不给 ...) do not cancel a negative
    word either, so 「无法维权」「不敢投诉」 still count.
``positive_words``
    满意, 干净, 及时, 处理, 解决 ... A negated positive word is a negative hit, reported with
    its negation (「不满意」「没有处理」「不太干净」; here modal negations do negate:
    「无法解决」). A plain positive word subtracts its weight from the score (contrast:
    「顺利破获一起诈骗案」); request words such as 处理/解决/及时 weigh 0, so they only
    matter when negated.
``frames``
    Action words of the authorities themselves (打击, 整治, 防范, 受理, 查处 ...). A negative
    word within ``frame_window`` characters after a frame, in the same clause, does not
    count: 「严厉打击电信诈骗」「受理群众投诉」 is government work, not a negative post.
    A negated frame (「不受理」「未查处」) is a negative hit.
``exclusions``
    Phrases that hide the words inside them: 出差, 差不多, 投诉电话, 反腐败, 防诈骗 ...

Score = the weights of the distinct negative hits minus the weights of the distinct plain
positive words. Weights default to 1.0; ``weights`` overrides them per entry and, for a
negated positive word, per negation (「不太」 weighs 0.5: 「不太方便」 is a hedge). A post is
negative when it has a hit and its score reaches ``threshold``, so two weak cues (居然, 竟然,
凭什么 ... weigh 0.5) make a negative post where one does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

try:  # Aho-Corasick in Rust: the scan ~10x, is_negative ~4x faster than the regex fallback.
    import ahocorasick_rs as _ahocorasick
except ImportError:  # pragma: no cover - exercised by the test that forces the fallback
    _ahocorasick = None

__all__ = [
    "DEFAULT_LEXICON", "OfficeWords", "ToneLexicon", "analyse", "is_negative", "negative_hits", "tone_score",
]

# Clause punctuation: neither a negation nor a frame reaches across these.
_CLAUSE_CHARS = "，。！？；：、,.!?;:\n\r…"
_CLAUSE_BREAK = re.compile(f"[{re.escape(_CLAUSE_CHARS)}]")

_WORD, _POSITIVE, _FRAME, _EXCLUSION = 0, 1, 2, 3
WORD_KIND = _WORD  # the kind of a negative word in `_Matcher.kind_of`

_LIST_KEYS = (
    "words", "negations", "negation_exceptions", "modal_negations", "positive_words",
    "frames", "exclusions",
)
_TABLE_KEYS = frozenset(
    _LIST_KEYS + ("negation_window", "window", "frame_window", "weights", "threshold")
)


@dataclass(frozen=True)
class ToneLexicon:
    """The negative-tone lexicon. ``window`` and ``frame_window`` count characters."""

    words: tuple[str, ...]
    negations: tuple[str, ...] = ("不是", "没有", "并非", "并不", "不", "未", "无")
    window: int = 4
    negation_exceptions: tuple[str, ...] = ()
    modal_negations: tuple[str, ...] = ()
    positive_words: tuple[str, ...] = ()
    frames: tuple[str, ...] = ()
    frame_window: int = 8
    exclusions: tuple[str, ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    threshold: float = 1.0
    _compiled: Any = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        for name in _LIST_KEYS:
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"ToneLexicon.{name} must be a sequence of str, not str")
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        weights = self.weights
        if isinstance(weights, Mapping):
            weights = weights.items()
        object.__setattr__(self, "weights", tuple(sorted((str(k), float(v)) for k, v in weights)))

    @classmethod
    def from_table(cls, table: Mapping[str, Any] | None, *, merge: bool = False) -> ToneLexicon:
        """Build from the parsed ``[negative]`` TOML table; a missing key keeps the default.

        With ``merge`` the table's lists are added to the built-in ones and its weights
        override theirs (rules.toml holds the office's additions); without it a list in the
        table replaces the built-in one. ``window`` may be spelled ``negation_window``.
        Raises ``ValueError`` with a Chinese message naming the key on a bad type or value.
        """
        if table is None:
            table = {}
        if not isinstance(table, Mapping):
            raise ValueError("[negative] 应为表，例如 [negative] 下写 words = [\"投诉\"]")
        unknown = sorted(str(k) for k in set(table) - _TABLE_KEYS)
        if unknown:
            known = "、".join(sorted(_TABLE_KEYS - {"window"}))
            raise ValueError(f"[negative] 中有不认识的键：{'、'.join(unknown)}（可用的键：{known}）")
        if "negation_window" in table and "window" in table:
            raise ValueError("[negative] negation_window 与 window 是同一个设置，只能写一个")
        base = globals().get("DEFAULT_LEXICON")
        if not table and base is not None:
            return base
        kwargs: dict[str, Any] = {}
        for key in _LIST_KEYS:
            if key in table:
                kwargs[key] = _word_list(table, key)
                if merge and base is not None:
                    kwargs[key] = tuple(dict.fromkeys((*getattr(base, key), *kwargs[key])))
            elif base is not None:
                kwargs[key] = getattr(base, key)
        window_key = "window" if "window" in table else "negation_window"
        if window_key in table:
            kwargs["window"] = _int_value(table, window_key)
        elif base is not None:
            kwargs["window"] = base.window
        if "frame_window" in table:
            kwargs["frame_window"] = _int_value(table, "frame_window")
        elif base is not None:
            kwargs["frame_window"] = base.frame_window
        if "threshold" in table:
            kwargs["threshold"] = _number_value(table, "threshold")
        elif base is not None:
            kwargs["threshold"] = base.threshold
        if "weights" in table:
            kwargs["weights"] = _weights(table)
            if merge and base is not None:
                kwargs["weights"] = tuple({**dict(base.weights), **dict(kwargs["weights"])}.items())
        elif base is not None:
            kwargs["weights"] = base.weights
        if not kwargs.get("words") and not (merge and "words" in table):
            raise ValueError('[negative] words 不能为空：至少写一个负面词，如 words = ["投诉"]')
        return cls(**kwargs)

    @staticmethod
    def listed(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
        """The entries of one list key of a checked table (empty when absent)."""
        return _word_list(table, key) if key in table else ()

    def weight(self, entry: str) -> float:
        """The weight of a word, positive word or negation (1.0 unless ``weights`` says)."""
        return self._matcher().weights.get(entry, 1.0)

    def _matcher(self) -> _Matcher:
        compiled = self._compiled
        if compiled is None:
            compiled = _Matcher(self)
            object.__setattr__(self, "_compiled", compiled)
        return compiled


def _word_list(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'[negative] {key} 应为字符串列表，如 {key} = ["投诉", "举报"]')
    words = [v.strip() for v in value]
    if any(not v for v in words):
        raise ValueError(f"[negative] {key} 中不能有空字符串")
    return tuple(dict.fromkeys(words))


def _int_value(table: Mapping[str, Any], key: str) -> int:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"[negative] {key} 应为整数（字符数），如 {key} = 4")
    if not 0 <= value <= 50:
        raise ValueError(f"[negative] {key} 应在 0 到 50 之间（字符数），现在是 {value}")
    return value


def _number_value(table: Mapping[str, Any], key: str) -> float:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"[negative] {key} 应为数字，如 {key} = 1.0")
    if not 0 < value <= 100:
        raise ValueError(f"[negative] {key} 应大于 0 且不超过 100，现在是 {value}")
    return float(value)


def _weights(table: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    raw = table["weights"]
    if not isinstance(raw, Mapping):
        raise ValueError('[negative] weights 应为表，如 weights = { "投诉" = 2.0, "居然" = 0.5 }')
    weights: dict[str, float] = {}
    for word, weight in raw.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ValueError(f"[negative] weights 中「{word}」的权重应为数字，如 0.5")
        if not 0 <= weight <= 100:
            raise ValueError(f"[negative] weights 中「{word}」的权重应在 0 到 100 之间")
        weights[str(word)] = float(weight)
    return tuple(sorted(weights.items()))


def _alternation(entries: Iterable[str]) -> str:
    """A regex alternation, longest first, so that the leftmost match is also the longest."""
    return "|".join(re.escape(e) for e in sorted(set(entries), key=lambda e: (-len(e), e)))


def _negation_regex(negations: list[str], not_negations: list[str]) -> re.Pattern[str] | None:
    """Matches negations (group ``neg``) and, tried first, compounds that are not negations."""
    negations = [n for n in negations if n not in set(not_negations)]
    if not negations:
        return None
    pattern = f"(?P<neg>{_alternation(negations)})"
    if not_negations:
        pattern = f"{_alternation(not_negations)}|{pattern}"
    return re.compile(pattern)


class _Matcher:
    """The compiled form of a lexicon: the scanner, the negation tests and the weights."""

    def __init__(self, lexicon: ToneLexicon, use_automaton: bool = True) -> None:
        kinds: dict[str, int] = {}
        # Later kinds win on an identical string: an entry listed as an exclusion is one.
        for kind, entries in (
            (_POSITIVE, lexicon.positive_words),
            (_WORD, lexicon.words),
            (_FRAME, lexicon.frames),
            (_EXCLUSION, lexicon.exclusions),
        ):
            for entry in entries:
                if entry:
                    kinds[entry] = kind
        self.entries = list(kinds)
        self.kind_of = [kinds[e] for e in self.entries]
        self.automaton = None
        self.scanner = None
        if self.entries and use_automaton and _ahocorasick is not None:
            self.automaton = _ahocorasick.AhoCorasick(
                self.entries, matchkind=_ahocorasick.MatchKind.LeftmostLongest
            )
        elif self.entries:
            self.index = {e: i for i, e in enumerate(self.entries)}
            self.scanner = re.compile(_alternation(self.entries))
        self.weights = dict(lexicon.weights)
        self.window = lexicon.window
        self.frame_window = lexicon.frame_window
        self.threshold = lexicon.threshold
        negations = [n for n in lexicon.negations if n]
        exceptions = [e for e in lexicon.negation_exceptions if e]
        modals = [e for e in lexicon.modal_negations if e]
        # For a negative word a modal (无法, 不敢) is no negation; for a positive word it is.
        self.word_negation = _negation_regex(negations, exceptions + modals)
        self.positive_negation = _negation_regex(negations + modals, exceptions)
        self.negation_head = re.compile(_alternation(negations + modals)) if negations else None
        # How far before the window a non-negation compound may start and still cover it.
        self.reach = max((len(e) for e in exceptions + modals), default=1)
        chars = "".join(sorted(set("".join(negations + modals)))) or "\0"
        self.negation_chars = re.compile(f"[{re.escape(chars)}]")

    def scan(self, text: str) -> list[tuple[int, int, int]]:
        """(entry index, start, end) of every entry, leftmost-longest, not overlapping."""
        if self.automaton is not None:
            return self.automaton.find_matches_as_indexes(text)
        index = self.index
        return [(index[m.group()], m.start(), m.end()) for m in self.scanner.finditer(text)]

    def negation_before(self, text: str, start: int, floor: int,
                        rx: re.Pattern[str] | None) -> str | None:
        """The text from a negation to ``start`` when a negation starts within ``window``
        characters before ``start``, after ``floor`` and in the same clause; else None."""
        edge = start - self.window
        if edge < floor:
            edge = floor
        if rx is None or edge >= start:
            return None
        lo = edge - self.reach
        if lo < floor:
            lo = floor
        # The search runs past ``start`` so that a compound straddling it (「不管」 before
        # the entry 「管」) is consumed whole and is not read as 「不」.
        for m in rx.finditer(text, lo, start + self.reach):
            at = m.start()
            if at >= start:
                break
            if (m.lastgroup == "neg" and at >= edge and m.end() <= start
                    and not _CLAUSE_BREAK.search(text, m.end(), start)):
                return text[at:start]
        return None

    def negation_weight(self, surface: str) -> float:
        """The weight of the negation that starts ``surface`` (1.0 unless ``weights`` says)."""
        head = self.negation_head.match(surface) if self.negation_head else None
        return self.weights.get(head.group(), 1.0) if head else 1.0

    def framed(self, text: str, start: int, frame_end: int) -> bool:
        """True when the latest frame ends within ``frame_window`` characters before
        ``start`` with no clause break in between."""
        if frame_end < 0 or start - frame_end > self.frame_window:
            return False
        return _CLAUSE_BREAK.search(text, frame_end, start) is None


def _analyse(text: str, lexicon: ToneLexicon) -> tuple[list[str], float]:
    """(the negative hits in order, the score)."""
    if not text:
        return [], 0.0
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    matcher = lexicon._matcher()
    if not matcher.entries:
        return [], 0.0
    entries = matcher.entries
    kind_of = matcher.kind_of
    weights = matcher.weights
    window = matcher.window
    has_negation = matcher.negation_chars.search
    negation_before = matcher.negation_before
    hits: dict[str, float] = {}
    positives: dict[str, float] = {}
    frame_end = -1
    floor = 0
    for index, start, end in matcher.scan(text):
        kind = kind_of[index]
        prev_floor, floor = floor, end
        if kind == _EXCLUSION:
            continue
        entry = entries[index]
        # A cheap first look: most entries have no negation character before them.
        edge = start - window
        negatable = has_negation(text, edge if edge > prev_floor else prev_floor, start)
        if kind == _WORD:
            if entry in hits:
                continue
            if negatable and negation_before(text, start, prev_floor, matcher.word_negation):
                continue
            if frame_end >= 0 and matcher.framed(text, start, frame_end):
                continue
            hits[entry] = weights.get(entry, 1.0)
            continue
        negation = negatable and negation_before(
            text, start, prev_floor, matcher.positive_negation)
        if negation:
            # 「不满意」「没有处理」「未查处」: a negated positive word or frame is negative.
            surface = negation + entry
            if surface not in hits:
                hits[surface] = matcher.negation_weight(negation)
        elif kind == _FRAME:
            frame_end = end
        elif entry not in positives:
            positives[entry] = weights.get(entry, 1.0)
    if not hits:
        return [], 0.0
    return list(hits), sum(hits.values()) - sum(positives.values())


# The default [negative] table. bench/negative_lexicon.toml holds the same table as TOML for
# rules.toml; tests/test_tone.py checks that the two agree.
# BEGIN LEXICON
_DEFAULT_TABLE: dict[str, Any] = {
    "words": [
        # 投诉、维权与求助
        "投诉", "举报", "实名举报", "曝光", "维权", "控诉", "声讨", "讨说法", "讨个说法", "讨公道",
        "讨薪", "欠薪", "拖欠", "欠款不还", "讨债", "讨要", "讨回", "追讨", "催要", "催讨", "血汗钱",
        "辛苦钱", "上访", "群访", "闹访", "堵路", "堵门", "拉横幅", "罢工", "罢课", "群体性事件",
        "聚集维权", "抗议", "告状", "申冤", "喊冤", "冤案", "冤枉", "求助无门", "投诉无门", "维权无门",
        "反映", "恳请", "恳求", "求助", "帮帮", "救救", "跪求", "无助", "走投无路", "无家可归",
        # 不作为与推诿
        "无人管", "没人管", "没有人管", "谁来管", "谁管", "无人过问", "没人过问", "无人问津", "无人理睬",
        "没人理", "不管不问", "不闻不问", "石沉大海", "置之不理", "推诿", "推脱", "踢皮球", "扯皮",
        "敷衍", "搪塞", "刁难", "吃拿卡要", "门难进", "脸难看", "事难办", "不作为", "乱作为", "慢作为",
        "懒政", "庸政", "怠政", "官僚主义", "形式主义", "不负责", "不配合", "不理睬", "不透明", "黑箱",
        # 腐败与违规
        "官商勾结", "失职", "渎职", "滥用职权", "以权谋私", "徇私", "包庇", "纵容", "暗箱操作", "黑幕",
        "内幕交易", "潜规则", "腐败", "贪腐", "贪污", "受贿", "索贿", "行贿", "贪官", "村霸",
        "恶势力", "保护伞", "挪用", "侵吞", "截留", "克扣", "冒领", "骗取", "骗保", "不正之风",
        "违法", "违规", "违纪", "违反", "非法", "不法", "不当", "不规范", "不合规", "私自", "擅自",
        "霸占", "侵占", "强制", "强迫", "逼迫", "被迫",
        # 乱收费、强拆、城市管理
        "乱收费", "乱罚款", "乱摊派", "乱涨价", "乱补课", "有偿补课", "乱停乱放", "乱搭乱建", "违建",
        "私搭乱建", "占道", "违停", "强拆", "强征", "暴力拆迁", "暴力执法",
        # 暴力与违法犯罪
        "打人", "殴打", "打伤", "打死", "围殴", "群殴", "暴打", "斗殴", "打架", "持刀", "砍人",
        "砍伤", "刺伤", "伤人", "行凶", "杀人", "杀手", "命案", "凶杀", "分尸", "枪击", "大案",
        "要案", "威胁", "恐吓", "报复", "打击报复", "打压", "欺压", "欺负", "欺凌", "霸凌", "诬陷",
        "陷害", "抢劫", "盗窃", "偷盗", "被盗", "绑架", "拐卖", "性侵", "猥亵", "强奸", "家暴",
        "虐待", "虐童", "体罚", "寻衅滋事", "黑恶", "涉黑", "恶霸", "黑社会", "流氓", "土匪", "醉驾",
        "酒驾", "肇事", "逃逸", "碰瓷", "医闹", "闹事", "出事",
        # 查处与处罚（事件本身是负面的）
        "涉嫌", "嫌疑人", "犯罪", "立案", "立案调查", "被查", "落马", "双开", "投案", "被捕", "被拘",
        "拘捕", "刑拘", "逮捕", "拘留", "判刑", "获刑", "有期徒刑", "死刑", "罚款", "被罚", "处罚",
        "通报批评", "问责", "处分",
        # 诈骗、消费与金融
        "欺诈", "诈骗", "骗局", "骗子", "被骗", "骗钱", "骗了", "骗", "坑人", "坑钱", "宰客",
        "天价", "黑心", "无良", "缺德", "奸商", "黑店", "黑车", "黑中介", "黑诊所", "黑作坊",
        "霸王条款", "强买强卖", "以次充好", "虚假宣传", "虚假承诺", "虚假", "造假", "弄虚作假", "假冒",
        "伪劣", "假货", "山寨", "劣质", "货不对板", "智商税", "收割", "跑路", "爆雷", "暴雷", "踩雷",
        "卷款", "失联", "非法集资", "传销", "庞氏", "逾期", "违约", "兑付困难", "延期兑付", "延期交房",
        "烂尾", "偷工减料", "豆腐渣", "破产", "倒闭", "裁员", "降薪", "停产", "欠债", "老赖", "失信",
        "起诉", "跌停", "暴跌", "大跌", "跳水", "停牌", "熔断", "召回", "停售", "不符合规定",
        # 事故、灾害与伤亡
        "事故", "医疗事故", "车祸", "火灾", "起火", "爆炸", "坍塌", "倒塌", "塌方", "泄漏", "溺水",
        "溺亡", "遇难", "身亡", "死亡", "丧生", "罹难", "伤亡", "死伤", "受伤", "重伤", "致死",
        "致残", "猝死", "自杀", "跳楼", "轻生", "坠楼", "失踪", "被困", "地震", "空袭", "误诊",
        "感染", "阳性", "确诊", "中毒", "食物中毒", "不幸", "死", "伤", "伤害", "损害", "破坏",
        "毁坏", "损毁",
        # 环境、民生设施
        "污染", "排污", "偷排", "污水", "污水横流", "恶臭", "臭味", "异味", "发臭", "臭气熏天",
        "黑臭", "黑烟", "粉尘", "扬尘", "噪音", "噪声扰民", "扰民", "安全隐患", "隐患", "不安全",
        "地沟油", "过期", "变质", "发霉", "霉变", "不合格", "不达标", "超标", "停水", "停电", "断水",
        "断电", "积水", "内涝", "坑洼", "破损", "漏水", "渗水", "漏雨", "裂缝", "开裂", "脱落",
        "堵塞", "拥堵", "堵车", "脏乱差", "垃圾成堆", "苍蝇", "蟑螂", "老鼠", "虫子", "异物", "吃出",
        # 情绪与评价
        "不满", "愤怒", "气愤", "愤慨", "激愤", "恼火", "生气", "气死", "气得", "气炸", "气哭",
        "气到", "心寒", "寒心", "失望", "绝望", "无奈", "无语", "郁闷", "崩溃", "痛心", "悲哀",
        "可悲", "伤心", "难过", "痛苦", "悲伤", "心疼", "委屈", "讨厌", "烦", "烦死", "抓狂",
        "害怕", "焦虑", "担心", "哭", "可耻", "无耻", "卑鄙", "可恶", "恶心", "想吐", "吐了",
        "垃圾", "混蛋", "王八蛋", "他妈", "妈的", "去你妈", "傻逼", "滚蛋", "骗人", "忽悠", "欺骗",
        "上当", "受骗", "后悔", "吃亏", "冤大头", "质疑", "谴责", "怒斥", "痛斥", "吐槽", "差评",
        "被骂", "辱骂", "谩骂", "群嘲", "挑衅", "歧视", "丑闻", "闹剧", "翻车", "塌房", "引争议",
        "争议", "被指", "被炒", "辞职", "道歉", "怨声载道", "民怨", "苦不堪言", "叫苦", "不堪",
        "忍无可忍", "天理何在", "没有王法", "太过分", "过分", "离谱", "荒唐", "荒谬", "奇葩", "搞笑",
        "呵呵", "醉了", "服了", "成狗", "坑", "坑爹", "抢钱", "恶劣", "嚣张", "猖獗", "横行",
        "冷漠", "不耐烦", "爱理不理", "态度差", "态度恶劣", "服务差", "素质差", "不文明", "不良", "不实",
        "不力", "不严", "不足", "不稳定", "严重", "问题严重", "乱象", "怪象", "顽疾", "痛点", "难题",
        "困境", "危机", "遭", "遭到", "遭受", "遭遇", "惨遭", "傻眼", "傻了眼",
        # 反问与惊讶（弱）
        "凭什么", "难道", "居然", "竟然", "究竟", "到底", "怎么回事", "怎么搞", "什么玩意", "啥玩意",
        # 服务与质量
        "差", "太差", "很差", "极差", "较差", "最差", "差劲", "糟糕", "糟透", "烂", "太烂",
        "破旧", "陈旧", "老旧", "简陋", "脏", "脏乱", "太脏", "很脏", "不卫生", "吵", "太吵",
        "嘈杂", "太贵", "偏贵", "不值", "不值得", "难吃", "难喝", "难闻", "难受", "慢", "太慢",
        "很慢", "超慢", "慢死", "太晚", "太久", "好久", "超时", "迟到", "延误", "等了", "催了",
        "催单", "太少", "量少", "不够吃", "太多了", "太咸", "太辣", "太油", "太淡", "太硬", "太甜",
        "没熟", "夹生", "凉了", "都凉", "凉透", "变味", "不新鲜", "黑暗料理", "洒了", "漏了", "漏送",
        "送错", "全错", "少送", "没给", "没有给", "没送", "忘了", "丢了", "坏了", "退款", "再也不",
        "不会再", "不推荐", "不建议", "不好", "不行", "不满意", "不合理", "不公平", "不公正", "不靠谱",
        "不专业", "不像话", "不应该", "不怎么样", "不咋地", "不咋样", "很一般", "太一般", "非常一般",
        "比较一般", "一般般", "味道一般", "不敢恭维", "才到", "才送到", "长时间", "咸", "搞错", "弄错",
        "错了", "打不通", "没人接", "不接电话", "关机", "很麻烦", "太麻烦", "非常麻烦", "有待提高",
        "有待改进", "有待加强", "需要改进", "不如",
        # 微博表情
        "[泪]", "[怒]", "[抓狂]", "[衰]", "[晕]", "[哼]", "[鄙视]", "[生病]", "[悲伤]",
        "[失望]", "[吐]", "[伤心]", "[委屈]", "[可怜]", "[怒骂]", "[弱]", "[汗]",
    ],
    "negations": [
        "不太", "不是很", "不是太", "不够", "不大", "不算", "不怎么", "不那么", "没那么", "不是",
        "没有", "并非", "并不", "并没有", "从未", "从不", "绝不", "毫无", "没有发现", "没发现",
        "未发现", "不", "没", "未", "无",
    ],
    "negation_window": 4,
    "negation_exceptions": [
        "不仅", "不但", "不断", "不少", "不久", "不管", "不论", "无论", "不过", "不禁", "不停",
        "不已", "不一会", "不约而同", "不料", "不只", "不光", "差不多", "未来", "未成年", "无数",
        "毫无疑问", "无人机", "无线", "无偿", "无私", "无缝", "无烟", "不得了", "了不起", "不一样",
        "不同", "没想到", "无时无刻", "不可思议",
    ],
    "modal_negations": [
        "无法", "无力", "无处", "无门", "无从", "不敢", "不能", "不让", "不给", "不准", "不许",
        "不肯", "不愿", "不予", "不得不", "不得", "没法", "没办法", "不会", "不要", "别让", "不再",
    ],
    "positive_words": [
        # 评价（出现即抵消负面分）
        "满意", "好吃", "好喝", "干净", "新鲜", "热情", "周到", "方便", "舒服", "舒适", "划算",
        "实惠", "值得", "推荐", "喜欢", "不错", "好评", "很好", "挺好", "非常好", "好用", "便宜",
        "安静", "宽敞", "很快", "准时", "友好", "称赞", "点赞", "赞扬", "赞", "棒", "给力",
        # 正面新闻
        "成功", "圆满", "顺利", "表彰", "荣获", "喜获", "获评", "先进", "模范", "优秀", "典范",
        "锦旗", "致谢", "暖心", "温暖", "感动", "幸福", "丰收", "增收", "圆梦", "喜迎", "欢乐",
        "开心", "高兴", "精彩", "美好",
        # 诉求用语（权重 0：只在被否定时计为负面，如「没有处理」「不及时」）
        "好", "热", "味道", "及时", "专业", "负责", "合理", "公平", "公正", "规范", "到位",
        "卫生", "感谢", "处理", "解决", "回复", "答复", "落实", "整改", "兑现", "发放", "到账",
        "退还", "赔偿", "理睬", "重视",
        # 微博表情
        "[哈哈]", "[嘻嘻]", "[爱你]", "[鼓掌]", "[赞]", "[心]", "[good]", "[太开心]",
        "[给力]", "[威武]", "[酷]", "[偷笑]", "[花心]",
    ],
    "frames": [
        "打击", "整治", "治理", "防范", "预防", "严防", "严查", "严打", "查处", "惩治", "遏制",
        "杜绝", "整顿", "严禁", "禁止", "受理", "排查", "宣传", "演练", "应急演练", "应急预案",
        "防止", "避免", "清理", "化解", "调解", "抵制", "远离", "警惕", "谨防", "识别", "举报奖励",
        "减轻", "打消", "缓解", "应对", "摆脱", "告别", "破解", "走出", "破获", "抓获", "侦破",
        "捣毁", "打掉", "挽回", "追回", "帮助", "协助", "协调", "妥善处理", "救援", "救助", "抢救",
        "救治", "排除", "消除", "警示", "曝光台",
    ],
    "frame_window": 10,
    "exclusions": [
        "出差", "差不多", "差异", "误差", "偏差", "时差", "温差", "差旅", "差价", "差额", "落差",
        "参差", "差距", "差点", "差事", "交差", "差错", "相差", "信号差", "臭豆腐", "投诉电话",
        "举报电话", "举报邮箱", "举报箱", "举报信箱", "投诉举报电话", "反腐", "反腐败", "防腐", "反诈",
        "防诈", "防骗", "扫黑除恶", "打黑", "灭火", "消防", "防火", "烂漫", "灿烂", "等了解",
        "难以置信", "不好意思", "不可避免", "不如意", "到底是", "哭笑不得", "有待于", "麻烦", "征服",
        "说服", "克服", "佩服", "信服", "衣服", "制服", "折服", "收服", "降服", "老旧小区", "收割机",
        "垃圾桶", "垃圾箱", "垃圾分类", "垃圾处理", "垃圾清运", "垃圾袋", "垃圾车", "生活垃圾", "垃圾收集",
        "垃圾转运", "笑死", "死磕", "死心塌地", "生死", "死守", "伤感", "慢慢", "慢性", "慢行",
        "缓慢", "快慢", "慢跑", "慢火", "慢炖", "处罚决定书", "罚款单", "无人机",
        # 脏 (dirty) inside the organs (脏, zàng): 「心脏衰竭」 is no complaint about dirt
        "心脏", "肝脏", "肾脏", "脾脏", "肺脏", "内脏", "脏器", "五脏",
    ],
    "threshold": 1.0,
    "weights": {
        "才到": 0.5, "才送到": 0.5, "长时间": 0.5, "咸": 0.5, "错了": 0.5, "关机": 0.5,
        "起诉": 0.5, "反映": 0.5, "恳请": 0.5, "恳求": 0.5, "求助": 0.5, "帮帮": 0.5,
        "辛苦钱": 0.5, "讨回": 0.5, "追讨": 0.5, "催要": 0.5, "催讨": 0.5, "私自": 0.5,
        "擅自": 0.5, "占道": 0.5, "违停": 0.5, "强制": 0.5, "被迫": 0.5, "出事": 0.5,
        "脱落": 0.5, "粉尘": 0.5, "扬尘": 0.5, "污水": 0.5, "隐患": 0.5, "处罚": 0.5,
        "罚款": 0.5, "处分": 0.5, "问责": 0.5, "质疑": 0.5, "吐槽": 0.5, "过分": 0.5,
        "凭什么": 0.5, "难道": 0.5, "居然": 0.5, "竟然": 0.5, "究竟": 0.5, "到底": 0.5,
        "不如": 0.5, "担心": 0.5, "害怕": 0.5, "烦": 0.5, "哭": 0.5, "焦虑": 0.5,
        "争议": 0.5, "道歉": 0.5, "被指": 0.5, "被炒": 0.5, "辞职": 0.5, "跳水": 0.5,
        "收割": 0.5, "召回": 0.5, "停售": 0.5, "停牌": 0.5, "熔断": 0.5, "感染": 0.5,
        "阳性": 0.5, "确诊": 0.5, "难题": 0.5, "困境": 0.5, "危机": 0.5, "痛点": 0.5,
        "乱象": 0.5, "不稳定": 0.5, "不足": 0.5, "不实": 0.5, "气到": 0.5, "遭": 0.5,
        "遭遇": 0.5, "谁管": 0.5, "严重": 0.5, "死": 0.5, "伤": 0.5, "傻眼": 0.5,
        "呵呵": 0.5, "搞笑": 0.5, "好久": 0.5, "丢了": 0.5, "催了": 0.5, "太多了": 0.5,
        "没有给": 0.5, "坏了": 0.5, "慢": 0.5, "忘了": 0.5, "没给": 0.5, "没送": 0.5,
        "漏了": 0.5, "等了": 0.5, "有待提高": 0.5, "有待改进": 0.5, "有待加强": 0.5,
        "需要改进": 0.5, "不应该": 0.5, "方便": 0.5, "便宜": 0.5, "安静": 0.5, "宽敞": 0.5,
        "很快": 0.5, "成功": 0.5, "先进": 0.5, "优秀": 0.5, "美好": 0.5, "精彩": 0.5,
        "不太": 0.5, "不是很": 0.5, "不是太": 0.5, "不够": 0.5, "不大": 0.5, "不算": 0.5,
        "不怎么": 0.5, "不那么": 0.5, "没那么": 0.5,
        "热": 0.0, "味道": 0.0, "好": 0.0, "及时": 0.0, "专业": 0.0, "负责": 0.0,
        "合理": 0.0, "公平": 0.0, "公正": 0.0, "规范": 0.0, "到位": 0.0, "卫生": 0.0,
        "感谢": 0.0, "处理": 0.0, "解决": 0.0, "回复": 0.0, "答复": 0.0, "落实": 0.0,
        "整改": 0.0, "兑现": 0.0, "发放": 0.0, "到账": 0.0, "退还": 0.0, "赔偿": 0.0,
        "理睬": 0.0, "重视": 0.0,
    },
}
# END LEXICON

DEFAULT_LEXICON: ToneLexicon = ToneLexicon.from_table(_DEFAULT_TABLE)


def analyse(text: str, lexicon: ToneLexicon = DEFAULT_LEXICON) -> tuple[list[str], float]:
    """(the negative hits in order, the score): negative_hits and tone_score in one scan."""
    return _analyse(text, lexicon)


def negative_hits(text: str, lexicon: ToneLexicon = DEFAULT_LEXICON) -> list[str]:
    """The negative words that fired (not negated, not excluded, not framed), in order of
    appearance, deduplicated. A negated positive word or frame is reported as it stands in
    the text, negation included: 「房间不太干净」 → 「不太干净」, 「一直没有处理」 → 「没有处理」.
    Hits alone do not make a post negative: praise may outweigh a weak hit (is_negative).
    """
    return _analyse(text, lexicon)[0]


def tone_score(text: str, lexicon: ToneLexicon = DEFAULT_LEXICON) -> float:
    """The weighted negative hits minus the weighted positive words (0.0 without hits)."""
    return _analyse(text, lexicon)[1]


def is_negative(text: str, lexicon: ToneLexicon = DEFAULT_LEXICON) -> bool:
    """True when the post reads as negative: a hit, and a score of at least the threshold."""
    hits, score = _analyse(text, lexicon)
    return bool(hits) and score >= lexicon.threshold


# A copy of the built-in word list in an old rules.toml (before the model) holds hundreds of
# its words; those are the model's business, not the office's additions.
_LEGACY_COPY = 100


@dataclass(frozen=True)
class OfficeWords:
    """The office's [negative] table as `yuqing.text.negativity` uses it: its own words
    (negated as the built-in lexicon negates), extra exclusions, the score threshold."""

    lexicon: ToneLexicon | None  # the office's own words, negations as built in
    exclusions: tuple[str, ...] = ()
    score_threshold: float | None = None

    @classmethod
    def from_table(cls, table: dict[str, Any] | None) -> OfficeWords:
        """From the parsed [negative] table; ValueError (Chinese) on a bad key or value."""
        table = dict(table or {})
        score_threshold = table.pop("score_threshold", None)
        if score_threshold is not None and (
                isinstance(score_threshold, bool) or not isinstance(score_threshold, int | float)
                or not 0 < score_threshold < 1):
            raise ValueError("[negative] score_threshold 应为 0 到 1 之间的小数，如 score_threshold = 0.5")
        merged = ToneLexicon.from_table(table, merge=True)
        builtin = set(DEFAULT_LEXICON.words)
        words = list(ToneLexicon.listed(table, "words"))
        if len(builtin.intersection(words)) > _LEGACY_COPY:
            words = [w for w in words if w not in builtin]
        extra_exclusions = tuple(e for e in ToneLexicon.listed(table, "exclusions")
                                 if e not in set(DEFAULT_LEXICON.exclusions))
        lexicon = None
        if words:
            lexicon = ToneLexicon(
                words=words, negations=merged.negations, window=merged.window,
                negation_exceptions=merged.negation_exceptions,
                modal_negations=merged.modal_negations, positive_words=(),
                frames=merged.frames, frame_window=merged.frame_window,
                exclusions=merged.exclusions, weights=merged.weights,
            )
        return cls(lexicon, extra_exclusions, float(score_threshold) if score_threshold else None)


def builtin_vocabulary() -> dict[str, tuple[str, ...]]:
    """The built-in lexicon's lists by kind, as `yuqing rules show negative` prints them."""
    lexicon = DEFAULT_LEXICON
    return {
        "words": lexicon.words, "positive_words": lexicon.positive_words, "frames": lexicon.frames,
        "exclusions": lexicon.exclusions, "negations": lexicon.negations,
        "modal_negations": lexicon.modal_negations, "negation_exceptions": lexicon.negation_exceptions,
    }
