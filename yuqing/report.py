"""Reports from the store: the daily duty report, the numbered 《重要舆情摘报》, the
per-event 《网络舆情通报》, the weekly report and the year-end 工作总结.

Each report is a data dictionary (every figure computed here, from the store) rendered
by one Jinja template; the workspace's templates/ override the bundled ones.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing import clock
from yuqing.errors import UsageError
from yuqing.events.cases import kept_event
from yuqing.events.tags import is_social
from yuqing.events.worksummary import rate, work_figures
from yuqing.grade import is_mainstream_url
from yuqing.render.evidence import add_evidence
from yuqing.render.templating import render, safe_url
from yuqing.rules import LEVELS, Rules, level_rank
from yuqing.store import Store

SHANGHAI = clock.SHANGHAI


@dataclass
class Period:
    start: datetime  # aware, Asia/Shanghai midnight
    end: datetime  # exclusive

    @property
    def start_iso(self) -> str:
        return clock.to_iso(self.start)

    @property
    def end_iso(self) -> str:
        return clock.to_iso(self.end)

    @property
    def label(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        first = self.start.date()
        if first == last:
            return f"{first.year}年{first.month}月{first.day}日"
        return f"{first.year}年{first.month}月{first.day}日至{last.month}月{last.day}日"


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def day_period(day: date) -> Period:
    return Period(local_midnight(day), local_midnight(day + timedelta(days=1)))


def week_period(text: str | None, today: date) -> Period:
    """'2026-W48' or a date inside the week; default this week (Monday to Sunday)."""
    if text:
        try:
            if "W" in text.upper():
                year, week = text.upper().split("-W")
                monday = date.fromisocalendar(int(year), int(week), 1)
            else:
                day = date.fromisoformat(text)
                monday = day - timedelta(days=day.weekday())
        except (OverflowError, ValueError):
            raise UsageError(f"无法识别的周「{text}」：应为 2026-W48 或该周内的某一天 2026-11-27") from None
    else:
        monday = today - timedelta(days=today.weekday())
    clock.check_year(monday.year, text or "")
    return Period(local_midnight(monday), local_midnight(monday + timedelta(days=7)))


def parse_day(text: str | None, today: date) -> date:
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"无法识别的日期「{text[:40]}」：应为 2026-11-27 这样的写法") from None
    clock.check_year(day.year, text)
    return day


def office(rules: Rules) -> dict[str, Any]:
    table = rules.raw.get("office", {})
    return {
        "name": table.get("name") or "（单位名称未填写）",
        "issuer": table.get("issuer", ""),
        "report_to": table.get("report_to", ""),
        "copy_to": table.get("copy_to", ""),
        "secrecy": table.get("secrecy", "内部资料"),
        "signature": table.get("signature", ""),
        "digest_min_level": table.get("digest_min_level", "较大"),
    }


def _event(row: dict[str, Any]) -> dict[str, Any]:
    event = dict(row)
    for key in ("reasons", "categories", "topics"):
        event[key] = json.loads(event.get(key) or "[]")
    event["reason_texts"] = [r["text"] for r in event["reasons"]]
    return event


def _growth(event: dict[str, Any]) -> str:
    if event.get("comments_before") is None:
        return "暂无 24 小时前的观测"
    return (f"24 小时内点击 {event['clicks_before']} → {event['clicks']}，"
            f"跟帖 {event['comments_before']} → {event['comments']}")


def _level_counts(events: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(LEVELS, 0)
    for event in events:
        counts[event["level"]] = counts.get(event["level"], 0) + 1
    return counts


def _source_health(store: Store, rules_sources: list) -> list[dict[str, Any]]:
    states = store.all_source_states()
    health = []
    for source in rules_sources:
        state = states.get(source.name, {})
        health.append({
            "name": source.name, "site": source.site, "enabled": source.enabled,
            "failures": state.get("consecutive_failures") or 0,
            "reason": state.get("last_reason") or "", "error": state.get("last_error") or "",
            "last_success_at": state.get("last_success_at"),
        })
    return health


REPOST_MARKS = ("转发", "转载", "【转", "转自", "//@")


def _mainstream_reprints(posts: list[dict[str, Any]], rules: Rules) -> list[dict[str, Any]]:
    """An event's posts on mainstream sites other than the office's own."""
    return [{"site": p["site"], "url": p["url"]} for p in posts
            if not p.get("own") and (p["mainstream"] or is_mainstream_url(p["url"], rules))]


def positive_coverage(store: Store, rules: Rules, events: list[dict[str, Any]],
                      publicity_events: set[int]) -> dict[str, Any]:
    """正面宣传: the period's 正面 events (other than the office's own posts) with the
    mainstream sites that carried them and the links."""
    positive = [e for e in events if e.get("nature") == "正面" and e["id"] not in publicity_events]
    posts = store.event_posts([e["id"] for e in positive])
    items = []
    for event in positive:
        event_posts = posts.get(event["id"], [])
        mainstream = _mainstream_reprints(event_posts, rules)
        items.append({**event, "first_url": event_posts[0]["url"] if event_posts else "",
                      "mainstream": mainstream,
                      "mainstream_names": list(dict.fromkeys(m["site"] for m in mainstream))})
    return {
        "events": len(items), "entries": items,
        "mainstream_reprints": sum(len(i["mainstream"]) for i in items),
        "reprints": sum(i["reprints"] for i in items),
    }


def publicity(store: Store, rules: Rules, period: Period, year_start: datetime) -> dict[str, Any]:
    """The office's own publicity: posts published in the period and the year so far,
    originals and reposts, mainstream reprints found through event grouping, and the
    progress against [publicity] yearly_target."""
    own = store.own_posts_between(period.start_iso, period.end_iso)
    year = store.own_posts_between(clock.to_iso(year_start), period.end_iso)
    event_ids = sorted({p["event_id"] for p in own if p["event_id"]})
    grouped = store.event_posts(event_ids)
    own_names = store.own_source_names()
    reprints = []
    for event_id in event_ids:
        posts = [dict(p, own=p["source"] in own_names) for p in grouped.get(event_id, [])]
        reprints += _mainstream_reprints(posts, rules)
    reposts = [p for p in own if any(mark in f"{p['title']} {p['text'] or ''}"[:40] for mark in REPOST_MARKS)]
    target = rules.publicity_target
    return {
        "posts": len(own), "originals": len(own) - len(reposts), "reposts": len(reposts),
        "entries": own, "mainstream_reprints": len(reprints),
        "mainstream_names": list(dict.fromkeys(r["site"] for r in reprints)),
        "year_posts": len(year), "target": target, "progress": _progress(len(year), target),
        "event_ids": event_ids,
    }


def _good_news(store: Store, rules: Rules, period: Period, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The 正面宣传 part of a report: positive coverage and the office's own publicity."""
    year_start = local_midnight(date(period.start.astimezone(clock.SHANGHAI).year, 1, 1))
    own = publicity(store, rules, period, year_start)
    return {"positive": positive_coverage(store, rules, events, set(own["event_ids"])), "publicity": own}


