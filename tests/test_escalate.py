"""Escalation and cases through the CLI, on a frozen clock, against loopback servers."""

from __future__ import annotations

import json
import sqlite3

import pytest
from forum_fixtures import discuz_page
from helpers import run
from test_collect import add_source

from yuqing.rules import rules_path_for

WEBHOOK_RULES = """
[[topics]]
name = "清河县"
keywords = ["清河"]

[robots."值班群"]
kind = "webhook"
url_secret = "duty_hook"
"""

FRIDAY_10 = "2026-11-27T10:00:00+08:00"


def setup_workspace(home, monkeypatch, http_server, extra: str = WEBHOOK_RULES) -> None:
    home.mkdir(parents=True, exist_ok=True)
    text = rules_path_for(None).read_text(encoding="utf-8")
    text = text.replace('[roles."值班员"]\nemails = []\nrobots = []', '[roles."值班员"]\nemails = []\nrobots = ["值班群"]')
    (home / "rules.toml").write_text(text + extra, encoding="utf-8")
    http_server.route("/hook", '{"ok": true}', headers={"Content-Type": "application/json"})
    monkeypatch.setenv("YUQING_SECRET_DUTY_HOOK", http_server.url("/hook"))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")


def at(monkeypatch, moment: str) -> None:
    monkeypatch.setenv("YUQING_NOW", moment)


def forum(http_server, clicks: int, replies: int = 10, title: str = "清河县城关镇老街拆迁补偿不到位") -> None:
    http_server.route("/forum", discuz_page([(7, title, replies, clicks)]))


def hook_bodies(http_server) -> list[dict]:
    return [json.loads(r.body) for r in http_server.requests if r.path == "/hook"]


def escalate_json(*args):
    result = run("escalate", "--json", *args)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_a_case_from_first_notice_to_closure(yuqing_home, monkeypatch, http_server):
    setup_workspace(yuqing_home, monkeypatch, http_server)
    at(monkeypatch, FRIDAY_10)
    forum(http_server, clicks=1200)
    assert run("collect", "--force").exit_code == 0
    [body] = hook_bodies(http_server)
    assert body["notice_no"] == "YQ-2026-0001" and "重大" in body["subject"]
    assert "点击 1200 ≥ 1000 → 重大" in body["markdown"]
    assert "转办时限：11月27日 周五 12:00" in body["markdown"]
    outbox = list((yuqing_home / "outbox").rglob("YQ-2026-0001.md"))
    assert len(outbox) == 1
    # Rerun: nothing new is sent.
    assert run("collect", "--force").exit_code == 0 and escalate_json()["sent"] == 0
    assert len(hook_bodies(http_server)) == 1
    # 15 minutes before the forward deadline: a reminder.
    at(monkeypatch, "2026-11-27T11:45:00+08:00")
    report = escalate_json()
    assert [p["kind"] for p in report["planned"]] == ["reminder"]
    assert "时限提醒" in hook_bodies(http_server)[-1]["subject"]
    # Past it with nothing done: 超时催办 to the next role up as well.
    at(monkeypatch, "2026-11-27T12:05:00+08:00")
    report = escalate_json()
    [overdue] = report["planned"]
    assert overdue["kind"] == "overdue" and "主要领导" in overdue["roles"]
    listed = json.loads(run("case", "list", "--overdue", "--json").stdout)
    assert [c["id"] for c in listed] == [1] and listed[0]["overdue"][0].startswith("转办")
    assert listed[0]["overdue_kinds"] == ["转办"]
    for columns in ("80", "100"):  # an officer's terminal: nothing cut, the title whole, times folded
        monkeypatch.setenv("COLUMNS", columns)
        shown = run("case", "list").stdout
        assert "…" not in shown, shown
        title = "".join(line.split("│")[4].strip() for line in shown.splitlines() if line.startswith("│"))
        assert title == listed[0]["title"] and "12:00" in shown and "转办" in shown, shown
    # The officer acts; the record is append-only.
    assert run("case", "act", "1", "--action", "转办", "--to", "城关镇政府", "--by", "张三").exit_code == 0
    assert run("case", "act", "1", "--action", "回复", "--note", "已在论坛跟帖回应").exit_code == 0
    assert json.loads(run("case", "list", "--overdue", "--json").stdout) == []
    closed = run("case", "close", "1", "--result", "补偿款已发放，网民表示满意", "--by", "张三")
    assert closed.exit_code == 0
    shown = json.loads(run("case", "show", "1", "--json").stdout)
    assert shown["case"]["status"] == "已办结"
    assert [a["action"] for a in shown["actions"]] == ["转办", "回复", "办结"]
    assert shown["actions"][0]["by"] == "张三" and shown["actions"][0]["to_dept"] == "城关镇政府"
    assert run("case", "act", "1", "--action", "核实").exit_code == 2
    conn = sqlite3.connect(yuqing_home / "yuqing.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE case_actions SET by = '李四'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM case_actions")


