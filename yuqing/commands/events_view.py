"""How grades and events are shown: rich on a terminal, JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from yuqing import clock
from yuqing.commands.console import (
    ChineseTable,
    config_warnings_heading,
    err,
    escape,
    print_json,
    styled_level,
    styled_nature,
)
from yuqing.commands.console import out as _out

if TYPE_CHECKING:  # types only: events and grade pull in numpy and the rule engine
    from yuqing.events.adhoc import AdhocPost
    from yuqing.events.grouping import EventUpdate
    from yuqing.events.verdicts import Regrade
    from yuqing.grade import Grade
    from yuqing.rules import Rules

def print_grade(result: Grade, post: AdhocPost, *, as_json: bool) -> None:
    if as_json:
        print_json(result.as_dict())
        return
    console = _out()
    if post.url:
        console.print(f"页面：{escape(post.url)}")
        console.print(f"标题：{escape(post.title)}")
    console.print(f"级别：{styled_level(result.level)}")
    basis = f"（{escape(result.nature_basis)}）" if result.nature_basis else ""
    console.print(f"性质：{styled_nature(result.nature)}{basis}")
    console.print("依据：")
    for reason in result.reasons:
        console.print(f"  · {escape(reason.text)}")
    console.print(f"敏感类别：{escape('、'.join(result.categories)) or '无'}")
    console.print(f"负面倾向：{tone_text(result.negative, result.tone_score, result.negative_words)}")
    console.print(f"监测主题：{escape('、'.join(result.topics)) or '无'}")


def tone_text(negative: bool, score: float | None, reasons: list[str] | tuple[str, ...]) -> str:
    """「是（评分 0.93；负面依据：下台、欺负、没人管）」, escaped for rich."""
    verdict = "是" if negative else "否"
    details = [] if score is None else [f"评分 {score:.2f}"]
    if negative and reasons:
        details.append("负面依据：" + "、".join(reasons))
    return escape(f"{verdict}（{'；'.join(details)}）" if details else verdict)


def _event_json(row: dict[str, Any]) -> dict[str, Any]:
    data = dict(row)
    for key in ("reasons", "categories", "topics"):
        data[key] = json.loads(data[key]) if data.get(key) else []
    data["negative"] = bool(data.get("negative"))
    data.pop("dirty", None)
    return data


def event_marks(row: dict[str, Any]) -> list[str]:
    """What the officer should know at a glance: stock, manual level, 误报, no topic any more."""
    marks = []
    if row.get("quiet"):
        marks.append("存量")
    if row.get("manual_level"):
        marks.append("人工定级")
    if row.get("dismissed_at"):
        marks.append("误报")
    if row.get("unmatched"):
        marks.append("不再命中主题")
    if row.get("merged_into"):
        marks.append(f"已并入事件 {row['merged_into']}")
    return marks


WIDE_TERMINAL = 110  # columns from which the events table also names each event's first site


def _events_table(rows: list[dict[str, Any]], by: str, *, wide: bool) -> ChineseTable:
    """The events list. Titles fold onto more lines rather than being cut; on a narrow
    terminal the first site (shown by `event show`) is left out and headers take two lines."""
    latest = "最近发布" if by == "published" else "最近采集"
    headers = ["编号", "级别", "性质", "标题", "网站(主流)", "点击", "跟帖", "首发", latest] if wide else \
        ["编号", "级别", "性质", "标题", "网站\n(主流)", "点击", "跟帖", latest[:2] + "\n" + latest[2:]]
    table = ChineseTable(*headers)
    for column in table.columns:
        column.no_wrap = column.header not in ("标题", "首发")
        if not column.no_wrap:  # Chinese has no spaces to wrap at: fold, never cut a title
            column.overflow = "fold"
    table.columns[3].min_width = 20 if wide else 16
    for row in rows:
        positive = row.get("nature") == "正面"  # counted as 正面传播, never escalated
        marks = event_marks(row)
        cells = [
            str(row["id"]), styled_nature("正面", listing=True) if positive else styled_level(row["level"]),
            styled_nature(row.get("nature")),
            escape(row["title"]) + (f" [yellow]（{escape('、'.join(marks))}）[/]" if marks else ""),
            f"{row['sites']}({row['mainstream_sites']})", str(row["clicks"]), str(row["comments"]),
            *([escape(row["first_site"] or "")] if wide else []),
            _when(row["last_published_at"], clock.published_text) if by == "published" else _when(row["last_seen_at"]),
        ]
        table.add_row(*cells)
    return table


def print_events(rows: list[dict[str, Any]], *, as_json: bool, by: str = "collected",
                 dismissed_hidden: int = 0) -> None:
    if as_json:
        print_json([{**_event_json(r), "marks": event_marks(r)} for r in rows])
        return
    notes = Console(stderr=True, highlight=False)
    if not rows:
        notes.print("没有符合条件的事件")
    else:
        _out().print(_events_table(rows, by, wide=_out().width >= WIDE_TERMINAL))
    if dismissed_hidden:
        notes.print(f"另有 {dismissed_hidden} 个事件已判为误报，未列出（yuqing events --dismissed 查看）")


def print_event(event: dict[str, Any], posts: list[dict[str, Any]], history: list[dict[str, Any]],
                observations: dict[int, list[dict[str, Any]]], judgments: list[dict[str, Any]], *,
                as_json: bool) -> None:
    if as_json:
        print_json({
            "event": {**_event_json(event), "marks": event_marks(event)},
            "posts": [{k: (_reasons(p) if k == "tone_reasons" else v) for k, v in p.items() if k != "text"}
                      for p in posts],
            "level_history": history,
            "observations": {str(k): v for k, v in observations.items()},
            "judgments": judgments,
        })
        return
    console = _out()
    e = _event_json(event)
    console.print(f"[bold]事件 {e['id']}[/]：{escape(e['title'])}")
    basis = f"（{escape(e['nature_basis'])}）" if e.get("nature_basis") else ""
    console.print(f"性质：{styled_nature(e.get('nature'))}{basis}")
    marks = "　".join(f"[yellow]{escape(m)}[/]" for m in event_marks(event))
    if marks:
        console.print(marks)
    console.print(f"级别：{styled_level(e['level'])}　负面：{'是' if e['negative'] else '否'}　"
                  f"主题：{escape('、'.join(e['topics'])) or '无'}　类别：{escape('、'.join(e['categories'])) or '无'}")
    console.print(f"首发：{escape(e['first_site'] or '')} {clock.published_text(e['first_at'])}　"
                  f"最近：{clock.local_text(e['last_seen_at'])}")
    if e.get("tags"):
        console.print(f"标记：{escape('、'.join(e['tags']))}")
    growth = ""
    if e.get("comments_before") is not None:
        growth = f"（24 小时前：点击 {e['clicks_before']}，跟帖 {e['comments_before']}）"
    console.print(f"网站 {e['sites']}（主流 {e['mainstream_sites']}），转载 {e['reprints']}，"
                  f"点击 {e['clicks']}，跟帖 {e['comments']}{growth}")
    console.print("分级依据：")
    for reason in e["reasons"]:
        console.print(f"  · {escape(reason['text'])}")
    table = ChineseTable("帖子", "网站", "标题", "发布", "点击", "跟帖", "负面", "观测")
    table.columns[2].min_width = 16
    table.columns[3].min_width = 10  # the whole date: the time goes to its own line
    for column in [*table.columns[1:4], table.columns[6]]:  # sites, titles, times, 「否（人工判定）」:
        column.overflow = "fold"  # onto more lines, never cut
    for post in posts:
        trail = " → ".join(f"{o['clicks'] or 0}/{o['comments'] or 0}" for o in observations.get(post["id"], [])[-5:])
        marks = post_marks(post)
        table.add_row(str(post["id"]), escape(post["site"]),
                      escape(post["title"]) + (f" [yellow]（{escape('；'.join(marks))}）[/]" if marks else ""),
                      clock.published_text(post["published_at"] or post["first_seen_at"]),
                      _num(post["clicks"]), _num(post["comments"]), _post_tone(post), trail)
    console.print(table)
    for post in posts:
        if len(post.get("sources") or []) > 1:  # one article that several sources carried
            console.print(f"  帖子 {post['id']} 经 {len(post['sources'])} 个信息源采集："
                          f"{escape('、'.join(post['sources']))}")
    negatives = [p for p in posts if p["negative"] and _reasons(p)]
    if negatives:
        console.print("负面依据：")
    for post in negatives:
        score = "" if post.get("tone_score") is None else f"（评分 {post['tone_score']:.2f}）"
        console.print(f"  帖子 {post['id']}{score}：{escape('、'.join(_reasons(post)))}")
    console.print("级别变化：")
    for change in history:
        old = change["old_level"] or "（新事件）"
        reasons = "；".join(r["text"] for r in change["reasons"])
        console.print(f"  {clock.local_text(change['at'])}　{old} → {styled_level(change['new_level'])}　{escape(reasons)}")
    console.print("研判记录：" if judgments else "研判记录：无")
    for line in judgment_lines(judgments):
        console.print(f"  {escape(line)}")


def post_marks(post: dict[str, Any]) -> list[str]:
    marks = []
    if post.get("stock"):
        marks.append("存量")
    if post.get("ignored"):
        marks.append("已排除")
    return marks


def judgment_lines(judgments: list[dict[str, Any]]) -> list[str]:
    """One line per verdict: when, what, the value, why, by whom (plain text)."""
    lines = []
    for j in judgments:
        said = j.get("value_text") or ""
        value = (f"「{said}」" if j["kind"] in ("level", "reopen") else f"（{said}）") if said else ""
        why = f"：{j['reason']}" if j.get("reason") else ""
        lines.append(f"{clock.local_text(j['at'])}　{j['kind_text']}{value}{why}　— {j['by']}")
    return lines


def print_verdict(verdict: Any, *, as_json: bool) -> None:
    if as_json:
        print_json(verdict.as_dict())
        return
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    event = verdict.event
    value = f"为{verdict.value}" if verdict.kind in ("level", "nature") else ""
    console.print(f"已记录：事件 {verdict.event_id}「{escape(event.get('title') or '')}」{verdict.text}{value}"
                  + (f"（{escape(verdict.reason)}）" if verdict.reason else "") + f"，研判人 {escape(verdict.by)}")
    if verdict.kind == "dismiss":
        console.print("  不再出现在事件列表和报告中，不再预警；以后若升到高于"
                      f"{event.get('dismissed_level') or event.get('level')}的级别会重新预警"
                      + ("；在办案件已按「误报」办结" if verdict.case_closed else ""))
    if verdict.kind == "split":
        console.print(f"  拆出的帖子组成新事件 {verdict.value}")
    if verdict.kind == "merge":
        console.print(f"  事件 {'、'.join(map(str, verdict.touched))} 已并入事件 {verdict.event_id}")
    if verdict.kind in ("nature", "nature_auto") and event.get("nature") == "正面":
        console.print("  正面事件只计入正面宣传：不按传播量升级，不立案，不预警")
    if event.get("level"):
        console.print(f"  现级别：{styled_level(event['level'])}　性质：{styled_nature(event.get('nature'))}　"
                      f"帖子 {event.get('posts')}，"
                      f"点击 {event.get('clicks')}，跟帖 {event.get('comments')}")
    for change in verdict.update.changes if verdict.update else []:
        console.print(f"  事件 {change.event_id}「{escape(change.title)}」：{change.old or '（新）'} → "
                      f"{styled_level(change.new)}")


def _when(value: str | None, shown: Callable[[str | None, str], str] = clock.local_text) -> str:
    """Today's time of day, else the date (with the year when not this year)."""
    today = clock.now().astimezone(clock.SHANGHAI).date()
    if value and clock.parse_iso(value).astimezone(clock.SHANGHAI).date() == today:
        return shown(value, "%H:%M")
    return shown(value, "%m-%d")