def _progress(done: int, target: int | None) -> str:
    if not target:
        return ""
    state = "已完成" if done >= target else f"完成 {done / target:.0%}"
    return f"本年发布 {done} 篇，目标 {target} 篇，{state}"


# -- the reports ---------------------------------------------------------------


def daily_data(store: Store, rules: Rules, sources: list, day: date) -> dict[str, Any]:
    period = day_period(day)
    events = [_event(e) for e in store.events_between(period.start_iso, period.end_iso)]
    now_iso = clock.now_iso()
    from yuqing.events.cases import overdue_items

    open_cases = []
    for case in store.open_cases():
        case["overdue"] = overdue_items(case, now_iso)
        open_cases.append(case)
    health = _source_health(store, sources)
    add_evidence(store, events)
    return {
        "office": office(rules), "period": period.label, "day": day.isoformat(),
        "generated_at": clock.local_text(now_iso),
        "events": events, "level_counts": _level_counts(events),
        "volume": store.count_posts_between(period.start_iso, period.end_iso),
        "open_cases": open_cases, "overdue": [c for c in open_cases if c["overdue"]],
        "dismissed": store.count_dismissed_between(period.start_iso, period.end_iso),
        "notices": store.notices_between(period.start_iso, period.end_iso),
        "failing_sources": [s for s in health if s["failures"]], "source_count": len(health),
        **_good_news(store, rules, period, events),
    }


