"""`yuqing todo`: what needs the duty officer now, most urgent first, in 80 columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import run
from rich.cells import cell_len
from shift_fixture import MORNING, at, start_shift, todo_json
from test_collect import RSS, add_source, rss

from yuqing.commands.duty_view import fit, wrap


def test_empty_workspace_is_one_all_clear_line(yuqing_home, monkeypatch):
    at(monkeypatch, MORNING)
    result = run("todo")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("一切正常（09:00）") and cell_len(lines[0]) <= 80
    data = json.loads(run("todo", "--json").stdout)
    assert data["all_clear"] is True and data["overdue_cases"] == [] and data["last_handover"] is None


def test_deadlines_soon_then_overdue_events_notices_and_failing_sources(yuqing_home, http_server, monkeypatch):
    start_shift(http_server, yuqing_home, monkeypatch)
    soon = todo_json(monkeypatch, "2026-11-27T10:30:00+08:00")
    assert soon["since_handover"] is False and soon["overdue_cases"] == []
    # both cases must be forwarded by 11:00; the higher level comes first at the same time
    assert [(d["kind"], d["level"]) for d in soon["due_soon"]] == [("转办", "较大"), ("转办", "一般")]
    assert [(e["title"], e["change"]) for e in soon["events"]] == [("清河县第一中学食堂食物中毒 多名学生送医", "新")]
    assert {n["state"] for n in soon["notices"]} == {"retrying"}
    assert all("500" in n["error"] for n in soon["notices"])
    [source] = soon["sources"]
    assert source["name"] == "坏掉的论坛" and source["text"] == "失败（下次运行重试）：HTTP 404"
    [backing_off] = todo_json(monkeypatch, "2026-11-27T09:05:00+08:00")["sources"]
    assert backing_off["text"] == "失败（退避中，下次 09:10 重试）：HTTP 404"

    late = todo_json(monkeypatch, "2026-11-27T12:00:00+08:00")
    assert [c["level"] for c in late["overdue_cases"]] == ["较大", "一般"]
    assert late["overdue_cases"][0]["late"] == [{"kind": "转办", "due": "2026-11-27T11:00:00+08:00"}]
    assert late["due_soon"] == []

    text = run("todo").stdout
    lines = text.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), [line for line in lines if cell_len(line) > 80]
    headings = [line.split(" ")[0] for line in lines if line and not line.startswith(" ")]
    assert headings == ["值班待办　2026-11-27", "采集停止", "超时案件", "新的较大及以上事件", "未送达的通知", "信息源异常"]
    assert "  坏掉的论坛：失败（下次运行重试）：HTTP 404（连续 1 次）" in lines
    assert "2 小时内到期" not in text  # empty sections are left out

    assert run("case", "act", "1", "--action", "转办", "--to", "县教育局", "--by", "值班员").exit_code == 0
    after = todo_json(monkeypatch, "2026-11-27T12:00:00+08:00")
    assert [c["id"] for c in after["overdue_cases"]] == [2]


def test_notices_held_for_duty_hours_show_when_they_go(yuqing_home, http_server, monkeypatch):
    start_shift(http_server, yuqing_home, monkeypatch)
    http_server.route("/robot", b'{"errcode": 0}')
    http_server.route("/news", rss([("清河县城南菜市场污水横流", "http://example.cn/market")]))
    at(monkeypatch, "2026-11-27T22:00:00+08:00")  # Friday night: routine notices wait for Monday
    run("run")
    data = todo_json(monkeypatch, "2026-11-27T22:05:00+08:00")
    held = [n for n in data["notices"] if n["state"] == "held"]
    lamp = [n for n in held if "菜市场" in n["subject"]]  # the morning's retries wait for Monday too
    assert len(lamp) == 1 and lamp[0]["until"] == "2026-11-30T08:30:00+08:00"  # Monday 08:30
    assert all(n["until"] == lamp[0]["until"] for n in held)
    line = next(line for line in run("todo").stdout.splitlines() if lamp[0]["notice_no"] in line)
    assert line.startswith(f"  {lamp[0]['notice_no']} 值班群 上班后发（11-30 08:30）　【一般舆情】清河县城南菜市场")


def test_many_overdue_cases_are_counted_not_listed(yuqing_home, http_server, monkeypatch):
    items = [(f"清河县第{i}号公告：供水管网检修", f"http://example.cn/water{i}") for i in range(13)]
    at(monkeypatch, MORNING)
    http_server.route("/many", rss(items))
    add_source(http_server.url("/many"), "公告")
    (yuqing_home / "rules.toml").write_text(
        (yuqing_home / "rules.toml").read_text(encoding="utf-8") + '\n[[topics]]\nname = "供水"\nkeywords = ["供水"]\n',
        encoding="utf-8")
    assert run("run").exit_code == 0
    at(monkeypatch, "2026-11-27T15:00:00+08:00")
    data = json.loads(run("todo", "--json").stdout)
    lines = run("todo").stdout.splitlines()
    overdue = len(data["overdue_cases"])
    assert overdue > 10  # reprints may merge, but these are separate notices on one site
    assert f"超时案件 {overdue} 件" in lines
    assert f"  …还有 {overdue - 10} 件（yuqing case list --overdue）" in lines


def test_collection_that_never_ran_or_stopped_is_not_all_clear(yuqing_home, http_server, monkeypatch):
    at(monkeypatch, MORNING)
    http_server.route("/f", rss([("外县新闻", "http://example.cn/1")]))
    add_source(http_server.url("/f"), "源")
    never = json.loads(run("todo", "--json").stdout)
    assert never["all_clear"] is False and never["collection"].startswith("还没有采集过")
    assert run("run").exit_code == 0
    assert json.loads(run("todo", "--json").stdout)["all_clear"] is True
    at(monkeypatch, "2026-11-27T10:30:00+08:00")  # no run for 90 minutes: cron has stopped
    lines = run("todo").stdout.splitlines()
    assert lines[2] == "采集停止" and "最近一次采集在 2026-11-27 09:00，已超过 1 小时没有运行" in lines[3]


def test_broken_config_that_stops_cron_tops_the_list(yuqing_home, monkeypatch):
    at(monkeypatch, MORNING)
    assert run("init").exit_code == 0
    (yuqing_home / "sources.toml").write_text("[[sources]\nname = ", encoding="utf-8")
    data = json.loads(run("todo", "--json").stdout)
    assert len(data["config_problems"]) == 1 and "sources.toml" in data["config_problems"][0]
    assert data["all_clear"] is False
    assert run("todo").stdout.splitlines()[2].startswith("配置错误 1 处")


@pytest.mark.slow
def test_todo_through_a_real_subprocess(yuqing_home, http_server, monkeypatch):
    start_shift(http_server, yuqing_home, monkeypatch)
    env = dict(os.environ, YUQING_HOME=str(yuqing_home), YUQING_NOW="2026-11-27T12:00:00+08:00")
    done = subprocess.run([sys.executable, "-m", "yuqing.cli", "todo"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert "超时案件 2 件" in done.stdout and "Traceback" not in done.stdout
    assert all(cell_len(line) <= 80 for line in done.stdout.splitlines())


def test_fit_and_wrap_count_terminal_cells():
    assert fit("标题" * 50) == "标题" * 19 + "标…" and cell_len(fit("标题" * 50)) == 79  # no half characters
    assert fit("  [突发] a&b\n第二行") == "  [突发] a&b 第二行"
    assert [cell_len(line) for line in wrap("交" * 100)] == [80, 80, 46]  # 39 characters after the indent
    assert wrap("交" * 38 + "和 logs/yuqing.log") == ["  " + "交" * 38 + "和", "  logs/yuqing.log"]
    assert wrap("交" * 39 + "，接") == ["  " + "交" * 38, "  交，接"]  # no line opens with a comma


def test_an_old_story_first_collected_now_is_marked_as_stock(yuqing_home, http_server, monkeypatch):
    """The first collection of a source carries old posts (存量): they become events, and an
    old story at 较大 sends no notice; todo lists it among the new 较大 events, so it says
    「（存量）」 there, as the reports do."""
    at(monkeypatch, MORNING)
    assert run("init").exit_code == 0
    rules = yuqing_home / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8") + '\n[[topics]]\nname = "清河县"\nkeywords = ["清河"]\n',
                     encoding="utf-8")
    http_server.route("/news", RSS.format(encoding="utf-8", items=(
        "<item><title>清河县第一中学食堂食物中毒 多名学生送医</title><link>http://example.cn/2019/food</link>"
        "<pubDate>Sat, 27 Apr 2019 09:12:00 +0800</pubDate><description>正文</description></item>")))
    add_source(http_server.url("/news"), "县新闻网", "rss")
    assert run("run").exit_code == 0
    [event] = todo_json(monkeypatch, "2026-11-27T09:30:00+08:00")["events"]
    assert event["stock"] is True and event["level"] in ("较大", "重大", "特别重大")
    assert "（存量）" in next(line for line in run("todo").stdout.splitlines() if "食物中毒" in line)
