"""Chinese forum date text -> UTC ISO-8601.

Forum lists show times the way a reader likes them, not the way a machine does:
「3 分钟前」「昨天 14:32」「7-30」「2020-4-2 12:05」, often with the absolute date
hidden in a ``title`` attribute. Everything is read as Asia/Shanghai wall-clock time
(the sites we watch are Chinese), relative to the caller's ``now``.

Precision rule: expressions that only name a day (「前天」「3 天前」「2020-7-30」「7-30」)
map to 00:00 of that day; expressions that name a time keep it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "parse_forum_time"]

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A bare 「HH:mm」 or 「M-D HH:mm」 a little in the future is clock skew between the
# forum and us, not yesterday / last year.
_SKEW = timedelta(minutes=10)

_NUM = r"(\d+|[一二两三四五六七八九十半几]+)"
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

_HMS = r"(?P<h>\d{1,2})[:：](?P<mi>\d{2})(?:[:：](?P<s>\d{2}))?"

_RE_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_RE_YMD = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*[,，]?\s*(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*" + _HMS + r"(?!\d))?"
)
_RE_YM = re.compile(r"^(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*月?$")
_RE_MD = re.compile(
    r"^(?P<m>\d{1,2})\s*(?:[-/]|月)\s*(?P<d>\d{1,2})\s*日?(?:\s*(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*"
    + _HMS
    + r")?$"
)
_RE_DAYWORD = re.compile(
    r"^(?P<w>今天|今日|昨天|昨日|前天|大前天)(?:\s*(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*"
    + _HMS
    + r")?$"
)
_RE_CLOCK = re.compile(r"^(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*" + _HMS + r"$")
_RE_AGO = re.compile(
    r"^" + _NUM + r"\s*个?\s*(?P<unit>秒钟?|分钟?|小时|钟头|天|日|周|星期|个?月|年)\s*[以之]?前$"
)
_RE_EN = re.compile(
    r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<y>(?:19|20)\d{2})(?:,?\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ap>am|pm)?)?",
    re.IGNORECASE,
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}

# Labels forums put in front of a date: 「发表于 2020-4-2」「创建时间：7-30」.
_RE_PREFIX = re.compile(
    r"^(?:发表于|发布于|发表时间|发布时间|创建时间|最后回复|回复于|更新于|时间)\s*[:：]?\s*"
)


@dataclass(frozen=True)
class _Parsed:
    """A local (Asia/Shanghai) moment and whether its clock time is real or just 00:00."""

    when: datetime
    has_time: bool


def parse_forum_time(text: str | None, *, now: datetime, title: str | None = None) -> str | None:
    """Forum time text -> UTC ISO-8601 string like '2026-11-27T06:32:00+00:00', or None.

    `now` is an aware datetime (any tz). Interpretation is in Asia/Shanghai.
    If `title` (a title= attribute carrying an absolute date) parses, prefer it; when the
    title names only a day and the text names a time (Discuz: title="2020-8-1",
    text 「昨天 21:26」), the two are combined. Never raises on bad input.
    """
    try:
        local_now = _local_now(now)
        from_text = _parse(text, local_now)
        from_title = _parse(title, local_now, absolute_only=True)
    except (ValueError, OverflowError, TypeError):
        return None
    chosen = from_title or from_text
    if from_title and not from_title.has_time and from_text and from_text.has_time:
        chosen = _Parsed(datetime.combine(from_title.when.date(), from_text.when.timetz()), True)
    if chosen is None:
        return None
    return chosen.when.astimezone(UTC).replace(microsecond=0).isoformat()


def _local_now(now: datetime) -> datetime:
    if now.tzinfo is None:  # be forgiving: a naive `now` is taken as Shanghai time
        now = now.replace(tzinfo=SHANGHAI)
    return now.astimezone(SHANGHAI)


def _clean(text: str) -> str:
    text = html.unescape(text)
    text = re.sub(r"[\s\u00a0\u3000\u200b\ufeff]+", " ", text).strip()
    text = _RE_PREFIX.sub("", text)
    # 「3 天前」 is written with a space, 「3天前」 without; inner spaces never matter here.
    return text.strip(" []()【】（）")


def _parse(text: str | None, now: datetime, *, absolute_only: bool = False) -> _Parsed | None:
    if not text or not isinstance(text, str):
        return None
    s = _clean(text)
    if not s or len(s) > 200:
        return None

    if _RE_ISO.match(s):
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace(" ", "T", 1))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=SHANGHAI)
        return _Parsed(dt.astimezone(SHANGHAI), True)

    m = _RE_YMD.search(s)
    if m:
        return _absolute(int(m["y"]), int(m["m"]), int(m["d"]), m)
    m = _RE_EN.search(s)
    if m:
        return _english(m)
    m = _RE_YM.match(s)
    if m:
        return _at(date(int(m["y"]), int(m["m"]), 1), None)
    if absolute_only:
        return None

    compact = s.replace(" ", "")
    if compact in ("刚刚", "刚才", "几秒前", "秒前", "刚刚发表", "片刻前"):
        return _Parsed(now, True)
    m = _RE_AGO.match(compact)
    if m:
        return _ago(m, now)
    m = _RE_DAYWORD.match(s)
    if m:
        back = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3}[m["w"]]
        return _at(now.date() - timedelta(days=back), _clock(m))
    m = _RE_CLOCK.match(s)
    if m:
        parsed = _at(now.date(), _clock(m))
        if parsed and parsed.when > now + _SKEW:
            parsed = _at(now.date() - timedelta(days=1), _clock(m))
        return parsed
    m = _RE_MD.match(s)
    if m:
        return _month_day(int(m["m"]), int(m["d"]), _clock(m), now)
    return None


def _clock(m: re.Match[str]) -> time | None:
    if m["h"] is None:
        return None
    hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"] or 0)
    ampm = m.groupdict().get("ampm")
    afternoon = ampm in ("下午", "晚上") and hour < 12
    if afternoon or (ampm == "中午" and hour < 11):
        hour += 12
    elif ampm == "凌晨" and hour == 12:
        hour = 0
    if hour == 24 and minute == 0 and second == 0:  # some boards print 24:00
        hour = 23
        minute = second = 59
    return time(hour, minute, second)  # ValueError on 25:61 is caught by the caller


def _at(day: date, clock: time | None) -> _Parsed:
    when = datetime.combine(day, clock or time(0, 0), tzinfo=SHANGHAI)
    return _Parsed(when, clock is not None)


def _absolute(year: int, month: int, day: int, m: re.Match[str]) -> _Parsed:
    return _at(date(year, month, day), _clock(m))


def _english(m: re.Match[str]) -> _Parsed:
    month = _MONTHS[m["mon"][:3].lower()]
    clock = None
    if m["h"] is not None:
        hour = int(m["h"])
        ap = (m["ap"] or "").lower()
        if ap == "pm" and hour < 12:
            hour += 12
        elif ap == "am" and hour == 12:
            hour = 0
        clock = time(hour, int(m["mi"]), int(m["s"] or 0))
    return _at(date(int(m["y"]), month, int(m["d"])), clock)


def _month_day(month: int, day: int, clock: time | None, now: datetime) -> _Parsed:
    """「M-D」 is this year unless that lies in the future; then it was last year."""
    year = now.year
    for candidate_year in (year, year - 1):
        try:
            parsed = _at(date(candidate_year, month, day), clock)
        except ValueError:  # 2-29 in a non-leap year: try the other year
            continue
        limit = now + _SKEW if clock else datetime.combine(now.date(), time(0), tzinfo=SHANGHAI)
        if parsed.when <= limit:
            return parsed
    # Neither year fits (e.g. 2-29 seen on 2-28 after a non-leap year): the previous leap year.
    for back in range(2, 9):
        try:
            return _at(date(year - back, month, day), clock)
        except ValueError:
            continue
    raise ValueError("impossible month/day")


def _ago(m: re.Match[str], now: datetime) -> _Parsed:
    amount = _number(m[1])
    unit = m["unit"].lstrip("个")
    if unit.startswith("秒"):
        return _Parsed(now - timedelta(seconds=amount), True)
    if unit.startswith("分"):
        return _Parsed(now - timedelta(minutes=amount), True)
    if unit in ("小时", "钟头"):
        return _Parsed(now - timedelta(hours=amount), True)
    days = {"天": 1, "日": 1, "周": 7, "星期": 7, "月": 30, "年": 365}[unit] * amount
    return _at(now.date() - timedelta(days=int(days)), None)


def _number(word: str) -> float:
    if word.isdigit():
        return int(word)
    if word == "半":
        return 0.5
    if word == "几":
        return 3
    # 「十」「十五」「二十」「两」 — enough for 「十分钟前」「两小时前」「二十天前」
    if "十" in word:
        tens, _, ones = word.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (
            _CN_DIGITS.get(ones, 0) if ones else 0
        )
    if word in _CN_DIGITS:
        return _CN_DIGITS[word]
    raise ValueError(word)
