"""The PRC working calendar: duty hours, 调休 make-up workdays, deadlines.

Which days are workdays comes from a calendar table (the bundled `calendar.toml`, one
section per year copied from the State Council notice, optionally overridden per year by
the office's own file). Everything here is pure: the only I/O is reading a TOML file that
the caller names. Moments are aware datetimes in any zone; days and duty periods are
judged in Asia/Shanghai wall-clock time.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from yuqing.errors import ConfigError, os_reason, toml_reason

SHANGHAI = ZoneInfo("Asia/Shanghai")
BUNDLED = Path(__file__).resolve().with_name("calendar.toml")

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# A calendar that shows no workday within this many days is broken, not a long holiday.
_MAX_SEARCH_DAYS = 400
# One `a..b` range in the file never spans more than this (the longest holiday is ~9 days).
_MAX_RANGE_DAYS = 31

_SECTION_KEYS = {
    "source": "来源说明（文字）",
    "note": "备注（文字）",
    "provisional": "是否临时数据（true 或 false）",
    "extend": "是否只在已有安排上增加（true 或 false）",
    "holidays": "放假日期列表",
    "makeup_workdays": "调休上班日期列表",
}


@dataclass(frozen=True)
class DutyHours:
    start: time = time(8, 30)  # 上班
    end: time = time(17, 30)  # 下班

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("DutyHours takes naive Asia/Shanghai wall-clock times")
        if not self.start < self.end:
            raise ConfigError(
                f"值班时间不对：上班 {self.start:%H:%M} 应早于下班 {self.end:%H:%M}"
                "（不支持跨夜的值班时段）"
            )


@dataclass(frozen=True)
class YearSection:
    """One `[YYYY]` section of a calendar file, as read."""

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    provisional: bool = False
    extend: bool = False
    source: str = ""
    path: Path | None = None


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    provisional_years: frozenset[int] = frozenset()
    years: frozenset[int] = frozenset()
    # Per-year sections as loaded, for `merged`; empty for a hand-built calendar.
    sections: tuple[YearSection, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("holidays", "makeup_workdays", "provisional_years", "years"):
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        object.__setattr__(self, "sections", tuple(self.sections))

    # -- loading ---------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> WorkCalendar:
        """Read a calendar file; None reads the one shipped with yuqing."""
        path = BUNDLED if path is None else Path(path)
        sections = _read_sections(path)
        return cls._from_sections(sections, path=path)

    @classmethod
    def merged(cls, base: WorkCalendar, extra_path: Path) -> WorkCalendar:
        """`base` with the office's own file laid over it, year by year.

        A year in the office file replaces that year of `base` entirely, unless the
        section says `extend = true`: then its days are added to the base year.
        """
        extra_path = Path(extra_path)
        extra = _read_sections(extra_path)
        _check_clashes(extra_path, extra)
        replaced = {s.year for s in extra if not s.extend}
        kept = [s for s in _sections_of(base) if s.year not in replaced]
        return cls._from_sections(kept + extra, path=None)

    @classmethod
    def _from_sections(cls, sections: list[YearSection], *, path: Path | None) -> WorkCalendar:
        """Lay sections over each other in order: a later one wins for the same day."""
        if path is not None:
            _check_clashes(path, sections)
        holidays: set[date] = set()
        makeup: set[date] = set()
        provisional: dict[int, bool] = {}
        for section in sections:
            holidays -= section.makeup_workdays
            makeup -= section.holidays
            holidays |= section.holidays
            makeup |= section.makeup_workdays
            if not section.extend:
                provisional[section.year] = section.provisional
            elif section.provisional:
                provisional[section.year] = True
        covered = {s.year for s in sections if not s.extend}
        return cls(
            holidays=frozenset(holidays),
            makeup_workdays=frozenset(makeup),
            provisional_years=frozenset(y for y, p in provisional.items() if p and y in covered),
            years=frozenset(covered),
            sections=tuple(sections),
        )

    # -- questions ---------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Mon–Fri unless a holiday, or a make-up workday; unknown years: Mon–Fri."""
        day = _as_day(day)
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def warnings(self, when: date) -> list[str]:
        """What the officer should know about the calendar used for `when` (Chinese)."""
        year = _as_day(when).year
        notes: list[str] = []
        if year not in self.years:
            notes.append(
                f"工作日历中没有 {year} 年的放假安排，{year} 年暂按周一至周五上班计算"
                f"（不含节假日和调休）；请在日历文件中加上国务院办公厅公布的 {year} 年安排。"
            )
        elif year in self.provisional_years:
            notes.append(
                f"{year} 年的放假安排是临时数据（只有法定节日当天，没有补休和调休上班日），"
                f"时限可能不准；国务院办公厅公布 {year} 年安排后请更新日历文件。"
            )
        return notes

    def source_of(self, year: int) -> str:
        """Where a year's dates came from, as written in the file ('' if unknown)."""
        for section in reversed(self.sections):
            if section.year == year and not section.extend:
                return section.source
        return ""