@dataclass
class DigestChoice:
    """The editor's word on a digest: events added or left out by ID, and the 编者按."""

    include: tuple[int, ...] = ()
    exclude: tuple[int, ...] = ()
    note: str = ""


def digest_data(store: Store, rules: Rules, period: Period, choice: DigestChoice | None = None) -> dict[str, Any]:
    choice = choice or DigestChoice()
    info = office(rules)
    threshold = level_rank(info["digest_min_level"]) if info["digest_min_level"] in LEVELS else 1
    events = [_event(e) for e in store.active_events_between(period.start_iso, period.end_iso)]
    events = _apply_choice(store, events, choice)
    chosen = set(choice.include)
    major = [e for e in events if level_rank(e["level"]) >= threshold or e["id"] in chosen]
    minor = [e for e in events if e not in major]
    actions = store.actions_for_events([e["id"] for e in major])
    add_evidence(store, events)
    add_evidence(store, major, summary=True, voices=True)
    for event in major:
        event["growth"] = _growth(event)
        event["actions"] = actions.get(event["id"], [])
        event["advice"] = list(rules.escalation.policy(event["level"]).actions)
    tags = store.event_tags([e["id"] for e in events])
    for event in events:
        event["social"] = is_social(event, tags[event["id"]], rules.social_topics)
    return {
        "office": info, "period": period.label, "events": events, "major": major, "minor": minor,
        "note": choice.note.strip(),
        "social": sum(e["social"] for e in events),
        "level_counts": _level_counts(events), "volume": store.count_posts_between(period.start_iso, period.end_iso),
        "dismissed": store.count_dismissed_between(period.start_iso, period.end_iso),
        "generated_at": clock.local_text(clock.now_iso()),
    }


def _apply_choice(store: Store, events: list[dict[str, Any]], choice: DigestChoice) -> list[dict[str, Any]]:
    """The period's events, minus --exclude, plus --include (any level, any time)."""
    known = {e["id"] for e in events}
    for event_id in choice.exclude:
        if event_id not in known and event_id not in choice.include:
            raise UsageError(f"--exclude {event_id}：事件 {event_id} 不在本期时段内（用 yuqing events 查看编号）")
    both = set(choice.include) & set(choice.exclude)
    if both:
        raise UsageError(f"事件 {'、'.join(map(str, sorted(both)))} 同时出现在 --include 和 --exclude 中")
    kept = [e for e in events if e["id"] not in set(choice.exclude)]
    for event_id in choice.include:
        if event_id in known:
            continue
        try:
            row = kept_event(store, event_id)
        except UsageError as error:
            raise UsageError(f"--include {event_id}：{error.message}") from None
        kept.append(_event(row))
    return kept


def event_data(store: Store, rules: Rules, event_id: int) -> dict[str, Any]:
    # A merged event has no posts of its own: a 通报 would show old figures over an empty table.
    event = _event(kept_event(store, event_id))
    event["growth"] = _growth(event)
    add_evidence(store, [event], summary=True, voices=True)
    posts = store.event_posts([event_id])[event_id]
    for post in posts:
        post["link"] = safe_url(post["url"])
    observations = {p["id"]: store.observations(p["id"]) for p in posts}
    case = store.get_case_for_event(event_id)
    return {
        "office": office(rules), "event": event, "posts": posts, "observations": observations,
        "history": store.level_history(event_id), "case": case, "trend": event_trend(observations),
        "actions": store.case_actions(case["id"]) if case else [],
        "judgments": store.judgments([event_id])[event_id],
        "advice": list(rules.escalation.policy(event["level"]).actions),
        "generated_at": clock.local_text(clock.now_iso()),
    }


