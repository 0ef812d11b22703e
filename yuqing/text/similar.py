"""Which posts are the same story (相似文章合并): reprints, retitled copies, forum threads.

Pure functions, no database. The pipeline for one post is

    clean_for_matching  ->  fingerprint  ->  band_keys  ->  candidates  ->  same_story

* ``clean_for_matching`` strips what reprinting adds (「转载｜」「【央视新闻】」「来源：人民日报」
  「原标题：…」「责任编辑：…」「（记者 张三）」, URLs, whitespace, punctuation), leaving the
  story's own words in a matching form (lower case; letters, digits and CJK only; full-width
  letters and digits made ASCII).
* ``fingerprint`` keeps, compactly (about 150 bytes for a title-only post, 400 with text):
  the cleaned title itself — titles are short, and comparing them tells an insertion (a
  reprint's 「…省省长」 for 「…省长」) from a substitution (「清河县召开防汛会议」 vs
  「清河县召开抗旱会议」: two stories from one template); a 16-hash MinHash of the title's
  character bigrams (for lookup keys and screening); a 64-bin one-permutation MinHash (OPH)
  of the text's 4-character shingles and the shingle count, from which Jaccard similarity
  and containment (trimmed copies) are estimated; a hash of the text's first 24 characters
  (what a trimmed copy keeps); and alternative titles found in the text — the 「原标题：」 of
  a retitled copy and 《…》 quotations, which is how a forum post cites the news it discusses.
* ``band_keys`` are LSH keys, signed 64-bit so they fit an SQLite INTEGER. From the title:
  the exact cleaned title, each alternative title and each clause of 8+ characters (one
  space of keys, so a forum thread's 「求证：X，…」 meets the news titled X), the first and
  last 8 characters and the two halves (a prefix added or a word changed leaves one whole),
  and for titles of 6-12 characters four 4-row bands of the title MinHash. From the text:
  its opening and six 5-row bands of the text OPH. About 6 keys for a title-only post, 12
  with a text. Copies of one story share at least one with high probability. Store them as
  rows (key, post_id, at); a new post's candidates are the posts sharing a key inside the
  window, in memory (``StoryIndex``) or in SQLite (then ``choose_group``).
* ``judge`` / ``same_story`` verify a candidate; ``choose_group`` picks the best group among
  verified candidates; ``StoryIndex`` does all of it in memory within a time window.

Everything is deterministic (no Python ``hash()``, fixed seeds), so keys stored by one cron
run match the keys computed by the next. ``fingerprints`` does many posts at once with numpy
(the fast path for batches); ``fingerprint`` is the same for one.
"""

from __future__ import annotations

import gc
import re
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import islice

import numpy as np

__all__ = [
    "Fingerprint",
    "StoryIndex",
    "Verdict",
    "band_keys",
    "choose_group",
    "clean_for_matching",
    "fingerprint",
    "fingerprints",
    "judge",
    "prepare",
    "same_story",
    "similarity",
]

# ---------------------------------------------------------------- parameters

SHINGLE = 4  # characters per text shingle
TEXT_BINS = 64  # OPH bins of the text signature
TEXT_BANDS, TEXT_ROWS = 6, 5  # LSH over the first 30 bins
TITLE_BANDS, TITLE_ROWS = 4, 4
TITLE_HASHES = TITLE_BANDS * TITLE_ROWS  # MinHash of title bigrams
EDGE_CHARS = 8  # a title's first and last characters (and halves), one key each
SHORT_TITLE = 12  # titles up to this long also get MinHash band keys
LEAD_CHARS = 24  # the text opening hashed into one key
MAX_TEXT = 6000  # characters of text used (matching form)
MIN_TEXT = 24  # shingles below which a text is too short to judge on
MAX_TITLE = 120  # characters of cleaned title kept
MAX_ALT = 3  # alternative titles kept
MIN_EXACT = 4  # an identical title this long (cleaned) is the same story ...
MIN_NEAR = 6  # ... a near-identical one needs this many characters ...
MIN_CONTAIN = 8  # ... and a title found inside a longer one this many
STRONG_TITLE = 10  # a title this long, matched, outweighs clearly different texts
TEXT_SAME_J = 0.85  # estimated Jaccard of text shingles that makes a copy whatever the titles
TEXT_SAME_C = 0.9  # estimated containment (shorter in longer) that makes a copy or trimmed copy
TEXT_LEAD_C = 0.75  # ... or this when both texts open alike (a trimmed copy keeps the opening)
TEXT_COPY_J = 0.25  # ... together with at least this Jaccard
TEXT_CONFLICT_J = 0.45  # ... or this much when the titles conflict (see _title_relation)
TEXT_DIFFER_J = 0.12  # below this the texts are clearly different
LONG_TEXT = 100  # shingles: two texts this long that differ are two stories, whatever the title

_U32, _U64 = np.uint32, np.uint64
# The hash parameters: drawn once from np.random.Generator(np.random.PCG64(20240617)) (see
# tests/text/test_similar.py, which draws them again) and written out, because importing
# numpy.random costs every run ~35 ms of CPU for 66 numbers. Keys must never change.
_TITLE_A = np.array([1914891763, 2410338929, 33745349, 2587310747, 206140603, 2509057729, 3946319663,
                     3275219135, 596489755, 2475108515, 1526983429, 926257205, 1584570329, 4213994615,
                     4255274129, 1100323015], dtype=np.uint32)
_TITLE_B = np.array([1862110805, 966126869, 475425823, 2738086907, 2938974048, 4059587234, 1413227950,
                     498032468, 443371602, 1577377149, 914924046, 1226949806, 1832109780, 1416082850,
                     3973825177, 3462453579], dtype=np.uint32)
_TITLE_SALT = np.array([808778671407853402, 8593213063501401852, 1643781780501905673, 4650767003148418596],
                       dtype=np.uint64)
_TEXT_SALT = np.array([1895326537848223957, 8776645729731150436, 2253625001514197334, 6163398792642911863,
                       4819743741120244178, 7699400295452116736], dtype=np.uint64)
_LEAD_POW = np.array([2268185980772238471, 8644573339799968697, 8812912542073843599, 782229356507932031,
                      112700190536706387, 1969802842594136403, 1616256694881814811, 7941909512668106679,
                      567989302781390183, 5147924114647837265, 4010096650757402127, 3882974257297984491,
                      1997266598364889307, 7568739241648137871, 1986203186386260923, 1604980880000477165,
                      1295535314786163857, 4454633719338005343, 8616115760981988745, 9067039029341439089,
                      6264467256863412167, 532630159207223125, 1312830446390753127, 1062002736997607641],
                     dtype=np.uint64)
_EMPTY = 0xFFFFFFFF
_NO_TITLE = struct.pack("<I", 0xFFFFFFFE) * TITLE_HASHES  # the signature of no title

# ---------------------------------------------------------------- cleaning