# -- duty time -------------------------------------------------------------------------


def in_duty(moment: datetime, cal: WorkCalendar, hours: DutyHours) -> bool:
    """Is `moment` inside a duty period (a workday, between 上班 and 下班)?"""
    local = _local(moment)
    return cal.is_workday(local.date()) and hours.start <= local.time() < hours.end


def next_duty_start(moment: datetime, cal: WorkCalendar, hours: DutyHours) -> datetime:
    """`moment` itself if on duty, else when the next duty period starts (Asia/Shanghai)."""
    local = _local(moment)
    if in_duty(local, cal, hours):
        return local
    day = local.date()
    if not (cal.is_workday(day) and local.time() < hours.start):
        day = _next_workday(day, cal)
    return datetime.combine(day, hours.start, tzinfo=SHANGHAI)


def add_hours(
    start: datetime, hours: float, *, working: bool, cal: WorkCalendar, duty: DutyHours
) -> datetime:
    """The deadline `hours` after `start` (Asia/Shanghai).

    Wall-clock: plain elapsed time. Working: only time inside duty periods counts, so
    the count starts at the next duty period and pauses over nights, weekends and
    holidays (a make-up Saturday counts). A deadline that uses up a period exactly
    falls at that period's 下班 time.
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    if not working:
        return (_aware(start).astimezone(UTC) + timedelta(hours=hours)).astimezone(SHANGHAI)
    remaining = timedelta(hours=hours)
    point = next_duty_start(start, cal, duty)
    for _ in range(_MAX_SEARCH_DAYS * 2):
        period_end = datetime.combine(point.date(), duty.end, tzinfo=SHANGHAI)
        available = period_end - point
        if remaining <= available:
            return point + remaining
        remaining -= available
        point = next_duty_start(period_end, cal, duty)
    raise ConfigError(f"按工作时间计算的时限太远（{hours} 个工作小时），请检查规则和工作日历")


def add_workdays(start: datetime, days: int, *, cal: WorkCalendar, duty: DutyHours) -> datetime:
    """The deadline `days` working days after `start` (网上信件 "N 个工作日内答复"): the day
    of receipt does not count, and the deadline is 下班 of the Nth working day after it."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = _local(start).date()
    for _ in range(days):
        day = _next_workday(day, cal)
    return datetime.combine(day, duty.end, tzinfo=SHANGHAI)


def format_deadline(moment: datetime, *, year: bool = False) -> str:
    """'11月28日 周六 09:30' in Asia/Shanghai; `year=True` puts '2026年' in front."""
    local = _local(moment)
    text = f"{local.month}月{local.day}日 {WEEKDAYS[local.weekday()]} {local:%H:%M}"
    return f"{local.year}年{text}" if year else text


# -- helpers ---------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError("workcal needs an aware datetime (any time zone)")
    return moment


def _local(moment: datetime) -> datetime:
    return _aware(moment).astimezone(SHANGHAI)


def _as_day(day: date) -> date:
    if isinstance(day, datetime):
        return _local(day).date() if day.tzinfo is not None else day.date()
    return day


def _next_workday(day: date, cal: WorkCalendar) -> date:
    for _ in range(_MAX_SEARCH_DAYS):
        day += timedelta(days=1)
        if cal.is_workday(day):
            return day
    raise ConfigError(
        f"工作日历中 {day.isoformat()} 之前连续 {_MAX_SEARCH_DAYS} 天没有工作日，请检查日历文件"
    )


def _check_clashes(path: Path, sections: list[YearSection]) -> None:
    """Within one file, a day must not be a holiday in one section and a workday in another."""
    holiday_in: dict[date, int] = {}
    for section in sections:
        for day in section.holidays:
            holiday_in[day] = section.year
    for section in sections:
        for day in sorted(section.makeup_workdays):
            if day in holiday_in:
                raise ConfigError(
                    f"工作日历文件 {path}：{day.isoformat()} 在 [{holiday_in[day]}] 的 holidays "
                    f"里是放假，在 [{section.year}] 的 makeup_workdays 里又是调休上班，请只保留一处"
                )


def _sections_of(cal: WorkCalendar) -> list[YearSection]:
    """The per-year sections of a calendar; a hand-built one is split by date.year."""
    if cal.sections:
        return list(cal.sections)
    years = set(cal.years) | {d.year for d in cal.holidays | cal.makeup_workdays}
    return [
        YearSection(
            year=y,
            holidays=frozenset(d for d in cal.holidays if d.year == y),
            makeup_workdays=frozenset(d for d in cal.makeup_workdays if d.year == y),
            provisional=y in cal.provisional_years,
            extend=y not in cal.years,
        )
        for y in sorted(years)
    ]