def weekly_data(store: Store, rules: Rules, period: Period) -> dict[str, Any]:
    previous = Period(period.start - timedelta(days=7), period.start)
    events = [_event(e) for e in store.events_between(period.start_iso, period.end_iso)]
    before = store.events_between(previous.start_iso, previous.end_iso)
    volume = store.count_posts_between(period.start_iso, period.end_iso)
    volume_before = store.count_posts_between(previous.start_iso, previous.end_iso)
    add_evidence(store, events[:10])
    return {
        "office": office(rules), "period": period.label, "events": events,
        "level_counts": _level_counts(events), "level_counts_before": _level_counts(before),
        "volume": volume, "volume_before": volume_before,
        "dismissed": store.count_dismissed_between(period.start_iso, period.end_iso),
        "change": {k: volume[k] - volume_before[k] for k in volume},
        "by_topic": store.events_by_topic_between(period.start_iso, period.end_iso),
        "by_site": store.posts_by_site_between(period.start_iso, period.end_iso),
        "top_events": events[:10],
        "work": work_figures(store, rules, period.start_iso, period.end_iso),
        "daily": store.daily_posts(period.start_iso, period.end_iso),
        "days": [(period.start + timedelta(days=n)).strftime("%Y-%m-%d") for n in range(7)],
        "generated_at": clock.local_text(clock.now_iso()),
        **_good_news(store, rules, period, events),
    }


def annual_data(store: Store, rules: Rules, sources: list, year: int) -> dict[str, Any]:
    period = Period(local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1)))
    start, end = period.start_iso, period.end_iso
    events = [_event(e) for e in store.events_between(start, end)]
    cases = store.cases_between(start, end)
    actions = store.action_counts_between(start, end)
    volume = store.count_posts_between(start, end)
    handled = len(cases)
    replied = [c for c in cases if c["answered_at"]]
    closed = [c for c in cases if c["closed_at"]]
    on_time = [c for c in replied if not c["answer_due"] or c["answered_at"] <= c["answer_due"]]
    first_action_hours = [
        (clock.parse_iso(c["first_action_at"]) - clock.parse_iso(c["opened_at"])).total_seconds() / 3600
        for c in cases if c["first_action_at"]
    ]
    monthly = {m: dict.fromkeys(LEVELS, 0) for m in range(1, 13)}
    for row in store.monthly_levels(start, end):
        monthly[int(row["month"])][row["level"]] = row["events"]
    work = work_figures(store, rules, start, end)
    return {
        "office": office(rules), "year": year,
        # Of the sources in sources.toml: letters, imports and pasted posts have channels of
        # their own, which are not 监测信息源.
        "sources_configured": len(sources),
        "sources_active": len({s.name for s in sources} & store.sources_with_posts_between(start, end)),
        "posts": volume["posts"], "matched": volume["matched"],
        "events": events, "level_counts": _level_counts(events), "monthly": monthly,
        "dismissed": store.count_dismissed_between(start, end),
        "cases": handled, "replied": len(replied), "closed": len(closed), "on_time": len(on_time),
        "reply_rate": _rate(len(replied), handled), "closure_rate": _rate(len(closed), handled),
        "on_time_rate": _rate(len(on_time), len(replied)),
        "median_first_action_hours": round(statistics.median(first_action_hours), 1) if first_action_hours else None,
        "press_releases": actions.get("发布通稿", 0), "forwarded": actions.get("转办", 0),
        "work": work,
        "major_events": [e for e in events if level_rank(e["level"]) >= level_rank("重大")],
        "generated_at": clock.local_text(clock.now_iso()),
        **_good_news(store, rules, period, events),
    }


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def annual_figures(data: dict[str, Any]) -> dict[str, Any]:
    """The annual report's figures for scripts (`report annual --json`): counts and fractions."""
    cases = {"opened": data["cases"], "replied": data["replied"], "closed": data["closed"],
             "on_time": data["on_time"], "reply_rate": rate(data["replied"], data["cases"]),
             "closure_rate": rate(data["closed"], data["cases"]),
             "on_time_rate": rate(data["on_time"], data["replied"]),
             "median_first_action_hours": data["median_first_action_hours"],
             "forwarded": data["forwarded"], "press_releases": data["press_releases"]}
    return {
        "year": data["year"], "office": data["office"]["name"],
        "sources_configured": data["sources_configured"], "sources_active": data["sources_active"],
        "posts": data["posts"], "matched": data["matched"], "events": len(data["events"]),
        "level_counts": data["level_counts"], "cases": cases, **data["work"],
        "positive": {"events": data["positive"]["events"], "reprints": data["positive"]["reprints"],
                     "mainstream_reprints": data["positive"]["mainstream_reprints"]},
        "publicity": {key: data["publicity"][key] for key in
                      ("posts", "originals", "reposts", "mainstream_reprints", "year_posts", "target")},
    }


