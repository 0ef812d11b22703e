"""`add` and `import` grade at once and escalate like a run; notices say exactly what
reached whom; `regrade` reconciles events no topic matches any more."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from forum_fixtures import discuz_page
from helpers import run
from robot_recorder import RobotRecorder
from test_collect import add_source

from yuqing.rules import rules_path_for

FRIDAY_10 = "2026-11-27T10:00:00+08:00"
TOPIC = """
[[topics]]
name = "清河县"
keywords = ["清河"]
"""
ROBOT = """
[robots."值班群"]
kind = "wecom"
url_secret = "duty_robot"
"""
EXPLOSION = "清河县化工厂发生爆炸，多人受伤，现场浓烟滚滚，消防正在处置。"


def write_rules(home: Path, extra: str = TOPIC, *, robot: bool = False) -> None:
    home.mkdir(parents=True, exist_ok=True)
    text = rules_path_for(None).read_text(encoding="utf-8")
    if robot:
        text = text.replace('[roles."值班员"]\nemails = []\nrobots = []',
                            '[roles."值班员"]\nemails = []\nrobots = ["值班群"]')
        extra += ROBOT
    (home / "rules.toml").write_text(text + extra, encoding="utf-8")


def notices(home: Path) -> list[str]:
    return sorted(p.read_text(encoding="utf-8") for p in (home / "outbox").rglob("*.md"))


@pytest.fixture
def robot(monkeypatch):
    with RobotRecorder() as rec:
        monkeypatch.setenv("YUQING_SECRET_DUTY_ROBOT", rec.add_wecom("DUTYKEY"))
        yield rec


def test_a_pasted_post_is_graded_and_notified_at_once(yuqing_home, monkeypatch, robot):
    write_rules(yuqing_home, robot=True)
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    result = run("add", "--title", "清河县化工厂发生爆炸", "--site", "微博", "--clicks", "5000", stdin=EXPLOSION)
    assert result.exit_code == 0, result.stderr
    assert "已录入 1 条" in result.stderr
    assert "事件 1，级别 特别重大" in result.stdout and "点击 5000 ≥ 3000 → 特别重大" in result.stdout
    [notice] = notices(yuqing_home)
    assert "【特别重大舆情】清河县化工厂发生爆炸" in notice
    [sent] = robot.accepted()
    assert "清河县化工厂发生爆炸" in sent.content()
    # The same post pasted again: same dedupe as `run`, nothing new is sent.
    again = run("add", "--title", "清河县化工厂发生爆炸", "--site", "微博", "--clicks", "5000", "--json",
                stdin=EXPLOSION)
    data = json.loads(again.stdout)
    assert data["posts"][0]["level"] == "特别重大" and data["notices"]["planned"] == []
    assert len(notices(yuqing_home)) == 1 and len(robot.accepted()) == 1
    assert run("escalate", "--json").exit_code == 0 and len(robot.accepted()) == 1


def test_no_escalate_grades_but_sends_nothing(yuqing_home, monkeypatch):
    write_rules(yuqing_home)
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    result = run("add", "--title", "清河县化工厂发生爆炸", "--clicks", "5000", "--no-escalate", "--json",
                 stdin=EXPLOSION)
    data = json.loads(result.stdout)
    assert data["posts"][0]["level"] == "特别重大" and data["notices"] is None
    assert notices(yuqing_home) == []
    with sqlite3.connect(yuqing_home / "yuqing.db") as conn:
        assert conn.execute("SELECT level FROM events").fetchall() == [("特别重大",)]


def test_import_grades_each_row_and_keeps_old_rows_quiet(yuqing_home, monkeypatch, tmp_path):
    write_rules(yuqing_home)
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    csv = tmp_path / "12345.csv"
    csv.write_text(
        "标题,内容,时间,浏览量\n"
        "清河县化工厂发生爆炸,清河县化工厂爆炸多人受伤,2026-11-27 09:30,5000\n"
        "清河县某路段积水严重,清河县某路段积水严重影响出行,2019-06-01 10:00,8000\n"
        "邻县修路,邻县某镇修路,2026-11-27 09:00,10\n", encoding="utf-8")
    result = run("import", str(csv), "--source", "12345热线", "--json")
    assert result.exit_code == 0, result.stderr
    posts = json.loads(result.stdout)["posts"]
    assert [p["level"] for p in posts] == ["特别重大", posts[1]["level"], None]
    assert posts[1]["stock"] == 1 and posts[1]["quiet"] == 1  # 2019: its 8000 views alert nobody
    assert posts[2]["event_id"] is None
    [notice] = notices(yuqing_home)
    assert "化工厂" in notice
    text = run("import", str(csv), "--source", "12345热线").stdout
    assert "未命中监测主题" in text and "存量帖" in text


def test_without_contacts_output_says_outbox_only_and_status_warns(yuqing_home, monkeypatch, http_server):
    write_rules(yuqing_home)
    monkeypatch.setenv("YUQING_NOW", "2026-11-28T22:00:00+08:00")  # Saturday night
    http_server.route("/forum", discuz_page([(1, "清河县路灯坏了", 1, 50)]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    result = run("run")
    assert result.exit_code == 0, result.stderr
    shown = result.stdout + result.stderr
    assert "值班员（未配置联系人，只写入发件箱）" in shown
    assert "发件箱已写入" in shown and "写入发件箱 1 份，送达邮件或机器人 0 项" in shown
    assert "顺延" not in shown  # the file channel wrote it at once: nothing was held
    status = run("status")
    assert "未配置邮箱或机器人" in status.stdout and "值班员" in status.stdout
    assert "写入发件箱 1 份" in status.stdout
    log = (yuqing_home / "logs" / "yuqing.log").read_text(encoding="utf-8")
    assert "written to the outbox" in log


def test_held_robot_delivery_is_the_only_thing_called_deferred(yuqing_home, monkeypatch, http_server, robot):
    write_rules(yuqing_home, robot=True)
    monkeypatch.setenv("YUQING_NOW", "2026-11-28T22:00:00+08:00")  # Saturday night: routine waits
    http_server.route("/forum", discuz_page([(1, "清河县路灯坏了", 1, 50)]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    result = run("run")
    shown = result.stdout + result.stderr
    assert "值班员（机器人 值班群）" in shown
    assert "发件箱已写入；机器人 值班群非工作时间顺延到" in shown
    assert "非工作时间顺延到上班 1 项" in shown and robot.requests == []
    assert "顺延 1" in run("status").stdout
    monkeypatch.setenv("YUQING_NOW", "2026-11-30T08:40:00+08:00")  # Monday, on duty
    assert run("escalate").exit_code == 0 and len(robot.accepted()) == 1


def test_regrade_lists_and_closes_events_that_no_longer_match(yuqing_home, monkeypatch, http_server):
    write_rules(yuqing_home, TOPIC + '\n[[topics]]\nname = "路灯"\nkeywords = ["路灯"]\n')
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    http_server.route("/forum", discuz_page([(1, "城关镇路灯坏了", 1, 50), (2, "清河县公交线路调整", 2, 80)]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    assert run("run").exit_code == 0
    assert len(json.loads(run("events", "--json").stdout)) == 2
    write_rules(yuqing_home)  # the 路灯 topic is dropped
    listed = run("regrade")
    assert "不再命中任何主题的事件 1 个" in listed.stdout and "城关镇路灯坏了" in listed.stdout
    marked = {e["title"]: e["marks"] for e in json.loads(run("events", "--json").stdout)}
    assert marked["城关镇路灯坏了"] == ["不再命中主题"] and marked["清河县公交线路调整"] == []
    closed = json.loads(run("regrade", "--close-unmatched", "--json").stdout)
    [verdict] = closed["dismissed"]
    assert verdict["reason"] == "规则调整后不再命中主题" and verdict["case_closed"]
    assert [e["title"] for e in json.loads(run("events", "--json").stdout)] == ["清河县公交线路调整"]
    daily = run("report", "daily", "--date", "2026-11-27", "--stdout").stdout
    assert "新增事件 1 个" in daily and "另有 1 个事件经人工研判为误报" in daily
    annual = run("report", "annual", "--year", "2026", "--stdout").stdout
    assert "形成舆情事件 1 个" in annual and "另有 1 个事件经人工研判为误报" in annual
    assert "立案处置 1 件" in annual  # the 误报 case does not count in the rates
    weekly = run("report", "weekly", "--week", "2026-W48", "--stdout").stdout
    assert "新增事件 1 个。另有 1 个事件经人工研判为误报" in weekly
    digest = run("report", "digest", "--from", "2026-11-27", "--stdout").stdout
    assert "城关镇路灯坏了" not in digest and "另有 1 个事件经人工研判为误报" in digest
    case = [c for c in json.loads(run("case", "list", "--json").stdout) if c["title"] == "城关镇路灯坏了"]
    assert case[0]["status"] == "已办结" and case[0]["result"] == "误报：规则调整后不再命中主题"