_URL = re.compile(r"(?:https?://|www\.)[\w\-./?%&=+#:~;,@!$*'()\[\]]+", re.ASCII | re.IGNORECASE)
# 「【央视新闻】」「[转载]」「〔视频〕」 tags at either end of a title
_TAG_HEAD = re.compile(r"^\s*[【\[〔［][^】\]〕］\d]{0,16}[】\]〕］]\s*")  # a tag with digits is content
_TAG_TAIL = re.compile(
    r"\s*(?:[【\[〔［][^】\]〕］\d]{0,16}[】\]〕］]"
    r"|[（(](?:转载|转帖|转|原创|图|组图|多图|图文|视频|附视频|音频|更新|完|全文|直播|"
    r"(?:来源|转自|来自|作者|编辑)[^）)]{0,14})[）)])\s*$"
)
# 「转载｜」「转：」「Re:」「来源：人民日报｜」 before a title
_PREFIX = re.compile(
    r"^\s*(?:转载|转发|转帖|转自[^\s:：|｜丨]{0,12}|转|原创|独家|快讯|突发|重磅|热点|热议|推荐|置顶|"
    r"精华|视频|图文|组图|直播|最新|刚刚|关注|聚焦|提醒|注意|来源[^\s:：|｜丨]{0,12}|re|回复|答复|fw|fwd)"
    r"\s*[:：|｜丨/]+\s*",
    re.IGNORECASE,
)
# 「央视新闻丨…」 and 「…_清河新闻网」「… - 新浪新闻」「…｜人民日报」
_BAR_HEAD = re.compile(r"^\s*[^|｜丨\s]{1,8}\s*[|｜丨]\s*")
_BAR_TAIL = re.compile(r"\s*(?:([|｜丨_])|\s([-–—])+)\s*[^|｜丨_]{1,16}$")
_OUTLET_ENDINGS = (
    "日报", "晚报", "早报", "时报", "商报", "周刊", "周报", "新闻", "网", "发布", "客户端", "融媒", "融媒体",
    "电视台", "频道", "之声", "在线", "头条", "号", "社", "报", "官微", "中心", "观察", "视界",
)
_COLUMNS = frozenset((
    "关注", "热点", "万象", "推荐", "视频", "快讯", "独家", "原创", "推广", "广告", "早安", "晚安", "夜读",
    "聚焦", "话题", "评论", "社论", "锐评", "观点", "转载", "重磅", "突发", "最新", "直播", "图文",
))
_TITLE_ORIGINAL = re.compile(r"原标题\s*[:：]\s*(.+)$")
_WRAPPING = re.compile(r"[【\[〔［（(|｜丨_\-–—:：/]|原标题")  # any of the above possible
# boilerplate inside a text
_ORIGINAL_TITLE = re.compile(
    r"原标题\s*[:：]\s*[《“\"「]?([^\n》”\"」]{4,80}?)[》”\"」]?(?=\n|\s{2}|$|[（(])"
)
# (cheap substring guards, pattern): a pattern runs only where one of its guards occurs
_BOILER = tuple((guards, re.compile(pattern)) for guards, pattern in (
    (("记者", "通讯员", "编辑", "来源", "摄影", "作者"),  # （记者 张三 通讯员 李四）
     r"[（(][^（）()\n]{0,12}(?:记者|通讯员|编辑|来源|摄影|作者)[^（）()\n]{0,24}[）)]"),
    (("【", "[", "〔"), r"[【\[〔][^】\]〕\n]{0,16}[】\]〕]"),  # 【央视新闻】
    (("本文", "转载请注明"), r"本文(?:转载|转自|来源|来自)[^\s。！？]{0,30}|转载请注明[^\s。！？]{0,20}"),
    (("点击", "戳", "阅读原文"),
     r"(?:点击|戳)(?:上方|下方|左下角|右上角|文末|蓝字|阅读原文)[^\s。！？]{0,24}|阅读原文"),
    (("长按", "扫描", "扫码"), r"(?:长按|扫描|扫码)(?:识别)?(?:二维码)?(?:关注|下载|订阅)[^\s。！？]{0,20}"),
    (("版权", "著作权", "侵权"), r"(?:版权|著作权)(?:归|属于)[^\s。！？]{0,24}|如有侵权[^\s。！？]{0,24}"),
    (("免责声明", "来自网络", "编者按"), r"免责声明[:：][^\n]*|[（(]图片?来自网络[）)]|编者按[:：]?"),
))
_GUARD_RULE = {guard: rule for rule, (guards, _) in enumerate(_BOILER) for guard in guards}
_GUARDS = re.compile("|".join(map(re.escape, _GUARD_RULE)))  # one scan finds which rules to run
# 「来源：人民日报」「责任编辑：张三、李四」「文/王五」: a field name before a separator
_FIELD_NAMES = frozenset((
    "信息来源", "文章来源", "本文来源", "稿件来源", "新闻来源", "图片来源", "视频来源", "来源", "稿源", "转自", "出处", "责任编辑",
    "责编", "值班编辑", "编辑", "主编", "编审", "终审", "初审", "复审", "审核", "审校", "校对", "监制", "出品人", "出品",
    "制作", "策划", "统筹", "设计", "实习生", "实习记者", "见习记者", "本报记者", "通讯员", "记者", "作者", "撰文", "摄影",
    "摄像", "图片", "图文", "文", "图",
))
_SEPARATOR = re.compile(r"[:：/／|｜]")
_FIELD_VALUE = re.compile(
    r"\s*[^\s。！？!?；;，,（）()【】\[\]]{0,24}(?:\s*[、，,]\s*[^\s。！？!?；;，,（）()【】\[\]:：]{1,12}){0,4}"
)
_QUOTED = re.compile(r"《([^《》\n]{10,60})》")
_NON_WORD = re.compile(r"[\W_丨]+")  # 丨 is a CJK character used as a bar
_CLAUSE = re.compile(r"[，,：:！!？?；;。|｜丨\s—–~～]+")
_WORD = re.compile(r"[^\W_丨]")
_FULLWIDTH = re.compile(r"[\uff01-\uff5e\u3000]")
_TO_HALFWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _halfwidth(s: str) -> str:
    """Full-width letters, digits and signs to ASCII (what NFKC does to them)."""
    return s.translate(_TO_HALFWIDTH) if _FULLWIDTH.search(s) else s


def _squash(s: str) -> str:
    """The matching form: ASCII for full-width, lower case, letters / digits / CJK only."""
    return _NON_WORD.sub("", _halfwidth(s).lower())


def _clean_title(title: str) -> str:
    return _squash(_peel_title(title))[:MAX_TITLE]


def _title_form(peeled: str) -> tuple[str, bytes]:
    """The cleaned title and where its clauses begin (「求证：X，Y」 -> offsets of X and Y)."""
    peeled = _halfwidth(peeled).lower()
    if not _CLAUSE.search(peeled):
        return _NON_WORD.sub("", peeled)[:MAX_TITLE], b""
    sub = _NON_WORD.sub
    pieces = [p for p in (sub("", c) for c in _CLAUSE.split(peeled)) if p]  # separators are no words
    title = "".join(pieces)[:MAX_TITLE]
    cuts, at = [], 0
    for piece in pieces[:-1]:
        at += len(piece)
        if at >= min(len(title), 255):
            break
        cuts.append(at)
    return title, bytes(cuts)


def _peel_title(title: str) -> str:
    """The title without reprint wrappers, punctuation still in."""
    t = title or ""
    if "http" in t or "www." in t or "HTTP" in t:
        t = _URL.sub(" ", t)
    if not _WRAPPING.search(t):
        return t
    t = t.strip()
    for _ in range(4):  # peel nested wrappers: 「转载｜【央视新闻】原题」
        before = t
        m = _TITLE_ORIGINAL.search(t)
        if m and len(_squash(m.group(1))) >= 2:
            t = m.group(1)
        t = _PREFIX.sub("", t)
        head = _TAG_HEAD.match(t)
        if head and len(_squash(t[head.end():])) >= 2:
            t = t[head.end():]
        tail = _TAG_TAIL.search(t)
        if tail and len(_squash(t[: tail.start()])) >= 2:
            t = t[: tail.start()]
        t = _strip_bars(t)
        if t == before:
            break
    return t


def _strip_bars(t: str) -> str:
    """「央视新闻丨标题」 -> 标题, 「标题｜人民日报」「标题_新浪新闻」「标题 - 清河网」 -> 标题.

    A bar can put the outlet or column on either side: the side that looks like one goes
    (an outlet's ending, 「…日报」「…新闻网」, or a column word, 「关注」「热点」); failing
    that, a head of at most 6 characters before a longer title, else the tail.
    """
    head = _BAR_HEAD.match(t)
    tail = _BAR_TAIL.search(t)
    if head is None and tail is None:
        return t
    rest_h = t[head.end():] if head else ""
    rest_t = t[: tail.start()] if tail else ""
    if head and _is_outlet(t[: head.end()]) and len(_squash(rest_h)) >= 2:
        return rest_h
    web = tail is not None and (tail.group(1) == "_" or tail.group(2) is not None)  # 「标题_站名」
    if tail and (web or _is_outlet(t[tail.start():])) and len(_squash(rest_t)) >= 2:
        return rest_t
    if head and len(_squash(t[: head.end()])) <= 6 and len(_squash(rest_h)) >= MIN_EXACT:
        return rest_h
    if tail and len(_squash(rest_t)) >= MIN_EXACT:
        return rest_t
    return t