# -- rendering -------------------------------------------------------------------


TEMPLATES = {"daily": "daily.md.j2", "digest": "digest_report.md.j2", "event": "event_report.md.j2",
             "weekly": "weekly.md.j2", "annual": "annual.md.j2"}


def render_report(kind: str, data: dict[str, Any], home: Path | None) -> str:
    data.setdefault("charts", [])
    return render(TEMPLATES[kind], data, home / "templates" if home else None)


TITLES = {"daily": "当日舆情", "digest": "重要舆情摘报", "event": "网络舆情通报", "weekly": "舆情周报",
          "annual": "年度网络舆情工作总结"}


def title_of(kind: str, data: dict[str, Any]) -> str:
    return f"{data['office']['name']} {TITLES[kind]}"


@dataclass
class IssuedDigest:
    year: int
    number: int  # 第 N 期 of the year
    serial: int  # 总第 N 期
    path: Path
    reissued: bool  # --force replaced an earlier issue of the same period


def issue_digest(store: Store, rules: Rules, period: Period, choice: DigestChoice, *, force: bool,
                 fmt: str, home: Path, folder: Path) -> IssuedDigest:
    """Number a digest and write its file as one step: the number, the items it carries
    and the file either all exist afterwards or none do (a failed write takes no number).

    Numbers run per year (第 N 期) and across years (总第 N 期). The same period twice
    needs --force, and then the new issue replaces the old one: same numbers, same file,
    its items instead of the old ones, so no figure counts the period twice."""
    data = digest_data(store, rules, period, choice)
    now = clock.now()
    with store.write():
        earlier = store.digest_for_period(period.start_iso, period.end_iso)
        if earlier and not force:
            raise UsageError(f"{period.label} 已编发过第 {earlier['number']} 期（{earlier['year']} 年），"
                             "确需重新编发（替换原来那一期）请加 --force")
        numbers = store.record_digest(
            period_from=period.start_iso, period_to=period.end_iso, issued_at=clock.to_iso(now),
            event_ids=[e["id"] for e in data["events"]], note=data["note"],
            year=now.astimezone(SHANGHAI).year, replacing=earlier["id"] if earlier else None,
        )
        data.update(preview=False, number=numbers["number"], serial=numbers["serial"],
                    issued_on=f"{now.astimezone(SHANGHAI):%Y年%m月%d日}")
        stem = f"digest-{numbers['year']}-{numbers['number']:03d}"
        # A reissue rewrites every format the issue was written in, so no stale copy stays.
        others = [f for f in FORMATS if f != fmt and earlier and (folder / f"{stem}.{f}").exists()]
        path = write_report("digest", data, folder=folder, stem=stem, fmt=fmt, home=home)
        for other in others:
            write_report("digest", data, folder=folder, stem=stem, fmt=other, home=home)
        store.set_digest_path(numbers["year"], numbers["number"], str(path))
    return IssuedDigest(numbers["year"], numbers["number"], numbers["serial"], path, earlier is not None)


FORMATS = ("md", "html", "docx")


