"""How topics, topic edits and topic trials are shown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from yuqing import clock
from yuqing.commands.console import err, print_json
from yuqing.commands.duty_view import fit
from yuqing.commands.events_view import rise_hint

if TYPE_CHECKING:
    from yuqing.events.grouping import EventUpdate
    from yuqing.rules import Topic
    from yuqing.topics.trial import Trial


def topic_words(topic: Topic) -> str:
    text = "任一：" + "、".join(topic.keywords)
    if topic.all:
        text += "；须同时有：" + "、".join(topic.all)
    if topic.exclude:
        text += "；排除：" + "、".join(topic.exclude)
    return text


def print_topics(path: Path, topics: tuple[Topic, ...], *, as_json: bool) -> None:
    if as_json:
        print_json([{"name": t.name, "keywords": list(t.keywords), "all": list(t.all),
                     "exclude": list(t.exclude)} for t in topics])
        return
    if not topics:
        err(f"还没有监测主题（{path}）：用 yuqing topic add 名称 --keywords 词1,词2 添加")
        return
    lines = [f"监测主题 {len(topics)} 个（{path}）"]
    for topic in topics:
        lines += [f"  {topic.name}", f"    {topic_words(topic)}"]
    sys.stdout.write("\n".join(lines) + "\n")


def print_topic_saved(path: Path, topic: Topic, *, replaced: bool) -> None:
    err(f"已{'修改' if replaced else '添加'}监测主题「{topic.name}」（{topic_words(topic)}）→ {path}")


def print_topic_removed(path: Path, topic: Topic) -> None:
    err(f"已删除监测主题「{topic.name}」→ {path}")


def print_reconciled(result: EventUpdate) -> None:
    """What the change did to stored posts and events (the same as yuqing regrade)."""
    err(f"已按新的主题重新匹配和分级（同 yuqing regrade）：新事件 {result.new_events} 个，"
        f"重新分级事件 {result.graded} 个，级别变化 {len(result.changes)} 个")
    for change in result.changes:
        err(f"  事件 {change.event_id}「{change.title}」：{change.old or '（新）'} → {change.new}")
    if hint := rise_hint(result.changes):
        err(hint)


def print_trial(trial: Trial, *, draft: bool, as_json: bool) -> None:
    if as_json:
        print_json({**trial.as_dict(), "draft": draft})
        return
    label = "（未保存的试用规则）" if draft else ""
    lines = [f"主题「{trial.topic.name}」{label}：{topic_words(trial.topic)}",
             f"最近 {trial.days} 天发布的 {trial.scanned} 条帖子中（没有发布时间的按采集时间），会命中 {trial.matched} 条"
             + ("，例如：" if trial.examples else "")]
    for example in trial.examples:
        lines.append(fit(f"  {clock.brief_text(example['at'])}　{example['site']}　{example['title']}"))
    sys.stdout.write("\n".join(lines) + "\n")
