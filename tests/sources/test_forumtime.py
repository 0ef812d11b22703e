"""Forum time text -> UTC, from a table of cases with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from yuqing.sources.forumtime import parse_forum_time

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=SH)  # 2026-11-27T02:00:00Z


def utc(*args: int) -> str:
    """Shanghai wall-clock time -> the UTC string the parser returns."""
    return datetime(*args, tzinfo=SH).astimezone(UTC).isoformat()


CASES = [
    # absolute
    ("2020-4-2 12:05", utc(2020, 4, 2, 12, 5)),
    ("2020-04-02", utc(2020, 4, 2)),
    ("2020/4/2 12:05:33", utc(2020, 4, 2, 12, 5, 33)),
    ("2020年4月2日 12:05", utc(2020, 4, 2, 12, 5)),
    ("2020年4月2日", utc(2020, 4, 2)),
    ("2026年 11月 24日 21:18", utc(2026, 11, 24, 21, 18)),  # phpBB zh_cmn_hans
    ("发表于 2020-4-2 12:05", utc(2020, 4, 2, 12, 5)),
    ("2024-01-01T10:00:00+00:00", "2024-01-01T10:00:00+00:00"),  # <time datetime>
    ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00+00:00"),
    ("Mon Jan 01, 2024 10:00 pm", utc(2024, 1, 1, 22, 0)),  # phpBB English
    ("2019-12", utc(2019, 12, 1)),  # Tieba shows year-month for old threads
    # relative to now
    ("3 分钟前", utc(2026, 11, 27, 9, 57)),
    ("3分钟前", utc(2026, 11, 27, 9, 57)),
    ("十分钟前", utc(2026, 11, 27, 9, 50)),
    ("半小时前", utc(2026, 11, 27, 9, 30)),
    ("2 小时前", utc(2026, 11, 27, 8, 0)),
    ("两小时前", utc(2026, 11, 27, 8, 0)),
    ("30 秒前", utc(2026, 11, 27, 9, 59, 30)),
    ("秒前", utc(2026, 11, 27, 10, 0)),
    ("刚刚", utc(2026, 11, 27, 10, 0)),
    ("昨天 14:32", utc(2026, 11, 26, 14, 32)),
    ("昨天&nbsp;14:32", utc(2026, 11, 26, 14, 32)),
    ("前天 09:10", utc(2026, 11, 25, 9, 10)),
    ("前天", utc(2026, 11, 25)),  # a day only: midnight
    ("3 天前", utc(2026, 11, 24)),
    ("3&nbsp;天前", utc(2026, 11, 24)),
    ("\u00a03\u00a0天前 ", utc(2026, 11, 24)),
    ("2 周前", utc(2026, 11, 13)),
    ("今天 08:15", utc(2026, 11, 27, 8, 15)),
    ("下午 3:20", utc(2026, 11, 26, 15, 20)),  # 15:20 today is still ahead: yesterday
    # clock time alone: today, or yesterday when that is ahead of now
    ("09:30", utc(2026, 11, 27, 9, 30)),
    ("10:05", utc(2026, 11, 27, 10, 5)),  # a few minutes ahead: clock skew, still today
    ("10:30", utc(2026, 11, 26, 10, 30)),
    ("23:50", utc(2026, 11, 26, 23, 50)),
    # month-day: this year, or last year when that is ahead of now
    ("11-20", utc(2026, 11, 20)),
    ("11-27", utc(2026, 11, 27)),
    ("11-30", utc(2025, 11, 30)),
    ("11-27 09:00", utc(2026, 11, 27, 9, 0)),
    ("11-27 11:00", utc(2025, 11, 27, 11, 0)),
    ("11月20日", utc(2026, 11, 20)),
    ("12月5日 08:00", utc(2025, 12, 5, 8, 0)),
    ("2-29", utc(2024, 2, 29)),  # 2026 and 2025 have no 2-29
    # garbage
    ("", None),
    ("   ", None),
    ("&nbsp;", None),
    ("garbage", None),
    ("昨天的昨天", None),
    ("2020-13-45", None),
    ("25:61", None),
    ("13-40", None),
    ("<script>alert(1)</script>", None),
    ("9" * 500, None),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_parse_forum_time(text: str, expected: str | None) -> None:
    assert parse_forum_time(text, now=NOW) == expected


def test_none_text() -> None:
    assert parse_forum_time(None, now=NOW) is None


def test_output_shape() -> None:
    assert parse_forum_time("2026-11-27 14:32", now=NOW) == "2026-11-27T06:32:00+00:00"


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        # 12-31 seen on 01-02 was last year's New Year's Eve
        ("12-31", datetime(2027, 1, 2, 9, 0, tzinfo=SH), utc(2026, 12, 31)),
        ("12-31 23:59", datetime(2027, 1, 2, 9, 0, tzinfo=SH), utc(2026, 12, 31, 23, 59)),
        ("1-1", datetime(2027, 1, 2, 9, 0, tzinfo=SH), utc(2027, 1, 1)),
        # 23:50 seen at 00:05 was yesterday (and here yesterday is last year)
        ("23:50", datetime(2027, 1, 1, 0, 5, tzinfo=SH), utc(2026, 12, 31, 23, 50)),
        ("00:01", datetime(2027, 1, 1, 0, 5, tzinfo=SH), utc(2027, 1, 1, 0, 1)),
        ("昨天 23:10", datetime(2027, 1, 1, 0, 5, tzinfo=SH), utc(2026, 12, 31, 23, 10)),
        ("10 分钟前", datetime(2027, 1, 1, 0, 5, tzinfo=SH), utc(2026, 12, 31, 23, 55)),
        ("3 天前", datetime(2027, 1, 2, 9, 0, tzinfo=SH), utc(2026, 12, 30)),
    ],
)
def test_day_and_year_boundaries(text: str, now: datetime, expected: str) -> None:
    assert parse_forum_time(text, now=now) == expected


def test_now_in_any_timezone() -> None:
    """The clock's zone does not matter: the text is read in Shanghai time."""
    in_utc = NOW.astimezone(UTC)  # 2026-11-27 02:00 UTC
    in_ny = NOW.astimezone(ZoneInfo("America/New_York"))  # 2026-11-26 21:00 in New York
    fixed = NOW.astimezone(timezone(timedelta(hours=-3)))
    for now in (in_utc, in_ny, fixed):
        assert parse_forum_time("昨天 14:32", now=now) == utc(2026, 11, 26, 14, 32)
        assert parse_forum_time("09:30", now=now) == utc(2026, 11, 27, 9, 30)
        assert parse_forum_time("11-30", now=now) == utc(2025, 11, 30)