def write_report(kind: str, data: dict[str, Any], *, folder: Path, stem: str, fmt: str, home: Path | None) -> Path:
    """Render a report with its charts into `folder` as md, html or docx. The file appears
    whole or not at all (written beside, then renamed): a failed write leaves the old one."""
    if fmt not in FORMATS:
        raise UsageError(f"--format 只能是 {' / '.join(FORMATS)}，而不是「{fmt}」")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data["charts"] = write_charts(kind, data, folder, stem)
        markdown = render_report(kind, data, home)
        path = folder / f"{stem}.{fmt}"
        _write_format(markdown, path, fmt, title=title_of(kind, data))
    except OSError as exc:
        from yuqing.errors import os_reason

        raise UsageError(f"无法写入报告 {folder / stem}.{fmt}：{os_reason(exc)}"
                         "（可加 --stdout 直接打印 Markdown）") from None
    return path


def _write_format(markdown: str, path: Path, fmt: str, *, title: str) -> None:
    from yuqing.render import formats

    if fmt == "docx":
        formats.markdown_to_docx(markdown, path, title=title, base_dir=path.parent)
        return
    text = markdown if fmt == "md" else formats.markdown_to_html(markdown, title=title, base_dir=path.parent)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def event_trend(observations: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The event's clicks and comments over time: at each observation, the sum over its
    posts of each post's latest figures so far."""
    moments = sorted({o["observed_at"] for obs in observations.values() for o in obs})
    latest: dict[int, dict[str, int]] = {}
    trend = []
    for moment in moments:
        for post_id, obs in observations.items():
            for o in obs:
                if o["observed_at"] == moment:
                    latest[post_id] = {"clicks": o["clicks"] or 0, "comments": o["comments"] or 0}
        trend.append({"at": moment, "clicks": sum(v["clicks"] for v in latest.values()),
                      "comments": sum(v["comments"] for v in latest.values())})
    return trend


def write_charts(kind: str, data: dict[str, Any], folder: Path, stem: str) -> list[dict[str, str]]:
    """SVG charts beside the Markdown (weekly: posts per day by level; annual: events per
    month by level; both: events by topic)."""
    from yuqing.render.charts import bar_chart_svg, write_chart

    charts = []
    if kind == "weekly":
        levels = [*LEVELS, "未分级"]
        series = {level: [0.0] * len(data["days"]) for level in levels}
        for row in data["daily"]:
            if row["day"] in data["days"]:
                series[row["level"]][data["days"].index(row["day"])] += row["posts"]
        labels = [d[5:] for d in data["days"]]
        charts.append(("volume", "每日帖子数（按事件级别）", bar_chart_svg(labels, series, title="每日帖子数（按事件级别）", y_label="帖子")))
    elif kind == "annual":
        months = [f"{m}月" for m in range(1, 13)]
        series = {level: [float(data["monthly"][m][level]) for m in range(1, 13)] for level in LEVELS}
        charts.append(("monthly", "各月事件数（按级别）", bar_chart_svg(months, series, title="各月事件数（按级别）", y_label="事件")))
    elif kind == "event":
        return _event_chart(data, folder, stem)
    else:
        return []
    topics = data.get("by_topic") or _topic_counts(data.get("events", []))
    if topics:
        names = [t["topic"] for t in topics[:12]]
        counts = {"事件": [float(t["events"]) for t in topics[:12]]}
        charts.append(("topics", "各主题事件数", bar_chart_svg(names, counts, title="各主题事件数", y_label="事件")))
    written = []
    for name, title, svg in charts:
        path = write_chart(folder / f"{stem}-{name}.svg", svg)
        written.append({"title": title, "file": path.name})
    return written


def _event_chart(data: dict[str, Any], folder: Path, stem: str) -> list[dict[str, str]]:
    from yuqing.render.charts import line_chart_svg, write_chart

    trend = data.get("trend") or []
    if not trend:
        return []
    labels = [clock.local_text(t["at"], "%m-%d %H:%M") for t in trend]
    series = {"点击": [float(t["clicks"]) for t in trend], "跟帖": [float(t["comments"]) for t in trend]}
    title = "点击、跟帖变化"
    path = write_chart(folder / f"{stem}-trend.svg", line_chart_svg(labels, series, title=title, y_label="次数"))
    return [{"title": title, "file": path.name}]


def _topic_counts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for event in events:
        for topic in event["topics"]:
            counts[topic] = counts.get(topic, 0) + 1
    return [{"topic": t, "events": n} for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
