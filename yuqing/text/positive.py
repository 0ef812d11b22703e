"""Positive coverage (正面报道) in a title or text: a short built-in vocabulary of the words
official and news writing uses for good news, plus the office's own additions
(`[positive] words` in rules.toml).

Only words that are rarely ironic in Chinese news titles are listed; a post that is also
negative is never 正面 (see grade.nature_of), so 「说好的惠民工程呢」 stays 负面.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from yuqing.text.keywords import KeywordSet

BUILT_IN = (
    # events and festivals
    "隆重开幕", "盛大开幕", "开幕式", "文化节", "旅游节", "丰收节", "博览会", "运动会", "文艺汇演",
    "成功举办", "圆满落幕", "圆满完成", "圆满成功", "顺利召开", "胜利召开",
    # achievements and honours
    "喜迎", "喜获", "喜报", "丰收", "荣获", "获评", "入选", "授予", "表彰", "嘉奖", "先进集体",
    "先进个人", "模范", "标兵", "示范县", "示范村", "优秀", "再创新高", "创历史新高", "首次突破",
    "夺冠", "金牌",
    # services and good deeds
    "惠民", "便民", "利民", "暖心", "温暖", "点赞", "好评", "见义勇为", "助人为乐", "拾金不昧",
    "志愿服务", "爱心", "捐赠", "帮扶", "脱贫", "增收", "致富", "新建成", "建成通车", "正式通车",
    "投入使用", "竣工", "落成", "签约", "招商引资", "助力", "赋能", "焕新", "提质",
    "高质量发展", "乡村振兴", "美丽乡村",
)


@lru_cache(maxsize=8)
def _vocabulary(extra: tuple[str, ...]) -> KeywordSet:
    return KeywordSet((*BUILT_IN, *extra))


def positive_words(text: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The positive words found in `text`, in vocabulary order."""
    vocabulary = _vocabulary(tuple(extra))
    found = vocabulary.found(text)
    if not found:  # most posts: no need to walk the vocabulary
        return ()
    return tuple(w for w in vocabulary.words if w in found)