def _is_outlet(segment: str) -> bool:
    word = _squash(segment)
    return bool(word) and (word in _COLUMNS or word.endswith(_OUTLET_ENDINGS))


def _drop_fields(t: str) -> str:
    """Remove 「name：value」 bylines (来源、编辑、记者 …) found by their separator."""
    out: list[str] = []
    last = 0
    for m in _SEPARATOR.finditer(t):
        i = m.start()
        if i < last:
            continue
        j = i
        while j > last and t[j - 1] in " \t\u3000":
            j -= 1
        for size in range(min(5, j - last), 0, -1):  # the longest name first
            if t[j - size : j] in _FIELD_NAMES:
                if size == 1 and j - 1 > 0 and t[j - 2].isalnum():
                    break  # 「全文：」 is not the byline 「文：」
                value = _FIELD_VALUE.match(t, m.end())
                out.append(t[last : j - size])
                out.append(" ")
                last = value.end() if value else m.end()
                break
    if not out:
        return t
    out.append(t[last:])
    return "".join(out)


def _strip_text(text: str) -> str:
    """Boilerplate removed, punctuation kept (quotations are looked for afterwards)."""
    t = text or ""
    if "http" in t or "www." in t or "HTTP" in t:
        t = _URL.sub(" ", t)
    if "原标题" in t:
        t = _ORIGINAL_TITLE.sub(" ", t)
    hits = _GUARDS.findall(t)
    if hits:
        for rule in sorted({_GUARD_RULE[hit] for hit in hits}):
            t = _BOILER[rule][1].sub(" ", t)
    if _SEPARATOR.search(t):
        t = _drop_fields(t)
    return t


def _title_skip(stripped: str, title: str) -> int:
    """len(title) when the text opens with the title (feeds often repeat it), else 0."""
    if not title:
        return 0
    first = _WORD.search(stripped, 0, 64)
    if first is None or _squash(first.group()) != title[0]:
        return 0
    head = _squash(stripped[: 2 * len(title) + 16])
    return len(title) if head.startswith(title) else 0


def clean_for_matching(title: str, text: str) -> tuple[str, str]:
    """(title, text) with reprint boilerplate, URLs, whitespace and punctuation removed.

    The matching form: full-width letters and digits made ASCII, lower case, letters, digits
    and CJK only. A text that opens with the title loses it; one that merely repeats the
    title (WeChat items often do) or has under 8 characters comes back empty.
    """
    t = _clean_title(title)
    stripped = _strip_text(text)
    body = _squash(stripped)[_title_skip(stripped, t):]
    return t, (body if len(body) >= 8 else "")


def _alt_titles(text: str, stripped: str, title: str) -> tuple[str, ...]:
    """「原标题：…」 and 《quoted headlines》 near the start of the text, cleaned."""
    found: list[str] = []
    if "原标题" in text:
        m = _ORIGINAL_TITLE.search(text[:800])
        if m:
            found.append(_clean_title(m.group(1)))
    if "《" in stripped:
        found.extend(_clean_title(m.group(1)) for m in _QUOTED.finditer(stripped[:400]))
    out: list[str] = []
    for alt in found:
        if len(alt) >= MIN_CONTAIN and alt != title and alt not in out:
            out.append(alt)
    return tuple(out[:MAX_ALT])


# ---------------------------------------------------------------- hashing


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (uint64, in place)."""
    x ^= x >> _U64(30)
    x *= _U64(0xBF58476D1CE4E5B9)
    x ^= x >> _U64(27)
    x *= _U64(0x94D049BB133111EB)
    x ^= x >> _U64(31)
    return x


def _mix32(x: np.ndarray) -> np.ndarray:
    """murmur3 finaliser (uint32, in place)."""
    x ^= x >> _U32(16)
    x *= _U32(0x85EBCA6B)
    x ^= x >> _U32(13)
    x *= _U32(0xC2B2AE35)
    x ^= x >> _U32(16)
    return x


@lru_cache(maxsize=1)
def _word_map() -> np.ndarray:
    """Code point -> its matching-form code point, 0 for what the matching form drops (BMP)."""
    table = np.zeros(0x10000, dtype=np.uint32)
    for c in range(0x10000):
        if 0xD800 <= c < 0xE000:
            continue
        s = _squash(chr(c))
        if len(s) == 1:
            table[c] = ord(s)
    return table


def _codes(s: str) -> np.ndarray:
    return np.frombuffer(s.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated arange(start, start + count) for each pair."""
    first = np.cumsum(counts) - counts
    return np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(starts - first, counts)