def test_rise_sends_one_notice_per_level_change(yuqing_home, monkeypatch, http_server):
    setup_workspace(yuqing_home, monkeypatch, http_server)
    at(monkeypatch, FRIDAY_10)
    for clicks in (300, 1200, 1300, 3500):
        forum(http_server, clicks=clicks)
        run("collect", "--force")
    subjects = [b["subject"] for b in hook_bodies(http_server)]
    assert len(subjects) == 3
    assert "【一般舆情】" in subjects[0] and "升级为重大" in subjects[1] and "升级为特别重大" in subjects[2]
    case = json.loads(run("case", "show", "1", "--json").stdout)["case"]
    assert case["level"] == "特别重大" and case["status"] == "已升级"


def test_routine_notices_wait_for_duty_time_and_go_out_as_one_digest(yuqing_home, monkeypatch, http_server):
    setup_workspace(yuqing_home, monkeypatch, http_server)
    at(monkeypatch, "2026-11-28T22:00:00+08:00")  # Saturday night
    http_server.route("/forum", discuz_page([(1, "清河县路灯坏了", 1, 50), (2, "清河县公交线路调整", 2, 80)]))
    run("collect", "--force")
    assert hook_bodies(http_server) == []
    assert len(list((yuqing_home / "outbox").rglob("*.md"))) == 2  # the file outbox always
    report = escalate_json()
    assert report["sent"] == 0
    at(monkeypatch, "2026-11-30T08:40:00+08:00")  # Monday, on duty
    escalate_json()
    [digest] = hook_bodies(http_server)
    assert "2 条" in digest["subject"] and "YQ-2026-0001" in digest["markdown"]
    assert escalate_json()["sent"] == 0


def test_major_goes_out_at_night(yuqing_home, monkeypatch, http_server):
    setup_workspace(yuqing_home, monkeypatch, http_server)
    at(monkeypatch, "2026-10-03T03:00:00+08:00")  # 国庆 holiday, 3 a.m.
    forum(http_server, clicks=5000)
    run("collect", "--force")
    assert len(hook_bodies(http_server)) == 1


def test_dry_run_prints_and_leaves_no_trace(yuqing_home, monkeypatch, http_server):
    setup_workspace(yuqing_home, monkeypatch, http_server)
    at(monkeypatch, FRIDAY_10)
    forum(http_server, clicks=1200)
    run("collect", "--force", "--no-escalate")
    dry = run("escalate", "--dry-run")
    assert dry.exit_code == 0 and "将发送" in dry.stdout and "机器人 值班群" in dry.stdout
    assert hook_bodies(http_server) == []
    assert list((yuqing_home / "outbox").rglob("*.md")) == []
    assert json.loads(run("case", "list", "--json").stdout) == []
    assert escalate_json()["planned"][0]["kind"] == "level"  # the real run still numbers from 1
    assert hook_bodies(http_server)[0]["notice_no"] == "YQ-2026-0001"


