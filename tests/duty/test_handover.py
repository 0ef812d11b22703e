"""`yuqing handover`: the shift's note and summary, stored, printed and written to reports/;
`todo` counts "new" from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import run
from shift_fixture import NEWS, at, start_shift, todo_json
from test_collect import rss

from yuqing.store import Store


@pytest.mark.slow
def test_handover_records_the_shift_and_resets_what_todo_calls_new(yuqing_home, http_server, monkeypatch):
    start_shift(http_server, yuqing_home, monkeypatch)
    at(monkeypatch, "2026-11-27T09:40:00+08:00")
    assert run("case", "act", "1", "--action", "转办", "--to", "县教育局", "--by", "小王").exit_code == 0
    assert run("case", "close", "2", "--result", "已答复", "--by", "小王").exit_code == 0

    at(monkeypatch, "2026-11-27T17:30:00+08:00")
    result = run("handover", "--note", "案件 1 等县教育局回复 & 明早再催；[突发] 标签照原样", "--by", "小王")
    assert result.exit_code == 0, result.stderr
    markdown = result.stdout
    assert markdown.startswith("# 交接班记录\n")
    assert "- 交接人：小王" in markdown
    assert "案件 1 等县教育局回复 & 明早再催；[突发] 标签照原样" in markdown  # as typed, no escapes
    assert "- 新事件：一般 1 个，较大 1 个（共 2 个）" in markdown
    assert "- 处置记录 3 条：转办 1，办结 1" not in markdown  # counted per action, below
    assert "转办 1" in markdown and "办结 1" in markdown
    assert "- 办结案件 1 件" in markdown and "- 在办案件 1 件，其中超时 0 件" in markdown
    assert "- 信息源「坏掉的论坛」失败" in markdown
    assert "&amp;" not in markdown and "\\[" not in markdown
    [path] = (yuqing_home / "reports").glob("handover-2026-11-27-1730.md")
    assert path.read_text(encoding="utf-8") == markdown and str(path) in result.stderr

    with Store(yuqing_home / "yuqing.db") as store:
        stored = store.last_handover()
    assert stored["by"] == "小王" and stored["since"] == "2026-11-26T09:30:00+00:00"
    assert stored["summary"]["new_events"] == {"一般": 1, "较大": 1} and stored["path"] == str(path)

    # todo now measures "new" from the handover and shows its note
    quiet = todo_json(monkeypatch, "2026-11-27T17:45:00+08:00")
    assert quiet["since_handover"] is True and quiet["since"] == "2026-11-27T17:30:00+08:00"
    assert quiet["events"] == [] and quiet["last_handover"]["note"].startswith("案件 1 等县教育局回复")
    text = run("todo").stdout
    assert "（新情况从上次交接 17:30 算起）" in text.splitlines()[0]
    assert "上次交接　17:30　小王" in text and "新的较大及以上事件" not in text

    # after the handover: a reprint of event 1 and a new story are news again; posts seen again are not
    http_server.route("/news", rss([*NEWS, ("清河县第一中学食堂食物中毒 多名学生送医（转载）", "http://example.cn/food-r"),
                                    ("清河县城南化工厂爆炸起火", "http://example.cn/fire")]))
    at(monkeypatch, "2026-11-27T18:00:00+08:00")
    run("run")
    later = todo_json(monkeypatch, "2026-11-27T18:05:00+08:00")
    changes = {e["title"]: e["change"] for e in later["events"]}
    assert changes == {"清河县第一中学食堂食物中毒 多名学生送医": "有新帖", "清河县城南化工厂爆炸起火": "新"}


def test_second_handover_covers_only_its_own_shift(yuqing_home, http_server, monkeypatch):
    start_shift(http_server, yuqing_home, monkeypatch)
    at(monkeypatch, "2026-11-27T17:30:00+08:00")
    assert run("handover", "--note", "白班结束").exit_code == 0
    at(monkeypatch, "2026-11-28T08:30:00+08:00")
    night = json.loads(run("handover", "--note", "夜班无事", "--json").stdout)
    assert night["since"] == "2026-11-27T17:30:00+08:00" and night["summary"]["new_events"] == {}
    assert night["summary"]["actions"] == [] and night["summary"]["open_cases"] == 2
    assert (yuqing_home / "reports" / "handover-2026-11-28-0830.md").exists()


def test_handover_needs_a_note(yuqing_home):
    result = run("handover", "--note", "   ")
    assert result.exit_code == 2 and "交接说明不能为空" in result.stderr and "Traceback" not in result.stderr
    missing = run("handover")
    assert missing.exit_code == 2 and "--note" in missing.stderr


@pytest.mark.slow
def test_handover_through_a_real_subprocess(yuqing_home, http_server, monkeypatch):
    start_shift(http_server, yuqing_home, monkeypatch)
    env = dict(os.environ, YUQING_HOME=str(yuqing_home), YUQING_NOW="2026-11-27T17:30:00+08:00")
    done = subprocess.run([sys.executable, "-m", "yuqing.cli", "handover", "--note", "交接", "--by", "值班员"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "# 交接班记录" in done.stdout and "已记录交接班（第 1 次）" in done.stderr
    todo = subprocess.run([sys.executable, "-m", "yuqing.cli", "todo"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert "上次交接　17:30　值班员" in todo.stdout


def test_handover_passes_on_the_overdue_letters_todo_shows(yuqing_home, monkeypatch):
    from pathlib import Path

    letters = Path(__file__).resolve().parents[1] / "fixtures" / "letters" / "12345-2026-11.csv"
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T17:30:00+08:00")
    assert run("letter", "import", str(letters)).exit_code == 0
    late = [x["number"] for x in json.loads(run("letter", "list", "--overdue", "--json").stdout)]
    assert late  # the fixture has a letter past its reply deadline
    result = run("handover", "--note", "无")
    assert result.exit_code == 0, result.stderr
    assert f"- 超时未回复来信 {len(late)} 封" in result.stdout
    assert all(number in result.stdout for number in late)
    with Store(yuqing_home / "yuqing.db") as store:
        summary = store.last_handover()["summary"]
    summary = json.loads(summary) if isinstance(summary, str) else summary
    assert [x["number"] for x in summary["overdue_letters"]] == late
