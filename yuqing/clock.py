"""Time in one place: stored in UTC ISO-8601, shown in Asia/Shanghai.

`YUQING_NOW` (an ISO-8601 instant) freezes the clock for tests, golden reports and demos.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


_frozen: list[datetime] = []


def now() -> datetime:
    if _frozen:
        return _frozen[-1]
    frozen = os.environ.get("YUQING_NOW")
    if frozen:
        return parse_iso(frozen)
    return datetime.now(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Run a block as if it were `moment` (the demo's simulated runs)."""
    _frozen.append(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.pop()


def parse_iso(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)


def to_iso(moment: datetime) -> str:
    """UTC ISO-8601 with seconds, the one format stored in the database."""
    if moment.tzinfo is UTC and not moment.microsecond:
        return moment.isoformat()  # already what the general line makes (it costs 3x as much)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def now_iso() -> str:
    return to_iso(now())


def local_text(value: str | None, fmt: str = "%Y-%m-%d %H:%M", *, date_only_at_midnight: bool = False) -> str:
    """A stored UTC instant as the officer reads it (Asia/Shanghai). A format without the
    year gets it when the instant is not in the current year, and one without the day
    gets the day when it is not today: a 2019 thread's 首发 reads 2019-04-27.

    With ``date_only_at_midnight`` (`published_text`) an instant at local midnight shows
    no time of day, and a format with nothing but the time of day shows the date."""
    if not value:
        return ""
    try:
        moment = parse_iso(value).astimezone(SHANGHAI)
    except ValueError:
        return value
    if date_only_at_midnight and moment.time() == time(0):
        fmt = _TIME_OF_DAY.sub("", fmt) or "%m-%d"
    return moment.strftime(_with_context(fmt, moment))


_TIME_OF_DAY = re.compile(r"\s*%H:%M(?::%S)?")


def published_text(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A publication time: a source that gave only the date (a forum's 「2020-7-19」, stored
    as local midnight) shows 「2020-07-19」, not 「2020-07-19 00:00」, a time nobody knows."""
    return local_text(value, fmt, date_only_at_midnight=True)


def brief_text(value: str | None, today: datetime | None = None) -> str:
    """A stored instant in few characters: HH:MM today, MM-DD HH:MM this year, else with the year."""
    if not value:
        return ""
    try:
        local = parse_iso(value).astimezone(SHANGHAI)
    except ValueError:
        return value
    current = (today or now()).astimezone(SHANGHAI)
    if local.date() == current.date():
        return local.strftime("%H:%M")
    if local.year == current.year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _with_context(fmt: str, moment: datetime) -> str:
    if "%Y" in fmt or "%y" in fmt:
        return fmt
    today = now().astimezone(SHANGHAI).date()
    if "%d" not in fmt:  # a time of day alone
        if moment.date() == today:
            return fmt
        fmt = "%m-%d " + fmt
    if moment.year != today.year:
        fmt = "%Y-" + fmt
    return fmt


_UTC_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?\+00:00")


def local_iso(value: str) -> str:
    """A stored UTC instant as ISO-8601 in Asia/Shanghai: 2026-11-27T10:00:00+08:00."""
    return parse_iso(value).astimezone(SHANGHAI).isoformat()


def localise(data: Any) -> Any:
    """`data` for a JSON or CSV export: every stored UTC instant in it said in
    Asia/Shanghai (+08:00), like everything else a person reads."""
    if isinstance(data, str):
        return local_iso(data) if _UTC_ISO.fullmatch(data) else data
    if isinstance(data, dict):
        return {key: localise(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [localise(value) for value in data]
    return data


# Dates an officer may ask about: anything outside is a typo, and near date.max the
# arithmetic of periods overflows.
MIN_YEAR, MAX_YEAR = 1970, 2200


def check_year(year: int, text: str) -> None:
    from yuqing.errors import UsageError

    if not MIN_YEAR <= year <= MAX_YEAR:
        raise UsageError(f"日期「{text[:40]}」超出范围：应在 {MIN_YEAR} 年到 {MAX_YEAR} 年之间")
