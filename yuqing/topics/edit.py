"""Editing the [[topics]] of rules.toml, comments kept.

Every edit checks the file first (never rewrite a table we cannot read), checks the
result before it replaces the file, and replaces it atomically: a cron run reading
rules.toml at that moment sees the old table or the new one, never half of it.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit

from yuqing.errors import BusyError, ConfigError, UsageError
from yuqing.rules import Rules, Topic, check_rules, load_rules
from yuqing.workspace import Workspace, ensure_workspace

if TYPE_CHECKING:
    from yuqing.events.grouping import EventUpdate
    from yuqing.store import Store

_SEPARATORS = re.compile(r"[,，、;；\n]+")
HEADER = "# 监测主题（yuqing topic add / remove 会修改这里，注释会保留）"


def parse_words(value: str | None) -> tuple[str, ...]:
    """`a,b，c、d` → ("a", "b", "c", "d"): the officer types commas of either width."""
    if not value:
        return ()
    return tuple(dict.fromkeys(w.strip() for w in _SEPARATORS.split(value) if w.strip()))


def rules_file(workspace: Workspace) -> Path:
    """The workspace's rules.toml, created from the bundled default on first use."""
    ensure_workspace(workspace)
    return workspace.rules_path


def list_topics(path: Path) -> tuple[Topic, ...]:
    return load_rules(path).topics


def find_topic(path: Path, name: str) -> Topic:
    for topic in list_topics(path):
        if topic.name == name:
            return topic
    raise UsageError(f"{path} 中没有名为「{name}」的监测主题（用 yuqing topic list 查看）")


def make_topic(name: str, keywords: str | None, all_words: str | None, exclude: str | None) -> Topic:
    name = name.strip()
    if not name:
        raise UsageError("主题名称不能为空")
    topic = Topic(name, parse_words(keywords), parse_words(all_words), parse_words(exclude))
    if not topic.keywords:
        raise UsageError("--keywords 至少要有一个词，多个词用逗号分开，如 --keywords 拆迁,征地,补偿款")
    clash = set(topic.exclude) & set(topic.keywords + topic.all)
    if clash:
        raise UsageError(f"「{'、'.join(sorted(clash))}」既是关键词又在 --exclude 中，这个主题永远不会命中")
    return topic


def add_topic(path: Path, topic: Topic, *, replace: bool = False) -> bool:
    """Add the topic (or replace the one of that name); True when it replaced one."""
    names = [t.name for t in list_topics(path)]
    if topic.name in names and not replace:
        raise UsageError(f"已有名为「{topic.name}」的监测主题：要修改请加 --replace，或先 yuqing topic remove")
    doc = _document(path)
    tables = doc.get("topics")
    if tables is None:
        tables = tomlkit.aot()
        if HEADER not in tomlkit.dumps(doc):  # left behind when the last topic was removed
            doc.add(tomlkit.nl())
            doc.add(tomlkit.comment(HEADER[2:]))
        doc.append("topics", tables)
    replaced = topic.name in names
    if replaced:
        tables[names.index(topic.name)] = _table(topic, _department(tables[names.index(topic.name)]))
    else:
        tables.append(_table(topic))
    _write_checked(path, doc)
    return replaced


def remove_topic(path: Path, name: str) -> Topic:
    topic = find_topic(path, name)
    doc = _document(path)
    tables = doc["topics"]
    index = [t.get("name") for t in tables].index(name)
    del tables[index]
    if not len(tables):
        del doc["topics"]
    _write_checked(path, doc)
    return topic


def _department(table: Any) -> str | None:
    value = table.get("department")
    return str(value) if value is not None else None


def _table(topic: Topic, department: str | None = None) -> Any:
    table = tomlkit.table()
    table["name"] = topic.name
    table["keywords"] = list(topic.keywords)
    if topic.all:
        table["all"] = list(topic.all)
    if topic.exclude:
        table["exclude"] = list(topic.exclude)
    if department:
        table["department"] = department
    table.add(tomlkit.nl())
    return table


def _document(path: Path) -> tomlkit.TOMLDocument:
    load_rules(path)  # a table we cannot read is reported, never rewritten
    return tomlkit.parse(path.read_text(encoding="utf-8"))


def _write_checked(path: Path, doc: tomlkit.TOMLDocument) -> None:
    handle, name = tempfile.mkstemp(prefix=".rules-", suffix=".toml", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(tomlkit.dumps(doc))
        problems = check_rules(temporary)
        if problems:
            raise ConfigError(f"修改后的 {path} 无法通过检查，未保存：" + "；".join(
                p.replace(str(temporary), path.name) for p in problems))
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def reconcile(store: Store, rules: Rules) -> EventUpdate:
    """After a topic changed: exactly what `yuqing regrade` does (re-read every post, group
    what now matches, re-grade every event). The one seam for rules edits: when regrade
    gains steps, add them here. Events no topic matches any more are marked 「不再命中主题」
    for the officer (closing them is `yuqing regrade --close-unmatched`)."""
    from yuqing.events.verdicts import regrade

    return regrade(store, rules, close_unmatched=False, by=None).update


def reconcile_workspace(workspace: Workspace, rules: Rules) -> EventUpdate:
    """`reconcile` under the run lock, so a cron run never grades with half the old table;
    while one runs, the edit stays saved and the officer is told how to finish it."""
    from yuqing.store import Store
    from yuqing.store.lock import run_lock

    try:
        with run_lock(workspace.home, "重新分级"), Store(workspace.db_path) as store:
            return reconcile(store, rules)
    except BusyError:
        raise BusyError("主题已保存到 rules.toml，但另一个 yuqing 任务正在运行，已采集的帖子还没有按新主题"
                        "重新匹配：等它结束后运行 yuqing regrade") from None