def _read_sections(path: Path) -> list[YearSection]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"无法读取工作日历文件 {path}：{os_reason(exc)}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"工作日历文件 {path} 不是 UTF-8 编码，请用 UTF-8 保存") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"工作日历文件 {path} 格式有误（不是合法的 TOML）：{toml_reason(exc)}") from exc
    if not data:
        raise ConfigError(f"工作日历文件 {path} 里没有任何年份，应有 [2027] 这样的年份小节")
    sections = []
    for key, value in data.items():
        if not (key.isascii() and key.isdigit() and len(key) == 4):
            raise ConfigError(
                f"工作日历文件 {path}：顶层的“{key}”不是年份，应写成 [2027] 这样的四位年份小节"
            )
        if not isinstance(value, dict):
            raise ConfigError(
                f"工作日历文件 {path}：{key} 年应是一个小节（[{key}]），不是“{key} = …”"
            )
        sections.append(_read_section(path, int(key), value))
    sections.sort(key=lambda s: s.year)
    return sections


def _read_section(path: Path, year: int, table: dict[str, Any]) -> YearSection:
    where = f"工作日历文件 {path}：[{year}] 小节"
    for key in table:
        if key not in _SECTION_KEYS:
            known = "、".join(_SECTION_KEYS)
            raise ConfigError(f"{where}里有不认识的键“{key}”（可用的键：{known}）")
    for key in ("source", "note"):
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{where}的 {key} 应是用引号括起来的文字")
    for key in ("provisional", "extend"):
        if key in table and not isinstance(table[key], bool):
            raise ConfigError(f"{where}的 {key} 应是 true 或 false（不加引号）")
    extend = table.get("extend", False)
    if not extend:
        for key in ("holidays", "makeup_workdays"):
            if key not in table:
                empty = (
                    "；没有调休上班日也要写 makeup_workdays = []"
                    if key == "makeup_workdays"
                    else ""
                )
                raise ConfigError(f"{where}缺少 {key}（{_SECTION_KEYS[key]}）{empty}")
    holidays = _read_dates(where, year, "holidays", table.get("holidays", []))
    makeup = _read_dates(where, year, "makeup_workdays", table.get("makeup_workdays", []))
    both = sorted(holidays & makeup)
    if both:
        days = "、".join(d.isoformat() for d in both)
        raise ConfigError(f"{where}：{days} 同时写在 holidays 和 makeup_workdays 里，请只保留一处")
    return YearSection(
        year=year,
        holidays=frozenset(holidays),
        makeup_workdays=frozenset(makeup),
        provisional=table.get("provisional", False),
        extend=extend,
        source=table.get("source", ""),
        path=path,
    )


def _read_dates(where: str, year: int, key: str, value: Any) -> set[date]:
    if not isinstance(value, list):
        raise ConfigError(f'{where}的 {key} 应是日期列表，例如 {key} = ["{year}-10-01"]')
    # The notice may reach into the neighbouring years (e.g. 12月31日 before 元旦).
    lowest, highest = date(year - 1, 12, 1), date(year + 1, 1, 31)
    days: set[date] = set()
    for index, item in enumerate(value, start=1):
        item_where = f"{where}的 {key} 第 {index} 项“{item}”"
        for day in _parse_item(item_where, item):
            if not lowest <= day <= highest:
                raise ConfigError(f"{item_where}不在 {year} 年内，请检查年份是否写错")
            days.add(day)
    return days


def _parse_item(where: str, item: Any) -> Iterable[date]:
    if isinstance(item, datetime):  # a TOML date-time: the time makes no sense here
        raise ConfigError(f"{where}应只写日期，不要带时间")
    if isinstance(item, date):  # a bare TOML date: 2026-10-01
        return [item]
    if not isinstance(item, str):
        raise ConfigError(f'{where}应写成 "2026-10-01" 或 "2026-10-01..2026-10-07"')
    text = item.strip()
    for separator in ("..", "至", "～", "~"):
        if separator in text:
            first, _, last = text.partition(separator)
            begin, end = _parse_day(where, first), _parse_day(where, last)
            if end < begin:
                raise ConfigError(f"{where}的结束日早于起始日")
            if (end - begin).days >= _MAX_RANGE_DAYS:
                raise ConfigError(f"{where}跨了 {(end - begin).days + 1} 天，不像一段假期，请检查")
            return [begin + timedelta(days=n) for n in range((end - begin).days + 1)]
    return [_parse_day(where, text)]


def _parse_day(where: str, text: str) -> date:
    text = text.strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f'{where}不是日期：应写成 年-月-日，例如 "2026-10-01"，'
            '连续几天写成 "2026-10-01..2026-10-07"'
        ) from None
