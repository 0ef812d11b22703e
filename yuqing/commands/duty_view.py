"""How todo and handover are shown: plain lines that fit 80 columns (no markup, so a
title like `[突发]` prints as published), JSON for scripts."""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

from rich.cells import cell_len

from yuqing import clock
from yuqing.commands.console import (
    config_problems_heading,
    config_warnings_heading,
    err,
    print_json,
)
from yuqing.commands.linebreak import fold

if TYPE_CHECKING:
    from yuqing.duty.handover import Handover
    from yuqing.duty.todo import Todo

WIDTH = 80
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f]+")
SHOWN = 10  # items per section; the rest are counted
NOTICE_STATES = {"failed": "发送失败", "retrying": "等待重试", "held": "上班后发"}


def fit(text: str, width: int = WIDTH) -> str:
    """One line of at most `width` terminal cells (CJK characters take two)."""
    text = _LINE_BREAKS.sub(" ", text)
    if cell_len(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + "…"


def wrap(text: str, indent: str = "  ", width: int = WIDTH) -> list[str]:
    """The officer's own words, wrapped rather than cut, by the Chinese line-breaking rule."""
    room = width - cell_len(indent)
    return [indent + line for paragraph in text.splitlines() or [""] for line in fold(paragraph, room)]


def _when(value: str | None, todo: Todo) -> str:
    """Short times, read against the moment the list was made (the demo's frozen day)."""
    return clock.brief_text(value, clock.parse_iso(todo.now))


def _more(count: int, unit: str, hint: str = "") -> list[str]:
    return [f"  …还有 {count - SHOWN} {unit}{hint}"] if count > SHOWN else []


def todo_lines(todo: Todo) -> list[str]:
    since = (f"新情况从上次交接 {_when(todo.since, todo)} 算起" if todo.since_handover
             else "还没有交接记录，新情况按最近 24 小时算")
    if todo.all_clear:
        lines = [f"一切正常（{_when(todo.now, todo)}）：无超时或将到期案件、新的较大以上事件、未送达通知、异常信息源"]
    else:
        lines = [fit(f"值班待办　{clock.local_text(todo.now)}（{since}）")]
    for section in (_config, _collection, _overdue, _overdue_letters, _due_soon, _events, _notices, _sources,
                    _last_handover):
        body = section(todo)
        if body:
            lines += ["", *body]
    return lines


def _config(todo: Todo) -> list[str]:
    # `rules check` reads rules.toml only: pointing there for a sources.toml problem sends the
    # officer to a screen that says all is well.
    hint = "，用 yuqing rules check 查看" if any(p.startswith("rules.toml") for p in todo.config_problems) else ""
    lines = []
    for found, heading in ((todo.config_problems, config_problems_heading(len(todo.config_problems), hint)),
                           (todo.config_warnings, config_warnings_heading(len(todo.config_warnings)))):
        if found:
            lines += [heading, *(line for item in found[:SHOWN] for line in wrap(item)), *_more(len(found), "处")]
    return lines


def _collection(todo: Todo) -> list[str]:
    return ["采集停止", *wrap(todo.collection)] if todo.collection else []


def _overdue(todo: Todo) -> list[str]:
    cases = todo.overdue_cases
    if not cases:
        return []
    lines = [f"超时案件 {len(cases)} 件"]
    for case in cases[:SHOWN]:
        late = "、".join(f"{d['kind']} {_when(d['due'], todo)}" for d in case["late"])
        lines.append(fit(f"  案件 {case['id']}【{case['level']}】{late} 已超时　{case['title']}"))
    return lines + _more(len(cases), "件", "（yuqing case list --overdue）")


def _overdue_letters(todo: Todo) -> list[str]:
    letters = todo.overdue_letters
    if not letters:
        return []
    lines = [f"超时未回复来信 {len(letters)} 封"]
    for letter in letters[:SHOWN]:
        lines.append(fit(f"  {letter['channel']} {letter['number']} 答复时限 {_when(letter['reply_due'], todo)}　"
                         f"{letter['title']}"))
    return lines + _more(len(letters), "封", "（yuqing letter list --overdue）")


def _due_soon(todo: Todo) -> list[str]:
    items = todo.due_soon
    if not items:
        return []
    now = clock.parse_iso(todo.now)
    lines = [f"2 小时内到期 {len(items)} 项"]
    for item in items[:SHOWN]:
        minutes = max(1, int((clock.parse_iso(item["due"]) - now).total_seconds() // 60))
        lines.append(fit(f"  案件 {item['id']}【{item['level']}】{item['kind']} {_when(item['due'], todo)} 到期"
                         f"（还有 {minutes} 分钟）　{item['title']}"))
    return lines + _more(len(items), "项")


def _events(todo: Todo) -> list[str]:
    events = todo.events
    if not events:
        return []
    lines = [f"新的较大及以上事件 {len(events)} 个"]
    for event in events[:SHOWN]:
        change = (f"{event['old_level']}→{event['level']}" if event["change"] in ("升级", "降级") else event["change"])
        stock = "（存量）" if event.get("stock") else ""  # an old story first collected now: no notice went out
        lines.append(fit(f"  事件 {event['id']}【{event['level']}】{change}{stock} {_when(event['at'], todo)}　"
                         f"{event['title']}"))
    return lines + _more(len(events), "个", "（yuqing events --level 较大）")


def _notices(todo: Todo) -> list[str]:
    notices = todo.notices
    if not notices:
        return []
    lines = [f"未送达的通知 {len(notices)} 条"]
    for notice in notices[:SHOWN]:
        state = NOTICE_STATES[notice["state"]]
        if notice["state"] == "held":
            state += f"（{_when(notice['until'], todo)}）"
        elif notice["error"]:
            state += f"：{notice['error']}"
        lines.append(fit(f"  {notice['notice_no']} {channel_name(notice['channel'])} {state}　{notice['subject']}"))
    return lines + _more(len(notices), "条", "（yuqing status）")


def channel_name(channel: str) -> str:
    """robot:值班群 → 值班群; mail → 邮件; file → 发件箱."""
    if channel.startswith("robot:"):
        return channel.split(":", 1)[1]
    return {"mail": "邮件", "file": "发件箱"}.get(channel, channel)


def _sources(todo: Todo) -> list[str]:
    sources = todo.sources
    if not sources:
        return []
    lines = [f"信息源异常 {len(sources)} 个（修好后 yuqing collect --force 立即重试）"]
    lines += [fit(f"  {s['name']}：{s['text']}（连续 {s['failures']} 次）") for s in sources[:SHOWN]]
    return lines + _more(len(sources), "个", "（yuqing source list）")


def _last_handover(todo: Todo) -> list[str]:
    last = todo.last_handover
    if not last:
        return []
    return [fit(f"上次交接　{_when(last['at'], todo)}　{last['by']}"), *wrap(last["note"])]


def print_todo(todo: Todo, *, as_json: bool) -> None:
    if as_json:
        print_json(todo.as_dict())
        return
    sys.stdout.write("\n".join(todo_lines(todo)) + "\n")


def print_handover(handover: Handover, *, as_json: bool) -> None:
    if as_json:
        print_json({"id": handover.id, "at": handover.at, "by": handover.by, "note": handover.note,
                    "since": handover.since, "summary": handover.summary, "path": str(handover.path)})
        return
    sys.stdout.write(handover.markdown)
    err(f"已记录交接班（第 {handover.id} 次）→ {handover.path}")
