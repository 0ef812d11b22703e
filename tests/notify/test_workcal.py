"""The PRC working calendar: 调休 workdays, duty periods and deadlines, from tables of cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from yuqing.errors import ConfigError
from yuqing.notify.workcal import (
    BUNDLED,
    DutyHours,
    WorkCalendar,
    add_hours,
    add_workdays,
    format_deadline,
    in_duty,
    next_duty_start,
)

SH = ZoneInfo("Asia/Shanghai")
DUTY = DutyHours()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.load()


# -- the shipped calendar ----------------------------------------------------------------

WORKDAYS = [
    # 元旦 2026
    (date(2026, 1, 2), False),  # Friday inside 元旦
    (date(2026, 1, 4), True),  # Sunday make-up day
    # 春节 2026: 2月15日（周日）至23日（周一）放假，2月14日、28日（周六）上班
    (date(2026, 2, 13), True),  # Friday before
    (date(2026, 2, 14), True),  # make-up Saturday
    (date(2026, 2, 15), False),
    (date(2026, 2, 16), False),  # 除夕, a Monday
    (date(2026, 2, 17), False),  # 初一
    (date(2026, 2, 20), False),  # Friday inside the holiday
    (date(2026, 2, 23), False),  # 初七, Monday
    (date(2026, 2, 24), True),  # back at work
    (date(2026, 2, 28), True),  # make-up Saturday
    (date(2026, 3, 1), False),  # an ordinary Sunday
    # 劳动节 2026
    (date(2026, 5, 5), False),  # Tuesday inside the holiday
    (date(2026, 5, 9), True),  # make-up Saturday
    # 中秋 and 国庆 2026: 9月20日（周日）、10月10日（周六）上班
    (date(2026, 9, 20), True),
    (date(2026, 9, 25), False),  # 中秋, Friday
    (date(2026, 9, 30), True),  # Wednesday before 国庆
    (date(2026, 10, 1), False),
    (date(2026, 10, 5), False),  # Monday inside 国庆
    (date(2026, 10, 7), False),  # Wednesday, last day
    (date(2026, 10, 8), True),
    (date(2026, 10, 10), True),  # make-up Saturday
    (date(2026, 10, 11), False),
    # ordinary days
    (date(2026, 11, 27), True),
    (date(2026, 11, 28), False),
    # 2027, provisional: statutory days only
    (date(2027, 1, 1), False),
    (date(2027, 2, 5), False),  # 除夕, Friday
    (date(2027, 2, 8), False),  # 初三, Monday
    (date(2027, 6, 9), False),  # 端午, Wednesday
    (date(2027, 9, 15), False),  # 中秋, Wednesday
    # unknown years: Monday to Friday
    (date(2028, 1, 3), True),
    (date(2028, 1, 1), False),
    (date(2025, 10, 1), True),  # not in the table: plain Wednesday
]


@pytest.mark.parametrize(("day", "expected"), WORKDAYS, ids=[d.isoformat() for d, _ in WORKDAYS])
def test_is_workday(cal, day, expected):
    assert cal.is_workday(day) is expected


def test_bundled_file_covers_this_year_and_next(cal):
    assert cal.years == {2026, 2027}
    assert cal.provisional_years == {2027}
    assert len([d for d in cal.holidays if d.year == 2026]) == 33  # 3+9+3+5+3+3+7
    # Make-up workdays are only ever taken from a published notice.
    assert not [d for d in cal.makeup_workdays if d.year == 2027]
    assert all(d.weekday() >= 5 for d in cal.makeup_workdays)
    assert "gov.cn" in cal.source_of(2026)
    assert BUNDLED.name == "calendar.toml" and BUNDLED.parent.name == "notify"


def test_header_example_parses(tmp_path):
    """The format the header comment teaches the officer is the format the loader reads."""
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()
    start = lines.index("#   [2028]")
    example = []
    for line in lines[start:]:
        if not line.startswith("#   "):
            break
        example.append(line[4:])
    path = tmp_path / "office.toml"
    path.write_text("\n".join(example), encoding="utf-8")
    office = WorkCalendar.load(path)
    assert office.years == {2028}
    assert not office.is_workday(date(2028, 1, 27))
    assert office.is_workday(date(2028, 1, 22))  # a Saturday make-up day


def test_datetime_given_as_a_day_is_judged_in_shanghai(cal):
    # 2026-02-13T17:00Z is Saturday 2026-02-14 01:00 in Shanghai, a make-up workday.
    assert cal.is_workday(utc(2026, 2, 13, 17, 0))


# -- warnings ----------------------------------------------------------------------------


def test_no_warning_for_a_published_year(cal):
    assert cal.warnings(date(2026, 6, 1)) == []


def test_provisional_year_warns(cal):
    [warning] = cal.warnings(date(2027, 3, 1))
    assert "2027" in warning and "临时" in warning and "国务院办公厅" in warning


@pytest.mark.parametrize("year", [2025, 2028])
def test_unknown_year_falls_back_and_warns(cal, year):
    [warning] = cal.warnings(date(year, 5, 6))
    assert f"没有 {year} 年" in warning and "周一至周五" in warning


# -- duty periods ------------------------------------------------------------------------

IN_DUTY = [
    (sh(2026, 11, 27, 8, 30), True),  # 上班 is inside
    (sh(2026, 11, 27, 8, 29), False),
    (sh(2026, 11, 27, 12, 0), True),
    (sh(2026, 11, 27, 17, 29), True),
    (sh(2026, 11, 27, 17, 30), False),  # 下班 is outside
    (sh(2026, 11, 28, 10, 0), False),  # Saturday
    (sh(2026, 2, 14, 10, 0), True),  # make-up Saturday
    (sh(2026, 10, 5, 10, 0), False),  # weekday inside 国庆
    (utc(2026, 11, 27, 1, 0), True),  # 09:00 Shanghai
    (utc(2026, 11, 27, 9, 30), False),  # 17:30 Shanghai
    (utc(2026, 11, 26, 23, 59), False),  # Friday 07:59 Shanghai, Thursday in UTC
    (utc(2026, 2, 14, 0, 30), True),  # make-up Saturday 08:30 Shanghai
    (datetime(2026, 11, 27, 4, 0, tzinfo=ZoneInfo("America/New_York")), True),  # 17:00 SH
]


@pytest.mark.parametrize(("moment", "expected"), IN_DUTY, ids=[m.isoformat() for m, _ in IN_DUTY])
def test_in_duty(cal, moment, expected):
    assert in_duty(moment, cal, DUTY) is expected


NEXT_START = [
    (sh(2026, 11, 27, 7, 0), sh(2026, 11, 27, 8, 30)),  # before 上班
    (sh(2026, 11, 27, 12, 0), sh(2026, 11, 27, 12, 0)),  # on duty: the moment itself
    (sh(2026, 11, 27, 18, 0), sh(2026, 11, 30, 8, 30)),  # Friday evening → Monday
    (sh(2026, 11, 28, 10, 0), sh(2026, 11, 30, 8, 30)),  # Saturday → Monday
    (sh(2026, 10, 1, 10, 0), sh(2026, 10, 8, 8, 30)),  # 国庆 → the day after
    (sh(2026, 10, 9, 18, 0), sh(2026, 10, 10, 8, 30)),  # Friday → make-up Saturday
    (sh(2026, 2, 13, 18, 0), sh(2026, 2, 14, 8, 30)),  # before 春节 → make-up Saturday
    (sh(2026, 2, 14, 18, 0), sh(2026, 2, 24, 8, 30)),  # across 春节
    (sh(2026, 12, 31, 18, 0), sh(2027, 1, 4, 8, 30)),  # 2027-01-01 is a holiday, then a weekend
    (utc(2026, 11, 27, 10, 0), sh(2026, 11, 30, 8, 30)),  # 18:00 Shanghai, given in UTC
    (utc(2026, 11, 26, 23, 0), sh(2026, 11, 27, 8, 30)),  # 07:00 Shanghai, Thursday in UTC
]


@pytest.mark.parametrize(
    ("moment", "expected"), NEXT_START, ids=[m.isoformat() for m, _ in NEXT_START]
)
def test_next_duty_start(cal, moment, expected):
    result = next_duty_start(moment, cal, DUTY)
    assert result == expected
    assert result.utcoffset() == expected.utcoffset()  # handed back in Asia/Shanghai


def test_custom_duty_hours(cal):
    hours = DutyHours(start=time(9, 0), end=time(18, 0))
    assert next_duty_start(sh(2026, 11, 27, 8, 45), cal, hours) == sh(2026, 11, 27, 9, 0)
    assert in_duty(sh(2026, 11, 27, 17, 45), cal, hours)
    assert add_hours(sh(2026, 11, 27, 17, 0), 1.5, working=True, cal=cal, duty=hours) == sh(
        2026, 11, 30, 9, 30
    )


def test_duty_hours_must_not_run_backwards():
    with pytest.raises(ConfigError, match="上班"):
        DutyHours(start=time(18, 0), end=time(8, 30))


# -- deadlines ---------------------------------------------------------------------------

DEADLINES = [
    # (start, hours, working, deadline)
    (sh(2026, 11, 27, 16, 30), 2, True, sh(2026, 11, 30, 9, 30)),  # Friday evening
    (sh(2026, 11, 27, 19, 0), 2, True, sh(2026, 11, 30, 10, 30)),  # after 下班 on Friday
    (sh(2026, 11, 28, 10, 0), 2, True, sh(2026, 11, 30, 10, 30)),  # from a Saturday
    (sh(2026, 11, 27, 16, 30), 1, True, sh(2026, 11, 27, 17, 30)),  # exactly to 下班
    (sh(2026, 11, 27, 10, 0), 0.5, True, sh(2026, 11, 27, 10, 30)),
    (sh(2026, 11, 30, 8, 30), 18, True, sh(2026, 12, 1, 17, 30)),  # two full duty days
    (sh(2026, 11, 30, 8, 30), 20, True, sh(2026, 12, 2, 10, 30)),
    (sh(2026, 9, 30, 16, 30), 2, True, sh(2026, 10, 8, 9, 30)),  # across 国庆
    (sh(2026, 2, 13, 17, 0), 1, True, sh(2026, 2, 14, 9, 0)),  # a make-up Saturday counts
    (sh(2026, 2, 14, 17, 0), 1, True, sh(2026, 2, 24, 9, 0)),  # across 春节
    (sh(2026, 10, 3, 11, 0), 0, True, sh(2026, 10, 8, 8, 30)),  # zero hours: next duty start
    (sh(2026, 11, 27, 23, 30), 2, False, sh(2026, 11, 28, 1, 30)),  # wall-clock past midnight
    (sh(2026, 9, 30, 16, 30), 24, False, sh(2026, 10, 1, 16, 30)),  # wall-clock ignores 国庆
    (utc(2026, 11, 27, 8, 30), 2, True, sh(2026, 11, 30, 9, 30)),  # 16:30 Shanghai in UTC
    (utc(2026, 11, 27, 15, 30), 2, False, sh(2026, 11, 28, 1, 30)),  # 23:30 Shanghai in UTC
]


@pytest.mark.parametrize(
    ("start", "hours", "working", "expected"),
    DEADLINES,
    ids=[f"{s.isoformat()}+{h}{'w' if w else 'h'}" for s, h, w, _ in DEADLINES],
)
def test_add_hours(cal, start, hours, working, expected):
    result = add_hours(start, hours, working=working, cal=cal, duty=DUTY)
    assert result == expected
    assert result.utcoffset() == expected.utcoffset()


def test_add_hours_refuses_negative_and_naive(cal):
    with pytest.raises(ValueError):
        add_hours(sh(2026, 11, 27, 10, 0), -1, working=False, cal=cal, duty=DUTY)
    with pytest.raises(ValueError):
        add_hours(datetime(2026, 11, 27, 10, 0), 1, working=True, cal=cal, duty=DUTY)
    with pytest.raises(ValueError):
        in_duty(datetime(2026, 11, 27, 10, 0), cal, DUTY)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (sh(2026, 11, 28, 9, 30), "11月28日 周六 09:30"),
        (utc(2026, 11, 28, 1, 30), "11月28日 周六 09:30"),
        (utc(2026, 11, 27, 16, 5), "11月28日 周六 00:05"),
        (sh(2027, 1, 4, 8, 30), "1月4日 周一 08:30"),
        (sh(2026, 2, 15, 17, 30), "2月15日 周日 17:30"),
    ],
)
def test_format_deadline(moment, text):
    assert format_deadline(moment) == text


def test_format_deadline_with_year():
    assert format_deadline(sh(2027, 1, 4, 8, 30), year=True) == "2027年1月4日 周一 08:30"


# -- broken files ------------------------------------------------------------------------

GOOD = '[2026]\nholidays = ["2026-10-01..2026-10-07"]\nmakeup_workdays = ["2026-10-10"]\n'

BROKEN = [
    (
        '[2026]\nholidays = ["2026-13-01"]\nmakeup_workdays = []\n',
        ["[2026]", "holidays", "2026-13-01"],
    ),
    ('[2026]\nholidays = ["2026-1-1"]\nmakeup_workdays = []\n', ["[2026]", "holidays", "2026-1-1"]),
    ('[2026]\nholidays = ["2026-10-01"]\n', ["[2026]", "makeup_workdays", "[]"]),
    ("[2026]\nmakeup_workdays = []\n", ["[2026]", "holidays"]),
    (
        '[2026]\nholiday = ["2026-10-01"]\nholidays = []\nmakeup_workdays = []\n',
        ["[2026]", "“holiday”"],
    ),
    ('[2026]\nholidays = "2026-10-01"\nmakeup_workdays = []\n', ["[2026]", "holidays", "列表"]),
    ('[2026]\nholidays = ["2062-10-01"]\nmakeup_workdays = []\n', ["[2026]", "2062-10-01"]),
    ('[2026]\nholidays = ["2026-10-07..2026-10-01"]\nmakeup_workdays = []\n', ["[2026]", "结束日"]),
    ('[2026]\nholidays = ["2026-02-15..2026-12-23"]\nmakeup_workdays = []\n', ["[2026]", "不像"]),
    ("[2026]\nholidays = [2026-10-01T08:00:00]\nmakeup_workdays = []\n", ["[2026]", "时间"]),
    ("[2026]\nholidays = [20261001]\nmakeup_workdays = []\n", ["[2026]", "holidays", "20261001"]),
    (
        '[2026]\nprovisional = "yes"\nholidays = []\nmakeup_workdays = []\n',
        ["[2026]", "provisional"],
    ),
    (
        '[2026]\nholidays = ["2026-10-10"]\nmakeup_workdays = ["2026-10-10"]\n',
        ["[2026]", "2026-10-10"],
    ),
    ("[calendar]\nholidays = []\n", ["“calendar”", "年份"]),
    ('2026 = ["2026-10-01"]\n', ["2026", "小节"]),
    (
        '[2026]\nholidays = []\nmakeup_workdays = ["2027-01-02"]\n'
        '[2027]\nholidays = ["2027-01-02"]\nmakeup_workdays = []\n',
        ["2027-01-02", "[2026]", "[2027]"],
    ),
    ("", ["没有任何年份"]),
    ("[2026\nholidays = [", ["TOML"]),
]


@pytest.mark.parametrize(("text", "fragments"), BROKEN)
def test_broken_calendar_file_names_file_year_and_key(tmp_path, text, fragments):
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        WorkCalendar.load(path)
    message = caught.value.message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_missing_and_non_utf8_files(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="不存在") as caught:
        WorkCalendar.load(missing)
    assert str(missing) in caught.value.message
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes("# 工作日历\n".encode("gbk") + GOOD.encode())
    with pytest.raises(ConfigError, match="UTF-8"):
        WorkCalendar.load(gbk)


def test_toml_dates_and_chinese_range_separator(tmp_path):
    path = tmp_path / "calendar.toml"
    path.write_text(
        '[2026]\nholidays = [2026-10-01, "2026-10-02至2026-10-03"]\nmakeup_workdays = []\n',
        encoding="utf-8",
    )
    office = WorkCalendar.load(path)
    assert {date(2026, 10, d) for d in (1, 2, 3)} == office.holidays


# -- the office's own file ---------------------------------------------------------------


def test_office_file_replaces_a_year(cal, tmp_path):
    office = tmp_path / "office.toml"
    office.write_text(
        # Made-up test dates, not a real arrangement.
        "[2027]\n"
        'source = "本单位测试"\n'
        'holidays = ["2027-02-05..2027-02-11"]\n'
        'makeup_workdays = ["2027-02-20"]\n',
        encoding="utf-8",
    )
    merged = WorkCalendar.merged(cal, office)
    assert merged.years == {2026, 2027}
    assert merged.provisional_years == frozenset()
    assert merged.warnings(date(2027, 3, 1)) == []
    assert not merged.is_workday(date(2027, 2, 10))
    assert merged.is_workday(date(2027, 2, 20))  # Saturday make-up day
    assert merged.is_workday(date(2027, 6, 9))  # the whole year was replaced
    assert not merged.is_workday(date(2026, 10, 5))  # other years untouched
    assert merged.is_workday(date(2026, 10, 10))
    assert merged.source_of(2027) == "本单位测试"
    # The base is not changed.
    assert cal.provisional_years == {2027} and not cal.is_workday(date(2027, 6, 9))


def test_office_file_adds_a_year(cal, tmp_path):
    office = tmp_path / "office.toml"
    office.write_text('[2028]\nholidays = ["2028-01-03"]\nmakeup_workdays = []\n', encoding="utf-8")
    merged = WorkCalendar.merged(cal, office)
    assert merged.years == {2026, 2027, 2028}
    assert merged.provisional_years == {2027}
    assert not merged.is_workday(date(2028, 1, 3))
    assert merged.warnings(date(2028, 6, 1)) == []


def test_office_file_extends_a_year(cal, tmp_path):
    office = tmp_path / "office.toml"
    office.write_text(
        "[2026]\nextend = true\n"
        'holidays = ["2026-07-24"]\n'  # a local festival, Friday
        'makeup_workdays = ["2026-10-07"]\n'  # and a local duty day inside 国庆
        '[2029]\nextend = true\nholidays = ["2029-07-24"]\n',
        encoding="utf-8",
    )
    merged = WorkCalendar.merged(cal, office)
    assert not merged.is_workday(date(2026, 7, 24))
    assert merged.is_workday(date(2026, 10, 7))
    assert not merged.is_workday(date(2026, 10, 6))  # the national days stay
    assert merged.is_workday(date(2026, 2, 14))
    # Extending a year nobody published does not make it covered.
    assert 2029 not in merged.years
    assert "没有 2029 年" in merged.warnings(date(2029, 1, 1))[0]


def test_office_file_over_a_hand_built_calendar(tmp_path):
    base = WorkCalendar(
        holidays=frozenset({date(2026, 10, 1), date(2027, 10, 1)}),
        makeup_workdays=frozenset(),
        provisional_years=frozenset({2027}),
        years=frozenset({2026, 2027}),
    )
    office = tmp_path / "office.toml"
    office.write_text('[2027]\nholidays = ["2027-10-04"]\nmakeup_workdays = []\n', encoding="utf-8")
    merged = WorkCalendar.merged(base, office)
    assert merged.is_workday(date(2027, 10, 1))  # Friday: the office's 2027 replaced the base's
    assert not merged.is_workday(date(2026, 10, 1))
    assert not merged.is_workday(date(2027, 10, 4))
    assert merged.provisional_years == frozenset()


def test_broken_office_file_names_the_office_file(cal, tmp_path):
    office = tmp_path / "office.toml"
    office.write_text('[2027]\nholidays = ["2027-02-30"]\nmakeup_workdays = []\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        WorkCalendar.merged(cal, office)
    assert str(office) in caught.value.message and "[2027]" in caught.value.message


# -- working-day deadlines (网上信件 "N 个工作日内答复") ---------------------------------------

WORKDAY_DEADLINES = [
    # received (Beijing), working days, due (Beijing): the day of receipt never counts
    (sh(2026, 11, 2, 8, 41), 3, sh(2026, 11, 5, 17, 30)),
    (sh(2026, 11, 27, 20, 0), 5, sh(2026, 12, 4, 17, 30)),  # Friday night: Mon..Fri
    (sh(2026, 9, 30, 16, 0), 3, sh(2026, 10, 10, 17, 30)),  # 国庆 7 days, then Thu, Fri, make-up Sat
    (sh(2026, 9, 19, 10, 0), 1, sh(2026, 9, 20, 17, 30)),  # Saturday: the make-up Sunday counts
    (utc(2026, 11, 1, 17, 0), 1, sh(2026, 11, 3, 17, 30)),  # UTC Sunday evening is Monday 01:00 in Beijing
]


@pytest.mark.parametrize(("received", "days", "due"), WORKDAY_DEADLINES)
def test_add_workdays(cal, received, days, due):
    assert add_workdays(received, days, cal=cal, duty=DUTY) == due


def test_add_workdays_needs_at_least_one_day(cal):
    with pytest.raises(ValueError):
        add_workdays(sh(2026, 11, 2, 9, 0), 0, cal=cal, duty=DUTY)
