"""`--since 7d` and friends: a duration back from now, or a date in Asia/Shanghai."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from yuqing import clock
from yuqing.errors import UsageError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w|分钟|小时|天|周)\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "分钟": "minutes", "h": "hours", "小时": "hours",
          "d": "days", "天": "days", "w": "weeks", "周": "weeks"}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """'7d', '24h', '30m', '2w', '3天' → now minus that; '2026-11-01' (or with a time) → that moment."""
    match = _DURATION.match(text)
    if match:
        amount, unit = float(match.group(1)), _UNITS[match.group(2)]
        try:
            since = (now or clock.now()) - timedelta(**{unit: amount})
        except (OverflowError, ValueError):
            since = None
        if since is None or since.year < clock.MIN_YEAR:
            raise UsageError(f"时间跨度「{text[:40]}」过大：最早只能回溯到 {clock.MIN_YEAR} 年") from None
        return since
    try:
        moment = clock.parse_iso(text.strip().replace("/", "-"))
    except (OverflowError, ValueError):
        raise UsageError(f"无法识别的时间「{text[:40]}」：应为 7d、24h、30m、2w 或 2026-11-01 这样的写法") from None
    clock.check_year(moment.year, text)
    return moment