def _post_tone(post: dict[str, Any]) -> str:
    score = post.get("tone_score")
    mark = "是" if post["negative"] else "否"
    if post.get("verdict") is not None:
        return f"{mark}（人工）"
    return mark if score is None else f"{mark} {score:.2f}"


def _reasons(post: dict[str, Any]) -> list[str]:
    return json.loads(post["tone_reasons"]) if post.get("tone_reasons") else []


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


def rise_hint(changes: list) -> str | None:
    """A regrade outside `yuqing run` sends nothing: say when the events that rose are announced."""
    from yuqing.rules import LEVELS, level_rank

    risen = [c for c in changes if level_rank(c.new) > level_rank(c.old or LEVELS[0])]
    if not risen:
        return None
    return f"升到一般以上的事件 {len(risen)} 个：预警通知在下次 yuqing run（或 yuqing escalate）时发出"


def print_regrade(regrade: Regrade, *, as_json: bool) -> None:
    if as_json:
        print_json(regrade.as_dict())
        return
    console = _out()
    result = regrade.update
    console.print(f"重新分析帖子 {result.analysed} 条，命中主题 {result.matched} 条，"
                  f"新事件 {result.new_events} 个，重新分级事件 {result.graded} 个")
    if not result.changes:
        console.print("级别没有变化")
    for change in result.changes:
        console.print(f"  事件 {change.event_id}「{escape(change.title)}」："
                      f"{change.old or '（新）'} → {styled_level(change.new)}")
    if hint := rise_hint(result.changes):
        console.print(hint)
    if not regrade.unmatched:
        return
    if regrade.dismissed:
        console.print(f"不再命中任何主题的事件 {len(regrade.unmatched)} 个，已判为误报（规则调整后不再命中主题），在办案件已办结：")
    else:
        console.print(f"不再命中任何主题的事件 {len(regrade.unmatched)} 个（在 yuqing events 中标为「不再命中主题」；"
                      "加 --close-unmatched 判为误报并办结案件）：")
    for event in regrade.unmatched:
        console.print(f"  事件 {event['id']}「{escape(event['title'])}」（{styled_level(event['level'])}）")