class TestTitleAttribute:
    def test_title_preferred(self) -> None:
        assert parse_forum_time("3 天前", now=NOW, title="2026-11-24 08:15") == utc(
            2026, 11, 24, 8, 15
        )

    def test_title_date_only(self) -> None:
        # Discuz: <span title="2020-7-30">3&nbsp;天前</span>
        assert parse_forum_time("3&nbsp;天前", now=NOW, title="2020-7-30") == utc(2020, 7, 30)

    def test_title_date_plus_text_clock(self) -> None:
        # Discuz: <span title="2020-8-1">昨天&nbsp;21:26</span> — the day from the title,
        # the time of day from the text, whatever `now` is.
        assert parse_forum_time("昨天&nbsp;21:26", now=NOW, title="2020-8-1") == utc(
            2020, 8, 1, 21, 26
        )

    def test_title_not_a_date(self) -> None:
        assert parse_forum_time("昨天 14:32", now=NOW, title="主题作者: 某人") == utc(
            2026, 11, 26, 14, 32
        )
        # a relative title is not "an absolute date": ignored
        assert parse_forum_time("2026-11-20", now=NOW, title="3 天前") == utc(2026, 11, 20)

    def test_both_garbage(self) -> None:
        assert parse_forum_time("???", now=NOW, title="!!!") is None
        assert parse_forum_time(None, now=NOW, title="") is None