def test_failing_webhook_is_retried_later_with_the_same_number(yuqing_home, monkeypatch, http_server):
    setup_workspace(yuqing_home, monkeypatch, http_server)
    http_server.sequence("/hook", [{"status": 500, "body": b"oops"}, {"body": b'{"ok": true}'}])
    at(monkeypatch, FRIDAY_10)
    forum(http_server, clicks=1200)
    run("collect", "--force")
    at(monkeypatch, "2026-11-27T10:02:00+08:00")
    escalate_json()
    bodies = hook_bodies(http_server)
    assert [b["notice_no"] for b in bodies] == ["YQ-2026-0001", "YQ-2026-0001"]
    at(monkeypatch, "2026-11-27T10:30:00+08:00")
    escalate_json()
    assert len(hook_bodies(http_server)) == 2


def test_missing_robot_secret_is_a_clear_config_failure(yuqing_home, monkeypatch, http_server):
    setup_workspace(yuqing_home, monkeypatch, http_server)
    monkeypatch.delenv("YUQING_SECRET_DUTY_HOOK")
    at(monkeypatch, FRIDAY_10)
    forum(http_server, clicks=1200)
    run("collect", "--force", "--no-escalate")
    result = run("escalate")
    assert result.exit_code == 1 and "YUQING_SECRET_DUTY_HOOK" in result.stderr


def test_source_failures_notify_the_operator_once_per_streak(yuqing_home, monkeypatch, http_server):
    setup_workspace(yuqing_home, monkeypatch, http_server)
    at(monkeypatch, FRIDAY_10)
    http_server.route("/forum", b"gone", status=500)
    for _ in range(4):
        run("collect", "--force")
    sources = [b for b in hook_bodies(http_server) if "信息源故障" in b["subject"]]
    assert len(sources) == 1 and "论坛" in sources[0]["subject"]
    planned = json.loads(run("escalate", "--dry-run", "--json").stdout)["planned"]
    assert planned == []


def test_secrets_never_reach_outbox_database_or_output(yuqing_home, monkeypatch, http_server):
    """T27 for the parts escalate owns."""
    setup_workspace(yuqing_home, monkeypatch, http_server)
    secret_url = http_server.url("/hook") + "?key=SUPERSECRETKEY123"
    http_server.route("/hook?key=SUPERSECRETKEY123", b"nope", status=500)
    monkeypatch.setenv("YUQING_SECRET_DUTY_HOOK", secret_url)
    at(monkeypatch, FRIDAY_10)
    forum(http_server, clicks=1200)
    result = run("collect", "--force", "--json")
    assert "SUPERSECRETKEY123" not in result.stdout + result.stderr
    for path in yuqing_home.glob("yuqing.db*"):
        assert b"SUPERSECRETKEY123" not in path.read_bytes()
    conn = sqlite3.connect(yuqing_home / "yuqing.db")
    errors = [r[0] for r in conn.execute("SELECT last_error FROM deliveries WHERE last_error IS NOT NULL")]
    assert errors and not any("SUPERSECRETKEY123" in e for e in errors)
    for path in (yuqing_home / "outbox").rglob("*"):
        if path.is_file():
            assert "SUPERSECRETKEY123" not in path.read_text(encoding="utf-8")


def test_scraped_mentions_and_links_are_inert(yuqing_home, monkeypatch, http_server):
    """T26: scraped text never mentions anyone nor links to javascript:."""
    setup_workspace(yuqing_home, monkeypatch, http_server)
    at(monkeypatch, FRIDAY_10)
    forum(http_server, clicks=1500,
          title='清河 @all <at user_id="all">所有人</at> <@U123> [点我](javascript:alert(1)) | 表格')
    run("collect", "--force")
    [body] = hook_bodies(http_server)
    text = body["markdown"]
    assert "@all" not in text and '<at user_id="all">' not in text and "<@U123>" not in text
    assert "](javascript:" not in text and ") | 表格" in text  # a pipe outside a table needs no escape