def print_event_changes(result: EventUpdate) -> None:
    """After a collection: what rose, on stderr."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if result.matched or result.changes:
        console.print(f"命中主题 {result.matched} 条，新事件 {result.new_events} 个，级别变化 {len(result.changes)} 个")
    for change in result.changes:
        console.print(f"  事件 {change.event_id}「{escape(change.title)}」："
                      f"{change.old or '（新）'} → {styled_level(change.new)}")


def print_rules_ok(path: Path, rules: Rules) -> None:
    from yuqing.rules import NATURES

    console = _out()
    console.print(f"{escape(str(path))}：没有发现错误")
    if rules.warnings:
        console.print(f"[yellow]{config_warnings_heading(len(rules.warnings))}：[/]")
        for warning in rules.warnings:
            console.print(f"  [yellow]{escape(warning)}[/]")
    office = len(rules.tone.lexicon.words) if rules.tone.lexicon else 0
    console.print(f"  阈值 {len(rules.thresholds)} 条，敏感类别 {len(rules.categories)} 个，"
                  f"本单位负面词 {office} 个，主流网站域名 {len(rules.mainstream_domains)} 个，"
                  f"监测主题 {len(rules.topics)} 个")
    quiet = [n for n in NATURES if n not in rules.spread_natures]
    console.print(f"  按传播量（点击、跟帖、主流网站、负面扩散）升级：{'、'.join(rules.spread_natures) or '无'}事件；"
                  f"{'、'.join(quiet) or '无'}事件不按传播量升级"
                  f"{'，正面事件不立案、不发预警，计入正面宣传' if '正面' in quiet else ''}"
                  + escape("（[grading] nature；敏感类别和重要人物、重点区域的最低级别不受影响）"))
    if rules.publicity_target:
        console.print(f"  本单位年度发稿目标 {rules.publicity_target} 篇" + escape("（[publicity] yearly_target）"))
    if not rules.topics:
        console.print("  [yellow]提示：还没有 \\[\\[topics]] 监测主题，采集到的帖子不会归并为事件、不会分级[/]")


def print_replies_report(report, *, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    if not report.threads and not report.failures:
        print("该事件没有可读取回复的论坛帖子（新闻订阅源的报道没有网民回复）")
        return
    print(f"读取帖子 {report.threads} 个，网民回复 {report.replies} 条")
    for failure in report.failures:
        print(failure, file=sys.stderr)


def print_tagged(event_id: int, tag: str, *, remove: bool, changed: bool) -> None:
    if remove:
        text = f"已去掉事件 {event_id} 的标记「{tag}」" if changed else f"事件 {event_id} 没有标记「{tag}」"
    else:
        text = f"已标记事件 {event_id} 为「{tag}」" if changed else f"事件 {event_id} 已有标记「{tag}」"
    err(text)
VOCABULARY_TITLES = {
    "words": "负面词（模型训练时作为负面样本）",
    "positive_words": "正面词与诉求用语（作为非负面样本）",
    "frames": "工作用语（打击、整治……：作为非负面样本）",
    "exclusions": "排除短语（作为非负面样本）",
    "negations": "否定词（用于本单位负面词）",
    "modal_negations": "不抵消负面词的否定（无法、不敢……）",
    "negation_exceptions": "看似否定、实非否定的词（不断、不少……）",
}


def print_negative_vocabulary(vocabulary: dict[str, tuple[str, ...]], rules: Rules, *, as_json: bool) -> None:
    office = rules.tone
    office_words = list(office.lexicon.words) if office.lexicon else []
    weights = dict(office.lexicon.weights) if office.lexicon else {}
    model = rules.negativity.model
    if as_json:
        print_json({
            "model": {"id": model.id, "threshold": rules.negativity.threshold,
                      "path": str(rules.tone_model_path or "builtin")},
            "builtin": {k: list(v) for k, v in vocabulary.items()},
            "office": {"words": {w: weights.get(w, 1.0) for w in office_words},
                       "exclusions": list(office.exclusions)},
        })
        return
    console = _out()
    where = "本单位训练的模型" if rules.tone_model_path else "自带模型"
    console.print(f"负面倾向模型：{where}（{escape(model.id)}），评分达到 {rules.negativity.threshold:g} 即判为负面")
    console.print("自带词表（在程序包内，不必写进 rules.toml）：")
    for key, words in vocabulary.items():
        console.print(f"  {VOCABULARY_TITLES[key]}，{len(words)} 个：")
        console.print("    " + escape("、".join(words)))
    console.print(f"本单位补充（{escape(str(rules.path))} 的 \\[negative]）：")
    if office_words:
        console.print("  负面词：" + escape("、".join(f"{w}（{weights.get(w, 1.0):g}）" for w in office_words)))
    if office.exclusions:
        console.print("  排除短语：" + escape("、".join(office.exclusions)))
    if not office_words and not office.exclusions:
        console.print("  无")