def _bodies(stripped: Sequence[str], skips: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Matching-form code points of many texts: (codes, starts, lengths), title prefix skipped."""
    n = len(stripped)
    raw_len = np.fromiter((len(s) for s in stripped), dtype=np.int64, count=n)
    cp = _codes("".join(stripped))
    table = _word_map()
    mapped = table[np.minimum(cp, 0xFFFF)]
    wide = cp > 0xFFFF
    if wide.any():  # CJK extensions B-H stay, emoji and the rest go
        mapped[wide] = np.where((cp[wide] >= 0x20000) & (cp[wide] < 0x32400), cp[wide], 0)
    keep = mapped != 0
    kept = np.concatenate(([0], np.cumsum(keep)))
    raw_start = np.cumsum(raw_len) - raw_len
    starts = kept[raw_start]
    lengths = kept[raw_start + raw_len] - starts
    skip = np.minimum(np.fromiter(skips, dtype=np.int64, count=n), lengths)
    starts, lengths = starts + skip, lengths - skip
    lengths = np.where(lengths >= 8, np.minimum(lengths, MAX_TEXT), 0)
    return mapped[keep], starts, lengths


def _text_sigs(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OPH signatures (n x TEXT_BINS uint32, densified) and shingle counts."""
    n = starts.size
    sigs = np.full((n, TEXT_BINS), _EMPTY, dtype=np.uint32)
    counts = np.maximum(lengths - (SHINGLE - 1), 0)
    if codes.size < SHINGLE or not counts.any():
        return sigs, counts
    p = _U32(0x01000193)
    h = codes[:-3] * p
    h += codes[1:-2]
    h *= p
    h += codes[2:-1]
    h *= p
    h += codes[3:]
    _mix32(h)
    pos = _ranges(starts, counts)
    h = h[pos]
    slot = np.repeat(np.arange(n, dtype=np.uint32) << _U32(6), counts)  # TEXT_BINS == 64
    slot |= h >> _U32(26)
    np.minimum.at(sigs.reshape(-1), slot, h & _U32(0x03FFFFFF))
    _densify(sigs, counts)
    return sigs, counts


def _densify(sigs: np.ndarray, counts: np.ndarray) -> None:
    """Fill empty bins from the next non-empty bin to the right (rotation densification)."""
    empty = sigs == _EMPTY
    rows = np.flatnonzero(empty.any(axis=1) & (counts > 0))
    if rows.size == 0:
        return
    sub, emp = sigs[rows], empty[rows]
    width = TEXT_BINS
    idx = np.where(emp, 4 * width, np.arange(width))
    doubled = np.concatenate([idx, np.where(emp, 4 * width, idx + width)], axis=1)
    nxt = np.minimum.accumulate(doubled[:, ::-1], axis=1)[:, ::-1][:, :width]
    src = nxt % width
    dist = (nxt - np.arange(width)).astype(np.uint32)
    borrowed = np.take_along_axis(sub, src, axis=1)
    filled = _mix32(borrowed + dist * _U32(0x9E3779B9)) | _U32(0x04000000)  # never a real value
    sigs[rows] = np.where(emp, filled, sub)


def _leads(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Hash (int64) of each text's first LEAD_CHARS characters, 0 for texts under twice that."""
    out = np.zeros(starts.size, dtype=np.int64)
    ok = np.flatnonzero(lengths >= 2 * LEAD_CHARS)
    if ok.size:
        grid = codes[starts[ok][:, None] + np.arange(LEAD_CHARS)].astype(np.uint64)
        h = _mix64((grid * _LEAD_POW).sum(axis=1, dtype=np.uint64))
        h[h == 0] = 1
        out[ok] = h.view(np.int64)
    return out


def _title_sigs(titles: Sequence[str]) -> np.ndarray:
    """MinHash (n x TITLE_HASHES uint32) of each title's character bigrams (unigram if 1 char)."""
    n = len(titles)
    out = np.full((n, TITLE_HASHES), 0xFFFFFFFE, dtype=np.uint32)
    lengths = np.fromiter((len(t) for t in titles), dtype=np.int64, count=n)
    if not lengths.any():
        return out
    cp = np.concatenate((_codes("".join(titles)), np.zeros(1, dtype=np.uint32)))
    h = cp[:-1] * _U32(0x01000193) + cp[1:] + _U32(7)  # at each position (the last pads with 0)
    _mix32(h)
    counts = np.where(lengths > 1, lengths - 1, lengths)
    h = h[_ranges(np.cumsum(lengths) - lengths, counts)]
    perm = (_TITLE_B[:, None] ^ h[None, :]) * _TITLE_A[:, None]  # (hashes, bigrams)
    perm ^= perm >> _U32(15)
    nz = np.flatnonzero(counts)
    out[nz] = np.minimum.reduceat(perm, (np.cumsum(counts) - counts)[nz], axis=1).T
    return out


def _title_masks(titles: Sequence[str]) -> list[int]:
    """Every bigram's bit of each title, as a 128-bit mask. A bigram whose bit is missing from
    a mask is missing from the title; one whose bit is present may not be there (another
    bigram may set the same bit)."""
    n = len(titles)
    lengths = np.fromiter((len(t) for t in titles), dtype=np.int64, count=n)
    pairs = np.maximum(lengths - 1, 0)  # bigrams per title
    if not pairs.any():
        return [0] * n
    cp = _codes("".join(titles))
    h = cp[:-1] * _U32(0x01000193) + cp[1:] + _U32(7)  # the bigram at each position
    _mix32(h)
    bit = (h >> _U32(25)).astype(np.uint64)  # 0..127
    low = np.where(bit < 64, _U64(1) << (bit & _U64(63)), _U64(0))
    high = np.where(bit >= 64, _U64(1) << (bit & _U64(63)), _U64(0))
    starts = np.cumsum(lengths) - lengths
    has = np.flatnonzero(pairs)
    at = _ranges(starts[has], pairs[has])  # positions of every title's bigrams
    first = np.cumsum(pairs[has]) - pairs[has]
    whole = [np.bitwise_or.reduceat(w[at], first) for w in (low, high)]
    out = [0] * n
    for i, wl, wh in zip(has.tolist(), *(a.tolist() for a in whole), strict=True):
        out[i] = wl | wh << 64
    return out


def _band_keys(sigs: np.ndarray, bands: int, rows: int, salt: np.ndarray) -> np.ndarray:
    """LSH keys (n x bands int64) of signature rows (n x >= bands*rows uint32)."""
    v = sigs[:, : bands * rows].reshape(sigs.shape[0], bands, rows).astype(np.uint64)
    acc = np.broadcast_to(salt, (sigs.shape[0], bands)).copy()
    for r in range(0, rows, 2):
        word = v[:, :, r] << _U64(32)
        if r + 1 < rows:
            word |= v[:, :, r + 1]
        acc = _mix64(acc ^ word)
    return acc.view(np.int64)


_R = 0x9E3779B97F4A7C15  # odd: invertible modulo 2**64
_R_INV = pow(_R, -1, 1 << 64)
_NAMESPACES = np.array([0x2545F4914F6CDD1D, 0x1B873593C2B2AE35], dtype=np.uint64)  # titles, edges


def _substring_keys(strings: Sequence[str], spans: Sequence[tuple[int, int, int, int]]) -> list[int]:
    """A key (int64) for each span (string index, start, end, key space 0 or 1): equal
    substrings give equal keys whatever string or position they come from (a rolling sum made
    position-free), in separate spaces for whole titles and for title edges."""
    if not spans:
        return []
    lengths = np.fromiter((len(t) for t in strings), dtype=np.int64, count=len(strings))
    offsets = np.cumsum(lengths) - lengths
    v = _mix64(_codes("".join(strings)).astype(np.uint64) + _U64(0x632BE59BD9B4E019))
    n = v.size
    powers = np.full(n + 1, _R, dtype=np.uint64)
    powers[0] = 1
    powers = np.cumprod(powers, dtype=np.uint64)
    inverse = np.full(n + 1, _R_INV, dtype=np.uint64)
    inverse[0] = 1
    inverse = np.cumprod(inverse, dtype=np.uint64)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(v * powers[:n], dtype=np.uint64, out=prefix[1:])
    span = np.array(spans, dtype=np.int64).reshape(-1, 4)
    start = offsets[span[:, 0]] + span[:, 1]
    end = offsets[span[:, 0]] + span[:, 2]
    h = (prefix[end] - prefix[start]) * inverse[start]
    h ^= (end - start).astype(np.uint64) * _U64(0xFF51AFD7ED558CCD)
    h ^= _NAMESPACES[span[:, 3]]
    return _mix64(h).view(np.int64).tolist()


def _title_keys(fps: Sequence[Fingerprint]) -> list[list[int]]:
    """The string keys of each fingerprint's title (see band_keys), in one vectorised pass."""
    strings: list[str] = []
    spans: list[tuple[int, int, int, int]] = []
    owners: list[int] = []  # which fingerprint each span belongs to
    for i, fp in enumerate(fps):
        title, k = fp.title, len(strings)
        strings.append(title)
        n = len(title)
        if n >= MIN_EXACT:
            spans.append((k, 0, n, 0))
            owners.append(i)
        for alt in fp.alt_titles:
            strings.append(alt)
            spans.append((len(strings) - 1, 0, len(alt), 0))
            owners.append(i)
        if fp.title_cuts:  # each clause of a title can be another post's whole title
            bounds = (0, *fp.title_cuts, n)
            for start, end in zip(bounds[:MAX_ALT], bounds[1 : MAX_ALT + 1], strict=False):
                if end - start >= MIN_CONTAIN:
                    spans.append((k, start, end, 0))
                    owners.append(i)
        if n >= EDGE_CHARS:  # a prefix or suffix added leaves one end whole; an edit, one half
            half = (n + 1) // 2
            for start, end in dict.fromkeys(((0, EDGE_CHARS), (n - EDGE_CHARS, n), (0, half), (n - half, n))):
                spans.append((k, start, end, 1))
                owners.append(i)
    out: list[list[int]] = [[] for _ in fps]
    for key, i in zip(_substring_keys(strings, spans), owners, strict=True):
        out[i].append(key)
    return out


# ---------------------------------------------------------------- fingerprint


@dataclass(frozen=True)
class Fingerprint:
    """What same-story matching keeps of a post.

    title      cleaned title (matching form)
    title_sig  MinHash of the title's bigrams, 16 x uint32 little-endian (b"" without title)
    text_sig   one-permutation MinHash of the text's 4-char shingles, 64 x uint32, or b""
    text_len   number of text shingles (0: no usable text)
    lead       hash of the text's first 24 characters (0: text under 48 characters)
    alt_titles 「原标题」 and 《quoted headlines》 found in the text, cleaned
    title_cuts where the title's clauses begin (「求证：X，Y」 -> offsets of X and Y)
    """

    title: str
    title_sig: bytes = b""
    text_sig: bytes = b""
    text_len: int = 0
    lead: int = 0
    alt_titles: tuple[str, ...] = ()
    title_cuts: bytes = b""

    _VERSION = 1
    _HEAD = struct.Struct("<BIqB")

    def to_bytes(self) -> bytes:
        parts = [self._HEAD.pack(self._VERSION, self.text_len, self.lead, len(self.alt_titles))]
        for s in (self.title, *self.alt_titles):
            raw = s.encode("utf-8", "surrogatepass")
            parts += [struct.pack("<H", len(raw)), raw]
        parts += [struct.pack("<BBB", len(self.title_sig) // 4, len(self.text_sig) // 4,
                              len(self.title_cuts)), self.title_sig, self.text_sig, self.title_cuts]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, b: bytes) -> Fingerprint:
        b = bytes(b)
        version, text_len, lead, n_alt = cls._HEAD.unpack_from(b, 0)
        if version != cls._VERSION:
            raise ValueError(f"unknown fingerprint version {version}")
        off = cls._HEAD.size
        strings = []
        for _ in range(1 + n_alt):
            (size,) = struct.unpack_from("<H", b, off)
            strings.append(b[off + 2 : off + 2 + size].decode("utf-8", "surrogatepass"))
            off += 2 + size
        n_title, n_text, n_cuts = struct.unpack_from("<BBB", b, off)
        off += 3
        title_sig = b[off : off + 4 * n_title]
        off += 4 * n_title
        text_sig = b[off : off + 4 * n_text]
        off += 4 * n_text
        cuts = b[off : off + n_cuts]
        return cls(strings[0], title_sig, text_sig, text_len, lead, tuple(strings[1:]), cuts)

    @property
    def has_text(self) -> bool:
        return self.text_len >= MIN_TEXT and bool(self.text_sig)

    @property
    def _mask(self) -> int:
        """The title's bigram mask: see _title_masks."""
        if "_mask_" not in self.__dict__:
            prepare([self])
        return self.__dict__["_mask_"]

    # Verification cache (not part of the value): the low byte of each text signature value,
    # packed in an int, so that equal values are counted by XOR and bytes.count (b-bit
    # minwise hashing: 1/256 of unequal values agree by chance; _lanes corrects for it).
    @property
    def _x8(self) -> int | None:
        d = self.__dict__
        if "_x8_" not in d:
            d["_x8_"] = int.from_bytes(self.text_sig[::4], "little") if self.has_text else None
        return d["_x8_"]


def _lanes(x: int, width: int) -> int:
    """Equal values between two packed b-bit signatures, given their XOR."""
    return x.to_bytes(width, "little").count(0)


def _lanes_j(x: int) -> float:
    """Estimated Jaccard from the XOR of two packed text signatures (chance matches removed)."""
    share = _lanes(x, TEXT_BINS) / TEXT_BINS
    return max(0.0, (share - 1 / 256) / (1 - 1 / 256))


def fingerprints(posts: Iterable[tuple[str, str]]) -> list[Fingerprint]:
    """Fingerprints of many (title, text) pairs, vectorised: the fast path for batches."""
    titles: list[str] = []
    stripped: list[str] = []
    skips: list[int] = []
    alts: list[tuple[str, ...]] = []
    cuts: list[bytes] = []
    for raw_title, raw_text in posts:
        title, title_cuts = _title_form(_peel_title(raw_title))
        cuts.append(title_cuts)
        text = _strip_text(raw_text or "")
        titles.append(title)
        stripped.append(text)
        skips.append(_title_skip(text, title))
        alts.append(_alt_titles(raw_text, text, title) if raw_text else ())
    n = len(titles)
    if not n:
        return []
    tsig = _title_sigs(titles)
    codes, starts, lengths = _bodies(stripped, skips)
    xsig, counts = _text_sigs(codes, starts, lengths)
    leads = _leads(codes, starts, lengths).tolist()
    tblob, xblob = tsig.astype("<u4").tobytes(), xsig.astype("<u4").tobytes()
    tw, xw = 4 * TITLE_HASHES, 4 * TEXT_BINS
    counts = counts.tolist()
    new = object.__new__
    out = []
    for i, title in enumerate(titles):
        n_text = counts[i]
        fp = new(Fingerprint)
        fp.__dict__.update(  # what the frozen dataclass's __init__ would set, without its cost
            title=title,
            title_sig=tblob[i * tw : (i + 1) * tw] if title else b"",
            text_sig=xblob[i * xw : (i + 1) * xw] if n_text else b"",
            text_len=n_text,
            lead=leads[i] if n_text else 0,
            alt_titles=alts[i],
            title_cuts=cuts[i],
        )
        out.append(fp)
    prepare(out)
    return out


def fingerprint(title: str, text: str) -> Fingerprint:
    """fingerprints() of one post. Numpy's per-call overhead makes this about 0.5 ms a post
    where a batch costs about 35 µs a post: fingerprint pending posts together."""
    return fingerprints([(title, text)])[0]


# ---------------------------------------------------------------- LSH keys


def _keys(fp: Fingerprint, string_keys: list[int], title_bands: list[int], text_bands: list[int],
          ) -> tuple[list[int], list[int]]:
    """(keys from the title, keys from the text)."""
    keys = string_keys
    if fp.title_sig and MIN_NEAR <= len(fp.title) <= SHORT_TITLE:
        keys = keys + title_bands
    return keys, (([fp.lead] if fp.lead else []) + text_bands if fp.has_text else [])


def _split_keys(fp: Fingerprint) -> tuple[list[int], list[int]]:
    if "_keys_" not in fp.__dict__:
        prepare([fp])
    return fp.__dict__["_keys_"]


def prepare(fps: Sequence[Fingerprint]) -> None:
    """Compute the lookup caches (LSH keys, title masks) of fingerprints read back from
    storage in one vectorised pass; StoryIndex would otherwise make them one at a time
    (numpy's per-call overhead: about 0.1 ms a fingerprint)."""
    todo = [fp for fp in fps if "_keys_" not in fp.__dict__]
    if not todo:
        return
    tsig = np.frombuffer(b"".join(fp.title_sig or _NO_TITLE for fp in todo), dtype="<u4").reshape(len(todo), -1)
    xsig = np.frombuffer(b"".join(fp.text_sig or bytes(4 * TEXT_BINS) for fp in todo),
                         dtype="<u4").reshape(len(todo), -1)
    title_bands = _band_keys(tsig, TITLE_BANDS, TITLE_ROWS, _TITLE_SALT).tolist()
    text_bands = _band_keys(xsig, TEXT_BANDS, TEXT_ROWS, _TEXT_SALT).tolist()
    masks = _title_masks([fp.title for fp in todo])
    for fp, strings, tk, xk, mask in zip(todo, _title_keys(todo), title_bands, text_bands, masks, strict=True):
        fp.__dict__["_keys_"] = _keys(fp, strings, tk, xk)
        fp.__dict__["_mask_"] = mask


def band_keys(fp: Fingerprint) -> list[int]:
    """LSH keys (signed 64-bit): two copies of one story share at least one, very likely.

    See the module docstring for what they are. A deserialised fingerprint gives the same
    keys as the one it was made from, in this process or any later one.
    """
    title_keys, text_keys = _split_keys(fp)
    return title_keys + text_keys


# ---------------------------------------------------------------- verification


_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=1 << 13)  # recent candidates' titles: 8x as many would hit 0.6% more for 100 MB
def _bigrams(s: str) -> frozenset[str]:
    return frozenset(s[i : i + 2] for i in range(len(s) - 1)) if len(s) > 1 else frozenset((s,))


