"""网络问政 letters: exports of the 12345 hotline, 县长信箱 and 领导留言板 (CSV as Excel saves
it, GBK or UTF-8 with BOM, or JSONL) imported as letters.

A letter is keyed by its channel and 编号: importing a newer export of the same channel
updates replies, closure and rating (a value missing from the newer file never erases a
stored one). Each letter is also stored as a post of the channel, so it is matched,
grouped, graded and searched like any post and can become part of an event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from yuqing import clock
from yuqing.errors import InputError, UsageError
from yuqing.models import Item
from yuqing.sources.intake import RowError, read_rows
from yuqing.store import Store
from yuqing.text.clean import clean_line, normalize_url

LETTER_POST_CHANNEL = "letter"

# Column names in the exports seen in county offices, and ours.
ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("编号", "信件编号", "工单编号", "工单号", "受理编号", "留言编号", "number", "id"),
    "channel": ("渠道", "来信渠道", "channel"),
    "title": ("标题", "信件标题", "留言标题", "主题", "title"),
    "content": ("内容", "来信内容", "留言内容", "诉求内容", "content", "text"),
    "author": ("来信人", "留言人", "姓名", "author"),
    "received_at": ("来信时间", "留言时间", "来电时间", "受理时间", "received_at"),
    "replied_at": ("回复时间", "答复时间", "replied_at"),
    "closed_at": ("办结时间", "closed_at"),
    "rating": ("满意度", "评价", "满意度评价", "回访评价", "rating"),
    "url": ("链接", "网址", "url"),
}
_LOWER_ALIASES = {name: tuple(a.lower() for a in aliases) for name, aliases in ALIASES.items()}
NOT_RATED = {"", "未评价", "未回访", "无", "暂无", "-", "—", "/"}

_EXCEL_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+\d+$", re.I)
_TIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*分?(?:\s*[:：]?\s*(\d{1,2})\s*秒?)?)?$"
)


@dataclass
class LetterImport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    channels: set[str] = field(default_factory=set)


# (channel, received_at) → reply deadline, both UTC ISO: see notify.context.letter_reply_due.
ReplyDue = Callable[[str, str], str]


def import_letters(store: Store, path: Path, *, reply_due: ReplyDue, channel: str | None = None) -> LetterImport:
    """Import one export; the good rows all commit together, each bad row is reported by line."""
    report = LetterImport()
    letters: dict[tuple[str, str], dict[str, Any]] = {}
    lines: dict[tuple[str, str], int] = {}
    rows = read_rows(path, known=_known_columns())
    good = [row for _, row in rows if not isinstance(row, RowError)]
    _require_columns(path, good)
    if channel is None and good and not any(_names(row, "channel") for row in good):
        raise InputError(f"{path}：文件中没有「渠道」列，请用 --channel 指定渠道，如 --channel 县长信箱")
    for line, row in rows:
        if isinstance(row, RowError):
            report.errors.append(row)
            continue
        try:
            letter = letter_from_row(row, channel=channel)
        except (UsageError, InputError) as exc:
            report.errors.append(RowError(line, exc.message))
            continue
        key = (letter["channel"], letter["number"])
        if key in letters:
            report.errors.append(RowError(line, f"编号 {letter['number']} 与第 {lines[key]} 行重复"))
            continue
        if letter.pop("unrecognised_rating"):
            report.warnings.append(RowError(line, f"满意度「{letter['rating']}」无法识别，按未评价统计"))
        letter["reply_due"] = reply_due(letter["channel"], letter["received_at"])
        letters[key], lines[key] = letter, line
        report.channels.add(letter["channel"])
    _save(store, list(letters.values()), report)
    return report


def _names(row: dict[str, Any], column: str) -> bool:
    return any(isinstance(k, str) and k.strip().lower() in _LOWER_ALIASES[column] for k in row)


# Columns no letter can do without: a file lacking one is refused as a whole, in one line,
# rather than with the same complaint on every row.
_REQUIRED = (("number", "编号"), ("received_at", "来信时间"))


def _require_columns(path: Path, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    for column, label in _REQUIRED:
        if not any(_names(row, column) for row in rows):
            raise InputError(f"{path}：文件中没有「{label}」列（可用的列名：{'、'.join(ALIASES[column])}），"
                             "未导入任何来信")
    if not any(_names(row, "title") or _names(row, "content") for row in rows):
        raise InputError(f"{path}：文件中没有「标题」或「内容」列，未导入任何来信")


def _known_columns() -> set[str]:
    return {alias.lower() for aliases in ALIASES.values() for alias in aliases}


def letter_from_row(row: dict[str, Any], *, channel: str | None) -> dict[str, Any]:
    fields = {str(k).strip().lower(): v for k, v in row.items() if isinstance(k, str)}
    value = {name: _first(fields, aliases) for name, aliases in _LOWER_ALIASES.items()}
    number = clean_line(value["number"])
    if not number:
        raise UsageError("缺少编号")
    if _EXCEL_SCIENTIFIC.match(number):
        raise UsageError(f"编号「{number}」被 Excel 改成了科学计数法：请把编号列设为「文本」格式后重新导出")
    letter_channel = clean_line(channel or value["channel"])
    if not letter_channel:
        raise UsageError("缺少渠道（文件中没有「渠道」列时用 --channel 指定，如 --channel 12345热线）")
    title, content = clean_line(value["title"]), value["content"].strip()
    if not title and not content:
        raise UsageError(f"编号 {number}：标题和内容都为空")
    if not value["received_at"]:
        raise UsageError(f"编号 {number}：缺少来信时间")
    url = value["url"].strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise UsageError(f"编号 {number}：链接只支持 http:// 或 https:// 地址：{url}")
    rating = clean_line(value["rating"])
    satisfied = satisfaction(rating)
    return {
        "channel": letter_channel, "number": number, "title": title or clean_line(content)[:40],
        "content": content, "author": clean_line(value["author"]), "url": normalize_url(url) if url else "",
        "received_at": parse_time(value["received_at"], "来信时间"),
        "replied_at": parse_time(value["replied_at"], "回复时间") if value["replied_at"] else None,
        "closed_at": parse_time(value["closed_at"], "办结时间") if value["closed_at"] else None,
        "rating": rating or None, "satisfied": satisfied,
        "unrecognised_rating": bool(rating) and rating not in NOT_RATED and satisfied is None,
    }


def _first(fields: dict[str, Any], aliases: tuple[str, ...]) -> str:
    for alias in aliases:
        value = fields.get(alias)
        if value not in (None, ""):
            return str(value)
    return ""


def satisfaction(rating: str) -> int | None:
    """满意 / 非常满意 / 基本满意 → 1; 不满意 / 一般 → 0; not rated or unrecognised → None."""
    text = rating.strip()
    if text in NOT_RATED:
        return None
    if "不满意" in text or text in ("一般", "较差", "差"):
        return 0
    if "满意" in text:
        return 1
    return None


def parse_time(text: str, label: str) -> str:
    """'2026-11-03 09:05', '2026/11/3 9:05' (Excel), '2026年11月3日' or ISO-8601; local time."""
    text = text.strip()
    match = _TIME.match(text)
    try:
        if match:
            year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            moment = datetime(year, month, day, hour, minute, second, tzinfo=clock.SHANGHAI)
        else:
            moment = clock.parse_iso(text)
    except ValueError:
        raise UsageError(f"无法识别的{label}：{text}（应为 2026-11-27 09:30 这样的格式）") from None
    return clock.to_iso(moment)


def _save(store: Store, letters: list[dict[str, Any]], report: LetterImport) -> None:
    now = clock.now_iso()
    with store.write():  # the whole file or nothing
        stored = store.existing_letters([(x["channel"], x["number"]) for x in letters])
        fresh = [x for x in letters if (x["channel"], x["number"]) not in stored]
        changed = [x for x in letters if (x["channel"], x["number"]) in stored
                   and _changes(stored[(x["channel"], x["number"])], x)]
        report.new, report.updated = len(fresh), len(changed)
        report.unchanged = len(letters) - len(fresh) - len(changed)
        for name, group in _by_channel(fresh).items():
            post_ids = _save_posts(store, name, group, now)
            for letter in group:
                letter["post_id"] = post_ids.get(_post_key(letter))
            store.insert_letters(group, at=now)
        store.update_letters(changed, at=now)


def _changes(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return any(new[f] is not None and new[f] != old[f]
               for f in ("replied_at", "closed_at", "rating", "satisfied")) or new["reply_due"] != old["reply_due"]


def _by_channel(letters: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for letter in letters:
        groups.setdefault(letter["channel"], []).append(letter)
    return groups


def _post_key(letter: dict[str, Any]) -> str:
    return f"guid:letter:{letter['number']}"


def _save_posts(store: Store, channel: str, letters: list[dict[str, Any]], now: str) -> dict[str, int]:
    # The board's URL stays on the letter: the post is the letter, not a site's coverage of it.
    items = [Item(url="", title=x["title"], guid=f"letter:{x['number']}", text=x["content"],
                  author=x["author"], published_at=x["received_at"]) for x in letters]
    store.save_items(source=channel, channel=LETTER_POST_CHANNEL, site=channel, mainstream=False,
                     items=items, seen_at=now)
    return store.post_ids(channel, [_post_key(x) for x in letters])


# -- status ----------------------------------------------------------------------


def status_of(letter: dict[str, Any]) -> str:
    if letter["closed_at"]:
        return "已办结"
    return "已回复" if letter["replied_at"] else "待回复"


def is_overdue(letter: dict[str, Any], now_iso: str) -> bool:
    """Not replied (nor closed) and past its reply deadline."""
    return (not letter["replied_at"] and not letter["closed_at"]
            and bool(letter["reply_due"]) and letter["reply_due"] <= now_iso)


def replied_on_time(letter: dict[str, Any]) -> bool:
    answered = letter["replied_at"] or letter["closed_at"]
    return bool(answered) and (not letter["reply_due"] or answered <= letter["reply_due"])


def list_letters(store: Store, *, overdue: bool = False, channel: str | None = None,
                 now_iso: str | None = None) -> list[dict[str, Any]]:
    now_iso = now_iso or clock.now_iso()
    rows = store.list_letters(channel=channel, open_only=overdue)
    for row in rows:
        row["status"] = status_of(row)
        row["overdue"] = is_overdue(row, now_iso)
    return [r for r in rows if r["overdue"]] if overdue else rows
