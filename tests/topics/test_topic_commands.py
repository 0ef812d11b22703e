"""`yuqing topic list/add/remove/test`: rules.toml edited from the command line with the
officer's comments kept, and a changed topic reconciled like `yuqing regrade`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import pytest
from helpers import run
from test_collect import add_source, rss

from yuqing.store import Store
from yuqing.topics.edit import parse_words

OFFICER_RULES_TAIL = '''
# 本单位自己加的主题 —— 张三 2026-11 整理
[[topics]]
name = "清河县"   # 全县的帖子都看
keywords = ["清河"]
exclude = ["招聘"]

[robots."值班群"]  # 值班群机器人
kind = "webhook"
url_secret = "duty_robot"
'''

POSTS = [
    ("城关镇老街拆迁补偿款拖欠半年", "http://example.cn/1"),
    ("河西乡征地补偿标准公示", "http://example.cn/2"),
    ("县城拆迁公司招聘司机", "http://example.cn/3"),
    ("清河县举办柑橘文化节", "http://example.cn/4"),
]


@pytest.fixture
def workspace(yuqing_home, http_server, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T09:00:00+08:00")
    assert run("init").exit_code == 0
    rules = yuqing_home / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8") + OFFICER_RULES_TAIL, encoding="utf-8")
    http_server.route("/news", rss(POSTS))
    add_source(http_server.url("/news"), "县新闻网")
    assert run("run").exit_code == 0
    return yuqing_home


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if "#" in line]


def events(home) -> list[dict]:
    with Store(home / "yuqing.db") as store:
        return store.list_events()


def test_add_keeps_comments_and_regroups_stored_posts(workspace):
    rules = workspace / "rules.toml"
    before = rules.read_text(encoding="utf-8")
    assert [e["title"] for e in events(workspace)] == ["清河县举办柑橘文化节"]

    result = run("topic", "add", "征地拆迁", "--keywords", "拆迁，征地、补偿款", "--exclude", "招聘")
    assert result.exit_code == 0, result.stderr
    assert "已添加监测主题「征地拆迁」" in result.stderr and "同 yuqing regrade" in result.stderr
    assert "预警通知" not in result.stderr  # both new events are 一般: nothing to announce
    after = rules.read_text(encoding="utf-8")
    assert comments(after) == comments(before)  # every comment, in place, inline ones included
    topics = tomllib.loads(after)["topics"]
    assert topics[1] == {"name": "征地拆迁", "keywords": ["拆迁", "征地", "补偿款"], "exclude": ["招聘"]}
    assert after.index('name = "征地拆迁"') < after.index('[robots."值班群"]')  # next to the other topic
    # the stored posts were matched again at once: the two compensation stories are events now
    assert sorted(e["title"] for e in events(workspace)) == [
        "城关镇老街拆迁补偿款拖欠半年", "河西乡征地补偿标准公示", "清河县举办柑橘文化节"]

    listed = json.loads(run("topic", "list", "--json").stdout)
    assert [t["name"] for t in listed] == ["清河县", "征地拆迁"]
    assert "任一：拆迁、征地、补偿款；排除：招聘" in run("topic", "list").stdout


def test_an_event_the_new_topic_raises_is_announced_by_the_next_run(workspace, http_server):
    http_server.route("/news", rss([*POSTS, ("河西乡化工厂爆炸致3人遇难", "http://example.cn/5")]))
    assert run("run").exit_code == 0
    added = run("topic", "add", "安全生产", "--keywords", "爆炸")
    assert added.exit_code == 0, added.stderr
    assert "→ 较大" in added.stderr or "→ 重大" in added.stderr, added.stderr
    assert "预警通知在下次 yuqing run（或 yuqing escalate）时发出" in added.stderr

    def notices_about_it() -> int:
        return sum("河西乡化工厂爆炸" in f.read_text(encoding="utf-8") for f in (workspace / "outbox").rglob("*.md"))

    assert notices_about_it() == 0  # the topic edit itself sends nothing
    http_server.route("/news", rss([*POSTS, ("河西乡化工厂爆炸致3人遇难", "http://example.cn/5"),
                                    ("城关镇烟花仓库爆炸致2人受伤", "http://example.cn/6")]))
    again = run("run")
    assert again.exit_code == 0 and notices_about_it() == 1
    # the run's own new 较大 event is announced by the run itself: no hint about a next run
    assert "城关镇烟花仓库爆炸" in again.stdout + again.stderr and "预警通知在下次" not in again.stdout + again.stderr


def test_replace_and_remove(workspace):
    assert run("topic", "add", "征地拆迁", "--keywords", "拆迁").exit_code == 0
    again = run("topic", "add", "征地拆迁", "--keywords", "征地")
    assert again.exit_code == 2 and "--replace" in again.stderr
    assert run("topic", "add", "征地拆迁", "--keywords", "征地", "--all", "补偿", "--replace").exit_code == 0
    topics = tomllib.loads((workspace / "rules.toml").read_text(encoding="utf-8"))["topics"]
    assert topics[1] == {"name": "征地拆迁", "keywords": ["征地"], "all": ["补偿"]}

    removed = run("topic", "remove", "征地拆迁")
    assert removed.exit_code == 0 and "已删除监测主题「征地拆迁」" in removed.stderr
    assert [t["name"] for t in json.loads(run("topic", "list", "--json").stdout)] == ["清河县"]
    missing = run("topic", "remove", "征地拆迁")
    assert missing.exit_code == 2 and "没有名为「征地拆迁」的监测主题" in missing.stderr


def test_first_topic_in_the_bundled_table_and_last_one_removed(yuqing_home):
    assert run("init").exit_code == 0
    rules = yuqing_home / "rules.toml"
    before = rules.read_text(encoding="utf-8")
    assert run("topic", "add", "食品药品安全", "--keywords", "食堂,食品").exit_code == 0
    assert comments(before) == [c for c in comments(rules.read_text(encoding="utf-8")) if "topic add" not in c]
    assert run("topic", "remove", "食品药品安全").exit_code == 0
    assert run("topic", "add", "食品药品安全", "--keywords", "食堂").exit_code == 0
    text = rules.read_text(encoding="utf-8")
    assert text.count("yuqing topic add / remove") == 1
    assert run("rules", "check").exit_code == 0


@pytest.mark.parametrize(("args", "message"), [
    (("topic", "add", "空", "--keywords", " , ，"), "--keywords 至少要有一个词"),
    (("topic", "add", "矛盾", "--keywords", "招聘", "--exclude", "招聘"), "永远不会命中"),
    (("topic", "add", "  ", "--keywords", "a"), "主题名称不能为空"),
    (("topic", "test", "没有这个"), "没有名为「没有这个」的监测主题"),
])
def test_bad_input_is_one_chinese_line(yuqing_home, args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_broken_table_is_reported_not_rewritten(yuqing_home):
    assert run("init").exit_code == 0
    rules = yuqing_home / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n[[topics]]\nname = \"坏\"\n", encoding="utf-8")
    before = rules.read_bytes()
    result = run("topic", "add", "新", "--keywords", "词")
    assert result.exit_code == 2 and "keywords" in result.stderr
    assert rules.read_bytes() == before


def test_topic_test_counts_recent_posts_with_examples(workspace, monkeypatch):
    assert run("topic", "add", "征地拆迁", "--keywords", "拆迁,征地", "--exclude", "招聘").exit_code == 0
    trial = json.loads(run("topic", "test", "征地拆迁", "--json").stdout)
    assert (trial["scanned"], trial["matched"], trial["draft"]) == (4, 2, False)
    assert sorted(e["title"] for e in trial["examples"]) == ["城关镇老街拆迁补偿款拖欠半年", "河西乡征地补偿标准公示"]
    draft = json.loads(run("topic", "test", "拆迁", "--keywords", "拆迁", "--json").stdout)
    assert draft["matched"] == 2 and draft["draft"] is True  # the 招聘 post counts without the exclude
    text = run("topic", "test", "征地拆迁").stdout
    assert "最近 30 天发布的 4 条帖子中（没有发布时间的按采集时间），会命中 2 条，例如：" in text
    monkeypatch.setenv("YUQING_NOW", "2027-01-15T09:00:00+08:00")  # the posts are now older than 30 days
    assert json.loads(run("topic", "test", "征地拆迁", "--json").stdout)["scanned"] == 0


@pytest.mark.slow
def test_topic_commands_through_a_real_subprocess_and_the_next_run_uses_them(workspace, http_server):
    env = dict(os.environ, YUQING_HOME=str(workspace))

    def yuqing(*args):
        return subprocess.run([sys.executable, "-m", "yuqing.cli", *args], env=env, capture_output=True,
                              text=True, timeout=60)

    added = yuqing("topic", "add", "征地拆迁", "--keywords", "拆迁,强拆")
    assert added.returncode == 0 and "已添加监测主题" in added.stderr
    tried = yuqing("topic", "test", "征地拆迁")
    assert tried.returncode == 0 and "会命中 2 条" in tried.stdout
    http_server.route("/news", rss([*POSTS, ("河东村民反映夜间强拆", "http://example.cn/5")]))
    assert yuqing("run").returncode == 0
    assert "河东村民反映夜间强拆" in [e["title"] for e in events(workspace)]


HOLD_LOCK = """
import sys, time
from pathlib import Path
from yuqing.store.lock import run_lock
with run_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_run_in_progress_keeps_the_edit_and_says_how_to_finish(workspace):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(workspace)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"  # a cron run is in progress
        result = run("topic", "add", "征地拆迁", "--keywords", "拆迁")
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 4 and "主题已保存到 rules.toml" in result.stderr and "yuqing regrade" in result.stderr
    assert "征地拆迁" in [t["name"] for t in json.loads(run("topic", "list", "--json").stdout)]
    assert run("regrade").exit_code == 0
    assert "城关镇老街拆迁补偿款拖欠半年" in [e["title"] for e in events(workspace)]


def test_parse_words_takes_either_comma():
    assert parse_words("拆迁,征地，补偿款、强拆; 拆迁") == ("拆迁", "征地", "补偿款", "强拆")
    assert parse_words(None) == ()