def _title_relation(a: str, b: str) -> tuple[int, int, float]:
    """(level, conflict, score) of two cleaned titles, from their character bigrams.

    level 2: identical, or near-identical — one title is the other with a small insertion
    (a reprint's 「…省省长」 for 「…省长」); level 1: the shorter title found inside a longer
    one (a forum thread's 「求证：…」, an unrecognised prefix); level 0: different.
    conflict 1: the titles share most of their words but each has words of its own — a
    substitution, the mark of two stories told from one template (「清河县召开防汛会议」 vs
    「清河县召开抗旱会议」, 「…3.2级地震」 vs 「…3.5级地震」).
    """
    if not a or not b:
        return 0, 0, 0.0
    if a == b:
        return (2 if len(a) >= MIN_EXACT else 0), 0, 1.0
    if len(a) > len(b):
        a, b = b, a
    ga, gb = _bigrams(a), _bigrams(b)
    common = len(ga & gb)
    score = 2 * common / (len(ga) + len(gb))
    own_a, own_b = ga - gb, len(gb) - common
    # a, the shorter, is inside b when no bigram of it is missing from b, or one is whose
    # characters b has: the break where b inserts something (「…省长」 in 「…省省长」). A
    # missing bigram with a character b lacks is a substitution (「威县…」 vs 「内丘县…」).
    inside = not own_a or (len(own_a) == 1 and set(next(iter(own_a))) <= set(b))
    if inside and _DIGITS.search(a) and not set(_DIGITS.findall(a)) <= set(_DIGITS.findall(b)):
        inside = False  # 「表彰4名…」 inside 「表彰24名…」: a different number, not an insertion
    if not inside:
        return 0, int(common >= 0.5 * len(ga) and own_b > 0), score
    if len(a) >= MIN_NEAR and own_b <= max(2, len(a) // 4):
        return 2, 0, score
    if len(a) >= MIN_CONTAIN:
        return 1, 0, score
    return 0, 0, score


def _best_title(a: Fingerprint, b: Fingerprint) -> tuple[int, int, float, int]:
    """(level, conflict, score, length of the shorter title) over titles and alternative titles."""
    level, conflict, score = _title_relation(a.title, b.title)
    best = (level, score, min(len(a.title), len(b.title)))
    if level < 2 or score < 1.0:
        pairs = [(a.title, alt) for alt in b.alt_titles] + [(alt, b.title) for alt in a.alt_titles]
        for x, y in pairs:
            lv, _, sc = _title_relation(x, y)
            if (lv, sc) > best[:2]:
                best = (lv, sc, min(len(x), len(y)))
    if best[0]:
        conflict = 0
    return best[0], conflict, best[1], best[2]


def _containment(j: float, na: int, nb: int) -> float:
    """Estimated share of the shorter text found in the longer, from Jaccard and sizes."""
    small, large = min(na, nb), max(na, nb)
    if small * 4 < large:
        return 0.0  # too lopsided to estimate from 64 bins
    return min(1.0, j / (1.0 + j) * (na + nb) / small)


def _text_j(a: Fingerprint, b: Fingerprint) -> float | None:
    """Estimated Jaccard of the two texts' shingles, None unless both have text."""
    xa, xb = a._x8, b._x8
    if xa is None or xb is None:
        return None
    return _lanes_j(xa ^ xb)


@dataclass(frozen=True)
class Verdict:
    same: bool
    score: float  # 0..1
    reason: str


_REASONS = (
    "正文相似 {j:.2f}",
    "标题{kind} {t:.2f}",
    "标题{diff} {t:.2f}",
    "正文包含 {c:.2f}",
    "标题{diff}，正文相似 {j:.2f}",
    "短标题{kind} {t:.2f}，正文相似仅 {j:.2f}",
    "标题{kind} {t:.2f}，长正文不同 {j:.2f}",
    "标题{kind} {t:.2f}，正文相似 {j:.2f}",
)


def _decide(a: Fingerprint, b: Fingerprint, j: float | None) -> tuple:
    """(same, score, reason index, level, conflict, title score, j, c): judge() without words."""
    if j is not None and j >= TEXT_SAME_J:
        return True, j, 0, 0, 0, 0.0, j, 0.0
    level, conflict, tscore, tlen = _best_title(a, b)
    weight = tscore * min(1.0, tlen / STRONG_TITLE)  # 「身边的新闻」 twice proves less than a headline
    if j is None:
        if level:
            return True, weight, 1, level, conflict, tscore, j, 0.0
        return False, weight * 0.5, 2, level, conflict, tscore, j, 0.0
    c = _containment(j, a.text_len, b.text_len)
    text_score = max(j, (j + c) / 2)
    score = max(text_score, (text_score + (weight if level else 0.0)) / 2)
    if c >= (TEXT_SAME_C if a.lead == 0 or a.lead != b.lead else TEXT_LEAD_C) and \
            j >= (TEXT_CONFLICT_J if conflict else TEXT_COPY_J):
        return True, score, 3, level, conflict, tscore, j, c
    if not level:
        return False, score, 4, level, conflict, tscore, j, c
    if tlen < STRONG_TITLE:
        return False, score, 5, level, conflict, tscore, j, c
    if j < TEXT_DIFFER_J and min(a.text_len, b.text_len) >= LONG_TEXT:
        return False, score, 6, level, conflict, tscore, j, c
    # the titles decide over texts that differ (a forum thread under the headline): rank it by
    # the title, a little below the same title without a text to contradict it
    return True, max(text_score, 0.9 * weight), 7, level, conflict, tscore, j, c


def judge(a: Fingerprint, b: Fingerprint) -> Verdict:
    """Same story or not, with a score and a short reason (for explanations and tests).

    With texts on both sides: a near-verbatim text (estimated Jaccard >= 0.85) is the same
    story; so is a copy or trimmed copy — the shorter text >= 90% inside the longer (>= 75%
    when both open with the same 24 characters), with a Jaccard >= 0.25 (>= 0.45 when the
    titles conflict: one template, different words).
    Failing that, matching titles decide if they are 10 characters or longer (a short title
    such as a daily column's 「今日清河」 says little when the texts disagree), unless the
    texts are clearly different (Jaccard < 0.12) and both long (>= 100 shingles: two stories
    under one title). Without a text on one side the
    titles alone decide: identical (>= 4 characters), near-identical (an insertion), or one
    inside the other (>= 8 characters); 「原标题」 and quoted headlines count as titles.
    """
    same, score, why, level, conflict, tscore, j, c = _decide(a, b, _text_j(a, b))
    reason = _REASONS[why].format(
        j=j or 0.0, c=c, t=tscore, kind="相同" if level == 2 else "包含", diff="冲突" if conflict else "不同"
    )
    return Verdict(same, score, reason)


def same_story(a: Fingerprint, b: Fingerprint) -> bool:
    return judge(a, b).same


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """0..1, for explanations and for ranking candidates. Texts: the Jaccard estimate, or its
    mean with containment for a trimmed copy, averaged with matching titles. Titles count in
    proportion to their length up to 10 characters (two posts titled 「身边的新闻」 prove less
    than one headline); without texts, or over texts that differ, the title alone decides."""
    return judge(a, b).score


def choose_group(fp: Fingerprint, candidates: Iterable[tuple[int, Fingerprint]]) -> int | None:
    """The best-matching group among (group_id, fingerprint) candidates, or None.

    For a caller that looks candidates up in SQLite: fetch the posts sharing a band key
    inside the window, pass (their group id, their fingerprint), and file the new post
    under the returned group (or a new one). Ties go to the older (smaller) group id.
    """
    best: tuple[float, int] | None = None
    for group, other in candidates:
        verdict = judge(fp, other)
        if verdict.same and (best is None or (verdict.score, -group) > (best[0], -best[1])):
            best = (verdict.score, group)
    return None if best is None else best[1]


# ---------------------------------------------------------------- in-memory index


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _Columns:
    """What screening reads of each post in a StoryIndex, by slot (a number given in
    order of addition), as numpy columns: candidates of a whole batch are screened in a
    few array operations instead of a Python loop over a million pairs. Slots below
    ``base`` have been dropped; rows are staged as Python lists until ``flush``."""

    _SHAPES = {  # name -> (dtype, row shape)
        "ts": (np.float64, ()),
        "x8": (np.uint8, (TEXT_BINS,)),  # the low byte of each text signature value
        "text_len": (np.int64, ()),  # 0 without a usable text
        "alt": (np.bool_, ()),  # has alternative titles
        "title_len": (np.int64, ()),
        "mask": (np.uint64, (2,)),  # the title's bigram mask: low, high 64 bits
    }

    def __init__(self) -> None:
        self.base = 0  # the first slot still held
        self.fps: list[Fingerprint] = []  # by slot - base
        self.groups: list[int] = []
        self._staged: list[tuple[Fingerprint, float]] = []
        self._rows = 0  # rows of the arrays in use (the rest is room to grow)
        self._arrays = {name: np.empty((1024, *shape), dtype) for name, (dtype, shape) in self._SHAPES.items()}

    def __getattr__(self, name: str) -> np.ndarray:
        arrays = self.__dict__["_arrays"]
        if name not in arrays:
            raise AttributeError(name)
        return arrays[name][: self._rows]

    def add(self, fp: Fingerprint, ts: float, group: int) -> int:
        self.fps.append(fp)
        self.groups.append(group)
        self._staged.append((fp, ts))
        return self.base + len(self.fps) - 1

    def flush(self) -> None:
        staged, self._staged = self._staged, []
        if not staged:
            return
        fps = [fp for fp, _ in staged]
        n, start = len(fps), self._rows
        self._room(start + n)
        low = (1 << 64) - 1
        no_text = bytes(TEXT_BINS)
        rows = slice(start, start + n)
        arrays = self._arrays
        arrays["ts"][rows] = [ts for _, ts in staged]
        arrays["x8"][rows] = np.frombuffer(
            b"".join(fp.text_sig[::4] if fp.has_text else no_text for fp in fps), dtype=np.uint8).reshape(n, -1)
        arrays["text_len"][rows] = [fp.text_len if fp.has_text else 0 for fp in fps]
        arrays["alt"][rows] = [bool(fp.alt_titles) for fp in fps]
        arrays["title_len"][rows] = [len(fp.title) for fp in fps]
        arrays["mask"][rows] = [(m & low, m >> 64) for m in (fp._mask for fp in fps)]
        self._rows = start + n

    def _room(self, rows: int) -> None:
        capacity = len(self._arrays["ts"])
        if rows <= capacity:
            return
        while capacity < rows:
            capacity *= 2
        for name, array in self._arrays.items():
            grown = np.empty((capacity, *array.shape[1:]), array.dtype)
            grown[: self._rows] = array[: self._rows]
            self._arrays[name] = grown

    def drop_below(self, slot: int) -> None:
        cut = slot - self.base
        if cut <= 0:
            return
        self.flush()
        del self.fps[:cut], self.groups[:cut]
        kept = self._rows - cut
        for array in self._arrays.values():
            array[:kept] = array[cut : self._rows]
        self._rows = kept
        self.base = slot


def _screen(cols: _Columns, a: np.ndarray, b: np.ndarray, by_text: np.ndarray, window: float,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which (post, candidate) pairs may be the same story, by cheap necessary tests.

    a, b: the slots of each pair's post and candidate (a candidate filed before its post);
    by_text: the candidate shares only text keys with the post. Returns (in_window,
    survivors, j) over the pairs: survivors reach the full decision; j is the estimated
    text Jaccard (NaN without texts on both sides). Every pair that _decide can call the
    same story survives (see test_screen_keeps_every_pair_decide_accepts):

    * texts on both sides that differ (Jaccard under TEXT_COPY_J) cannot make a copy: the
      pair needs matching titles, unless it was found by text alone (then no title key
      matched) or both texts are long and clearly different (two stories, whatever the
      titles);
    * texts that overlap but too little to be a copy or trimmed copy need matching titles;
    * matching titles need a shorter title of at least MIN_EXACT characters, and all its
      bigrams but one in the longer (the masks: a bit of the shorter's that the longer's
      lacks is a bigram missing for certain; two such bits rule out both containment and
      near-identity, and most titles of one template differ by more than one bigram).
    """
    i, k = a - cols.base, b - cols.base
    in_window = np.abs(cols.ts[k] - cols.ts[i]) <= window
    len_a, len_b = cols.text_len[i], cols.text_len[k]
    both = (len_a > 0) & (len_b > 0)
    lanes = np.count_nonzero(cols.x8[i] == cols.x8[k], axis=1)
    j = np.maximum(0.0, (lanes / TEXT_BINS - 1 / 256) / (1 - 1 / 256))
    copy_lanes = TEXT_COPY_J * (1 - 1 / 256) * TEXT_BINS + TEXT_BINS / 256  # j >= TEXT_COPY_J
    differ = both & (lanes < copy_lanes)
    long_pair = (len_a >= LONG_TEXT) & (len_b >= LONG_TEXT)
    skip = ~in_window | (~both & by_text) | (differ & (by_text | ((j < TEXT_DIFFER_J) & long_pair)))
    small, large = np.minimum(len_a, len_b), np.maximum(len_a, len_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        contained = np.where(small * 4 < large, 0.0, np.minimum(1.0, j / (1.0 + j) * (len_a + len_b) / small))
    text_decides = both & ~differ & ((j >= TEXT_SAME_J) | (contained >= TEXT_LEAD_C))
    titles_needed = ~skip & ~text_decides & ~(cols.alt[i] | cols.alt[k])
    ma, mb = cols.mask[i], cols.mask[k]
    a_shorter = cols.title_len[i] <= cols.title_len[k]
    shorter = np.where(a_shorter[:, None], ma, mb)
    longer = np.where(a_shorter[:, None], mb, ma)
    missing = np.bitwise_count(shorter & ~longer).sum(axis=1)
    titles_may_match = (missing <= 1) & (np.minimum(cols.title_len[i], cols.title_len[k]) >= MIN_EXACT)
    survivors = ~skip & (~titles_needed | titles_may_match)
    return in_window, survivors, np.where(both, j, np.nan)


class _KeyTable:
    """One generation's band keys: the slots filed under each key, in filing order, held as
    two arrays sorted by key (a stable sort keeps each key's slots in filing order)."""

    def __init__(self) -> None:
        self.keys = np.empty(0, np.int64)
        self.slots = np.empty(0, np.int64)

    def ranges(self, keys: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each key, [start, end) of its slots (``order`` sorts ``keys``: sorted needles
        find their places several times faster)."""
        ordered = keys[order]
        lo, hi = np.empty_like(order), np.empty_like(order)
        lo[order] = np.searchsorted(self.keys, ordered, "left")
        hi[order] = np.searchsorted(self.keys, ordered, "right")
        return lo, hi

    def add(self, keys: np.ndarray, slots: np.ndarray, order: np.ndarray) -> None:
        """File ``slots`` under ``keys`` after everything filed before (``order``: a stable
        sort of ``keys``, so that slots under one key stay in filing order)."""
        ordered = keys[order]
        at = np.searchsorted(self.keys, ordered, "right")
        self.keys, self.slots = np.insert(self.keys, at, ordered), np.insert(self.slots, at, slots[order])


def _spans(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) for every position of the spans [start, start + count): owner is
    the index of the span it belongs to (positions as `_ranges`)."""
    return np.repeat(np.arange(len(counts)), counts), _ranges(starts, counts)


def _no_pairs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(post slots, candidate slots, by text only) of no pair."""
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool)


def _ranks_under_key(keys: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each entry: how many entries before it share its key, and its place in the
    stable ``order``."""
    ordered = keys[order]
    group_start = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[group_start, len(keys)])
    rank, position = np.empty_like(order), np.empty_like(order)
    rank[order] = np.arange(len(keys)) - np.repeat(group_start, sizes)
    position[order] = np.arange(len(keys))
    return rank, position


class StoryIndex:
    """Incremental grouping in memory: candidates by shared band key, within a time window.

    ``add`` returns the group id — the post id of the group's first post — joining the
    best-matching group among the verified candidates within ``window_days`` of the post
    (the best score; ties to the older group). Memory holds two generations of posts, each
    one window long by the newest post's time: a generation is dropped whole once it is
    more than two windows old, so every post within one window of the newest is always
    there and memory stays proportional to two windows of posts. ``seed`` loads posts
    grouped by an earlier run (stored fingerprint and group) for incremental use.

    ``add_fingerprints`` takes posts in batches: each post is filed under its keys in
    order, the candidates of the whole batch are screened together (``_screen``), the few
    left are verified one by one, and groups are chosen in order. One post at a time gives
    the same groups, more slowly.
    """

    MAX_BUCKET = 8  # compare with at most this many latest posts per key and generation

    def __init__(self, window_days: float = 7.0):
        self.window = float(window_days) * 86400.0
        self._slot_of: dict[int, int] = {}  # post id -> slot in _cols
        self._cols = _Columns()
        self._current = _KeyTable()  # band key -> slots, this generation
        self._previous = _KeyTable()
        self._unfiled: list[tuple[int, Fingerprint]] = []  # (slot, fingerprint) placed, keys not filed yet
        self._current_ids: list[int] = []  # post ids, this generation
        self._previous_ids: list[int] = []
        self._current_first = 0  # the first slot of this generation
        self._generation_start: float | None = None
        self._dead_below = 0  # slots below this were dropped with their generation
        self.comparisons = 0  # candidates inside the window
        self.verified = 0  # candidates that reached the full decision

    def __len__(self) -> int:
        return len(self._slot_of)

    def group_of(self, post_id: int) -> int | None:
        slot = self._slot_of.get(post_id)
        return None if slot is None else self._cols.groups[slot - self._cols.base]

    def add(self, post_id: int, title: str, text: str, at: datetime) -> int:
        return self.add_fingerprint(post_id, fingerprint(title, text), at)

    def add_many(self, posts: Iterable[tuple[int, str, str, datetime]], batch: int = 2000) -> list[int]:
        """add() for many (post_id, title, text, at) in order; the group of each, in order.

        Fingerprints are computed and candidates screened in vectorised batches (the fast
        path); the groups are the same as from add() one by one.
        """
        groups: list[int] = []
        collecting = gc.isenabled()
        gc.disable()  # nothing here makes reference cycles; collections would only rescan memory
        try:
            for chunk in _chunks(posts, batch):
                fps = fingerprints([(title, text) for _, title, text, _ in chunk])
                groups += self.add_fingerprints([(pid, fp, at) for (pid, _, _, at), fp in zip(chunk, fps, strict=True)])
        finally:
            if collecting:
                gc.enable()
        return groups

    def seed(self, post_id: int, fp: Fingerprint, at: datetime, group: int) -> None:
        """Index a post grouped earlier, without matching it again."""
        self.seed_many([(post_id, fp, at, group)])

    def seed_many(self, posts: Iterable[tuple[int, Fingerprint, datetime, int]]) -> None:
        """`seed` for many (post id, fingerprint, time, group), in time order."""
        for post_id, fp, at, group in posts:
            if post_id not in self._slot_of:
                self._place(post_id, fp, at.timestamp(), group)
        self._file_unfiled()

    def add_fingerprint(self, post_id: int, fp: Fingerprint, at: datetime) -> int:
        return self.add_fingerprints([(post_id, fp, at)])[0]

    def add_fingerprints(self, posts: Sequence[tuple[int, Fingerprint, datetime]]) -> list[int]:
        """The group of each (post id, fingerprint, time), taken in order; a post already
        in the index keeps its group."""
        cols = self._cols
        pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        filed: list[tuple[int, int, bool]] = []  # (post id, slot, new in this batch)
        for post_id, fp, at in posts:
            known = self._slot_of.get(post_id)
            if known is not None:
                filed.append((post_id, known, False))
                continue
            slot = self._place(post_id, fp, at.timestamp(), post_id, pairs)
            filed.append((post_id, slot, True))
        pairs.append(self._file_unfiled(candidates=True))
        cols.flush()
        a, b, by_text = (np.concatenate(column) for column in zip(*pairs, strict=True))
        survivors = self._verified_pairs(a, b, by_text)
        groups = []
        for post_id, slot, new in filed:
            if not new:
                groups.append(cols.groups[slot - cols.base])
                continue
            best_score, best_group = -1.0, post_id
            for other, score in survivors.get(slot, ()):
                group = cols.groups[other - cols.base]
                if score > best_score or (score == best_score and group < best_group):
                    best_score, best_group = score, group
            cols.groups[slot - cols.base] = best_group
            groups.append(best_group)
        cols.drop_below(self._dead_below)
        return groups

    def _verified_pairs(self, a: np.ndarray, b: np.ndarray, by_text: np.ndarray,
                        ) -> dict[int, list[tuple[int, float]]]:
        """post slot -> [(candidate slot, score)] of the candidates judged the same story."""
        if not len(a):
            return {}
        cols = self._cols
        in_window, survivors, j = _screen(cols, a, b, by_text, self.window)
        self.comparisons += int(np.count_nonzero(in_window))
        picked = np.flatnonzero(survivors)
        self.verified += len(picked)
        fps, base = cols.fps, cols.base
        found: dict[int, list[tuple[int, float]]] = {}
        for slot, other, jj in zip(a[picked].tolist(), b[picked].tolist(), j[picked].tolist(), strict=True):
            same, score = _decide(fps[slot - base], fps[other - base], None if jj != jj else jj)[:2]  # NaN: no texts
            if same:
                found.setdefault(slot, []).append((other, score))
        return found

    def _place(self, post_id: int, fp: Fingerprint, ts: float, group: int,
               pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None) -> int:
        """Give a post its slot in the current generation (starting a new generation first
        when its time has come: the posts placed before are filed under their keys then,
        with their candidate pairs added to ``pairs`` when given)."""
        start = self._generation_start
        if start is None:
            self._generation_start = ts
        elif ts >= start + self.window:
            found = self._file_unfiled(candidates=pairs is not None)
            if pairs is not None:
                pairs.append(found)
            self._rotate(ts)
        slot = self._cols.add(fp, ts, group)
        self._slot_of[post_id] = slot
        self._current_ids.append(post_id)
        self._unfiled.append((slot, fp))
        return slot

    def _file_unfiled(self, *, candidates: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """File the posts placed since the last filing under their keys, in order, as if one
        by one; with ``candidates``, also (post slot, candidate slot, by text only) of each
        post and the latest MAX_BUCKET slots under each of its keys in each generation."""
        unfiled, self._unfiled = self._unfiled, []
        if not unfiled:
            return _no_pairs()
        split = [_split_keys(fp) for _, fp in unfiled]
        title_counts = np.array([len(title) for title, _ in split], dtype=np.int64)
        counts = title_counts + np.array([len(text) for _, text in split], dtype=np.int64)
        keys = np.fromiter((k for title, text in split for k in (*title, *text)), np.int64, int(counts.sum()))
        post, place = _spans(np.zeros(len(counts), np.int64), counts)  # each key's post, its place there
        slots = np.array([slot for slot, _ in unfiled], dtype=np.int64)[post]
        order = np.argsort(keys, kind="stable")
        found = self._candidates(keys, slots, place >= title_counts[post], order) if candidates else _no_pairs()
        self._current.add(keys, slots, order)
        return found

    def _candidates(self, keys: np.ndarray, slots: np.ndarray, by_text: np.ndarray, order: np.ndarray,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What one-by-one filing would have found: under each key of each post, the latest
        MAX_BUCKET slots of the previous generation, and the latest MAX_BUCKET of this one
        (filed before this batch, or earlier in it); by title keys first, text keys for the
        rest, the post itself left out."""
        cap = self.MAX_BUCKET
        rank, position = _ranks_under_key(keys, order)
        in_batch = np.minimum(rank, cap)
        lo, hi = self._previous.ranges(keys, order)
        from_previous = np.minimum(hi - lo, cap)
        clo, chi = self._current.ranges(keys, order)
        from_current = np.minimum(chi - clo, cap - in_batch)
        owners, found = [], []
        for starts, taken, source in ((hi - from_previous, from_previous, self._previous.slots),
                                      (chi - from_current, from_current, self._current.slots),
                                      (position - in_batch, in_batch, slots[order])):
            owner, at = _spans(starts, taken)
            owners.append(owner)
            found.append(source[at])
        owner, other = np.concatenate(owners), np.concatenate(found)
        a, text = slots[owner], by_text[owner]
        keep = other != a
        a, other, text = a[keep], other[keep], text[keep]
        first = np.lexsort((text, other, a))  # per (post, candidate): by title first
        a, other, text = a[first], other[first], text[first]
        single = np.ones(len(a), bool)
        single[1:] = (a[1:] != a[:-1]) | (other[1:] != other[:-1])
        return a[single], other[single], text[single]

    def _rotate(self, ts: float) -> None:
        """Start a new generation; the one before the previous is dropped."""
        start = self._generation_start
        assert start is not None
        next_slot = self._cols.base + len(self._cols.fps)
        if ts >= start + 2 * self.window:  # a long gap: nothing in memory is in reach
            self._slot_of.clear()
            self._current, self._previous = _KeyTable(), _KeyTable()
            self._current_ids, self._previous_ids = [], []
            self._generation_start = ts
            self._dead_below = self._current_first = next_slot
            return
        for pid in self._previous_ids:
            self._slot_of.pop(pid, None)
        self._previous, self._previous_ids = self._current, self._current_ids
        self._current, self._current_ids = _KeyTable(), []
        self._dead_below, self._current_first = self._current_first, next_slot
        self._generation_start = start + self.window
